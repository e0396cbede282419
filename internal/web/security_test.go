package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/internal/web"
)

// TestForwardedForCannotBeChosen: with --trust-forwarded-for a client that
// writes its own X-Forwarded-For entries neither escapes its block nor
// chooses the client hash of its consent record; a blocked client gets 403
// in every mode.
func TestForwardedForCannotBeChosen(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		const blocked = "203.0.113.66"
		for _, c := range []struct {
			name    string
			trust   bool
			proxies []netip.Prefix
			block   string   // besides 203.0.113.66
			xff     []string // header lines
			want    int
		}{
			{"the proxy's entry", true, nil, "", []string{blocked}, 403},
			{"a forged entry before it", true, nil, "", []string{"198.51.100.1, " + blocked}, 403},
			{"a forged header line before it", true, nil, "", []string{"198.51.100.1", blocked}, 403},
			{"a forged entry naming the blocked one", true, nil, "", []string{blocked + ", 198.51.100.2"}, 303},
			{"not trusting: the connection counts", false, nil, "127.0.0.1", []string{"198.51.100.3"}, 403},
			{"from a proxy not trusted: the connection counts", true, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "127.0.0.1",
				[]string{"198.51.100.4"}, 403},
			{"not trusting: the header is ignored", false, nil, "", []string{blocked}, 303},
		} {
			t.Run(c.name, func(t *testing.T) {
				s := newSiteWith(t, dburl, func(_ *requeststest.Env, d *web.Deps) {
					d.TrustForwardedFor, d.TrustedProxies = c.trust, c.proxies
				})
				ctx := context.Background()
				hashes := []string{s.Service.Keys.ClientHash(blocked)}
				if c.block != "" {
					hashes = append(hashes, s.Service.Keys.ClientHash(c.block))
				}
				if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
					_, err := tx.BlockClients(ctx, hashes, "spam", "anna")
					return err
				}); err != nil {
					t.Fatal(err)
				}
				req, _ := http.NewRequest("GET", s.srv.URL+"/staff/", nil)
				for _, v := range c.xff {
					req.Header.Add("X-Forwarded-For", v)
				}
				resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != c.want {
					t.Errorf("X-Forwarded-For %q: %d, want %d", c.xff, resp.StatusCode, c.want)
				}
				if err := s.Store.InTx(ctx, func(tx *store.Tx) error { // the next case starts unblocked
					_, err := tx.UnblockClients(ctx, hashes)
					return err
				}); err != nil {
					t.Fatal(err)
				}
			})
		}

		// The consent record's client hash is the proxy's entry's, not the
		// one the client wrote.
		s := newSiteWith(t, dburl, func(_ *requeststest.Env, d *web.Deps) { d.TrustForwardedFor = true })
		ctx := context.Background()
		r, err := s.Service.Create(ctx, requeststest.Exposed, requeststest.Staff, requestsOpts())
		if err != nil {
			t.Fatal(err)
		}
		token := s.Link(t, r.ID, model.MailApproval)
		_, page := s.get(t, "/approve/"+token)
		resp, _ := s.post(t, "/approve/"+token, url.Values{"decision": {"approve"}, "csrf": {csrfOf(t, page)}},
			map[string]string{"X-Forwarded-For": "198.51.100.20, 192.0.2.44"})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("approve: %d", resp.StatusCode)
		}
		records, err := s.Store.ConsentRecords(ctx, r.ID)
		if err != nil || len(records) != 1 {
			t.Fatalf("consent records %+v %v", records, err)
		}
		if got, want := records[0].ClientHash, s.Service.Keys.ClientHash("192.0.2.44"); got != want {
			t.Errorf("consent client hash %s, want the hash of the proxy's entry %s", got, want)
		}
	})
}

// TestHeadersAndStatic: HSTS when the public URL is https (and not when it
// is not); /static/ serves files but lists no folder.
func TestHeadersAndStatic(t *testing.T) {
	dburl := storetest.NewURL(t, "sqlite")
	https := newSiteWith(t, dburl, func(e *requeststest.Env, _ *web.Deps) { e.Service.PublicURL = "https://afscherm.example" })
	plain := newSiteWith(t, storetest.NewURL(t, "sqlite"), func(e *requeststest.Env, _ *web.Deps) { e.Service.PublicURL = "http://127.0.0.1:8080" })
	for _, path := range []string{"/healthz", "/staff/signin", "/approve/" + strings.Repeat("x", 43), "/static/style.css"} {
		resp, _ := https.get(t, path)
		if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("%s over an https public URL: HSTS %q", path, got)
		}
		if resp, _ := plain.get(t, path); resp.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s over an http public URL: HSTS %q", path, resp.Header.Get("Strict-Transport-Security"))
		}
	}
	for path, want := range map[string]int{
		"/static/style.css": 200, "/static/console.css": 200, "/static/": 404, "/static/.": 404,
		"/static/nothing.css": 404, "/static/style.css/": 404, "/static/../static/": 404,
	} {
		resp, body := plain.get(t, path)
		if resp.StatusCode != want || strings.Contains(body, `<a href="style.css">`) {
			t.Errorf("%s: %d, want %d\n%.200s", path, resp.StatusCode, want, body)
		}
	}
}

// TestRiverUINoStoreAndAudit: River UI's answers are not cached, and a
// change made through it (a job cancelled) is in the audit trail with the
// staff member's name.
func TestRiverUINoStoreAndAudit(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		s := newSiteWith(t, dburl, func(e *requeststest.Env, d *web.Deps) {
			mountRiverUI(t, e, d)
		})
		s.addStaff(t, "anna")
		s.Approve(t, s.Exposed(t, "com", "openprovider")[0])
		b := s.browser(t)
		b.signIn("anna", password)

		for _, path := range []string{"/", "/jobs", "/api/jobs?state=available&limit=20"} {
			resp, _ := b.do("GET", web.RiverUIPrefix+path, nil)
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s: Cache-Control %q", path, got)
			}
		}
		_, list := b.do("GET", web.RiverUIPrefix+"/api/jobs?state=available&limit=20", nil)
		var jobs struct {
			Data []struct {
				ID   json.RawMessage `json:"id"`
				Kind string          `json:"kind"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(list), &jobs); err != nil || len(jobs.Data) == 0 {
			t.Fatalf("job list: %v\n%s", err, list)
		}
		id := strings.Trim(string(jobs.Data[0].ID), `"`)

		req, _ := http.NewRequest("POST", b.base+web.RiverUIPrefix+"/api/jobs/cancel", strings.NewReader(`{"ids":["`+id+`"]}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("cancel: %d %q %s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
		}
		events, err := s.Store.AuditEvents(context.Background(), store.AuditFilter{SubjectKind: "job", SubjectID: id})
		if err != nil || len(events) != 1 {
			t.Fatalf("audit events of job %s: %+v %v", id, events, err)
		}
		if e := events[0]; e.Action != "job.cancelled" || e.Actor != (model.Actor{Kind: model.ActorStaff, ID: "anna"}) {
			t.Errorf("audit event %+v", e)
		}

		// A refused change is not recorded as made.
		req, _ = http.NewRequest("POST", b.base+web.RiverUIPrefix+"/api/jobs/retry", strings.NewReader(`{"ids":["999999999"]}`))
		req.Header.Set("Content-Type", "application/json")
		if resp, err := b.client.Do(req); err != nil || resp.StatusCode < 400 {
			t.Fatalf("retrying no job: %v %v", resp.StatusCode, err)
		}
		if events, _ := s.Store.AuditEvents(context.Background(), store.AuditFilter{SubjectKind: "job", SubjectID: "999999999"}); len(events) != 0 {
			t.Errorf("a refused change is in the audit trail: %+v", events)
		}
	})
}
