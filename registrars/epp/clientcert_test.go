package epp_test

import (
	"context"
	"crypto/tls"
	"errors"
	"testing"

	"github.com/afscherm/afscherm/internal/loopback"
	"github.com/afscherm/afscherm/registrars/epp"
	"github.com/afscherm/afscherm/registrars/epp/epptest"
)

// TestClientCertificate: a registry that demands a client certificate
// (as SIDN does) lets in the client that shows one, and only that one.
func TestClientCertificate(t *testing.T) {
	f := startTLS(t, epptest.Options{Dialect: epptest.SIDN}, func(tc *tls.Config, n *loopback.Network) {
		tc.ClientCAs, tc.ClientAuth = n.RootCAs(), tls.RequireAndVerifyClientCert
	})
	clientCert, err := f.net.Certificate("afscherm.hosting.example")
	if err != nil {
		t.Fatal(err)
	}
	cfg := f.cfg
	cfg.TLS = &tls.Config{RootCAs: f.net.RootCAs(), Certificates: []tls.Certificate{clientCert}}
	c, err := epp.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatalf("with a certificate: %v", err)
	}
	c.Close()

	cfg.TLS = &tls.Config{RootCAs: f.net.RootCAs()}
	if _, err := epp.Dial(context.Background(), cfg); !errors.Is(err, epp.ErrConnection) {
		t.Errorf("without a certificate: %v, want a connection error", err)
	}
	if calls := f.srv.Calls(); len(calls) != 1 || calls[0].Command != "login" {
		t.Errorf("the server saw %+v, want one login", calls)
	}
}
