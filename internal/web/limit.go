package web

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// clientLimiter is a token bucket per client key, forgetting clients idle
// for ten minutes.
type clientLimiter struct {
	perMinute int
	mu        sync.Mutex
	clients   map[string]*clientEntry
	swept     time.Time
}

type clientEntry struct {
	bucket *rate.Limiter
	seen   time.Time
}

func newClientLimiter(perMinute int) *clientLimiter {
	return &clientLimiter{perMinute: perMinute, clients: map[string]*clientEntry{}}
}

func (l *clientLimiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, e := range l.clients {
			if now.Sub(e.seen) > 10*time.Minute {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	e := l.clients[key]
	if e == nil {
		e = &clientEntry{bucket: rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), max(1, l.perMinute/3))}
		l.clients[key] = e
	}
	e.seen = now
	return e.bucket.AllowN(now, 1)
}
