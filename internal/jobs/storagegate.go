package jobs

import (
	"log/slog"
	"sync"
	"time"

	"github.com/afscherm/afscherm/internal/scan"
)

// storageGate pauses this process's scan jobs once the store has failed
// (a full disk, a read-only file): every scan would otherwise make its
// lookups and lose the results, one queued job after another. While the
// gate is closed, scan jobs put themselves aside without a lookup; when the
// pause is over one job goes through as a probe, and the gate opens if its
// scan is stored or closes for twice as long (up to maxPause) if not.
//
// The gate lives in the process rather than in River's queue table: pausing
// River's queue is itself a write to the database that is failing, and a
// paused queue hands out no job to find out that the store works again.
// Each process pays at most one lookup per pause while the store fails.
type storageGate struct {
	first, maxPause time.Duration
	log             *slog.Logger

	mu      sync.Mutex
	until   time.Time     // closed before this
	pause   time.Duration // the current pause; 0 while open
	probing bool          // a job is finding out whether the store works
}

func newStorageGate(first time.Duration, log *slog.Logger) *storageGate {
	if first <= 0 {
		first = time.Minute
	}
	return &storageGate{first: first, maxPause: max(first, 30*time.Minute), log: log}
}

// enter says how long a scan job should wait before it scans; 0 lets it
// through (as the probe, while the store is failing).
func (g *storageGate) enter(now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.pause == 0:
		return 0
	case now.Before(g.until):
		return g.until.Sub(now)
	case g.probing:
		return g.first
	}
	g.probing = true
	return 0
}

// failed closes the gate after a storage error and returns the pause.
func (g *storageGate) failed(now time.Time, err *scan.StorageError) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pause > 0 && now.Before(g.until) {
		return g.until.Sub(now) // a scan that was under way when it closed
	}
	g.pause = min(max(g.first, 2*g.pause), g.maxPause)
	g.until, g.probing = now.Add(g.pause), false
	g.log.Error("scan jobs paused: the store failed; no lookups until it works again",
		"cause", scan.Cause(err).Error(), "pause", g.pause, "alert", true)
	return g.pause
}

// stored opens the gate: a scan's result was stored.
func (g *storageGate) stored() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pause > 0 {
		g.log.Info("scan jobs resumed: the store works again")
	}
	g.pause, g.probing = 0, false
}

// released lets another job probe: this one ended without touching the
// store's writes (a busy server, a domain gone).
func (g *storageGate) released() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.probing = false
}
