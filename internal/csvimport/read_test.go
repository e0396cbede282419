package csvimport

import (
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/model"
)

const customerHeader = "customer_number;name;kind;email;phone;street;postal_code;city;country;language;relationship_end\n"

func TestReadCustomersSemicolonsBOMAndQuotes(t *testing.T) {
	in := "\xef\xbb\xbf" + customerHeader +
		"K1;Jan de Vries;person;jan@example.nl;+31 6 1234 5678;Dorpsstraat 1;1234ab;Utrecht;nl;;\r\n" +
		";;;;;;;;;;\r\n" +
		"K2;\"Bakker; Zonen B.V.\";Organisation;info@bakker.example;;;;;;EN;31-12-2026\r\n"
	rows, errs := ReadCustomers(strings.NewReader(in), "c.csv")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(rows) != 2 {
		t.Fatalf("rows = %+v", rows)
	}
	jan, bakker := rows[0].Customer, rows[1].Customer
	if jan.PostalCode != "1234 AB" || jan.Country != "NL" || jan.Language != model.LanguageDutch || rows[0].Line != 2 {
		t.Errorf("jan = %+v (line %d)", jan, rows[0].Line)
	}
	if bakker.Name != "Bakker; Zonen B.V." || bakker.Kind != model.CustomerOrganisation ||
		bakker.Language != model.LanguageEnglish || bakker.RelationshipEnd.String() != "2026-12-31" || rows[1].Line != 4 {
		t.Errorf("bakker = %+v (line %d)", bakker, rows[1].Line)
	}
}

func TestReadDomainsCommasAndIDN(t *testing.T) {
	in := "Domain, Customer Number ,REGISTRAR\nBücher.NL.,K1,SIDN\nexample.com,K2,openprovider\n"
	rows, errs := ReadDomains(strings.NewReader(in), "d.csv")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := []DomainRow{{2, "xn--bcher-kva.nl", "K1", "sidn"}, {3, "example.com", "K2", "openprovider"}}
	if len(rows) != 2 || rows[0] != want[0] || rows[1] != want[1] {
		t.Errorf("rows = %+v", rows)
	}
}

func TestReadReportsEveryBadRow(t *testing.T) {
	in := customerHeader +
		"K1;Jan;person;jan@example.nl;;;;;NL;;\n" + // line 2: good
		"K2;;person;not-an-address;;;;;NL;;\n" + // line 3: name and e-mail
		"K3;Piet;robot;piet@example.nl;;;;;NL;;\n" + // line 4: kind
		"K1;Jan again;person;jan2@example.nl;;;;;NL;;\n" + // line 5: duplicate number
		"K4;Kees;person;kees@example.nl;;;;;NL;;2026-13-01\n" + // line 6: date
		"K5;Kees;person\n" + // line 7: too few fields
		"K6;Kl\xe9s;person;kl@example.nl;;;;;NL;;\n" + // line 8: Latin-1, not UTF-8
		"K7;Anna;person;anna@example.nl;;;0123 AB;;NL;;\n" // line 9: postal code
	_, errs := ReadCustomers(strings.NewReader(in), "c.csv")
	want := map[int]string{3: "name: is empty; email: is not a valid e-mail address", 4: "kind:", 5: "appears already on line 2",
		6: "relationship_end", 7: "has 3 fields where the header has 11", 8: "not UTF-8", 9: "postal_code"}
	if len(errs) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(errs), len(want), errs)
	}
	for _, e := range errs {
		if !strings.Contains(e.Reason, want[e.Line]) || e.File != "c.csv" {
			t.Errorf("line %d: %q, want it to mention %q", e.Line, e.Reason, want[e.Line])
		}
		if strings.Contains(e.Reason, "not-an-address") {
			t.Errorf("line %d repeats the value: %q", e.Line, e.Reason)
		}
	}
}

func TestReadDomainProblems(t *testing.T) {
	in := "domain;customer_number;registrar\n" +
		"bücher.nl;K1;sidn\n" +
		"xn--bcher-kva.nl;K1;sidn\n" + // the same domain in A-label form
		"-bad.nl;K1;sidn\n" +
		"ok.nl;;open provider\n"
	_, errs := ReadDomains(strings.NewReader(in), "d.csv")
	lines := map[int]bool{}
	for _, e := range errs {
		lines[e.Line] = true
	}
	if len(errs) != 3 || !lines[3] || !lines[4] || !lines[5] {
		t.Errorf("problems: %v", errs)
	}
	if !strings.Contains(errs[0].Reason, "appears already on line 2") {
		t.Errorf("duplicate not explained: %q", errs[0].Reason)
	}
	if !strings.Contains(errs[2].Reason, "customer_number: is empty") || !strings.Contains(errs[2].Reason, "registrar:") {
		t.Errorf("both problems of line 5 not reported: %q", errs[2].Reason)
	}
}

func TestReadHeaderProblems(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "is empty"},
		{"only spaces", " \n\n", "is empty"},
		{"missing column", "domain,registrar\nexample.nl,sidn\n", "lacks the column(s) customer_number"},
		{"unknown column", "domain,customer_number,registrar,colour\n", `unknown column(s) "colour"`},
		{"repeated column", "domain,customer_number,registrar,Domain\n", "repeats the column(s) domain"},
		{"bad quoting", "domain,customer_number,registrar\n\"ex\"ample.nl,K1,sidn\n", `extraneous or missing " in quoted-field`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := ReadDomains(strings.NewReader(tc.in), "d.csv")
			if len(errs) == 0 || !strings.Contains(errs.Error(), tc.want) {
				t.Errorf("errors %v, want %q", errs, tc.want)
			}
		})
	}
}

func TestSniffDelimiter(t *testing.T) {
	for in, want := range map[string]rune{
		"a;b;c\n1,5;2;3": ';', "a,b,c\n": ',', `"x;y",b,c`: ',', "single\n": ',',
	} {
		if got := sniffDelimiter([]byte(in)); got != want {
			t.Errorf("sniffDelimiter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadDomainWithoutRegistrar(t *testing.T) {
	rows, errs := ReadDomains(strings.NewReader("domain,customer_number,registrar\nleeg.com,K1,\nspatie.com,K1,  \n"), "d.csv")
	if len(errs) != 0 || len(rows) != 2 || rows[0].Registrar != "" || rows[1].Registrar != "" {
		t.Errorf("rows %+v, problems %v: an empty registrar is allowed (the live one is used)", rows, errs)
	}
}
