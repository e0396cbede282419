package ratelimit

import (
	"context"
	"errors"
	"sync"
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

// recorder is an Observer that remembers what it was told.
type recorder struct {
	mu        sync.Mutex
	waits     map[string][]time.Duration
	deferrals map[string]int
	penalties map[string]int
}

func newRecorder() *recorder {
	return &recorder{waits: map[string][]time.Duration{}, deferrals: map[string]int{}, penalties: map[string]int{}}
}

func (r *recorder) ObserveWait(host string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits[host] = append(r.waits[host], d)
}

func (r *recorder) ObserveDeferral(host string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deferrals[host]++
}

func (r *recorder) ObservePenalty(host string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.penalties[host]++
}

func TestObserver(t *testing.T) {
	l := New(Limits{Default: 20}) // one request every 50 ms
	rec := newRecorder()
	l.SetObserver(rec)
	ctx := context.Background()
	for range 2 {
		if err := l.Wait(ctx, "A.example", 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Wait(ctx, "a.example", 10*time.Millisecond); err == nil {
		t.Fatal("a third request at once was let through")
	}
	l.Penalize("A.Example", time.Second)
	waits := rec.waits["a.example"]
	if len(waits) != 2 || waits[0] != 0 || waits[1] < 40*time.Millisecond || waits[1] > time.Second {
		t.Errorf("waits %v, want none and 50ms", waits)
	}
	if rec.deferrals["a.example"] != 1 || rec.penalties["a.example"] != 1 || len(rec.waits) != 1 {
		t.Errorf("deferrals %v, penalties %v, waits %v", rec.deferrals, rec.penalties, rec.waits)
	}

	// A wait cut short by its context is what it was.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := l.Wait(short, "a.example", 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if waits := rec.waits["a.example"]; len(waits) != 3 || waits[2] < 15*time.Millisecond || waits[2] > 500*time.Millisecond {
		t.Errorf("waits %v, want a third of 20ms", waits)
	}

	l.SetObserver(nil)
	_ = l.Wait(ctx, "b.example", 0)
	l.Penalize("b.example", time.Second)
	if len(rec.waits) != 1 || len(rec.penalties) != 1 {
		t.Errorf("told with no observer: waits %v, penalties %v", rec.waits, rec.penalties)
	}
}
