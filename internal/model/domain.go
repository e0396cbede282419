package model

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/idna"
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
func NormalizeDomainName(s string) (string, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrDomainName)
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrDomainName)
	}
	a, err := lookupProfile.ToASCII(s)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrDomainName, err)
	}
	a = strings.ToLower(a)
	labels := strings.Split(a, ".")
	if len(labels) < 2 {
		return "", fmt.Errorf("%w: %q has no top-level domain", ErrDomainName, a)
	}
	if !alphaTLD.MatchString(labels[len(labels)-1]) {
		return "", fmt.Errorf("%w: %q has no valid top-level domain", ErrDomainName, a)
	}
	return a, nil
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
