package main

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/jobs"
	"github.com/afscherm/afscherm/internal/lookup"
	"github.com/afscherm/afscherm/internal/lookup/rdap"
	"github.com/afscherm/afscherm/internal/lookup/whois"
	"github.com/afscherm/afscherm/internal/metrics"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/privacy"
	"github.com/afscherm/afscherm/internal/ratelimit"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
)

// lookupFlags are the settings of every command that scans.
type lookupFlags struct {
	RDAPBootstrap string        `name:"rdap-bootstrap" default:"https://data.iana.org/rdap/dns.json" placeholder:"URL|FILE" help:"IANA's RDAP bootstrap file for domains (dns.json), by URL (kept in --cache-dir, refreshed daily) or path."`
	WHOISServer   []string      `name:"whois-server" placeholder:"TLD=HOST[:PORT]" help:"The WHOIS server of a TLD, for TLDs without RDAP or a mirror (repeatable)."`
	RateLimit     []string      `name:"rate-limit" placeholder:"[HOST=]N" help:"Requests per second per server: HOST=N for one host, N for every other (repeatable; default 1). Shared equally by all afscherm processes that scan."`
	CacheDir      string        `name:"cache-dir" placeholder:"DIR" help:"Where the downloaded bootstrap file is kept (default: the user's cache folder)."`
	LookupTimeout time.Duration `name:"lookup-timeout" default:"15s" help:"Time allowed for each RDAP or WHOIS request."`
	CAFile        string        `name:"ca-file" placeholder:"FILE" help:"Also trust the certificate authorities in this PEM file for RDAP (a mirror with its own CA)."`
	AllowPrivate  []string      `name:"allow-private-lookups" placeholder:"HOST" help:"Let lookups reach HOST on a loopback, private or link-local address, for a mirror inside the network (repeatable; '*' for every host). Without it, RDAP links, redirects and WHOIS referrals to such addresses are refused."`
}

// lookups builds the clients, the rate limiter and the scanner the flags
// describe.
func (f lookupFlags) scanner(st *store.Store, e *env, maxWait time.Duration, m *metrics.Metrics) (*scan.Scanner, *ratelimit.Limiter, error) {
	var limits ratelimit.Limits
	for _, s := range f.RateLimit {
		if err := limits.ParseLimit(s); err != nil {
			return nil, nil, usagef("--rate-limit: %v", err)
		}
	}
	servers := map[string]string{}
	for _, s := range f.WHOISServer {
		tld, server, ok := strings.Cut(s, "=")
		tld = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(tld), "."))
		if !ok || tld == "" || strings.TrimSpace(server) == "" {
			return nil, nil, usagef("--whois-server %q: give TLD=HOST or TLD=HOST:PORT", s)
		}
		servers[tld] = strings.TrimSpace(server)
	}
	cache := f.CacheDir
	if cache == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			cache = filepath.Join(dir, "afscherm")
		}
	}
	var roots *x509.CertPool
	if f.CAFile != "" {
		pem, err := os.ReadFile(f.CAFile)
		if err != nil {
			return nil, nil, model.Errorf(model.KindInvalid, "--ca-file: %v", err)
		}
		if roots, err = x509.SystemCertPool(); err != nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, nil, model.Errorf(model.KindInvalid, "--ca-file %s holds no PEM certificate", f.CAFile)
		}
	}
	limiter := ratelimit.New(limits)
	private := lookup.PrivateHosts(f.AllowPrivate)
	rcfg := rdap.Config{Bootstrap: f.RDAPBootstrap, CacheDir: cache, Timeout: f.LookupTimeout, Limiter: limiter,
		MaxWait: maxWait, RootCAs: roots, PrivateHosts: private}
	wcfg := whois.Config{Servers: servers, Timeout: f.LookupTimeout, Limiter: limiter, MaxWait: maxWait, PrivateHosts: private}
	sc := &scan.Scanner{Store: st, Log: e.log}
	if m != nil {
		limiter.SetObserver(m)
		rcfg.Observer, wcfg.Observer, sc.Observer = m, m, m
	}
	sc.RDAP, sc.WHOIS = rdap.New(rcfg), whois.New(wcfg)
	return sc, limiter, nil
}

// scheduleFlags set the periodic jobs; they must be the same in every
// process, since any may be the one that schedules.
type scheduleFlags struct {
	nightFlags
	DigestAt      string        `name:"digest-at" default:"07:00" placeholder:"HH:MM" help:"When the staff digest is produced, Europe/Amsterdam time."`
	ScanWorkers   int           `name:"scan-workers" default:"50" help:"Scans this process runs at once."`
	Heartbeat     time.Duration `name:"heartbeat" default:"10s" hidden:"" help:"How often this process tells the others it is alive."`
	DraftRequests bool          `name:"draft-requests" help:"With the digest, draft a request for every newly exposed domain, for staff to send."`
	retentionFlags
}

// nightFlags set the nightly scan's window and how often every domain is
// to be scanned; the plan's budget follows from them.
type nightFlags struct {
	NightlyAt    string `name:"nightly-at" default:"02:00" placeholder:"HH:MM" help:"When the nightly scan starts, Europe/Amsterdam time."`
	NightlyUntil string `name:"nightly-until" default:"07:00" placeholder:"HH:MM" help:"When the nightly scan's window ends: each server's budget is its rate over the window; scans not begun by then wait for the next night (verification scans excepted)."`
	ScanEvery    string `name:"scan-every" default:"7d" placeholder:"DAYS|DURATION" help:"Scan every domain at least this often where the budget allows (e.g. 7d); staff are warned about servers whose budget does not."`
}

// apply sets the window and the round of s from the flags.
func (f nightFlags) apply(s *jobs.Settings) error {
	var err error
	if s.NightlyAt, err = jobs.ParseTimeOfDay(f.NightlyAt); err != nil {
		return usagef("--nightly-at: %v", err)
	}
	if s.NightlyUntil, err = jobs.ParseTimeOfDay(f.NightlyUntil); err != nil {
		return usagef("--nightly-until: %v", err)
	}
	if s.NightlyUntil == s.NightlyAt {
		return usagef("--nightly-until must differ from --nightly-at")
	}
	if s.ScanEvery, err = parseSpan(f.ScanEvery); err != nil || s.ScanEvery < 24*time.Hour {
		return usagef("--scan-every %q: give a number of days such as 7d, at least 1d", f.ScanEvery)
	}
	return nil
}

// parseSpan reads a number of days (7d) or a Go duration (36h).
func parseSpan(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(strings.TrimSpace(s), "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 3660 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// retentionFlags change the retention policy's terms.
type retentionFlags struct {
	Retention []string `name:"retention" placeholder:"KIND=TERM" help:"Keep a kind of record this long, e.g. customers=7y or raw_responses=30d (repeatable; 'afscherm retention show' lists the kinds and defaults)."`
}

func (f retentionFlags) policy() (privacy.Policy, error) {
	p, err := privacy.Parse(f.Retention)
	if err != nil {
		return p, usagef("%v", err)
	}
	return p, nil
}

func (f scheduleFlags) settings() (jobs.Settings, error) {
	s := jobs.DefaultSettings(amsterdam)
	if err := f.apply(&s); err != nil {
		return s, err
	}
	var err error
	if s.DigestAt, err = jobs.ParseTimeOfDay(f.DigestAt); err != nil {
		return s, usagef("--digest-at: %v", err)
	}
	if f.ScanWorkers < 1 {
		return s, usagef("--scan-workers must be at least 1")
	}
	if s.Retention, err = f.policy(); err != nil {
		return s, err
	}
	s.ScanWorkers, s.DraftRequests = f.ScanWorkers, f.DraftRequests
	return s, nil
}

func describeSchedule(s jobs.Settings) string {
	return fmt.Sprintf("nightly scan %s to %s, digest %s, retention %s (Europe/Amsterdam); raw responses kept %s", s.NightlyAt, s.NightlyUntil, s.DigestAt,
		s.PurgeAt, s.Retention.Term(privacy.RawResponses).Human())
}
