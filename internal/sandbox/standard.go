package sandbox

import (
	"hash/fnv"

	"github.com/afscherm/afscherm/internal/adapters"
	"github.com/afscherm/afscherm/internal/model"
)

// HostingRoleAddress is the hosting company's own mailbox, which it puts in
// as administrative contact where the customer did not give their own.
const HostingRoleAddress = "hostmaster@hosting.example"

// Standard starts the registries of the demo: SIDN for .nl (RDAP and
// WHOIS), Verisign for .com and .net (thin, linking to the registrar's
// RDAP), a registrar, PIR for .org, EURid for .eu, DENIC for .de, and DNS
// Belgium for .be over WHOIS only, which shows the WHOIS fallback.
func Standard(dir string, addressing Addressing, limits Limits) (*World, error) {
	w, err := New(dir, addressing)
	if err != nil {
		return nil, err
	}
	rdaps := []struct {
		host  string
		tlds  []string
		style Style
	}{
		{"rdap.sidn.nl", []string{"nl"}, StyleSIDN},
		{"rdap.verisign.com", []string{"com", "net"}, StyleThin},
		{"rdap.openprovider.test", nil, StyleRegistrar},
		{"rdap.publicinterestregistry.org", []string{"org"}, StyleRegistrar},
		{"rdap.eurid.eu", []string{"eu"}, StyleEURid},
		{"rdap.denic.de", []string{"de"}, StyleDENIC},
	}
	for _, r := range rdaps {
		if _, err := w.AddRDAP(r.host, r.tlds, r.style, limits); err != nil {
			w.Close()
			return nil, err
		}
	}
	whoises := []struct {
		host  string
		tlds  []string
		style Style
	}{
		{"whois.domain-registry.nl", []string{"nl"}, StyleSIDN},
		{"whois.verisign-grs.com", []string{"com", "net"}, StyleRegistrar},
		{"whois.publicinterestregistry.org", []string{"org"}, StyleRegistrar},
		{"whois.eu", []string{"eu"}, StyleRegistrar},
		{"whois.dns.be", []string{"be"}, StyleDNSBE},
		{"whois.denic.de", []string{"de"}, StyleDENIC},
	}
	for _, s := range whoises {
		if _, err := w.AddWHOIS(s.host, s.tlds, s.style, limits); err != nil {
			w.Close()
			return nil, err
		}
	}
	return w, nil
}

// Register records a registration for each domain from our own customer
// data, choosing — the same way every time — how each is published: some
// .nl private registrants gave their own e-mail as administrative contact,
// some gTLD registrants asked for publication or took the privacy service.
func (w *World) Register(customers []model.Customer, domains []model.Domain) {
	byNumber := map[string]model.Customer{}
	for _, c := range customers {
		byNumber[c.Number] = c
	}
	for _, d := range domains {
		c, ok := byNumber[d.CustomerNumber]
		if !ok {
			continue
		}
		registrar := liveRegistrars[d.Registrar]
		if registrar.name == "" {
			registrar = liveRegistrars["openprovider"]
		}
		reg := Registration{
			Domain: d.Name, Registrar: registrar.name, RegistrarIANAID: registrar.ianaID, AdminEmail: HostingRoleAddress,
			Registrant: Contact{Person: c.Kind == model.CustomerPerson, Name: c.Name, Street: c.Street,
				PostalCode: c.PostalCode, City: c.City, Country: c.Country, Email: c.Email, Phone: c.Phone},
		}
		if !reg.Registrant.Person {
			reg.Registrant.Org = c.Name
		}
		switch pick := choose(d.Name); {
		case d.TLD() == "nl" && pick < 60:
			reg.AdminEmail = c.Email // the customer's own address, shown by SIDN
		case (d.TLD() == "com" || d.TLD() == "org") && pick < 35:
			reg.Publish = true
		case (d.TLD() == "com" || d.TLD() == "org") && pick < 55:
			reg.Proxy = true
		}
		w.Set(reg)
	}
}

// HostingRegistrar is the hosting company as SIDN names it: the registrar
// of record of its .nl domains, which it registers itself.
const HostingRegistrar = "Hosting Voorbeeld B.V."

// liveRegistrars are the registrars of record the records of this world
// name, by the names the import gives them; a domain imported without one
// is with Openprovider.
var liveRegistrars = map[string]struct{ name, ianaID string }{
	"openprovider": {"Hosting Concepts B.V. d/b/a Openprovider", "1647"},
	"sidn":         {HostingRegistrar, ""},
	"rrpproxy":     {"Key-Systems GmbH d/b/a RRPproxy", "269"},
}

// RegistrarsOfRecord say how this world's records name the registrars of
// record of the sample import, as a registrars file's
// "registrars_of_record" would.
func RegistrarsOfRecord() []adapters.RegistrarOfRecord {
	return []adapters.RegistrarOfRecord{
		{Registrar: "openprovider", IANAIDs: []string{liveRegistrars["openprovider"].ianaID}},
		{Registrar: "sidn", Names: []string{HostingRegistrar}},
		{Registrar: "rrpproxy", IANAIDs: []string{liveRegistrars["rrpproxy"].ianaID}},
	}
}

// choose is a number from 0 to 99 that depends only on the name.
func choose(name string) int {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int(h.Sum32() % 100)
}
