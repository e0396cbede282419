package model

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// Domain is a customer's domain name, stored as lower-case A-labels.
type Domain struct {
	ID             int64
	Name           string // A-label form, e.g. "xn--bcher-kva.nl"
	CustomerID     int64
	CustomerNumber string
	Registrar      string // our registrar of record, e.g. "openprovider"
	AddedOn        Date
	RemovedOn      Date // zero while the domain is with us
	// LastVerdict is the verdict of the latest successful scan; empty
	// before the first, or when the domain is no longer registered.
	LastVerdict   Verdict
	LastScannedAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TLD returns the last label of the domain name.
func (d Domain) TLD() string { return TLD(d.Name) }

// DisplayName returns the name as people read it, in U-labels.
func (d Domain) DisplayName() string { return DisplayDomainName(d.Name) }

// Active reports whether the domain is with us.
func (d Domain) Active() bool { return d.RemovedOn.IsZero() }

// TLD returns the last label of a domain name.
func TLD(name string) string {
	return name[strings.LastIndexByte(name, '.')+1:]
}

var lookupProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.ValidateLabels(true),
	idna.StrictDomainName(true),
	idna.VerifyDNSLength(true),
	idna.Transitional(false),
)

var alphaTLD = regexp.MustCompile(`^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$`)

// ErrDomainName is the error every invalid domain name wraps.
var ErrDomainName = errors.New("invalid domain name")

// NormalizeDomainName turns what a person typed — any case, a trailing dot,
// Unicode labels — into the lower-case A-label form afscherm stores, and
// checks that it is a registrable-looking host name with at least two labels.
// A name that IDNA mapping (UTS #46) would turn into another — invisible
// characters dropped, full-width or compatibility forms folded, so that
// pay<U+200B>pal.com became paypal.com — is refused rather than silently
// changed. Its errors never repeat the name, which may be a person's.
func NormalizeDomainName(s string) (string, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrDomainName)
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrDomainName)
	}
	if r, ok := invisibleRune(s); ok {
		return "", fmt.Errorf("%w: contains an invisible or direction-changing character (%U)", ErrDomainName, r)
	}
	a, err := lookupProfile.ToASCII(s)
	if err != nil {
		return "", fmt.Errorf("%w: %s", ErrDomainName, idnaReason(s, err))
	}
	a = strings.ToLower(a)
	if changedByMapping(s, a) {
		return "", fmt.Errorf("%w: changes under IDNA mapping (UTS #46) into another name; give the name exactly as registered", ErrDomainName)
	}
	labels := strings.Split(a, ".")
	if len(labels) < 2 {
		return "", fmt.Errorf("%w: has no top-level domain", ErrDomainName)
	}
	if !alphaTLD.MatchString(labels[len(labels)-1]) {
		return "", fmt.Errorf("%w: has no valid top-level domain", ErrDomainName)
	}
	return a, nil
}

// changedByMapping reports whether IDNA mapping made a of s more than a
// change of case (and Unicode normalisation form): a label given as an
// A-label must come out as given, any other must decode to itself.
func changedByMapping(s, a string) bool {
	in := strings.Split(norm.NFC.String(strings.ToLower(s)), ".")
	out := strings.Split(a, ".")
	if len(in) != len(out) {
		return true // a full-width or ideographic full stop became a dot
	}
	for i, label := range in {
		if strings.HasPrefix(label, "xn--") || !strings.HasPrefix(out[i], "xn--") {
			if label != out[i] {
				return true
			}
			continue
		}
		u, err := idna.Punycode.ToUnicode(out[i])
		if err != nil || u != label {
			return true
		}
	}
	return false
}

// idnaReason says what is wrong with a name the IDNA rules refuse, without
// the name: the idna package's messages quote the label.
func idnaReason(s string, err error) string {
	if msg := err.Error(); strings.HasPrefix(msg, "idna: disallowed rune") {
		return "contains a character not allowed in domain names (" + strings.TrimPrefix(msg, "idna: disallowed rune ") + ")"
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		switch {
		case l == "":
			return "has an empty label (two dots in a row, or a leading dot)"
		case strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-"):
			return "has a label that starts or ends with a hyphen"
		}
	}
	if len(s) > 253 {
		return "is longer than 253 characters"
	}
	return "breaks the IDNA rules (RFC 5891): labels of at most 63 letters, digits and hyphens, or a valid internationalised name"
}

// invisibleRune finds a character that shows nothing or changes the
// direction of the text around it — zero-width spaces and joiners, soft
// hyphens, bidirectional overrides and isolates, and the like (Unicode's
// format characters and other default-ignorables) — which can make a name
// or address look like another.
func invisibleRune(s string) (rune, bool) {
	for _, r := range s {
		if unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point) {
			return r, true
		}
	}
	return 0, false
}

// DisplayDomainName returns the U-label form of a stored A-label name, or the
// name itself when it cannot be converted.
func DisplayDomainName(alabel string) string {
	u, err := idna.Display.ToUnicode(alabel)
	if err != nil {
		return alabel
	}
	return u
}

var registrarPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// NormalizeRegistrar lower-cases and checks a registrar-of-record key, the
// name by which configuration picks an adapter.
func NormalizeRegistrar(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if !registrarPattern.MatchString(s) {
		return "", fmt.Errorf("registrar must be 1 to 64 lower-case letters, digits, '.', '_' or '-'")
	}
	return s, nil
}
