package whois_test

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/afscherm/afscherm/internal/lookup"
	"github.com/afscherm/afscherm/internal/lookup/lookuptest"
	"github.com/afscherm/afscherm/internal/lookup/whois"
	"github.com/afscherm/afscherm/internal/lookup/whois/whoistest"
)

// TestReferralToLoopbackRefused: the registry (allowed on loopback, as a
// mirror would be) refers to a registrar's server on loopback that is not
// allowed. The lookup fails as refused, naming that server; the thin answer
// is not passed off as the whole record, and the registrar is not asked.
func TestReferralToLoopbackRefused(t *testing.T) {
	w := newWorld(t)
	c := w.client(whois.Config{PrivateHosts: lookup.PrivateHosts{"whois.verisign-grs.com"}})
	_, err := c.Lookup(context.Background(), "bakkerij-voorbeeld.com")
	f := lookuptest.Failure(t, err, lookup.ReasonRefused)
	if f.Host != "whois.registrar.example" || !strings.Contains(f.Error(), "loopback") ||
		!strings.Contains(f.Error(), "--allow-private-lookups whois.registrar.example") {
		t.Errorf("failure: %v", f)
	}
	if w.verisign.Queries() != 1 || w.registrar.Queries() != 0 {
		t.Errorf("queries: registry %d, registrar %d", w.verisign.Queries(), w.registrar.Queries())
	}
}

type countingListener struct {
	net.Listener
	accepted atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

// TestSystemDialerRefusesReferral goes through the system's dialer: the
// registry is an allowed mirror on localhost; its referral names another
// port on 127.0.0.1, which no connection reaches.
func TestSystemDialerRefusesReferral(t *testing.T) {
	listen := func(src whoistest.Source) *countingListener {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		cl := &countingListener{Listener: l}
		t.Cleanup(func() { l.Close() })
		go (&whoistest.Server{Source: src}).Serve(cl) //nolint:errcheck // ends with the listener
		return cl
	}
	target := listen(whoistest.Files{"bakkerij-voorbeeld.com": recorded(t, "com-registrar-redacted.txt")})
	thin := strings.ReplaceAll(recorded(t, "com-verisign-thin.txt"), "whois.registrar.example", target.Addr().String())
	if thin == recorded(t, "com-verisign-thin.txt") {
		t.Fatal("the recorded answer has no referral to rewrite")
	}
	registry := listen(whoistest.Files{"bakkerij-voorbeeld.com": thin})
	_, port, _ := net.SplitHostPort(registry.Addr().String())

	c := whois.New(whois.Config{Servers: map[string]string{"com": "localhost:" + port}, PrivateHosts: lookup.PrivateHosts{"localhost"}})
	_, err := c.Lookup(context.Background(), "bakkerij-voorbeeld.com")
	if f := lookuptest.Failure(t, err, lookup.ReasonRefused); f.Host != "127.0.0.1" {
		t.Errorf("failure: %v", f)
	}
	if registry.accepted.Load() != 1 || target.accepted.Load() != 0 {
		t.Errorf("connections: registry %d, referral target %d", registry.accepted.Load(), target.accepted.Load())
	}

	c = whois.New(whois.Config{Servers: map[string]string{"com": "localhost:" + port}, PrivateHosts: lookup.PrivateHosts{"localhost", "127.0.0.1"}})
	if a, err := c.Lookup(context.Background(), "bakkerij-voorbeeld.com"); err != nil || a.Server != "127.0.0.1" {
		t.Errorf("allowed: %+v, %v", a.Server, err)
	}
}
