package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/staffauth"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/internal/web"
)

var cheap = staffauth.Params{Memory: 8 * 1024, Time: 1, Threads: 1}

const password = "a long enough password"

// browser is a client with a cookie jar that does not follow redirects.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func (s *site) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.srv.URL, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

func (b *browser) signIn(name, pw string) *http.Response {
	b.t.Helper()
	resp, _ := b.do("POST", "/staff/signin", url.Values{"name": {name}, "password": {pw}, "next": {"/staff/domains"}})
	return resp
}

func (s *site) addStaff(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.InsertStaffUser(ctx, &store.StaffUser{Name: name, PasswordHash: staffauth.Hash(password, cheap)})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestConsoleNeedsSignIn walks every console route, and the staff API's:
// none answers without a signed-in staff member or a staff token.
func TestConsoleNeedsSignIn(t *testing.T) {
	s := newSiteWith(t, storetest.NewURL(t, "sqlite"), func(e *requeststest.Env, d *web.Deps) {
		jobs, err := e.Store.NewJobClient(&river.Config{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		if d.RiverUI, err = web.NewRiverUI(ctx, jobs, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
	})
	b := s.browser(t)
	b.client.Jar.SetCookies(mustURL(t, s.srv.URL+"/staff/"), []*http.Cookie{{Name: "afscherm_session", Value: "forged", Path: "/staff"}})
	anonymous := &browser{t: t, base: s.srv.URL, client: &http.Client{CheckRedirect: b.client.CheckRedirect}}
	routes := slices.Concat(web.ConsoleRoutes, []web.ConsoleRoute{web.ConsoleRoute{Pattern: "GET " + web.RiverUIPrefix + "/jobs"},
		web.ConsoleRoute{Pattern: "GET " + web.RiverUIPrefix + "/api/jobs"}, web.ConsoleRoute{Pattern: "POST " + web.RiverUIPrefix + "/api/jobs/cancel"}})
	for _, c := range []*browser{anonymous, b} {
		for _, route := range routes {
			method, path, _ := strings.Cut(route.Pattern, " ")
			path = strings.NewReplacer("{$}", "", "{id}", "1", "{name}", "janvandenheuvel.nl").Replace(path)
			var form url.Values
			if method == "POST" {
				form = url.Values{"action": {"cancel"}, "id": {"1"}, "reason": {"x"}, "note": {"x"}}
			}
			resp, body := c.do(method, path, form)
			switch {
			case method == "GET" && (resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/staff/signin?next=")):
				t.Errorf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Location"))
			case method == "POST" && resp.StatusCode != http.StatusUnauthorized:
				t.Errorf("POST %s: %d %s", path, resp.StatusCode, body)
			}
		}
	}
	if n := len(web.ConsoleRoutes); n < 10 {
		t.Errorf("only %d console routes", n)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSignInSessionsAndForms(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		s := newSite(t, dburl)
		s.addStaff(t, "anna")
		ctx := context.Background()

		// A wrong password, then too many: refused, even with the right one.
		b := s.browser(t)
		for i := range 5 {
			if resp := b.signIn("anna", "wrong password "+string(rune('a'+i))); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("wrong password %d: %d", i, resp.StatusCode)
			}
		}
		if resp := b.signIn("anna", password); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("sixth attempt: %d, want 429", resp.StatusCode)
		}
		s.Clock.Add(16 * 60e9) // a quarter of an hour later

		resp := b.signIn("anna", password)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/staff/domains" {
			t.Fatalf("sign in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		cookie := resp.Cookies()[0]
		if cookie.Name != "afscherm_session" || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/staff" {
			t.Errorf("cookie %+v", cookie)
		}
		if u, _ := s.Store.StaffUser(ctx, "anna"); staffauth.NeedsRehash(u.PasswordHash, staffauth.Default) {
			t.Error("a hash with old costs was not renewed at sign-in")
		}
		_, page := b.do("GET", "/staff/", nil)
		if !strings.Contains(page, "Domains by verdict") || !strings.Contains(page, "<svg") {
			t.Fatalf("overview:\n%s", page)
		}

		// A form with a forged token changes nothing.
		exposed := s.Exposed(t, "com", "openprovider")[0]
		resp, _ = b.do("POST", "/staff/requests", url.Values{"action": {"queue"}, "domain": {exposed}, "csrf": {"forged"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("forged form token: %d", resp.StatusCode)
		}
		if rs, _ := s.Store.Requests(ctx, store.RequestFilter{Domain: exposed}); len(rs) != 0 {
			t.Fatalf("a forged form queued %d requests", len(rs))
		}

		// The same form posted twice queues one request; the second says why not.
		_, page = b.do("GET", "/staff/domains?verdict=exposed", nil)
		csrf := csrfOf(t, page)
		form := url.Values{"action": {"queue"}, "domain": {exposed}, "csrf": {csrf}}
		_, first := b.do("POST", "/staff/requests", form)
		_, second := b.do("POST", "/staff/requests", form)
		if !strings.Contains(first, "queued") || !strings.Contains(second, "open request") {
			t.Errorf("first:\n%s\nsecond:\n%s", first, second)
		}
		rs, _ := s.Store.Requests(ctx, store.RequestFilter{Domain: exposed})
		if len(rs) != 1 {
			t.Fatalf("%d requests after posting twice", len(rs))
		}
		resp, page = b.do("GET", "/staff/requests/"+strconv.FormatInt(rs[0].ID, 10), nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "request.send_for_approval") || !strings.Contains(page, "Audit trail") ||
			!strings.Contains(page, "price table version 1") {
			t.Errorf("request page: %d\n%s", resp.StatusCode, page)
		}
		resp, page = b.do("GET", "/staff/domains/"+exposed, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "awaiting_approval") {
			t.Errorf("domain page with its request: %d\n%s", resp.StatusCode, page)
		}

		// Cancelling twice: the second says it cannot, and nothing more changes.
		form = url.Values{"action": {"cancel"}, "id": {strconv.FormatInt(rs[0].ID, 10)}, "reason": {"customer phoned"}, "csrf": {csrf}}
		_, first = b.do("POST", "/staff/requests", form)
		_, second = b.do("POST", "/staff/requests", form)
		if !strings.Contains(first, "cancelled") || !strings.Contains(second, "✗") {
			t.Errorf("cancel twice:\n%s\n%s", first, second)
		}
		if got := s.state(t, rs[0].ID); got != model.StateCancelled {
			t.Errorf("state %s", got)
		}

		// A staff token opens pages too.
		token := "afs_console_token"
		s.addStaff(t, "bot") // a token belongs to an account
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			return tx.InsertStaffToken(ctx, &store.StaffToken{Name: "bot", Hash: web.StaffTokenHash(token)})
		}); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", s.srv.URL+"/staff/requests", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusOK {
			t.Errorf("with a staff token: %v %v", r.StatusCode, err)
		}

		// The session ends after its time, and at sign-out.
		s.Clock.Add(web.DefaultSessionTTL + 60e9)
		if resp, _ := b.do("GET", "/staff/", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("after the session's time: %d", resp.StatusCode)
		}
		b.signIn("anna", password)
		_, page = b.do("GET", "/staff/", nil)
		b.do("POST", "/staff/signout", url.Values{"csrf": {csrfOf(t, page)}})
		if resp, _ := b.do("GET", "/staff/", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("after signing out: %d", resp.StatusCode)
		}
	})
}

func TestConsolePagesAndBadInput(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		s := newSite(t, dburl)
		s.addStaff(t, "anna")
		b := s.browser(t)
		b.signIn("anna", password)
		ctx := context.Background()
		before, _ := s.Store.Domains(ctx, store.DomainFilter{})

		for _, q := range []string{`'; DROP TABLE domains; --`, `<script>alert(1)</script>`, `%`, `_`, `\`} {
			resp, page := b.do("GET", "/staff/domains?q="+url.QueryEscape(q), nil)
			if resp.StatusCode != http.StatusOK || strings.Contains(page, "<script>") || !strings.Contains(page, "No domains match") {
				t.Errorf("search %q: %d", q, resp.StatusCode)
			}
		}
		if after, _ := s.Store.Domains(ctx, store.DomainFilter{}); len(after) != len(before) {
			t.Errorf("domains %d → %d", len(before), len(after))
		}
		resp, page := b.do("GET", "/staff/domains?q=van", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "vandenheuvel") {
			t.Errorf("search van: %d", resp.StatusCode)
		}
		resp, page = b.do("GET", "/staff/domains?tld=nl&verdict=exposed&page=1", nil)
		if resp.StatusCode != http.StatusOK || strings.Contains(page, ".com<") {
			t.Errorf("filter: %d", resp.StatusCode)
		}
		for path, want := range map[string]int{
			"/staff/domains?page=99":            http.StatusNotFound,
			"/staff/domains?page=-1":            http.StatusBadRequest,
			"/staff/domains?page=x":             http.StatusBadRequest,
			"/staff/domains?verdict=bad":        http.StatusBadRequest,
			"/staff/requests?state=bad":         http.StatusBadRequest,
			"/staff/requests/999999":            http.StatusNotFound,
			"/staff/requests/abc":               http.StatusBadRequest,
			"/staff/domains/no-such.nl":         http.StatusNotFound,
			"/staff/charges?month=2026-13":      http.StatusBadRequest,
			"/staff/charges.csv?from=x&to=y":    http.StatusBadRequest,
			"/staff/domains/janvandenheuvel.nl": http.StatusOK,
			"/staff/charges":                    http.StatusOK,
			"/staff/tasks":                      http.StatusOK,
			"/staff/requests":                   http.StatusOK,
		} {
			if resp, body := b.do("GET", path, nil); resp.StatusCode != want {
				t.Errorf("%s: %d, want %d\n%s", path, resp.StatusCode, want, body)
			}
		}
		if _, page := b.do("GET", "/staff/domains?page=99", nil); !strings.Contains(page, "does not exist") {
			t.Error("out of range page without an explanation")
		}
		resp, csv := b.do("GET", "/staff/charges.csv?from=2026-11-01&to=2026-11-30", nil)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(csv, strings.Join(web.ChargeColumns, ",")) {
			t.Errorf("csv: %d %q", resp.StatusCode, csv)
		}
		_, page = b.do("GET", "/staff/domains/janvandenheuvel.nl", nil)
		if !strings.Contains(page, "Scans") || !strings.Contains(page, model.DisplayDomainName("janvandenheuvel.nl")) {
			t.Errorf("domain page:\n%s", page)
		}
	})
}

// TestRiverUIOnBothBackends: River UI's API answers signed-in staff from
// the job queue, on SQLite and PostgreSQL.
func TestRiverUIOnBothBackends(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		s := newSiteWith(t, dburl, func(e *requeststest.Env, d *web.Deps) {
			mountRiverUI(t, e, d)
		})
		s.addStaff(t, "anna")
		s.Approve(t, s.Exposed(t, "com", "openprovider")[0])
		b := s.browser(t)
		b.signIn("anna", password)
		resp, body := b.do("GET", web.RiverUIPrefix+"/api/jobs?state=available&limit=20", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"kind":"submit_request"`) {
			t.Errorf("River UI's job list: %d\n%s", resp.StatusCode, body)
		}
	})
}

// TestAbuseBlocks: a blocked client gets a plain 403 everywhere but the
// health checks, also under a client key rotated out; others do not.
func TestAbuseBlocks(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		old := []byte("the old client key, rotated out")
		s := newSiteWith(t, dburl, func(e *requeststest.Env, d *web.Deps) {
			d.TrustForwardedFor = true
			e.Service.Keys.PreviousClient = [][]byte{old}
		})
		ctx := context.Background()
		keys := s.Service.Keys
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.BlockClients(ctx, []string{keys.ClientHash("203.0.113.66")}, "spam", "anna")
			if err == nil { // blocked under the old key only
				_, err = tx.BlockClients(ctx, []string{requests.Keys{Client: old}.ClientHash("203.0.113.67")}, "spam", "anna")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for addr, want := range map[string]int{"203.0.113.66": 403, "203.0.113.67": 403, "203.0.113.68": 303} {
			req, _ := http.NewRequest("GET", s.srv.URL+"/staff/", nil)
			req.Header.Set("X-Forwarded-For", addr)
			resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want || (want == 403 && strings.TrimSpace(string(body)) != "Forbidden") {
				t.Errorf("%s: %d %q, want %d", addr, resp.StatusCode, body, want)
			}
		}
		req, _ := http.NewRequest("GET", s.srv.URL+"/healthz", nil)
		req.Header.Set("X-Forwarded-For", "203.0.113.66")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
			t.Errorf("health check of a blocked client: %v", err)
		}
		// No table holds a client address, only hashes.
		if hits, err := s.Store.FindText(ctx, []string{"203.0.113.66", "203.0.113.67"}); err != nil || len(hits) != 0 {
			t.Errorf("client addresses stored: %+v %v", hits, err)
		}
	})
}

// mountRiverUI gives a test site River UI over its own job queue.
func mountRiverUI(t *testing.T, e *requeststest.Env, d *web.Deps) {
	t.Helper()
	jobs, err := e.Store.NewJobClient(&river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if d.RiverUI, err = web.NewRiverUI(ctx, jobs, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
}
