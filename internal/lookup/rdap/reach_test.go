package rdap_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/afscherm/afscherm/internal/lookup"
	"github.com/afscherm/afscherm/internal/lookup/lookuptest"
	"github.com/afscherm/afscherm/internal/lookup/rdap"
	"github.com/afscherm/afscherm/internal/lookup/rdap/rdaptest"
	"github.com/afscherm/afscherm/internal/loopback"
)

// linkingTo is a thin registry's answer that links to the registrar's
// record at href.
func linkingTo(domain, href string) []byte {
	return fmt.Appendf(nil, `{"objectClassName":"domain","ldhName":%q,
		"links":[{"rel":"related","type":"application/rdap+json","href":%q}]}`, domain, href)
}

// TestLinkToLoopbackRefused: a registry the operator allowed on loopback
// (a mirror) links to another loopback server that is not allowed. The
// link is refused with a reason that names the host and the fix, and the
// target sees no request.
func TestLinkToLoopbackRefused(t *testing.T) {
	w := newWorld(t)
	c := w.client(rdap.Config{PrivateHosts: lookup.PrivateHosts{"rdap.verisign.com"}})
	_, err := c.Lookup(context.Background(), "bakkerij-voorbeeld.com")
	f := lookuptest.Failure(t, err, lookup.ReasonRefused)
	if f.Host != "rdap.registrar.example" || !strings.Contains(f.Error(), "loopback address") ||
		!strings.Contains(f.Error(), "--allow-private-lookups rdap.registrar.example") {
		t.Errorf("failure: %v", f)
	}
	if w.verisign.Requests() != 1 || w.registrar.Requests() != 0 {
		t.Errorf("requests: registry %d, registrar %d", w.verisign.Requests(), w.registrar.Requests())
	}
	// Allowed as well, the link is followed.
	c = w.client(rdap.Config{PrivateHosts: lookup.PrivateHosts{"rdap.verisign.com", "rdap.registrar.example"}})
	if _, err := c.Lookup(context.Background(), "bakkerij-voorbeeld.com"); err != nil || w.registrar.Requests() != 1 {
		t.Errorf("allowed: %v, %d requests", err, w.registrar.Requests())
	}
}

// countingServer is an https server on 127.0.0.1 with a certificate of the
// loopback network for name, counting connections and requests.
type countingServer struct {
	*httptest.Server
	conns, requests atomic.Int64
}

func serveCounting(t *testing.T, n *loopback.Network, name string, h http.HandlerFunc) *countingServer {
	t.Helper()
	cert, err := n.Certificate(name)
	if err != nil {
		t.Fatal(err)
	}
	s := &countingServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h(rw, r)
	}))
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// TestSystemDialerRefusesLoopbackLink goes through the system's resolver
// and dialer (no test network): the registry is an allowed mirror on
// localhost; the registrar it links to, at 127.0.0.1 on another port, is
// not allowed, and not even a connection reaches it.
func TestSystemDialerRefusesLoopbackLink(t *testing.T) {
	n, err := loopback.New()
	if err != nil {
		t.Fatal(err)
	}
	target := serveCounting(t, n, "rdap.registrar.example", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "application/rdap+json")
		rw.Write(recorded(t, "com-registrar-redacted.json"))
	})
	registry := serveCounting(t, n, "localhost", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "application/rdap+json")
		rw.Write(linkingTo("bakkerij-voorbeeld.com", target.URL+"/domain/bakkerij-voorbeeld.com"))
	})
	port := registry.URL[strings.LastIndexByte(registry.URL, ':')+1:]
	boot := filepath.Join(t.TempDir(), "dns.json")
	if err := os.WriteFile(boot, rdaptest.Bootstrap(map[string]string{"com": "https://localhost:" + port + "/"}), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	c := rdap.New(rdap.Config{Bootstrap: boot, RootCAs: n.RootCAs(), PrivateHosts: lookup.PrivateHosts{"localhost"}})
	_, err = c.Lookup(ctx, "bakkerij-voorbeeld.com")
	f := lookuptest.Failure(t, err, lookup.ReasonRefused)
	if f.Host != "127.0.0.1" || !strings.Contains(f.Error(), "loopback") {
		t.Errorf("failure: %v", f)
	}
	if registry.requests.Load() != 1 || target.conns.Load() != 0 || target.requests.Load() != 0 {
		t.Errorf("registry %d requests; target %d connections, %d requests", registry.requests.Load(),
			target.conns.Load(), target.requests.Load())
	}

	// Nothing allowed: not even the registry is asked.
	_, err = rdap.New(rdap.Config{Bootstrap: boot, RootCAs: n.RootCAs()}).Lookup(ctx, "bakkerij-voorbeeld.com")
	lookuptest.Failure(t, err, lookup.ReasonRefused)
	if registry.conns.Load() != 1 {
		t.Errorf("registry saw %d connections, want the first lookup's only", registry.conns.Load())
	}

	// Both allowed: the registrar's answer comes back.
	c = rdap.New(rdap.Config{Bootstrap: boot, RootCAs: n.RootCAs(), PrivateHosts: lookup.PrivateHosts{"localhost", "127.0.0.1"}})
	if a, err := c.Lookup(ctx, "bakkerij-voorbeeld.com"); err != nil || a.Server != "127.0.0.1" || target.requests.Load() != 1 {
		t.Errorf("allowed: %+v, %v", a.Server, err)
	}
}

func TestPlainHTTPLinkRefusedUnlessListed(t *testing.T) {
	w := newWorld(t)
	w.verisign.Source = rdaptest.Files{
		"plain.com":  linkingTo("plain.com", "http://rdap.registrar.example/domain/plain.com"),
		"listed.com": linkingTo("listed.com", "http://rdap.listed.example/domain/listed.com"),
	}
	// The bootstrap file names rdap.listed.example (for .org), over http.
	boot := filepath.Join(t.TempDir(), "dns.json")
	services := map[string]string{"com": "https://rdap.verisign.com/com/v1/", "org": "http://rdap.listed.example/"}
	if err := os.WriteFile(boot, rdaptest.Bootstrap(services), 0o600); err != nil {
		t.Fatal(err)
	}
	c := w.client(rdap.Config{Bootstrap: boot})
	_, err := c.Lookup(context.Background(), "plain.com")
	f := lookuptest.Failure(t, err, lookup.ReasonRefused)
	if f.Host != "rdap.registrar.example" || !strings.Contains(f.Detail, "only https") || w.registrar.Requests() != 0 {
		t.Errorf("failure %v; registrar %d requests", f, w.registrar.Requests())
	}
	// A host the bootstrap file names may be asked over http: the link is
	// followed (and fails here only because nothing listens on port 80).
	_, err = c.Lookup(context.Background(), "listed.com")
	lookuptest.Failure(t, err, lookup.ReasonConnection)
}

func TestRedirects(t *testing.T) {
	w := newWorld(t)
	var hops atomic.Int64
	redirector := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		hops.Add(1)
		switch strings.TrimPrefix(r.URL.Path, "/domain/") {
		case "loop.test":
			http.Redirect(rw, r, fmt.Sprintf("/domain/loop.test?hop=%d", hops.Load()), http.StatusFound)
		case "twice.test":
			if r.URL.Query().Get("hop") == "" {
				http.Redirect(rw, r, "/domain/twice.test?hop=1", http.StatusFound)
			} else if r.URL.Query().Get("hop") == "1" {
				http.Redirect(rw, r, "https://rdap.sidn.nl/domain/janvandenheuvel.nl", http.StatusMovedPermanently)
			}
		case "plain.test":
			http.Redirect(rw, r, "http://rdap.registrar.example/domain/bakkerij-voorbeeld.com", http.StatusFound)
		case "inside.test":
			http.Redirect(rw, r, "https://rdap.registrar.example/domain/bakkerij-voorbeeld.com", http.StatusFound)
		default:
			http.NotFound(rw, r)
		}
	})
	base, err := w.net.ServeHTTPS(redirector, "rdap.redirect.example")
	if err != nil {
		t.Fatal(err)
	}
	boot := filepath.Join(t.TempDir(), "dns.json")
	if err := os.WriteFile(boot, rdaptest.Bootstrap(map[string]string{"test": base}), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := w.client(rdap.Config{Bootstrap: boot, PrivateHosts: lookup.PrivateHosts{"rdap.redirect.example", "rdap.sidn.nl"}})

	_, err = c.Lookup(ctx, "loop.test")
	if f := lookuptest.Failure(t, err, lookup.ReasonRefused); !strings.Contains(f.Detail, "more than 5 redirects") {
		t.Errorf("loop: %v", f)
	}
	if n := hops.Load(); n != 1+rdap.MaxRedirects {
		t.Errorf("the loop was asked %d times, want %d", n, 1+rdap.MaxRedirects)
	}

	if a, err := c.Lookup(ctx, "twice.test"); err != nil || a.Server != "rdap.redirect.example" || len(a.Body) == 0 {
		t.Errorf("two redirects: %+v, %v", a.Server, err)
	}

	_, err = c.Lookup(ctx, "plain.test")
	if f := lookuptest.Failure(t, err, lookup.ReasonRefused); f.Host != "rdap.registrar.example" || !strings.Contains(f.Detail, "only https") {
		t.Errorf("to http: %v", f)
	}
	_, err = c.Lookup(ctx, "inside.test")
	if f := lookuptest.Failure(t, err, lookup.ReasonRefused); f.Host != "rdap.registrar.example" || !strings.Contains(f.Detail, "loopback") {
		t.Errorf("to loopback: %v", f)
	}
	if w.registrar.Requests() != 0 {
		t.Errorf("a refused redirect reached the registrar %d times", w.registrar.Requests())
	}
}
