// Package whoistest is a fake WHOIS server (RFC 3912): it reads one query
// line, writes the answer and closes, refuses above its rate the way
// registries do, and misbehaves on request (never answers, never stops,
// sends garbage).
package whoistest

import (
	"bufio"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/afscherm/afscherm/internal/loopback"
)

// Source is what a fake server knows: the WHOIS text for a domain, or false.
type Source interface {
	Domain(name string) (string, bool)
}

// Files is a Source of fixed answers by domain name.
type Files map[string]string

// Domain returns the answer for name.
func (f Files) Domain(name string) (string, bool) {
	t, ok := f[strings.ToLower(name)]
	return t, ok
}

// Fault is a way for the server to misbehave for one domain.
type Fault int

// The faults.
const (
	FaultNone    Fault = iota
	FaultSilent        // reads the query and never answers
	FaultEndless       // answers without end
	FaultGarbage       // answers binary noise
)

// NotFound is what the server answers for a domain it does not hold.
const NotFound = "No match for domain \"%s\".\r\n"

// Server is one fake WHOIS server.
type Server struct {
	Source  Source
	Rate    float64       // queries per second tolerated; 0 for any
	Latency time.Duration // added before every answer
	Faults  map[string]Fault

	queries atomic.Int64
	limited atomic.Int64
	mu      sync.Mutex
	gate    loopback.Gate
	wg      sync.WaitGroup
}

// Queries counts the queries received.
func (s *Server) Queries() int64 { return s.queries.Load() }

// Limited counts the queries refused for exceeding the rate.
func (s *Server) Limited() int64 { return s.limited.Load() }

// Serve answers connections on l until it is closed.
func (s *Server) Serve(l net.Listener) error {
	defer s.wg.Wait()
	for {
		conn, err := l.Accept()
		if err != nil {
			return err
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.answer(conn)
		}()
	}
}

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

func (s *Server) answer(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	line, err := bufio.NewReader(io.LimitReader(conn, 1024)).ReadString('\n')
	if err != nil {
		return
	}
	s.queries.Add(1)
	name := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(line), "."))
	if !s.admit(time.Now()) {
		s.limited.Add(1)
		io.WriteString(conn, "% Query limit exceeded. Try again later.\r\n") //nolint:errcheck
		return
	}
	if s.Latency > 0 {
		time.Sleep(s.Latency)
	}
	switch s.Faults[name] {
	case FaultSilent:
		_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
		io.Copy(io.Discard, conn) //nolint:errcheck // until the client gives up
		return
	case FaultEndless:
		chunk := []byte(strings.Repeat("Registrant Name: REDACTED FOR PRIVACY\r\n", 1000))
		for {
			if _, err := conn.Write(chunk); err != nil {
				return
			}
		}
	case FaultGarbage:
		noise := make([]byte, 2048)
		for i := range noise {
			noise[i] = byte(i*7919) ^ 0xa5
		}
		conn.Write(noise) //nolint:errcheck
		return
	}
	text, ok := s.Source.Domain(name)
	if !ok {
		io.WriteString(conn, strings.Replace(NotFound, "%s", name, 1)) //nolint:errcheck
		return
	}
	io.WriteString(conn, text) //nolint:errcheck
}
