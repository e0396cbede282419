// Package requeststest sets up the whole request flow for tests: the sample
// customers scanned against the sandbox registries, the manual adapter for
// every registrar (with the sandbox's registrars of record), the price
// table under testdata/ imported into the database as version 1, and a
// clock tests move.
package requeststest

import (
	"context"
	"log/slog"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/adapters"
	"github.com/afscherm/afscherm/internal/lookup/rdap"
	"github.com/afscherm/afscherm/internal/lookup/whois"
	"github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/sampledata"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/registrars/wiretrace"
)

// Clock is a settable clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now reads the clock.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock on.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// Env is the request flow on one database.
type Env struct {
	Store   *store.Store
	Service *requests.Service
	World   *sandbox.World
	Scanner *scan.Scanner
	Clock   *Clock
	// Mailbox holds what the customers received: the mails Link and Sent
	// delivered, with their links filled in (the outbox keeps none).
	Mailbox *Mailbox
}

// Mailbox is a mail.Sender that keeps every message it is given, by
// outbox id, as it was sent.
type Mailbox struct {
	// Also, when set, is sent every message too (a mail folder, say).
	Also mail.Sender

	mu   sync.Mutex
	sent map[int64]model.OutboxMessage
}

// Send keeps the message.
func (b *Mailbox) Send(ctx context.Context, m model.OutboxMessage, raw []byte) error {
	if b.Also != nil {
		if err := b.Also.Send(ctx, m, raw); err != nil {
			return err
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sent == nil {
		b.sent = map[int64]model.OutboxMessage{}
	}
	b.sent[m.ID] = m
	return nil
}

// Describe names the mailbox.
func (b *Mailbox) Describe() string { return "the test's mailbox" }

// Get returns a message the mailbox received.
func (b *Mailbox) Get(id int64) (model.OutboxMessage, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m, ok := b.sent[id]
	return m, ok
}

// Outbox delivers the env's mail through sender, issuing approval links as
// the service does when a worker sends them.
func (e *Env) Outbox(sender mail.Sender) *mail.Outbox {
	return &mail.Outbox{Store: e.Store, Sender: sender, From: e.Service.MailFrom, IssueLink: e.Service.IssueLink}
}

// Sent returns an outbox message as the customer received it, delivering
// it into the Mailbox first if it is still waiting.
func (e *Env) Sent(t testing.TB, id int64) model.OutboxMessage {
	t.Helper()
	if m, ok := e.Mailbox.Get(id); ok {
		return m
	}
	if err := e.Outbox(e.Mailbox).Deliver(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	m, ok := e.Mailbox.Get(id)
	if !ok {
		t.Fatalf("mail %d was sent elsewhere already; its link is in that mail only", id)
	}
	return m
}

// Staff is the staff member tests act as.
var Staff = model.Actor{Kind: model.ActorStaff, ID: "anna"}

// Exposed is a sample domain whose registrant's own e-mail SIDN shows.
const Exposed = "janvandenheuvel.nl"

// PriceTable is the path of testdata/prices.csv.
func PriceTable() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "prices.csv")
}

// New imports the samples into the database at url, scans them, and sets
// up the request flow.
func New(t testing.TB, url string) *Env {
	t.Helper()
	return NewIn(t, url, sandbox.ByName)
}

// NewIn is New with the sandbox's servers addressed as given: ByAddress
// for worlds that other processes reach too.
func NewIn(t testing.TB, url string, addressing sandbox.Addressing) *Env {
	t.Helper()
	ctx := context.Background()
	c := &Clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	st := storetest.Open(t, url, c.Now)
	if _, err := sampledata.Import(ctx, st, model.NewDate(2026, 11, 25)); err != nil {
		t.Fatal(err)
	}
	w, err := sandbox.Standard(t.TempDir(), addressing, sandbox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	customers, _ := st.Customers(ctx)
	domains, _ := st.Domains(ctx, store.DomainFilter{})
	w.Register(customers, domains)
	rcfg, err := w.RDAPConfig()
	if err != nil {
		t.Fatal(err)
	}
	scanner := &scan.Scanner{Store: st, RDAP: rdap.New(rcfg), WHOIS: whois.New(w.WHOISConfig())}
	for _, d := range domains {
		if _, err := scanner.Scan(ctx, d.Name); err != nil {
			t.Fatal(err)
		}
	}
	// The price table is the database's, as in every process: version 1.
	if _, err := requests.ImportPriceFile(ctx, st, PriceTable(), Staff); err != nil {
		t.Fatal(err)
	}
	prices := requests.Prices{Store: st}
	// Every request a task for staff, as without --registrars, knowing how
	// the world's records name the registrars of record.
	router, err := adapters.Default(adapters.Deps{Tasks: requests.Tasks{Store: st}, Prices: prices}).
		WithRegistrars(sandbox.RegistrarsOfRecord()...)
	if err != nil {
		t.Fatal(err)
	}
	svc := &requests.Service{
		Store: st, Adapters: router,
		Scanner: scanner, PublicURL: "https://klant.hosting.example", MailFrom: "afscherm <noreply@hosting.example>",
		StaffEmails: []string{"staff@hosting.example"},
		Keys:        requests.Keys{Client: []byte("client-key"), CSRF: []byte("csrf-key")},
		Location:    time.UTC, Log: slog.New(slog.DiscardHandler), Timing: requests.DefaultTiming(),
	}
	return &Env{Store: st, Service: svc, World: w, Scanner: scanner, Clock: c, Mailbox: &Mailbox{}}
}

// UseSandboxRegistrars starts the world's parties (SIDN, Openprovider)
// and routes requests as the sandbox's registrar configuration says.
func (e *Env) UseSandboxRegistrars(t testing.TB) *sandbox.Registrars {
	t.Helper()
	parties, err := e.World.StartRegistrars()
	if err != nil {
		t.Fatal(err)
	}
	parties.SIDN.ReportTo(t) // a frame the official schemas reject fails the test
	env := parties.Env()
	e.Service.Adapters, err = adapters.Parse(parties.Config(""), "the sandbox's registrars", adapters.Deps{
		Tasks: requests.Tasks{Store: e.Store}, Handles: requests.Handles{Store: e.Store}, Prices: requests.Prices{Store: e.Store}, Getenv: func(k string) string { return env[k] },
		Dial: e.World.Net.Dial, RootCAs: e.World.Net.RootCAs(), Mail: e.Service.MailParty, Trace: wiretrace.DirFromEnv()})
	if err != nil {
		t.Fatal(err)
	}
	return parties
}

// Exposed lists domains of natural persons with a TLD and registrar of
// record whose data is visible: for .nl those the scan found exposed; for
// a gTLD the registrar is made to publish the registrant (unless its
// privacy service is on), and the domain is scanned again.
func (e *Env) Exposed(t testing.TB, tld, registrar string) []string {
	t.Helper()
	ctx := context.Background()
	domains, err := e.Store.Domains(ctx, store.DomainFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range domains {
		reg, _ := e.World.Get(d.Name)
		if d.TLD() != tld || d.Registrar != registrar || !reg.Registrant.Person || reg.Proxy {
			continue
		}
		if tld != "nl" && d.LastVerdict != model.VerdictExposed {
			e.World.Update(d.Name, func(r *sandbox.Registration) { r.Publish = true })
			if _, err := e.Scanner.Scan(ctx, d.Name); err != nil {
				t.Fatal(err)
			}
		} else if d.LastVerdict != model.VerdictExposed {
			continue
		}
		out = append(out, d.Name)
	}
	return out
}

// Approve creates a request for the domain and approves it as the
// customer would, through the link in the mail.
func (e *Env) Approve(t testing.TB, domain string) model.PrivacyRequest {
	t.Helper()
	ctx := context.Background()
	r, err := e.Service.Create(ctx, domain, Staff, requests.CreateOptions{})
	if err != nil {
		t.Fatalf("%s: %v", domain, err)
	}
	token := e.Link(t, r.ID, model.MailApproval)
	link, err := e.Service.OpenLink(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if r, err = e.Service.Decide(ctx, token, link.CSRF, true, requests.Client{UserAgent: "test"}); err != nil {
		t.Fatal(err)
	}
	return r
}

var linkPattern = regexp.MustCompile(`/approve/([A-Za-z0-9_-]{43})`)

// Link finds the token in the newest mail of a kind for a request, as
// the customer received it: the mail is sent (Sent) if it was not yet.
func (e *Env) Link(t testing.TB, id int64, kind string) string {
	t.Helper()
	mails, err := e.Store.Mails(context.Background(), store.MailFilter{RequestID: id})
	if err != nil {
		t.Fatal(err)
	}
	for i := len(mails) - 1; i >= 0; i-- {
		if mails[i].Kind == kind {
			m := linkPattern.FindStringSubmatch(e.Sent(t, mails[i].ID).Text)
			if m == nil {
				t.Fatalf("no link in mail %d", mails[i].ID)
			}
			return m[1]
		}
	}
	t.Fatalf("no %s mail for request %d", kind, id)
	return ""
}
