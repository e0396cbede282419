package sandbox

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
)

// The privacy service registrars in this world put in a registrant's place.
var privacyService = Contact{
	Org: "WHOIS Privacy Protection Service", Name: "Registration Private", Street: "Postbus 1000",
	PostalCode: "1000 AA", City: "Amsterdam", Country: "NL",
}

func privacyEmail(domain string) string {
	h := fnv.New32a()
	h.Write([]byte(domain))
	return fmt.Sprintf("%08x@whoisprivacyprotect.com", h.Sum32())
}

type rdapSource struct {
	w     *World
	style Style
	host  string
}

// Domain renders the registration of name as this server would publish it.
func (s rdapSource) Domain(name string) ([]byte, bool) {
	r, ok := s.w.Get(name)
	if !ok {
		return nil, false
	}
	doc := map[string]any{
		"rdapConformance": []string{"rdap_level_0", "icann_rdap_response_profile_1", "redacted"},
		"objectClassName": "domain",
		"ldhName":         r.Domain,
		"status":          []string{"active"},
		"links":           []any{link("self", "https://"+s.host+"/domain/"+r.Domain)},
		"events":          []any{map[string]any{"eventAction": "registration", "eventDate": "2019-03-14T10:00:00Z"}},
	}
	registrar := map[string]any{"objectClassName": "entity", "roles": []string{"registrar"}, "handle": "4711",
		"vcardArray": vcard(prop("fn", r.Registrar))}
	if r.RegistrarIANAID != "" && (s.style == StyleThin || s.style == StyleRegistrar) {
		// ICANN's profile: the registrar's IANA ID as handle and public ID.
		registrar["handle"] = r.RegistrarIANAID
		registrar["publicIds"] = []any{map[string]any{"type": "IANA Registrar ID", "identifier": r.RegistrarIANAID}}
	}
	entities := []any{registrar}
	switch s.style {
	case StyleDENIC:
		entities = nil
	case StyleThin:
		s.w.mu.Lock()
		registrarBase := s.w.registrarRDAP
		s.w.mu.Unlock()
		doc["links"] = append(doc["links"].([]any), link("related", registrarBase+"domain/"+r.Domain))
	case StyleSIDN:
		reg := entity("registrant", "SIDN-"+handle(r.Domain))
		if r.Registrant.Person {
			reg["remarks"] = []any{map[string]any{"title": "REDACTED FOR PRIVACY", "description": []string{"The registrant is a natural person."}}}
			reg["vcardArray"] = vcard(prop("fn", ""))
		} else {
			reg["vcardArray"] = vcard(prop("fn", r.Registrant.Org), prop("kind", "org"))
		}
		admin := entity("administrative", "ADM-"+handle(r.Domain))
		admin["vcardArray"] = vcard(prop("fn", ""), prop("email", r.AdminEmail))
		entities = append(entities, reg, admin)
	case StyleEURid:
		reg := entity("registrant", "c"+handle(r.Domain))
		if r.Registrant.Person {
			reg["vcardArray"] = vcard(prop("fn", ""), adr("", "", "", r.Registrant.Country))
			doc["redacted"] = redactions("Registrant Name", "Registrant Street", "Registrant City", "Registrant Email")
		} else {
			reg["vcardArray"] = vcard(prop("fn", r.Registrant.Org), prop("kind", "org"), adr("", "", "", r.Registrant.Country))
		}
		entities = append(entities, reg)
	default: // StyleRegistrar and any registry that follows the ICANN profile
		entities = append(entities, s.icannRegistrant(r, doc))
	}
	if entities != nil {
		doc["entities"] = entities
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, false
	}
	return b, true
}

// icannRegistrant is the registrant entity under the ICANN RDAP profile:
// the privacy service, the data in full when the registrant asked for it,
// or redacted with only the state and country kept.
func (s rdapSource) icannRegistrant(r Registration, doc map[string]any) map[string]any {
	reg := entity("registrant", "C-"+handle(r.Domain))
	c := r.Registrant
	switch {
	case r.Proxy:
		p := privacyService
		reg["vcardArray"] = vcard(prop("fn", p.Name), prop("org", p.Org), adr(p.Street, p.City, p.PostalCode, p.Country),
			prop("email", privacyEmail(r.Domain)))
	case r.Publish && len(r.Withheld) > 0:
		// Published, but for what the registry withholds item by item.
		withheld := func(f string) bool { return slices.Contains(r.Withheld, f) }
		var props [][]any
		var gone []string
		if withheld(WithheldName) {
			props, gone = append(props, prop("fn", "")), append(gone, "Registrant Name")
		} else {
			props = append(props, prop("fn", c.Name))
		}
		if withheld(WithheldAddress) {
			props, gone = append(props, adr("", "", "", c.Country)), append(gone, "Registrant Street", "Registrant City", "Registrant Postal Code")
		} else {
			props = append(props, adr(c.Street, c.City, c.PostalCode, c.Country))
		}
		if withheld(WithheldPhone) {
			gone = append(gone, "Registrant Phone")
		} else {
			props = append(props, propType("tel", "uri", "tel:"+EPPPhone(c.Phone)))
		}
		if withheld(WithheldEmail) {
			gone = append(gone, "Registrant Email")
		} else {
			props = append(props, prop("email", c.Email))
		}
		if c.Org != "" && withheld(WithheldOrg) {
			gone = append(gone, "Registrant Organization")
		} else if c.Org != "" {
			props = append(props, prop("org", c.Org))
		}
		reg["vcardArray"] = vcard(props...)
		if len(gone) > 0 {
			doc["redacted"] = redactions(gone...)
		}
	case r.Publish:
		props := [][]any{prop("fn", c.Name), adr(c.Street, c.City, c.PostalCode, c.Country),
			propType("tel", "uri", "tel:"+EPPPhone(c.Phone)), prop("email", c.Email)}
		if c.Org != "" {
			props = append(props, prop("org", c.Org))
		}
		reg["vcardArray"] = vcard(props...)
	default:
		props := [][]any{prop("fn", ""), adr("", "", "", c.Country),
			propType("contact-uri", "uri", "https://"+s.host+"/contact-registrant?domain="+r.Domain)}
		if !c.Person {
			props = append(props, prop("org", c.Org))
		}
		reg["vcardArray"] = vcard(props...)
		reg["remarks"] = []any{map[string]any{"title": "REDACTED FOR PRIVACY", "type": "object redacted due to authorization",
			"description": []string{"Some of the data in this object has been removed."}}}
		doc["redacted"] = redactions("Registrant Name", "Registrant Street", "Registrant City", "Registrant Postal Code",
			"Registrant Phone", "Registrant Email")
	}
	return reg
}

func entity(role, h string) map[string]any {
	return map[string]any{"objectClassName": "entity", "roles": []string{role}, "handle": h}
}

func link(rel, href string) map[string]any {
	return map[string]any{"rel": rel, "href": href, "value": href, "type": "application/rdap+json"}
}

func vcard(props ...[]any) []any {
	all := append([][]any{{"version", map[string]any{}, "text", "4.0"}}, props...)
	return []any{"vcard", all}
}

func prop(name string, value any) []any { return []any{name, map[string]any{}, "text", value} }

func propType(name, typ string, value any) []any { return []any{name, map[string]any{}, typ, value} }

func adr(street, city, postal, country string) []any {
	return []any{"adr", map[string]any{"cc": country}, "text", []string{"", "", street, city, "", postal, ""}}
}

func redactions(names ...string) []any {
	var out []any
	for _, n := range names {
		out = append(out, map[string]any{"name": map[string]string{"type": n}, "method": "removal",
			"reason": map[string]string{"type": "Server policy"}})
	}
	return out
}

func handle(domain string) string {
	h := fnv.New32a()
	h.Write([]byte(domain))
	return fmt.Sprintf("%X", h.Sum32())
}

// EPPPhone writes +31 6 1234 5678 as +31.612345678, the form EPP wants.
func EPPPhone(p string) string {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, p)
	if strings.HasPrefix(p, "+") && len(digits) > 2 {
		return "+" + digits[:2] + "." + digits[2:]
	}
	return p
}

type whoisSource struct {
	w     *World
	style Style
}

// Domain renders the registration of name as WHOIS text.
func (s whoisSource) Domain(name string) (string, bool) {
	r, ok := s.w.Get(name)
	if !ok {
		return "", false
	}
	var b strings.Builder
	c := r.Registrant
	switch s.style {
	case StyleDNSBE:
		fmt.Fprintf(&b, "%% .be Whois Server 6.1\n%%\n\nDomain:\t%s\nStatus:\tNOT AVAILABLE\nRegistered:\tThu Mar 14 2019\n\nRegistrant:\n", r.Domain)
		if c.Person {
			b.WriteString("\tNot shown, please visit www.dnsbelgium.be for webbased whois.\n")
		} else {
			fmt.Fprintf(&b, "\tName:\t%s\n\tCountry:\t%s\n", c.Org, c.Country)
		}
		fmt.Fprintf(&b, "\nRegistrar:\n\tName:\t%s\n", r.Registrar)
	case StyleSIDN:
		fmt.Fprintf(&b, "Domain name: %s\nStatus:      active\n\nRegistrar:\n   %s\n\nRegistrant:\n", r.Domain, r.Registrar)
		if c.Person {
			b.WriteString("   Not disclosed\n")
		} else {
			fmt.Fprintf(&b, "   %s\n", c.Org)
		}
		fmt.Fprintf(&b, "\nAdministrative contact:\n   %s\n\nRecord maintained by: NL Domain Registry\n", r.AdminEmail)
	case StyleDENIC:
		fmt.Fprintf(&b, "Domain: %s\nNserver: ns1.hosting.example\nStatus: connect\nChanged: 2024-01-02T10:00:00+01:00\n", r.Domain)
	default:
		fmt.Fprintf(&b, "Domain Name: %s\nRegistrar: %s\n", strings.ToUpper(r.Domain), r.Registrar)
		if r.RegistrarIANAID != "" {
			fmt.Fprintf(&b, "Registrar IANA ID: %s\n", r.RegistrarIANAID)
		}
		switch {
		case r.Proxy:
			p := privacyService
			fmt.Fprintf(&b, "Registrant Name: %s\nRegistrant Organization: %s\nRegistrant Street: %s\nRegistrant City: %s\nRegistrant Postal Code: %s\nRegistrant Country: %s\nRegistrant Email: %s\n",
				p.Name, p.Org, p.Street, p.City, p.PostalCode, p.Country, privacyEmail(r.Domain))
		case r.Publish:
			fmt.Fprintf(&b, "Registrant Name: %s\nRegistrant Organization: %s\nRegistrant Street: %s\nRegistrant City: %s\nRegistrant Postal Code: %s\nRegistrant Country: %s\nRegistrant Phone: %s\nRegistrant Email: %s\n",
				c.Name, c.Org, c.Street, c.City, c.PostalCode, c.Country, EPPPhone(c.Phone), c.Email)
		default:
			org := "REDACTED FOR PRIVACY"
			if !c.Person {
				org = c.Org
			}
			fmt.Fprintf(&b, "Registrant Name: REDACTED FOR PRIVACY\nRegistrant Organization: %s\nRegistrant Street: REDACTED FOR PRIVACY\nRegistrant Country: %s\nRegistrant Email: Please query the RDDS service of the Registrar of Record identified in this output for information on how to contact the Registrant\n",
				org, c.Country)
		}
	}
	return b.String(), true
}
