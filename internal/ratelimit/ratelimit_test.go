package ratelimit

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestParseLimit(t *testing.T) {
	var l Limits
	for _, s := range []string{"5", "rdap.sidn.nl=2.5", "WHOIS.EXAMPLE=0.5"} {
		if err := l.ParseLimit(s); err != nil {
			t.Fatal(err)
		}
	}
	if l.Rate("other.example") != 5 || l.Rate("rdap.sidn.nl") != 2.5 || l.Rate("whois.example") != 0.5 {
		t.Errorf("limits %+v", l)
	}
	for _, bad := range []string{"", "0", "-1", "fast", "=3", "host=", "host=NaN", "host=Inf"} {
		if err := (&Limits{}).ParseLimit(bad); err == nil {
			t.Errorf("ParseLimit(%q) accepted", bad)
		}
	}
	if (Limits{}).Rate("x") != DefaultRate {
		t.Error("no default rate")
	}
}

func TestTooLongWaitTakesNothing(t *testing.T) {
	l := New(Limits{Default: 1}) // one request a second
	ctx := context.Background()
	if err := l.Wait(ctx, "a.example", time.Second); err != nil {
		t.Fatal(err) // the first is free
	}
	err := l.Wait(ctx, "a.example", 100*time.Millisecond)
	var tl *TooLongError
	if !errors.As(err, &tl) || tl.Delay <= 900*time.Millisecond || tl.Delay > time.Second {
		t.Fatalf("second request: %v", err)
	}
	// The refused reservation was given back: the delay did not grow.
	err = l.Wait(ctx, "a.example", 100*time.Millisecond)
	if !errors.As(err, &tl) || tl.Delay > time.Second {
		t.Errorf("third request: %v", err)
	}
	// Another host has its own bucket.
	if err := l.Wait(ctx, "b.example", 10*time.Millisecond); err != nil {
		t.Errorf("other host: %v", err)
	}
}

func TestShareAndPenalty(t *testing.T) {
	clock := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
	l := New(Limits{Default: 10})
	l.now = func() time.Time { return clock }
	if r := l.Rate("a.example"); r != 10 {
		t.Fatalf("rate %v", r)
	}
	l.SetShare(4)
	if r := l.Rate("a.example"); r != 2.5 {
		t.Errorf("rate with 4 sharing: %v", r)
	}
	l.Penalize("a.example", 30*time.Second)
	if r := l.Rate("a.example"); r != 1.25 {
		t.Errorf("rate after a 429: %v", r)
	}
	err := l.Wait(context.Background(), "a.example", time.Second)
	var tl *TooLongError
	if !errors.As(err, &tl) || tl.Delay != 30*time.Second {
		t.Errorf("wait during the pause: %v", err)
	}
	clock = clock.Add(30*time.Second + penaltyPeriod)
	if r := l.Rate("a.example"); r != 2.5 {
		t.Errorf("rate after the penalty: %v", r)
	}
}

func TestWaitHonoursContext(t *testing.T) {
	l := New(Limits{Default: 0.1})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_ = l.Wait(ctx, "a.example", 0)
	if err := l.Wait(ctx, "a.example", 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
}
