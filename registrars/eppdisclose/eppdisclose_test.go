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
	if opts.T == nil {
		opts.T = t
	}
	srv, cfg, err := epptest.Start(n, "epp.registry.test", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cfg.Timeout = 3 * time.Second
	registrant.ID = "REG-1"
	if err := srv.AddContact(registrant); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddDomain(epptest.Domain{Name: "novak.cz", Registrant: "REG-1"}); err != nil {
		t.Fatal(err)
	}
	a, err := eppdisclose.New(eppdisclose.Config{Name: "registry", EPP: cfg, TLDs: []string{"cz"}, Registrars: []string{"*"},
		FRED: opts.Dialect == epptest.FRED})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, a: a}
}

// changes counts the transform commands the registry carried out.
func (f *fixture) changes() int {
	n := 0
	for _, c := range f.srv.Calls() {
		if c.Changed() {
			n++
		}
	}
	return n
}

// updates are the result codes of the contact:update commands, in order.
func (f *fixture) updates() []int {
	var out []int
	for _, c := range f.srv.Calls() {
		if c.Command == "contact:update" {
			out = append(out, c.Code)
		}
	}
	return out
}

// acked are the ids of the poll messages acknowledged.
func (f *fixture) acked() []string {
	var out []string
	for _, c := range f.srv.Calls() {
		if c.Command == "poll:ack" && c.Code == 1000 {
			out = append(out, c.Object)
		}
	}
	return out
}

func person(verified bool, org string) epptest.Contact {
	return epptest.Contact{Name: "Jana Novak", Org: org, Street: []string{"Dlouha 1"}, City: "Praha", PC: "11000", CC: "CZ",
		Voice: "+420.123456789", Email: "jana@novak.test", Verified: verified}
}

var (
	ctx = context.Background()
	req = registrars.Request{ID: 3, Domain: registrars.Domain{Name: "novak.cz", Registrar: "any"}, Language: "en"}
)

// RFC 5733: name, organisation and address are hidden in every form of
// postal info the contact holds, whichever those are.
func TestRFC5733PostalTypes(t *testing.T) {
	for _, types := range [][]string{{"int"}, {"loc"}, {"int", "loc"}} {
		t.Run(strings.Join(types, "+"), func(t *testing.T) {
			c := person(false, "Novak s.r.o.")
			c.PostalTypes = types
			f := start(t, epptest.Options{}, c)
			if s := f.a.Serves(req.Domain); !s.OK || s.Partial {
				t.Errorf("Serves: %+v", s)
			}
			st, err := f.a.Submit(ctx, req)
			if err != nil || st.State != registrars.Completed || st.Reference != "contact:REG-1" || len(st.Public) != 0 {
				t.Fatalf("%+v, %v", st, err)
			}
			got, _ := f.srv.Contact("REG-1")
			for _, it := range []string{"name", "org", "addr", "voice", "email"} {
				if got.Public(it) {
					t.Errorf("%s still public after Submit (hidden: %v)", it, got.Hidden)
				}
			}
			for _, typ := range types {
				if got.Public("name:"+typ) || got.Public("addr:"+typ) {
					t.Errorf("the %s form is still public: hidden %v", typ, got.Hidden)
				}
			}
			if f.changes() != 1 {
				t.Errorf("%d changes, want one update: %+v", f.changes(), f.srv.Calls())
			}
			st, err = f.a.Submit(ctx, req)
			if err != nil || st.State != registrars.Completed || !strings.Contains(st.Detail, "already") || f.changes() != 1 {
				t.Errorf("repeat: %+v, %v, %d changes", st, err, f.changes())
			}
		})
	}
}

// A registry that refuses to hide some items (RFC 5730's 2306 and 2304,
// RFC 5733 section 2.9's 2308): the rest is hidden, and what stays public
// is the registry's ceiling, not a failure.
func TestRFC5733RefusalIsACeiling(t *testing.T) {
	refusals := map[string]int{"name": 2306, "org": 2308, "addr": 2304}
	c := person(false, "Novak s.r.o.")
	c.PostalTypes = []string{"int", "loc"}
	f := start(t, epptest.Options{DiscloseRefusals: refusals}, c)
	st, err := f.a.Submit(ctx, req)
	if err != nil {
		t.Fatalf("a refused item is no failure: %v", err)
	}
	wantPublic := []string{registrars.ItemName, registrars.ItemOrganisation, registrars.ItemAddress}
	if st.State != registrars.Completed || !slices.Equal(st.Public, wantPublic) ||
		!strings.Contains(st.Detail, "hidden: phone, e-mail") ||
		!strings.Contains(st.Detail, "keeps public: name, organisation, address (name 2306, organisation 2308, address 2304)") {
		t.Errorf("status %+v", st)
	}
	got, _ := f.srv.Contact("REG-1")
	if !slices.Equal(got.Hidden, []string{"email", "voice"}) {
		t.Errorf("hidden %v", got.Hidden)
	}
	// All at once (refused), then item by item: three refused, two done
	// (the contact has no fax).
	if u := f.updates(); !slices.Equal(u, []int{2306, 2306, 2308, 2304, 1000, 1000}) || f.changes() != 2 {
		t.Errorf("updates %v, %d changes", u, f.changes())
	}
	// A repeat finds the same ceiling and changes nothing.
	st, err = f.a.Submit(ctx, req)
	if err != nil || st.State != registrars.Completed || !slices.Equal(st.Public, wantPublic) || f.changes() != 2 {
		t.Errorf("repeat: %+v, %v, %d changes", st, err, f.changes())
	}
}

// A registry that will hide nothing at all refuses the request.
func TestRFC5733RefusesEverything(t *testing.T) {
	f := start(t, epptest.Options{DiscloseItems: []string{"fax"}}, person(false, ""))
	st, err := f.a.Submit(ctx, req)
	if err != nil || st.State != registrars.Rejected || !strings.Contains(st.Detail, "would hide none of: name, address, phone, e-mail") {
		t.Errorf("%+v, %v", st, err)
	}
	if f.changes() != 0 {
		t.Errorf("%d changes", f.changes())
	}
}

// FRED, a verified natural person: flag="0" hides everything adjustable
// at once (Disclosure_Examples.rst); the name stays public.
func TestFREDVerifiedPerson(t *testing.T) {
	c := person(true, "")
	c.Hidden = []string{} // everything shown
	f := start(t, epptest.Options{Dialect: epptest.FRED}, c)
	if s := f.a.Serves(req.Domain); !s.OK || !s.Partial {
		t.Errorf("Serves: %+v, want partial", s)
	}
	for lang, want := range map[string]string{"en": "Your name, and the name of your organisation, stay public", "nl": "Uw naam, en de naam van uw organisatie, blijven openbaar"} {
		if plan := strings.Join(f.a.Plan(registrars.Request{Language: lang}), " "); !strings.Contains(plan, want) {
			t.Errorf("plan %q does not say the name stays public", plan)
		}
	}
	st, err := f.a.Submit(ctx, req)
	if err != nil || st.State != registrars.Completed || !slices.Equal(st.Public, []string{registrars.ItemName}) ||
		!strings.Contains(st.Detail, "hidden: address, phone, e-mail") {
		t.Fatalf("%+v, %v", st, err)
	}
	if u := f.updates(); !slices.Equal(u, []int{1000}) {
		t.Errorf("updates %v, want one flag=0 answered 1000", u)
	}
	got, _ := f.srv.Contact("REG-1")
	for _, it := range []string{"addr", "voice", "fax", "email", "vat", "ident", "notifyEmail"} {
		if got.Public(it) {
			t.Errorf("%s still public", it)
		}
	}
	if !got.Public("name") {
		t.Error("FRED hid the name")
	}
}

// FRED, an unverified person or an organisation: flag="0" answers 2304;
// listing the address alone as shown hides the rest (1000), and the
// address is the registry's ceiling.
func TestFREDUnverifiedFallsBackToShowingTheAddress(t *testing.T) {
	for _, tc := range []struct {
		contact epptest.Contact
		public  []string
		why     string
	}{
		{person(false, ""), []string{registrars.ItemName, registrars.ItemAddress}, "until the contact is verified"},
		{person(true, "Novak s.r.o."), []string{registrars.ItemName, registrars.ItemOrganisation, registrars.ItemAddress}, "an organisation's address always"},
	} {
		tc.contact.Hidden = []string{}
		f := start(t, epptest.Options{Dialect: epptest.FRED}, tc.contact)
		st, err := f.a.Submit(ctx, req)
		if err != nil || st.State != registrars.Completed || !slices.Equal(st.Public, tc.public) ||
			!strings.Contains(st.Detail, "hidden: phone, e-mail, VAT number") || !strings.Contains(st.Detail, tc.why) {
			t.Errorf("%+v: %+v, %v", tc.contact, st, err)
		}
		if u := f.updates(); !slices.Equal(u, []int{2304, 1000}) {
			t.Errorf("updates %v, want 2304 then 1000", u)
		}
		got, _ := f.srv.Contact("REG-1")
		if !got.Public("addr") || got.Public("voice") || got.Public("email") || got.Public("notifyEmail") {
			t.Errorf("hidden %v", got.Hidden)
		}
		// A repeat: only the address is shown, which may not be hidden.
		st, err = f.a.Submit(ctx, req)
		if err != nil || st.State != registrars.Completed || !slices.Equal(st.Public, tc.public) || f.changes() != 1 {
			t.Errorf("repeat: %+v, %v, %d changes", st, err, f.changes())
		}
	}
}

// The registry hides a verified person's address itself and says so in a
// poll message; Status reads and acknowledges that message once, and
// leaves the registrar's other messages (a transfer, low credit:
// Poll_MessageTypes.rst) in the queue.
func TestFREDVerificationViaPollLeavesTheQueue(t *testing.T) {
	f := start(t, epptest.Options{Dialect: epptest.FRED}, person(false, ""))
	st, err := f.a.Submit(ctx, req)
	if err != nil || st.State != registrars.Completed || !slices.Contains(st.Public, registrars.ItemAddress) {
		t.Fatalf("%+v, %v", st, err)
	}
	// The holder is verified: the registry hides the address and queues
	// its message; then the account's own news arrives.
	if err := f.srv.Verify("REG-1"); err != nil {
		t.Fatal(err)
	}
	ours := f.srv.QueueIDs(epptest.DefaultClientID)
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	for _, data := range []string{epptest.FREDDomainTransfer("jinde.cz", "REG-OTHER", at), epptest.FREDLowCredit("cz", "5000.00", "4999.00")} {
		if err := f.srv.QueueMessage(epptest.DefaultClientID, "", data); err != nil {
			t.Fatal(err)
		}
	}
	foreign := f.srv.QueueIDs(epptest.DefaultClientID)[1:]

	st, err = f.a.Status(ctx, req, st.Reference)
	if err != nil || st.State != registrars.Completed || !slices.Equal(st.Public, []string{registrars.ItemName}) ||
		!strings.Contains(st.Detail, "(registry: updateData)") || !strings.Contains(st.Detail, "2 message(s)") {
		t.Fatalf("after verification: %+v, %v", st, err)
	}
	if !slices.Equal(f.acked(), ours) || !slices.Equal(f.srv.QueueIDs(epptest.DefaultClientID), foreign) {
		t.Errorf("acked %v (ours %v); queue %v, want %v", f.acked(), ours, f.srv.QueueIDs(epptest.DefaultClientID), foreign)
	}
	// Once: a second look acknowledges nothing more.
	st, err = f.a.Status(ctx, req, st.Reference)
	if err != nil || st.State != registrars.Completed || strings.Contains(st.Detail, "(registry: ") ||
		!slices.Equal(f.acked(), ours) || !slices.Equal(f.srv.QueueIDs(epptest.DefaultClientID), foreign) {
		t.Errorf("second status: %+v, %v; acked %v", st, err, f.acked())
	}
}

// A message about something else at the head of the queue stops the
// reading: it, and ours behind it, stay; the contact still tells the state.
func TestForeignMessageFirstStopsReading(t *testing.T) {
	for _, dialect := range []epptest.Dialect{epptest.FRED, epptest.RFC5733} {
		t.Run(dialect.String(), func(t *testing.T) {
			c := person(false, "")
			if dialect == epptest.FRED {
				c.Verified = true
			}
			f := start(t, epptest.Options{Dialect: dialect}, c)
			at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			text, data := "", epptest.FREDImpendingExpiry("jinde.cz", at)
			if dialect == epptest.RFC5733 {
				text, data = epptest.TextTransferRequested, epptest.IETFDomainTransfer("elders.test", "ClientX", epptest.DefaultClientID, at)
			}
			if err := f.srv.QueueMessage(epptest.DefaultClientID, text, data); err != nil {
				t.Fatal(err)
			}
			if err := f.srv.QueueMessage(epptest.DefaultClientID, "Low credit", ""); err != nil {
				t.Fatal(err)
			}
			st, err := f.a.Submit(ctx, req)
			if err != nil || st.State != registrars.Completed {
				t.Fatalf("%+v, %v", st, err)
			}
			if dialect == epptest.FRED {
				if err := f.srv.Verify("REG-1"); err != nil {
					t.Fatal(err)
				}
			}
			before := f.srv.QueueIDs(epptest.DefaultClientID)
			st, err = f.a.Status(ctx, req, st.Reference)
			if err != nil || st.State != registrars.Completed || !strings.Contains(st.Detail, "left there") {
				t.Errorf("status %+v, %v", st, err)
			}
			if len(f.acked()) != 0 || !slices.Equal(f.srv.QueueIDs(epptest.DefaultClientID), before) {
				t.Errorf("acked %v; queue %v, want %v", f.acked(), f.srv.QueueIDs(epptest.DefaultClientID), before)
			}
		})
	}
}

// RFC 5733: a message about our contact (panData, RFC 5733 section 3.3)
// is read and acknowledged; the rest stays.
func TestRFC5733StatusReadsOnlyOurMessages(t *testing.T) {
	f := start(t, epptest.Options{}, person(false, ""))
	st, err := f.a.Submit(ctx, req)
	if err != nil || st.State != registrars.Completed {
		t.Fatalf("%+v, %v", st, err)
	}
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	for _, m := range [][2]string{
		{epptest.TextPendingActionResult, epptest.IETFContactActionDone("REG-1", true, "SV-1", at)},
		{epptest.TextTransferRequested, epptest.IETFDomainTransfer("elders.test", "ClientX", epptest.DefaultClientID, at)},
		{"Low credit", ""},
	} {
		if err := f.srv.QueueMessage(epptest.DefaultClientID, m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	ids := f.srv.QueueIDs(epptest.DefaultClientID)
	st, err = f.a.Status(ctx, req, st.Reference)
	if err != nil || st.State != registrars.Completed || !strings.Contains(st.Detail, "(registry: panData)") {
		t.Errorf("status %+v, %v", st, err)
	}
	if !slices.Equal(f.acked(), ids[:1]) || !slices.Equal(f.srv.QueueIDs(epptest.DefaultClientID), ids[1:]) {
		t.Errorf("acked %v, queue %v", f.acked(), f.srv.QueueIDs(epptest.DefaultClientID))
	}
}

// A configuration that says FRED for a registry whose greeting does not
// (or the other way round) is a configuration error, found before any
// change.
func TestDialectMismatch(t *testing.T) {
	n, err := loopback.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	srv, ecfg, err := epptest.Start(n, "epp.other.test", epptest.Options{T: t})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	a, err := eppdisclose.New(eppdisclose.Config{Name: "cznic", EPP: ecfg, TLDs: []string{"cz"}, Registrars: []string{"*"}, FRED: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Submit(ctx, req); registrars.KindOf(err) != registrars.KindConfig || !strings.Contains(err.Error(), "fred") {
		t.Errorf("err %v", err)
	}
}

func TestStatusOfAForeignReference(t *testing.T) {
	f := start(t, epptest.Options{}, person(false, ""))
	if _, err := f.a.Status(ctx, req, "task:4"); registrars.KindOf(err) != registrars.KindConfig {
		t.Errorf("err %v", err)
	}
	if err := f.a.Cancel(ctx, req, "contact:REG-1"); registrars.KindOf(err) != registrars.KindRejected {
		t.Errorf("cancel: %v", err)
	}
}
