// Package epp is a client for the Extensible Provisioning Protocol
// (RFC 5730–5734): the session (greeting, login, hello, logout, poll), the
// domain and contact objects (RFC 5731, RFC 5733), CZ.NIC's FRED contact and
// domain mappings, and SIDN's extension for .nl.
//
// The commands are kept apart from how frames travel: a Transport sends one
// frame and returns the answer. TLSTransport is RFC 5734's framed TLS over
// TCP; SIDN's RESTful EPP (REPP) can be another Transport later.
//
// Errors are typed: a *ResultError carries a server's 2xxx result code, and
// the sentinel errors ErrConnection, ErrFrameTooLarge, ErrTimeout,
// ErrProtocol and ErrClosed say what went wrong on the way, and ErrInvalid
// marks a request the client refused to send. AdapterError
// maps any of them onto registrars.Error kinds. No error text holds the
// password.
package epp

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/afscherm/afscherm/registrars/wiretrace"
)

// Namespaces this client knows.
const (
	NSEPP     = "urn:ietf:params:xml:ns:epp-1.0"
	NSContact = "urn:ietf:params:xml:ns:contact-1.0"
	NSDomain  = "urn:ietf:params:xml:ns:domain-1.0"
	NSHost    = "urn:ietf:params:xml:ns:host-1.0"
	// NSSIDN is SIDN's extension for .nl.
	NSSIDN = "http://rxsd.domain-registry.nl/sidn-ext-epp-1.0"

	// FRED's object namespaces carry a version (contact-1.6 today); the
	// client takes the exact URI from the greeting and matches these
	// prefixes.
	fredContactPrefix = "http://www.nic.cz/xml/epp/contact-1."
	fredDomainPrefix  = "http://www.nic.cz/xml/epp/domain-1."
)

// Dialect is which contact and domain mapping the server speaks.
type Dialect string

// The dialects.
const (
	// DialectIETF is RFC 5731 and RFC 5733 (SIDN and most registries).
	DialectIETF Dialect = "ietf"
	// DialectFRED is CZ.NIC's FRED, with its own contact and domain
	// namespaces and element layout.
	DialectFRED Dialect = "fred"
)

// Defaults for Config.
const (
	DefaultTimeout  = 30 * time.Second
	DefaultMaxFrame = 1 << 20
	DefaultLang     = "en"
)

// Config is how to reach and log in to one EPP server.
type Config struct {
	// Addr is host:port, e.g. "drs.domain-registry.nl:700".
	Addr string
	// TLS holds RootCAs, an optional client certificate and ServerName
	// (taken from Addr when empty). Nil means the system roots.
	TLS *tls.Config
	// Dial opens the TCP connection; nil means a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	ClientID string
	Password string // never logged, never in an error
	// Lang is the language for server messages; default "en".
	Lang string

	// Timeout bounds each command, from sending it to the whole answer;
	// default 30 s. A context deadline that comes sooner wins.
	Timeout time.Duration
	// MaxFrame is the largest frame accepted, header included; default
	// 1 MiB. A larger announced length is an error, not an allocation.
	MaxFrame int
	// ClTRIDPrefix starts every client transaction id; default "afs".
	ClTRIDPrefix string

	// Trace, when set, is given every frame sent and received, the
	// password masked (afscherm --trace-dir).
	Trace wiretrace.Tracer
}

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c Config) maxFrame() int {
	if c.MaxFrame > 0 {
		return c.MaxFrame
	}
	return DefaultMaxFrame
}

func (c Config) lang() string {
	if c.Lang != "" {
		return c.Lang
	}
	return DefaultLang
}
