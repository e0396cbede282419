package adapters_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/adapters"
	"github.com/afscherm/afscherm/internal/model"
)

// withRegistrars is a configuration that says how live records name two
// of the registrars its adapters list.
const withRegistrars = `{"registrars_of_record": [
  {"registrar": "openprovider", "iana_ids": ["1647"], "names": ["Hosting Concepts B.V."]},
  {"registrar": "sidn", "names": ["Hosting Voorbeeld B.V."]}
 ],
 "adapters": [
  {"type": "manual", "tlds": ["*"], "registrars": ["openprovider", "sidn", "rrpproxy", "*"]}
]}`

func TestRegistrarsOfRecord(t *testing.T) {
	router, err := adapters.Parse([]byte(withRegistrars), "registrars.json", adapters.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	live := func(name, id string) model.Registrar { return model.Registrar{Name: name, IANAID: id} }
	same := []struct {
		imported string
		live     model.Registrar
		want     bool
	}{
		{"openprovider", live("Hosting Concepts B.V. d/b/a Registrar.eu", "1647"), true}, // by IANA ID, whatever the trade name
		{"openprovider", live("Openprovider", ""), true},                                 // by its own name
		{"openprovider", live("Hosting Concepts B.V. d/b/a Openprovider", ""), true},
		{"openprovider", live("Hosting Concepts B.V.", "146"), false}, // the IDs decide where both are known
		{"openprovider", live("GoDaddy.com, LLC", "146"), false},
		{"sidn", live("Hosting Voorbeeld B.V.", ""), true}, // by a configured name
		{"sidn", live("Realtime Register", ""), false},
		{"sidn", live("", "1647"), false},                                  // an ID configured for another registrar
		{"rrpproxy", live("Key-Systems GmbH d/b/a RRPproxy", "269"), true}, // no entry: its own name
		{"rrpproxy", live("Key-Systems GmbH", "269"), false},
		{"rrpproxy", live("", "269"), true}, // an unclaimed ID and no name: nothing to compare
		{"sidn", model.Registrar{}, true},   // the record names none
		{"", live("GoDaddy.com, LLC", "146"), true},
	}
	for _, tc := range same {
		if got := router.SameRegistrar(tc.imported, tc.live); got != tc.want {
			t.Errorf("SameRegistrar(%q, %+v) = %v", tc.imported, tc.live, got)
		}
	}
	identify := []struct {
		live model.Registrar
		want string
	}{
		{live("Hosting Concepts B.V. d/b/a Registrar.eu", "1647"), "openprovider"},
		{live("Openprovider", ""), "openprovider"},
		{live("Hosting Voorbeeld B.V.", ""), "sidn"},
		{live("Key-Systems GmbH d/b/a RRPproxy", ""), "rrpproxy"},
		{live("GoDaddy.com, LLC", "146"), ""},
		{model.Registrar{}, ""},
	}
	for _, tc := range identify {
		got, ok := router.Registrars().Identify(tc.live)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Identify(%+v) = %q, %v; want %q", tc.live, got, ok, tc.want)
		}
	}
	for in, want := range map[model.Registrar]string{
		live("MarkMonitor, Inc.", "292"):                     "markmonitor",
		live("Hosting Concepts B.V. d/b/a Registrar.eu", ""): "hosting-concepts",
		live("", "146"): "iana-146",
	} {
		if got := adapters.RegistrarKey(in); got != want {
			t.Errorf("RegistrarKey(%+v) = %q, want %q", in, got, want)
		}
	}
}

func TestRegistrarsOfRecordRefused(t *testing.T) {
	manual := `"adapters": [{"type": "manual", "tlds": ["*"], "registrars": ["*"]}]`
	for name, tc := range map[string]struct{ json, want string }{
		"bad key":     {`{"registrars_of_record": [{"registrar": "Open Provider", "names": ["x"]}], ` + manual + `}`, "registrar must be"},
		"nothing":     {`{"registrars_of_record": [{"registrar": "sidn"}], ` + manual + `}`, "give iana_ids or names"},
		"twice":       {`{"registrars_of_record": [{"registrar": "sidn", "names": ["a"]}, {"registrar": "sidn", "names": ["b"]}], ` + manual + `}`, "there already"},
		"bad id":      {`{"registrars_of_record": [{"registrar": "op", "iana_ids": ["R1647"]}], ` + manual + `}`, "not a number"},
		"id twice":    {`{"registrars_of_record": [{"registrar": "a", "iana_ids": ["1"]}, {"registrar": "b", "iana_ids": ["1"]}], ` + manual + `}`, "a's already"},
		"empty name":  {`{"registrars_of_record": [{"registrar": "a", "names": ["--"]}], ` + manual + `}`, "names nothing"},
		"unknown key": {`{"registrars_of_record": [{"registrar": "a", "names": ["A"], "colour": "red"}], ` + manual + `}`, `unknown field "colour"`},
	} {
		if _, err := adapters.Parse([]byte(tc.json), "registrars.json", adapters.Deps{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, tc.want)
		}
	}
}

func TestLoadRegistrarsReadsNoAdapter(t *testing.T) {
	// The openprovider adapter's password is nowhere: building it would
	// fail, reading the registrars of record does not.
	cfg := `{"registrars_of_record": [{"registrar": "sidn", "names": ["Hosting Voorbeeld B.V."]}],
	 "adapters": [{"type": "openprovider", "tlds": ["com"], "registrars": ["openprovider"], "username": "u", "password_env": "NOWHERE"}]}`
	path := filepath.Join(t.TempDir(), "registrars.json")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	rs, err := adapters.LoadRegistrars(path)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := rs.Identify(model.Registrar{Name: "Hosting Voorbeeld B.V."}); k != "sidn" || !ok {
		t.Errorf("Identify = %q, %v", k, ok)
	}
	if k, ok := rs.Identify(model.Registrar{Name: "Openprovider"}); k != "openprovider" || !ok {
		t.Errorf("an adapter's registrar by its own name: %q, %v", k, ok)
	}
}
