package scan

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/afscherm/afscherm/internal/ratelimit"
	"github.com/afscherm/afscherm/internal/store"
)

// HeartbeatInterval is how often a lookup worker says it is alive; one
// silent for three intervals is counted out.
const HeartbeatInterval = 10 * time.Second

// lookFraction: every worker counts the others this many times per
// heartbeat interval (a single cheap query), so that a process joining or
// leaving changes every share within a second, not a heartbeat.
const lookFraction = 10

// Participation is this process's membership of the lookup workers that
// share every server's rate limit in equal parts.
type Participation struct {
	ID    string
	ready chan struct{}
	stop  context.CancelFunc
	done  chan struct{}
}

// Participate registers this process as a lookup worker and keeps its share
// of the rate limits up to date until Stop. Ready is closed when lookups may
// start: at once for the only worker; one interval later when others are
// already working, by which time they have made room.
func Participate(ctx context.Context, st *store.Store, limiter *ratelimit.Limiter, log *slog.Logger, interval time.Duration) *Participation {
	if interval <= 0 {
		interval = HeartbeatInterval
	}
	host, _ := os.Hostname()
	p := &Participation{ID: host + "/" + rand.Text()[:8], ready: make(chan struct{}), done: make(chan struct{})}
	ctx, p.stop = context.WithCancel(ctx)
	var once sync.Once
	markReady := func() { once.Do(func() { close(p.ready) }) }

	beat := func() int {
		live, err := st.Heartbeat(ctx, p.ID, st.Now().Add(-3*interval))
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("lookup worker heartbeat failed", "error", err)
			}
			return 0
		}
		limiter.SetShare(live)
		return live
	}
	go func() {
		defer close(p.done)
		defer func() {
			_ = st.LeaveWorkers(context.WithoutCancel(ctx), p.ID)
		}()
		live := beat()
		if live <= 1 {
			markReady()
		}
		log.Info("joined the lookup workers", "worker", p.ID, "workers", max(live, 1))
		every := max(interval/lookFraction, 50*time.Millisecond)
		joined := time.AfterFunc(2*every+every/2, markReady)
		defer joined.Stop()
		t := time.NewTicker(interval)
		defer t.Stop()
		look := time.NewTicker(every)
		defer look.Stop()
		lookFailing := false
		for {
			select {
			case <-ctx.Done():
				markReady()
				return
			case <-t.C:
				beat()
			case <-look.C:
				n, err := st.LookupWorkers(ctx)
				switch {
				case err != nil && ctx.Err() == nil && !lookFailing:
					// Once per run of failures: the heartbeat keeps the share.
					log.Warn("counting the lookup workers failed", "error", err)
					lookFailing = true
				case err == nil && n > 0:
					limiter.SetShare(n)
					lookFailing = false
				}
			}
		}
	}()
	return p
}

// Ready is closed when this process may start looking domains up.
func (p *Participation) Ready() <-chan struct{} { return p.ready }

// Stop leaves the lookup workers, so the others take over its share.
func (p *Participation) Stop() {
	p.stop()
	<-p.done
}
