package requests_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// recordVerdict stores a scan of the domain with the verdict given here,
// not the classifier's, and with a visible name and street.
func recordVerdict(ctx context.Context, st *store.Store, name string, v model.Verdict) (model.ScanResult, error) {
	r := model.ScanResult{Domain: name, Source: model.SourceWHOIS, Server: "whois.example", Status: model.ScanOK,
		Raw: []byte("Titulaire: Jan van den Heuvel\nAdresse: Dorpsstraat 1\n"), Classification: model.Classification{
			Domain: name, Verdict: v, Evidence: []string{"set by the test"}, Fields: map[model.Field]model.FieldValue{
				model.FieldName:   {State: model.FieldVisible, Value: "Jan van den Heuvel"},
				model.FieldStreet: {State: model.FieldVisible, Value: "Dorpsstraat 1"},
			}}}
	err := st.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.RecordScan(ctx, &r)
		return err
	})
	return r, err
}

// verdictScanner is a re-scan that finds the verdict it is given.
type verdictScanner struct {
	st      *store.Store
	verdict model.Verdict
}

func (s verdictScanner) Scan(ctx context.Context, name string) (model.ScanResult, error) {
	return recordVerdict(ctx, s.st, name, s.verdict)
}

// TestUndeterminedNeedsAReview: a domain whose last scan is undetermined
// gets a request only with staff's reason, which the creation's audit
// event keeps; a customer's and all exposed domains leave it out; for
// other verdicts the reason changes nothing.
func TestUndeterminedNeedsAReview(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		scan, err := recordVerdict(ctx, f.st, exposed, model.VerdictUndetermined)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := f.st.Domain(ctx, exposed)

		_, err = f.svc.Create(ctx, exposed, staff, requests.CreateOptions{})
		var refusal *requests.Refusal
		if !errors.As(err, &refusal) || !strings.Contains(refusal.Reason, "look at the response") ||
			!strings.Contains(refusal.Reason, "--reviewed") {
			t.Errorf("without a review: %v", err)
		}
		for _, blank := range []string{" ", "\t\n"} {
			if _, err := f.svc.Create(ctx, exposed, staff, requests.CreateOptions{Reviewed: blank}); !model.IsKind(err, model.KindInvalid) {
				t.Errorf("blank reason %q: %v", blank, err)
			}
		}
		for _, sel := range []requests.Selection{{AllExposed: true}, {Customer: d.CustomerNumber}} {
			if _, err := f.svc.CreateMany(ctx, sel, staff, requests.CreateOptions{Reviewed: "looked"}, nil); !model.IsKind(err, model.KindInvalid) {
				t.Errorf("%+v with a review: %v", sel, err)
			}
		}
		if reqs, _ := f.st.Requests(ctx, store.RequestFilter{}); len(reqs) != 0 {
			t.Fatalf("refusals left %d requests", len(reqs))
		}

		// Another verdict: the reason lets nothing through and is not kept.
		const why = "the Titulaire block shows the customer's name and home address"
		if _, err := f.svc.Create(ctx, "goudenkorenaar.nl", staff, requests.CreateOptions{Reviewed: why}); err == nil ||
			!strings.Contains(err.Error(), "legal entity") {
			t.Errorf("an organisation with a review: %v", err)
		}
		other := f.Exposed(t, "nl", "sidn")
		var plain model.PrivacyRequest
		for _, name := range other {
			if name != exposed {
				if plain, err = f.svc.Create(ctx, name, staff, requests.CreateOptions{Reviewed: why}); err != nil {
					t.Fatal(err)
				}
				break
			}
		}
		if plain.ID == 0 {
			t.Fatalf("no second exposed .nl domain among %v", other)
		}
		events, _ := f.st.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: strconv.FormatInt(plain.ID, 10),
			Action: "request.created"})
		if len(events) != 1 || events[0].Reason != "" || events[0].Details["reviewed_verdict"] != nil {
			t.Errorf("an exposed domain's creation with a review: %+v", events)
		}

		// All exposed, and the customer's: queued or skipped, this one is
		// not among them.
		for _, sel := range []requests.Selection{{AllExposed: true}, {Customer: d.CustomerNumber}} {
			out, err := f.svc.CreateMany(ctx, sel, staff, requests.CreateOptions{Draft: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range out {
				if o.Domain == exposed {
					t.Errorf("%+v selected the undetermined domain: %+v", sel, o)
				}
			}
		}
		if reqs, _ := f.st.Requests(ctx, store.RequestFilter{Domain: exposed}); len(reqs) != 0 {
			t.Fatalf("the undetermined domain got a request: %+v", reqs)
		}

		r, err := f.svc.Create(ctx, exposed, staff, requests.CreateOptions{Reviewed: why})
		if err != nil {
			t.Fatal(err)
		}
		if r.State != model.StateAwaitingApproval || r.ScanID != scan.ID ||
			!strings.Contains(r.Quote.Text, "uw naam") || !strings.Contains(r.Quote.Text, "uw straat") {
			t.Errorf("request %s, scan %d (want %d), quote:\n%s", r.State, r.ScanID, scan.ID, r.Quote.Text)
		}
		events, _ = f.st.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: strconv.FormatInt(r.ID, 10),
			Action: "request.created"})
		if len(events) != 1 || events[0].Actor != staff || !strings.Contains(events[0].Reason, why) ||
			events[0].Details["reviewed_verdict"] != string(model.VerdictUndetermined) {
			t.Errorf("creation audited as %+v", events)
		}
	})
}

// TestUndeterminedAfterCompletionAsksForReview: a re-scan of a completed
// request that the classifier could not place verifies nothing; staff are
// asked to review it at once, once; a later re-scan it can place decides.
func TestUndeterminedAfterCompletionAsksForReview(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		domain, r := f.completedByTask(t)
		reviews := func() int { return f.auditCount(t, r.ID, "request.verify_review") }
		f.svc.Scanner = verdictScanner{f.st, model.VerdictUndetermined}
		for i, step := range []time.Duration{0, f.svc.Timing.VerifyEvery, f.svc.Timing.VerifyAlert} {
			f.clock.Add(step)
			if _, ok := requests.AsLater(f.svc.Verify(ctx, r.ID)); !ok {
				t.Fatalf("verify %d on an undetermined re-scan did not wait", i)
			}
			if i == 0 && (reviews() != 1 || staffMails(t, f.st, "review "+domain) != 1) {
				t.Errorf("after the first undetermined re-scan: %d reviews asked, %d mails; want one at once",
					reviews(), staffMails(t, f.st, "review "+domain))
			}
		}
		got, _ := f.st.Request(ctx, r.ID)
		if got.State != model.StateCompleted || reviews() != 1 || staffMails(t, f.st, "review "+domain) != 1 ||
			staffMails(t, f.st, "still exposed") != 0 {
			t.Errorf("request %s, %d reviews asked, %d mails, %d still-exposed alerts; want completed, one, one, none",
				got.State, reviews(), staffMails(t, f.st, "review "+domain), staffMails(t, f.st, "still exposed"))
		}

		f.svc.Scanner = verdictScanner{f.st, model.VerdictProxied}
		if err := f.svc.Verify(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.st.Request(ctx, r.ID); got.State != model.StateVerified {
			t.Errorf("after a re-scan the classifier placed: %s", got.State)
		}
	})
}
