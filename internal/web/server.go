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
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/afscherm/afscherm/internal/logsafe"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/staffauth"
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
	// a server behind a proxy that appends to it: the rightmost address that
	// is not one of TrustedProxies, when the connection comes from one.
	TrustForwardedFor bool
	// TrustedProxies are the proxies whose X-Forwarded-For entries are
	// believed (DefaultTrustedProxies, the loopback range, when nil).
	TrustedProxies []netip.Prefix
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
	// Passwords checks passwords at sign-in, a few at a time (a
	// staffauth.Checker with its defaults when nil).
	Passwords *staffauth.Checker
	// Limits are the connection limits; the server uses LongWriteTimeout
	// (DefaultLimits' when zero) for River UI and the charges export.
	Limits Limits
}

// Server handles every route.
type Server struct {
	deps    Deps
	mux     *http.ServeMux
	clients *clientLimiter
	blocks  blocklist
	hsts    bool // the public URL is https
}

// NewServer returns the handler for all of afscherm's routes.
func NewServer(d Deps) *Server {
	if d.ClientRate == 0 {
		d.ClientRate = 30
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.TrustedProxies == nil {
		d.TrustedProxies = DefaultTrustedProxies
	}
	if d.Passwords == nil {
		d.Passwords = &staffauth.Checker{}
	}
	d.Limits = d.Limits.withDefaults()
	s := &Server{deps: d, mux: http.NewServeMux(), clients: newClientLimiter(d.ClientRate)}
	s.hsts = d.Requests != nil && strings.HasPrefix(d.Requests.PublicURL, "https://")
	s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if s.hsts { // browsers heed it only over https, which the public URL says a proxy speaks
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
	}
	if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" && s.blocked(r) {
		http.Error(w, "Forbidden", http.StatusForbidden)
		return
	}
	limit := bodyLimit(r.URL.Path)
	if r.ContentLength > limit {
		w.Header().Set("Connection", "close")
		http.Error(w, "Request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	s.mux.ServeHTTP(w, r)
}

// DefaultTrustedProxies is the loopback range: a proxy on the same machine.
var DefaultTrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// clientAddress is the address a request came from: the connection's; or,
// with TrustForwardedFor and a connection from a trusted proxy, the
// rightmost X-Forwarded-For entry that is not a trusted proxy — the one the
// last trusted proxy appended, which the client cannot choose. Entries to
// its left are the client's own words and are never believed.
func (s *Server) clientAddress(r *http.Request) string {
	peer := remoteAddress(r.RemoteAddr)
	if !s.deps.TrustForwardedFor || !s.trustedProxy(peer) {
		return peer
	}
	entries := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(entries) - 1; i >= 0; i-- {
		e := strings.TrimSpace(entries[i])
		if e == "" {
			continue
		}
		addr, ok := parseAddress(e)
		if !ok {
			// Not an address: no trusted proxy wrote it, so whatever is
			// further left is as unreliable. The proxy nearest it is the
			// client as far as we can tell.
			return peer
		}
		if !s.trustedProxy(addr) {
			return addr
		}
		peer = addr
	}
	return peer // every hop a trusted proxy: the request began at the last one
}

// trustedProxy reports whether addr is one of the trusted proxies.
func (s *Server) trustedProxy(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	for _, p := range s.deps.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// remoteAddress is the host of a connection's address, in netip's form.
func remoteAddress(hostport string) string {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if a, ok := parseAddress(host); ok {
		return a
	}
	return host
}

// parseAddress reads an X-Forwarded-For entry — an IP address, perhaps
// with a port, IPv6 perhaps in brackets — in netip's form, IPv4 unmapped.
func parseAddress(s string) (string, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("").String(), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone("").String(), true
	}
	return "", false
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

// logError logs one of our own failures. Its text may name a domain (an
// error wrapped with it): the log line has the domain's id there instead,
// if the database says which within a few seconds.
func (s *Server) logError(ctx context.Context, msg string, err error, attrs ...any) {
	var domains logsafe.Lookup // nil: every name left out
	if s.deps.Store != nil {
		domains = s.deps.Store
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), logLookupTime)
	defer cancel()
	s.deps.Log.Error(msg, append(attrs, logsafe.Error(ctx, domains, err))...)
}

// logLookupTime bounds the lookups of domain names for a log line.
const logLookupTime = 5 * time.Second

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
