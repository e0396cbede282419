package epp

import (
	"strings"

	"github.com/afscherm/afscherm/registrars/epp/internal/xmltree"
)

// SIDN's extension, all in one place. The layout is SIDN's schema
// (sidn-ext-epp-1.0.xsd, version 2019-07-30, in ../shared/parties/schemas/
// sidn/) and what SIDN's registrars send and read (Net::DRI's SIDN profile
// and tests, ../shared/parties/reference/):
//
//	command:  <extension><sidn-ext-epp:ext><sidn-ext-epp:create|update>
//	            <sidn-ext-epp:contact><sidn-ext-epp:legalForm>PERSOON</…>
//	                                  <sidn-ext-epp:legalFormRegNo>…</…>
//	info:     <extension><sidn-ext-epp:ext><sidn-ext-epp:infData>
//	            <sidn-ext-epp:contact><sidn-ext-epp:legalForm>…
//	errors:   <extension><sidn-ext-epp:ext><sidn-ext-epp:response>
//	            <sidn-ext-epp:msg code="T0002" field="handle">text</…>
//
// The XSD's msgType: the text, a required code and an optional field;
// a response carries any number of them (Net::DRI_SIDN.t, "error parsing
// 2": F0001 and T0002 on one 2303).

// LegalFormPerson is SIDN's legal form for a natural person.
const LegalFormPerson = "PERSOON"

// SIDNLegalForms are SIDN's legal forms (Net::DRI's SIDN contact profile,
// validate).
var SIDNLegalForms = []string{
	"ANDERS", "BGG", "BRO", "BV", "BVI/O", "COOP", "CV", "EENMANSZAAK", "EESV", "KERK",
	"MAATSCHAP", "NV", "OWM", "PERSOON", "REDR", "STICHTING", "VERENIGING", "VOF",
}

const sidnPrefix = "sidn-ext-epp"

// SIDNMessage is one <sidn-ext-epp:msg> of SIDN's error extension: SIDN's
// own code (T0002, F0001, C0013, …), the field it concerns (may be empty),
// and SIDN's text.
type SIDNMessage struct {
	Code  string
	Field string
	Text  string
}

// String is "T0002 handle: De opgegeven handle is onbekend.".
func (m SIDNMessage) String() string {
	s := m.Code
	if m.Field != "" {
		s += " " + m.Field
	}
	if m.Text != "" {
		if s != "" {
			s += ": "
		}
		s += m.Text
	}
	return strings.TrimSpace(s)
}

func sidnContactExt(op, legalForm, regNo string) *xmltree.Node {
	return xmltree.E(sidnPrefix+":ext",
		xmltree.E(sidnPrefix+":"+op,
			xmltree.E(sidnPrefix+":contact",
				opt(sidnPrefix+":legalForm", legalForm),
				opt(sidnPrefix+":legalFormRegNo", regNo)))).
		Attr("xmlns:"+sidnPrefix, NSSIDN)
}

func sidnLegalForm(ext *xmltree.Element) (form, regNo string) {
	c := ext.Child(NSSIDN, "ext").Path(NSSIDN, "infData", "contact")
	return c.Child(NSSIDN, "legalForm").Value(), c.Child(NSSIDN, "legalFormRegNo").Value()
}

func sidnMessages(ext *xmltree.Element) []SIDNMessage {
	var out []SIDNMessage
	for _, m := range ext.Child(NSSIDN, "ext").Child(NSSIDN, "response").All(NSSIDN, "msg") {
		out = append(out, SIDNMessage{Code: strings.TrimSpace(attr(m, "code")), Field: strings.TrimSpace(attr(m, "field")),
			Text: strings.TrimSpace(m.Value())})
	}
	return out
}
