// Package epptest is a fake EPP registry for tests and the demo. It speaks
// RFC 5734's framed TLS on a listener the caller gives, keeps contacts,
// domains and poll queues, checks every command against the rules of the
// schemas it claims (RFC 5730–5733, CZ.NIC FRED's contact-1.6 and
// domain-1.4, SIDN's extension) — and, in tests, validates every frame it
// receives and sends with xmllint against the official XSDs (xsd.go) —
// and behaves as one of three registries:
//
//   - RFC5733: a generic registry that honours RFC 5733's disclose flags;
//   - FRED: CZ.NIC, whose name and organisation are always public, whose
//     other items are hidden by default, and whose address may be hidden
//     only for a verified natural person — which the registry does itself
//     on verification, with a poll message (Verify);
//   - SIDN: .nl, which takes no disclose flags but records a legal form in
//     its extension, assigns contact handles itself, and answers refusals
//     with its error extension (sidn.go).
//
// Faults (dropped connections, stalls, garbage, wrong clTRIDs, oversized
// frames) can be injected to test a client's error handling. State is
// inspected and seeded through exported methods, all safe for concurrent
// use.
package epptest

import (
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"

	"github.com/afscherm/afscherm/internal/eppschema"
)

// Dialect is which registry the server plays.
type Dialect int

// The dialects.
const (
	RFC5733 Dialect = iota
	FRED
	SIDN
)

func (d Dialect) String() string {
	switch d {
	case FRED:
		return "FRED"
	case SIDN:
		return "SIDN"
	}
	return "RFC5733"
}

// Default credentials, used when Options.Registrars is empty.
const (
	DefaultClientID = "afscherm"
	DefaultPassword = "afscherm-epp-pw"
)

// DefaultMaxFrame is the largest frame the server reads.
const DefaultMaxFrame = 1 << 20

// Options configure a Server.
type Options struct {
	Dialect Dialect
	// Registrars maps client IDs to passwords (8 to 64 characters, as
	// RFC 5730 wants). Empty: DefaultClientID with DefaultPassword.
	Registrars map[string]string
	// DiscloseItems are the RFC 5733 disclose items (name, org, addr,
	// voice, fax, email) a registrar may change; a contact:create or
	// contact:update naming another is refused, as a whole, with 2306
	// (or the code DiscloseRefusals gives it). Empty: all six. RFC5733
	// dialect only.
	DiscloseItems []string
	// DiscloseRefusals maps disclose items to the result code the
	// registry refuses a change of them with, instead of carrying the
	// command out: 2306 "Parameter value policy error" (RFC 5730 section
	// 3), 2308 "Data management policy violation" (RFC 5733 section 2.9:
	// disclosure practices that do not conform to the server's data
	// collection policy) or 2304 "Object status prohibits operation".
	// RFC5733 dialect only.
	DiscloseRefusals map[string]int
	// MaxFrame bounds frames read; default DefaultMaxFrame.
	MaxFrame int
	// OnChange is told the name of every domain whose contacts or contact
	// data changed, after the change (fakes of RDAP or WHOIS listen here).
	// It is called without the server's lock held.
	OnChange func(domain string)
	// SchemaCheck says whether every frame received and sent is validated
	// against the official schemas (xsd.go); by default, in tests.
	SchemaCheck SchemaCheck
	// T, when set, fails the test for every frame the official schemas
	// reject, with xmllint's message and the frame.
	T TB
}

// Fault is a failure the server can stage. The server carries the command
// out first; the fault replaces its answer, as when an answer is lost on
// the way.
type Fault int

// The faults.
const (
	NoFault Fault = iota
	// DropConnection closes the connection instead of answering.
	DropConnection
	// DropMidFrame announces the answer, sends part of it, and closes.
	DropMidFrame
	// Stall never answers; later frames on the connection are ignored.
	Stall
	// Garbage answers with a frame that is not XML.
	Garbage
	// WrongClTRID answers with another command's clTRID.
	WrongClTRID
	// Oversize announces a 2 GiB frame, then closes.
	Oversize
)

func (f Fault) String() string {
	return [...]string{"none", "drop", "drop-mid-frame", "stall", "garbage", "wrong-cltrid", "oversize"}[f]
}

// Server is a fake EPP registry.
type Server struct {
	opts Options

	mu         sync.Mutex
	registrars map[string]string
	contacts   map[string]*contactRec
	domains    map[string]*domainRec
	calls      []Call
	queues     map[string][]*message
	seq        int
	fault      Fault
	faultAfter int

	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	wg        sync.WaitGroup

	schema     *eppschema.Validator // nil: frames are not validated
	violations []string
}

// New makes a server; call Serve to put it on a listener.
func New(opts Options) *Server {
	regs := map[string]string{}
	for id, pw := range opts.Registrars {
		regs[id] = pw
	}
	if len(regs) == 0 {
		regs[DefaultClientID] = DefaultPassword
	}
	if opts.MaxFrame <= 0 {
		opts.MaxFrame = DefaultMaxFrame
	}
	if len(opts.DiscloseItems) == 0 {
		opts.DiscloseItems = []string{"name", "org", "addr", "voice", "fax", "email"}
	}
	return &Server{
		opts:       opts,
		registrars: regs,
		contacts:   map[string]*contactRec{},
		domains:    map[string]*domainRec{},
		queues:     map[string][]*message{},
		listeners:  map[net.Listener]struct{}{},
		conns:      map[net.Conn]struct{}{},
		schema:     newValidator(opts),
	}
}

// Dialect is the registry the server plays.
func (s *Server) Dialect() Dialect { return s.opts.Dialect }

// Serve accepts connections on l until Close, wrapping them in TLS with
// tc (nil: plain TCP, for tests of the framing alone). It returns nil
// after Close.
func (s *Server) Serve(l net.Listener, tc *tls.Config) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	for {
		conn, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		if tc != nil {
			conn = tls.Server(conn, tc)
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return nil
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(conn)
	}
}

// Close stops accepting and ends every connection (stalled ones too).
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// InjectFault stages a fault for one frame: the one after the next
// `after` frames (hello and login count). A new call replaces a staged
// fault.
func (s *Server) InjectFault(f Fault, after int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault, s.faultAfter = f, after
}

func (s *Server) takeFault() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fault == NoFault {
		return NoFault
	}
	if s.faultAfter > 0 {
		s.faultAfter--
		return NoFault
	}
	f := s.fault
	s.fault = NoFault
	return f
}

// session is one connection's login state.
type session struct {
	registrar string
	objURIs   map[string]bool
	extURIs   map[string]bool
}

func (s *Server) serveConn(conn net.Conn) {
	defer s.wg.Done()
	defer func() {
		conn.Close()
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
	}()
	greeting := s.greeting()
	s.checkGreeting(greeting)
	if err := writeFrame(conn, greeting); err != nil {
		return
	}
	sess := &session{}
	for {
		frame, err := readFrame(conn, s.opts.MaxFrame)
		if err != nil {
			return
		}
		fault := s.takeFault()
		out, end := s.process(sess, frame, fault)
		if fault == NoFault || fault == WrongClTRID {
			out = s.checkSchemas(frame, out)
		}
		switch fault {
		case DropConnection:
			return
		case DropMidFrame:
			var hdr [4]byte
			binary.BigEndian.PutUint32(hdr[:], uint32(len(out)+4))
			conn.Write(hdr[:])           //nolint:errcheck // closing anyway
			conn.Write(out[:len(out)/2]) //nolint:errcheck // closing anyway
			return
		case Stall:
			io.Copy(io.Discard, conn) //nolint:errcheck // until the client or Close ends it
			return
		case Garbage:
			out = []byte("\x00\x01 this is <not> EPP &&& \xff")
		case Oversize:
			conn.Write([]byte{0x80, 0, 0, 0}) //nolint:errcheck // closing anyway
			return
		}
		if err := writeFrame(conn, out); err != nil || end {
			return
		}
	}
}

// readFrame and writeFrame are RFC 5734's framing, written apart from the
// client's so that the two check each other.
func readFrame(r io.Reader, max int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n <= 4 || uint64(n) > uint64(max) {
		return nil, errors.New("epptest: bad frame length")
	}
	b := make([]byte, n-4)
	_, err := io.ReadFull(r, b)
	return b, err
}

func writeFrame(w io.Writer, b []byte) error {
	out := make([]byte, 4+len(b))
	binary.BigEndian.PutUint32(out, uint32(len(out)))
	copy(out[4:], b)
	_, err := w.Write(out)
	return err
}
