package classify

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/model"
)

// The registrar of record, read from real captured answers: the names and
// IDs expected here were read from the files by hand.

func TestRegistrarRDAPReal(t *testing.T) {
	tests := []struct {
		file string
		want model.Registrar
	}{
		// Verisign's thin registry: the registrar entity with its IANA ID
		// and a nested abuse entity that must not be taken for it.
		{"meeb+whoisit/google.com_rdap.verisign.com.json", model.Registrar{Name: "MarkMonitor Inc.", IANAID: "292"}},
		{"meeb+whoisit/example.com_rdap.verisign.com.json", model.Registrar{Name: "RESERVED-Internet Assigned Numbers Authority", IANAID: "376"}},
		// Openprovider's company under another trade name.
		{"meeb+whoisit/themarquetry.com_rdap.verisign.com.json", model.Registrar{Name: "Hosting Concepts B.V. d/b/a Registrar.eu", IANAID: "1647"}},
		// Norid: publicIds of other types are no IANA ID; a technical
		// contact comes first and is not the registrar.
		{"meeb+whoisit/norway.no_rdap.norid.no.json", model.Registrar{Name: "Domeneshop AS"}},
		// CZ.NIC: no vCard, the handle names the registrar.
		{"openrdap+rdap/example.cz_rdap.nic.cz.json", model.Registrar{Name: "REG-INTERNET-CZ"}},
	}
	for _, tc := range tests {
		b, err := os.ReadFile(filepath.Join(realCorpus, "rdap", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		if got := RegistrarRDAP(b); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.file, got, tc.want)
		}
	}
}

func TestRegistrarRDAPForms(t *testing.T) {
	tests := []struct {
		name, body string
		want       model.Registrar
	}{
		{"nested below another entity", `{"entities": [{"roles": ["registrant"], "entities": [
			{"roles": ["Registrar"], "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Nested B.V."]]],
			 "publicIds": [{"type": "IANA Registrar ID", "identifier": 4711}]}]}]}`, model.Registrar{Name: "Nested B.V.", IANAID: "4711"}},
		{"org when fn is empty", `{"entities": [{"roles": ["registrar"], "handle": "292",
			"vcardArray": ["vcard", [["fn", {}, "text", ""], ["org", {}, "text", ["Org Only Ltd", "Unit"]]]]}]}`, model.Registrar{Name: "Org Only Ltd"}},
		{"Nominet's tag", `{"entities": [{"roles": ["registrar"], "vcardArray": ["vcard", [["fn", {}, "text", "Hostingbedrijf Voorbeeld B.V. [Tag = HOSTINGVB]"]]]}]}`,
			model.Registrar{Name: "Hostingbedrijf Voorbeeld B.V."}},
		{"a numeric handle alone names nothing", `{"entities": [{"roles": ["registrar"], "handle": "292"}]}`, model.Registrar{}},
		{"no registrar entity (DENIC)", `{"entities": [{"roles": ["technical"], "vcardArray": ["vcard", [["fn", {}, "text", "Tech"]]]}]}`, model.Registrar{}},
		{"not JSON", `<html>`, model.Registrar{}},
	}
	for _, tc := range tests {
		if got := RegistrarRDAP([]byte(tc.body)); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// realWHOIS is the corpus of real WHOIS answers (testdata/real/whois).
var realWHOIS = filepath.Join("..", "..", "testdata", "real", "whois")

func TestRegistrarWHOISReal(t *testing.T) {
	tests := []struct {
		file string
		want model.Registrar
	}{
		// gTLD registries and registrars.
		{"weppos/whois.verisign-grs.com/com/status_registered.txt", model.Registrar{Name: "MarkMonitor Inc.", IANAID: "292"}},
		{"likexian/com_google.com.txt", model.Registrar{Name: "MarkMonitor, Inc.", IANAID: "292"}},
		{"weppos/whois.nic.pw/pw/status_registered.txt", model.Registrar{Name: "MarkMonitor, Inc.", IANAID: "292"}}, // Sponsoring Registrar Organization
		{"joepie91/twitter.com.txt", model.Registrar{Name: "CORPORATE DOMAINS, INC."}},                              // Registrar Name....:
		// SIDN, old (indented) and new: the name on the line below the heading.
		{"weppos/whois.domain-registry.nl/nl/status_registered.txt", model.Registrar{Name: "MarkMonitor International LTD"}},
		{"likexian/nl_git.nl.txt", model.Registrar{Name: "Realtime Register"}}, // a Reseller: block comes first
		// Nominet: the name with its tag, or none listed.
		{"weppos/whois.nic.uk/uk/status_registered.txt", model.Registrar{Name: "Markmonitor Inc. t/a Markmonitor"}},
		{"richardpenman/amazon.co.uk.txt", model.Registrar{Name: "Amazon.com, Inc. t/a Amazon.com, Inc."}},
		{"richardpenman/www.gov.uk.txt", model.Registrar{}},
		// Blocks with a Name: or Organization: line.
		{"likexian/eu_google.eu.txt", model.Registrar{Name: "MarkMonitor Inc."}},
		{"weppos/whois.cira.ca/ca/status_registered.txt", model.Registrar{Name: "MarkMonitor International Canada Ltd."}},
		{"joepie91/google.it.txt", model.Registrar{Name: "MarkMonitor International Limited"}},
		{"likexian/ee_telia.ee.txt", model.Registrar{Name: "Telia Eesti AS"}},
		{"weppos/whois.nic.lv/lv/status_registered.txt", model.Registrar{Name: "MarkMonitor Inc."}}, // [Registrar]
		{"likexian/fi_git.fi.txt", model.Registrar{Name: "Gandi SAS"}},                              // heading, empty line, registrar....:
		// The name on the line below, without a label (NASK, SWITCH's tab, .as).
		{"likexian/pl_google.pl.txt", model.Registrar{Name: "Markmonitor, Inc."}},
		{"likexian/ch_switch.ch.txt", model.Registrar{Name: "Gandi SAS"}},
		{"weppos/whois.nic.as/as/status_registered.txt", model.Registrar{Name: "MarkMonitor Inc."}},
		// RPSL: the registrar object's organization (.ua, .sk), or the
		// domain object's registrar: (.cz, AFNIC).
		{"likexian/ua_nic.ua.txt", model.Registrar{Name: "NIC.UA LLC"}},
		{"likexian/sk_google.sk.txt", model.Registrar{Name: "MarkMonitor International Limited"}},
		{"likexian/sk_alza.sk.txt", model.Registrar{Name: "ACTIVE 24, s.r.o."}},
		{"weppos/whois.nic.cz/cz/status_registered.txt", model.Registrar{Name: "REG-MARKMONITOR"}},
		{"weppos/whois.nic.fr/fr/status_registered.txt", model.Registrar{Name: "MARKMONITOR Inc."}},
		// Other labels of ccTLD registries.
		{"likexian/kz_ps.kz.txt", model.Registrar{Name: "ICPS"}}, // Current Registar
		{"likexian/at_samsung.at.pre.txt", model.Registrar{Name: "ANEXIA Internetdienstleistungs GmbH"}},
		{"weppos/whois.srs.net.nz/nz/status_registered.txt", model.Registrar{Name: "MarkMonitor"}}, // registrar_name
		{"weppos/whois.dns.lu/lu/status_registered.txt", model.Registrar{Name: "Markmonitor"}},     // registrar-name
		{"weppos/whois.nic.dz/dz/status_registered.txt", model.Registrar{Name: "cerist"}},          // Registrar#. . .
		{"weppos/whois.museum/museum/status_registered.txt", model.Registrar{Name: "CORE-904 (Musedoma)"}},
	}
	for _, tc := range tests {
		b, err := os.ReadFile(filepath.Join(realWHOIS, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		if got := RegistrarWHOIS(string(b)); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.file, got, tc.want)
		}
	}
}

// notTheName are labels about the registrar whose values are no name.
var notTheName = regexp.MustCompile(`(?im)^[ \t]*(?:sponsoring )?registrar[ _-]*(?:whois(?: server)?|url|abuse contact email|abuse contact phone|website|www|e-?mail|phone)[ .]*:[ \t]*(\S.*?)[ \t]*$`)

// On every real WHOIS answer: the name found is never one of the values
// labelled as the registrar's WHOIS server, URL, abuse contact and the
// like, nor a web or e-mail address; and a name is found in most answers
// that have a Registrar: line at all.
func TestRegistrarWHOISNeverTakesOtherLabels(t *testing.T) {
	var files, named, withLine int
	err := filepath.WalkDir(realWHOIS, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		text := string(b)
		got := RegistrarWHOIS(text)
		for _, m := range notTheName.FindAllStringSubmatch(text, -1) {
			if got.Name != "" && strings.EqualFold(got.Name, m[1]) {
				t.Errorf("%s: took %q, the value of %q", path, got.Name, strings.TrimSpace(m[0]))
			}
		}
		lower := strings.ToLower(got.Name)
		if strings.Contains(lower, "://") || strings.Contains(lower, "@") {
			t.Errorf("%s: took an address for the name: %q", path, got.Name)
		}
		if got.IANAID != "" && !registrarDigits(got.IANAID) {
			t.Errorf("%s: IANA ID %q", path, got.IANAID)
		}
		if regexp.MustCompile(`(?im)^[ \t]*registrar:[ \t]*\S`).MatchString(text) {
			withLine++
			if got.Name != "" {
				named++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 400 || withLine == 0 || named < withLine*95/100 {
		t.Errorf("%d files; a registrar named in %d of the %d with a Registrar: line", files, named, withLine)
	}
}

// The rule tests written here: one form each.
func TestRegistrarWHOISForms(t *testing.T) {
	tests := []struct {
		name, text string
		want       model.Registrar
	}{
		{"whois server, URL and abuse before the name",
			"Registrar WHOIS Server: whois.example.net\nRegistrar URL: http://www.example.net\nRegistrar Abuse Contact Email: abuse@example.net\nRegistrar: Example Registrar, LLC\nRegistrar IANA ID: 9999\n",
			model.Registrar{Name: "Example Registrar, LLC", IANAID: "9999"}},
		{"no space after the colon", "Sponsoring Registrar:Example NV\nSponsoring Registrar IANA ID:1234\n", model.Registrar{Name: "Example NV", IANAID: "1234"}},
		{"not applicable", "Registrar: Example\nRegistrar IANA ID: not applicable\n", model.Registrar{Name: "Example"}},
		{"a heading with nothing under it", "Registrar:\n\nRegistrant:\n   Jan Jansen\n", model.Registrar{}},
		{"authorised registrar", "Authorised Registrar: ACTI-0024\n", model.Registrar{Name: "ACTI-0024"}},
		{"a numeric registrar ID names nothing", "Registrar ID: 465\n", model.Registrar{}},
		{"nothing", "Domain: example.de\nStatus: connect\n", model.Registrar{}},
	}
	for _, tc := range tests {
		if got := RegistrarWHOIS(tc.text); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// The self-written answers under testdata/ name their registrar too.
func TestRegistrarWritten(t *testing.T) {
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", p))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if got, want := RegistrarWHOIS(string(read("whois/nl-sidn-private.txt"))), (model.Registrar{Name: "Hostingbedrijf Voorbeeld B.V."}); got != want {
		t.Errorf("SIDN WHOIS: %+v, want %+v", got, want)
	}
	if got, want := RegistrarWHOIS(string(read("whois/com-registrar-proxy.txt"))), (model.Registrar{Name: "NAMECHEAP INC", IANAID: "1068"}); got != want {
		t.Errorf("registrar WHOIS: %+v, want %+v", got, want)
	}
	if got, want := RegistrarRDAP(read("rdap/uk-nominet-individual.json")), (model.Registrar{Name: "Hostingbedrijf Voorbeeld B.V."}); got != want {
		t.Errorf("Nominet RDAP: %+v, want %+v", got, want)
	}
	if got := RegistrarRDAP(read("rdap/de-denic.json")); got.Known() {
		t.Errorf("DENIC RDAP names no registrar, got %+v", got)
	}
}
