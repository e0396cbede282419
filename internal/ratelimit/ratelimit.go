// Package ratelimit keeps afscherm within each outside server's request
// rate: one token bucket (golang.org/x/time/rate) per host, with a default
// and per-host settings, slowed down by a server that answers 429 or 503.
//
// Several processes share a host's budget by equal shares: each runs at
// rate/n, where n is the number of live afscherm processes that look
// things up (SetShare), so together they stay within the rate.
package ratelimit

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultRate is the request rate per host when nothing else is set:
// conservative, since registries block clients that query fast.
const DefaultRate = 1.0

// penaltyPeriod is how long a host that asked us to slow down gets half
// its rate.
const penaltyPeriod = 5 * time.Minute

// Limits are the configured rates, in requests per second.
type Limits struct {
	Default float64            // for hosts without their own; DefaultRate when 0
	Hosts   map[string]float64 // per host name (lower case, no port)
}

// ParseLimit reads one --rate-limit value: "N" sets the default, "HOST=N"
// one host's rate. N is requests per second, a positive number.
func (l *Limits) ParseLimit(s string) error {
	host, n, hasHost := strings.Cut(s, "=")
	if !hasHost {
		n, host = host, ""
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return fmt.Errorf("rate limit %q: the rate must be a positive number of requests per second", s)
	}
	host = strings.ToLower(strings.TrimSpace(host))
	if hasHost && host == "" {
		return fmt.Errorf("rate limit %q: no host before '='", s)
	}
	if !hasHost {
		l.Default = v
		return nil
	}
	if l.Hosts == nil {
		l.Hosts = map[string]float64{}
	}
	l.Hosts[host] = v
	return nil
}

// Rate is the configured rate for a host.
func (l Limits) Rate(host string) float64 {
	if r, ok := l.Hosts[strings.ToLower(host)]; ok {
		return r
	}
	if l.Default > 0 {
		return l.Default
	}
	return DefaultRate
}

// Limiter holds a bucket per host.
type Limiter struct {
	limits Limits
	now    func() time.Time

	mu       sync.Mutex
	share    int
	hosts    map[string]*host
	observer Observer
}

// Observer is told what the limiter does, for metrics. Its methods are
// called from many goroutines at once; host is lower case.
type Observer interface {
	// ObserveWait is the time a request to host waited for its turn,
	// zero when it could go at once.
	ObserveWait(host string, waited time.Duration)
	// ObserveDeferral counts a request that would have waited longer than
	// its caller allowed, and was put aside instead.
	ObserveDeferral(host string)
	// ObservePenalty counts a slow-down a host asked for (429, 503).
	ObservePenalty(host string)
}

type host struct {
	lim          *rate.Limiter
	configured   float64
	pausedUntil  time.Time
	penaltyUntil time.Time
}

// New returns a limiter for the given limits, at a share of 1.
func New(limits Limits) *Limiter {
	return &Limiter{limits: limits, now: time.Now, share: 1, hosts: map[string]*host{}}
}

// SetShare makes each host's rate 1/n of its configured rate, for n
// processes sharing the budget.
func (l *Limiter) SetShare(n int) {
	n = max(n, 1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if n == l.share {
		return
	}
	l.share = n
	for _, h := range l.hosts {
		l.apply(h)
	}
}

// SetObserver sets who is told what the limiter does; nil for nobody.
func (l *Limiter) SetObserver(o Observer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.observer = o
}

// Share is the number of processes the budget is shared with.
func (l *Limiter) Share() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.share
}

// apply sets a host's current rate from its configuration, the share and
// any penalty. l.mu is held.
func (l *Limiter) apply(h *host) {
	r := h.configured / float64(l.share)
	if l.now().Before(h.penaltyUntil) {
		r /= 2
	}
	h.lim.SetLimitAt(l.now(), rate.Limit(r))
}

func (l *Limiter) host(name string) *host {
	name = strings.ToLower(name)
	h := l.hosts[name]
	if h == nil {
		configured := l.limits.Rate(name)
		h = &host{configured: configured, lim: rate.NewLimiter(rate.Limit(configured/float64(l.share)), 1)}
		l.hosts[name] = h
	}
	if !h.penaltyUntil.IsZero() && !l.now().Before(h.penaltyUntil) {
		h.penaltyUntil = time.Time{}
		l.apply(h)
	}
	return h
}

// TooLongError says that a request to a host would have to wait longer
// than the caller allowed; try again after Delay.
type TooLongError struct {
	Host  string
	Delay time.Duration
}

func (e *TooLongError) Error() string {
	return fmt.Sprintf("%s: next request allowed in %s", e.Host, e.Delay.Round(time.Millisecond))
}

// Wait blocks until a request to host may go. When that would take longer
// than maxWait (0: no limit), it returns a *TooLongError at once and uses
// up nothing, so the caller can put the work aside instead.
func (l *Limiter) Wait(ctx context.Context, hostName string, maxWait time.Duration) error {
	l.mu.Lock()
	h := l.host(hostName)
	now := l.now()
	pause := h.pausedUntil.Sub(now)
	r := h.lim.ReserveN(now, 1)
	o := l.observer
	l.mu.Unlock()
	if !r.OK() {
		return fmt.Errorf("%s: rate limit admits no request", hostName)
	}
	delay := max(r.DelayFrom(now), pause)
	if maxWait > 0 && delay > maxWait {
		r.CancelAt(now)
		if o != nil {
			o.ObserveDeferral(strings.ToLower(hostName))
		}
		return &TooLongError{Host: hostName, Delay: delay}
	}
	if delay <= 0 {
		if o != nil {
			o.ObserveWait(strings.ToLower(hostName), 0)
		}
		return nil
	}
	start := time.Now() // the wall clock: tests replace l.now
	t := time.NewTimer(delay)
	defer t.Stop()
	var err error
	select {
	case <-t.C:
	case <-ctx.Done():
		r.Cancel()
		err = ctx.Err()
	}
	if o != nil {
		o.ObserveWait(strings.ToLower(hostName), time.Since(start))
	}
	return err
}

// Penalize slows a host down after it answered 429 or 503: no request
// before retryAfter has passed, then half the rate for a while.
func (l *Limiter) Penalize(hostName string, retryAfter time.Duration) {
	l.mu.Lock()
	h := l.host(hostName)
	now := l.now()
	if until := now.Add(retryAfter); until.After(h.pausedUntil) {
		h.pausedUntil = until
	}
	h.penaltyUntil = now.Add(retryAfter + penaltyPeriod)
	l.apply(h)
	o := l.observer
	l.mu.Unlock()
	if o != nil {
		o.ObservePenalty(strings.ToLower(hostName))
	}
}

// Rate is a host's current rate in requests per second.
func (l *Limiter) Rate(hostName string) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return float64(l.host(hostName).lim.Limit())
}

// Configured is a host's configured rate in requests per second: the rate
// all processes share, before this process's share or a penalty.
func (l *Limiter) Configured(hostName string) float64 { return l.limits.Rate(hostName) }
