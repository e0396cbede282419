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
	"github.com/afscherm/afscherm/registrars/epp"
	"github.com/afscherm/afscherm/registrars/epp/epptest"
	"github.com/afscherm/afscherm/registrars/openprovider"
	"github.com/afscherm/afscherm/registrars/openprovider/openprovidertest"
	"github.com/afscherm/afscherm/registrars/sidn"
)

// TestABadPartyIsATypedErrorWithAnAuditEntryAndNoCharge submits requests
// to a SIDN that answers garbage, breaks off mid-frame, announces a frame
// over the cap, answers another command's clTRID or never answers, and to
// an Openprovider that answers garbage, too much, nothing or too late;
// then to both with wrong credentials. Each is a typed error and an audit
// entry, with no charge; a passing fault leaves the request to be tried
// again later (by the job's backoff, not in a loop), wrong credentials end
// it and tell staff.
func TestABadPartyIsATypedErrorWithAnAuditEntryAndNoCharge(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		parties, err := f.world.StartRegistrars()
		if err != nil {
			t.Fatal(err)
		}
		openprovidertest.HoldToDescription(t, parties.Openprovider)
		const timeout = 300 * time.Millisecond
		makeSIDN := func(password string) registrars.Adapter {
			cfg := parties.SIDNConfig()
			cfg.Timeout = timeout
			if password != "" {
				cfg.Password = password
			}
			a, err := sidn.New(sidn.Config{EPP: cfg, Registrars: []string{"sidn"}, Handles: requests.Handles{Store: f.st},
				Role: epp.Contact{Name: "Hostmaster", Org: "Hosting", Street: []string{"Dataweg 9"}, City: "Amsterdam", PC: "1000 AB",
					CC: "NL", Voice: "+31.201234567", Email: sandbox.HostingRoleAddress}})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		makeOpenprovider := func(password string) registrars.Adapter {
			cfg := parties.OpenproviderConfig()
			cfg.Timeout = timeout
			if password != "" {
				cfg.Password = password
			}
			c, err := openprovider.NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			a, err := openprovider.NewAdapter(openprovider.AdapterConfig{Client: c, TLDs: []string{"com"},
				Cost: func(context.Context, registrars.Domain) (int64, error) { return 495, nil }})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		use := func(s, o registrars.Adapter) {
			router, err := adapters.NewRouter(adapters.Route{TLDs: []string{"nl"}, Registrars: []string{"sidn"}, Adapter: s},
				adapters.Route{TLDs: []string{"com"}, Registrars: []string{"openprovider"}, Adapter: o}).
				WithRegistrars(sandbox.RegistrarsOfRecord()...)
			if err != nil {
				t.Fatal(err)
			}
			f.svc.Adapters = router
		}
		use(makeSIDN(""), makeOpenprovider(""))

		nl, com := f.Exposed(t, "nl", "sidn"), f.Exposed(t, "com", "openprovider")
		type fault struct {
			name   string
			domain string
			stage  func()
		}
		var faults []fault
		for i, ef := range []epptest.Fault{epptest.Garbage, epptest.DropMidFrame, epptest.Oversize, epptest.WrongClTRID, epptest.Stall} {
			faults = append(faults, fault{"SIDN " + ef.String(), nl[i], func() { parties.SIDN.InjectFault(ef, 1) }})
		}
		for i, of := range []openprovidertest.Fault{
			{Kind: openprovidertest.Garbage, PathPrefix: "/v1beta/domains"},
			{Kind: openprovidertest.Oversize, PathPrefix: "/v1beta/domains"},
			{Kind: openprovidertest.Drop, PathPrefix: "/v1beta/domains"},
			{Kind: openprovidertest.Slow, PathPrefix: "/v1beta/domains", Delay: 3 * timeout},
		} {
			faults = append(faults, fault{"Openprovider " + string(of.Kind), com[i], func() { parties.Openprovider.Fail(of) }})
		}

		calls := func() int { return len(parties.SIDN.Calls()) + len(parties.Openprovider.Calls()) }
		for _, fc := range faults {
			r := f.Approve(t, fc.domain)
			fc.stage()
			before := calls()
			err := f.svc.Submit(ctx, r.ID)
			if registrars.KindOf(err) != registrars.KindTemporary {
				t.Errorf("%s: %v, want a temporary error", fc.name, err)
			}
			if n := calls() - before; n > 4 {
				t.Errorf("%s: %d calls to the party for one attempt: a retry loop", fc.name, n)
			}
			got, _ := f.st.Request(ctx, r.ID)
			events, _ := f.st.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: strconv.FormatInt(r.ID, 10),
				Action: "request.party_error"})
			if got.State != model.StateSubmitting || len(events) != 1 || events[0].Details["kind"] != "temporary" || events[0].Reason == "" {
				t.Errorf("%s: request %s, audit %+v", fc.name, got.State, events)
			}
			parties.Openprovider.ClearFaults()
		}

		// Once the party answers again, the next attempt files the request,
		// once, and it is charged once.
		again := faults[0]
		r, _ := f.st.Requests(ctx, store.RequestFilter{Domain: again.domain})
		if len(r) != 1 {
			t.Fatalf("requests for %s: %+v", again.domain, r)
		}
		if err := f.svc.Submit(ctx, r[0].ID); err != nil {
			t.Fatalf("after the fault: %v", err)
		}
		if err := f.svc.Charge(ctx, r[0].ID); err != nil {
			t.Fatal(err)
		}

		// Wrong credentials: configuration, no retry, staff told.
		use(makeSIDN("wrong-password-1"), makeOpenprovider("wrong-password-2"))
		for _, domain := range []string{nl[5], com[4]} {
			r := f.Approve(t, domain)
			if err := f.svc.Submit(ctx, r.ID); err != nil {
				t.Errorf("%s: %v, want the request failed and the job done", domain, err)
			}
			got, _ := f.st.Request(ctx, r.ID)
			events, _ := f.st.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: strconv.FormatInt(r.ID, 10),
				Action: "request.fail"})
			if got.State != model.StateFailed || len(events) != 1 || !strings.Contains(events[0].Reason, "config") ||
				strings.Contains(events[0].Reason, "wrong-password") {
				t.Errorf("%s: request %s, audit %+v", domain, got.State, events)
			}
			mails, _ := f.st.Mails(ctx, store.MailFilter{})
			if !strings.Contains(mails[len(mails)-1].Subject, "failed") || mails[len(mails)-1].To != "staff@hosting.example" {
				t.Errorf("%s: staff not told: %+v", domain, mails[len(mails)-1])
			}
		}

		entries, err := f.st.LedgerEntries(ctx, store.LedgerFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Domain != again.domain {
			t.Errorf("ledger %+v, want the one request filed after its fault", entries)
		}
	})
}
