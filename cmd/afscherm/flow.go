package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/adapters"
	"github.com/afscherm/afscherm/internal/database"
	amail "github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/store"
)

// flowFlags set up the request flow: prices, links, mail.
type flowFlags struct {
	PublicURL   string        `name:"public-url" placeholder:"URL" help:"Where customers reach 'afscherm serve', for the links in their mail, e.g. https://privacy.example.nl; required, and not a loopback address (see --allow-local-links)."`
	PriceTable  string        `name:"price-table" placeholder:"FILE" help:"CSV of tld, registrar (or *), registrar_cost, service_fee in euros without VAT: imported into the database first when its prices differ from the current version (as 'afscherm prices import' does). Quotes use the database's current price table."`
	MailDir     string        `name:"mail-dir" placeholder:"DIR" help:"Write mail as .eml files here (default outbox/ beside the SQLite file, or in the working directory)."`
	SMTPURL     string        `name:"smtp-url" placeholder:"smtp[s]://USER@HOST:PORT" help:"Send mail over SMTP instead; the password comes from AFSCHERM_SMTP_PASSWORD."`
	MailFrom    string        `name:"mail-from" placeholder:"ADDRESS" help:"The sender of every mail, e.g. \"Hosting B.V. <privacy@hosting.nl>\"; required, on a real domain (see --allow-local-links)."`
	StaffEmail  []string      `name:"staff-email" placeholder:"ADDRESS" help:"Where alerts and the digest go (repeatable)."`
	Company     string        `placeholder:"NAME" help:"The company name that signs customers' mail and pages; required (see --allow-local-links)."`
	ApprovalTTL time.Duration `name:"approval-ttl" default:"336h" help:"How long an approval link works (default 14 days)."`
	PollEvery   time.Duration `name:"poll-every" default:"15m" help:"First wait between asking a party how a request stands; it doubles up to a day."`
	FollowFor   time.Duration `name:"follow-for" default:"720h" help:"How long a party may take before the request fails and staff hear of it (default 30 days)."`
	VerifyAfter time.Duration `name:"verify-after" default:"10m" help:"From completion to the re-scan that verifies it, for the registry's public data to catch up."`
	VerifyAlert time.Duration `name:"verify-alert" default:"72h" help:"After which staff hear that a completed request's data is still visible."`
	AllowLocal  bool          `name:"allow-local-links" help:"Trying it out on this machine: allow a missing or loopback --public-url, and stand-ins for a missing --company (afscherm) and --mail-from (noreply@localhost). Never for mail to real customers."`
	Registrars  string        `name:"registrars" placeholder:"FILE" help:"JSON file of registrar adapters: which party serves which TLDs and registrars, how to reach it (see README). Default: every request is a task for staff."`
	keyFlags
}

// keyFlags are the secrets: where they come from, and the client keys.
type keyFlags struct {
	Secret        string   `name:"secret" hidden:"" help:"Key for the form tokens, and for the hashes of client addresses unless --client-key is given (default: made once and kept in the database; client addresses then use the key file)."`
	ClientKey     []string `name:"client-key" placeholder:"KEY" help:"Key (16 characters or more) for the hashes of client addresses; repeat to rotate: the first hashes, the others still match blocks made under them (default: the key in --client-key-file)."`
	ClientKeyFile string   `name:"client-key-file" placeholder:"FILE" help:"File of the client key, made with mode 0600 on first start when missing (default: beside the SQLite file, DB.client-key; for PostgreSQL ~/.config/afscherm/client-key). Keep it out of database backups."`
}

// afterStep is told each committed step of carrying a request out; tests
// set it to end the process there, as a crash would.
var afterStep func(step string)

// flow is the request flow and what it needs, ready to use.
type flow struct {
	requests *requests.Service
	outbox   *amail.Outbox
	mailDir  string // the outbox's folder; empty for SMTP
}

// buildFlow sets up the request flow on an open store.
func (f flowFlags) build(e *env, st *store.Store, rescanner requests.Rescanner) (*flow, error) {
	if err := f.customerSafe(); err != nil {
		return nil, err
	}
	if problems := f.problems(); len(problems) > 0 {
		return nil, problems[0]
	}
	if err := f.importPrices(e, st, staffActor(e, "")); err != nil {
		return nil, err
	}
	prices := requests.Prices{Store: st}
	keys, err := f.keys(e, st)
	if err != nil {
		return nil, err
	}
	sender, err := f.sender(e)
	if err != nil {
		return nil, err
	}
	trace, err := e.tracer()
	if err != nil {
		return nil, err
	}
	svc := &requests.Service{}
	deps := adapters.Deps{Tasks: requests.Tasks{Store: st}, Handles: requests.Handles{Store: st}, Prices: prices, Getenv: e.getenv, Log: e.log, Mail: svc.MailParty,
		Trace: trace}
	router := adapters.Default(deps)
	if f.Registrars != "" {
		if router, err = adapters.Load(f.Registrars, deps); err != nil {
			return nil, err
		}
	}
	publicURL := f.PublicURL
	if publicURL == "" { // only with --allow-local-links
		publicURL = "http://127.0.0.1:8080"
	}
	timing := requests.DefaultTiming()
	timing.ApprovalTTL, timing.PollEvery, timing.FollowFor = f.ApprovalTTL, f.PollEvery, f.FollowFor
	timing.VerifyAfter, timing.VerifyAlert = f.VerifyAfter, f.VerifyAlert
	*svc = requests.Service{
		Store: st, Scanner: rescanner, PublicURL: publicURL, MailFrom: f.MailFrom, Company: f.Company,
		StaffEmails: f.StaffEmail, Keys: keys, Location: amsterdam, Log: e.log, Timing: timing,
		Adapters: router, AfterStep: afterStep,
	}
	fl := &flow{requests: svc, outbox: &amail.Outbox{Store: st, Sender: sender, From: f.MailFrom, Log: e.log,
		IssueLink: svc.IssueLink}}
	if d, ok := sender.(amail.Dir); ok {
		fl.mailDir = d.Path
	}
	return fl, nil
}

// importPrices imports --price-table, when given, unless the database's
// current price table has its prices already: the flag is a way to
// import, and every process then quotes from the database. build does it
// as the user running the process; a command with --as does it first,
// as that staff member.
func (f flowFlags) importPrices(e *env, st *store.Store, by model.Actor) error {
	if f.PriceTable == "" {
		return nil
	}
	in, err := requests.ImportPriceFile(e.ctx, st, f.PriceTable, by)
	if err != nil {
		return err
	}
	if in.Created {
		e.log.Info("price table imported", "version", in.Table.Version, "rows", len(in.Table.Rows), "file", f.PriceTable)
	}
	return nil
}

// problems are what is wrong with the flow's settings, as usage errors,
// all of them (afscherm check shows each); build refuses the first.
func (f flowFlags) problems() []error {
	var out []error
	if _, err := mail.ParseAddress(f.MailFrom); err != nil {
		out = append(out, usagef("--mail-from %q is not an e-mail address", f.MailFrom))
	}
	for _, a := range f.StaffEmail {
		if _, err := mail.ParseAddress(a); err != nil {
			out = append(out, usagef("--staff-email %q is not an e-mail address", a))
		}
	}
	if f.ApprovalTTL < time.Hour {
		out = append(out, usagef("--approval-ttl must be at least an hour"))
	}
	if f.PollEvery < time.Second || f.FollowFor < f.PollEvery || f.VerifyAfter < 0 || f.VerifyAlert < f.VerifyAfter {
		out = append(out, usagef("--poll-every must be at least a second, --follow-for at least --poll-every, --verify-alert at least --verify-after"))
	}
	return out
}

// keys are the request flow's secrets: derived from --secret, or made once
// and kept in the database so that every process of one installation
// shares them; the client keys never from the database (see clientKeys).
func (f keyFlags) keys(e *env, st *store.Store) (requests.Keys, error) {
	ctx := e.ctx
	for _, k := range f.ClientKey {
		if len(k) < database.MinClientKeyLength {
			return requests.Keys{}, usagef("--client-key must be at least %d characters", database.MinClientKeyLength)
		}
	}
	master := []byte(f.Secret)
	if f.Secret == "" {
		s, err := st.Secret(ctx, "master", func() (string, error) {
			b := make([]byte, 32)
			rand.Read(b) //nolint:errcheck // crypto/rand.Read does not fail
			return hex.EncodeToString(b), nil
		})
		if err != nil {
			return requests.Keys{}, err
		}
		master = []byte(s)
	}
	derive := func(purpose string) []byte {
		m := hmac.New(sha256.New, master)
		m.Write([]byte(purpose))
		return m.Sum(nil)
	}
	keys := requests.Keys{CSRF: derive("approval-form")}
	client, err := f.clientKeys(e, st, derive)
	if err != nil {
		return requests.Keys{}, err
	}
	keys.Client, keys.PreviousClient = client[0], client[1:]
	return keys, nil
}

// sender is where mail goes: SMTP when --smtp-url is set, else a folder.
func (f flowFlags) sender(e *env) (amail.Sender, error) {
	if f.SMTPURL != "" {
		return amail.NewSMTP(f.SMTPURL, e.getenv("AFSCHERM_SMTP_PASSWORD"), f.MailFrom, nil)
	}
	dir := f.MailDir
	if dir == "" {
		dir = f.defaultMailDir(e)
	}
	return amail.Dir{Path: dir}, nil
}

// defaultMailDir is outbox/ beside the SQLite file, or in the working
// directory.
func (flowFlags) defaultMailDir(e *env) string {
	if t, err := database.Parse(e.cli.DatabaseURL); err == nil && t.Kind == database.SQLite {
		return filepath.Join(filepath.Dir(t.Path), "outbox")
	}
	return "outbox"
}

// staffActor is who runs a command: --as, else the operating system's user.
func staffActor(e *env, as string) model.Actor {
	if as == "" {
		as = e.getenv("USER")
	}
	if as == "" {
		if u, err := user.Current(); err == nil {
			as = u.Username
		}
	}
	if as == "" {
		as = "cli"
	}
	return model.Actor{Kind: model.ActorStaff, ID: strings.ToLower(as)}
}

func describeMail(o *amail.Outbox) string { return fmt.Sprintf("mail to %s", o.Sender.Describe()) }
