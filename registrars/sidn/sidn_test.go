package sidn_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/loopback"
	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/epp"
	"github.com/afscherm/afscherm/registrars/epp/epptest"
	"github.com/afscherm/afscherm/registrars/sidn"
)

const roleEmail = "privacy@hosting.test"

type fixture struct {
	srv     *epptest.Server
	cfg     sidn.Config
	handles *handles
}

// handles keeps handles in memory, as the sidn.HandleStore contract asks
// (afscherm's store keeps them in the database; internal/store tests that
// on both backends, internal/requests the whole flow).
type handles struct {
	mu    sync.Mutex
	kept  map[string]string // party + " " + purpose → handle
	stale bool              // the next Get answers as before anything was kept
}

func (h *handles) Get(_ context.Context, party, purpose string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stale {
		h.stale = false
		return "", nil
	}
	return h.kept[party+" "+purpose], nil
}

func (h *handles) Put(_ context.Context, party, purpose, old, handle string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.kept[party+" "+purpose] == old {
		h.kept[party+" "+purpose] = handle
	}
	return h.kept[party+" "+purpose], nil
}

// only returns the one handle kept, or fails.
func (h *handles) only(t *testing.T) string {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.kept) != 1 {
		t.Fatalf("handles kept: %v, want one", h.kept)
	}
	for _, v := range h.kept {
		return v
	}
	return ""
}

// start serves a fake SIDN with two domains of one private customer who
// was recorded as a sole trader, with her own e-mail as administrative
// contact.
func start(t *testing.T) *fixture {
	t.Helper()
	n, err := loopback.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	srv, cfg, err := epptest.Start(n, "drs.sidn.test", epptest.Options{Dialect: epptest.SIDN})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cfg.Timeout = 3 * time.Second
	for _, c := range []epptest.Contact{
		{ID: "JAN001", Name: "Jan de Vries", Org: "De Vries Advies", Street: []string{"Kerkstraat 1"}, City: "Utrecht",
			PC: "3511 AA", CC: "NL", Voice: "+31.301234567", Email: "jan@devries.test", LegalForm: "EENMANSZAAK"},
		{ID: "JAN002", Name: "Jan de Vries", Street: []string{"Kerkstraat 1"}, City: "Utrecht", PC: "3511 AA", CC: "NL",
			Voice: "+31.301234567", Email: "jan@devries.test", LegalForm: "PERSOON"},
		{ID: "TECH01", Name: "Hosting BV", Org: "Hosting BV", Street: []string{"Dataweg 9"}, City: "Amsterdam", PC: "1000 AB",
			CC: "NL", Voice: "+31.201234567", Email: "tech@hosting.test", LegalForm: "BV"},
	} {
		if err := srv.AddContact(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"devries.nl", "devries-advies.nl"} {
		if err := srv.AddDomain(epptest.Domain{Name: name, Registrant: "JAN001",
			Contacts: map[string][]string{"admin": {"JAN002"}, "tech": {"TECH01"}}}); err != nil {
			t.Fatal(err)
		}
	}
	h := &handles{kept: map[string]string{}}
	return &fixture{srv: srv, handles: h, cfg: sidn.Config{EPP: cfg, Registrars: []string{"sidn"}, Handles: h,
		Role: epp.Contact{Name: "Privacy desk", Org: "Hosting BV", Street: []string{"Dataweg 9"}, City: "Amsterdam",
			PC: "1000 AB", CC: "NL", Voice: "+31.201234567", Email: roleEmail}}}
}

// creates counts the contacts created at SIDN.
func (f *fixture) creates() int {
	n := 0
	for _, c := range f.srv.Calls() {
		if c.Command == "contact:create" && c.Changed() {
			n++
		}
	}
	return n
}

func (f *fixture) adapter(t *testing.T) *sidn.Adapter {
	t.Helper()
	a, err := sidn.New(f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
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

func request(id int64, domain string, person bool) registrars.Request {
	return registrars.Request{ID: id, Domain: registrars.Domain{Name: domain, Registrar: "sidn"}, Language: "nl", Person: person}
}

func TestServes(t *testing.T) {
	f := start(t)
	a := f.adapter(t)
	for _, tc := range []struct {
		d  registrars.Domain
		ok bool
	}{
		{registrars.Domain{Name: "devries.nl", Registrar: "sidn"}, true},
		{registrars.Domain{Name: "devries.com", Registrar: "sidn"}, false},
		{registrars.Domain{Name: "devries.nl", Registrar: "openprovider"}, false},
	} {
		if s := a.Serves(tc.d); s.OK != tc.ok || s.Reason == "" || s.Partial {
			t.Errorf("Serves(%+v) = %+v, want OK %v with a reason", tc.d, s, tc.ok)
		}
	}
}

func TestSubmitMakesThePersonPrivateAndTheAdminTheRoleAddress(t *testing.T) {
	f := start(t)
	a := f.adapter(t)
	ctx := context.Background()
	st, err := a.Submit(ctx, request(7, "devries.nl", true))
	if err != nil {
		t.Fatal(err)
	}
	if st.State != registrars.Completed || !strings.Contains(st.Detail, "private person") || !strings.Contains(st.Detail, "role address") {
		t.Errorf("status %+v", st)
	}
	reg, _ := f.srv.Contact("JAN001")
	if reg.LegalForm != epp.LegalFormPerson {
		t.Errorf("registrant's legal form %q, want %s", reg.LegalForm, epp.LegalFormPerson)
	}
	d, _ := f.srv.Domain("devries.nl")
	if len(d.Contacts["admin"]) != 1 || d.Contacts["admin"][0] == "JAN002" {
		t.Fatalf("admin contacts %v, want the role contact alone", d.Contacts["admin"])
	}
	// The admin is the contact SIDN made, under the handle SIDN gave it
	// and the adapter kept; the company's name is its name, the desk its
	// department (REGISTRIES.md, SIDN).
	handle := f.handles.only(t)
	if d.Contacts["admin"][0] != handle || !handleForm.MatchString(handle) {
		t.Errorf("admin %v, kept handle %q: want the one SIDN assigned, of its form", d.Contacts["admin"], handle)
	}
	role, ok := f.srv.Contact(handle)
	if !ok || role.Email != roleEmail || role.Registrar != epptest.DefaultClientID || role.LegalForm != "BV" {
		t.Errorf("admin contact %+v", role)
	}
	if role.Name != "Hosting BV" || role.Org != "Privacy desk" {
		t.Errorf("role contact recorded as name %q, org %q; want the company as name, the desk as org", role.Name, role.Org)
	}
	if d.Contacts["tech"][0] != "TECH01" {
		t.Errorf("tech contact changed: %v", d.Contacts["tech"])
	}
	if n := f.changes(); n != 3 {
		t.Errorf("%d changes (legal form, role contact, domain), want 3: %+v", n, f.srv.Calls())
	}

	// A repeat, as after a crash before the answer was recorded, finds
	// the work done and changes nothing.
	st, err = a.Submit(ctx, request(7, "devries.nl", true))
	if err != nil || st.State != registrars.Completed || !strings.Contains(st.Detail, "nothing to change") {
		t.Errorf("repeat: %+v, %v", st, err)
	}
	if n := f.changes(); n != 3 {
		t.Errorf("repeat made changes: %d", n)
	}

	// The next request reuses the role contact, also from another
	// process (a new adapter, the same store): one contact:create only.
	st, err = f.adapter(t).Submit(ctx, request(8, "devries-advies.nl", true))
	if err != nil || st.State != registrars.Completed {
		t.Fatalf("second domain: %+v, %v", st, err)
	}
	d2, _ := f.srv.Domain("devries-advies.nl")
	if d2.Contacts["admin"][0] != d.Contacts["admin"][0] {
		t.Errorf("second domain's admin %v, want the same role contact %v", d2.Contacts["admin"], d.Contacts["admin"])
	}
	if n := f.changes(); n != 4 {
		t.Errorf("%d changes, want 4 (one domain update more)", n)
	}
	if n := f.creates(); n != 1 {
		t.Errorf("%d contacts created at SIDN, want 1", n)
	}
}

// handleForm is SIDN's form of a handle (Net::DRI_SIDN.t, F0001).
var handleForm = regexp.MustCompile(`^[A-Z]{3}[0-9]{6}-[A-Z0-9]{5}$`)

// When SIDN no longer has the kept handle (2303 when it is used, and on
// contact:info), the role contact is created anew and its new handle
// replaces the old one; the next request uses the new one.
func TestRoleContactIsCreatedAnewWhenSIDNHasItNoMore(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	a := f.adapter(t)
	if _, err := a.Submit(ctx, request(20, "devries.nl", true)); err != nil {
		t.Fatal(err)
	}
	first := f.handles.only(t)
	// The holder cancels the domain; SIDN then has no use for the role
	// contact and deletes it.
	if err := f.srv.DeleteDomain("devries.nl"); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.DeleteContact(first); err != nil {
		t.Fatal(err)
	}
	st, err := a.Submit(ctx, request(21, "devries-advies.nl", true))
	if err != nil || st.State != registrars.Completed {
		t.Fatalf("%+v, %v", st, err)
	}
	second := f.handles.only(t)
	d, _ := f.srv.Domain("devries-advies.nl")
	if second == first || !handleForm.MatchString(second) || d.Contacts["admin"][0] != second {
		t.Errorf("kept %q (was %q), admin %v; want a new handle, in use", second, first, d.Contacts["admin"])
	}
	var refused []epptest.Call
	for _, c := range f.srv.Calls() {
		if c.Code == 2303 {
			refused = append(refused, c)
		}
	}
	if len(refused) != 2 || refused[0].Command != "domain:update" || refused[1].Command != "contact:info" || refused[1].Object != first {
		t.Errorf("refusals %+v, want the domain:update and the contact:info of the old handle", refused)
	}
	if n := f.creates(); n != 2 {
		t.Errorf("%d contacts created, want 2", n)
	}
}

// Another process kept a handle while this one was creating its own: this
// one goes on with the kept handle, and its own contact stays unused.
func TestRoleContactRaceKeepsOne(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	if _, err := f.adapter(t).Submit(ctx, request(30, "devries.nl", true)); err != nil {
		t.Fatal(err)
	}
	kept := f.handles.only(t)
	f.handles.stale = true // this process read the store before the other one put its handle
	if _, err := f.adapter(t).Submit(ctx, request(31, "devries-advies.nl", true)); err != nil {
		t.Fatal(err)
	}
	d, _ := f.srv.Domain("devries-advies.nl")
	if d.Contacts["admin"][0] != kept || f.handles.only(t) != kept || f.creates() != 2 {
		t.Errorf("admin %v, kept %s, %d creates; want the first handle everywhere (and one spare contact)",
			d.Contacts["admin"], f.handles.only(t), f.creates())
	}
}

// A role contact SIDN would refuse is refused when the configuration is
// read, with the field named: a phone number always, a postal code in NL
// (Net::DRI's SIDN contact profile), the organisation for a company.
func TestRoleContactCheckedAtConfiguration(t *testing.T) {
	f := start(t)
	for name, tc := range map[string]struct {
		change func(*epp.Contact)
		want   string
	}{
		"no phone":        {func(c *epp.Contact) { c.Voice = "" }, "voice: SIDN requires a phone number"},
		"phone form":      {func(c *epp.Contact) { c.Voice = "020 1234567" }, "voice:"},
		"no postal code":  {func(c *epp.Contact) { c.PC = "" }, "pc: SIDN requires a postal code"},
		"company no org":  {func(c *epp.Contact) { c.Org = "" }, "org: the organisation's name is required"},
		"unknown form":    {func(c *epp.Contact) { c.LegalForm = "KOOPMAN" }, "legalForm:"},
		"lower-case land": {func(c *epp.Contact) { c.CC = "nl" }, "cc:"},
	} {
		cfg := f.cfg
		cfg.Role.Street = slices.Clone(cfg.Role.Street)
		tc.change(&cfg.Role)
		_, err := sidn.New(cfg)
		if registrars.KindOf(err) != registrars.KindConfig || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a configuration error with %q", name, err, tc.want)
		}
	}
	// Outside NL no postal code is needed; a natural person needs no org.
	cfg := f.cfg
	cfg.Role.PC, cfg.Role.CC = "", "BE"
	if _, err := sidn.New(cfg); err != nil {
		t.Errorf("Belgian address without postal code: %v", err)
	}
	cfg = f.cfg
	cfg.Role.Org, cfg.Role.LegalForm = "", epp.LegalFormPerson
	if _, err := sidn.New(cfg); err != nil {
		t.Errorf("a natural person without org: %v", err)
	}
	cfg = f.cfg
	cfg.Handles = nil
	if _, err := sidn.New(cfg); registrars.KindOf(err) != registrars.KindConfig {
		t.Errorf("without a handle store: %v", err)
	}
}

// The adapter logs in with the services of SIDN's greeting that it uses:
// the domain and contact objects and SIDN's extension, not host,
// secDNS, scheduled delete or the others SIDN offers.
func TestLoginSelectsWhatTheAdapterUses(t *testing.T) {
	f := start(t)
	if _, err := f.adapter(t).Submit(context.Background(), request(40, "devries.nl", false)); err != nil {
		t.Fatal(err)
	}
	c, err := epp.Dial(context.Background(), f.cfg.EPP)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g := c.Greeting()
	for _, u := range []string{epp.NSHost, "urn:ietf:params:xml:ns:secDNS-1.1", "http://rxsd.domain-registry.nl/sidn-ext-epp-scheduled-delete-1.0"} {
		if !g.Offers(u) {
			t.Errorf("SIDN's greeting lacks %s", u)
		}
	}
	if !c.HasExtension(epp.NSSIDN) || c.HasExtension("urn:ietf:params:xml:ns:secDNS-1.1") || c.ContactNamespace() != epp.NSContact {
		t.Errorf("session: SIDN extension %v, secDNS %v, contact %s", c.HasExtension(epp.NSSIDN),
			c.HasExtension("urn:ietf:params:xml:ns:secDNS-1.1"), c.ContactNamespace())
	}
	for _, call := range f.srv.Calls() {
		if call.Command == "login" && call.Code != 1000 {
			t.Errorf("login refused: %+v", call)
		}
	}
}

func TestSubmitLeavesAnOrganisationsLegalForm(t *testing.T) {
	f := start(t)
	st, err := f.adapter(t).Submit(context.Background(), request(9, "devries.nl", false))
	if err != nil || st.State != registrars.Completed {
		t.Fatalf("%+v, %v", st, err)
	}
	if reg, _ := f.srv.Contact("JAN001"); reg.LegalForm != "EENMANSZAAK" {
		t.Errorf("legal form %q changed for a customer who is not a natural person", reg.LegalForm)
	}
	if strings.Contains(st.Detail, "private person") {
		t.Errorf("detail %q", st.Detail)
	}
}

func TestSubmitErrors(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	_, err := f.adapter(t).Submit(ctx, request(10, "unknown.nl", true))
	var e *registrars.Error
	if !errors.As(err, &e) || e.Kind != registrars.KindRejected || e.Code != "2303" || e.Party != sidn.Party {
		t.Errorf("unknown domain: %v, want a rejection 2303", err)
	}
	bad := f.cfg
	bad.EPP.Password = "wrong-password-1"
	a, _ := sidn.New(bad)
	_, err = a.Submit(ctx, request(11, "devries.nl", true))
	if registrars.KindOf(err) != registrars.KindConfig || strings.Contains(err.Error(), "wrong-password-1") {
		t.Errorf("wrong password: %v, want a configuration error without the password", err)
	}
	if n := f.changes(); n != 0 {
		t.Errorf("%d changes after failures", n)
	}
	if _, err := sidn.New(sidn.Config{EPP: f.cfg.EPP}); registrars.KindOf(err) != registrars.KindConfig {
		t.Errorf("no role contact: %v", err)
	}
}

// tasks keeps tasks in memory, as the manual.Tasks contract asks.
type tasks struct {
	mu    sync.Mutex
	state map[int64]string // request id → "open", "done", "cancelled"
}

func (m *tasks) EnsureTask(_ context.Context, requestID int64, _, _, _ string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.state[requestID]; !ok {
		m.state[requestID] = "open"
	}
	return requestID, nil
}

func (m *tasks) TaskState(_ context.Context, id int64) (bool, bool, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state[id] == "done", m.state[id] == "cancelled", "granted", nil
}

func (m *tasks) CancelTask(_ context.Context, id int64) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state[id] != "open" {
		return false, nil
	}
	m.state[id] = "cancelled"
	return true, nil
}

func TestOptOut(t *testing.T) {
	f := start(t)
	tk := &tasks{state: map[int64]string{}}
	type mail struct{ key, to, body string }
	var sent []mail
	f.cfg.OptOut = &sidn.OptOut{To: "optout@sidn.test", Tasks: tk,
		Mail: func(_ context.Context, _ int64, key, to, _, body string) error {
			sent = append(sent, mail{key, to, body})
			return nil
		}}
	a := f.adapter(t)
	ctx := context.Background()
	r := request(12, "devries.nl", true)
	r.Reasons = "Ik werk vanuit huis en wil mijn adres niet openbaar."
	st, err := a.Submit(ctx, r)
	if err != nil || st.State != registrars.Pending || !strings.HasPrefix(st.Reference, "optout:") {
		t.Fatalf("%+v, %v", st, err)
	}
	if d := time.Until(st.Deadline); d < 20*24*time.Hour || d > 22*24*time.Hour {
		t.Errorf("deadline in %v, want three weeks", d)
	}
	if len(sent) != 1 || sent[0].to != "optout@sidn.test" || sent[0].key != r.IdempotencyKey()+"-optout" ||
		!strings.Contains(sent[0].body, r.Reasons) || !strings.Contains(sent[0].body, "devries.nl") {
		t.Fatalf("mail %+v", sent)
	}
	if st, err := a.Status(ctx, r, st.Reference); err != nil || st.State != registrars.Pending {
		t.Errorf("before SIDN decides: %+v, %v", st, err)
	}
	tk.state[12] = "done"
	if st, err := a.Status(ctx, r, st.Reference); err != nil || st.State != registrars.Completed {
		t.Errorf("granted: %+v, %v", st, err)
	}

	// A refusal: staff cancel the task.
	r2 := request(13, "devries-advies.nl", true)
	r2.Reasons = "Zelfde reden."
	st2, err := a.Submit(ctx, r2)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Cancel(ctx, r2, st2.Reference); err != nil {
		t.Fatal(err)
	}
	if st, err := a.Status(ctx, r2, st2.Reference); err != nil || st.State != registrars.Rejected {
		t.Errorf("refused: %+v, %v", st, err)
	}
	if err := a.Cancel(ctx, r2, st2.Reference); registrars.KindOf(err) != registrars.KindRejected {
		t.Errorf("second cancel: %v", err)
	}
	if err := a.Cancel(ctx, r, "epp"); registrars.KindOf(err) != registrars.KindRejected {
		t.Errorf("cancel of done EPP changes: %v", err)
	}
}
