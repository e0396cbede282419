package whois_test

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm"
	"github.com/afscherm/afscherm/internal/lookup"
	"github.com/afscherm/afscherm/internal/lookup/lookuptest"
	"github.com/afscherm/afscherm/internal/lookup/whois"
	"github.com/afscherm/afscherm/internal/lookup/whois/whoistest"
	"github.com/afscherm/afscherm/internal/loopback"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/ratelimit"
)

func recorded(t *testing.T, file string) string {
	t.Helper()
	b, err := fs.ReadFile(afscherm.Testdata, "testdata/whois/"+file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type world struct {
	net                       *loopback.Network
	verisign, registrar, sidn *whoistest.Server
}

func newWorld(t *testing.T) *world {
	t.Helper()
	n, err := loopback.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	w := &world{net: n,
		verisign:  &whoistest.Server{Source: whoistest.Files{"bakkerij-voorbeeld.com": recorded(t, "com-verisign-thin.txt")}},
		registrar: &whoistest.Server{Source: whoistest.Files{"bakkerij-voorbeeld.com": recorded(t, "com-registrar-redacted.txt")}},
		sidn:      &whoistest.Server{Source: whoistest.Files{"sannebakker.nl": recorded(t, "nl-sidn-private.txt")}},
	}
	for name, srv := range map[string]*whoistest.Server{
		"whois.verisign-grs.com": w.verisign, "whois.registrar.example": w.registrar, "whois.domain-registry.nl": w.sidn,
	} {
		l, err := n.Listen(name, 43)
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(l) //nolint:errcheck // ends when the network closes
	}
	return w
}

func (w *world) client(cfg whois.Config) *whois.Client {
	cfg.Dial = w.net.Dial
	if cfg.PrivateHosts == nil {
		cfg.PrivateHosts = lookup.PrivateHosts{lookup.AllowAnyHost} // every server here is on loopback
	}
	return whois.New(cfg)
}

func TestReferralToRegistrar(t *testing.T) {
	w := newWorld(t)
	a, err := w.client(whois.Config{}).Lookup(context.Background(), "bakkerij-voorbeeld.com")
	if err != nil {
		t.Fatal(err)
	}
	if a.Server != "whois.registrar.example" || a.Text != recorded(t, "com-registrar-redacted.txt")[:len(a.Text)] {
		t.Errorf("answer from %s:\n%s", a.Server, a.Text)
	}
	if w.verisign.Queries() != 1 || w.registrar.Queries() != 1 {
		t.Errorf("queries: registry %d, registrar %d", w.verisign.Queries(), w.registrar.Queries())
	}
}

func TestRegistryAnswer(t *testing.T) {
	w := newWorld(t)
	a, err := w.client(whois.Config{}).Lookup(context.Background(), "sannebakker.nl")
	if err != nil || a.Server != "whois.domain-registry.nl" {
		t.Fatalf("%+v, %v", a, err)
	}
}

func TestServerFromConfiguration(t *testing.T) {
	w := newWorld(t)
	l, err := w.net.Listen("whois.mirror.test", 4343)
	if err != nil {
		t.Fatal(err)
	}
	mirror := &whoistest.Server{Source: whoistest.Files{"example.be": "Domain: example.be\nStatus: NOT AVAILABLE\n"}}
	go mirror.Serve(l) //nolint:errcheck
	c := w.client(whois.Config{Servers: map[string]string{".be": "whois.mirror.test:4343"}})
	if _, err := c.Lookup(context.Background(), "example.be"); err != nil || mirror.Queries() != 1 {
		t.Errorf("mirror: %v, %d queries", err, mirror.Queries())
	}
	_, err = c.Lookup(context.Background(), "example.zz")
	lookuptest.Failure(t, err, lookup.ReasonNoService)
}

func TestFailures(t *testing.T) {
	w := newWorld(t)
	w.sidn.Faults = map[string]whoistest.Fault{
		"silent.nl": whoistest.FaultSilent, "endless.nl": whoistest.FaultEndless, "garbage.nl": whoistest.FaultGarbage,
	}
	c := w.client(whois.Config{Timeout: 500 * time.Millisecond})
	ctx := context.Background()
	_, err := c.Lookup(ctx, "unknown.nl")
	lookuptest.Failure(t, err, lookup.ReasonNotRegistered)
	_, err = c.Lookup(ctx, "silent.nl")
	lookuptest.Failure(t, err, lookup.ReasonTimeout)
	_, err = c.Lookup(ctx, "endless.nl")
	lookuptest.Failure(t, err, lookup.ReasonTooLarge)
	if a, err := c.Lookup(ctx, "garbage.nl"); err != nil || a.Text == "" {
		t.Errorf("garbage is for the classifier to refuse: %v", err)
	}
	w.sidn.SetRate(0.001)
	_, _ = c.Lookup(ctx, "sannebakker.nl")
	_, err = c.Lookup(ctx, "sannebakker.nl")
	lookuptest.Failure(t, err, lookup.ReasonRateLimited)
}

func TestCancelledLookupReturns(t *testing.T) {
	w := newWorld(t)
	w.sidn.Faults = map[string]whoistest.Fault{"silent.nl": whoistest.FaultSilent}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err := w.client(whois.Config{Timeout: time.Minute}).Lookup(ctx, "silent.nl")
	if err == nil {
		t.Fatal("a cancelled lookup succeeded")
	}
}

func TestOwnRateLimit(t *testing.T) {
	w := newWorld(t)
	c := w.client(whois.Config{Limiter: ratelimit.New(ratelimit.Limits{Default: 0.5}), MaxWait: 50 * time.Millisecond})
	ctx := context.Background()
	if _, err := c.Lookup(ctx, "sannebakker.nl"); err != nil {
		t.Fatal(err)
	}
	f := lookuptest.Failure(t, func() error { _, err := c.Lookup(ctx, "sannebakker.nl"); return err }(), lookup.ReasonRateLimited)
	if f.RetryAfter < time.Second || w.sidn.Queries() != 1 {
		t.Errorf("retry after %s, %d queries", f.RetryAfter, w.sidn.Queries())
	}
}

func TestObserverCountsEveryQuery(t *testing.T) {
	w := newWorld(t)
	rec := &lookuptest.Recorder{}
	limiter := ratelimit.New(ratelimit.Limits{Default: 1000, Hosts: map[string]float64{"whois.registrar.example": 0.5}})
	c := w.client(whois.Config{Limiter: limiter, MaxWait: 50 * time.Millisecond, Observer: rec, Timeout: 500 * time.Millisecond})
	ctx := context.Background()
	for _, name := range []string{
		"bakkerij-voorbeeld.com", // the registry refers to the registrar
		"bakkerij-voorbeeld.com", // the registry again; the registrar put aside by our own rate limit
		"sannebakker.nl", "unknown.nl",
		"example.zz", // no WHOIS server: nothing sent
	} {
		_, _ = c.Lookup(ctx, name)
	}
	want := []string{
		"whois whois.verisign-grs.com ok", "whois whois.registrar.example ok",
		"whois whois.verisign-grs.com ok",
		"whois whois.domain-registry.nl ok", "whois whois.domain-registry.nl not_registered",
	}
	if !slices.Equal(rec.Lookups(), want) {
		t.Errorf("lookups:\n%s\nwant:\n%s", strings.Join(rec.Lookups(), "\n"), strings.Join(want, "\n"))
	}
	if sent := w.verisign.Queries() + w.registrar.Queries() + w.sidn.Queries(); rec.Timed(model.SourceWHOIS) != int(sent) || rec.Timed(model.SourceRDAP) != 0 {
		t.Errorf("%d exchanges timed, %d queries", rec.Timed(model.SourceWHOIS), sent)
	}

	// A server that never answers: its query ends as the lookup did.
	w.sidn.Faults = map[string]whoistest.Fault{"silent.nl": whoistest.FaultSilent}
	before := len(rec.Lookups())
	_, _ = c.Lookup(ctx, "silent.nl")
	if want, got := []string{"whois whois.domain-registry.nl timeout"}, rec.Lookups()[before:]; !slices.Equal(got, want) {
		t.Errorf("lookups %q, want %q", got, want)
	}
}
