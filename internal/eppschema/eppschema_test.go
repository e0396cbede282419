package eppschema_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/eppschema"
)

// validator is the shared validator; without xmllint or the schemas the
// test is skipped, unless AFSCHERM_TEST_REQUIRE_XMLLINT=1 wants them.
func validator(t *testing.T) *eppschema.Validator {
	t.Helper()
	v, err := eppschema.Default()
	if err != nil {
		if eppschema.Required() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return v
}

const hello = `<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>`

func TestValidate(t *testing.T) {
	v := validator(t)
	cases := []struct {
		name  string
		set   eppschema.Set
		frame string
		bad   string // a part of xmllint's message; "" for a valid frame
	}{
		{"hello IETF", eppschema.IETF, hello, ""},
		{"hello SIDN", eppschema.SIDN, hello, ""},
		{"hello FRED", eppschema.FRED, hello, ""},
		{"login", eppschema.IETF, `<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login><clID>afscherm</clID>` +
			`<pw>********</pw><options><version>1.0</version><lang>en</lang></options><svcs>` +
			`<objURI>urn:ietf:params:xml:ns:contact-1.0</objURI></svcs></login><clTRID>afs-1</clTRID></command></epp>`, ""},
		// RFC 5730's pwType is 6 to 16 characters.
		{"short password", eppschema.IETF, `<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login><clID>afscherm</clID>` +
			`<pw>abc</pw><options><version>1.0</version><lang>en</lang></options><svcs>` +
			`<objURI>urn:ietf:params:xml:ns:contact-1.0</objURI></svcs></login><clTRID>afs-1</clTRID></command></epp>`, "pw"},
		{"unknown element", eppschema.IETF, `<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hullo/></epp>`, "hullo"},
		{"not XML", eppschema.IETF, `<epp`, "epp"},
		// SIDN's extension is not in the IETF set.
		{"SIDN extension against IETF", eppschema.IETF, sidnInfo, "sidn-ext-epp"},
		{"SIDN extension against SIDN", eppschema.SIDN, sidnInfo, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := v.Validate(c.set, []byte(c.frame))
			if c.bad == "" {
				if err != nil {
					t.Fatalf("valid frame rejected: %v", err)
				}
				return
			}
			var inv *eppschema.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("got %v, want an *InvalidError", err)
			}
			if !strings.Contains(inv.Message, c.bad) {
				t.Errorf("message %q does not mention %q", inv.Message, c.bad)
			}
		})
	}
}

// sidnInfo is a contact:info answer with SIDN's extension (the legal form).
const sidnInfo = `<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000"><msg>ok</msg></result>` +
	`<extension><sidn-ext-epp:ext xmlns:sidn-ext-epp="http://rxsd.domain-registry.nl/sidn-ext-epp-1.0">` +
	`<sidn-ext-epp:infData><sidn-ext-epp:contact><sidn-ext-epp:legalForm>PERSOON</sidn-ext-epp:legalForm>` +
	`</sidn-ext-epp:contact></sidn-ext-epp:infData></sidn-ext-epp:ext></extension>` +
	`<trID><svTRID>S-1</svTRID></trID></response></epp>`

// Frames that differ only in transaction ids and timestamps are checked
// once; a timestamp that is no date is still caught.
func TestValidateRemembers(t *testing.T) {
	v := validator(t)
	greeting := func(date, trid string) []byte {
		return []byte(`<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000"><msg>ok</msg></result>` +
			`<msgQ count="1" id="1"><qDate>` + date + `</qDate></msgQ><trID><clTRID>` + trid + `</clTRID><svTRID>S-1</svTRID></trID></response></epp>`)
	}
	if err := v.Validate(eppschema.IETF, greeting("2026-12-06T01:02:03Z", "afs-1")); err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(eppschema.IETF, greeting("2027-01-01T00:00:00.5+01:00", "afs-2")); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{greeting("2026-13-45T01:02:03Z", "afs-3"), greeting("2026-12-06T01:02:03Z", "x")} {
		if err := v.Validate(eppschema.IETF, bad); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestSetOf(t *testing.T) {
	for frame, want := range map[string]eppschema.Set{
		hello:    eppschema.IETF,
		sidnInfo: eppschema.SIDN,
		`<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><info><contact:info xmlns:contact="http://www.nic.cz/xml/epp/contact-1.6">`: eppschema.FRED,
		`<objURI>http://www.nic.cz/xml/epp/contact-1.6</objURI>`:                                                                          eppschema.FRED,
	} {
		if got := eppschema.SetOf([]byte(frame)); got != want {
			t.Errorf("SetOf(%.60s…) = %s, want %s", frame, got, want)
		}
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := eppschema.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "testdata", "schemas", "ietf", "all-ietf.xsd")); err != nil {
		t.Fatalf("module root %s has no IETF schemas: %v", root, err)
	}
}
