package model

import (
	"slices"
	"strings"
	"testing"
)

func validCustomer() Customer {
	return Customer{
		Number: "C1001", Name: "Jan  de Vries", Kind: CustomerPerson, Email: "jan@example.nl",
		Phone: "+31 6 1234 5678", Street: "Dorpsstraat 1", PostalCode: "1234ab", City: "Utrecht",
		Country: "nl", Language: "",
	}
}

func TestCustomerNormalizeTidies(t *testing.T) {
	c := validCustomer()
	if problems := c.Normalize(); len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := Customer{
		Number: "C1001", Name: "Jan de Vries", Kind: CustomerPerson, Email: "jan@example.nl",
		Phone: "+31 6 1234 5678", Street: "Dorpsstraat 1", PostalCode: "1234 AB", City: "Utrecht",
		Country: "NL", Language: LanguageDutch,
	}
	if !c.SameData(want) || c.Number != want.Number {
		t.Errorf("normalized = %+v\nwant %+v (changed: %v)", c, want, c.ChangedFields(want))
	}
}

func TestCustomerNormalizeReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Customer)
		fields []string
	}{
		{"empty number", func(c *Customer) { c.Number = " " }, []string{"customer_number"}},
		{"number with spaces", func(c *Customer) { c.Number = "C 1" }, []string{"customer_number"}},
		{"empty name", func(c *Customer) { c.Name = "" }, []string{"name"}},
		{"control character", func(c *Customer) { c.City = "Utr\x00echt" }, []string{"city"}},
		{"bad kind", func(c *Customer) { c.Kind = "robot" }, []string{"kind"}},
		{"bad language", func(c *Customer) { c.Language = "de" }, []string{"language"}},
		{"bad e-mail", func(c *Customer) { c.Email = "jan at example" }, []string{"email"}},
		{"e-mail with name", func(c *Customer) { c.Email = "Jan <jan@example.nl>" }, []string{"email"}},
		{"bad phone", func(c *Customer) { c.Phone = "call me" }, []string{"phone"}},
		{"short phone", func(c *Customer) { c.Phone = "123" }, []string{"phone"}},
		{"bad country", func(c *Customer) { c.Country = "UK" }, []string{"country"}},
		{"bad Dutch postal code", func(c *Customer) { c.PostalCode = "0123 AB" }, []string{"postal_code"}},
		{"several at once", func(c *Customer) { c.Name = ""; c.Email = "x"; c.Country = "XX" },
			[]string{"name", "email", "country"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validCustomer()
			tc.change(&c)
			var fields []string
			for _, p := range c.Normalize() {
				fields = append(fields, p.Field)
			}
			if !slices.Equal(fields, tc.fields) {
				t.Errorf("problems in %v, want %v", fields, tc.fields)
			}
		})
	}
}

func TestForeignPostalCodeKeptAsTyped(t *testing.T) {
	c := validCustomer()
	c.Country, c.PostalCode = "GB", "sw1a 1aa"
	if p := c.Normalize(); len(p) != 0 || c.PostalCode != "SW1A 1AA" {
		t.Errorf("postal code %q, problems %v", c.PostalCode, p)
	}
}

func TestParseKindAndLanguage(t *testing.T) {
	for in, want := range map[string]CustomerKind{"person": CustomerPerson, "Organisation": CustomerOrganisation, "organization": CustomerOrganisation} {
		if got, err := ParseCustomerKind(in); err != nil || got != want {
			t.Errorf("ParseCustomerKind(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseCustomerKind("bedrijf"); err == nil {
		t.Error("ParseCustomerKind accepted bedrijf")
	}
	for in, want := range map[string]Language{"": LanguageDutch, "NL": LanguageDutch, "en": LanguageEnglish} {
		if got, err := ParseLanguage(in); err != nil || got != want {
			t.Errorf("ParseLanguage(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseLanguage("fr"); err == nil {
		t.Error("ParseLanguage accepted fr")
	}
}

func TestCustomerActive(t *testing.T) {
	c := validCustomer()
	today := NewDate(2026, 11, 25)
	if !c.Active(today) {
		t.Error("customer without end date is not active")
	}
	c.RelationshipEnd = NewDate(2026, 11, 25)
	if !c.Active(today) {
		t.Error("customer is not active on the last day")
	}
	c.RelationshipEnd = NewDate(2026, 11, 24)
	if c.Active(today) {
		t.Error("customer is active after the end")
	}
}

func TestValidCountry(t *testing.T) {
	for _, c := range []string{"NL", "BE", "DE", "GB", "US", "AQ"} {
		if !ValidCountry(c) {
			t.Errorf("%s rejected", c)
		}
	}
	for _, c := range []string{"nl", "UK", "EU", "ZZ", "N", "NLD", ""} {
		if ValidCountry(c) {
			t.Errorf("%s accepted", c)
		}
	}
}

func TestNormalizeRefusesInvisibleCharacters(t *testing.T) {
	for field, set := range map[string]func(c *Customer){
		"name":   func(c *Customer) { c.Name = "Jan\u202e de Vries" },
		"street": func(c *Customer) { c.Street = "Kerk\u200bstraat 1" },
		"city":   func(c *Customer) { c.City = "Utrecht\u2069" },
		"email":  func(c *Customer) { c.Email = "jan\u200c@example.nl" },
	} {
		c := Customer{Number: "K1", Name: "Jan", Kind: CustomerPerson, Email: "jan@example.nl", Country: "NL"}
		set(&c)
		problems := c.Normalize()
		if len(problems) != 1 || problems[0].Field != field || !strings.Contains(problems[0].Reason, "invisible or direction-changing character (U+") {
			t.Errorf("%s: %v", field, problems)
		}
	}
}
