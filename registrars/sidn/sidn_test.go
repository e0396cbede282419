package sidn_test

import (
	"context"
	"errors"
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
	srv *epptest.Server
	cfg sidn.Config
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
	return &fixture{srv: srv, cfg: sidn.Config{EPP: cfg, Registrars: []string{"sidn"},
		Role: epp.Contact{Name: "Privacy desk", Org: "Hosting BV", Street: []string{"Dataweg 9"}, City: "Amsterdam",
			PC: "1000 AB", CC: "NL", Voice: "+31.201234567", Email: roleEmail}}}
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
	role, ok := f.srv.Contact(d.Contacts["admin"][0])
	if !ok || role.Email != roleEmail || role.Registrar != epptest.DefaultClientID {
		t.Errorf("admin contact %+v", role)
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

	// The next domain reuses the role contact, also from another process
	// (a new adapter derives the same contact id).
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
