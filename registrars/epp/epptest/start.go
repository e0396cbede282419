package epptest

import (
	"crypto/tls"
	"strings"

	"github.com/afscherm/afscherm/internal/loopback"
	"github.com/afscherm/afscherm/registrars/epp"
	"github.com/afscherm/afscherm/registrars/wiretrace"
)

// Start serves a new server on host:700 of a loopback network, over TLS
// with a certificate of the network's own authority, and returns the
// client configuration that reaches it with the default credentials (and
// traces into AFSCHERM_TRACE_DIR when it is set).
// Close the server when done.
func Start(n *loopback.Network, host string, opts Options) (*Server, epp.Config, error) {
	l, err := n.Listen(host, 700)
	if err != nil {
		return nil, epp.Config{}, err
	}
	cert, err := n.Certificate(host)
	if err != nil {
		l.Close()
		return nil, epp.Config{}, err
	}
	s := New(opts)
	go s.Serve(l, &tls.Config{Certificates: []tls.Certificate{cert}})
	return s, epp.Config{
		Addr:     host + ":700",
		TLS:      &tls.Config{RootCAs: n.RootCAs()},
		Dial:     n.Dial,
		ClientID: DefaultClientID,
		Password: DefaultPassword,
		Trace:    wiretrace.FromEnv(strings.ToLower(opts.Dialect.String())),
	}, nil
}
