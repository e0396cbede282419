// Package web is afscherm's HTTP server: the customers' approval pages,
// the staff API under /api/v1/, and health checks. Every route is listed in
// routes.go; customer pages carry strict security headers and are
// rate-limited per client, and every staff route requires a staff token.
package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/store"
)

// Deps are what the handlers use.
type Deps struct {
	Store    *store.Store
	Requests *requests.Service // nil: no approval pages or request API
	Log      *slog.Logger
	Company  string
	// JobsRunning reports whether this process's job client is working;
	// nil when the process works no jobs.
	JobsRunning func() bool
	// TrustForwardedFor takes the client address from X-Forwarded-For, for
	// a server behind a proxy that sets it.
	TrustForwardedFor bool
	// ClientRate is how many requests a minute one client may make to the
	// customer pages (30 when zero).
	ClientRate int
	// Jobs lists the job queue for the console's jobs page; nil hides it.
	Jobs store.JobClient
	// Metrics serves Prometheus metrics at /metrics, for staff tokens only;
	// nil leaves it out.
	Metrics http.Handler
	// RiverUI is River's own UI (NewRiverUI), mounted at RiverUIPrefix for
	// signed-in staff; nil leaves it out.
	RiverUI http.Handler
	// SecureCookies marks the console's session cookie Secure even where
	// this server speaks plain HTTP behind a TLS proxy.
	SecureCookies bool
	// SessionTTL is how long a console session lasts (DefaultSessionTTL
	// when zero).
	SessionTTL time.Duration
	// ConsoleKey keys the console's form tokens where there is no request
	// flow (whose key is used otherwise).
	ConsoleKey []byte
}

// Server handles every route.
type Server struct {
	deps    Deps
	mux     *http.ServeMux
	clients *clientLimiter
	blocks  blocklist
}

// NewServer returns the handler for all of afscherm's routes.
func NewServer(d Deps) *Server {
	if d.ClientRate == 0 {
		d.ClientRate = 30
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{deps: d, mux: http.NewServeMux(), clients: newClientLimiter(d.ClientRate)}
	s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" && s.blocked(r) {
		http.Error(w, "Forbidden", http.StatusForbidden)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// clientAddress is the address a request came from: the connection's, or
// the first of X-Forwarded-For behind a trusted proxy.
func (s *Server) clientAddress(r *http.Request) string {
	if s.deps.TrustForwardedFor {
		if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
			first, _, _ := strings.Cut(fwd, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clientKey is what the rate limiter remembers of a client: a hash of its
// address, never the address.
func (s *Server) clientKey(r *http.Request) string {
	if s.deps.Requests != nil {
		return s.deps.Requests.Keys.ClientHash(s.clientAddress(r))
	}
	sum := sha256.Sum256([]byte(s.clientAddress(r)))
	return hex.EncodeToString(sum[:])
}

// limitClients turns away a client past its rate with 429.
func (s *Server) limitClients(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.clients.allow(s.clientKey(r), time.Now()) {
			w.Header().Set("Retry-After", "60")
			http.Error(w, "Te veel verzoeken; probeer het over een minuut opnieuw. Too many requests; try again in a minute.",
				http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// healthz says the process is alive.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n")) //nolint:errcheck
}

// readyz says the process can do its work: the database answers and, where
// it works jobs, the job client runs.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.deps.Store.Ping(ctx); err != nil {
		s.deps.Log.Warn("not ready: database", "error", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	if s.deps.JobsRunning != nil && !s.deps.JobsRunning() {
		http.Error(w, "jobs not running", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n")) //nolint:errcheck
}

// Flag is a boolean that handlers may read while another goroutine sets it.
type Flag struct{ v atomic.Bool }

// Set sets the flag.
func (f *Flag) Set(v bool) { f.v.Store(v) }

// Get reads the flag.
func (f *Flag) Get() bool { return f.v.Load() }
