package epptest

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/afscherm/afscherm/registrars/epp/internal/xmltree"
)

// SIDN's own rules, each from the document it comes from
// (../shared/parties/: REGISTRIES.md's SIDN section, SIDN's schema
// schemas/sidn/sidn-ext-epp-1.0.xsd, Net::DRI's SIDN contact profile
// reference/Net-DRI_Data_Contact_SIDN.pm and its tests
// reference/Net-DRI_SIDN.t):
//
//   - SIDN assigns contact handles itself, of the form ABC123456-ABCDE; the
//     id a registrar sends in contact:create is ignored, and the answer's
//     creData names the handle SIDN gave (REGISTRIES.md; Net::DRI's profile
//     sends a dummy id, "we can not choose the ID"; the form is F0001's
//     expression in Net::DRI_SIDN.t).
//   - A contact needs a phone number, and a postal code when its country
//     is NL (Net::DRI's profile, validate: "Changes from core EPP").
//   - A handle SIDN does not know is refused with 2303 and, in SIDN's
//     error extension, T0002 for the field "handle" — with F0001 before it
//     when the handle does not even have SIDN's form (Net::DRI_SIDN.t,
//     "error parsing 2").
//   - Refusals carry SIDN's error extension: <sidn-ext-epp:ext>
//     <sidn-ext-epp:response> with any number of <sidn-ext-epp:msg
//     code="…" field="…">text</…>; code is required, field optional
//     (the XSD's responseType and msgType).

// sidnMsg is one message of SIDN's error extension.
type sidnMsg struct{ code, field, text string }

// SIDN's codes. F0001 and T0002, with their texts, are as Net::DRI_SIDN.t
// shows them. sidnRequired is the fake's own: SIDN's code for a required
// field left out is not in the documents at hand; it takes the F class of
// F0001, the other field error.
const (
	sidnCodeFormat        = "F0001"
	sidnCodeUnknownHandle = "T0002"
	sidnCodeRequired      = "F0002" // assumed
)

// sidnHandleForm is F0001's expression for a handle (Net::DRI_SIDN.t).
var sidnHandleForm = regexp.MustCompile(`^[A-Z]{3}[0-9]{6}-[A-Z0-9]{5}$`)

// sidnValidationText is the result text of SIDN's 2400 for a transaction
// that breaks its rules (Net::DRI_SIDN.t, "error parsing 1").
const sidnValidationText = "Validation of the transaction failed."

// sidnUnknownHandle is SIDN's refusal of a handle it does not know.
func sidnUnknownHandle(id string) reply {
	rep := fail(2303, "no contact %s", id)
	rep.text = "The specified contact person is unknown."
	if !sidnHandleForm.MatchString(id) {
		rep.sidn = append(rep.sidn, sidnMsg{sidnCodeFormat, "handle", "Waarde voldoet niet aan de expressie: [A-Z]{3}[0-9]{6}[-][A-Z0-9]{5}."})
	}
	rep.sidn = append(rep.sidn, sidnMsg{sidnCodeUnknownHandle, "handle", "De opgegeven handle is onbekend."})
	return rep
}

// sidnCheckContact refuses a new contact without what SIDN requires
// beyond RFC 5733: a phone number, and a postal code in NL (Net::DRI's
// profile, validate). SIDN answers a broken rule with 2400 and its
// messages, as Net::DRI_SIDN.t's "error parsing 1" shows; the field names
// are the EPP elements' (SIDN's own names for them are not documented
// here).
func sidnCheckContact(rec *contactRec) (reply, bool) {
	var msgs []sidnMsg
	if strings.TrimSpace(rec.Voice) == "" {
		msgs = append(msgs, sidnMsg{sidnCodeRequired, "voice", "Een telefoonnummer is verplicht."})
	}
	if strings.EqualFold(rec.CC, "NL") && strings.TrimSpace(rec.PC) == "" {
		msgs = append(msgs, sidnMsg{sidnCodeRequired, "pc", "Een postcode is verplicht voor een adres in Nederland."})
	}
	if len(msgs) == 0 {
		return reply{}, true
	}
	rep := fail(2400, "SIDN requires a phone number, and a postal code in NL")
	rep.text, rep.sidn = sidnValidationText, msgs
	return rep, false
}

// sidnHandleLocked makes a new handle of SIDN's form: three letters of the
// contact's name, a number, and five characters of the registrar. How SIDN
// picks the letters is not documented; only the form is.
func (s *Server) sidnHandleLocked(name, registrar string) string {
	pick := func(from string, n int, digits bool) string {
		var b strings.Builder
		for _, r := range strings.ToUpper(from) {
			if b.Len() == n {
				break
			}
			if (r >= 'A' && r <= 'Z') || (digits && unicode.IsDigit(r) && r < 128) {
				b.WriteRune(r)
			}
		}
		return b.String() + strings.Repeat("X", n-b.Len())
	}
	letters, suffix := pick(name, 3, false), pick(registrar, 5, true)
	for {
		s.seq++
		h := fmt.Sprintf("%s%06d-%s", letters, s.seq%1000000, suffix)
		if _, taken := s.contacts[h]; !taken {
			return h
		}
	}
}

// sidnResponseExt is SIDN's error extension for a refusal. Refusals the
// documents give no SIDN code for carry the fake's own, "E" and the
// result code, so that every refusal has the extension as SIDN's do.
func sidnResponseExt(rep reply) *xmltree.Node {
	msgs := rep.sidn
	if len(msgs) == 0 && rep.reason != "" {
		msgs = []sidnMsg{{code: fmt.Sprintf("E%d", rep.code), text: rep.reason}}
	}
	if len(msgs) == 0 {
		return nil
	}
	resp := xmltree.E("sidn-ext-epp:response")
	for _, m := range msgs {
		n := xmltree.T("sidn-ext-epp:msg", m.text).Attr("code", m.code)
		if m.field != "" {
			n.Attr("field", m.field)
		}
		resp.Add(n)
	}
	return xmltree.E("sidn-ext-epp:ext", resp).Attr("xmlns:sidn-ext-epp", NSSIDN)
}
