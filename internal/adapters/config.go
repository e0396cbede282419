package adapters

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/quote"
	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/epp"
	"github.com/afscherm/afscherm/registrars/eppdisclose"
	"github.com/afscherm/afscherm/registrars/manual"
	"github.com/afscherm/afscherm/registrars/openprovider"
	"github.com/afscherm/afscherm/registrars/sidn"
	"github.com/afscherm/afscherm/registrars/wiretrace"
)

// File is the adapter configuration (--registrars FILE, JSON): which
// adapter serves which TLDs and registrars of record, and how to reach it,
// first match first. Credentials are never in it, only the names of the
// environment variables or files that hold them.
type File struct {
	// RegistrarsOfRecord say how live records name our registrars of
	// record, for domains imported without one and to notice a domain
	// that moved to another registrar.
	RegistrarsOfRecord []RegistrarOfRecord `json:"registrars_of_record,omitempty"`
	Adapters           []Config            `json:"adapters"`
}

// Config is one adapter.
type Config struct {
	// Type is manual, openprovider, sidn or epp-disclose.
	Type string `json:"type"`
	// Name tells two epp-disclose registries apart ("cznic"); the other
	// types are named by their type.
	Name       string   `json:"name,omitempty"`
	TLDs       []string `json:"tlds"`
	Registrars []string `json:"registrars"`
	// Cost is the party's yearly price for shielding a domain, in euros
	// without VAT ("0", "9.95"); empty takes the price table's
	// registrar_cost.
	Cost string `json:"cost,omitempty"`

	// Openprovider's REST API.
	URL          string `json:"url,omitempty"`
	Username     string `json:"username,omitempty"`
	PasswordEnv  string `json:"password_env,omitempty"`
	PasswordFile string `json:"password_file,omitempty"`
	CAFile       string `json:"ca_file,omitempty"`

	// EPP registries (sidn, epp-disclose).
	EPP *EPP `json:"epp,omitempty"`
	// SIDN: the contact with the company's role address that replaces a
	// customer's own e-mail as administrative contact.
	Role *Role `json:"role,omitempty"`
	// SIDN: where opt-out requests (full withholding, with the customer's
	// reasons) are mailed; without it afscherm offers no opt-out.
	OptOutTo string `json:"opt_out_to,omitempty"`
	// epp-disclose: the registry is CZ.NIC's FRED (name always public).
	FRED bool `json:"fred,omitempty"`

	// Manual: where staff switch privacy on, per registrar of record.
	Panels map[string]string `json:"panels,omitempty"`
}

// EPP is how to reach and log in to an EPP server.
type EPP struct {
	Address        string `json:"address"` // host:port; EPP's port is 700
	ClientID       string `json:"client_id"`
	PasswordEnv    string `json:"password_env,omitempty"`
	PasswordFile   string `json:"password_file,omitempty"`
	ClientCertFile string `json:"client_cert_file,omitempty"`
	ClientKeyFile  string `json:"client_key_file,omitempty"`
	CAFile         string `json:"ca_file,omitempty"`
	Timeout        string `json:"timeout,omitempty"` // per command, e.g. "30s"
}

// Role is SIDN's role contact: the company's, not a customer's. Name is
// the person or desk ("Hostmaster"), Org the company ("Hosting B.V."); for
// a legal form other than PERSOON, SIDN records the company as the
// contact's name and Name as its department. SIDN requires a phone number,
// and a postal code in NL: a configuration without them is refused when
// it is loaded.
type Role struct {
	Name       string   `json:"name"`
	Org        string   `json:"org"`
	Street     []string `json:"street"`
	City       string   `json:"city"`
	PostalCode string   `json:"postal_code"`
	Country    string   `json:"country"`
	Phone      string   `json:"phone"` // +31.201234567
	Email      string   `json:"email"`
	LegalForm  string   `json:"legal_form,omitempty"` // default BV
}

// Deps are what adapters take from afscherm.
type Deps struct {
	Tasks manual.Tasks
	// Prices give the registrar cost where the configuration has none: the
	// price table in effect (requests.Prices reads the newest version in
	// the database each time), or the table a quote is being priced from
	// when the quote carries one (quote.WithTable).
	Prices quote.Source
	Getenv func(string) string
	// Dial and RootCAs are for the demo and tests, whose parties live on
	// a loopback network; nil in production.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Mail sends a letter about a request to a party, once per key
	// (SIDN's opt-out).
	Mail func(ctx context.Context, requestID int64, key, to, subject, body string) error
	// Handles keeps the contact handles a registry assigns to our own
	// contacts (SIDN's role contact), in afscherm's store.
	Handles sidn.HandleStore
	RootCAs *x509.CertPool
	Log     *slog.Logger
	// Trace, when set, gets every EPP frame and API exchange of every
	// adapter, one file each, named by the adapter (--trace-dir).
	Trace *wiretrace.Dir
}

// tracer is the trace of one adapter's party, or nil.
func (d Deps) tracer(party string) wiretrace.Tracer {
	if d.Trace == nil {
		return nil
	}
	return d.Trace.For(party)
}

// Types lists the adapter types a configuration may use.
var Types = []string{"manual", "openprovider", "sidn", "epp-disclose"}

// TableCost is the registrar cost from the price table: the one the
// quote being priced carries in its context (quote.WithTable), so that
// the cost and the company's fee come from one version; else the table
// src has in effect now.
func TableCost(src quote.Source) func(context.Context, registrars.Domain) (int64, error) {
	return func(ctx context.Context, d registrars.Domain) (int64, error) {
		pt := quote.TableIn(ctx)
		if pt == nil {
			if src == nil {
				return 0, fmt.Errorf("no price table has been imported: run 'afscherm prices import FILE'")
			}
			var err error
			if pt, err = src.PriceTable(ctx); err != nil {
				return 0, err
			}
		}
		c, err := pt.RegistrarCost(d.TLD(), d.Registrar)
		return int64(c), err
	}
}

// Default is the routing without a configuration file: every domain is a
// task for staff.
func Default(d Deps) *Router {
	return NewRouter(Route{TLDs: []string{"*"}, Registrars: []string{"*"},
		Adapter: &manual.Adapter{Tasks: d.Tasks, Registrars: []string{"*"}, Cost: TableCost(d.Prices)}})
}

// Load reads a configuration file and builds its adapters.
func Load(path string, d Deps) (*Router, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, model.Errorf(model.KindInvalid, "registrar configuration: %v", err)
	}
	return Parse(b, path, d)
}

// Parse builds the adapters of a configuration; name is for errors. It
// contacts no party: credentials and addresses are first tried by the
// first request.
func Parse(b []byte, name string, d Deps) (*Router, error) {
	f, err := decode(b, name)
	if err != nil {
		return nil, err
	}
	if d.Getenv == nil {
		d.Getenv = os.Getenv
	}
	var routes []Route
	seen := map[string]bool{}
	for i, c := range f.Adapters {
		a, err := buildAt(name, i, c, d)
		if err != nil {
			return nil, err
		}
		if seen[a.Name()] {
			where := fmt.Sprintf("registrar configuration %s, adapter %d (%s)", name, i+1, c.Type)
			return nil, model.Errorf(model.KindInvalid, "%s: a second adapter named %q; give each its own name", where, a.Name())
		}
		seen[a.Name()] = true
		routes = append(routes, Route{TLDs: lower(c.TLDs), Registrars: lower(c.Registrars), Adapter: a})
	}
	router, err := NewRouter(routes...).WithRegistrars(f.RegistrarsOfRecord...)
	if err != nil {
		return nil, model.Errorf(model.KindInvalid, "registrar configuration %s: %v", name, err)
	}
	return router, nil
}

// decode reads a configuration file's JSON; name is for errors.
func decode(b []byte, name string) (File, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return f, model.Errorf(model.KindInvalid, "registrar configuration %s: %v", name, err)
	}
	if len(f.Adapters) == 0 {
		return f, model.Errorf(model.KindInvalid, "registrar configuration %s: no adapters", name)
	}
	return f, nil
}

// buildAt builds the i-th adapter of the configuration file name.
func buildAt(name string, i int, c Config, d Deps) (registrars.Adapter, error) {
	where := fmt.Sprintf("registrar configuration %s, adapter %d (%s)", name, i+1, c.Type)
	if len(c.TLDs) == 0 || len(c.Registrars) == 0 {
		return nil, model.Errorf(model.KindInvalid, "%s: give tlds and registrars (\"*\" for any)", where)
	}
	cost := TableCost(d.Prices)
	if c.Cost != "" {
		cents, err := model.ParseEuros(c.Cost)
		if err != nil {
			return nil, model.Errorf(model.KindInvalid, "%s: cost: %v", where, err)
		}
		cost = func(context.Context, registrars.Domain) (int64, error) { return int64(cents), nil }
	}
	a, err := build(c, cost, d)
	if err != nil {
		return nil, model.Errorf(model.KindInvalid, "%s: %v", where, err)
	}
	return a, nil
}

func build(c Config, cost func(context.Context, registrars.Domain) (int64, error), d Deps) (registrars.Adapter, error) {
	if c.Name != "" && c.Type != "epp-disclose" && c.Name != c.Type {
		return nil, fmt.Errorf("a %s adapter is named %q; only epp-disclose adapters take a name of their own", c.Type, c.Name)
	}
	switch c.Type {
	case "manual":
		return &manual.Adapter{Tasks: d.Tasks, Registrars: lower(c.Registrars), Cost: cost, Panels: c.Panels}, nil
	case "openprovider":
		password, err := secret("password", c.PasswordEnv, c.PasswordFile, d.Getenv)
		if err != nil {
			return nil, err
		}
		roots, err := roots(c.CAFile, d.RootCAs)
		if err != nil {
			return nil, err
		}
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: 30 * time.Second}
		if d.Dial != nil {
			tr.DialContext = d.Dial
		}
		client, err := openprovider.NewClient(openprovider.Config{BaseURL: c.URL, Username: c.Username, Password: password,
			HTTPClient: &http.Client{Transport: tr}, Logger: d.Log, Trace: d.tracer("openprovider")})
		if err != nil {
			return nil, err
		}
		return openprovider.NewAdapter(openprovider.AdapterConfig{Client: client, TLDs: lower(c.TLDs), Cost: cost})
	case "sidn":
		e, err := eppConfig(c.EPP, d)
		if err != nil {
			return nil, err
		}
		e.Trace = d.tracer("sidn")
		if c.Role == nil {
			return nil, fmt.Errorf("SIDN needs the role contact (role)")
		}
		var optOut *sidn.OptOut
		if c.OptOutTo != "" {
			if _, err := mail.ParseAddress(c.OptOutTo); err != nil {
				return nil, fmt.Errorf("opt_out_to %q is not an e-mail address", c.OptOutTo)
			}
			if d.Mail == nil || d.Tasks == nil {
				return nil, fmt.Errorf("opt_out_to needs afscherm's mail and tasks")
			}
			optOut = &sidn.OptOut{To: c.OptOutTo, Mail: d.Mail, Tasks: d.Tasks}
		}
		r := c.Role
		role := epp.Contact{Name: r.Name, Org: r.Org, Street: r.Street, City: r.City, PC: r.PostalCode, CC: strings.ToUpper(r.Country),
			Voice: r.Phone, Email: r.Email, LegalForm: r.LegalForm}
		if problems := sidn.CheckContact(role); len(problems) > 0 {
			var s []string
			for _, p := range problems {
				s = append(s, roleField[p.Field]+": "+p.Problem)
			}
			return nil, fmt.Errorf("role contact: %s", strings.Join(s, "; "))
		}
		if d.Handles == nil {
			return nil, fmt.Errorf("SIDN needs afscherm's store for the contact handles SIDN assigns")
		}
		return sidn.New(sidn.Config{EPP: e, Registrars: lower(c.Registrars), Cost: cost, OptOut: optOut, Role: role, Handles: d.Handles})
	case "epp-disclose":
		e, err := eppConfig(c.EPP, d)
		if err != nil {
			return nil, err
		}
		if c.Name == "" {
			return nil, fmt.Errorf("an epp-disclose adapter needs a name, e.g. the registry's")
		}
		e.Trace = d.tracer(c.Name)
		return eppdisclose.New(eppdisclose.Config{Name: c.Name, EPP: e, TLDs: lower(c.TLDs), Registrars: lower(c.Registrars),
			Cost: cost, FRED: c.FRED})
	}
	return nil, fmt.Errorf("unknown type %q (%s)", c.Type, strings.Join(Types, ", "))
}

// roleField names a SIDN contact field (sidn.ContactProblem) as the
// configuration file does.
var roleField = map[string]string{"name": "role.name", "org": "role.org", "city": "role.city", "cc": "role.country",
	"pc": "role.postal_code", "voice": "role.phone", "email": "role.email", "legalForm": "role.legal_form"}

func eppConfig(c *EPP, d Deps) (epp.Config, error) {
	if c == nil || c.Address == "" || c.ClientID == "" {
		return epp.Config{}, fmt.Errorf("give epp.address and epp.client_id")
	}
	if _, _, err := net.SplitHostPort(c.Address); err != nil {
		return epp.Config{}, fmt.Errorf("epp.address %q is not host:port", c.Address)
	}
	password, err := secret("epp.password", c.PasswordEnv, c.PasswordFile, d.Getenv)
	if err != nil {
		return epp.Config{}, err
	}
	roots, err := roots(c.CAFile, d.RootCAs)
	if err != nil {
		return epp.Config{}, err
	}
	tc := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if c.ClientCertFile != "" || c.ClientKeyFile != "" {
		cert, err := tls.LoadX509KeyPair(c.ClientCertFile, c.ClientKeyFile)
		if err != nil {
			return epp.Config{}, fmt.Errorf("epp client certificate: %v", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	var timeout time.Duration
	if c.Timeout != "" {
		if timeout, err = time.ParseDuration(c.Timeout); err != nil || timeout <= 0 {
			return epp.Config{}, fmt.Errorf("epp.timeout %q is not a duration such as 30s", c.Timeout)
		}
	}
	return epp.Config{Addr: c.Address, TLS: tc, Dial: d.Dial, ClientID: c.ClientID, Password: password, Timeout: timeout}, nil
}

// secret reads a credential from an environment variable or a file; the
// configuration holds only their names.
func secret(what, env, file string, getenv func(string) string) (string, error) {
	switch {
	case env != "" && file != "":
		return "", fmt.Errorf("give %s_env or %s_file, not both", what, what)
	case env != "":
		v := getenv(env)
		if v == "" {
			return "", fmt.Errorf("the environment variable %s (%s_env) is empty", env, what)
		}
		return v, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s_file: %v", what, err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", fmt.Errorf("%s_file %s is empty", what, file)
		}
		return v, nil
	}
	return "", fmt.Errorf("give %s_env or %s_file: the configuration holds no credentials", what, what)
}

// roots is the trust for a party: the system's, plus a CA file, plus the
// extra pool the demo and tests hand in.
func roots(caFile string, extra *x509.CertPool) (*x509.CertPool, error) {
	if caFile == "" {
		return extra, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %v", err)
	}
	pool := extra
	if pool == nil {
		if pool, err = x509.SystemCertPool(); err != nil {
			pool = x509.NewCertPool()
		}
	} else {
		pool = pool.Clone()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s holds no certificate", caFile)
	}
	return pool, nil
}

func lower(list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		if s = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), ".")); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
