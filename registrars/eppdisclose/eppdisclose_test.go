package eppdisclose_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/loopback"
	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/epp/epptest"
	"github.com/afscherm/afscherm/registrars/eppdisclose"
)

type fixture struct {
	srv *epptest.Server
	a   *eppdisclose.Adapter
}

// start serves a fake registry of the dialect with one domain whose
// registrant is the given contact.
func start(t *testing.T, opts epptest.Options, registrant epptest.Contact) *fixture {
	t.Helper()
	n, err := loopback.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	srv, cfg, err := epptest.Start(n, "epp.registry.test", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cfg.Timeout = 3 * time.Second
	registrant.ID = "REG1"
	if err := srv.AddContact(registrant); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddDomain(epptest.Domain{Name: "novak.cz", Registrant: "REG1"}); err != nil {
		t.Fatal(err)
	}
	a, err := eppdisclose.New(eppdisclose.Config{Name: "registry", EPP: cfg, TLDs: []string{"cz"}, Registrars: []string{"*"},
		FRED: opts.Dialect == epptest.FRED})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, a: a}
}

func (f *fixture) changes() int {
	n := 0
	for _, c := range f.srv.Calls() {
		if c.Changed() {
			n++
		}
	}
	return n
}

func person(verified bool, org string) epptest.Contact {
	return epptest.Contact{Name: "Jana Novak", Org: org, Street: []string{"Dlouha 1"}, City: "Praha", PC: "11000", CC: "CZ",
		Voice: "+420.123456789", Email: "jana@novak.test", Verified: verified}
}

var req = registrars.Request{ID: 3, Domain: registrars.Domain{Name: "novak.cz", Registrar: "any"}, Language: "en"}

func TestRFC5733HidesEverything(t *testing.T) {
	f := start(t, epptest.Options{}, person(false, "Novak s.r.o."))
	ctx := context.Background()
	if s := f.a.Serves(req.Domain); !s.OK || s.Partial {
		t.Errorf("Serves: %+v", s)
	}
	st, err := f.a.Submit(ctx, req)
	if err != nil || st.State != registrars.Completed || st.Reference != "contact:REG1" {
		t.Fatalf("%+v, %v", st, err)
	}
	c, _ := f.srv.Contact("REG1")
	for _, it := range []string{"name", "org", "addr", "voice", "fax", "email"} {
		if c.Public(it) {
			t.Errorf("%s still public after Submit (hidden: %v)", it, c.Hidden)
		}
	}
	if f.changes() != 1 {
		t.Errorf("%d changes, want one update: %+v", f.changes(), f.srv.Calls())
	}
	st, err = f.a.Submit(ctx, req)
	if err != nil || st.State != registrars.Completed || !strings.Contains(st.Detail, "already") || f.changes() != 1 {
		t.Errorf("repeat: %+v, %v, %d changes", st, err, f.changes())
	}
}

func TestRFC5733RefusedItemsAreNotSupportedHere(t *testing.T) {
	f := start(t, epptest.Options{DiscloseItems: []string{"voice", "fax", "email"}}, person(false, ""))
	st, err := f.a.Submit(context.Background(), req)
	if err != nil {
		t.Fatalf("a refused flag is no failure: %v", err)
	}
	if st.State != registrars.Completed || !strings.Contains(st.Detail, "not possible here: name, org, addr") ||
		!strings.Contains(st.Detail, "hidden: voice, fax, email") {
		t.Errorf("status %+v", st)
	}
	c, _ := f.srv.Contact("REG1")
	if !slices.Equal(c.Hidden, []string{"email", "fax", "voice"}) {
		t.Errorf("hidden %v", c.Hidden)
	}
}

func TestFREDHidesAVerifiedPersonsAddressLater(t *testing.T) {
	f := start(t, epptest.Options{Dialect: epptest.FRED, HideDelay: 50 * time.Millisecond}, person(true, ""))
	ctx := context.Background()
	if s := f.a.Serves(req.Domain); !s.OK || !s.Partial {
		t.Errorf("Serves: %+v, want partial", s)
	}
	if plan := strings.Join(f.a.Plan(req), " "); !strings.Contains(plan, "name stays public") {
		t.Errorf("plan %q does not say the name stays public", plan)
	}
	st, err := f.a.Submit(ctx, req)
	if err != nil || st.State != registrars.Pending || !strings.Contains(st.Detail, "the registry will hide: addr") {
		t.Fatalf("%+v, %v", st, err)
	}
	if st, err := f.a.Status(ctx, req, st.Reference); err != nil || st.State != registrars.Pending {
		t.Errorf("before the registry acted: %+v, %v", st, err)
	}
	time.Sleep(100 * time.Millisecond)
	st, err = f.a.Status(ctx, req, st.Reference)
	if err != nil || st.State != registrars.Completed || !strings.Contains(st.Detail, "(registry: ") {
		t.Fatalf("after: %+v, %v", st, err)
	}
	c, _ := f.srv.Contact("REG1")
	if c.Public("addr") || !c.Public("name") {
		t.Errorf("contact %+v", c)
	}
	// The poll message was acknowledged: a second look finds none.
	st, err = f.a.Status(ctx, req, st.Reference)
	if err != nil || st.State != registrars.Completed || strings.Contains(st.Detail, "(registry: ") {
		t.Errorf("second status: %+v, %v", st, err)
	}
}

func TestFREDRefusesAnUnverifiedAddress(t *testing.T) {
	for _, c := range []epptest.Contact{person(false, ""), person(true, "Novak s.r.o.")} {
		f := start(t, epptest.Options{Dialect: epptest.FRED}, c)
		st, err := f.a.Submit(context.Background(), req)
		if err != nil || st.State != registrars.Rejected || !strings.Contains(st.Detail, "not possible here: addr") {
			t.Errorf("%+v: %+v, %v", c, st, err)
		}
		if f.changes() != 0 {
			t.Errorf("%d changes", f.changes())
		}
	}
}

func TestStatusOfAForeignReference(t *testing.T) {
	f := start(t, epptest.Options{}, person(false, ""))
	if _, err := f.a.Status(context.Background(), req, "task:4"); registrars.KindOf(err) != registrars.KindConfig {
		t.Errorf("err %v", err)
	}
	if err := f.a.Cancel(context.Background(), req, "contact:REG1"); registrars.KindOf(err) != registrars.KindRejected {
		t.Errorf("cancel: %v", err)
	}
}
