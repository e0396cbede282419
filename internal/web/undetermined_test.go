package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/internal/web"
)

// markUndetermined stores a scan of the domain with the verdict
// undetermined, set here rather than by the classifier, and a response
// that holds markup.
func (s *site) markUndetermined(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	r := model.ScanResult{Domain: name, Source: model.SourceWHOIS, Server: "whois.example", Status: model.ScanOK,
		Raw: []byte("Titulaire: Jan van den Heuvel <script>alert(1)</script>\nAdresse: Dorpsstraat 1\n"),
		Classification: model.Classification{Domain: name, Verdict: model.VerdictUndetermined,
			Evidence: []string{"no registrant section recognised"}}}
	if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.RecordScan(ctx, &r)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// TestConsoleUndetermined: the overview counts the undetermined domains
// and links to them, the domains list filters on them, and the domain page
// shows the response, escaped, with a form that queues a request only with
// a reason, which the audit trail keeps.
func TestConsoleUndetermined(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		s := newSite(t, dburl)
		s.addStaff(t, "anna")
		ctx := context.Background()
		const name = "janvandenheuvel.nl"
		s.markUndetermined(t, name)
		b := s.browser(t)
		b.signIn("anna", password)

		_, page := b.do("GET", "/staff/", nil)
		if m := regexp.MustCompile(`(\d+) are undetermined`).FindStringSubmatch(page); m == nil || m[1] != "1" ||
			!strings.Contains(page, `href="/staff/domains?verdict=undetermined"`) {
			t.Errorf("overview without the undetermined count and link:\n%s", page)
		}

		_, page = b.do("GET", "/staff/domains?verdict=undetermined", nil)
		if !strings.Contains(page, ">"+name+"</a>") || !strings.Contains(page, "1 domains") ||
			!strings.Contains(page, "<option selected>undetermined</option>") {
			t.Errorf("domains filtered on undetermined:\n%s", page)
		}
		_, page = b.do("GET", "/staff/domains?verdict=exposed", nil)
		if strings.Contains(page, ">"+name+"</a>") {
			t.Error("the undetermined domain is listed as exposed")
		}

		resp, page := b.do("GET", "/staff/domains/"+name, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "To review") ||
			!strings.Contains(page, "Titulaire: Jan van den Heuvel &lt;script&gt;") || strings.Contains(page, "<script>") ||
			!strings.Contains(page, `value="queue_reviewed"`) {
			t.Fatalf("domain page: %d\n%s", resp.StatusCode, page)
		}
		csrf := csrfOf(t, page)

		for _, reason := range []string{"", "   "} {
			resp, _ := b.do("POST", "/staff/requests", url.Values{"action": {"queue_reviewed"}, "domain": {name},
				"reviewed": {reason}, "csrf": {csrf}})
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("reason %q: %d", reason, resp.StatusCode)
			}
		}
		// The plain queue action refuses it, saying what to do.
		_, page = b.do("POST", "/staff/requests", url.Values{"action": {"queue"}, "domain": {name}, "csrf": {csrf}})
		if !strings.Contains(page, "look at the response") {
			t.Errorf("queued without a review:\n%s", page)
		}
		if rs, _ := s.Store.Requests(ctx, store.RequestFilter{Domain: name}); len(rs) != 0 {
			t.Fatalf("%d requests without a reason", len(rs))
		}

		const why = "Titulaire shows the customer's name and street"
		_, page = b.do("POST", "/staff/requests", url.Values{"action": {"queue_reviewed"}, "domain": {name},
			"reviewed": {why}, "csrf": {csrf}})
		rs, _ := s.Store.Requests(ctx, store.RequestFilter{Domain: name})
		if !strings.Contains(page, "queued after your review") || len(rs) != 1 {
			t.Fatalf("queued with a reason: %d requests\n%s", len(rs), page)
		}
		events, _ := s.Store.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: strconv.FormatInt(rs[0].ID, 10),
			Action: "request.created"})
		if len(events) != 1 || events[0].Actor.ID != "anna" || !strings.Contains(events[0].Reason, why) {
			t.Errorf("creation audited as %+v", events)
		}
		if _, page = b.do("GET", "/staff/domains/"+name, nil); strings.Contains(page, `value="queue_reviewed"`) {
			t.Error("the form is offered with a request open")
		}

		// Once retention removed the response, the page says so.
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.PurgeRawResponses(ctx, s.Clock.Now().Add(1e9), 1000)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, page = b.do("GET", "/staff/domains/"+name, nil); !strings.Contains(page, "no longer kept") || strings.Contains(page, "Titulaire") {
			t.Errorf("domain page after retention:\n%s", page)
		}
	})
}

// TestStaffAPIReviewed: the API's "reviewed" queues an undetermined
// domain, goes with one domain only, and may not be blank.
func TestStaffAPIReviewed(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		s := newSite(t, dburl)
		ctx := context.Background()
		const name = "janvandenheuvel.nl"
		s.markUndetermined(t, name)
		token := "afs_test_token_for_anna"
		s.addStaff(t, "anna") // a token belongs to an account
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			return tx.InsertStaffToken(ctx, &store.StaffToken{Name: "anna", Hash: web.StaffTokenHash(token)})
		}); err != nil {
			t.Fatal(err)
		}
		call := func(body string) (int, string) {
			t.Helper()
			req, _ := http.NewRequest("POST", s.srv.URL+"/api/v1/requests", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out json.RawMessage
			json.NewDecoder(resp.Body).Decode(&out)
			return resp.StatusCode, string(out)
		}
		if status, out := call(`{"domain": "` + name + `"}`); status != http.StatusConflict || !strings.Contains(out, "reviewed") {
			t.Errorf("without a review: %d %s", status, out)
		}
		for _, body := range []string{`{"all_exposed": true, "reviewed": "looked"}`, `{"customer": "K1001", "reviewed": "looked"}`,
			`{"domain": "` + name + `", "reviewed": "  "}`} {
			if status, out := call(body); status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", body, status, out)
			}
		}
		if rs, _ := s.Store.Requests(ctx, store.RequestFilter{}); len(rs) != 0 {
			t.Fatalf("%d requests before the review", len(rs))
		}
		status, out := call(`{"domain": "` + name + `", "reviewed": "name and street visible"}`)
		rs, _ := s.Store.Requests(ctx, store.RequestFilter{Domain: name})
		if status != http.StatusCreated || len(rs) != 1 {
			t.Fatalf("with a review: %d %s", status, out)
		}
		events, _ := s.Store.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: strconv.FormatInt(rs[0].ID, 10),
			Action: "request.created"})
		if len(events) != 1 || events[0].Actor.ID != "anna" || !strings.Contains(events[0].Reason, "name and street visible") {
			t.Errorf("creation audited as %+v", events)
		}
	})
}
