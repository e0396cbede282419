package staffauth

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheckerDoesTheSameWorkForEveryName(t *testing.T) {
	cheap := Params{Memory: 8 * 1024, Time: 1, Threads: 1}
	var calls atomic.Int64
	var costs []string
	c := &Checker{Params: cheap, Verify: func(encoded, pw string) bool {
		calls.Add(1)
		costs = append(costs, strings.Join(strings.Split(encoded, "$")[:4], "$"))
		return Verify(encoded, pw)
	}}
	ctx := context.Background()
	real := Hash("the right password", cheap)
	for _, tc := range []struct {
		encoded, pw string
		want        bool
	}{{real, "the right password", true}, {real, "a wrong password", false}, {"", "the right password", false}} {
		ok, renewed, err := c.Check(ctx, tc.encoded, tc.pw)
		if err != nil || ok != tc.want || renewed != "" {
			t.Errorf("Check(%q): %v %q %v, want %v", tc.encoded, ok, renewed, err, tc.want)
		}
	}
	if calls.Load() != 3 || costs[2] != costs[0] {
		t.Errorf("%d hashes at costs %v: an account-less name must cost one hash like the others", calls.Load(), costs)
	}

	// A hash at old costs is renewed at the checker's.
	ok, renewed, err := c.Check(ctx, Hash("the right password", Params{Memory: 9 * 1024, Time: 1, Threads: 1}), "the right password")
	if !ok || err != nil || NeedsRehash(renewed, cheap) || !Verify(renewed, "the right password") {
		t.Errorf("renewal: %v %q %v", ok, renewed, err)
	}
}

func TestCheckerRefusesWhenBusy(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	c := &Checker{Slots: 1, Wait: 50 * time.Millisecond, Params: Params{Memory: 8 * 1024, Time: 1, Threads: 1},
		Verify: func(string, string) bool { close(entered); <-release; return false }}
	done := make(chan error)
	go func() { _, _, err := c.Check(context.Background(), "", "x"); done <- err }()
	<-entered
	if _, _, err := c.Check(context.Background(), "", "y"); !errors.Is(err, ErrBusy) {
		t.Errorf("with the slot taken: %v, want ErrBusy", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Error(err)
	}
}
