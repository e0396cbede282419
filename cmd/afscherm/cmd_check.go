package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/afscherm/afscherm/internal/adapters"
	"github.com/afscherm/afscherm/internal/check"
	"github.com/afscherm/afscherm/internal/database"
	amail "github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/quote"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/registrars"
)

// checkCmd is afscherm check: it takes serve's flags, all of them, so that
// the operator checks exactly what serve would run with.
type checkCmd struct {
	Online  bool          `help:"Also reach out: log in to every registrar party and out again, try the SMTP server's TLS and login (sending nothing), and download the RDAP bootstrap file."`
	JSON    bool          `name:"json" help:"Print the results as one JSON array of {item, status, detail, fix}."`
	Timeout time.Duration `name:"check-timeout" default:"15s" help:"Time allowed for each item."`
	serveCmd
}

// checkNet is how check reaches the public URL and the SMTP server: the
// system's trust and resolver in production; tests put their servers on
// loopback under real names and trust their CA.
var checkNet struct {
	RootCAs *x509.CertPool
	Dial    func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (c checkCmd) Run(e *env) error {
	f := &c.flowFlags
	var items []check.Item
	items = append(items, func(context.Context) []check.Result { return check.Settings(c.problems(e)) })

	octx, cancel := context.WithTimeout(e.ctx, c.Timeout)
	st, openErr := database.Open(octx, e.cli.DatabaseURL, database.Options{Logger: e.jobLog, Inspect: true})
	cancel()
	if openErr == nil {
		defer st.Close()
		items = append(items, check.One(func(ctx context.Context) check.Result { return check.Database(ctx, st) }))
	} else {
		items = append(items, check.One(func(context.Context) check.Result { return check.Unreachable(openErr) }))
	}
	target, _ := database.Parse(e.cli.DatabaseURL)
	if target.Kind == database.SQLite && openErr == nil {
		items = append(items, check.One(func(context.Context) check.Result { return check.DatabaseFile(target.Path) }))
	}
	items = append(items, check.One(func(context.Context) check.Result { return c.clientKey(e) }))

	items = append(items, check.One(check.PublicURL{URL: f.PublicURL, AllowLocal: f.AllowLocal, Local: localHost,
		Client: checkHTTPClient()}.Check))

	prices, pricesErr := checkPrices(e.ctx, *f, st)
	// Building the adapters prices nothing: they need no price table here.
	deps := adapters.Deps{Tasks: requests.Tasks{Store: st}, Handles: requests.Handles{Store: st}, Getenv: e.getenv,
		Log: e.log, Mail: func(context.Context, int64, string, string, string, string) error {
			return errors.New("afscherm check sends no mail")
		}}
	var checked []adapters.Checked
	var fileErr error
	router := adapters.Default(deps)
	if f.Registrars != "" {
		checked, fileErr = adapters.CheckFile(f.Registrars, deps)
		if r, err := adapters.Load(f.Registrars, deps); err == nil {
			router = r
		}
	}
	items = append(items, check.One(func(ctx context.Context) check.Result {
		if pricesErr != nil {
			return check.Failure("price table", pricesErr.Error(), "correct the --price-table file")
		}
		if openErr != nil {
			return check.Failure("price table", "not checked: the database cannot be opened", "see the database item")
		}
		pairs, err := activePairs(ctx, st, router)
		if err != nil {
			return check.Failure("price table", err.Error(), "see the database item")
		}
		return check.Prices(prices, pairs)
	}))
	items = append(items, func(context.Context) []check.Result { return check.Adapters(f.Registrars, checked, fileErr) })
	if c.Online {
		for _, a := range checked {
			if p, ok := a.Adapter.(registrars.Prober); ok {
				items = append(items, check.One(func(ctx context.Context) check.Result { return check.Probe(ctx, a.Name, p) }))
			}
		}
	}

	if f.SMTPURL != "" {
		if c.Online {
			if s, err := amail.NewSMTP(f.SMTPURL, e.getenv("AFSCHERM_SMTP_PASSWORD"), f.MailFrom, checkNet.RootCAs); err == nil {
				items = append(items, check.One(func(ctx context.Context) check.Result { return check.SMTP(ctx, s.Describe(), s.Check) }))
			} // else a settings problem
		}
	} else {
		dir := f.MailDir
		if dir == "" {
			dir = f.defaultMailDir(e)
		}
		items = append(items, check.One(func(context.Context) check.Result { return check.MailDir(dir) }))
	}

	cache := c.CacheDir
	if cache == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			cache = filepath.Join(dir, "afscherm")
		}
	}
	items = append(items, check.One(check.Bootstrap{Source: c.RDAPBootstrap, CacheDir: cache, Online: c.Online,
		Client: checkHTTPClient()}.Check))

	results := check.Run(e.ctx, c.Timeout, items...)
	var err error
	if c.JSON {
		err = check.WriteJSON(e.stdout, results)
	} else {
		err = check.WriteText(e.stdout, results)
	}
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		if r.Status == check.Fail {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d items failed", failed, len(results))
	}
	return nil
}

// problems are what serve would refuse in its settings, all of them.
func (c checkCmd) problems(e *env) []error {
	f := c.flowFlags
	var out []error
	if f.AllowLocal {
		_ = f.customerSafe() // fills in the stand-ins
	} else { // the public URL is an item of its own
		for _, safe := range []func() error{f.companySafe, f.mailFromSafe} {
			if err := safe(); err != nil {
				out = append(out, err)
			}
		}
	}
	if f.MailFrom == "" { // said above; the other settings still count
		f.MailFrom = localMailFrom
	}
	out = append(out, f.problems()...)
	for _, k := range f.ClientKey {
		if len(k) < database.MinClientKeyLength {
			out = append(out, usagef("--client-key must be at least %d characters", database.MinClientKeyLength))
			break
		}
	}
	if f.SMTPURL != "" {
		if _, err := amail.NewSMTP(f.SMTPURL, e.getenv("AFSCHERM_SMTP_PASSWORD"), f.MailFrom, nil); err != nil {
			out = append(out, err)
		}
	}
	if _, err := c.scheduleFlags.settings(); err != nil {
		out = append(out, err)
	}
	if _, _, err := c.lookupFlags.scanner(nil, e, 0, nil); err != nil {
		out = append(out, err)
	}
	if _, err := trustedProxies(c.TrustedProxy, c.TrustForwardedFor); err != nil {
		out = append(out, err)
	}
	if c.MaxConnections < 1 {
		out = append(out, usagef("--max-connections must be at least 1"))
	}
	return out
}

// clientKey is the client key item: given, derived from --secret, or the
// key file, which check reads but never makes.
func (c checkCmd) clientKey(e *env) check.Result {
	f := c.keyFlags
	switch {
	case len(f.ClientKey) > 0:
		return check.ClientKey("given by --client-key", "", nil)
	case f.Secret != "":
		return check.ClientKey("derived from --secret", "", nil)
	}
	path := f.ClientKeyFile
	if path == "" {
		var err error
		if path, err = database.ClientKeyFile(e.cli.DatabaseURL); err != nil {
			return check.Failure("client key", err.Error(), "give --client-key-file FILE or --client-key")
		}
	}
	return check.ClientKey("", path, database.CheckClientKeys)
}

// checkPrices is the price table the request flow will quote from: the
// file --price-table names, which serve imports at its start when its
// prices are new, else the database's current version; nil when there is
// none. Check imports nothing.
func checkPrices(ctx context.Context, f flowFlags, st *store.Store) (check.Pricer, error) {
	if f.PriceTable != "" {
		return quote.LoadPriceTable(f.PriceTable)
	}
	if st == nil {
		return nil, nil
	}
	p, err := requests.Prices{Store: st}.PriceTable(ctx)
	if model.IsKind(err, model.KindInvalid) {
		return nil, nil // none imported
	}
	return p, err
}

// activePairs are the TLDs and registrars of record of the active
// domains, the registrar named as the request flow names it: the imported
// one, else the one the latest scan found. Domains without either cannot
// be quoted until scanned, and are left out.
func activePairs(ctx context.Context, st *store.Store, router *adapters.Router) ([]check.Pair, error) {
	active, err := st.ActiveRegistrars(ctx)
	if err != nil {
		return nil, err
	}
	index := map[[2]string]int{}
	var out []check.Pair
	for _, a := range active {
		registrar := a.Imported
		if registrar == "" {
			if !a.Live.Known() {
				continue
			}
			var ok bool
			if registrar, ok = router.Registrars().Identify(a.Live); !ok {
				registrar = adapters.RegistrarKey(a.Live)
			}
		}
		key := [2]string{a.TLD, registrar}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, check.Pair{TLD: a.TLD, Registrar: registrar})
		}
		out[i].Domains += a.Domains
	}
	return out, nil
}

// checkHTTPClient fetches /healthz and the RDAP bootstrap file; the item's
// context bounds each request.
func checkHTTPClient() *http.Client {
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: &tls.Config{RootCAs: checkNet.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second}
	if checkNet.Dial != nil {
		tr.DialContext = checkNet.Dial
	}
	return &http.Client{Transport: tr}
}
