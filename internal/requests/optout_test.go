package requests_test

import (
	"context"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestSIDNOptOut takes a .nl request with the customer's reasons for
// SIDN's opt-out from quote to completion: the quote says an opt-out will
// be asked, the submit job changes the admin contact over EPP and mails
// SIDN the reasons once, staff record SIDN's decision as a task, and the
// poll job then completes the request.
func TestSIDNOptOut(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		f.UseSandboxRegistrars(t)
		nl := f.Exposed(t, "nl", "sidn")
		const reasons = "Ik werk vanuit huis; mijn adres mag niet openbaar."

		if _, err := f.svc.CreateMany(ctx, requests.Selection{AllExposed: true}, staff,
			requests.CreateOptions{OptOutReasons: reasons}, nil); !model.IsKind(err, model.KindInvalid) {
			t.Errorf("reasons for many domains: %v", err)
		}
		if _, err := f.svc.Create(ctx, nl[1], staff, requests.CreateOptions{OptOutReasons: "x\x00y"}); !model.IsKind(err, model.KindInvalid) ||
			strings.Contains(err.Error(), "x\x00y") {
			t.Errorf("control characters: %v", err)
		}

		r, err := f.svc.Create(ctx, nl[0], staff, requests.CreateOptions{OptOutReasons: reasons})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Quote.Text, "opt-out") || strings.Contains(r.Quote.Text, reasons) {
			t.Errorf("quote does not announce the opt-out, or repeats the reasons:\n%s", r.Quote.Text)
		}
		if _, err := f.decide(t, f.link(t, r.ID, model.MailApproval), true); err != nil {
			t.Fatal(err)
		}
		for range 2 { // a repeat mails SIDN no second time
			if err := f.svc.Submit(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := f.st.Request(ctx, r.ID)
		if got.State != model.StateSubmitted || got.PartyDeadline.IsZero() || !strings.HasPrefix(got.PartyReference, "optout:") {
			t.Fatalf("after submit: %s %q deadline %v", got.State, got.PartyReference, got.PartyDeadline)
		}
		if reg, _ := f.world.Get(nl[0]); reg.AdminEmail != sandbox.HostingRoleAddress {
			t.Errorf("admin e-mail %q: the EPP step was not carried out", reg.AdminEmail)
		}
		mails, _ := f.st.Mails(ctx, store.MailFilter{RequestID: r.ID})
		var letters []model.OutboxMessage
		for _, m := range mails {
			if m.Kind == model.MailParty {
				letters = append(letters, m)
			}
		}
		if len(letters) != 1 || letters[0].To != sandbox.SIDNOptOutAddress || !strings.Contains(letters[0].Text, reasons) {
			t.Fatalf("letters to SIDN: %+v", letters)
		}

		if err := f.svc.Poll(ctx, r.ID); err == nil {
			t.Error("the poll finished before SIDN decided")
		}
		tasks, _ := f.st.Tasks(ctx, true)
		if len(tasks) != 1 || tasks[0].RequestID != r.ID || !strings.Contains(tasks[0].Title, "opt-out") {
			t.Fatalf("tasks %+v", tasks)
		}
		if _, err := f.svc.TaskDone(ctx, tasks[0].ID, staff, "granted by SIDN"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Poll(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.st.Request(ctx, r.ID); got.State != model.StateCompleted || !strings.Contains(got.PartyDetail, "granted") {
			t.Errorf("after SIDN's decision: %s %q", got.State, got.PartyDetail)
		}
	})
}
