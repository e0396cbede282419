package openprovider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/openprovider/openprovidertest"
)

const (
	testUser     = "reseller-api"
	testPassword = "pa55-W0rd-not-for-logs"
)

type fixture struct {
	fake   *openprovidertest.Server
	srv    *httptest.Server
	client *Client
	logs   *bytes.Buffer
	clock  *clock
	cfg    Config
}

// clock is a clock tests move; the fake and the client share it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// newFixture serves a fake Openprovider over TLS on loopback, held to
// Openprovider's published description (every request and answer of the
// test must be one it defines), and returns a client for it with short
// timeouts.
func newFixture(t *testing.T, mutate ...func(*Config)) *fixture {
	t.Helper()
	fake := openprovidertest.New(testUser, testPassword)
	openprovidertest.HoldToDescription(t, fake)
	clk := &clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	fake.SetClock(clk.Now)
	srv := httptest.NewTLSServer(fake)
	t.Cleanup(srv.Close)
	logs := &bytes.Buffer{}
	var mu sync.Mutex
	cfg := Config{
		BaseURL:    srv.URL + "/v1beta",
		Username:   testUser,
		Password:   testPassword,
		HTTPClient: srv.Client(),
		Timeout:    2 * time.Second,
		Logger:     slog.New(slog.NewTextHandler(lockedWriter{&mu, logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:        clk.Now,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return &fixture{fake: fake, srv: srv, client: c, logs: logs, clock: clk, cfg: cfg}
}

// otherClient is a second program logging in to the same account, with
// its own password.
func (f *fixture) otherClient(t *testing.T, password string) *Client {
	t.Helper()
	cfg := f.cfg
	cfg.Password = password
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (f *fixture) logins() int { return f.fake.Count(http.MethodPost, "/v1beta/auth/login") }

// wantKind checks err's kind and that it gives nothing away.
func wantKind(t *testing.T, err error, kind registrars.ErrorKind) *registrars.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", kind)
	}
	var e *registrars.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *registrars.Error", err, err)
	}
	if e.Kind != kind {
		t.Fatalf("kind %s, want %s (error: %v)", e.Kind, kind, err)
	}
	if e.Party != Party {
		t.Errorf("party %q, want %q", e.Party, Party)
	}
	noSecrets(t, err.Error())
	return e
}

var hexToken = regexp.MustCompile(`[0-9a-f]{32}`)

// noSecrets fails when text holds the password, a token, or pieces of
// answers that are not Openprovider's short description.
func noSecrets(t *testing.T, text string) {
	t.Helper()
	for _, bad := range []string{testPassword, "Bearer", "<html>", "xxxxxxxxxx", "Jan de Vries"} {
		if strings.Contains(text, bad) {
			t.Errorf("%q contains %q", text, bad)
		}
	}
	if hexToken.MatchString(text) {
		t.Errorf("%q seems to contain a token", text)
	}
}

func TestNewClientChecksConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no username":         {Password: "p"},
		"no password":         {Username: "u"},
		"bad scheme":          {Username: "u", Password: "p", BaseURL: "ftp://api.example/v1beta"},
		"credentials in base": {Username: "u", Password: "p", BaseURL: "https://u:p@api.example/v1beta"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NewClient(cfg)
			wantKind(t, err, registrars.KindConfig)
		})
	}
}

func TestConfigAndClientDoNotPrintThePassword(t *testing.T) {
	f := newFixture(t)
	cfg := Config{Username: testUser, Password: testPassword, BaseURL: DefaultBaseURL}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "cfg", cfg)
	for _, s := range []string{
		fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprint(&cfg),
		fmt.Sprintf("%v", f.client), fmt.Sprintf("%+v", f.client), buf.String(),
	} {
		if strings.Contains(s, testPassword) {
			t.Errorf("printed the password: %s", s)
		}
	}
}

func TestLogsInLazilyOnceAndReusesTheToken(t *testing.T) {
	f := newFixture(t)
	f.fake.AddDomain("example.com", "Jan de Vries")
	if n := f.logins(); n != 0 {
		t.Fatalf("%d logins before the first call, want 0", n)
	}
	ctx := context.Background()
	d, err := f.client.FindDomain(ctx, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := f.client.GetDomain(ctx, d.ID, false); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.logins(); n != 1 {
		t.Errorf("%d logins for 4 calls, want 1", n)
	}
	noSecrets(t, f.logs.String())
}

func TestConcurrentCallsShareOneLogin(t *testing.T) {
	f := newFixture(t)
	id := f.fake.AddDomain("example.com", "Jan de Vries")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			_, err := f.client.GetDomain(context.Background(), id, false)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := f.logins(); n != 1 {
		t.Errorf("%d logins for 16 concurrent calls, want 1", n)
	}
}

func TestLogsInAgainOnceWhenTheTokenExpires(t *testing.T) {
	f := newFixture(t)
	id := f.fake.AddDomain("example.com", "Jan de Vries")
	ctx := context.Background()
	if _, err := f.client.GetDomain(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	f.fake.ExpireTokens()
	if _, err := f.client.GetDomain(ctx, id, false); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if n := f.logins(); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}
	// The refused call, then the repeat with the new token.
	gets := 0
	refused := 0
	for _, c := range f.fake.Calls() {
		if c.Method == http.MethodGet {
			gets++
			if c.Status == http.StatusUnauthorized {
				refused++
			}
		}
	}
	if gets != 3 || refused != 1 {
		t.Errorf("%d GETs with %d refused, want 3 with 1", gets, refused)
	}
}

func TestGivesUpWhenAFreshTokenIsRefusedToo(t *testing.T) {
	f := newFixture(t)
	id := f.fake.AddDomain("example.com", "Jan de Vries")
	f.fake.SetTokenTTL(-time.Second) // every token is born expired
	_, err := f.client.GetDomain(context.Background(), id, false)
	wantKind(t, err, registrars.KindConfig)
	if n := f.logins(); n != 2 {
		t.Errorf("%d logins, want 2 (the first and one more)", n)
	}
}

func TestWrongCredentialsAreConfig(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Password = "wrong-" + testPassword })
	f.fake.AddDomain("example.com", "Jan de Vries")
	_, err := f.client.FindDomain(context.Background(), "example.com")
	e := wantKind(t, err, registrars.KindConfig)
	if e.Code != "196" {
		t.Errorf("code %q, want 196", e.Code)
	}
	if strings.Contains(err.Error(), "wrong-") {
		t.Errorf("error echoes the password: %v", err)
	}
	if n := f.logins(); n != 1 {
		t.Errorf("%d login attempts, want 1 (no retry with the same wrong password)", n)
	}
	if n := len(f.fake.Calls()); n != 1 {
		t.Errorf("%d calls, want only the login", n)
	}
}

// TestFindDomainByExactFullName: the list is asked with full_name (the
// description's filter, the quick-start's "full domain name"), and a
// domain whose name is a prefix of another's, or that ends another's, is
// never taken for it.
func TestFindDomainByExactFullName(t *testing.T) {
	f := newFixture(t)
	ids := map[string]int64{}
	for _, name := range []string{"example.com", "exam.com", "example.net", "myexample.com", "example.co.uk", "example.com.au", "xn--bcher-kva.nl"} {
		ids[name] = f.fake.AddDomain(name, "Jan de Vries")
	}
	ctx := context.Background()
	for name, id := range ids {
		d, err := f.client.FindDomain(ctx, name)
		if err != nil {
			t.Errorf("find %s: %v", name, err)
			continue
		}
		if d.ID != id || d.FullName() != name {
			t.Errorf("find %s: got %d %s, want %d", name, d.ID, d.FullName(), id)
		}
	}
	// Upper case and a trailing dot are the same domain.
	if d, err := f.client.FindDomain(ctx, "Example.COM."); err != nil || d.ID != ids["example.com"] {
		t.Errorf("find Example.COM.: %v %v", d, err)
	}
	for _, missing := range []string{"example.org", "ample.com", "example.uk", "exa.com", "examples.com", "example.co"} {
		_, err := f.client.FindDomain(ctx, missing)
		wantKind(t, err, registrars.KindRejected)
	}
	_, err := f.client.FindDomain(ctx, "localhost")
	wantKind(t, err, registrars.KindRejected)
	for _, c := range f.fake.Calls() {
		if c.Method != http.MethodGet || c.Path != "/v1beta/domains" {
			continue
		}
		q, _ := url.ParseQuery(c.Query)
		if len(q) != 1 || len(q["full_name"]) != 1 || strings.Contains(q.Get("full_name"), "*") {
			t.Errorf("list asked with %q, want only an exact full_name", c.Query)
		}
	}
}

func TestGetDomainReadsThePrivacyFlag(t *testing.T) {
	f := newFixture(t)
	id := f.fake.AddDomain("example.com", "Jan de Vries")
	ctx := context.Background()
	d, err := f.client.GetDomain(ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.PrivateWhoisEnabled || d.PrivateWhoisAllowed == nil || !*d.PrivateWhoisAllowed || d.Status != "ACT" {
		t.Errorf("got %+v", d)
	}
	f.fake.SetPrivateWhois("example.com", true)
	if d, err = f.client.GetDomain(ctx, id, false); err != nil || !d.PrivateWhoisEnabled {
		t.Errorf("after switching on: %+v, %v", d, err)
	}
	if d.WhoisPrivacy != nil {
		t.Errorf("privacy data %+v without asking for it", d.WhoisPrivacy)
	}
	_, err = f.client.GetDomain(ctx, 99999, false)
	if e := wantKind(t, err, registrars.KindRejected); e.Code != "320" {
		t.Errorf("code %q, want 320", e.Code)
	}
}

func TestSetPrivateWhoisChangesTheFlagAndTellsTheHook(t *testing.T) {
	f := newFixture(t)
	id := f.fake.AddDomain("example.com", "Jan de Vries")
	var mu sync.Mutex
	var told []string
	f.fake.OnChange(func(domain string) { mu.Lock(); told = append(told, domain); mu.Unlock() })
	ctx := context.Background()
	if err := f.client.SetPrivateWhois(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	if d, _ := f.fake.Domain("example.com"); !d.PrivateWhois {
		t.Fatal("privacy is not on at the fake")
	}
	// Switching on what is on is no change.
	if err := f.client.SetPrivateWhois(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	if n := f.fake.Changes("example.com"); n != 1 {
		t.Errorf("%d effective changes, want 1", n)
	}
	if err := f.client.SetPrivateWhois(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(told, ",") != "example.com,example.com" {
		t.Errorf("hook told %v, want example.com twice (on, off)", told)
	}
}

func TestSetPrivateWhoisRefusedWherePrivacyIsNotAllowed(t *testing.T) {
	f := newFixture(t)
	id := f.fake.AddDomain("example.com", "Jan de Vries")
	f.fake.SetPrivateWhoisAllowed("example.com", false)
	err := f.client.SetPrivateWhois(context.Background(), id, true)
	if e := wantKind(t, err, registrars.KindRejected); e.Code != "399" || !strings.Contains(e.Message, "not allowed") {
		t.Errorf("got code %q message %q", e.Code, e.Message)
	}
}

// TestFaults: every way an answer goes wrong maps onto the right kind,
// quickly.
func TestFaults(t *testing.T) {
	future := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		name       string
		fault      openprovidertest.Fault
		kind       registrars.ErrorKind
		code       string
		retryAfter func(time.Duration) bool
		inMessage  string
	}{
		{name: "garbage", fault: openprovidertest.Fault{Kind: openprovidertest.Garbage}, kind: registrars.KindTemporary, inMessage: "not its JSON envelope"},
		{name: "oversize", fault: openprovidertest.Fault{Kind: openprovidertest.Oversize}, kind: registrars.KindTemporary, inMessage: "larger than 1048576 bytes"},
		{name: "slow", fault: openprovidertest.Fault{Kind: openprovidertest.Slow, Delay: 10 * time.Second}, kind: registrars.KindTemporary, inMessage: "no answer within 300ms"},
		{name: "429 with seconds", fault: openprovidertest.Fault{Kind: openprovidertest.TooManyRequests, RetryAfter: "7"}, kind: registrars.KindRateLimited,
			retryAfter: func(d time.Duration) bool { return d == 7*time.Second }},
		{name: "429 with a date", fault: openprovidertest.Fault{Kind: openprovidertest.TooManyRequests, RetryAfter: future}, kind: registrars.KindRateLimited,
			retryAfter: func(d time.Duration) bool { return d > 80*time.Second && d <= 90*time.Second }},
		{name: "429 without Retry-After", fault: openprovidertest.Fault{Kind: openprovidertest.TooManyRequests}, kind: registrars.KindRateLimited,
			retryAfter: func(d time.Duration) bool { return d == 0 }},
		{name: "500", fault: openprovidertest.Fault{Kind: openprovidertest.ServerError}, kind: registrars.KindTemporary},
		{name: "dropped connection", fault: openprovidertest.Fault{Kind: openprovidertest.Drop, Times: 5}, kind: registrars.KindTemporary, inMessage: "could not reach"},
		{name: "excessive use code", fault: openprovidertest.Fault{Kind: openprovidertest.EnvelopeCode, Code: 4007, Desc: "API access temporarily blocked because of excessive use"},
			kind: registrars.KindRateLimited, code: "4007", retryAfter: func(d time.Duration) bool { return d == 300*time.Second }},
		{name: "access denied code", fault: openprovidertest.Fault{Kind: openprovidertest.EnvelopeCode, Code: 10005, Desc: "Access denied"},
			kind: registrars.KindConfig, code: "10005", inMessage: "blacklist"},
		{name: "access denied code with a 429", fault: openprovidertest.Fault{Kind: openprovidertest.EnvelopeCode, Code: 10005, Desc: "Access denied", Status: 429},
			kind: registrars.KindConfig, code: "10005", inMessage: "does not retry"},
		{name: "agreement code", fault: openprovidertest.Fault{Kind: openprovidertest.EnvelopeCode, Code: 197, Desc: "Agreement not signed", Status: 403},
			kind: registrars.KindConfig, code: "197"},
		{name: "domain module code", fault: openprovidertest.Fault{Kind: openprovidertest.EnvelopeCode, Code: 366, Desc: "Domain is in a status that does not allow this", Status: 400},
			kind: registrars.KindRejected, code: "366"},
		{name: "validation code in a 200", fault: openprovidertest.Fault{Kind: openprovidertest.EnvelopeCode, Code: 400, Desc: "Invalid parameter"},
			kind: registrars.KindRejected, code: "400"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Only the slow answer needs the short timeout; the others
			// get room for a loaded machine (a 1 MiB answer under -race).
			timeout := 2 * time.Second
			if tc.fault.Kind == openprovidertest.Slow {
				timeout = 300 * time.Millisecond
			}
			f := newFixture(t, func(c *Config) { c.Timeout = timeout })
			id := f.fake.AddDomain("example.com", "Jan de Vries")
			tc.fault.PathPrefix = "/v1beta/domains"
			f.fake.Fail(tc.fault)
			start := time.Now()
			_, err := f.client.GetDomain(context.Background(), id, false)
			if elapsed := time.Since(start); elapsed > timeout+time.Second {
				t.Errorf("took %s", elapsed)
			}
			e := wantKind(t, err, tc.kind)
			if tc.code != "" && e.Code != tc.code {
				t.Errorf("code %q, want %q", e.Code, tc.code)
			}
			if !strings.Contains(e.Message, tc.inMessage) {
				t.Errorf("message %q lacks %q", e.Message, tc.inMessage)
			}
			if tc.retryAfter != nil && !tc.retryAfter(e.RetryAfter) {
				t.Errorf("retry after %s", e.RetryAfter)
			}
			noSecrets(t, f.logs.String())
			// The fault is gone (or used up): the next call works, with the
			// same token.
			f.fake.ClearFaults()
			if _, err := f.client.GetDomain(context.Background(), id, false); err != nil {
				t.Errorf("after the fault: %v", err)
			}
			if n := f.logins(); n != 1 {
				t.Errorf("%d logins, want 1", n)
			}
		})
	}
}

func TestFaultsAtLogin(t *testing.T) {
	cases := []struct {
		name  string
		fault openprovidertest.Fault
		kind  registrars.ErrorKind
	}{
		{"196 with HTTP 500", openprovidertest.Fault{Kind: openprovidertest.EnvelopeCode, Code: 196, Desc: "Authentication/Authorization Failed", Status: 500}, registrars.KindConfig},
		{"500", openprovidertest.Fault{Kind: openprovidertest.ServerError}, registrars.KindTemporary},
		{"garbage", openprovidertest.Fault{Kind: openprovidertest.Garbage}, registrars.KindTemporary},
		{"slow", openprovidertest.Fault{Kind: openprovidertest.Slow, Delay: 10 * time.Second}, registrars.KindTemporary},
		{"429", openprovidertest.Fault{Kind: openprovidertest.TooManyRequests, RetryAfter: "3"}, registrars.KindRateLimited},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(c *Config) { c.Timeout = 300 * time.Millisecond })
			id := f.fake.AddDomain("example.com", "Jan de Vries")
			tc.fault.PathPrefix = "/v1beta/auth/login"
			f.fake.Fail(tc.fault)
			start := time.Now()
			_, err := f.client.GetDomain(context.Background(), id, false)
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("took %s", elapsed)
			}
			wantKind(t, err, tc.kind)
			if n := f.fake.Count(http.MethodGet, "/v1beta/domains/*"); n != 0 {
				t.Errorf("%d domain calls without a token", n)
			}
			// A later call logs in afresh.
			if _, err := f.client.GetDomain(context.Background(), id, false); err != nil {
				t.Errorf("after the fault: %v", err)
			}
		})
	}
}

func TestCallerDeadlineIsHonoured(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Timeout = 10 * time.Second })
	id := f.fake.AddDomain("example.com", "Jan de Vries")
	f.fake.Fail(openprovidertest.Fault{Kind: openprovidertest.Slow, Delay: 10 * time.Second, PathPrefix: "/v1beta/domains"})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.client.GetDomain(ctx, id, false)
	wantKind(t, err, registrars.KindTemporary)
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("took %s", elapsed)
	}
}

func TestUnreachableServerIsTemporary(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	base, client := srv.URL, srv.Client()
	srv.Close()
	c, err := NewClient(Config{BaseURL: base + "/v1beta", Username: testUser, Password: testPassword, HTTPClient: client, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDomain(context.Background(), 1, false)
	wantKind(t, err, registrars.KindTemporary)
}

func TestUntrustedCertificateIsTemporary(t *testing.T) {
	// The default client does not trust the loopback server's certificate.
	f := newFixture(t, func(c *Config) { c.HTTPClient = nil; c.Timeout = time.Second })
	_, err := f.client.GetDomain(context.Background(), 1, false)
	wantKind(t, err, registrars.KindTemporary)
}

// TestDecode covers answers the fake does not give.
func TestDecode(t *testing.T) {
	h := http.Header{}
	cases := []struct {
		name   string
		status int
		body   string
		kind   registrars.ErrorKind // "" for success
		auth   bool
	}{
		{"success", 200, `{"code":0,"desc":"","data":{"id":1}}`, "", false},
		{"maintenance", 503, `{"code":1,"desc":"Maintenance","maintenance":true}`, registrars.KindTemporary, false},
		{"maintenance in a 200", 200, `{"code":9,"desc":"Maintenance","maintenance":true}`, registrars.KindTemporary, false},
		{"plain 401", 401, `Unauthorized`, registrars.KindConfig, true},
		{"envelope 401", 401, `{"code":196,"desc":"Authentication/Authorization Failed"}`, registrars.KindConfig, true},
		{"plain 404", 404, `404 page not found`, registrars.KindConfig, false},
		{"plain 400", 400, `bad`, registrars.KindRejected, false},
		{"error data is a string", 400, `{"code":320,"desc":"Not found","data":"domain id 5"}`, registrars.KindRejected, false},
		{"json without a code", 200, `{"data":{"id":1}}`, registrars.KindTemporary, false},
		{"json string", 200, `"ok"`, registrars.KindTemporary, false},
		{"no data", 200, `{"code":0,"desc":""}`, registrars.KindTemporary, false},
		{"data of another shape", 200, `{"code":0,"data":[1,2]}`, registrars.KindTemporary, false},
		{"empty 502", 502, ``, registrars.KindTemporary, false},
		{"code 0 with a 4xx", 400, `{"code":0,"desc":""}`, registrars.KindRejected, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out struct {
				ID int64 `json:"id"`
			}
			err := decode(answer{status: tc.status, header: h, body: []byte(tc.body)}, &out)
			if tc.kind == "" {
				if err != nil || out.ID != 1 {
					t.Fatalf("got %v, %+v", err, out)
				}
				return
			}
			wantKind(t, err, tc.kind)
			if isAuthFailure(err) != tc.auth {
				t.Errorf("auth failure %t, want %t", isAuthFailure(err), tc.auth)
			}
		})
	}
}

func TestCleanDescIsShortAndPrintable(t *testing.T) {
	got := cleanDesc("line one\nline two\x00" + strings.Repeat("é", 500))
	if strings.ContainsAny(got, "\n\x00") || len([]rune(got)) > 161 {
		t.Errorf("got %q", got)
	}
	if cleanDesc("  ") == "" {
		t.Error("an empty description stays empty")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"30":                            30 * time.Second,
		"-5":                            0,
		"soon":                          0,
		"Fri, 01 May 2026 12:02:00 GMT": 2 * time.Minute,
		"Fri, 01 May 2026 11:00:00 GMT": 0,
	} {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		if got := retryAfter(h, now); got != want {
			t.Errorf("Retry-After %q: %s, want %s", v, got, want)
		}
	}
}

func TestSplitName(t *testing.T) {
	for in, want := range map[string][2]string{
		"example.com":   {"example", "com"},
		"example.co.uk": {"example", "co.uk"},
		"Example.NL.":   {"example", "nl"},
	} {
		name, ext, ok := SplitName(in)
		if !ok || name != want[0] || ext != want[1] {
			t.Errorf("SplitName(%q) = %q %q %t", in, name, ext, ok)
		}
	}
	for _, bad := range []string{"", "com", ".com", "example."} {
		if _, _, ok := SplitName(bad); ok {
			t.Errorf("SplitName(%q) ok", bad)
		}
	}
}
