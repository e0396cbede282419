package loopback

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Gate is the rate limit a fake server enforces on its clients: a token
// bucket that holds a fifth of a second's worth of requests, as real
// servers allow a little burst to absorb network jitter.
type Gate struct {
	mu     sync.Mutex
	bucket *rate.Limiter
}

// Admit reports whether a request arriving now keeps within perSecond
// requests a second; 0 admits everything.
func (g *Gate) Admit(now time.Time, perSecond float64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if perSecond <= 0 {
		return true
	}
	if g.bucket == nil || float64(g.bucket.Limit()) != perSecond {
		g.bucket = rate.NewLimiter(rate.Limit(perSecond), max(1, int(perSecond/5)))
	}
	return g.bucket.AllowN(now, 1)
}
