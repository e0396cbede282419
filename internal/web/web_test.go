package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/internal/web"
)

type site struct {
	*requeststest.Env
	srv *httptest.Server
}

func newSite(t *testing.T, url string) *site {
	t.Helper()
	return newSiteWith(t, url, nil)
}

// newSiteWith is newSite with the server's dependencies adjusted.
func newSiteWith(t *testing.T, url string, adjust func(*requeststest.Env, *web.Deps)) *site {
	t.Helper()
	e := requeststest.New(t, url)
	deps := web.Deps{Store: e.Store, Requests: e.Service, Company: "Hosting Voorbeeld"}
	if adjust != nil {
		adjust(e, &deps)
	}
	srv := httptest.NewServer(web.NewServer(deps))
	t.Cleanup(srv.Close)
	return &site{Env: e, srv: srv}
}

func (s *site) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(s.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (s *site) post(t *testing.T, path string, form url.Values, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TestBrowser/1.0")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `name="csrf" value="`)
	if i < 0 {
		t.Fatalf("no form token in the page")
	}
	rest := page[i+len(`name="csrf" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func (s *site) state(t *testing.T, id int64) model.RequestState {
	t.Helper()
	r, err := s.Store.Request(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r.State
}

func TestApprovalPages(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		s := newSite(t, dburl)
		ctx := context.Background()
		r, err := s.Service.Create(ctx, requeststest.Exposed, requeststest.Staff, requestsOpts())
		if err != nil {
			t.Fatal(err)
		}
		token := s.Link(t, r.ID, model.MailApproval)

		resp, page := s.get(t, "/approve/"+token)
		if resp.StatusCode != 200 {
			t.Fatalf("GET: %d", resp.StatusCode)
		}
		h := resp.Header
		for k, want := range map[string]string{"Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
			if h.Get(k) != want {
				t.Errorf("%s: %q", k, h.Get(k))
			}
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("CSP %q", csp)
		}
		for _, want := range []string{"janvandenheuvel.nl", "€ 12,50", "€ 15,13", "uw e-mailadres", "Akkoord met de offerte", "Nee, liever niet", r.Quote.Text[:40]} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
			t.Error("the page refers to something elsewhere")
		}
		if s.state(t, r.ID) != model.StateAwaitingApproval {
			t.Error("a GET changed the request")
		}
		if css, _ := s.get(t, "/static/style.css"); css.StatusCode != 200 {
			t.Errorf("stylesheet: %d", css.StatusCode)
		}

		// No form token, a forged one, a cross-site post: refused, nothing changed.
		for name, tc := range map[string]struct {
			form   url.Values
			header map[string]string
			status int
		}{
			"no token":   {url.Values{"decision": {"approve"}}, nil, http.StatusForbidden},
			"forged":     {url.Values{"decision": {"approve"}, "csrf": {"x"}}, nil, http.StatusForbidden},
			"cross-site": {url.Values{"decision": {"approve"}, "csrf": {csrfOf(t, page)}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
			"no choice":  {url.Values{"csrf": {csrfOf(t, page)}}, nil, http.StatusBadRequest},
		} {
			if resp, _ := s.post(t, "/approve/"+token, tc.form, tc.header); resp.StatusCode != tc.status {
				t.Errorf("%s: %d, want %d", name, resp.StatusCode, tc.status)
			}
		}
		if s.state(t, r.ID) != model.StateAwaitingApproval {
			t.Fatal("a refused post changed the request")
		}

		form := url.Values{"decision": {"approve"}, "csrf": {csrfOf(t, page)}}
		resp, done := s.post(t, "/approve/"+token, form, nil)
		if resp.StatusCode != 200 || !strings.Contains(done, "Dank u wel") {
			t.Fatalf("approve: %d %s", resp.StatusCode, done)
		}
		again, againPage := s.post(t, "/approve/"+token, form, nil) // the double click
		records, _ := s.Store.ConsentRecords(ctx, r.ID)
		if again.StatusCode != http.StatusNotFound || len(records) != 1 || records[0].UserAgent != "TestBrowser/1.0" ||
			strings.Contains(records[0].ClientHash, "127.0.0.1") || records[0].ClientHash == "" {
			t.Errorf("second click %d, records %+v", again.StatusCode, records)
		}

		// Used, unknown and malformed links look the same.
		used, usedPage := s.get(t, "/approve/"+token)
		unknown, unknownPage := s.get(t, "/approve/"+strings.Repeat("A", 43))
		malformed, malformedPage := s.get(t, "/approve/x'%3Cscript%3E")
		if used.StatusCode != 404 || unknown.StatusCode != 404 || malformed.StatusCode != 404 ||
			usedPage != unknownPage || unknownPage != malformedPage || againPage != usedPage {
			t.Errorf("unusable links differ: %d %d %d", used.StatusCode, unknown.StatusCode, malformed.StatusCode)
		}
		if strings.Contains(malformedPage, "<script>") {
			t.Error("the page echoes the link")
		}
	})
}

func TestCustomerPagesAreRateLimited(t *testing.T) {
	s := newSite(t, storetest.NewURL(t, "sqlite"))
	limited := 0
	for range 40 {
		if resp, _ := s.get(t, "/approve/"+strings.Repeat("B", 43)); resp.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Error("40 requests in a row were all answered")
	}
	if resp, _ := s.get(t, "/healthz"); resp.StatusCode != 200 {
		t.Error("health checks are limited too")
	}
}

func TestStaffAPI(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		s := newSite(t, dburl)
		ctx := context.Background()
		token := "afs_test_token_for_anna"
		s.addStaff(t, "anna") // a token belongs to an account
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			return tx.InsertStaffToken(ctx, &store.StaffToken{Name: "anna", Hash: web.StaffTokenHash(token)})
		})
		if err != nil {
			t.Fatal(err)
		}
		call := func(method, path, auth, body string) (int, map[string]any) {
			req, _ := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
			if auth != "" {
				req.Header.Set("Authorization", "Bearer "+auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			json.NewDecoder(resp.Body).Decode(&out)
			return resp.StatusCode, out
		}
		// Every staff route refuses a call without a valid token.
		for _, route := range web.StaffRoutes {
			method, path, _ := strings.Cut(route.Pattern, " ")
			path = strings.ReplaceAll(path, "{id}", "1")
			for _, auth := range []string{"", "wrong"} {
				if status, _ := call(method, path, auth, "{}"); status != http.StatusUnauthorized {
					t.Errorf("%s with %q: %d", route.Pattern, auth, status)
				}
			}
		}

		status, out := call("POST", "/api/v1/requests", token, `{"domain": "janvandenheuvel.nl"}`)
		results, _ := out["results"].([]any)
		if status != http.StatusCreated || len(results) != 1 {
			t.Fatalf("create: %d %v", status, out)
		}
		req := results[0].(map[string]any)["request"].(map[string]any)
		id := int64(req["id"].(float64))
		if req["state"] != "awaiting_approval" || req["domain"] != "janvandenheuvel.nl" || req["created_by"] != "staff:anna" {
			t.Errorf("created %v", req)
		}
		if status, out := call("POST", "/api/v1/requests", token, `{"domain": "janvandenheuvel.nl"}`); status != http.StatusConflict {
			t.Errorf("second request: %d %v", status, out)
		}
		if status, _ := call("POST", "/api/v1/requests", token, `{"domain": "a.nl", "customer": "K1"}`); status != http.StatusBadRequest {
			t.Errorf("two selections: %d", status)
		}
		if status, _ := call("POST", "/api/v1/requests", token, `not json`); status != http.StatusBadRequest {
			t.Errorf("bad JSON: %d", status)
		}
		status, out = call("POST", "/api/v1/requests", token, `{"all_exposed": true}`)
		if status != http.StatusCreated {
			t.Errorf("all exposed: %d", status)
		}
		skipped := 0
		for _, r := range out["results"].([]any) {
			if r.(map[string]any)["skipped"] != nil {
				skipped++
			}
		}
		if skipped != 1 { // the one with its request already
			t.Errorf("%d skipped", skipped)
		}
		status, out = call("GET", "/api/v1/requests?state=awaiting_approval", token, "")
		if status != 200 || len(out["requests"].([]any)) < 2 {
			t.Errorf("list: %d", status)
		}
		if status, _ := call("GET", "/api/v1/requests?state=nonsense", token, ""); status != http.StatusBadRequest {
			t.Errorf("bad state: %d", status)
		}
		path := "/api/v1/requests/" + strconv.FormatInt(id, 10)
		if status, out := call("GET", path, token, ""); status != 200 || out["quote"] == nil || len(out["audit"].([]any)) != 2 {
			t.Errorf("show: %d %v", status, out)
		}
		if status, _ := call("POST", path+"/cancel", token, `{}`); status != http.StatusBadRequest {
			t.Errorf("cancel without a reason: %d", status)
		}
		if status, out := call("POST", path+"/cancel", token, `{"reason": "asked by phone"}`); status != 200 || out["state"] != "cancelled" {
			t.Errorf("cancel: %d %v", status, out)
		}
		if status, _ := call("GET", "/api/v1/requests/999999", token, ""); status != http.StatusNotFound {
			t.Errorf("unknown request: %d", status)
		}
		if status, out := call("GET", "/api/v1/charges?from=2026-11-01&to=2026-11-30", token, ""); status != 200 || out["charges"] == nil {
			t.Errorf("charges: %d %v", status, out)
		}
		if status, _ := call("GET", "/api/v1/charges?from=2026-12-01&to=2026-11-30", token, ""); status != http.StatusBadRequest {
			t.Errorf("backwards period: %d", status)
		}
	})
}
