package epptest

import (
	"time"

	"github.com/afscherm/afscherm/registrars/epp/internal/xmltree"
)

// Namespaces the fake registries speak.
const (
	nsEPP     = "urn:ietf:params:xml:ns:epp-1.0"
	nsContact = "urn:ietf:params:xml:ns:contact-1.0"
	nsDomain  = "urn:ietf:params:xml:ns:domain-1.0"
	nsHost    = "urn:ietf:params:xml:ns:host-1.0"
	nsSecDNS  = "urn:ietf:params:xml:ns:secDNS-1.1"
	// NSSIDN is SIDN's extension.
	NSSIDN                = "http://rxsd.domain-registry.nl/sidn-ext-epp-1.0"
	nsSIDNScheduledDelete = "http://rxsd.domain-registry.nl/sidn-ext-epp-scheduled-delete-1.0"
	nsSIDNContactsDelete  = "http://rxsd.domain-registry.nl/sidn-ext-epp-registry-contacts-delete-1.0"
	nsKeyrelay            = "urn:ietf:params:xml:ns:keyrelay-1.0"
	// NSFREDContact and NSFREDDomain are CZ.NIC FRED's object namespaces
	// (schemas contact-1.6.2.xsd and domain-1.4.x.xsd).
	NSFREDContact = "http://www.nic.cz/xml/epp/contact-1.6"
	NSFREDDomain  = "http://www.nic.cz/xml/epp/domain-1.4"
	nsFREDNsset   = "http://www.nic.cz/xml/epp/nsset-1.2"
	nsFREDKeyset  = "http://www.nic.cz/xml/epp/keyset-1.3"
	nsFREDEnumval = "http://www.nic.cz/xml/epp/enumval-1.2"
)

// menu is what a dialect's greeting offers.
type menu struct {
	svID      string
	langs     []string
	objURIs   []string
	extURIs   []string
	access    string // the dcp <access> child
	contactNS string
	domainNS  string
}

func (s *Server) menu() menu {
	switch s.opts.Dialect {
	case FRED:
		// FRED's greeting as its documentation shows it; "hide" is
		// <access><none/></access> (fred-docs, PoliciesRules.rst).
		return menu{
			svID:      "EPP server (DSDng) epptest",
			langs:     []string{"en", "cs"},
			objURIs:   []string{NSFREDContact, NSFREDDomain, nsFREDNsset, nsFREDKeyset},
			extURIs:   []string{nsFREDEnumval},
			access:    "none",
			contactNS: NSFREDContact,
			domainNS:  NSFREDDomain,
		}
	case SIDN:
		// SIDN's services: the IETF objects and secDNS-1.1 (SIDN's schema
		// set, ../shared/parties/schemas/sidn/), its own extension and
		// scheduled delete (Net::DRI_SIDN.t's frames); keyrelay and
		// registry-contacts-delete as a registrar's SIDN client logs in
		// with them (YWatchman/laravel-epp, LoginCommand.php). A login
		// may select a part; a client uses what it needs.
		return menu{
			svID:      "SIDN DRS epptest",
			langs:     []string{"nl", "en"},
			objURIs:   []string{nsContact, nsHost, nsDomain},
			extURIs:   []string{NSSIDN, nsSIDNContactsDelete, nsSIDNScheduledDelete, nsSecDNS, nsKeyrelay},
			access:    "all",
			contactNS: nsContact,
			domainNS:  nsDomain,
		}
	}
	return menu{
		svID:      "epptest RFC 5733 registry",
		langs:     []string{"en"},
		objURIs:   []string{nsDomain, nsContact, nsHost},
		extURIs:   []string{nsSecDNS},
		access:    "all",
		contactNS: nsContact,
		domainNS:  nsDomain,
	}
}

func (s *Server) greeting() []byte {
	m := s.menu()
	svc := xmltree.E("svcMenu", xmltree.T("version", "1.0"))
	for _, l := range m.langs {
		svc.Add(xmltree.T("lang", l))
	}
	for _, u := range m.objURIs {
		svc.Add(xmltree.T("objURI", u))
	}
	ext := xmltree.E("svcExtension")
	for _, u := range m.extURIs {
		ext.Add(xmltree.T("extURI", u))
	}
	svc.Add(ext)
	g := xmltree.E("greeting",
		xmltree.T("svID", m.svID),
		xmltree.T("svDate", time.Now().UTC().Format(time.RFC3339)),
		svc,
		xmltree.E("dcp",
			xmltree.E("access", xmltree.E(m.access)),
			xmltree.E("statement",
				xmltree.E("purpose", xmltree.E("admin"), xmltree.E("prov")),
				xmltree.E("recipient", xmltree.E("ours"), xmltree.E("public")),
				xmltree.E("retention", xmltree.E("stated")))),
	)
	return xmltree.Document(xmltree.E("epp", g).Attr("xmlns", nsEPP))
}

// sidnLegalForms is SIDN's enumeration of legal forms, as its EPP manual
// lists them.
var sidnLegalForms = []string{
	"ANDERS", "BGG", "BRO", "BV", "BVI/O", "COOP", "CV", "EENMANSZAAK", "EESV", "KERK",
	"MAATSCHAP", "NV", "OWM", "PERSOON", "REDR", "STICHTING", "VERENIGING", "VOF",
}
