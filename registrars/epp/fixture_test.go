package epp_test

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/loopback"
	"github.com/afscherm/afscherm/registrars/epp"
	"github.com/afscherm/afscherm/registrars/epp/epptest"
	"github.com/afscherm/afscherm/registrars/wiretrace"
)

const host = "epp.registry.test"

type fixture struct {
	srv *epptest.Server
	net *loopback.Network
	cfg epp.Config
	l   net.Listener
}

// start serves a fake registry on a fresh loopback network and returns a
// client configuration for it, with short timeouts.
func start(t *testing.T, opts epptest.Options) *fixture {
	t.Helper()
	return startTLS(t, opts, nil)
}

// startTLS is start with the server's TLS configuration adjusted.
func startTLS(t *testing.T, opts epptest.Options, adjust func(*tls.Config, *loopback.Network)) *fixture {
	t.Helper()
	n, err := loopback.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	l, err := n.Listen(host, 700)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := n.Certificate(host)
	if err != nil {
		t.Fatal(err)
	}
	if opts.T == nil {
		opts.T = t // a frame the official schemas reject fails the test
	}
	srv := epptest.New(opts)
	tc := &tls.Config{Certificates: []tls.Certificate{cert}}
	if adjust != nil {
		adjust(tc, n)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l, tc) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &fixture{srv: srv, net: n, l: l, cfg: epp.Config{
		Addr:     host + ":700",
		TLS:      &tls.Config{RootCAs: n.RootCAs()},
		Dial:     n.Dial,
		ClientID: epptest.DefaultClientID,
		Password: epptest.DefaultPassword,
		Timeout:  3 * time.Second,
		Trace:    wiretrace.FromEnv(strings.ToLower(opts.Dialect.String())),
	}}
}

func (f *fixture) dial(t *testing.T) *epp.Client {
	t.Helper()
	c, err := epp.Dial(context.Background(), f.cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// recorder is a Transport that keeps a copy of every frame sent.
type recorder struct {
	epp.Transport
	mu     sync.Mutex
	frames []string
}

func (r *recorder) Send(ctx context.Context, frame []byte) ([]byte, error) {
	r.mu.Lock()
	r.frames = append(r.frames, string(frame))
	r.mu.Unlock()
	return r.Transport.Send(ctx, frame)
}

func (r *recorder) sent() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.frames...)
}

// dialRecorded logs in through a recorder.
func (f *fixture) dialRecorded(t *testing.T) (*epp.Client, *recorder) {
	t.Helper()
	ctx := context.Background()
	tr, err := epp.DialTransport(ctx, f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Transport: tr}
	c, err := epp.NewClient(ctx, rec, f.cfg)
	if err != nil {
		tr.Close()
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, rec
}

func mustAdd(t *testing.T, srv *epptest.Server, contacts []epptest.Contact, domains ...epptest.Domain) {
	t.Helper()
	for _, c := range contacts {
		if err := srv.AddContact(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range domains {
		if err := srv.AddDomain(d); err != nil {
			t.Fatal(err)
		}
	}
}

// person is a natural person's contact; the values are made up.
func person(id string) epptest.Contact {
	return epptest.Contact{
		ID: id, Name: "Jan Jansen", Street: []string{"Dorpsstraat 1"}, City: "Utrecht",
		PC: "3511AA", CC: "NL", Voice: "+31.301234567", Email: "jan@example.nl",
	}
}
