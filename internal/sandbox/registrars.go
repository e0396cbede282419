package sandbox

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/afscherm/afscherm/registrars/epp"
	"github.com/afscherm/afscherm/registrars/epp/epptest"
	"github.com/afscherm/afscherm/registrars/openprovider"
	"github.com/afscherm/afscherm/registrars/openprovider/openprovidertest"
	"github.com/afscherm/afscherm/registrars/wiretrace"
)

// The parties that carry requests out in this world, and the names of the
// environment variables their passwords travel in (the configuration file
// holds no credentials).
const (
	SIDNHost                = "drs.domain-registry.nl"
	OpenproviderHost        = "api.openprovider.eu"
	SIDNOptOutAddress       = "opt-out@sidn.sandbox.test"
	SIDNPasswordEnv         = "AFSCHERM_SANDBOX_SIDN_PASSWORD"
	OpenproviderPasswordEnv = "AFSCHERM_SANDBOX_OPENPROVIDER_PASSWORD"

	sidnClientID         = "afscherm"
	sidnPassword         = "sandbox-sidn-pw"
	openproviderUser     = "hosting"
	openproviderPassword = "sandbox-openprovider-pw"
)

// Registrars are the parties of this world that shield data: SIDN over EPP
// for .nl, Openprovider's REST API for the gTLDs. They start from the
// world's registrations and write every change back, so that the next
// scan sees it.
type Registrars struct {
	SIDN         *epptest.Server
	Openprovider *openprovidertest.Server

	w        *World
	sidnAddr string // host:port in the configuration
	opURL    string
}

// StartRegistrars starts the parties with the registrations made so far
// (call it after Register).
func (w *World) StartRegistrars() (*Registrars, error) {
	r := &Registrars{w: w}
	if err := r.startSIDN(); err != nil {
		return nil, err
	}
	r.Openprovider = openprovidertest.New(openproviderUser, openproviderPassword)
	byName, byAddr, err := w.Net.ServeHTTPSBoth(r.Openprovider, OpenproviderHost)
	if err != nil {
		return nil, err
	}
	r.opURL = byName + "v1beta"
	if w.byAddress {
		r.opURL = byAddr + "v1beta"
	}
	w.mu.Lock()
	var gtld []Registration
	for _, reg := range w.regs {
		if t := reg.tld(); t == "com" || t == "net" || t == "org" {
			gtld = append(gtld, *reg)
		}
	}
	w.mu.Unlock()
	for _, reg := range gtld {
		r.Openprovider.AddDomain(reg.Domain, "owner-"+handle(reg.Domain))
		r.Openprovider.SetPrivateWhois(reg.Domain, reg.Proxy)
	}
	r.Openprovider.OnChange(r.openproviderChanged)
	return r, nil
}

func (r Registration) tld() string { return r.Domain[strings.LastIndexByte(r.Domain, '.')+1:] }

func (r *Registrars) startSIDN() error {
	w := r.w
	l, err := w.Net.Listen(SIDNHost, 700)
	if err != nil {
		return err
	}
	cert, err := w.Net.Certificate(SIDNHost)
	if err != nil {
		return err
	}
	r.SIDN = epptest.New(epptest.Options{Dialect: epptest.SIDN, Registrars: map[string]string{sidnClientID: sidnPassword},
		OnChange: r.sidnChanged})
	go r.SIDN.Serve(l, &tls.Config{Certificates: []tls.Certificate{cert}}) //nolint:errcheck // ends with Close
	r.sidnAddr = SIDNHost + ":700"
	if w.byAddress {
		r.sidnAddr = l.Addr().String()
	}
	// The company's own contact, as SIDN records a company: its name as
	// the contact's name, the desk as its department (REGISTRIES.md,
	// SIDN). Handles have SIDN's form, ABC123456-ABCDE.
	hostmaster := epptest.Contact{ID: "HOS000001-HOSTV", Name: "Hosting Voorbeeld B.V.", Org: "Hostmaster", Street: []string{"Dataweg 9"},
		City: "Amsterdam", PC: "1000 AB", CC: "NL", Voice: "+31.201234567", Email: HostingRoleAddress, LegalForm: "BV"}
	if err := r.SIDN.AddContact(hostmaster); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var nl []*Registration
	for _, reg := range w.regs {
		if reg.tld() == "nl" {
			nl = append(nl, reg)
		}
	}
	slices.SortFunc(nl, func(a, b *Registration) int { return strings.Compare(a.Domain, b.Domain) })
	for i, reg := range nl {
		c := reg.Registrant
		registrant := epptest.Contact{ID: fmt.Sprintf("REG%06d-HOSTV", i+1), Name: c.Name, Org: c.Org, Street: []string{c.Street}, City: c.City,
			PC: c.PostalCode, CC: c.Country, Voice: EPPPhone(c.Phone), Email: c.Email, LegalForm: "BV"}
		if c.Person {
			registrant.LegalForm = epp.LegalFormPerson
		}
		admin := hostmaster.ID
		if reg.AdminEmail != HostingRoleAddress {
			admin = fmt.Sprintf("ADM%06d-HOSTV", i+1)
			a := registrant
			a.ID, a.Email = admin, reg.AdminEmail
			if err := r.SIDN.AddContact(a); err != nil {
				return err
			}
		}
		if err := r.SIDN.AddContact(registrant); err != nil {
			return err
		}
		if err := r.SIDN.AddDomain(epptest.Domain{Name: reg.Domain, Registrant: registrant.ID,
			Contacts: map[string][]string{"admin": {admin}, "tech": {hostmaster.ID}}}); err != nil {
			return err
		}
	}
	return nil
}

// sidnChanged publishes what SIDN now holds: a registrant recorded as a
// person is withheld; the administrative contact's e-mail is shown.
func (r *Registrars) sidnChanged(domain string) {
	d, ok := r.SIDN.Domain(domain)
	if !ok {
		return
	}
	reg, _ := r.SIDN.Contact(d.Registrant)
	var adminEmail string
	if admins := d.Contacts["admin"]; len(admins) > 0 {
		if a, ok := r.SIDN.Contact(admins[0]); ok {
			adminEmail = a.Email
		}
	}
	r.w.Update(domain, func(p *Registration) {
		p.Registrant.Person = reg.LegalForm == epp.LegalFormPerson
		p.AdminEmail = adminEmail
	})
}

// openproviderChanged publishes Openprovider's privacy service in the
// registrant's place, or takes it away.
func (r *Registrars) openproviderChanged(domain string) {
	if d, ok := r.Openprovider.Domain(domain); ok {
		r.w.Update(domain, func(p *Registration) { p.Proxy = d.PrivateWhois })
	}
}

// Env holds the parties' passwords, for the environment of a process that
// reads Config.
func (r *Registrars) Env() map[string]string {
	return map[string]string{SIDNPasswordEnv: sidnPassword, OpenproviderPasswordEnv: openproviderPassword}
}

// Config is the registrar configuration (afscherm --registrars) that
// reaches these parties: SIDN for .nl, Openprovider for .com and .net,
// and everything else as a task for staff; with how this world's records
// name the registrars of record (RegistrarsOfRecord). caFile is the world's CA
// (CAFile) for another process; empty for this one, which passes the
// network's roots and dialer instead.
func (r *Registrars) Config(caFile string) []byte {
	type obj = map[string]any
	cfg := obj{"registrars_of_record": RegistrarsOfRecord(), "adapters": []obj{
		{"type": "sidn", "tlds": []string{"nl"}, "registrars": []string{"sidn"},
			"epp":        obj{"address": r.sidnAddr, "client_id": sidnClientID, "password_env": SIDNPasswordEnv, "ca_file": caFile, "timeout": "20s"},
			"opt_out_to": SIDNOptOutAddress,
			"role": obj{"name": "Hostmaster", "org": "Hosting Voorbeeld B.V.", "street": []string{"Dataweg 9"}, "city": "Amsterdam",
				"postal_code": "1000 AB", "country": "NL", "phone": "+31.201234567", "email": HostingRoleAddress}},
		{"type": "openprovider", "tlds": []string{"com", "net"}, "registrars": []string{"openprovider"},
			"url": r.opURL, "username": openproviderUser, "password_env": OpenproviderPasswordEnv, "ca_file": caFile},
		{"type": "manual", "tlds": []string{"*"}, "registrars": []string{"*"},
			"panels": obj{"openprovider": "Openprovider's control panel, Domains > the domain > WHOIS privacy protection"}},
	}}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("sandbox: registrar configuration: %v", err)) // a map of strings always marshals
	}
	return b
}

// ManualConfig is the registrar configuration that makes every request a
// task for staff, as afscherm does without --registrars, but knows how
// this world's records name the registrars of record.
func ManualConfig() []byte {
	b, err := json.Marshal(map[string]any{"registrars_of_record": RegistrarsOfRecord(),
		"adapters": []any{map[string]any{"type": "manual", "tlds": []string{"*"}, "registrars": []string{"*"}}}})
	if err != nil {
		panic(fmt.Sprintf("sandbox: registrar configuration: %v", err)) // plain values always marshal
	}
	return b
}

// SIDNConfig reaches the fake SIDN from this process.
func (r *Registrars) SIDNConfig() epp.Config {
	return epp.Config{Addr: SIDNHost + ":700", TLS: &tls.Config{RootCAs: r.w.Net.RootCAs()}, Dial: r.w.Net.Dial,
		ClientID: sidnClientID, Password: sidnPassword, Trace: wiretrace.FromEnv("sidn")}
}

// OpenproviderConfig reaches the fake Openprovider from this process.
func (r *Registrars) OpenproviderConfig() openprovider.Config {
	return openprovider.Config{BaseURL: "https://" + OpenproviderHost + "/v1beta", Username: openproviderUser, Password: openproviderPassword,
		HTTPClient: &http.Client{Transport: &http.Transport{DialContext: r.w.Net.Dial, TLSClientConfig: &tls.Config{RootCAs: r.w.Net.RootCAs()}}},
		Trace:      wiretrace.FromEnv("openprovider")}
}
