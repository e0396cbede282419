// Package quote prices a privacy request and writes the quote the customer
// reads: from the price table (registrar cost and the company's fee per TLD
// and registrar) and versioned templates in Dutch and English. The exact
// text is kept with its version and SHA-256, as evidence of what the
// customer agreed to.
package quote

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"strings"
	"text/template"

	"github.com/afscherm/afscherm/internal/model"
)

// Version is the version of the templates quotes are written from now. A
// change to a template's wording is a new version, in new files, so that
// every stored quote names the text it came from.
const Version = "v1"

//go:embed templates/*.tmpl
var templateFiles embed.FS

var templates = template.Must(template.New("").ParseFS(templateFiles, "templates/*.tmpl"))

// Input is what a quote says.
type Input struct {
	Domain    string // as people read it (U-labels)
	Customer  string // customer number
	Language  model.Language
	Visible   []model.Field // the fields the last scan found visible
	Changes   []string      // what will change, in the customer's language; a general sentence when empty
	Price     model.Price
	ExpiresOn model.Date
}

// Render writes the quote text in the customer's language.
func Render(in Input) (model.QuoteText, error) {
	lang := in.Language
	if lang != model.LanguageEnglish {
		lang = model.LanguageDutch
	}
	changes := in.Changes
	if len(changes) == 0 {
		changes = []string{DefaultChange(lang)}
	}
	type line struct{ Label, Net, VAT, Gross string }
	var lines []line
	for _, l := range in.Price.Lines {
		lines = append(lines, line{itemLabel(l.Item, lang), money(l.Net, lang), money(l.VAT, lang), money(l.Gross, lang)})
	}
	net, vat, gross := in.Price.Totals()
	data := map[string]any{
		"Domain": in.Domain, "Customer": in.Customer, "Version": Version, "Visible": FieldList(in.Visible, lang),
		"Changes": changes, "Lines": lines, "Net": money(net, lang), "VAT": money(vat, lang), "Gross": money(gross, lang),
		"ExpiresOn": dateText(in.ExpiresOn, lang),
	}
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, Version+"."+string(lang)+".tmpl", data); err != nil {
		return model.QuoteText{}, fmt.Errorf("quote: %w", err)
	}
	text := b.String()
	sum := sha256.Sum256([]byte(text))
	return model.QuoteText{Version: Version, Language: lang, Text: text, SHA256: hex.EncodeToString(sum[:])}, nil
}

// Hash is the SHA-256 of a quote text, as Render stores it.
func Hash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// DefaultChange is what shielding does where the party's adapter says no more.
func DefaultChange(lang model.Language) string {
	if lang == model.LanguageEnglish {
		return "We ask the registrar or registry to hide these details from the public register; " +
			"the register then no longer shows them to the public."
	}
	return "Wij vragen de registrar of het register om deze gegevens in het openbare register af te schermen; " +
		"het register toont ze daarna niet meer aan het publiek."
}

var fieldNames = map[model.Language]map[model.Field]string{
	model.LanguageDutch: {
		model.FieldName: "uw naam", model.FieldOrganisation: "uw bedrijfsnaam", model.FieldStreet: "uw straat en huisnummer",
		model.FieldPostalCode: "uw postcode", model.FieldCity: "uw woonplaats", model.FieldCountry: "uw land",
		model.FieldPhone: "uw telefoonnummer", model.FieldEmail: "uw e-mailadres",
	},
	model.LanguageEnglish: {
		model.FieldName: "your name", model.FieldOrganisation: "your business name", model.FieldStreet: "your street address",
		model.FieldPostalCode: "your postal code", model.FieldCity: "your town", model.FieldCountry: "your country",
		model.FieldPhone: "your phone number", model.FieldEmail: "your e-mail address",
	},
}

// FieldList names the fields for the customer: "uw naam, uw postcode en
// uw e-mailadres". It names fields, never their values.
func FieldList(fields []model.Field, lang model.Language) string {
	var names []string
	for _, f := range fields {
		names = append(names, fieldNames[lang][f])
	}
	and := " en "
	if lang == model.LanguageEnglish {
		and = " and "
	}
	switch len(names) {
	case 0:
		if lang == model.LanguageEnglish {
			return "details about you"
		}
		return "gegevens over u"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + and + names[len(names)-1]
}

func itemLabel(item string, lang model.Language) string {
	labels := map[string][2]string{
		model.ItemRegistrarCost: {"Kosten registrar of register", "Registrar or registry cost"},
		model.ItemServiceFee:    {"Onze afhandeling", "Our handling fee"},
	}
	l, ok := labels[item]
	if !ok {
		return item
	}
	if lang == model.LanguageEnglish {
		return l[1]
	}
	return l[0]
}

func money(c model.Cents, lang model.Language) string {
	if lang == model.LanguageEnglish {
		return c.English()
	}
	return c.Dutch()
}

var months = map[model.Language][]string{
	model.LanguageDutch:   {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	model.LanguageEnglish: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

func dateText(d model.Date, lang model.Language) string {
	t := d.Time()
	if lang == model.LanguageEnglish {
		return fmt.Sprintf("%d %s %d", t.Day(), months[lang][t.Month()-1], t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), months[lang][t.Month()-1], t.Year())
}
