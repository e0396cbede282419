// Package sandbox is a small internet of registries and registrars on
// loopback, for the demo, the tests and the benchmarks: fake RDAP and WHOIS
// servers under the real servers' names, answering from one shared record
// of who registered what, in each registry's own style. A change to that
// record (a privacy request carried out) changes what the next scan sees.
package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/afscherm/afscherm/internal/lookup"
	"github.com/afscherm/afscherm/internal/lookup/rdap"
	"github.com/afscherm/afscherm/internal/lookup/rdap/rdaptest"
	"github.com/afscherm/afscherm/internal/lookup/whois"
	"github.com/afscherm/afscherm/internal/lookup/whois/whoistest"
	"github.com/afscherm/afscherm/internal/loopback"
)

// Contact is a registrant as a registry holds them.
type Contact struct {
	Person     bool // a natural person, not a legal entity
	Name       string
	Org        string
	Street     string
	PostalCode string
	City       string
	Country    string // ISO 3166 alpha-2
	Email      string
	Phone      string
}

// Registration is one domain as the registry and registrar hold it.
type Registration struct {
	Domain    string
	Registrar string // the registrar's name, as published
	// RegistrarIANAID is the registrar's IANA Registrar ID, published by
	// the registries and registrars that follow ICANN's rules; empty for
	// a ccTLD registrar.
	RegistrarIANAID string
	Registrant      Contact
	// AdminEmail is the administrative contact's e-mail, which SIDN shows
	// in a private registrant's place.
	AdminEmail string
	// Proxy: the registrar's privacy service stands in for the registrant.
	Proxy bool
	// Publish: the registrant asked for their data to be published.
	Publish bool
	// Withheld are the fields a registry withholds one by one from a
	// published record, as its disclose flags say: WithheldName,
	// WithheldOrg, WithheldAddress, WithheldPhone, WithheldEmail. The
	// ICANN-profile RDAP answer honours them.
	Withheld []string
}

// The fields of Registration.Withheld.
const (
	WithheldName    = "name"
	WithheldOrg     = "org"
	WithheldAddress = "address"
	WithheldPhone   = "phone"
	WithheldEmail   = "email"
)

// World is the shared record and the servers that publish it.
type World struct {
	Net *loopback.Network

	mu     sync.Mutex
	regs   map[string]*Registration
	rdap   map[string]string // TLD → base URL of its registry's RDAP service
	whois  map[string]string // TLD → host:port of its WHOIS server
	dir    string
	boot   string
	rdaps  map[string]*rdaptest.Server
	whoiss map[string]*whoistest.Server
	// registrarRDAP is the base URL of the registrar's RDAP service that
	// thin registries link to.
	registrarRDAP string
	// byAddress makes every URL and server address name 127.0.0.1:PORT, so
	// that other processes reach the servers without the network's names.
	byAddress bool
}

// Limits are how a fake server behaves under load.
type Limits struct {
	Rate    float64       // requests per second before it answers 429; 0 for no limit
	Latency time.Duration // added to every answer
}

// Addressing says how the world's servers are named in URLs, the bootstrap
// file and WHOIS server settings.
type Addressing int

// The ways of addressing the servers.
const (
	// ByName uses the real servers' names (rdap.sidn.nl), reachable only
	// through the network's Dial: for lookups in this process.
	ByName Addressing = iota
	// ByAddress uses 127.0.0.1:PORT, reachable by any process on the
	// machine that trusts the CA in CAFile.
	ByAddress
)

// New starts an empty world; dir receives its RDAP bootstrap file and CA.
func New(dir string, addressing Addressing) (*World, error) {
	n, err := loopback.New()
	if err != nil {
		return nil, err
	}
	return &World{Net: n, regs: map[string]*Registration{}, rdap: map[string]string{}, whois: map[string]string{},
		dir: dir, rdaps: map[string]*rdaptest.Server{}, whoiss: map[string]*whoistest.Server{},
		byAddress: addressing == ByAddress}, nil
}

// CAFile writes the network's CA certificate (PEM) and returns its path.
func (w *World) CAFile() (string, error) {
	path := filepath.Join(w.dir, "sandbox-ca.pem")
	if err := os.WriteFile(path, w.Net.CAPEM(), 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// Close stops every server.
func (w *World) Close() { w.Net.Close() }

// Set records a registration, replacing any for the same domain.
func (w *World) Set(r Registration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r.Domain = strings.ToLower(r.Domain)
	w.regs[r.Domain] = &r
}

// Get returns a domain's registration.
func (w *World) Get(domain string) (Registration, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.regs[strings.ToLower(domain)]
	if !ok {
		return Registration{}, false
	}
	return *r, true
}

// Update changes a registration in place; false when there is none.
func (w *World) Update(domain string, change func(*Registration)) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.regs[strings.ToLower(domain)]
	if ok {
		change(r)
	}
	return ok
}

// Style is how a server writes its answers.
type Style string

// The styles of the registries afscherm meets.
const (
	StyleSIDN      Style = "sidn"      // .nl: private registrants withheld, admin e-mail shown
	StyleThin      Style = "thin"      // .com/.net at Verisign: registrar only, with a link
	StyleRegistrar Style = "registrar" // a gTLD registrar or thick registry, ICANN profile
	StyleEURid     Style = "eurid"     // .eu: persons not disclosed, organisations shown
	StyleDNSBE     Style = "dnsbe"     // .be: persons not shown, organisations shown
	StyleDENIC     Style = "denic"     // .de: no holder published
)

// AddRDAP starts an RDAP server for host, answering in style for the TLDs
// given (the registry for them, so the bootstrap file points at it), or as
// a registrar (no TLDs).
func (w *World) AddRDAP(host string, tlds []string, style Style, limits Limits) (*rdaptest.Server, error) {
	srv := &rdaptest.Server{Source: rdapSource{w: w, style: style, host: host}, Rate: limits.Rate, Latency: limits.Latency}
	base, byAddr, err := w.Net.ServeHTTPSBoth(srv, host)
	if err != nil {
		return nil, err
	}
	if w.byAddress {
		base = byAddr
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rdaps[host] = srv
	for _, t := range tlds {
		w.rdap[t] = base
	}
	if len(tlds) == 0 {
		w.registrarRDAP = base
	}
	return srv, nil
}

// AddWHOIS starts a WHOIS server on host port 43 for the TLDs given.
func (w *World) AddWHOIS(host string, tlds []string, style Style, limits Limits) (*whoistest.Server, error) {
	l, err := w.Net.Listen(host, 43)
	if err != nil {
		return nil, err
	}
	srv := &whoistest.Server{Source: whoisSource{w: w, style: style}, Rate: limits.Rate, Latency: limits.Latency}
	go srv.Serve(l) //nolint:errcheck // ends when the network closes
	w.mu.Lock()
	defer w.mu.Unlock()
	w.whoiss[host] = srv
	for _, t := range tlds {
		w.whois[t] = host + ":43"
		if w.byAddress {
			w.whois[t] = l.Addr().String()
		}
	}
	return srv, nil
}

// RDAPServer returns the fake RDAP server for host, for tests to inspect.
func (w *World) RDAPServer(host string) *rdaptest.Server {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rdaps[host]
}

// WHOISServer returns the fake WHOIS server for host.
func (w *World) WHOISServer(host string) *whoistest.Server {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.whoiss[host]
}

// Lookups counts the requests every RDAP server and the queries every
// WHOIS server of the world received.
func (w *World) Lookups() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	var n int64
	for _, s := range w.rdaps {
		n += s.Requests()
	}
	for _, s := range w.whoiss {
		n += s.Queries()
	}
	return n
}

// Bootstrap writes IANA's dns.json for the registries added so far and
// returns its path.
func (w *World) Bootstrap() (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	path := filepath.Join(w.dir, "rdap-dns.json")
	if err := os.WriteFile(path, rdaptest.Bootstrap(w.rdap), 0o644); err != nil {
		return "", fmt.Errorf("sandbox bootstrap: %w", err)
	}
	w.boot = path
	return path, nil
}

// RDAPConfig is the lookup configuration that reaches this world's RDAP
// servers, and nothing else.
func (w *World) RDAPConfig() (rdap.Config, error) {
	path, err := w.Bootstrap()
	if err != nil {
		return rdap.Config{}, err
	}
	return rdap.Config{Bootstrap: path, Dial: w.Net.Dial, RootCAs: w.Net.RootCAs(), PrivateHosts: w.PrivateHosts()}, nil
}

// PrivateHosts are the hosts of this world's servers, which are all on
// loopback: the allowance lookups need to reach them (and nothing else
// there). Addressed by address, that is 127.0.0.1.
func (w *World) PrivateHosts() lookup.PrivateHosts {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.byAddress {
		return lookup.PrivateHosts{"127.0.0.1"}
	}
	var hosts lookup.PrivateHosts
	for h := range w.rdaps {
		hosts = append(hosts, h)
	}
	for h := range w.whoiss {
		hosts = append(hosts, h)
	}
	return hosts
}

// WHOISConfig is the lookup configuration that reaches this world's WHOIS
// servers, and nothing else.
func (w *World) WHOISConfig() whois.Config {
	private := w.PrivateHosts()
	w.mu.Lock()
	defer w.mu.Unlock()
	servers := map[string]string{}
	for t, s := range w.whois {
		servers[t] = s
	}
	return whois.Config{Servers: servers, Dial: w.Net.Dial, PrivateHosts: private}
}
