package epp_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/epp"
	"github.com/afscherm/afscherm/registrars/epp/epptest"
)

var ctx = context.Background()

func TestDomainAndContactInfo(t *testing.T) {
	f := start(t, epptest.Options{})
	org := person("ORG1")
	org.Name, org.Org = "Piet Pieters", "Pieters Webdesign"
	mustAdd(t, f.srv, []epptest.Contact{person("JJ01"), org},
		epptest.Domain{Name: "example.nl", Registrant: "JJ01",
			Contacts: map[string][]string{"admin": {"JJ01"}, "tech": {"ORG1"}}})
	c := f.dial(t)
	d, err := c.DomainInfo(ctx, "example.nl")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "example.nl" || d.Registrant != "JJ01" || d.Sponsor != epptest.DefaultClientID ||
		!slices.Equal(d.Contacts["admin"], []string{"JJ01"}) || !slices.Equal(d.Contacts["tech"], []string{"ORG1"}) ||
		!slices.Equal(d.Statuses, []string{"ok"}) || d.ROID == "" {
		t.Errorf("domain %+v", d)
	}
	ct, err := c.ContactInfo(ctx, "ORG1")
	if err != nil {
		t.Fatal(err)
	}
	want := epp.Contact{ID: "ORG1", Name: "Piet Pieters", Org: "Pieters Webdesign", Street: []string{"Dorpsstraat 1"},
		City: "Utrecht", PC: "3511AA", CC: "NL", Voice: "+31.301234567", Email: "jan@example.nl", Sponsor: epptest.DefaultClientID}
	ct.ROID, ct.Statuses = "", nil
	if !contactEqual(ct, want) {
		t.Errorf("contact\n got %+v\nwant %+v", ct, want)
	}
	if ct.Disclose != nil {
		t.Errorf("nothing hidden, yet disclose %+v", ct.Disclose)
	}
}

func contactEqual(a, b epp.Contact) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Org == b.Org && slices.Equal(a.Street, b.Street) && a.City == b.City &&
		a.SP == b.SP && a.PC == b.PC && a.CC == b.CC && a.Voice == b.Voice && a.Fax == b.Fax && a.Email == b.Email &&
		a.Sponsor == b.Sponsor && a.LegalForm == b.LegalForm
}

func TestObjectErrors(t *testing.T) {
	f := start(t, epptest.Options{Registrars: map[string]string{"ours": "password-ours", "theirs": "password-theirs"}})
	mine, theirs := person("MINE1"), person("THEIRS1")
	mine.Registrar, theirs.Registrar = "ours", "theirs"
	mustAdd(t, f.srv, []epptest.Contact{mine, theirs},
		epptest.Domain{Name: "theirs.nl", Registrant: "THEIRS1", Registrar: "theirs"})
	f.cfg.ClientID, f.cfg.Password = "ours", "password-ours"
	c := f.dial(t)
	for _, tc := range []struct {
		name string
		call func() error
		code int
		kind registrars.ErrorKind
	}{
		{"other registrar's domain", func() error { _, err := c.DomainInfo(ctx, "theirs.nl"); return err }, 2201, registrars.KindConfig},
		{"other registrar's contact", func() error { _, err := c.ContactInfo(ctx, "THEIRS1"); return err }, 2201, registrars.KindConfig},
		{"update other registrar's domain", func() error {
			_, err := c.DomainUpdateContacts(ctx, "theirs.nl", []epp.DomainContact{{Type: "admin", ID: "MINE1"}}, nil)
			return err
		}, 2201, registrars.KindConfig},
		{"unknown domain", func() error { _, err := c.DomainInfo(ctx, "nothing.nl"); return err }, 2303, registrars.KindRejected},
		{"unknown contact", func() error { _, err := c.ContactInfo(ctx, "NOBODY"); return err }, 2303, registrars.KindRejected},
		{"existing contact", func() error { _, err := c.ContactCreate(ctx, epp.Contact(contactFrom(mine))); return err }, 2302, registrars.KindRejected},
	} {
		err := tc.call()
		var re *epp.ResultError
		if !errors.As(err, &re) || re.Code != tc.code || len(re.Reasons) == 0 {
			t.Errorf("%s: err = %v, want %d with a reason", tc.name, err, tc.code)
			continue
		}
		if k := registrars.KindOf(epp.AdapterError("x", err)); k != tc.kind {
			t.Errorf("%s: kind %s, want %s", tc.name, k, tc.kind)
		}
	}
	// Refusals do not end the session.
	if _, err := c.ContactInfo(ctx, "MINE1"); err != nil {
		t.Errorf("after refusals: %v", err)
	}
	for _, call := range f.srv.Calls() {
		if call.Changed() {
			t.Errorf("a refused command changed something: %+v", call)
		}
	}
}

func contactFrom(c epptest.Contact) epp.Contact {
	return epp.Contact{ID: c.ID, Name: c.Name, Org: c.Org, Street: c.Street, City: c.City, PC: c.PC, CC: c.CC,
		Voice: c.Voice, Email: c.Email, AuthInfo: "Contact-pw-1"}
}

func TestDiscloseRFC5733(t *testing.T) {
	var changed []string
	var mu sync.Mutex
	f := start(t, epptest.Options{OnChange: func(d string) { mu.Lock(); changed = append(changed, d); mu.Unlock() }})
	mustAdd(t, f.srv, []epptest.Contact{person("JJ01")}, epptest.Domain{Name: "example.org", Registrant: "JJ01"})
	c, rec := f.dialRecorded(t)
	items := []string{epp.DiscloseEmail, epp.DiscloseName, epp.DiscloseAddr, epp.DiscloseVoice, epp.DiscloseFax, epp.DiscloseOrg}
	res, err := c.ContactUpdateDisclose(ctx, "JJ01", false, items)
	if err != nil || res.Code != 1000 || res.Pending() {
		t.Fatalf("update: %+v, %v", res, err)
	}
	frames := rec.sent()
	sent := frames[len(frames)-1]
	wantXML := `<contact:chg><contact:disclose flag="0"><contact:name type="loc"/><contact:org type="loc"/>` +
		`<contact:addr type="loc"/><contact:voice/><contact:fax/><contact:email/></contact:disclose></contact:chg>`
	if !strings.Contains(sent, wantXML) || !strings.Contains(sent, `xmlns:contact="`+epp.NSContact+`"`) {
		t.Errorf("frame\n%s\nlacks\n%s", sent, wantXML)
	}
	got, _ := f.srv.Contact("JJ01")
	for _, it := range items {
		if got.Public(it) {
			t.Errorf("%s still public", it)
		}
	}
	ct, err := c.ContactInfo(ctx, "JJ01")
	if err != nil {
		t.Fatal(err)
	}
	if ct.Disclose == nil || ct.Disclose.Flag ||
		!slices.Equal(ct.Disclose.Items, []string{"name", "org", "addr", "voice", "fax", "email"}) {
		t.Errorf("disclose %+v", ct.Disclose)
	}
	mu.Lock()
	if !slices.Equal(changed, []string{"example.org"}) {
		t.Errorf("OnChange got %v", changed)
	}
	mu.Unlock()

	// Publishing again.
	if _, err := c.ContactUpdateDisclose(ctx, "JJ01", true, []string{epp.DiscloseEmail}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.srv.Contact("JJ01"); !got.Public("email") || got.Public("voice") {
		t.Errorf("after flag=1 email: hidden %v", got.Hidden)
	}
	// An item this client cannot express is refused before sending.
	n := len(rec.sent())
	if _, err := c.ContactUpdateDisclose(ctx, "JJ01", false, []string{epp.DiscloseVAT}); !errors.Is(err, epp.ErrInvalid) {
		t.Errorf("vat on RFC 5733: %v, want ErrInvalid", err)
	}
	if len(rec.sent()) != n {
		t.Error("an invalid request was sent")
	}
}

func TestDiscloseUnsupportedItem(t *testing.T) {
	f := start(t, epptest.Options{DiscloseItems: []string{"voice", "fax", "email"}})
	mustAdd(t, f.srv, []epptest.Contact{person("JJ01")})
	c := f.dial(t)
	_, err := c.ContactUpdateDisclose(ctx, "JJ01", false, []string{epp.DiscloseName, epp.DiscloseEmail})
	if epp.Code(err) != epp.CodeValuePolicy {
		t.Fatalf("err = %v, want 2306", err)
	}
	var re *registrars.Error
	if !errors.As(epp.AdapterError("x", err), &re) || re.Kind != registrars.KindRejected || re.Code != "2306" {
		t.Errorf("adapter error %+v", re)
	}
	if got, _ := f.srv.Contact("JJ01"); !got.Public("email") {
		t.Error("a refused update hid the e-mail address anyway")
	}
	if _, err := c.ContactUpdateDisclose(ctx, "JJ01", false, []string{epp.DiscloseEmail, epp.DiscloseVoice}); err != nil {
		t.Errorf("supported items: %v", err)
	}
}

func fredContacts() []epptest.Contact {
	natural := person("CID-NAT")
	natural.CC = "CZ"
	verified := person("CID-VER")
	verified.Verified = true
	company := person("CID-ORG")
	company.Org, company.Verified = "Firma s.r.o.", true
	return []epptest.Contact{natural, verified, company}
}

func TestDiscloseFRED(t *testing.T) {
	changed := make(chan string, 10)
	f := start(t, epptest.Options{Dialect: epptest.FRED, HideDelay: time.Hour,
		OnChange: func(d string) { changed <- d }})
	mustAdd(t, f.srv, fredContacts(),
		epptest.Domain{Name: "priklad.cz", Registrant: "CID-VER", Contacts: map[string][]string{"admin": {"CID-NAT"}}})
	c, rec := f.dialRecorded(t)
	if c.ContactNamespace() != epptest.NSFREDContact || !c.Greeting().DCP.HidesByDefault() {
		t.Fatalf("contact namespace %q, dcp %+v", c.ContactNamespace(), c.Greeting().DCP)
	}

	d, err := c.DomainInfo(ctx, "priklad.cz")
	if err != nil || d.Registrant != "CID-VER" || !slices.Equal(d.Contacts["admin"], []string{"CID-NAT"}) {
		t.Fatalf("domain %+v, %v", d, err)
	}
	// On creation FRED shows the address only.
	ct, err := c.ContactInfo(ctx, "CID-VER")
	if err != nil {
		t.Fatal(err)
	}
	if ct.Disclose == nil || !ct.Disclose.Flag || !slices.Equal(ct.Disclose.Items, []string{"addr"}) ||
		!slices.Contains(ct.Statuses, "identifiedContact") {
		t.Errorf("contact %+v disclose %+v", ct, ct.Disclose)
	}

	// Name and organisation cannot even be named.
	if _, err := c.ContactUpdateDisclose(ctx, "CID-VER", false, []string{epp.DiscloseName}); !errors.Is(err, epp.ErrInvalid) {
		t.Errorf("name on FRED: %v, want ErrInvalid", err)
	}

	// An unverified person, and an organisation, may not hide the address.
	for _, id := range []string{"CID-NAT", "CID-ORG"} {
		_, err := c.ContactUpdateDisclose(ctx, id, false, nil)
		if epp.Code(err) != epp.CodeStatusProhibits {
			t.Errorf("%s: err = %v, want 2304", id, err)
		}
		if k := registrars.KindOf(epp.AdapterError("cznic", err)); k != registrars.KindRejected {
			t.Errorf("%s: kind %s", id, k)
		}
		if got, _ := f.srv.Contact(id); !got.Public("addr") {
			t.Errorf("%s: address hidden after 2304", id)
		}
	}
	// Showing the address explicitly is fine for anyone.
	if res, err := c.ContactUpdateDisclose(ctx, "CID-NAT", true, []string{epp.DiscloseAddr}); err != nil || res.Code != 1000 {
		t.Errorf("show addr: %+v, %v", res, err)
	}

	// A verified natural person: accepted, pending.
	res, err := c.ContactUpdateDisclose(ctx, "CID-VER", false, []string{epp.DiscloseAddr, epp.DiscloseVoice, epp.DiscloseEmail})
	if err != nil || !res.Pending() {
		t.Fatalf("verified person: %+v, %v", res, err)
	}
	frames := rec.sent()
	if sent := frames[len(frames)-1]; !strings.Contains(sent, `xmlns:contact="`+epptest.NSFREDContact+`"`) ||
		!strings.Contains(sent, `<contact:disclose flag="0"><contact:addr/><contact:voice/><contact:email/></contact:disclose>`) {
		t.Errorf("frame %s", sent)
	}
	got, _ := f.srv.Contact("CID-VER")
	if !got.Public("addr") || !got.AddrHidePending || got.Public("voice") || !got.Public("name") {
		t.Errorf("right after 1001: %+v", got)
	}
	if m, err := c.Poll(ctx); err != nil || m != nil {
		t.Fatalf("poll before the registry acted: %+v, %v", m, err)
	}

	f.srv.CompletePending()
	got, _ = f.srv.Contact("CID-VER")
	if got.Public("addr") || got.AddrHidePending {
		t.Errorf("after the registry acted: %+v", got)
	}
	select {
	case d := <-changed:
		if d != "priklad.cz" {
			t.Errorf("OnChange(%q)", d)
		}
	case <-time.After(time.Second):
		t.Error("OnChange not called")
	}
	ct, _ = c.ContactInfo(ctx, "CID-VER")
	if ct.Disclose == nil || !ct.Disclose.Flag || len(ct.Disclose.Items) != 0 {
		t.Errorf("disclose after hiding %+v", ct.Disclose)
	}

	m, err := c.Poll(ctx)
	if err != nil || m == nil {
		t.Fatalf("poll: %+v, %v", m, err)
	}
	if m.Count != 1 || m.ID == "" || m.Date.IsZero() || len(m.Data) != 1 ||
		!m.Data[0].Is(epptest.NSFREDContact, "updateData") ||
		m.Data[0].Path(epptest.NSFREDContact, "newData", "infData", "id").Value() != "CID-VER" ||
		!strings.HasPrefix(m.Raw, `<updateData xmlns="`+epptest.NSFREDContact+`">`) {
		t.Errorf("message %+v", m)
	}
	if newD := m.Data[0].Path(epptest.NSFREDContact, "newData", "infData", "disclose"); newD == nil || len(newD.Children) != 0 {
		t.Errorf("new disclose in message: %+v", newD)
	}
	if _, err := c.PollAck(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if m, err := c.Poll(ctx); err != nil || m != nil {
		t.Errorf("queue not empty after ack: %+v, %v", m, err)
	}
	if _, err := c.PollAck(ctx, m2id(m)); epp.Code(err) != epp.CodeObjectNotFound {
		t.Errorf("ack of an unknown message: %v", err)
	}
}

func m2id(m *epp.Message) string {
	if m == nil {
		return "999999"
	}
	return m.ID
}

// With a delay and no further command, the registry still acts on its own
// and tells the listeners.
func TestFREDHidesAfterDelay(t *testing.T) {
	changed := make(chan string, 1)
	f := start(t, epptest.Options{Dialect: epptest.FRED, HideDelay: 30 * time.Millisecond,
		OnChange: func(d string) { changed <- d }})
	mustAdd(t, f.srv, fredContacts(), epptest.Domain{Name: "priklad.cz", Registrant: "CID-VER"})
	c := f.dial(t)
	if res, err := c.ContactUpdateDisclose(ctx, "CID-VER", false, nil); err != nil || !res.Pending() {
		t.Fatalf("%+v, %v", res, err)
	}
	select {
	case <-changed:
	case <-time.After(2 * time.Second):
		t.Fatal("address never hidden")
	}
	if got, _ := f.srv.Contact("CID-VER"); got.Public("addr") {
		t.Error("OnChange before the change")
	}
	if f.srv.QueueLen(epptest.DefaultClientID) != 1 {
		t.Error("no poll message")
	}
}

func TestSIDN(t *testing.T) {
	changed := make(chan string, 10)
	f := start(t, epptest.Options{Dialect: epptest.SIDN, OnChange: func(d string) { changed <- d }})
	owner := person("JAN001-AFS")
	owner.LegalForm = "EENMANSZAAK"
	mustAdd(t, f.srv, []epptest.Contact{owner},
		epptest.Domain{Name: "voorbeeld.nl", Registrant: "JAN001-AFS",
			Contacts: map[string][]string{"admin": {"JAN001-AFS"}, "tech": {"JAN001-AFS"}}})
	c, rec := f.dialRecorded(t)

	ct, err := c.ContactInfo(ctx, "JAN001-AFS")
	if err != nil || ct.LegalForm != "EENMANSZAAK" || ct.Disclose != nil {
		t.Fatalf("contact %+v, %v", ct, err)
	}
	res, err := c.ContactUpdateLegalForm(ctx, "JAN001-AFS", epp.LegalFormPerson, "")
	if err != nil || res.Code != 1000 {
		t.Fatalf("legal form: %+v, %v", res, err)
	}
	frames := rec.sent()
	want := `<extension><sidn-ext-epp:ext xmlns:sidn-ext-epp="` + epp.NSSIDN + `"><sidn-ext-epp:update><sidn-ext-epp:contact>` +
		`<sidn-ext-epp:legalForm>PERSOON</sidn-ext-epp:legalForm></sidn-ext-epp:contact></sidn-ext-epp:update></sidn-ext-epp:ext></extension>`
	if sent := frames[len(frames)-1]; !strings.Contains(sent, want) {
		t.Errorf("frame %s\nlacks %s", sent, want)
	}
	if ct, _ := c.ContactInfo(ctx, "JAN001-AFS"); ct.LegalForm != "PERSOON" {
		t.Errorf("legal form after update %q", ct.LegalForm)
	}
	if got := <-changed; got != "voorbeeld.nl" {
		t.Errorf("OnChange(%q)", got)
	}

	// No disclose flags at SIDN.
	_, err = c.ContactUpdateDisclose(ctx, "JAN001-AFS", false, []string{epp.DiscloseEmail})
	var re *epp.ResultError
	if !errors.As(err, &re) || re.Code != epp.CodeUnimplementedOpt || len(re.Reasons) == 0 {
		t.Errorf("disclose at SIDN: %v", err)
	}
	if k := registrars.KindOf(epp.AdapterError("sidn", err)); k != registrars.KindRejected {
		t.Errorf("kind %s", k)
	}
	// An unknown legal form breaks SIDN's schema.
	if _, err := c.ContactUpdateLegalForm(ctx, "JAN001-AFS", "KOOPMAN", ""); epp.Code(err) != epp.CodeSyntax {
		t.Errorf("unknown legal form: %v, want 2001", err)
	}

	// Replace the admin contact by a role contact.
	role := epp.Contact{ID: "ROLE01-AFS", Name: "Hostingbedrijf BV", Org: "Hostingbedrijf BV", Street: []string{"Kade 5"},
		City: "Amsterdam", PC: "1011AA", CC: "NL", Voice: "+31.201234567", Email: "domeinen@hosting.example", LegalForm: "BV"}
	if res, err := c.ContactCreate(ctx, role); err != nil || res.Code != 1000 {
		t.Fatalf("create role contact: %+v, %v", res, err)
	}
	if got, ok := f.srv.Contact("ROLE01-AFS"); !ok || got.LegalForm != "BV" || got.Registrar != epptest.DefaultClientID {
		t.Errorf("created contact %+v", got)
	}
	// SIDN wants exactly one admin contact: adding alone is refused.
	_, err = c.DomainUpdateContacts(ctx, "voorbeeld.nl", []epp.DomainContact{{Type: "admin", ID: "ROLE01-AFS"}}, nil)
	if epp.Code(err) != epp.CodeDataMgmtPolicy {
		t.Errorf("second admin: %v, want 2308", err)
	}
	res, err = c.DomainUpdateContacts(ctx, "voorbeeld.nl",
		[]epp.DomainContact{{Type: "admin", ID: "ROLE01-AFS"}}, []epp.DomainContact{{Type: "admin", ID: "JAN001-AFS"}})
	if err != nil || res.Code != 1000 {
		t.Fatalf("replace admin: %+v, %v", res, err)
	}
	d, _ := c.DomainInfo(ctx, "voorbeeld.nl")
	if !slices.Equal(d.Contacts["admin"], []string{"ROLE01-AFS"}) || !slices.Equal(d.Contacts["tech"], []string{"JAN001-AFS"}) {
		t.Errorf("contacts after replacement %v", d.Contacts)
	}
	if got := <-changed; got != "voorbeeld.nl" {
		t.Errorf("OnChange(%q)", got)
	}
	n := 0
	for _, call := range f.srv.Calls() {
		if call.Changed() {
			n++
		}
	}
	if n != 3 { // legal form, contact create, domain update
		t.Errorf("%d effective changes, want 3", n)
	}
}

func TestSIDNRefusesContactPassword(t *testing.T) {
	f := start(t, epptest.Options{Dialect: epptest.SIDN})
	c := f.dial(t)
	ct := contactFrom(person("PW01"))
	ct.LegalForm = epp.LegalFormPerson
	if _, err := c.ContactCreate(ctx, ct); epp.Code(err) != epp.CodeUnimplementedOpt {
		t.Errorf("with a password: %v, want 2102", err)
	}
	ct.AuthInfo = ""
	if _, err := c.ContactCreate(ctx, ct); err != nil {
		t.Errorf("without: %v", err)
	}
	ct.ID, ct.LegalForm = "PW02", ""
	if _, err := c.ContactCreate(ctx, ct); epp.Code(err) != epp.CodeRequiredMissing {
		t.Errorf("without a legal form: %v, want 2003", err)
	}
}

func TestLegalFormNeedsSIDN(t *testing.T) {
	f := start(t, epptest.Options{})
	c := f.dial(t)
	if _, err := c.ContactUpdateLegalForm(ctx, "X1", epp.LegalFormPerson, ""); !errors.Is(err, epp.ErrInvalid) {
		t.Errorf("legal form without SIDN: %v", err)
	}
	ct := contactFrom(person("X1"))
	ct.LegalForm = "BV"
	if _, err := c.ContactCreate(ctx, ct); !errors.Is(err, epp.ErrInvalid) {
		t.Errorf("create with legal form without SIDN: %v", err)
	}
	if k := registrars.KindOf(epp.AdapterError("x", epp.ErrInvalid)); k != registrars.KindConfig {
		t.Errorf("kind %s", k)
	}
}

// Every frame the client sends passes the server's schema checks, in every
// dialect.
func TestClientFramesSatisfySchemas(t *testing.T) {
	for _, dialect := range []epptest.Dialect{epptest.RFC5733, epptest.FRED, epptest.SIDN} {
		t.Run(dialect.String(), func(t *testing.T) {
			f := start(t, epptest.Options{Dialect: dialect})
			cs := fredContacts()
			mustAdd(t, f.srv, cs, epptest.Domain{Name: "example.test", Registrant: "CID-VER",
				Contacts: map[string][]string{"admin": {"CID-NAT"}}})
			if err := f.srv.QueueMessage(epptest.DefaultClientID, "Hello", ""); err != nil {
				t.Fatal(err)
			}
			c := f.dial(t)
			var items []string
			if dialect == epptest.FRED {
				items = []string{"addr", "voice", "fax", "email", "vat", "ident", "notifyEmail"}
			} else {
				items = []string{"name", "org", "addr", "voice", "fax", "email"}
			}
			newContact := epp.Contact{ID: "NEW-01", Name: "Nieuw & <Co>", Org: "Org \"quoted\"",
				Street: []string{"Straat 1", "Bus 2", "Derde"}, City: "Gent", SP: "OVL", PC: "9000", CC: "BE",
				Voice: "+32.91234567", Fax: "+32.91234568", Email: "info@nieuw.example"}
			if dialect == epptest.SIDN {
				newContact.LegalForm, newContact.LegalFormRegNo = "BV", "12345678"
			}
			steps := []func() error{
				func() error { _, err := c.Hello(ctx); return err },
				func() error { _, err := c.DomainInfo(ctx, "example.test"); return err },
				func() error { _, err := c.ContactInfo(ctx, "CID-NAT"); return err },
				func() error { _, err := c.ContactCreate(ctx, newContact); return err },
				func() error { _, err := c.ContactUpdateDisclose(ctx, "NEW-01", true, items); return err },
				func() error { _, err := c.ContactUpdateDisclose(ctx, "CID-VER", false, items[2:]); return err },
				func() error {
					_, err := c.DomainUpdateContacts(ctx, "example.test",
						[]epp.DomainContact{{Type: "admin", ID: "NEW-01"}}, []epp.DomainContact{{Type: "admin", ID: "CID-NAT"}})
					return err
				},
				func() error { _, err := c.Poll(ctx); return err },
				func() error { _, err := c.PollAck(ctx, "1"); return err },
			}
			if dialect == epptest.SIDN {
				steps = append(steps, func() error { _, err := c.ContactUpdateLegalForm(ctx, "NEW-01", "PERSOON", ""); return err })
			}
			if dialect != epptest.FRED {
				steps = append(steps, func() error {
					_, err := c.DomainUpdateContacts(ctx, "example.test", []epp.DomainContact{{Type: "tech", ID: "NEW-01"},
						{Type: "billing", ID: "NEW-01"}}, nil)
					return err
				})
			}
			steps = append(steps, func() error { return c.Logout(ctx) })
			for i, step := range steps {
				if err := step(); err != nil && (epp.Code(err) == 0 || epp.Code(err) == epp.CodeSyntax) {
					t.Errorf("step %d: %v", i, err)
				}
			}
			for _, call := range f.srv.Calls() {
				if call.Code == epp.CodeSyntax || call.Command == "" || call.Code == 2101 || call.Code == 2307 {
					t.Errorf("server refused a client frame: %+v", call)
				}
			}
			if got, ok := f.srv.Contact("NEW-01"); !ok || got.Name != "Nieuw & <Co>" || got.Org != `Org "quoted"` ||
				len(got.Street) != 3 || got.SP != "OVL" {
				t.Errorf("escaping lost data: %+v", got)
			}
		})
	}
}
