package requests_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/quote"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

type fixture struct {
	*requeststest.Env
	st    *store.Store
	svc   *requests.Service
	world *sandbox.World
	clock *requeststest.Clock
}

func newFixture(t *testing.T, url string) *fixture {
	t.Helper()
	e := requeststest.New(t, url)
	return &fixture{Env: e, st: e.Store, svc: e.Service, world: e.World, clock: e.Clock}
}

var staff = requeststest.Staff

func (f *fixture) link(t *testing.T, id int64, kind string) string {
	t.Helper()
	return f.Link(t, id, kind)
}

func (f *fixture) decide(t *testing.T, token string, approve bool) (model.PrivacyRequest, error) {
	t.Helper()
	link, err := f.svc.OpenLink(context.Background(), token)
	if err != nil {
		return model.PrivacyRequest{}, err
	}
	return f.svc.Decide(context.Background(), token, link.CSRF, approve, requests.Client{Address: "203.0.113.9", UserAgent: "Firefox/130"})
}

func jobsOfKind(t *testing.T, st *store.Store, kind string) int {
	t.Helper()
	c, err := st.NewJobClient(&river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.JobList(context.Background(), river.NewJobListParams().Kinds(kind))
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Jobs)
}

// An exposed person's .nl domain (its admin e-mail is the customer's own).
const exposed = requeststest.Exposed

func TestCreateSendsTheQuoteAndLink(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		r, err := f.svc.Create(ctx, "JanVandenHeuvel.NL.", staff, requests.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r.State != model.StateAwaitingApproval || r.Adapter != "manual" || r.ScanID == 0 ||
			!r.ExpiresAt.Equal(f.clock.Now().Add(14*24*time.Hour)) {
			t.Errorf("request %+v", r)
		}
		net, vat, gross := r.Price.Totals()
		if net != 1250 || vat != 263 || gross != 1513 { // .nl: no registry cost, our fee 12.50
			t.Errorf("price %d %d %d", net, vat, gross)
		}
		if !strings.Contains(r.Quote.Text, "uw e-mailadres") || r.Quote.SHA256 != quote.Hash(r.Quote.Text) {
			t.Errorf("quote %+v", r.Quote)
		}
		mails, _ := f.st.Mails(ctx, store.MailFilter{RequestID: r.ID})
		if len(mails) != 1 || mails[0].Kind != model.MailApproval || mails[0].To != "jan@janvandenheuvel.nl" ||
			!strings.Contains(mails[0].Text, "https://klant.hosting.example/approve/") || !strings.Contains(mails[0].Text, r.Quote.Text) {
			t.Errorf("mail %+v", mails)
		}
		if jobsOfKind(t, f.st, "send_mail") != 1 {
			t.Error("no job sends the mail")
		}
		events, _ := f.st.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: strconv.FormatInt(r.ID, 10)})
		if len(events) != 2 || events[0].Action != "request.created" || events[1].Action != "request.send_for_approval" {
			t.Errorf("audit %+v", events)
		}
	})
}

func TestCreateRefusals(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		if _, err := f.svc.Create(ctx, exposed, staff, requests.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]string{
			"nobody.example":              "not one of our customers' domains",
			exposed:                       "open request",
			"goudenkorenaar.nl":           "legal entity",
			"xn--bckerei-mller-bfb28a.de": "publishes no registrant data",
			"sannevandermeer.be":          "already withheld",
			"not a domain":                "invalid domain name",
		} {
			_, err := f.svc.Create(ctx, name, staff, requests.CreateOptions{})
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want %q", name, err, want)
			}
		}
		reqs, _ := f.st.Requests(ctx, store.RequestFilter{})
		if len(reqs) != 1 {
			t.Errorf("refusals left %d requests", len(reqs))
		}
		// A TLD missing from the current price table is refused too.
		if _, err := requests.ImportPrices(ctx, f.st, strings.NewReader("tld,registrar,registrar_cost,service_fee\ncom,*,1,1\n"), "p.csv", staff); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Create(ctx, "anoukdeboer.nl", staff, requests.CreateOptions{}); err == nil || !strings.Contains(err.Error(), "price table version 2 has no price for .nl") {
			t.Errorf("missing price: %v", err)
		}
		if reqs, _ := f.st.Requests(ctx, store.RequestFilter{}); len(reqs) != 1 {
			t.Errorf("a refused request was stored")
		}
	})
}

func TestGetChangesNothingAndATokenWorksOnce(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		r, _ := f.svc.Create(ctx, exposed, staff, requests.CreateOptions{})
		token := f.link(t, r.ID, model.MailApproval)
		before, _ := f.st.AuditEvents(ctx, store.AuditFilter{})
		for range 3 { // mail scanners open links, more than once
			link, err := f.svc.OpenLink(ctx, token)
			if err != nil || link.Request.ID != r.ID || link.CSRF == "" || link.Scan.Verdict != model.VerdictExposed {
				t.Fatalf("open: %+v, %v", link.Request.ID, err)
			}
		}
		after, _ := f.st.AuditEvents(ctx, store.AuditFilter{})
		got, _ := f.st.Request(ctx, r.ID)
		if len(after) != len(before) || got.State != model.StateAwaitingApproval || !got.UpdatedAt.Equal(r.UpdatedAt) {
			t.Errorf("a GET changed something")
		}
		if _, err := f.svc.Decide(ctx, token, "forged", true, requests.Client{}); err != requests.ErrBadForm {
			t.Errorf("bad form token: %v", err)
		}
		approved, err := f.decide(t, token, true)
		if err != nil || approved.State != model.StateApproved {
			t.Fatalf("approve: %+v, %v", approved, err)
		}
		if _, err := f.decide(t, token, false); !requests.IsLinkUnusable(err) {
			t.Errorf("second use: %v", err)
		}
		for _, bad := range []string{"", "short", strings.Repeat("A", 43), token + "x"} {
			if _, err := f.svc.OpenLink(ctx, bad); !requests.IsLinkUnusable(err) {
				t.Errorf("%q: %v", bad, err)
			}
		}
		records, _ := f.st.ConsentRecords(ctx, r.ID)
		if len(records) != 1 {
			t.Fatalf("%d consent records", len(records))
		}
		c := records[0]
		if c.Decision != model.DecisionApproved || c.QuoteSHA256 != r.Quote.SHA256 || c.QuoteVersion != "v1" || c.Gross != 1513 ||
			c.UserAgent != "Firefox/130" || c.Method != "web link" || len(c.ClientHash) != 64 || strings.Contains(c.ClientHash, "203.0.113") {
			t.Errorf("consent %+v", c)
		}
		if jobsOfKind(t, f.st, "submit_request") != 1 {
			t.Error("no job files the approved request")
		}
	})
}

func TestConcurrentApprovalsDecideOnce(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		r, _ := f.svc.Create(ctx, exposed, staff, requests.CreateOptions{})
		first := f.link(t, r.ID, model.MailApproval)
		if err := f.svc.Resend(ctx, r.ID, staff); err != nil { // a second link for the same request
			t.Fatal(err)
		}
		second := f.link(t, r.ID, model.MailApproval)
		link, _ := f.svc.OpenLink(ctx, first)
		link2, _ := f.svc.OpenLink(ctx, second)
		var wg sync.WaitGroup
		results := make([]error, 6)
		for i := range results {
			tok, csrf := first, link.CSRF
			if i%2 == 1 {
				tok, csrf = second, link2.CSRF
			}
			wg.Go(func() {
				_, results[i] = f.svc.Decide(ctx, tok, csrf, i%3 != 2, requests.Client{UserAgent: "double click"})
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range results {
			switch {
			case err == nil:
				ok++
			case !requests.IsLinkUnusable(err) && !model.IsKind(err, model.KindConflict) && !model.IsKind(err, model.KindTemporary):
				t.Errorf("unexpected: %v", err)
			}
		}
		records, _ := f.st.ConsentRecords(ctx, r.ID)
		if ok != 1 || len(records) != 1 {
			t.Errorf("%d decisions succeeded, %d consent records", ok, len(records))
		}
	})
}

func TestExpiryAndReminder(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		r, _ := f.svc.Create(ctx, exposed, staff, requests.CreateOptions{})
		token := f.link(t, r.ID, model.MailApproval)
		f.clock.Add(10 * 24 * time.Hour)
		if n, err := f.svc.RemindDue(ctx); err != nil || n != 0 {
			t.Fatalf("too early: %d, %v", n, err)
		}
		f.clock.Add(24*time.Hour + time.Minute) // 11 days: within 3 days of expiry
		if n, err := f.svc.RemindDue(ctx); err != nil || n != 1 {
			t.Fatalf("reminder: %d, %v", n, err)
		}
		if n, _ := f.svc.RemindDue(ctx); n != 0 {
			t.Error("a second reminder")
		}
		reminder := f.link(t, r.ID, model.MailReminder)
		if reminder == token {
			t.Error("the reminder reuses the first link")
		}
		if _, err := f.svc.OpenLink(ctx, reminder); err != nil {
			t.Errorf("reminder link: %v", err)
		}
		if n, _ := f.svc.ExpireDue(ctx); n != 0 {
			t.Error("expired early")
		}
		f.clock.Add(3 * 24 * time.Hour)
		if _, err := f.svc.OpenLink(ctx, token); !requests.IsLinkUnusable(err) {
			t.Errorf("expired link: %v", err)
		}
		if n, err := f.svc.ExpireDue(ctx); err != nil || n != 1 {
			t.Fatalf("expire: %d, %v", n, err)
		}
		got, _ := f.st.Request(ctx, r.ID)
		if got.State != model.StateExpired {
			t.Errorf("state %s", got.State)
		}
	})
}

func TestCancelAndWithdraw(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		r, _ := f.svc.Create(ctx, exposed, staff, requests.CreateOptions{})
		if _, err := f.svc.Cancel(ctx, r.ID, staff, "", false); !model.IsKind(err, model.KindInvalid) {
			t.Errorf("no reason: %v", err)
		}
		got, err := f.svc.Cancel(ctx, r.ID, staff, "customer phoned", false)
		if err != nil || got.State != model.StateCancelled {
			t.Fatalf("cancel: %+v, %v", got, err)
		}
		if _, err := f.svc.OpenLink(ctx, f.link(t, r.ID, model.MailApproval)); !requests.IsLinkUnusable(err) {
			t.Errorf("link of a cancelled request: %v", err)
		}
		r2, err := f.svc.Create(ctx, exposed, staff, requests.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.decide(t, f.link(t, r2.ID, model.MailApproval), true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Cancel(ctx, r2.ID, staff, "withdrew by phone", true); err != nil {
			t.Fatal(err)
		}
		records, _ := f.st.ConsentRecords(ctx, r2.ID)
		if len(records) != 2 || records[1].Decision != model.DecisionWithdrawn || records[1].Method != "staff (anna)" {
			t.Errorf("records %+v", records)
		}
	})
}

func TestManualSubmissionChargeAndVerify(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		const domain = "janvandenheuvel.com" // exposed at the registrar
		f.world.Update(domain, func(r *sandbox.Registration) { r.Publish, r.Proxy = true, false })
		if _, err := f.svc.Scanner.Scan(ctx, domain); err != nil {
			t.Fatal(err)
		}
		r, err := f.svc.Create(ctx, domain, staff, requests.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.decide(t, f.link(t, r.ID, model.MailApproval), true); err != nil {
			t.Fatal(err)
		}
		for range 2 { // a repeat after a crash files nothing twice
			if err := f.svc.Submit(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := f.st.Request(ctx, r.ID)
		tasks, _ := f.st.Tasks(ctx, true)
		if got.State != model.StateSubmitted || len(tasks) != 1 || got.PartyReference != strconv.FormatInt(tasks[0].ID, 10) ||
			!strings.Contains(tasks[0].Steps, "afscherm task done") {
			t.Fatalf("after submit: %s, tasks %+v", got.State, tasks)
		}
		if err := f.svc.Poll(ctx, r.ID); err == nil {
			t.Error("poll before the task is done finished")
		} else if _, ok := requests.AsLater(err); !ok {
			t.Errorf("poll: %v", err)
		}
		// Staff switch privacy on at the registrar and say so.
		f.world.Update(domain, func(r *sandbox.Registration) { r.Publish, r.Proxy = false, true })
		if _, err := f.svc.TaskDone(ctx, tasks[0].ID, staff, "privacy on in the panel"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.TaskDone(ctx, tasks[0].ID, staff, "again"); !model.IsKind(err, model.KindConflict) {
			t.Errorf("task done twice: %v", err)
		}
		got, _ = f.st.Request(ctx, r.ID)
		if got.State != model.StateCompleted {
			t.Fatalf("after the task: %s", got.State)
		}
		for range 3 { // a repeated charge job
			if err := f.svc.Charge(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
		}
		entries, _ := f.st.LedgerEntries(ctx, store.LedgerFilter{RequestID: r.ID})
		if len(entries) != 1 || entries[0].Gross != 599+1513 || entries[0].IdempotencyKey != "charge:"+strconv.FormatInt(r.ID, 10) {
			t.Errorf("ledger %+v", entries)
		}
		if err := f.svc.Verify(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = f.st.Request(ctx, r.ID)
		if got.State != model.StateVerified {
			t.Errorf("after verify: %s", got.State)
		}
		if err := f.svc.Reverse(ctx, r.ID, staff, "customer left"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Reverse(ctx, r.ID, staff, "again"); !model.IsKind(err, model.KindConflict) {
			t.Errorf("second reversal: %v", err)
		}
		entries, _ = f.st.LedgerEntries(ctx, store.LedgerFilter{RequestID: r.ID})
		got, _ = f.st.Request(ctx, r.ID)
		if len(entries) != 2 || entries[1].Gross != -entries[0].Gross || got.State != model.StateFailed {
			t.Errorf("after reversal: %+v, %s", entries, got.State)
		}
		// Every change of state has its audit event.
		events, _ := f.st.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: strconv.FormatInt(r.ID, 10)})
		var transitions []string
		for _, e := range events {
			if e.FromState != e.ToState && e.ToState != "" {
				transitions = append(transitions, e.FromState+">"+e.ToState)
			}
		}
		want := []string{">quoted", "quoted>awaiting_approval", "awaiting_approval>approved", "approved>submitting",
			"submitting>submitted", "submitted>completed", "completed>verified", "verified>failed"}
		if strings.Join(transitions, " ") != strings.Join(want, " ") {
			t.Errorf("audited transitions:\n%v\nwant\n%v", transitions, want)
		}
	})
}

func TestLogsHoldNoPersonalData(t *testing.T) {
	// The request flow's own log lines, for one request carried all the
	// way, hold no name, e-mail, phone or street of the customer.
	url := filepath.Join(t.TempDir(), "a.db")
	f := newFixture(t, url)
	var log strings.Builder
	f.svc.Log = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	r, err := f.svc.Create(ctx, exposed, staff, requests.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.decide(t, f.link(t, r.ID, model.MailApproval), true); err != nil {
		t.Fatal(err)
	}
	c, _ := f.st.Customer(ctx, r.CustomerNumber)
	for _, pii := range []string{c.Name, c.Email, c.Phone, c.Street, c.PostalCode} {
		if strings.Contains(log.String(), pii) {
			t.Errorf("the log holds %q", pii)
		}
	}
	if log.Len() == 0 {
		t.Error("nothing was logged")
	}
}

func TestDraftNewlyExposed(t *testing.T) {
	f := newFixture(t, storetest.NewURL(t, "sqlite"))
	ctx := context.Background()
	if _, err := f.svc.Create(ctx, exposed, staff, requests.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	n, err := f.svc.DraftNewlyExposed(ctx, []string{exposed, "anoukdeboer.nl", "goudenkorenaar.nl"})
	if err != nil || n != 1 {
		t.Fatalf("drafted %d, %v", n, err)
	}
	drafts, _ := f.st.Requests(ctx, store.RequestFilter{State: model.StateQuoted})
	if len(drafts) != 1 || drafts[0].Domain != "anoukdeboer.nl" || drafts[0].CreatedBy != model.System("nightly") {
		t.Errorf("drafts %+v", drafts)
	}
	if mails, _ := f.st.Mails(ctx, store.MailFilter{RequestID: drafts[0].ID}); len(mails) != 0 {
		t.Error("a draft was mailed")
	}
	if _, err := f.svc.Send(ctx, drafts[0].ID, staff); err != nil {
		t.Fatal(err)
	}
	if mails, _ := f.st.Mails(ctx, store.MailFilter{RequestID: drafts[0].ID}); len(mails) != 1 {
		t.Error("a sent draft has no mail")
	}
}
