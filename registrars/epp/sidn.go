package epp

import (
	"strings"

	"github.com/afscherm/afscherm/registrars/epp/internal/xmltree"
)

// SIDN's extension, all in one place. The layout follows what SIDN's
// registrars send and read (Net::DRI's SIDN module, metaregistrar's
// php-epp-client):
//
//	command:  <extension><sidn-ext-epp:ext><sidn-ext-epp:create|update>
//	            <sidn-ext-epp:contact><sidn-ext-epp:legalForm>PERSOON</…>
//	                                  <sidn-ext-epp:legalFormRegNo>…</…>
//	info:     <extension><sidn-ext-epp:ext><sidn-ext-epp:infData>
//	            <sidn-ext-epp:contact><sidn-ext-epp:legalForm>…
//	errors:   <extension><sidn-ext-epp:ext><sidn-ext-epp:response>
//	            <sidn-ext-epp:msg code="T0001" field="…">text</…>

// LegalFormPerson is SIDN's legal form for a natural person.
const LegalFormPerson = "PERSOON"

const sidnPrefix = "sidn-ext-epp"

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

func sidnMessages(ext *xmltree.Element) []string {
	var out []string
	for _, m := range ext.Child(NSSIDN, "ext").Child(NSSIDN, "response").All(NSSIDN, "msg") {
		s := m.Value()
		if code := attr(m, "code"); code != "" {
			s = code + " " + s
		}
		out = append(out, strings.TrimSpace(s))
	}
	return out
}
