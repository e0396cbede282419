package scan

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/ratelimit"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestParticipateSharesQuickly: a process joining a running one is ready
// within a fifth of a heartbeat interval, and only after the running one
// halved its rate; when it leaves, the other takes its share back within
// the same time, not a heartbeat later.
func TestParticipateSharesQuickly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		log := slog.New(slog.DiscardHandler)
		const interval = 2 * time.Second
		first := ratelimit.New(ratelimit.Limits{Default: 10})
		a := Participate(ctx, st, first, log, interval)
		defer a.Stop()
		select {
		case <-a.Ready():
		case <-time.After(interval):
			t.Fatal("the only worker is not ready at once")
		}
		if first.Share() != 1 {
			t.Fatalf("share of the only worker: %d", first.Share())
		}

		second := ratelimit.New(ratelimit.Limits{Default: 10})
		joined := time.Now()
		b := Participate(ctx, st, second, log, interval)
		select {
		case <-b.Ready():
		case <-time.After(interval):
			b.Stop()
			t.Fatal("the joining worker waited a whole interval")
		}
		if waited := time.Since(joined); waited < interval/lookFraction {
			t.Errorf("the joining worker started after %s, before the others could count it", waited)
		}
		if first.Share() != 2 || second.Share() != 2 {
			t.Errorf("shares when the second starts: %d and %d, want 2 and 2", first.Share(), second.Share())
		}

		b.Stop()
		left := time.Now()
		for first.Share() != 1 {
			if time.Since(left) > interval/2 {
				t.Fatalf("the remaining worker still has share %d after %s", first.Share(), time.Since(left))
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
