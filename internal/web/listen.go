package web

import (
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/netutil"
)

// Limits bound what one connection, and all of them together, may hold of
// the server, so that slow or idle clients cannot take every descriptor.
type Limits struct {
	// ReadHeaderTimeout is how long a client may take to send its headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout is how long it may take to send the whole request.
	ReadTimeout time.Duration
	// WriteTimeout is how long the server may take to send the answer,
	// from the end of the headers; LongWriteTimeout for River UI and the
	// charges export, which signed-in staff may wait longer for.
	WriteTimeout     time.Duration
	LongWriteTimeout time.Duration
	// IdleTimeout is how long a kept-alive connection may wait for its
	// next request.
	IdleTimeout time.Duration
	// MaxConnections is how many connections may be open at once; more
	// wait in the kernel's queue until one closes.
	MaxConnections int
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes int
}

// DefaultLimits are the limits of `afscherm serve` and `worker`.
var DefaultLimits = Limits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      30 * time.Second,
	LongWriteTimeout:  5 * time.Minute,
	IdleTimeout:       60 * time.Second,
	MaxConnections:    512,
	MaxHeaderBytes:    64 << 10,
}

// withDefaults fills what is zero from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	for _, f := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&l.ReadHeaderTimeout, d.ReadHeaderTimeout}, {&l.ReadTimeout, d.ReadTimeout}, {&l.WriteTimeout, d.WriteTimeout},
		{&l.LongWriteTimeout, d.LongWriteTimeout}, {&l.IdleTimeout, d.IdleTimeout}} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	if l.MaxConnections <= 0 {
		l.MaxConnections = d.MaxConnections
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	return l
}

// HTTPServer returns a server for h with the limits' timeouts; serve it on
// Listener's listener.
func (l Limits) HTTPServer(h http.Handler) *http.Server {
	l = l.withDefaults()
	return &http.Server{Handler: h, ReadHeaderTimeout: l.ReadHeaderTimeout, ReadTimeout: l.ReadTimeout,
		WriteTimeout: l.WriteTimeout, IdleTimeout: l.IdleTimeout, MaxHeaderBytes: l.MaxHeaderBytes}
}

// Listener accepts at most MaxConnections connections at once from ln.
func (l Limits) Listener(ln net.Listener) net.Listener {
	return netutil.LimitListener(ln, l.withDefaults().MaxConnections)
}

// longWrite gives a handler LongWriteTimeout to answer in, for signed-in
// staff waiting on a big answer.
func (s *Server) longWrite(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.deps.Limits.LongWriteTimeout))
		next.ServeHTTP(w, r)
	})
}

// The most a request body may hold: the console's forms (a selection of
// hundreds of domains) and River UI's API (up to a thousand job ids) get
// more than the rest; handlers may take less (sign-in, approval forms).
const (
	bodyLimitDefault = 64 << 10
	bodyLimitStaff   = 256 << 10
)

func bodyLimit(path string) int64 {
	if strings.HasPrefix(path, "/staff/") {
		return bodyLimitStaff
	}
	return bodyLimitDefault
}
