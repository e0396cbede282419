package model

import (
	"fmt"
	"time"
)

// Verdict is what a scan concludes about a domain's registrant data.
type Verdict string

// The verdicts.
const (
	// VerdictExposed: personal data of a natural person is publicly visible.
	VerdictExposed Verdict = "exposed"
	// VerdictProxied: a privacy or proxy service stands in for the registrant.
	VerdictProxied Verdict = "proxied"
	// VerdictRedacted: registrant data is withheld.
	VerdictRedacted Verdict = "redacted"
	// VerdictOrganisation: the registrant is a legal entity and only its data is shown.
	VerdictOrganisation Verdict = "organisation"
	// VerdictNotPublished: the registry publishes no registrant data at all.
	VerdictNotPublished Verdict = "not_published"
	// VerdictUndetermined: the response is a registration record, but the
	// classifier could not place its registrant data (or saw personal-looking
	// data it could not place). Staff review it.
	VerdictUndetermined Verdict = "undetermined"
)

// Verdicts lists every verdict, from worst to best.
var Verdicts = []Verdict{VerdictExposed, VerdictUndetermined, VerdictOrganisation, VerdictProxied, VerdictRedacted, VerdictNotPublished}

// ParseVerdict reads a verdict's name.
func ParseVerdict(s string) (Verdict, error) {
	for _, v := range Verdicts {
		if string(v) == s {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown verdict %q", s)
}

// Field is one item of registrant data.
type Field string

// The fields of registrant data.
const (
	FieldName         Field = "name"
	FieldOrganisation Field = "organisation"
	FieldStreet       Field = "street"
	FieldPostalCode   Field = "postal_code"
	FieldCity         Field = "city"
	FieldCountry      Field = "country"
	FieldPhone        Field = "phone"
	FieldEmail        Field = "email"
)

// Fields lists every field in the order people read them.
var Fields = []Field{FieldName, FieldOrganisation, FieldStreet, FieldPostalCode, FieldCity, FieldCountry, FieldPhone, FieldEmail}

// FieldState says whether a field is public.
type FieldState string

// The states of a field.
const (
	FieldVisible  FieldState = "visible"  // shown, with its value
	FieldRedacted FieldState = "redacted" // withheld, masked or replaced by a marker
	FieldAbsent   FieldState = "absent"   // not part of the response
)

// FieldValue is one field as a scan found it.
type FieldValue struct {
	State FieldState `json:"state"`
	Value string     `json:"value,omitempty"`
	// Contact names the contact the value was taken from when it is not the
	// registrant, e.g. "administrative" where SIDN shows the administrative
	// contact's e-mail in the registrant's place.
	Contact string `json:"contact,omitempty"`
}

// Match says which visible values are our customer's own data.
type Match struct {
	Name       bool `json:"name"`
	Email      bool `json:"email"`
	PostalCode bool `json:"postal_code"`
	Phone      bool `json:"phone"`
}

// Any reports whether anything matched.
func (m Match) Any() bool { return m.Name || m.Email || m.PostalCode || m.Phone }

// Classification is the classifier's reading of one RDAP or WHOIS response.
type Classification struct {
	Domain   string               `json:"domain"`
	Verdict  Verdict              `json:"verdict"`
	Fields   map[Field]FieldValue `json:"fields"`
	Evidence []string             `json:"evidence"`
	// Match is set when the customer's own data was known to the classifier.
	Match *Match `json:"match,omitempty"`
}

// Source is where a scan read the registration data.
type Source string

// The sources.
const (
	SourceRDAP  Source = "rdap"
	SourceWHOIS Source = "whois"
)

// ScanStatus says how a scan ended.
type ScanStatus string

// The ways a scan ends.
const (
	ScanOK            ScanStatus = "ok"             // classified; see the verdict
	ScanNotRegistered ScanStatus = "not_registered" // the registry does not know the domain
	ScanFailed        ScanStatus = "failed"         // no answer could be read; see the reason
)

// ScanResult is one scan of one domain.
type ScanResult struct {
	ID        int64
	DomainID  int64
	Domain    string
	ScannedAt time.Time
	Source    Source // where the classified answer came from
	Server    string // the host that answered
	// Registrar is the registrar of record the live record names; zero
	// when it names none, or no record was read.
	Registrar Registrar
	Status    ScanStatus
	// FailureReason is a short, stable category ("timeout", "rate_limited",
	// "malformed", …) for counting; FailureDetail says more, without
	// personal data.
	FailureReason string
	FailureDetail string
	Classification
	// Raw is the response as received, kept for a limited time; nil once purged.
	Raw []byte
	// LastSeenAt is the last time a scan found this same result, and
	// SeenCount how many scans did: a scan that finds what the domain's
	// latest one found extends that one instead of adding a row, so a
	// stored result's ScannedAt is the first time it was seen.
	LastSeenAt time.Time
	SeenCount  int
	// ValuesRemoved says the retention policy has stripped the values.
	ValuesRemoved bool
}
