package rdap_test

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm"
	"github.com/afscherm/afscherm/internal/lookup"
	"github.com/afscherm/afscherm/internal/lookup/lookuptest"
	"github.com/afscherm/afscherm/internal/lookup/rdap"
	"github.com/afscherm/afscherm/internal/lookup/rdap/rdaptest"
	"github.com/afscherm/afscherm/internal/loopback"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/ratelimit"
)

func recorded(t *testing.T, file string) []byte {
	t.Helper()
	b, err := fs.ReadFile(afscherm.Testdata, "testdata/rdap/"+file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// world is a registry for .com, one for .nl, and a registrar, on a sealed
// loopback network, with a bootstrap file pointing at the registries.
type world struct {
	net                         *loopback.Network
	verisign, sidn, registrar   *rdaptest.Server
	bootstrapFile, bootstrapURL string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	n, err := loopback.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	w := &world{net: n}
	w.verisign = &rdaptest.Server{Source: rdaptest.Files{"bakkerij-voorbeeld.com": recorded(t, "com-verisign-registry.json")}}
	w.registrar = &rdaptest.Server{Source: rdaptest.Files{"bakkerij-voorbeeld.com": recorded(t, "com-registrar-redacted.json")}}
	w.sidn = &rdaptest.Server{Source: rdaptest.Files{"janvandenheuvel.nl": recorded(t, "nl-sidn-private.json")}}
	serve := func(h http.Handler, name string) string {
		u, err := n.ServeHTTPS(h, name)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	comURL := serve(w.verisign, "rdap.verisign.com") + "com/v1/"
	serve(w.registrar, "rdap.registrar.example")
	nlURL := serve(w.sidn, "rdap.sidn.nl")
	boot := rdaptest.Bootstrap(map[string]string{"com": comURL, "nl": nlURL})
	w.bootstrapFile = filepath.Join(t.TempDir(), "dns.json")
	if err := os.WriteFile(w.bootstrapFile, boot, 0o644); err != nil {
		t.Fatal(err)
	}
	w.bootstrapURL = serve(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { rw.Write(boot) }), "data.iana.test") + "rdap/dns.json"
	return w
}

func (w *world) client(cfg rdap.Config) *rdap.Client {
	if cfg.Bootstrap == "" {
		cfg.Bootstrap = w.bootstrapFile
	}
	cfg.Dial, cfg.RootCAs = w.net.Dial, w.net.RootCAs()
	if cfg.PrivateHosts == nil {
		cfg.PrivateHosts = lookup.PrivateHosts{lookup.AllowAnyHost} // every server here is on loopback
	}
	return rdap.New(cfg)
}

func TestThinRegistryFollowsRegistrarLink(t *testing.T) {
	w := newWorld(t)
	a, err := w.client(rdap.Config{}).Lookup(context.Background(), "bakkerij-voorbeeld.com")
	if err != nil {
		t.Fatal(err)
	}
	if a.Server != "rdap.registrar.example" || a.Registry != "rdap.verisign.com" || string(a.Body) != string(recorded(t, "com-registrar-redacted.json")) {
		t.Errorf("answer from %s (registry %s)", a.Server, a.Registry)
	}
	if w.verisign.Requests() != 1 || w.registrar.Requests() != 1 {
		t.Errorf("requests: registry %d, registrar %d", w.verisign.Requests(), w.registrar.Requests())
	}
}

func TestThickRegistryAnswersItself(t *testing.T) {
	w := newWorld(t)
	a, err := w.client(rdap.Config{}).Lookup(context.Background(), "janvandenheuvel.nl")
	if err != nil || a.Server != "rdap.sidn.nl" || a.Registry != "" {
		t.Fatalf("answer %+v, %v", a, err)
	}
}

func TestFailures(t *testing.T) {
	w := newWorld(t)
	w.sidn.Faults = map[string]rdaptest.Fault{
		"garbage.nl": rdaptest.FaultGarbage, "huge.nl": rdaptest.FaultHuge, "hang.nl": rdaptest.FaultHang,
		"broken.nl": rdaptest.FaultStatus500, "busy.nl": rdaptest.FaultTooMany,
	}
	limiter := ratelimit.New(ratelimit.Limits{Default: 1000})
	c := w.client(rdap.Config{Timeout: 500 * time.Millisecond, Limiter: limiter})
	ctx := context.Background()

	_, err := c.Lookup(ctx, "unknown.nl")
	lookuptest.Failure(t, err, lookup.ReasonNotRegistered)
	_, err = c.Lookup(ctx, "example.de")
	lookuptest.Failure(t, err, lookup.ReasonNoService)
	_, err = c.Lookup(ctx, "huge.nl")
	lookuptest.Failure(t, err, lookup.ReasonTooLarge)
	_, err = c.Lookup(ctx, "hang.nl")
	lookuptest.Failure(t, err, lookup.ReasonTimeout)
	_, err = c.Lookup(ctx, "broken.nl")
	lookuptest.Failure(t, err, lookup.ReasonHTTPStatus)

	// Garbage is handed to the classifier, which says what is wrong with it.
	if a, err := c.Lookup(ctx, "garbage.nl"); err != nil || len(a.Body) == 0 {
		t.Errorf("garbage: %v", err)
	}

	f := lookuptest.Failure(t, func() error { _, err := c.Lookup(ctx, "busy.nl"); return err }(), lookup.ReasonRateLimited)
	if f.RetryAfter != 7*time.Second || f.Host != "rdap.sidn.nl" {
		t.Errorf("429: %+v", f)
	}
	if r := limiter.Rate("rdap.sidn.nl"); r != 500 {
		t.Errorf("the 429 did not slow the host down: rate %v", r)
	}
	// And the host is left alone until the server's Retry-After has passed.
	_, err = c.Lookup(ctx, "janvandenheuvel.nl")
	lookuptest.Failure(t, err, lookup.ReasonTimeout)
}

func TestOwnRateLimitSaysWhenToComeBack(t *testing.T) {
	w := newWorld(t)
	c := w.client(rdap.Config{Limiter: ratelimit.New(ratelimit.Limits{Default: 0.5}), MaxWait: 100 * time.Millisecond})
	ctx := context.Background()
	if _, err := c.Lookup(ctx, "janvandenheuvel.nl"); err != nil {
		t.Fatal(err)
	}
	f := lookuptest.Failure(t, func() error { _, err := c.Lookup(ctx, "janvandenheuvel.nl"); return err }(), lookup.ReasonRateLimited)
	if f.RetryAfter < time.Second || f.RetryAfter > 2*time.Second {
		t.Errorf("retry after %s", f.RetryAfter)
	}
	if w.sidn.Requests() != 1 {
		t.Errorf("the limited request reached the server")
	}
}

func TestRegistrarOffTheNetwork(t *testing.T) {
	w := newWorld(t)
	w.verisign.Source = rdaptest.Files{"elsewhere.com": []byte(`{"objectClassName":"domain","ldhName":"elsewhere.com",
		"links":[{"rel":"related","type":"application/rdap+json","href":"https://rdap.unknown-registrar.example/domain/elsewhere.com"}]}`)}
	_, err := w.client(rdap.Config{}).Lookup(context.Background(), "elsewhere.com")
	f := lookuptest.Failure(t, err, lookup.ReasonConnection)
	if f.Host != "rdap.unknown-registrar.example" {
		t.Errorf("failure names %q", f.Host)
	}
}

func TestBootstrapDownloadedAndCached(t *testing.T) {
	w := newWorld(t)
	cache := t.TempDir()
	if _, err := w.client(rdap.Config{Bootstrap: w.bootstrapURL, CacheDir: cache}).Lookup(context.Background(), "janvandenheuvel.nl"); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "rdap-dns-*.json"))
	if len(files) != 1 {
		t.Fatalf("cache holds %v", files)
	}
	// A client whose source cannot be reached uses the fresh copy on disk.
	dead := w.client(rdap.Config{Bootstrap: w.bootstrapURL, CacheDir: cache})
	w.net.Close()
	if _, err := dead.Lookup(context.Background(), "janvandenheuvel.nl"); err == nil {
		t.Fatal("lookup worked with the servers gone")
	} else if f, _ := lookup.AsFailure(err); f.Reason == lookup.ReasonNoService {
		t.Errorf("the cached bootstrap file was not used: %v", err)
	}
}

func TestObserverCountsEveryRequest(t *testing.T) {
	w := newWorld(t)
	w.sidn.Faults = map[string]rdaptest.Fault{"broken.nl": rdaptest.FaultStatus500, "busy.nl": rdaptest.FaultTooMany}
	rec := &lookuptest.Recorder{}
	limiter := ratelimit.New(ratelimit.Limits{Default: 1000, Hosts: map[string]float64{"rdap.verisign.com": 0.5}})
	c := w.client(rdap.Config{Limiter: limiter, MaxWait: 100 * time.Millisecond, Observer: rec})
	ctx := context.Background()
	for _, name := range []string{
		"bakkerij-voorbeeld.com", // the registry, then the registrar
		"bakkerij-voorbeeld.com", // put aside by our own rate limit: not sent, not counted
		"janvandenheuvel.nl", "unknown.nl", "broken.nl", "busy.nl",
		"example.de", // no RDAP service: nothing sent
	} {
		_, _ = c.Lookup(ctx, name)
	}
	want := []string{
		"rdap rdap.verisign.com ok", "rdap rdap.registrar.example ok",
		"rdap rdap.sidn.nl ok", "rdap rdap.sidn.nl not_registered", "rdap rdap.sidn.nl http_status", "rdap rdap.sidn.nl rate_limited",
	}
	if !slices.Equal(rec.Lookups(), want) {
		t.Errorf("lookups:\n%s\nwant:\n%s", strings.Join(rec.Lookups(), "\n"), strings.Join(want, "\n"))
	}
	if sent := w.verisign.Requests() + w.registrar.Requests() + w.sidn.Requests(); rec.Timed(model.SourceRDAP) != int(sent) || rec.Timed(model.SourceWHOIS) != 0 {
		t.Errorf("%d exchanges timed, %d requests", rec.Timed(model.SourceRDAP), sent)
	}
}
