package adapters_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/adapters"
	"github.com/afscherm/afscherm/internal/loopback"
	"github.com/afscherm/afscherm/internal/quote"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/epp/epptest"
	"github.com/afscherm/afscherm/registrars/openprovider/openprovidertest"
)

const secretValue = "s3cret-epp-password"

// full is a configuration with every adapter type; the parties live on a
// loopback network whose names the test resolves.
const full = `{"adapters": [
  {"type": "sidn", "tlds": ["nl"], "registrars": ["sidn"],
   "epp": {"address": "drs.sidn.test:700", "client_id": "afscherm", "password_env": "SIDN_PW", "timeout": "5s"},
   "role": {"name": "Privacy desk", "org": "Hosting BV", "street": ["Dataweg 9"], "city": "Amsterdam",
            "postal_code": "1000 AB", "country": "nl", "phone": "+31.201234567", "email": "privacy@hosting.test"}},
  {"type": "openprovider", "tlds": ["com", ".NET"], "registrars": ["openprovider"], "cost": "3.50",
   "url": "https://api.openprovider.test/v1beta", "username": "hosting", "password_file": "PWFILE"},
  {"type": "epp-disclose", "name": "cznic", "fred": true, "tlds": ["cz"], "registrars": ["*"], "cost": "0",
   "epp": {"address": "epp.nic.cz.test:700", "client_id": "afscherm", "password_env": "SIDN_PW"}},
  {"type": "manual", "tlds": ["*"], "registrars": ["*"], "panels": {"gandi": "Gandi's panel, Domain > Privacy"}}
]}`

type parties struct {
	net  *loopback.Network
	sidn *epptest.Server
	op   *openprovidertest.Server
	deps adapters.Deps
	cfg  string
}

func setUp(t *testing.T) *parties {
	t.Helper()
	n, err := loopback.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	srv, _, err := epptest.Start(n, "drs.sidn.test", epptest.Options{Dialect: epptest.SIDN,
		Registrars: map[string]string{"afscherm": secretValue}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	op := openprovidertest.New("hosting", "op-password-123")
	if _, err := n.ServeHTTPS(op, "api.openprovider.test"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pw := filepath.Join(dir, "op-password")
	if err := os.WriteFile(pw, []byte("op-password-123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	prices, err := quote.ReadPriceTable(strings.NewReader("tld,registrar,registrar_cost,service_fee\nnl,*,0.00,7.50\norg,*,5.00,10.00\n"), "prices")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SIDN_PW": secretValue}
	// SIDN's handles are kept in a real store (SQLite in a temporary file).
	st := storetest.Open(t, storetest.NewURL(t, "sqlite"), nil)
	return &parties{net: n, sidn: srv, op: op, cfg: strings.Replace(full, "PWFILE", pw, 1),
		deps: adapters.Deps{Prices: prices, Getenv: func(k string) string { return env[k] }, Dial: n.Dial, RootCAs: n.RootCAs(),
			Handles: requests.Handles{Store: st}}}
}

func TestParseRoutesEveryType(t *testing.T) {
	p := setUp(t)
	r, err := adapters.Parse([]byte(p.cfg), "registrars.json", p.deps)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		domain, registrar, adapter string
		cost                       int64
	}{
		{"devries.nl", "sidn", "sidn", 0},
		{"devries.nl", "gandi", "manual", 0},
		{"example.com", "openprovider", "openprovider", 350},
		{"example.net", "openprovider", "openprovider", 350},
		{"novak.cz", "gandi", "cznic", 0},
		{"example.org", "gandi", "manual", 500},
	} {
		d := registrars.Domain{Name: tc.domain, Registrar: tc.registrar}
		a, s := r.Choose(d)
		if a == nil || a.Name() != tc.adapter {
			t.Errorf("%s at %s: %v (%+v), want %s", tc.domain, tc.registrar, a, s, tc.adapter)
			continue
		}
		if c, err := a.Price(ctx, d); err != nil || c != tc.cost {
			t.Errorf("%s: price %d, %v, want %d", tc.domain, c, err, tc.cost)
		}
	}
	// No adapter, not even the manual one, serves a TLD whose registry
	// forbids privacy services.
	if a, s := r.Choose(registrars.Domain{Name: "example.us", Registrar: "openprovider"}); a != nil || !strings.Contains(s.Reason, "forbids") {
		t.Errorf(".us: %v, %+v", a, s)
	}
	if a, ok := r.Adapter("cznic"); !ok || !a.Serves(registrars.Domain{Name: "x.cz", Registrar: "y"}).Partial {
		t.Errorf("cznic adapter %v is not partial", a)
	}
}

// The configured adapters reach their parties: the password from the
// environment logs in to SIDN, the one from the file to Openprovider.
func TestConfiguredAdaptersReachTheirParties(t *testing.T) {
	p := setUp(t)
	r, err := adapters.Parse([]byte(p.cfg), "registrars.json", p.deps)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []epptest.Contact{
		{ID: "REG1", Name: "Jan de Vries", Street: []string{"Kerkstraat 1"}, City: "Utrecht", PC: "3511 AA", CC: "NL",
			Email: "jan@devries.test", Voice: "+31.301234567", LegalForm: "EENMANSZAAK"},
	} {
		if err := p.sidn.AddContact(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.sidn.AddDomain(epptest.Domain{Name: "devries.nl", Registrant: "REG1", Contacts: map[string][]string{"admin": {"REG1"}}}); err != nil {
		t.Fatal(err)
	}
	p.op.AddDomain("example.com", "owner-1")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, d := range []registrars.Domain{{Name: "devries.nl", Registrar: "sidn"}, {Name: "example.com", Registrar: "openprovider"}} {
		a, _ := r.Choose(d)
		st, err := a.Submit(ctx, registrars.Request{ID: 1, Domain: d, Language: "nl", Person: true})
		if err != nil || st.State == registrars.Rejected {
			t.Errorf("%s: %+v, %v", d.Name, st, err)
		}
	}
	if reg, _ := p.sidn.Contact("REG1"); reg.LegalForm != "PERSOON" {
		t.Errorf("SIDN registrant %+v", reg)
	}
	if d, _ := p.op.Domain("example.com"); !d.PrivateWhois {
		t.Errorf("Openprovider domain %+v", d)
	}
}

func TestParseRefusesBadConfigurations(t *testing.T) {
	p := setUp(t)
	for name, tc := range map[string]struct{ json, want string }{
		"not json":         {`{"adapters": [`, "registrars.json"},
		"empty":            {`{"adapters": []}`, "no adapters"},
		"unknown field":    {`{"adapters": [{"type": "manual", "tlds": ["*"], "registrars": ["*"], "colour": "red"}]}`, `unknown field "colour"`},
		"a password in it": {`{"adapters": [{"type": "openprovider", "tlds": ["com"], "registrars": ["*"], "username": "u", "password": "hunter2"}]}`, `unknown field "password"`},
		"unknown type":     {`{"adapters": [{"type": "whois", "tlds": ["*"], "registrars": ["*"]}]}`, `unknown type "whois"`},
		"no tlds":          {`{"adapters": [{"type": "manual", "registrars": ["*"]}]}`, "give tlds and registrars"},
		"bad cost":         {`{"adapters": [{"type": "manual", "tlds": ["*"], "registrars": ["*"], "cost": "ten"}]}`, "cost"},
		"twice":            {`{"adapters": [{"type": "manual", "tlds": ["nl"], "registrars": ["*"]}, {"type": "manual", "tlds": ["*"], "registrars": ["*"]}]}`, `a second adapter named "manual"`},
		"renamed":          {`{"adapters": [{"type": "manual", "name": "staff", "tlds": ["*"], "registrars": ["*"]}]}`, "only epp-disclose"},
		"no credential":    {`{"adapters": [{"type": "openprovider", "tlds": ["com"], "registrars": ["*"], "username": "u"}]}`, "give password_env or password_file"},
		"empty env":        {`{"adapters": [{"type": "openprovider", "tlds": ["com"], "registrars": ["*"], "username": "u", "password_env": "NOPE"}]}`, "NOPE"},
		"no epp":           {`{"adapters": [{"type": "sidn", "tlds": ["nl"], "registrars": ["*"]}]}`, "epp.address"},
		"bad address":      {`{"adapters": [{"type": "epp-disclose", "name": "x", "tlds": ["cz"], "registrars": ["*"], "epp": {"address": "epp.nic.cz", "client_id": "a", "password_env": "SIDN_PW"}}]}`, "host:port"},
		"bad timeout":      {`{"adapters": [{"type": "epp-disclose", "name": "x", "tlds": ["cz"], "registrars": ["*"], "epp": {"address": "e:700", "client_id": "a", "password_env": "SIDN_PW", "timeout": "soon"}}]}`, "epp.timeout"},
		"sidn no role":     {`{"adapters": [{"type": "sidn", "tlds": ["nl"], "registrars": ["*"], "epp": {"address": "e:700", "client_id": "a", "password_env": "SIDN_PW"}}]}`, "role"},
		"bad opt-out":      {`{"adapters": [{"type": "sidn", "tlds": ["nl"], "registrars": ["*"], "opt_out_to": "sidn", "role": {"name": "a", "email": "a@b.nl"}, "epp": {"address": "e:700", "client_id": "a", "password_env": "SIDN_PW"}}]}`, "opt_out_to"},
		"opt-out, no mail": {`{"adapters": [{"type": "sidn", "tlds": ["nl"], "registrars": ["*"], "opt_out_to": "x@sidn.nl", "role": {"name": "a", "email": "a@b.nl"}, "epp": {"address": "e:700", "client_id": "a", "password_env": "SIDN_PW"}}]}`, "needs afscherm's mail"},
		// SIDN requires a phone number, and a postal code in NL (Net::DRI's
		// SIDN contact profile): refused when the file is read.
		"role no phone": {`{"adapters": [{"type": "sidn", "tlds": ["nl"], "registrars": ["*"], "epp": {"address": "e:700", "client_id": "a", "password_env": "SIDN_PW"}, ` +
			`"role": {"name": "Hostmaster", "org": "Hosting B.V.", "city": "Amsterdam", "postal_code": "1000 AB", "country": "NL", "email": "a@b.nl"}}]}`,
			"role.phone: SIDN requires a phone number"},
		"role no postal code": {`{"adapters": [{"type": "sidn", "tlds": ["nl"], "registrars": ["*"], "epp": {"address": "e:700", "client_id": "a", "password_env": "SIDN_PW"}, ` +
			`"role": {"name": "Hostmaster", "org": "Hosting B.V.", "city": "Amsterdam", "country": "nl", "phone": "+31.201234567", "email": "a@b.nl"}}]}`,
			"role.postal_code: SIDN requires a postal code"},
		"role phone form": {`{"adapters": [{"type": "sidn", "tlds": ["nl"], "registrars": ["*"], "epp": {"address": "e:700", "client_id": "a", "password_env": "SIDN_PW"}, ` +
			`"role": {"name": "Hostmaster", "org": "Hosting B.V.", "city": "Amsterdam", "postal_code": "1000 AB", "country": "NL", "phone": "020-1234567", "email": "a@b.nl"}}]}`,
			"role.phone:"},
		"role company no org": {`{"adapters": [{"type": "sidn", "tlds": ["nl"], "registrars": ["*"], "epp": {"address": "e:700", "client_id": "a", "password_env": "SIDN_PW"}, ` +
			`"role": {"name": "Hostmaster", "city": "Amsterdam", "postal_code": "1000 AB", "country": "NL", "phone": "+31.201234567", "email": "a@b.nl"}}]}`,
			"role.org:"},
		"unnamed registry": {`{"adapters": [{"type": "epp-disclose", "tlds": ["cz"], "registrars": ["*"], "epp": {"address": "e:700", "client_id": "a", "password_env": "SIDN_PW"}}]}`, "needs a name"},
	} {
		_, err := adapters.Parse([]byte(tc.json), "registrars.json", p.deps)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), secretValue) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error shows a credential: %v", name, err)
		}
	}
	if _, err := adapters.Load(filepath.Join(t.TempDir(), "missing.json"), p.deps); err == nil {
		t.Error("a missing file loads")
	}
}
