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
	res, err := c.ContactUpdateDisclose(ctx, "JJ01", false, items, []string{epp.PostalLoc})
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
	if _, err := c.ContactUpdateDisclose(ctx, "JJ01", true, []string{epp.DiscloseEmail}, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.srv.Contact("JJ01"); !got.Public("email") || got.Public("voice") {
		t.Errorf("after flag=1 email: hidden %v", got.Hidden)
	}
	// An item this client cannot express is refused before sending.
	n := len(rec.sent())
	if _, err := c.ContactUpdateDisclose(ctx, "JJ01", false, []string{epp.DiscloseVAT}, nil); !errors.Is(err, epp.ErrInvalid) {
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
	_, err := c.ContactUpdateDisclose(ctx, "JJ01", false, []string{epp.DiscloseName, epp.DiscloseEmail}, []string{epp.PostalLoc})
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
	if _, err := c.ContactUpdateDisclose(ctx, "JJ01", false, []string{epp.DiscloseEmail, epp.DiscloseVoice}, nil); err != nil {
		t.Errorf("supported items: %v", err)
	}
}

func TestDisclosePostalTypes(t *testing.T) {
	f := start(t, epptest.Options{})
	intOnly, locOnly, both := person("INT1"), person("LOC1"), person("BOTH1")
	intOnly.PostalTypes, locOnly.PostalTypes, both.PostalTypes = []string{"int"}, []string{"loc"}, []string{"int", "loc"}
	mustAdd(t, f.srv, []epptest.Contact{intOnly, locOnly, both})
	c, rec := f.dialRecorded(t)
	for id, want := range map[string][]string{"INT1": {"int"}, "LOC1": {"loc"}, "BOTH1": {"int", "loc"}} {
		ct, err := c.ContactInfo(ctx, id)
		if err != nil || !slices.Equal(ct.PostalTypes, want) || ct.Name != "Jan Jansen" {
			t.Errorf("%s: postal types %v, name %q, %v; want %v", id, ct.PostalTypes, ct.Name, err, want)
		}
	}
	postal := []string{epp.DiscloseName, epp.DiscloseOrg, epp.DiscloseAddr}

	// A contact with both forms: each postal item once per form.
	if _, err := c.ContactUpdateDisclose(ctx, "BOTH1", false, postal, []string{epp.PostalInt, epp.PostalLoc}); err != nil {
		t.Fatal(err)
	}
	frames := rec.sent()
	want := `<contact:disclose flag="0"><contact:name type="int"/><contact:name type="loc"/><contact:org type="int"/>` +
		`<contact:org type="loc"/><contact:addr type="int"/><contact:addr type="loc"/></contact:disclose>`
	if sent := frames[len(frames)-1]; !strings.Contains(sent, want) {
		t.Errorf("frame\n%s\nlacks\n%s", sent, want)
	}
	for _, it := range []string{"name", "name:int", "name:loc", "addr:int", "addr:loc"} {
		if got, _ := f.srv.Contact("BOTH1"); got.Public(it) {
			t.Errorf("BOTH1: %s public, hidden %v", it, got.Hidden)
		}
	}
	ct, _ := c.ContactInfo(ctx, "BOTH1")
	if !ct.Disclose.HasType("addr", "int") || !ct.Disclose.HasType("addr", "loc") || ct.Disclose.Flag {
		t.Errorf("BOTH1 disclose %+v", ct.Disclose)
	}

	// Naming the "loc" form of a contact that holds only "int" postal
	// info leaves its data public: the registry shows what it holds.
	if _, err := c.ContactUpdateDisclose(ctx, "INT1", false, postal, []string{epp.PostalLoc}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.srv.Contact("INT1"); !got.Public("name") || !got.Public("addr") {
		t.Errorf("INT1 after loc only: hidden %v, but the int form should stay public", got.Hidden)
	}
	if _, err := c.ContactUpdateDisclose(ctx, "INT1", false, postal, []string{epp.PostalInt}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.srv.Contact("INT1"); got.Public("name") || got.Public("org") || got.Public("addr") {
		t.Errorf("INT1 after int: hidden %v", got.Hidden)
	}
	if _, err := c.ContactUpdateDisclose(ctx, "LOC1", false, postal, []string{epp.PostalLoc}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.srv.Contact("LOC1"); got.Public("name") || !got.Public("email") {
		t.Errorf("LOC1: hidden %v", got.Hidden)
	}

	// Postal items without a type, or with a wrong one, are not sent.
	n := len(rec.sent())
	for _, types := range [][]string{nil, {"intl"}, {"loc", "loc"}} {
		if _, err := c.ContactUpdateDisclose(ctx, "LOC1", false, postal, types); !errors.Is(err, epp.ErrInvalid) {
			t.Errorf("types %q: %v, want ErrInvalid", types, err)
		}
	}
	if len(rec.sent()) != n {
		t.Error("an invalid request was sent")
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

// FRED as fred-docs Disclosure_Examples.rst and PoliciesRules.rst describe it.
func TestDiscloseFRED(t *testing.T) {
	changed := make(chan string, 10)
	f := start(t, epptest.Options{Dialect: epptest.FRED, OnChange: func(d string) { changed <- d }})
	cs := fredContacts()
	cs[0].Hidden = []string{} // the natural person shows everything
	mustAdd(t, f.srv, cs,
		epptest.Domain{Name: "priklad.cz", Registrant: "CID-VER", Contacts: map[string][]string{"admin": {"CID-NAT"}}})
	c, rec := f.dialRecorded(t)
	if c.ContactNamespace() != epptest.NSFREDContact || c.Dialect() != epp.DialectFRED || !c.Greeting().DCP.HidesByDefault() {
		t.Fatalf("contact namespace %q, dcp %+v", c.ContactNamespace(), c.Greeting().DCP)
	}
	last := func() string { frames := rec.sent(); return frames[len(frames)-1] }

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
		!slices.Contains(ct.Statuses, "identifiedContact") || len(ct.PostalTypes) != 0 {
		t.Errorf("contact %+v disclose %+v", ct, ct.Disclose)
	}

	// Name and organisation cannot even be named; postal info has no type.
	if _, err := c.ContactUpdateDisclose(ctx, "CID-VER", false, []string{epp.DiscloseName}, nil); !errors.Is(err, epp.ErrInvalid) {
		t.Errorf("name on FRED: %v, want ErrInvalid", err)
	}
	if _, err := c.ContactUpdateDisclose(ctx, "CID-VER", false, []string{epp.DiscloseAddr}, []string{epp.PostalLoc}); !errors.Is(err, epp.ErrInvalid) {
		t.Errorf("typed addr on FRED: %v, want ErrInvalid", err)
	}

	// An unverified person, and an organisation, may not hide the
	// address: flag="0", and flag="1" without <addr/>, answer 2304 and
	// change nothing.
	for _, tc := range []struct {
		id    string
		flag  bool
		items []string
	}{{"CID-NAT", false, []string{"addr", "voice", "email"}}, {"CID-NAT", true, nil},
		{"CID-NAT", true, []string{"email"}}, {"CID-ORG", false, nil}} {
		_, err := c.ContactUpdateDisclose(ctx, tc.id, tc.flag, tc.items, nil)
		if epp.Code(err) != epp.CodeStatusProhibits {
			t.Errorf("%+v: err = %v, want 2304", tc, err)
		}
		if k := registrars.KindOf(epp.AdapterError("cznic", err)); k != registrars.KindRejected {
			t.Errorf("%+v: kind %s", tc, k)
		}
	}
	if got, _ := f.srv.Contact("CID-NAT"); len(got.Hidden) != 0 {
		t.Errorf("CID-NAT changed by refused updates: hidden %v", got.Hidden)
	}
	// Listing what stays shown: the address alone hides the rest (1000).
	if res, err := c.ContactUpdateDisclose(ctx, "CID-NAT", true, []string{epp.DiscloseAddr}, nil); err != nil || res.Code != 1000 {
		t.Errorf("show addr only: %+v, %v", res, err)
	}
	if sent := last(); !strings.Contains(sent, `<contact:chg><contact:disclose flag="1"><contact:addr/></contact:disclose></contact:chg>`) {
		t.Errorf("frame %s", sent)
	}
	if got, _ := f.srv.Contact("CID-NAT"); !got.Public("addr") || got.Public("voice") || got.Public("fax") ||
		got.Public("email") || got.Public("vat") || got.Public("ident") || got.Public("notifyEmail") || !got.Public("name") {
		t.Errorf("CID-NAT after flag=1 addr: hidden %v", got.Hidden)
	}

	// A verified natural person: flag="0" hides everything at once, 1000.
	res, err := c.ContactUpdateDisclose(ctx, "CID-VER", false, []string{epp.DiscloseAddr, epp.DiscloseVoice, epp.DiscloseEmail}, nil)
	if err != nil || res.Code != 1000 {
		t.Fatalf("verified person: %+v, %v", res, err)
	}
	if sent := last(); !strings.Contains(sent, `xmlns:contact="`+epptest.NSFREDContact+`"`) ||
		!strings.Contains(sent, `<contact:disclose flag="0"><contact:addr/><contact:voice/><contact:email/></contact:disclose>`) {
		t.Errorf("frame %s", sent)
	}
	got, _ := f.srv.Contact("CID-VER")
	if got.Public("addr") || got.Public("voice") || !got.Public("name") {
		t.Errorf("after flag=0: %+v", got)
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
	// Showing a subset: what is not listed is hidden, the address too.
	if _, err := c.ContactUpdateDisclose(ctx, "CID-VER", true, []string{epp.DiscloseEmail}, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.srv.Contact("CID-VER"); got.Public("addr") || !got.Public("email") || got.Public("voice") {
		t.Errorf("after flag=1 email: hidden %v", got.Hidden)
	}
	// The registrar's own updates bring no poll message.
	if m, err := c.Poll(ctx); err != nil || m != nil {
		t.Errorf("poll: %+v, %v", m, err)
	}
}

// The registry hides a verified natural person's address itself and says
// so in a poll message (PoliciesRules.rst, "Hiding address";
// Poll_MessageTypes.rst, "Object update"); an organisation's stays.
func TestFREDVerificationHidesTheAddress(t *testing.T) {
	changed := make(chan string, 10)
	f := start(t, epptest.Options{Dialect: epptest.FRED, OnChange: func(d string) { changed <- d }})
	mustAdd(t, f.srv, fredContacts(), epptest.Domain{Name: "priklad.cz", Registrant: "CID-NAT"})
	c := f.dial(t)
	if err := f.srv.Verify("CID-ORG"); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.srv.Contact("CID-ORG"); !got.Public("addr") || f.srv.QueueLen(epptest.DefaultClientID) != 0 {
		t.Errorf("an organisation's address: hidden %v, %d messages", got.Hidden, f.srv.QueueLen(epptest.DefaultClientID))
	}
	if err := f.srv.Verify("CID-NAT"); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.srv.Contact("CID-NAT"); got.Public("addr") || !got.Verified {
		t.Errorf("after verification: %+v", got)
	}
	select {
	case d := <-changed:
		if d != "priklad.cz" {
			t.Errorf("OnChange(%q)", d)
		}
	case <-time.After(time.Second):
		t.Error("OnChange not called")
	}
	m, err := c.Poll(ctx)
	if err != nil || m == nil {
		t.Fatalf("poll: %+v, %v", m, err)
	}
	if m.Count != 1 || m.ID == "" || m.Date.IsZero() || len(m.Data) != 1 ||
		!m.Data[0].Is(epptest.NSFREDContact, "updateData") ||
		m.Data[0].Path(epptest.NSFREDContact, "newData", "infData", "id").Value() != "CID-NAT" ||
		!strings.HasPrefix(m.Raw, `<updateData xmlns="`+epptest.NSFREDContact+`">`) {
		t.Errorf("message %+v", m)
	}
	if cs, ds := m.Objects(); !slices.Equal(cs, []string{"CID-NAT"}) || len(ds) != 0 || !m.About([]string{"CID-NAT"}, nil) {
		t.Errorf("objects %v %v", cs, ds)
	}
	oldD := m.Data[0].Path(epptest.NSFREDContact, "oldData", "infData", "disclose")
	newD := m.Data[0].Path(epptest.NSFREDContact, "newData", "infData", "disclose")
	if oldD.Child(epptest.NSFREDContact, "addr") == nil || newD == nil || newD.Child(epptest.NSFREDContact, "addr") != nil {
		t.Errorf("disclose in message: old %+v, new %+v", oldD, newD)
	}
	if _, err := c.PollAck(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if m, err := c.Poll(ctx); err != nil || m != nil {
		t.Errorf("queue not empty after ack: %+v, %v", m, err)
	}
	if _, err := c.PollAck(ctx, "999999"); epp.Code(err) != epp.CodeObjectNotFound {
		t.Errorf("ack of an unknown message: %v", err)
	}
	// Losing verification shows the address again, without a message.
	if err := f.srv.Unverify("CID-NAT"); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.srv.Contact("CID-NAT"); !got.Public("addr") || f.srv.QueueLen(epptest.DefaultClientID) != 0 {
		t.Errorf("after losing verification: %+v", got)
	}
}

// The messages of the registrar's account that are not about an object,
// or about another one, name nothing of ours.
func TestMessageObjects(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		dialect  epptest.Dialect
		text     string
		data     string
		contacts []string
		domains  []string
	}{
		{epptest.FRED, "", epptest.FREDLowCredit("cz", "5000.00", "4999.00"), nil, nil},
		{epptest.FRED, "", epptest.FREDDomainTransfer("Jinde.cz", "REG-OTHER", at), nil, []string{"jinde.cz"}},
		{epptest.FRED, "", epptest.FREDImpendingExpiry("brzy.cz", at), nil, []string{"brzy.cz"}},
		{epptest.RFC5733, epptest.TextTransferRequested, epptest.IETFDomainTransfer("example.org", "ClientX", epptest.DefaultClientID, at), nil, []string{"example.org"}},
		{epptest.RFC5733, epptest.TextPendingActionResult, epptest.IETFContactActionDone("CID-1", true, "SV-1", at), []string{"CID-1"}, nil},
		{epptest.RFC5733, "Low credit", "", nil, nil},
	} {
		f := start(t, epptest.Options{Dialect: tc.dialect})
		if err := f.srv.QueueMessage(epptest.DefaultClientID, tc.text, tc.data); err != nil {
			t.Fatal(err)
		}
		c := f.dial(t)
		m, err := c.Poll(ctx)
		if err != nil || m == nil {
			t.Fatalf("%s: %+v, %v", tc.data, m, err)
		}
		cs, ds := m.Objects()
		if !slices.Equal(cs, tc.contacts) || !slices.Equal(ds, tc.domains) || len(m.Data) != min(1, len(tc.data)) {
			t.Errorf("%s %q: objects %v %v, data %d", tc.dialect, tc.data, cs, ds, len(m.Data))
		}
		if m.About([]string{"CID-NAT"}, []string{"priklad.cz"}) {
			t.Errorf("%s: about our objects", tc.data)
		}
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
	_, err = c.ContactUpdateDisclose(ctx, "JAN001-AFS", false, []string{epp.DiscloseEmail}, nil)
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
	// SIDN assigns the handle; the id sent is not used (sidn_test.go).
	role := sidnRole()
	created, err := c.ContactCreate(ctx, role)
	if err != nil || created.Code != 1000 {
		t.Fatalf("create role contact: %+v, %v", created, err)
	}
	roleID := created.ID
	if got, ok := f.srv.Contact(roleID); !ok || got.LegalForm != "BV" || got.Registrar != epptest.DefaultClientID {
		t.Errorf("created contact %+v", got)
	}
	// SIDN wants exactly one admin contact: adding alone is refused.
	_, err = c.DomainUpdateContacts(ctx, "voorbeeld.nl", []epp.DomainContact{{Type: "admin", ID: roleID}}, nil)
	if epp.Code(err) != epp.CodeDataMgmtPolicy {
		t.Errorf("second admin: %v, want 2308", err)
	}
	res, err = c.DomainUpdateContacts(ctx, "voorbeeld.nl",
		[]epp.DomainContact{{Type: "admin", ID: roleID}}, []epp.DomainContact{{Type: "admin", ID: "JAN001-AFS"}})
	if err != nil || res.Code != 1000 {
		t.Fatalf("replace admin: %+v, %v", res, err)
	}
	d, _ := c.DomainInfo(ctx, "voorbeeld.nl")
	if !slices.Equal(d.Contacts["admin"], []string{roleID}) || !slices.Equal(d.Contacts["tech"], []string{"JAN001-AFS"}) {
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
			var items, types []string
			if dialect == epptest.FRED {
				items = []string{"addr", "voice", "fax", "email", "vat", "ident", "notifyEmail"}
			} else {
				items, types = []string{"name", "org", "addr", "voice", "fax", "email"}, []string{epp.PostalInt, epp.PostalLoc}
			}
			newContact := epp.Contact{ID: "NEW-01", Name: "Nieuw & <Co>", Org: "Org \"quoted\"",
				Street: []string{"Straat 1", "Bus 2", "Derde"}, City: "Gent", SP: "OVL", PC: "9000", CC: "BE",
				Voice: "+32.91234567", Fax: "+32.91234568", Email: "info@nieuw.example"}
			if dialect == epptest.SIDN {
				newContact.LegalForm, newContact.LegalFormRegNo = "BV", "12345678"
			}
			newID := newContact.ID
			steps := []func() error{
				func() error { _, err := c.Hello(ctx); return err },
				func() error { _, err := c.DomainInfo(ctx, "example.test"); return err },
				func() error { _, err := c.ContactInfo(ctx, "CID-NAT"); return err },
				func() error {
					res, err := c.ContactCreate(ctx, newContact)
					if err == nil {
						newID = res.ID // SIDN assigns its own handle
					}
					return err
				},
				func() error { _, err := c.ContactUpdateDisclose(ctx, newID, true, items, types); return err },
				func() error { _, err := c.ContactUpdateDisclose(ctx, "CID-VER", false, items[2:], types); return err },
				func() error {
					_, err := c.DomainUpdateContacts(ctx, "example.test",
						[]epp.DomainContact{{Type: "admin", ID: newID}}, []epp.DomainContact{{Type: "admin", ID: "CID-NAT"}})
					return err
				},
				func() error { _, err := c.Poll(ctx); return err },
				func() error { _, err := c.PollAck(ctx, "1"); return err },
			}
			if dialect == epptest.SIDN {
				steps = append(steps, func() error { _, err := c.ContactUpdateLegalForm(ctx, newID, "PERSOON", ""); return err })
			}
			if dialect != epptest.FRED {
				steps = append(steps, func() error {
					_, err := c.DomainUpdateContacts(ctx, "example.test", []epp.DomainContact{{Type: "tech", ID: newID},
						{Type: "billing", ID: newID}}, nil)
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
			if got, ok := f.srv.Contact(newID); !ok || got.Name != "Nieuw & <Co>" || got.Org != `Org "quoted"` ||
				len(got.Street) != 3 || got.SP != "OVL" {
				t.Errorf("escaping lost data: %+v", got)
			}
		})
	}
}
