package registrars

import "strings"

// privacyForbidden lists the TLDs whose registries do not allow a
// registrar's privacy or proxy service, with the reason staff see. It is
// the one place to keep them: no adapter serves these TLDs, not even the
// manual one. A party's own answer (Openprovider's is_private_whois_allowed)
// is checked again before anything is switched on, so a TLD missing here is
// still refused, only later.
//
// Sources: the usTLD Policy on the use of privacy or proxy services
// (about.us) for .us; registrars' published lists of TLDs where registry
// operators restrict privacy protection for the others (.in, .eu, .uk,
// .asia, .tel, .cn, .nz; .coop through its sponsor's ICANN contract).
var privacyForbidden = map[string]string{
	"us":   "the .us registry forbids privacy and proxy services: the registrant's own data must be published (usTLD nexus policy)",
	"in":   "the .in registry does not allow privacy services",
	"cn":   "the .cn registry requires the registrant's real-name data and allows no privacy service",
	"eu":   "the .eu registry does not allow privacy services; it withholds a private registrant's data itself",
	"uk":   "the .uk registry does not allow registrars' privacy services; a private registrant's data is withheld by the registry itself",
	"nz":   "the .nz registry does not allow privacy services; individuals use the registry's own opt-out (IRPO)",
	"asia": "the .asia registry does not allow privacy services",
	"tel":  "the .tel registry does not allow privacy services; individuals use the registry's own privacy option",
	"coop": "the .coop sponsor's ICANN agreement does not allow privacy services",
}

// PrivacyForbidden says whether a TLD's registry forbids privacy services,
// and why.
func PrivacyForbidden(tld string) (reason string, forbidden bool) {
	reason, forbidden = privacyForbidden[strings.ToLower(strings.TrimPrefix(tld, "."))]
	return reason, forbidden
}
