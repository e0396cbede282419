package requests_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/adapters"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/epp/epptest"
	"github.com/afscherm/afscherm/registrars/eppdisclose"
)

// Requests filed with registries that shield by disclose flags, through
// the whole flow: what the registry keeps public is its ceiling — an RFC
// 5733 registry that refuses the postal items (2306, 2308, 2304), and
// CZ.NIC's FRED, which keeps the name always and an unverified person's
// address. The request completes (not fails), is charged, and verifies
// once the public record shows nothing beyond that ceiling. The sandbox's
// .org registry plays both parties, and publishes what the fake registry's
// contact shows.
func TestDiscloseRegistryCeiling(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		e := requeststest.New(t, url)
		ctx := context.Background()
		domains := publishedPersons(t, e, "org")
		if len(domains) < 2 {
			t.Fatalf("published .org persons: %v", domains)
		}
		for i, tc := range []struct {
			name    string
			opts    epptest.Options
			partial bool
			public  []string
		}{
			{"rfc5733", epptest.Options{DiscloseRefusals: map[string]int{"name": 2306, "org": 2308, "addr": 2304}}, false,
				[]string{registrars.ItemName, registrars.ItemAddress}},
			{"fred", epptest.Options{Dialect: epptest.FRED}, true, []string{registrars.ItemName, registrars.ItemAddress}},
		} {
			domain := domains[i]
			srv := discloseRegistry(t, e, tc.name, tc.opts, domain)
			if got := srv.Dialect() == epptest.FRED; got != tc.partial {
				t.Fatalf("dialect %s", srv.Dialect())
			}
			r := e.Approve(t, domain)
			if r.Adapter != tc.name || r.Partial != tc.partial {
				t.Errorf("%s: adapter %q, partial %t", tc.name, r.Adapter, r.Partial)
			}
			if err := e.Service.Submit(ctx, r.ID); err != nil {
				t.Fatalf("%s: submit: %v", tc.name, err)
			}
			got, _ := e.Store.Request(ctx, r.ID)
			if got.State != model.StateCompleted || !strings.Contains(got.PartyDetail, "keeps public: name, address") {
				t.Fatalf("%s: %s, %q (%s)", tc.name, got.State, got.PartyDetail, got.Reason)
			}
			events, _ := e.Store.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: itoa(r.ID),
				Action: "request." + string(model.Complete)})
			if len(events) != 1 || !sameItems(events[0].Details["stays_public"], tc.public) {
				t.Errorf("%s: completion %+v", tc.name, events)
			}
			if err := e.Service.Charge(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			// The public record now shows the name and the address only:
			// exposed to the classifier, verified against the ceiling.
			if err := e.Service.Verify(ctx, r.ID); err != nil {
				t.Fatalf("%s: verify: %v", tc.name, err)
			}
			got, _ = e.Store.Request(ctx, r.ID)
			if got.State != model.StateVerified {
				t.Errorf("%s: %s after verify, want verified", tc.name, got.State)
			}
			if d, _ := e.Store.Domain(ctx, domain); d.LastVerdict != model.VerdictExposed {
				t.Errorf("%s: the re-scan says %s; the name and address should show", tc.name, d.LastVerdict)
			}
			if entries, _ := e.Store.LedgerEntries(ctx, store.LedgerFilter{RequestID: r.ID}); len(entries) != 1 {
				t.Errorf("%s: ledger %+v", tc.name, entries)
			}
		}
	})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func sameItems(v any, want []string) bool {
	list, _ := v.([]any)
	var got []string
	for _, it := range list {
		s, _ := it.(string)
		got = append(got, s)
	}
	return slices.Equal(got, want)
}

// publishedPersons are domains of the TLD whose registrant is a natural
// person and has their data published (and so scanned exposed).
func publishedPersons(t *testing.T, e *requeststest.Env, tld string) []string {
	t.Helper()
	ctx := context.Background()
	ds, err := e.Store.Domains(ctx, store.DomainFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		reg, ok := e.World.Get(d.Name)
		if d.TLD() != tld || !ok || !reg.Registrant.Person || reg.Proxy || reg.Registrant.Phone == "" {
			continue
		}
		e.World.Update(d.Name, func(r *sandbox.Registration) { r.Publish = true })
		s, err := e.Scanner.Scan(ctx, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		if s.Verdict == model.VerdictExposed {
			out = append(out, d.Name)
		}
	}
	return out
}

// discloseRegistry starts a fake registry holding the domain and its
// registrant as the sandbox publishes them, showing everything, and routes
// the TLD's requests to an eppdisclose adapter for it. Every change at the
// registry is published: what its contact withholds, the RDAP record
// withholds.
func discloseRegistry(t *testing.T, e *requeststest.Env, name string, opts epptest.Options, domain string) *epptest.Server {
	t.Helper()
	reg, _ := e.World.Get(domain)
	opts.T = t
	var srv *epptest.Server
	opts.OnChange = func(d string) {
		c, _ := srv.Contact("REG-" + name)
		var withheld []string
		for it, field := range map[string]string{"name": sandbox.WithheldName, "org": sandbox.WithheldOrg,
			"addr": sandbox.WithheldAddress, "voice": sandbox.WithheldPhone, "email": sandbox.WithheldEmail} {
			if !c.Public(it) {
				withheld = append(withheld, field)
			}
		}
		e.World.Update(d, func(r *sandbox.Registration) { r.Withheld = withheld })
	}
	srv, cfg, err := epptest.Start(e.World.Net, "epp."+name+".test", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	rc := reg.Registrant
	c := epptest.Contact{ID: "REG-" + name, Name: rc.Name, Org: rc.Org, Street: []string{rc.Street}, City: rc.City,
		PC: rc.PostalCode, CC: rc.Country, Voice: sandbox.EPPPhone(rc.Phone), Email: rc.Email, Hidden: []string{}}
	if opts.Dialect != epptest.FRED {
		c.PostalTypes = []string{"int", "loc"}
	}
	if err := srv.AddContact(c); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddDomain(epptest.Domain{Name: domain, Registrant: c.ID}); err != nil {
		t.Fatal(err)
	}
	a, err := eppdisclose.New(eppdisclose.Config{Name: name, EPP: cfg, TLDs: []string{reg.Domain[strings.LastIndexByte(reg.Domain, '.')+1:]},
		Registrars: []string{"*"}, FRED: opts.Dialect == epptest.FRED})
	if err != nil {
		t.Fatal(err)
	}
	e.Service.Adapters = adapters.NewRouter(adapters.Route{TLDs: []string{"*"}, Registrars: []string{"*"}, Adapter: a})
	return srv
}
