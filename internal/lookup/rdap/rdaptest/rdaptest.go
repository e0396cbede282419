// Package rdaptest is a fake RDAP server that speaks the wire format of a
// registry or registrar (RFC 7480/9083): domain objects as application/
// rdap+json, 404 for unknown domains, 429 with Retry-After above its rate,
// and the misbehaviour tests need (slow, garbage, oversized answers). It
// also writes the IANA bootstrap file that points clients at it.
package rdaptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/afscherm/afscherm/internal/loopback"
)

// Source is what a fake server knows: the RDAP JSON of a domain, or false
// when it does not hold the domain.
type Source interface {
	Domain(name string) ([]byte, bool)
}

// Files is a Source of fixed answers by domain name.
type Files map[string][]byte

// Domain returns the answer for name.
func (f Files) Domain(name string) ([]byte, bool) {
	b, ok := f[strings.ToLower(name)]
	return b, ok
}

// Fault is a way for the server to misbehave for one domain.
type Fault int

// The faults.
const (
	FaultNone      Fault = iota
	FaultGarbage         // 200 with a body that is not JSON
	FaultHuge            // 200 with a body far over any sane cap
	FaultHang            // no answer until the client gives up
	FaultStatus500       // an internal server error
	FaultTooMany         // 429 with Retry-After: 7, whatever the rate
)

// Server is one fake RDAP server.
type Server struct {
	Source Source
	// Rate is the requests per second it tolerates; above it answers 429
	// with Retry-After. 0 tolerates anything.
	Rate float64
	// Latency is added to every answer.
	Latency time.Duration
	// Faults maps a domain to a misbehaviour.
	Faults map[string]Fault

	requests atomic.Int64
	limited  atomic.Int64
	mu       sync.Mutex
	gate     loopback.Gate
	log      []Hit
}

// Hit is one request the server saw.
type Hit struct {
	At      time.Time
	Domain  string
	Status  int
	Limited bool
}

// Requests counts the requests served.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Limited counts the 429 answers given for exceeding the rate.
func (s *Server) Limited() int64 { return s.limited.Load() }

// Hits returns every request seen, in order.
func (s *Server) Hits() []Hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Hit(nil), s.log...)
}

// admit reports whether a request now keeps within the rate: requests may
// come no closer together than 1/Rate, with a small allowance for jitter.
// SetRate changes the tolerated rate while the server runs.
func (s *Server) SetRate(r float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Rate = r
}

func (s *Server) admit(now time.Time) bool {
	s.mu.Lock()
	r := s.Rate
	s.mu.Unlock()
	return s.gate.Admit(now, r)
}

func (s *Server) record(h Hit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, h)
}

// ServeHTTP answers GET /domain/NAME under any path prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	now := time.Now()
	i := strings.LastIndex(r.URL.Path, "/domain/")
	if r.Method != http.MethodGet || i < 0 {
		writeError(w, http.StatusBadRequest, "only domain lookups are served here")
		return
	}
	name := strings.ToLower(strings.TrimSuffix(r.URL.Path[i+len("/domain/"):], "."))
	if !s.admit(now) {
		s.limited.Add(1)
		s.record(Hit{At: now, Domain: name, Status: http.StatusTooManyRequests, Limited: true})
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "Too Many Requests")
		return
	}
	if s.Latency > 0 {
		select {
		case <-time.After(s.Latency):
		case <-r.Context().Done():
			return
		}
	}
	status := http.StatusOK
	defer func() { s.record(Hit{At: now, Domain: name, Status: status}) }()
	switch s.Faults[name] {
	case FaultGarbage:
		w.Header().Set("Content-Type", "application/rdap+json")
		fmt.Fprint(w, "\x00\x01<html>not rdap</html>\xff")
		return
	case FaultHuge:
		w.Header().Set("Content-Type", "application/rdap+json")
		chunk := []byte(strings.Repeat(" ", 64<<10))
		for range 64 { // 4 MiB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		return
	case FaultHang:
		<-r.Context().Done()
		return
	case FaultStatus500:
		status = http.StatusInternalServerError
		writeError(w, status, "Internal Server Error")
		return
	case FaultTooMany:
		status = http.StatusTooManyRequests
		w.Header().Set("Retry-After", "7")
		writeError(w, status, "Too Many Requests")
		return
	}
	body, ok := s.Source.Domain(name)
	if !ok {
		status = http.StatusNotFound
		writeError(w, status, "Not Found")
		return
	}
	w.Header().Set("Content-Type", "application/rdap+json")
	w.Write(body) //nolint:errcheck // the client went away
}

func writeError(w http.ResponseWriter, status int, title string) {
	w.Header().Set("Content-Type", "application/rdap+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{ //nolint:errcheck // the client went away
		"rdapConformance": []string{"rdap_level_0"},
		"errorCode":       status,
		"title":           title,
	})
}

// Bootstrap returns an IANA dns.json (RFC 9224) that maps each TLD to its
// server's base URL.
func Bootstrap(services map[string]string) []byte {
	type entry [2][]string
	var list []entry
	for tld, base := range services {
		if !strings.HasSuffix(base, "/") {
			base += "/"
		}
		list = append(list, entry{{tld}, {base}})
	}
	b, _ := json.Marshal(map[string]any{
		"version":     "1.0",
		"publication": time.Now().UTC().Format(time.RFC3339),
		"description": "RDAP bootstrap file for domain name registries (afscherm test)",
		"services":    list,
	})
	return b
}
