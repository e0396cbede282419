package model

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CustomerKind says whether a customer is a natural person or a legal entity.
type CustomerKind string

// The kinds of customer.
const (
	CustomerPerson       CustomerKind = "person"
	CustomerOrganisation CustomerKind = "organisation"
)

// ParseCustomerKind reads "person" or "organisation" (also the American
// spelling), in any case.
func ParseCustomerKind(s string) (CustomerKind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "person":
		return CustomerPerson, nil
	case "organisation", "organization":
		return CustomerOrganisation, nil
	}
	return "", fmt.Errorf("kind must be person or organisation")
}

// Language is the language a customer reads their mail and pages in.
type Language string

// The languages customers can have.
const (
	LanguageDutch   Language = "nl"
	LanguageEnglish Language = "en"
)

// ParseLanguage reads "nl" or "en"; empty means Dutch.
func ParseLanguage(s string) (Language, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "nl":
		return LanguageDutch, nil
	case "en":
		return LanguageEnglish, nil
	}
	return "", fmt.Errorf("language must be nl or en")
}

// Customer is a customer of the hosting company with their NAW data. Every
// field but Number, Kind and Language is personal data for a person.
type Customer struct {
	ID              int64
	Number          string // the company's customer number, unique
	Name            string
	Kind            CustomerKind
	Email           string
	Phone           string
	Street          string
	PostalCode      string
	City            string
	Country         string // ISO 3166-1 alpha-2, upper case
	Language        Language
	RelationshipEnd Date // zero while the relationship is active
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Active reports whether the relationship has not ended on day.
func (c Customer) Active(day Date) bool {
	return c.RelationshipEnd.IsZero() || !c.RelationshipEnd.Before(day)
}

// SameData reports whether c and o hold the same customer data, ignoring the
// ids and timestamps the store adds.
func (c Customer) SameData(o Customer) bool {
	return len(c.ChangedFields(o)) == 0
}

// ChangedFields names the fields in which o differs from c.
func (c Customer) ChangedFields(o Customer) []string {
	var changed []string
	add := func(name string, differs bool) {
		if differs {
			changed = append(changed, name)
		}
	}
	add("name", c.Name != o.Name)
	add("kind", c.Kind != o.Kind)
	add("email", c.Email != o.Email)
	add("phone", c.Phone != o.Phone)
	add("street", c.Street != o.Street)
	add("postal_code", c.PostalCode != o.PostalCode)
	add("city", c.City != o.City)
	add("country", c.Country != o.Country)
	add("language", c.Language != o.Language)
	add("relationship_end", c.RelationshipEnd != o.RelationshipEnd)
	return changed
}

// Problem is one thing wrong with a value, named by its field. Reasons never
// repeat the value itself, since it may be personal data.
type Problem struct {
	Field  string
	Reason string
}

func (p Problem) String() string { return p.Field + ": " + p.Reason }

var (
	customerNumberPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$`)
	dutchPostalCode       = regexp.MustCompile(`^([1-9][0-9]{3}) ?([A-Z]{2})$`)
	postalCodePattern     = regexp.MustCompile(`^[A-Z0-9][A-Z0-9 -]{1,9}$`)
	phoneAllowed          = regexp.MustCompile(`^\+?[0-9 .()/-]+$`)
)

// Normalize tidies the fields people type differently — spaces, case of
// codes, Dutch postal codes — and reports every problem left.
func (c *Customer) Normalize() []Problem {
	var problems []Problem
	bad := func(field, reason string) { problems = append(problems, Problem{field, reason}) }

	c.Number = strings.TrimSpace(c.Number)
	switch {
	case c.Number == "":
		bad("customer_number", "is empty")
	case !customerNumberPattern.MatchString(c.Number):
		bad("customer_number", "must be 1 to 64 letters, digits, '.', '_', '/' or '-'")
	}

	c.Name = collapseSpaces(c.Name)
	if c.Name == "" {
		bad("name", "is empty")
	}
	for _, f := range []struct {
		name  string
		value *string
	}{{"name", &c.Name}, {"street", &c.Street}, {"city", &c.City}} {
		*f.value = collapseSpaces(*f.value)
		if reason := textProblem(*f.value, 200); reason != "" {
			bad(f.name, reason)
		}
	}

	if c.Kind != CustomerPerson && c.Kind != CustomerOrganisation {
		bad("kind", "must be person or organisation")
	}
	if c.Language == "" {
		c.Language = LanguageDutch
	}
	if c.Language != LanguageDutch && c.Language != LanguageEnglish {
		bad("language", "must be nl or en")
	}

	c.Email = strings.TrimSpace(c.Email)
	if c.Email == "" {
		bad("email", "is empty")
	} else if r, ok := invisibleRune(c.Email); ok {
		bad("email", fmt.Sprintf("contains an invisible or direction-changing character (%U)", r))
	} else if !validEmail(c.Email) {
		bad("email", "is not a valid e-mail address")
	}

	c.Phone = collapseSpaces(c.Phone)
	if c.Phone != "" {
		if digits := countDigits(c.Phone); !phoneAllowed.MatchString(c.Phone) || digits < 6 || digits > 17 {
			bad("phone", "must be 6 to 17 digits, optionally with +, spaces, dots, dashes or brackets")
		}
	}

	c.Country = strings.ToUpper(strings.TrimSpace(c.Country))
	if c.Country != "" && !ValidCountry(c.Country) {
		bad("country", "is not an ISO 3166-1 alpha-2 country code")
	}

	c.PostalCode = strings.ToUpper(collapseSpaces(c.PostalCode))
	if c.PostalCode != "" {
		if m := dutchPostalCode.FindStringSubmatch(c.PostalCode); c.Country == "NL" && m != nil {
			c.PostalCode = m[1] + " " + m[2]
		} else if c.Country == "NL" {
			bad("postal_code", "is not a Dutch postal code (1234 AB)")
		} else if !postalCodePattern.MatchString(c.PostalCode) {
			bad("postal_code", "must be 2 to 10 letters, digits, spaces or dashes")
		}
	}
	return problems
}

func validEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

func collapseSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }

func textProblem(s string, max int) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if utf8.RuneCountInString(s) > max {
		return fmt.Sprintf("is longer than %d characters", max)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "contains a control character"
		}
	}
	if r, ok := invisibleRune(s); ok {
		return fmt.Sprintf("contains an invisible or direction-changing character (%U)", r)
	}
	return ""
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}
