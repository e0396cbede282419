package classify

import (
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/model"
)

func TestLegalForm(t *testing.T) {
	for name, want := range map[string]string{
		"Bakkerij Het Gouden Korenaar B.V.":      "b.v.",
		"Stichting Vrienden van het Buurthuis":   "stichting",
		"Coöperatie Zonnedak U.A.":               "cooperatie",
		"Müller Feinkost GmbH":                   "gmbh",
		"Northwind Analytics Ltd":                "ltd",
		"Nordic Tools A/S":                       "a/s",
		"Example, Inc.":                          "inc.",
		"Ab de Vries":                            "",
		"Sa Jansen":                              "",
		"Jan de Vries Fotografie":                "",
		"Advocatenkantoor Haan & Partners":       "partners",
		"Gemeente Zwolle":                        "gemeente",
		"Installatiebedrijf Dekker & Zn. V.O.F.": "v.o.f.",
	} {
		if got := legalForm(name); got != want {
			t.Errorf("legalForm(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestMailboxes(t *testing.T) {
	for email, want := range map[string]bool{
		"info@bakkerij.nl": true, "hostmaster@hosting.nl": true, "info-nl@x.nl": true,
		"jan@janvandenheuvel.nl": false, "jan.devries@gmail.com": false,
	} {
		if got := roleMailbox(email); got != want {
			t.Errorf("roleMailbox(%q) = %v", email, got)
		}
	}
	for email, want := range map[string]bool{
		"info@bakkerij.nl": false, "jan.devries@bakkerij.nl": true, "bakkerij123@hotmail.com": true,
		"verkoop@bakkerij.nl": false, "sales@gmail.com": false,
	} {
		if got := personalMailbox(email); got != want {
			t.Errorf("personalMailbox(%q) = %v", email, got)
		}
	}
}

func TestMatch(t *testing.T) {
	ours := &model.Customer{Name: "Jan de Vries", Kind: model.CustomerPerson, Email: "Jan@Example.nl",
		PostalCode: "1234 AB", Phone: "+31 6 1234 5678"}
	fields := map[model.Field]model.FieldValue{
		model.FieldName:       {State: model.FieldVisible, Value: "JAN DE VRIES"},
		model.FieldEmail:      {State: model.FieldVisible, Value: "jan@example.nl"},
		model.FieldPostalCode: {State: model.FieldVisible, Value: "1234AB"},
		model.FieldPhone:      {State: model.FieldVisible, Value: "+31.612345678"},
	}
	if m := match(fields, ours); !m.Name || !m.Email || !m.PostalCode || !m.Phone {
		t.Errorf("match = %+v", m)
	}
	fields[model.FieldName] = model.FieldValue{State: model.FieldRedacted}
	fields[model.FieldOrganisation] = model.FieldValue{State: model.FieldVisible, Value: "Jan de Vries Fotografie"}
	fields[model.FieldPhone] = model.FieldValue{State: model.FieldVisible, Value: "+31.201111111"}
	if m := match(fields, ours); !m.Name || m.Phone {
		t.Errorf("sole trader's organisation or other phone: %+v", m)
	}
	if !sameName("Müller", "muller") || sameName("", "") {
		t.Error("sameName")
	}
}

// icann builds an ICANN-style WHOIS text from label/value pairs.
func icann(pairs ...string) string {
	var b strings.Builder
	b.WriteString("Domain Name: EXAMPLE.COM\n")
	for i := 0; i+1 < len(pairs); i += 2 {
		b.WriteString(pairs[i] + ": " + pairs[i+1] + "\n")
	}
	return b.String()
}

func TestWHOISRules(t *testing.T) {
	ours := &model.Customer{Name: "Jan de Vries", Kind: model.CustomerPerson, Email: "jan@devries.example"}
	tests := []struct {
		name string
		text string
		ours *model.Customer
		want model.Verdict
	}{
		{"person in full", icann("Registrant Name", "Jan de Vries", "Registrant Street", "Dorpsstraat 1",
			"Registrant City", "Utrecht", "Registrant Email", "jan@devries.example"), nil, model.VerdictExposed},
		{"personal e-mail alone", icann("Registrant Name", "REDACTED FOR PRIVACY", "Registrant Email", "jan.devries@gmail.com"),
			nil, model.VerdictExposed},
		{"country alone", icann("Registrant Name", "REDACTED FOR PRIVACY", "Registrant Country", "NL"), nil, model.VerdictRedacted},
		{"company with role mailbox", icann("Registrant Name", "Bakkerij B.V.", "Registrant Email", "info@bakkerij.example",
			"Registrant Phone", "+31.201234567"), nil, model.VerdictOrganisation},
		{"company with a person's private mailbox", icann("Registrant Organization", "Bakkerij B.V.",
			"Registrant Email", "piet.bakker@gmail.com"), nil, model.VerdictExposed},
		{"company with an employee's address at its own domain", icann("Registrant Organization", "Bakkerij B.V.",
			"Registrant Email", "piet.bakker@bakkerij.example"), nil, model.VerdictOrganisation},
		{"label without a space after the colon", "Domain Name:example.com\nRegistrant Name:Jan de Vries\nRegistrant Street:Dorpsstraat 1\n",
			nil, model.VerdictExposed},
		{"bracketed labels", "[Domain Name]  EXAMPLE.JP\n[Registrant]  Jan de Vries\n\nContact Information:\n[Name]  Jan de Vries\n[Email]  jan.devries@gmail.com\n",
			nil, model.VerdictExposed},
		{"heading in another language", "Nome de domínio / Domain Name: example.pt\nTitular / Registrant\n   Jan de Vries\n   Dorpsstraat 1\n   1234 AB Dorp\n\n",
			nil, model.VerdictExposed},
		{"international legal form", icann("Registrant Name", "Hostmaster", "Registrant Organization", "Exemple SARL",
			"Registrant Street", "1 rue de la Paix"), nil, model.VerdictOrganisation},
		{"initials only, with contact data", icann("Registrant Name", "JW", "Registrant Street", "1 High Street",
			"Registrant Phone", "+44.1234567890"), nil, model.VerdictUndetermined},
		{"contact data without a name or organisation", icann("Registrant Street", "1 High Street",
			"Registrant Phone", "+44.1234567890", "Registrant Email", "desk@example.com"), nil, model.VerdictUndetermined},
		{"a registry that says it shows no holder", "Domain: example.de\nNserver: ns1.example.net\n% The DENIC whois service on port 43 never discloses any information concerning\n",
			nil, model.VerdictNotPublished},
		{"a handle heading its contact's lines", "a [Domain Name]  example.my\ng [Registrant Code]   X1.ORG\n  Jan de Vries\n  Dorpsstraat 1\n  jan.devries@gmail.com\n",
			nil, model.VerdictExposed},
		{"a sole trader's form in the business name", icann("Registrant Name", "Jonas Petraitis",
			"Registrant Organization", "Firma INFOTECH", "Registrant Street", "Gedimino 1"), nil, model.VerdictExposed},
		{"a name with its address in angle brackets", "Domain Name : example.za.net\nRegistered for : Colin Smith <colin@example.net>\n  11 Long Street\n  Cape Town\n",
			nil, model.VerdictExposed},
		{"labels set off by spaces alone", "Domain-name   example.sk\nAdmin-id      ABC-0001\nAdmin-name    Jan de Vries\nAdmin-email   jan.devries@gmail.com\n",
			nil, model.VerdictExposed},
		{"dotted leaders without a colon", "Domain Name.......... example.com\n  Organisation Name.... Example Holdings Ltd\n  Organisation Address. 1 High Street\n",
			nil, model.VerdictOrganisation},
		{"a registry's stand-in for the user", "Domain name:\n   EXAMPLE.TK\nOrganisation:\n   Example Registry B.V.\n   P.O. Box 1\n\nDue to restrictions in the Privacy Statement personal information\nabout the user of the domain name cannot be released.\n",
			nil, model.VerdictProxied},
		{"RPSL objects without blank lines", "domain: example.at\nregistrant: ABC123-NICAT\nsource: AT-DOM\npersonname: Jan de Vries\nstreet address: Dorpsstraat 1\ne-mail: jan.devries@gmail.com\nnic-hdl: ABC123-NICAT\nsource: AT-DOM\n",
			nil, model.VerdictExposed},
		{"ISO 8859-1 text", "domain: example.is\ndescr: J\xf3n J\xf3nsson\ndescr: Laugavegur 1\ne-mail: jon@example.is\n",
			nil, model.VerdictExposed},
		{"the attribute before the role (French)", "Nom de domaine: example\nNom Registrant: Jean Dupont\nAdresse Registrant: 1 rue de la Paix\nVille Registrant: Dakar\n",
			nil, model.VerdictExposed},
		{"numbered labels", "1a. domain : example.co.za\n2a. registrant : REDACTED\n2c. registrantstreetaddress : REDACTED\n2j. registrantphone : REDACTED\n",
			nil, model.VerdictRedacted},
		{"a contact type naming the lines' role", "Domain:.............example.tg\nContact Type:.......owner\nLast Name:..........Dupont\nFirst Name:.........Jean\ne-mail:.............jean.dupont@hotmail.com\n",
			nil, model.VerdictExposed},
		{"a blank line inside a flat section", "Registrant:\nEmail Address: dns@example.com\nPhone Number: +1.6502530000\n\nInternational Name: DNS Admin\nInternational Organisation: Example Inc.\n",
			nil, model.VerdictOrganisation},
		{"a trade name after the legal form", icann("Registrant Name", "Domain Manager", "Registrant Organization", "Nom-IQ Ltd dba Com Laude",
			"Registrant Street", "1 High Street"), nil, model.VerdictOrganisation},
		{"a name and its address on one line (TWNIC)", "Domain Name: example.tw\n   Registrant:\n      Denis Rochefort  d.rochefort@protonmail.com\n   Administrative Contact:\n      Denis Rochefort  d.rochefort@protonmail.com\n",
			nil, model.VerdictExposed},
		{"a handle with a colon (CZ.NIC)", "domain: example.cz\nregistrant: SB:EXAMPLE\nnsset: NSS:X\n\ncontact: SB:EXAMPLE\nname: Marek Novak\naddress: Hlavni 1\naddress: Praha\n",
			nil, model.VerdictExposed},
		{"an RPSL role object is an organisation", "domain: example.is\nholder: ABC1-IS\n\nrole: Example Hosting S.a r.l.\nnic-hdl: ABC1-IS\naddress: 1 rue Haute\nphone: +352 123456\n",
			nil, model.VerdictOrganisation},
		{"a legal form with an accent", icann("Registrant Organization", "Exemple Europe S.à.r.l.", "Registrant Street", "1 avenue Kennedy"),
			nil, model.VerdictOrganisation},
		{"a record with nothing recognisable", "Domain Name: example.zz\nGarbled Holder Stuff\nsomething: else\nperson-ish@gmail.com\n",
			nil, model.VerdictUndetermined},
		{"sole trader by name", icann("Registrant Name", "Jan de Vries", "Registrant Organization", "Jan de Vries Fotografie",
			"Registrant Country", "NL"), nil, model.VerdictExposed},
		{"sole trader known to us", icann("Registrant Organization", "Jan de Vries Fotografie", "Registrant Country", "NL"),
			ours, model.VerdictExposed},
		{"organisation without legal form", icann("Registrant Organization", "Tandartsenpraktijk Molenzicht",
			"Registrant Email", "info@molenzicht.example"), nil, model.VerdictOrganisation},
		{"proxy", icann("Registrant Name", "Registration Private", "Registrant Organization", "Domains By Proxy, LLC",
			"Registrant Street", "100 S. Mill Ave, Suite 1600", "Registrant Email", "example.com@domainsbyproxy.com"), nil, model.VerdictProxied},
		{"contact form", icann("Registrant Name", "REDACTED FOR PRIVACY",
			"Registrant Email", "Please query the RDDS service of the Registrar of Record identified in this output"), nil, model.VerdictRedacted},
		{"nothing", "Domain: example.de\nNserver: ns1.example.de\nStatus: connect\n", nil, model.VerdictNotPublished},
		{"block with admin e-mail in the registrant's place",
			"Domain name: example.nl\nStatus: active\n\nRegistrant:\n   Not disclosed\n\nAdministrative contact:\n   jan@devries.example\n",
			ours, model.VerdictExposed},
		{"block with a role admin e-mail",
			"Domain name: example.nl\n\nRegistrant:\n   Not disclosed\n\nAdministrative contact:\n   hostmaster@hosting.example\n",
			nil, model.VerdictRedacted},
		{"block with a business registrant",
			"Domain name: example.nl\n\nRegistrant:\n   Bakkerij De Korenaar B.V.\n   Dorpsstraat 1\n   1234AB Utrecht\n   Netherlands\n\nAdministrative contact:\n   info@korenaar.example\n",
			nil, model.VerdictOrganisation},
		{"rpsl person object",
			"domain: example.fr\nholder-c: JD123-FRNIC\n\nnic-hdl: JD123-FRNIC\ntype: PERSON\ncontact: Jeanne Dupont\naddress: 1 rue de la Paix\naddress: 75002 Paris\ncountry: FR\ne-mail: jeanne@dupont.example\n",
			nil, model.VerdictExposed},
		{"private person line", "domain: example.ru\nperson: Private Person\nregistrar: RU-CENTER-RU\n", nil, model.VerdictRedacted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := WHOIS("example.com", tc.text, tc.ours)
			if err != nil {
				t.Fatal(err)
			}
			if got.Verdict != tc.want {
				t.Errorf("verdict %s, want %s\nevidence: %s\nfields: %v", got.Verdict, tc.want, strings.Join(got.Evidence, "; "), got.Fields)
			}
		})
	}
}

func TestOurPersonRecordedAsABusiness(t *testing.T) {
	ours := &model.Customer{Name: "Jan de Vries", Kind: model.CustomerPerson}
	body := `{"objectClassName":"domain","entities":[{"roles":["registrant"],"vcardArray":["vcard",[["fn",{},"text","Jan de Vries"],["kind",{},"text","org"]]]}]}`
	c, err := RDAP("example.nl", []byte(body), ours)
	if err != nil || c.Verdict != model.VerdictExposed {
		t.Errorf("with our data: %s, %v", c.Verdict, err)
	}
	// Without our data the registry's "org" still names only a person:
	// fail safe, it counts as a person's.
	c, _ = RDAP("example.nl", []byte(body), nil)
	if c.Verdict != model.VerdictExposed {
		t.Errorf("without our data: %s", c.Verdict)
	}
}
