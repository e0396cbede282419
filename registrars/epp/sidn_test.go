package epp_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/epp"
	"github.com/afscherm/afscherm/registrars/epp/epptest"
)

// sidnHandle is SIDN's form of a handle (Net::DRI_SIDN.t, F0001's
// expression).
var sidnHandle = regexp.MustCompile(`^[A-Z]{3}[0-9]{6}-[A-Z0-9]{5}$`)

func sidnRole() epp.Contact {
	return epp.Contact{ID: "ROLE01-AFS", Name: "Hosting B.V.", Org: "Hostmaster", Street: []string{"Kade 5"},
		City: "Amsterdam", PC: "1011AA", CC: "NL", Voice: "+31.201234567", Email: "domeinen@hosting.example", LegalForm: "BV"}
}

// SIDN assigns the handle: the id sent is not the contact's, the one in
// the answer is (REGISTRIES.md, SIDN; Net::DRI's SIDN contact profile).
func TestSIDNAssignsContactHandles(t *testing.T) {
	f := start(t, epptest.Options{Dialect: epptest.SIDN})
	c := f.dial(t)
	var ids []string
	for range 2 {
		res, err := c.ContactCreate(ctx, sidnRole())
		if err != nil || res.Code != 1000 {
			t.Fatalf("create: %+v, %v", res, err)
		}
		if res.ID == "ROLE01-AFS" || !sidnHandle.MatchString(res.ID) {
			t.Errorf("created %q, want a handle of SIDN's form, not the id sent", res.ID)
		}
		got, ok := f.srv.Contact(res.ID)
		if !ok || got.Name != "Hosting B.V." || got.Org != "Hostmaster" || got.LegalForm != "BV" {
			t.Errorf("contact %s at SIDN: %+v", res.ID, got)
		}
		ids = append(ids, res.ID)
	}
	if ids[0] == ids[1] {
		t.Errorf("two creates with one id sent made one handle %s", ids[0])
	}
	if _, ok := f.srv.Contact("ROLE01-AFS"); ok {
		t.Error("SIDN kept the id the registrar sent")
	}
}

// SIDN's refusals carry its error extension: code, field and text of each
// message are read into the error (the XSD's msgType; Net::DRI_SIDN.t,
// "error parsing 2").
func TestSIDNErrorExtension(t *testing.T) {
	f := start(t, epptest.Options{Dialect: epptest.SIDN})
	owner := person("JAN000001-AFSCH")
	owner.LegalForm = epp.LegalFormPerson
	mustAdd(t, f.srv, []epptest.Contact{owner}, epptest.Domain{Name: "voorbeeld.nl", Registrant: owner.ID,
		Contacts: map[string][]string{"admin": {owner.ID}}})
	c := f.dial(t)
	for _, tc := range []struct {
		handle string
		want   []epp.SIDNMessage
	}{
		{"sh8013", []epp.SIDNMessage{
			{Code: "F0001", Field: "handle", Text: "Waarde voldoet niet aan de expressie: [A-Z]{3}[0-9]{6}[-][A-Z0-9]{5}."},
			{Code: "T0002", Field: "handle", Text: "De opgegeven handle is onbekend."}}},
		{"ABC123456-ABCDE", []epp.SIDNMessage{{Code: "T0002", Field: "handle", Text: "De opgegeven handle is onbekend."}}},
	} {
		_, err := c.DomainUpdateContacts(ctx, "voorbeeld.nl", []epp.DomainContact{{Type: "admin", ID: tc.handle}},
			[]epp.DomainContact{{Type: "admin", ID: owner.ID}})
		var re *epp.ResultError
		if !errors.As(err, &re) || re.Code != epp.CodeObjectNotFound || !slices.Equal(re.SIDN, tc.want) {
			t.Errorf("%s: %#v, want 2303 with %v", tc.handle, err, tc.want)
			continue
		}
		ae := epp.AdapterError("sidn", err)
		var e *registrars.Error
		if !errors.As(ae, &e) || e.Code != "2303" || e.Kind != registrars.KindRejected ||
			!strings.Contains(e.Message, "T0002 handle: De opgegeven handle is onbekend.") {
			t.Errorf("%s: adapter error %v", tc.handle, ae)
		}
	}
	if _, err := c.ContactInfo(ctx, "ABC123456-ABCDE"); !strings.Contains(fmtErr(err), "T0002 handle") {
		t.Errorf("info of an unknown handle: %v", err)
	}
	if d, _ := f.srv.Domain("voorbeeld.nl"); !slices.Equal(d.Contacts["admin"], []string{owner.ID}) {
		t.Errorf("admin changed: %v", d.Contacts["admin"])
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// A contact needs a phone number, and a postal code in NL (Net::DRI's SIDN
// contact profile); SIDN refuses with 2400 and its message on the field
// (Net::DRI_SIDN.t, "error parsing 1", for the form of the refusal).
func TestSIDNRequiredContactFields(t *testing.T) {
	f := start(t, epptest.Options{Dialect: epptest.SIDN})
	c := f.dial(t)
	for _, tc := range []struct {
		name   string
		change func(*epp.Contact)
		field  string
	}{
		{"no phone", func(ct *epp.Contact) { ct.Voice = "" }, "voice"},
		{"no postal code in NL", func(ct *epp.Contact) { ct.PC = "" }, "pc"},
	} {
		ct := sidnRole()
		tc.change(&ct)
		_, err := c.ContactCreate(ctx, ct)
		var re *epp.ResultError
		if !errors.As(err, &re) || re.Code != epp.CodeCommandFailed || len(re.SIDN) != 1 || re.SIDN[0].Field != tc.field ||
			re.SIDN[0].Code == "" || re.Message != "Validation of the transaction failed." {
			t.Errorf("%s: %v, want 2400 with SIDN's message on %s", tc.name, err, tc.field)
		}
	}
	ct := sidnRole()
	ct.PC, ct.CC, ct.City = "", "BE", "Gent"
	if _, err := c.ContactCreate(ctx, ct); err != nil {
		t.Errorf("outside NL without a postal code: %v", err)
	}
}

// The session selects, of SIDN's greeting, the services the client uses;
// SIDN refuses a login that names one it did not announce (RFC 5730
// section 3: 2307 for an object service, 2103 for an extension).
func TestSIDNLoginServices(t *testing.T) {
	f := start(t, epptest.Options{Dialect: epptest.SIDN})
	c, rec := f.dialRecorded(t)
	g := c.Greeting()
	for _, u := range []string{epp.NSDomain, epp.NSContact, epp.NSHost, epp.NSSIDN, "urn:ietf:params:xml:ns:secDNS-1.1",
		"http://rxsd.domain-registry.nl/sidn-ext-epp-scheduled-delete-1.0"} {
		if !g.Offers(u) {
			t.Errorf("greeting does not offer %s", u)
		}
	}
	login := rec.sent()[0]
	for _, want := range []string{"<objURI>" + epp.NSDomain + "</objURI>", "<objURI>" + epp.NSContact + "</objURI>",
		"<extURI>" + epp.NSSIDN + "</extURI>"} {
		if !strings.Contains(login, want) {
			t.Errorf("login lacks %s:\n%s", want, login)
		}
	}
	if strings.Count(login, "<objURI>") != 2 || strings.Count(login, "<extURI>") != 1 {
		t.Errorf("login selects services the client does not use:\n%s", login)
	}

	tr, err := epp.DialTransport(context.Background(), f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.Greeting(context.Background()); err != nil {
		t.Fatal(err)
	}
	loginWith := func(svcs string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login>` +
			`<clID>` + epptest.DefaultClientID + `</clID><pw>` + epptest.DefaultPassword + `</pw>` +
			`<options><version>1.0</version><lang>en</lang></options><svcs>` + svcs + `</svcs></login>` +
			`<clTRID>T-login-1</clTRID></command></epp>`
	}
	codeOf := regexp.MustCompile(`<result code="(\d+)"`)
	for _, tc := range []struct {
		svcs, want string
	}{
		{`<objURI>urn:ietf:params:xml:ns:contact-1.0</objURI><objURI>http://www.nic.cz/xml/epp/nsset-1.2</objURI>`, "2307"},
		{`<objURI>urn:ietf:params:xml:ns:contact-1.0</objURI><svcExtension><extURI>urn:ietf:params:xml:ns:rgp-1.0</extURI></svcExtension>`, "2103"},
	} {
		b, err := tr.Send(context.Background(), []byte(loginWith(tc.svcs)))
		if m := codeOf.FindSubmatch(b); err != nil || m == nil || string(m[1]) != tc.want {
			t.Errorf("login with %s: %s, %v; want %s", tc.svcs, b, err, tc.want)
		}
	}
}
