package requests_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/adapters"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/openprovider"
	"github.com/afscherm/afscherm/registrars/openprovider/openprovidertest"
)

// openproviderFixture routes the .com domains to the sandbox's
// Openprovider, held to its published description, on the fixture's clock;
// it returns the fake and a way to make a client with another password.
func openproviderFixture(t *testing.T, f *fixture, limits openprovidertest.Limits) (*openprovidertest.Server, func(password string) *openprovider.Client) {
	t.Helper()
	parties, err := f.world.StartRegistrars()
	if err != nil {
		t.Fatal(err)
	}
	fake := parties.Openprovider
	openprovidertest.HoldToDescription(t, fake)
	fake.SetClock(f.clock.Now)
	fake.SetLimits(limits)
	client := func(password string) *openprovider.Client {
		cfg := parties.OpenproviderConfig()
		cfg.Now = f.clock.Now
		if password != "" {
			cfg.Password = password
		}
		c, err := openprovider.NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, err := openprovider.NewAdapter(openprovider.AdapterConfig{Client: client(""), TLDs: []string{"com"},
		Cost: func(context.Context, registrars.Domain) (int64, error) { return 495, nil }})
	if err != nil {
		t.Fatal(err)
	}
	router, err := adapters.NewRouter(adapters.Route{TLDs: []string{"com"}, Registrars: []string{"openprovider"}, Adapter: a}).
		WithRegistrars(sandbox.RegistrarsOfRecord()...)
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Adapters = router
	return fake, client
}

func staffMailsAbout(t *testing.T, st *store.Store, subject string) []model.OutboxMessage {
	t.Helper()
	mails, err := st.Mails(context.Background(), store.MailFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []model.OutboxMessage
	for _, m := range mails {
		if m.To == "staff@hosting.example" && strings.Contains(m.Subject, subject) {
			out = append(out, m)
		}
	}
	return out
}

// TestOpenproviderBlockWaitsTwentyMinutesAndTellsStaffOnce: another program
// with an old password has failed its logins until Openprovider blocked
// the account (code 50). The first request to meet the block waits 20
// minutes, with an audit entry, and staff hear of the block once; a second
// request waits too without a call reaching Openprovider and without a
// second mail. After the 20 minutes both are filed, once each.
func TestOpenproviderBlockWaitsTwentyMinutesAndTellsStaffOnce(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		fake, client := openproviderFixture(t, f, openprovidertest.Limits{FailedLogins: 3, FailedLoginWindow: time.Hour, LoginBlock: 20 * time.Minute})
		com := f.Exposed(t, "com", "openprovider")
		if len(com) < 2 {
			t.Fatalf("exposed .com samples: %v", com)
		}
		old := client("an-old-password")
		for range 3 {
			_, err := old.FindDomain(ctx, com[0])
			if registrars.KindOf(err) != registrars.KindConfig {
				t.Fatalf("old password: %v", err)
			}
		}
		r1, r2 := f.Approve(t, com[0]), f.Approve(t, com[1])
		blockEnds := f.clock.Now().Add(20 * time.Minute)

		before := len(fake.Calls())
		err := f.svc.Submit(ctx, r1.ID)
		l, ok := requests.AsLater(err)
		if !ok || l.After != 20*time.Minute {
			t.Fatalf("submit during the block: %v, want to wait 20 minutes", err)
		}
		if n := len(fake.Calls()) - before; n != 1 {
			t.Errorf("%d calls, want 1 (the refused login)", n)
		}
		got, _ := f.st.Request(ctx, r1.ID)
		events, _ := f.st.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: strconv.FormatInt(r1.ID, 10),
			Action: "request.party_error"})
		if got.State != model.StateSubmitting || len(events) != 1 || events[0].Details["kind"] != "blocked" ||
			events[0].Details["until"] != blockEnds.Format(time.RFC3339) {
			t.Errorf("request %s, audit %+v", got.State, events)
		}
		mails := staffMailsAbout(t, f.st, "blocked")
		if len(mails) != 1 || !strings.Contains(mails[0].Subject, "2026-11-25 09:20") || !strings.Contains(mails[0].Text, "password") {
			t.Fatalf("staff mails %+v", mails)
		}
		if strings.Contains(mails[0].Text, "an-old-password") || strings.Contains(mails[0].Text, "sandbox-openprovider-pw") {
			t.Errorf("the mail gives a password away: %s", mails[0].Text)
		}

		// A second request meets the block in the adapter: nothing is sent,
		// nobody is mailed again.
		f.clock.Add(5 * time.Minute)
		before = len(fake.Calls())
		l, ok = requests.AsLater(f.svc.Submit(ctx, r2.ID))
		if !ok || l.After != 15*time.Minute {
			t.Errorf("second submit: %+v, want to wait the 15 minutes left", l)
		}
		if n := len(fake.Calls()) - before; n != 0 {
			t.Errorf("%d calls during the block, want none", n)
		}
		if n := len(staffMailsAbout(t, f.st, "blocked")); n != 1 {
			t.Errorf("%d mails about the block, want 1", n)
		}
		blocks, _ := f.st.AuditEvents(ctx, store.AuditFilter{SubjectKind: "registrar", SubjectID: "openprovider", Action: "registrar.blocked"})
		if len(blocks) != 1 {
			t.Errorf("block events %+v", blocks)
		}

		// After the block: both filed, once each.
		f.clock.Add(15 * time.Minute)
		for _, r := range []model.PrivacyRequest{r1, r2} {
			if err := f.svc.Submit(ctx, r.ID); err != nil {
				t.Fatalf("after the block: %v", err)
			}
			got, _ := f.st.Request(ctx, r.ID)
			if got.State != model.StateCompleted || fake.Changes(r.Domain) != 1 {
				t.Errorf("%s: %s, %d changes", r.Domain, got.State, fake.Changes(r.Domain))
			}
		}
	})
}

// TestOpenproviderAccessDeniedEndsTheRequestWithoutRetry: repeated
// identical calls (here the status poll) get the address blacklisted
// (10005). That is a configuration problem: the request fails with what
// staff must do, staff are told, and the job ends instead of trying again.
func TestOpenproviderAccessDeniedEndsTheRequestWithoutRetry(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		fake, _ := openproviderFixture(t, f, openprovidertest.Limits{IdenticalCalls: 2, IdenticalWindow: 300 * time.Second})
		com := f.Exposed(t, "com", "openprovider")
		fake.Defer(com[0]) // switched on only later: the request is polled
		r := f.Approve(t, com[0])
		if err := f.svc.Submit(ctx, r.ID); err != nil { // reads the domain twice, the same way
			t.Fatal(err)
		}
		before := len(fake.Calls())
		if err := f.svc.Poll(ctx, r.ID); err != nil {
			t.Fatalf("poll: %v, want the request failed and the job done", err)
		}
		if n := len(fake.Calls()) - before; n != 1 {
			t.Errorf("%d calls for the poll, want 1: no retry", n)
		}
		got, _ := f.st.Request(ctx, r.ID)
		events, _ := f.st.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: strconv.FormatInt(r.ID, 10),
			Action: "request.fail"})
		if got.State != model.StateFailed || len(events) != 1 || !strings.Contains(events[0].Reason, "10005") ||
			!strings.Contains(events[0].Reason, "blacklist") || !strings.Contains(events[0].Reason, "config") {
			t.Errorf("request %s, audit %+v", got.State, events)
		}
		if mails := staffMailsAbout(t, f.st, "failed"); len(mails) != 1 || !strings.Contains(mails[0].Text, "control panel") {
			t.Errorf("staff mails %+v", mails)
		}
	})
}
