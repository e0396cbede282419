package requests_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// staffMails counts the alerts to staff whose subject holds the text.
func staffMails(t *testing.T, st *store.Store, text string) int {
	t.Helper()
	mails, err := st.Mails(context.Background(), store.MailFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range mails {
		if m.Kind == model.MailStaff && strings.Contains(m.Subject, text) {
			n++
		}
	}
	return n
}

// TestAPartyThatNeverFinishesFailsTheRequest: the poll job asks less and
// less often, and after FollowFor the request fails with the reason and
// staff are told; nothing is charged.
func TestAPartyThatNeverFinishesFailsTheRequest(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		domain := f.Exposed(t, "com", "openprovider")[0] // a task for staff: pending until they act
		r := f.Approve(t, domain)
		if err := f.svc.Submit(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		var waits []time.Duration
		for _, step := range []time.Duration{0, time.Hour, 24 * time.Hour, 10 * 24 * time.Hour} {
			f.clock.Add(step)
			l, ok := requests.AsLater(f.svc.Poll(ctx, r.ID))
			if !ok {
				t.Fatalf("poll after %v did not wait", step)
			}
			waits = append(waits, l.After)
		}
		if waits[0] != f.svc.Timing.PollEvery || waits[1] <= waits[0] || waits[3] != 24*time.Hour {
			t.Errorf("waits between polls %v: want PollEvery, growing, at most a day", waits)
		}
		f.clock.Add(f.svc.Timing.FollowFor)
		if err := f.svc.Poll(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := f.st.Request(ctx, r.ID)
		if got.State != model.StateFailed || !strings.Contains(got.Reason, "did not finish within") {
			t.Errorf("request %s, reason %q", got.State, got.Reason)
		}
		if n := staffMails(t, f.st, "request "+strconv.FormatInt(r.ID, 10)+" for "+domain+" failed"); n != 1 {
			t.Errorf("%d alerts to staff, want 1", n)
		}
		if entries, _ := f.st.LedgerEntries(ctx, store.LedgerFilter{RequestID: r.ID}); len(entries) != 0 {
			t.Errorf("charged: %+v", entries)
		}
	})
}

// TestStillExposedAfterCompletionAlertsStaffOnce: a completed request
// whose data the re-scan still finds is not verified; after VerifyAlert
// staff hear of it, once.
func TestStillExposedAfterCompletionAlertsStaffOnce(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		domain, r := f.completedByTask(t) // but the data stays visible
		alerts := func() int { return f.auditCount(t, r.ID, "request.verify_alert") }
		for _, step := range []time.Duration{0, time.Hour, f.svc.Timing.VerifyAlert, time.Hour} {
			f.clock.Add(step)
			if _, ok := requests.AsLater(f.svc.Verify(ctx, r.ID)); !ok {
				t.Fatalf("verify after %v did not wait for the data to go", step)
			}
		}
		got, _ := f.st.Request(ctx, r.ID)
		if got.State != model.StateCompleted || alerts() != 1 || staffMails(t, f.st, domain) != 1 {
			t.Errorf("request %s, %d alerts, %d staff mails; want completed, one alert, one mail", got.State, alerts(), staffMails(t, f.st, domain))
		}
	})
}

// completedByTask takes an exposed .com domain through approval and a
// staff task to completed, and returns it with its request.
func (f *fixture) completedByTask(t *testing.T) (string, model.PrivacyRequest) {
	t.Helper()
	ctx := context.Background()
	domain := f.Exposed(t, "com", "openprovider")[0]
	r := f.Approve(t, domain)
	if err := f.svc.Submit(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	tasks, _ := f.st.Tasks(ctx, true)
	if _, err := f.svc.TaskDone(ctx, tasks[0].ID, staff, "done, they say"); err != nil {
		t.Fatal(err)
	}
	return domain, r
}

// auditCount counts a request's audit events of one action.
func (f *fixture) auditCount(t *testing.T, request int64, action string) int {
	t.Helper()
	events, err := f.st.AuditEvents(context.Background(), store.AuditFilter{SubjectKind: "request",
		SubjectID: strconv.FormatInt(request, 10), Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return len(events)
}
