package sidn

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/afscherm/afscherm/registrars/epp"
)

// HandleStore keeps the handles a party gave to our own contacts, by party
// and purpose, so that every process and every later request uses the one
// contact made once. afscherm's store provides it.
//
// SIDN assigns contact handles itself (REGISTRIES.md, SIDN; Net::DRI's
// SIDN contact profile): the role contact's handle is known only from the
// answer to the contact:create that made it, and must be kept.
type HandleStore interface {
	// Get returns the handle kept for the purpose, or "" when none is.
	Get(ctx context.Context, party, purpose string) (string, error)
	// Put keeps handle in place of old ("" when none was kept), and
	// returns the handle kept now: another process's, when it put one
	// first (old no longer matched).
	Put(ctx context.Context, party, purpose, old, handle string) (string, error)
}

// ContactProblem is one thing SIDN would refuse in a contact, named by
// its EPP element (voice, pc, …).
type ContactProblem struct {
	Field   string // name, org, city, cc, pc, voice, email, legalForm
	Problem string
}

func (p ContactProblem) String() string { return p.Field + ": " + p.Problem }

// e164 is RFC 5733's phone number form, +CC.NUMBER (contact-1.0.xsd,
// e164StringType).
var e164 = regexp.MustCompile(`^\+[0-9]{1,3}\.[0-9]{1,14}$`)

// CheckContact lists what SIDN would refuse in a contact we create, so
// that a configuration is refused when it is loaded, not at the registry:
//   - a phone number always, and a postal code when the country is NL
//     (Net::DRI's SIDN contact profile, validate: "Changes from core EPP");
//   - a legal form from SIDN's list (the same validate);
//   - name, city, country and e-mail, which RFC 5733's schema requires
//     (contact-1.0.xsd, postalInfoType, addrType, createType);
//   - for a legal form other than PERSOON, the organisation's name, which
//     SIDN records as the contact's name (REGISTRIES.md, SIDN).
func CheckContact(c epp.Contact) []ContactProblem {
	var out []ContactProblem
	add := func(field, problem string) { out = append(out, ContactProblem{field, problem}) }
	if strings.TrimSpace(c.Name) == "" {
		add("name", "a name is required")
	}
	form := c.LegalForm
	if form == "" {
		form = DefaultLegalForm
	}
	switch {
	case !slices.Contains(epp.SIDNLegalForms, form):
		add("legalForm", fmt.Sprintf("%q is not one of SIDN's legal forms (%s)", form, strings.Join(epp.SIDNLegalForms, ", ")))
	case form != epp.LegalFormPerson && strings.TrimSpace(c.Org) == "":
		add("org", fmt.Sprintf("the organisation's name is required for legal form %s: SIDN records it as the contact's name", form))
	}
	if strings.TrimSpace(c.City) == "" {
		add("city", "a city is required")
	}
	switch cc := strings.TrimSpace(c.CC); {
	case len(cc) != 2 || strings.ToUpper(cc) != cc:
		add("cc", "a two-letter ISO 3166 country code is required, such as NL")
	case cc == "NL" && strings.TrimSpace(c.PC) == "":
		add("pc", "SIDN requires a postal code for an address in the Netherlands")
	}
	switch v := strings.TrimSpace(c.Voice); {
	case v == "":
		add("voice", "SIDN requires a phone number for every contact")
	case !e164.MatchString(v):
		add("voice", fmt.Sprintf("%q is not a phone number in EPP's form +31.201234567", v))
	}
	if strings.TrimSpace(c.Email) == "" {
		add("email", "an e-mail address is required")
	}
	return out
}

// DefaultLegalForm is the role contact's legal form when none is given.
const DefaultLegalForm = "BV"

// asRecorded is the contact as SIDN must record it: for any legal form
// other than PERSOON the organisation's name in contact:name, and the
// configured person or desk ("Hostmaster") in contact:org, which SIDN
// reads as a department (REGISTRIES.md, SIDN; metaregistrar's
// php-epp-client says the same of SIDN's org field). The id is only sent:
// SIDN ignores it and assigns its own handle (Net::DRI's SIDN contact
// profile sends a dummy id).
func asRecorded(c epp.Contact, placeholderID string) epp.Contact {
	if c.LegalForm == "" {
		c.LegalForm = DefaultLegalForm
	}
	if c.LegalForm != epp.LegalFormPerson && c.Org != "" {
		c.Name, c.Org = c.Org, c.Name
	}
	c.ID = placeholderID
	return c
}

// rolePurpose names the role contact in the HandleStore: per registrar
// account and per content, so that a changed role contact in the
// configuration is created anew instead of reusing one with old data.
func rolePurpose(clientID string, c epp.Contact) string {
	h := sha256.New()
	for _, s := range append([]string{c.Name, c.Org, c.City, c.SP, c.PC, c.CC, c.Voice, c.Fax, strings.ToLower(c.Email),
		c.LegalForm, c.LegalFormRegNo}, c.Street...) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "admin-role " + clientID + " " + hex.EncodeToString(h.Sum(nil)[:8])
}
