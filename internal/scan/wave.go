package scan

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// A night's plan is queued a wave at a time: each server's queue gets the
// scans that keep it busy for a while (its lead), and is topped up from
// the rest of the plan as it drains. The queue then holds minutes of work
// rather than the night's, and queueing a night of 100,000 domains does not
// hold the database for seconds at a time.
const (
	// Lead is how far ahead a server's queue is filled, in its lookups.
	Lead = 10 * time.Minute
	// LeadMin is the fewest scans a server's queue is filled with, so that
	// a slow server still has work between two waves.
	LeadMin = 20
	// WaveMax is the most scans one wave queues, in one transaction.
	WaveMax = 5000
)

// Ahead is how many scans keep a server busy for lead at rate lookups a
// second: at least LeadMin.
func Ahead(rate float64, lead time.Duration) int {
	n := rate * lead.Seconds()
	if n >= WaveMax || math.IsInf(n, 0) {
		return WaveMax
	}
	return max(LeadMin, int(math.Ceil(n)))
}

// WaveServer is one server's queue as a wave sees it.
type WaveServer struct {
	Server  string
	Rate    float64 // lookups a second
	Waiting int     // its scans queued or running
	Left    int     // its planned scans not queued yet
}

// WaveShares says how many of each server's planned scans to queue now:
// enough to hold Ahead of its lookups, counting those waiting, and no more
// than it has left; when that is more than WaveMax in all, the servers
// share WaveMax, the smaller wants met first and the rest divided evenly.
func WaveShares(servers []WaveServer, lead time.Duration) map[string]int {
	type want struct {
		server string
		n      int
	}
	wants := make([]want, 0, len(servers))
	total := 0
	for _, s := range servers {
		n := min(s.Left, max(0, Ahead(s.Rate, lead)-s.Waiting))
		wants = append(wants, want{s.Server, n})
		total += n
	}
	shares := make(map[string]int, len(servers))
	if total <= WaveMax {
		for _, w := range wants {
			shares[w.server] = w.n
		}
		return shares
	}
	slices.SortStableFunc(wants, func(a, b want) int { return cmp.Compare(a.n, b.n) })
	room := WaveMax
	for i, w := range wants {
		n := min(w.n, room/(len(wants)-i))
		shares[w.server] = n
		room -= n
	}
	return shares
}

// NextWave is when the queue wants topping up after shares were queued:
// when the server whose queue empties first has worked through half of
// it; at least a second, at most half the lead (also when no server with
// scans left has a rate); 0 when no server has planned scans left.
func NextWave(servers []WaveServer, shares map[string]int, lead time.Duration) time.Duration {
	next, left := time.Duration(0), false
	for _, s := range servers {
		if s.Left-shares[s.Server] <= 0 {
			continue
		}
		left = true
		if s.Rate <= 0 {
			continue
		}
		drain := time.Duration(float64(s.Waiting+shares[s.Server]) / s.Rate * float64(time.Second))
		if next == 0 || drain/2 < next {
			next = max(drain/2, time.Second)
		}
	}
	switch {
	case !left:
		return 0
	case next == 0:
		return max(lead/2, time.Second)
	}
	return min(next, max(lead/2, time.Second))
}

// Wave splits the plan into the scans to queue now (WaveShares, each
// server's most needed first, servers taking turns) and the rest, both in
// the plan's order; next is when the rest's first wave is due (NextWave).
func (p Plan) Wave(lead time.Duration) (now, rest []Planned, next time.Duration) {
	left := map[string]int{}
	for _, d := range p.Domains {
		left[d.Server]++
	}
	servers := make([]WaveServer, 0, len(p.Servers))
	for _, s := range p.Servers {
		if left[s.Server] > 0 {
			servers = append(servers, WaveServer{Server: s.Server, Rate: s.Rate, Waiting: s.Waiting, Left: left[s.Server]})
		}
	}
	shares := WaveShares(servers, lead)
	taken := map[string]int{}
	for _, d := range p.Domains {
		if taken[d.Server] < shares[d.Server] {
			taken[d.Server]++
			now = append(now, d)
		} else {
			rest = append(rest, d)
		}
	}
	return now, rest, NextWave(servers, shares, lead)
}
