// Package web is afscherm's HTTP server: health checks now, and as afscherm
// grows the customers' approval pages, the staff console and its API. Every
// route is listed in routes.go.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/afscherm/afscherm/internal/store"
)

// Deps are what the handlers use.
type Deps struct {
	Store *store.Store
	Log   *slog.Logger
	// JobsRunning reports whether this process's job client is working;
	// nil when the process works no jobs.
	JobsRunning func() bool
}

// Server handles every route.
type Server struct {
	deps Deps
	mux  *http.ServeMux
}

// NewServer returns the handler for all of afscherm's routes.
func NewServer(d Deps) *Server {
	s := &Server{deps: d, mux: http.NewServeMux()}
	s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
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
