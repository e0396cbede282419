// Package requests carries privacy requests through their lives: staff
// queue them, the customer approves or declines the quote through a link,
// the registrar adapter files and follows them, the ledger is charged once
// the party is done, and a new scan verifies the data is gone. Every change
// of state is one transaction with its audit event, the mail it sends and
// the job that carries the next step.
package requests

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/adapters"
	"github.com/afscherm/afscherm/internal/logsafe"
	"github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/quote"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/registrars"
)

// Rescanner scans a domain again, to verify a completed request.
type Rescanner interface {
	Scan(ctx context.Context, name string) (model.ScanResult, error)
}

// Service is the request flow.
type Service struct {
	// Store keeps the requests, and the price table quotes are priced
	// from: its current version at the time of quoting (Prices).
	Store     *store.Store
	Adapters  *adapters.Router
	Scanner   Rescanner
	PublicURL string // where customers reach the approval pages
	MailFrom  string
	Company   string // signs the customers' mail
	// StaffEmails receive alerts and the digest.
	StaffEmails []string
	Keys        Keys
	Location    *time.Location
	Log         *slog.Logger
	Timing      Timing
	// AfterStep, when set, is called after each step of carrying a request
	// out has committed: "submit:marked", "submit:filed",
	// "submit:recorded", "poll:recorded", "charge:written",
	// "verify:recorded". Tests kill the process there to show that a
	// restart repeats nothing at the party and charges once.
	AfterStep func(step string)
}

func (s *Service) after(step string) {
	if s.AfterStep != nil {
		s.AfterStep(step)
	}
}

// Timing sets how long each step may take.
type Timing struct {
	ApprovalTTL    time.Duration // how long an approval link works
	ReminderBefore time.Duration // how long before expiry the reminder goes
	PollEvery      time.Duration // the first wait between asking the party; doubling up to a day
	FollowFor      time.Duration // how long a party may take before the request fails
	VerifyAfter    time.Duration // from completion to the first re-scan, for the registry's public data to catch up
	VerifyEvery    time.Duration // between re-scans of a completed request
	VerifyAlert    time.Duration // after which staff hear that the data is still visible
}

// DefaultTiming: links for 14 days with a reminder 3 days before, parties
// asked from 15 minutes on for up to 30 days, verification from 10 minutes
// after completion and then every 6 hours, staff alerted after 3 days.
func DefaultTiming() Timing {
	return Timing{ApprovalTTL: 14 * 24 * time.Hour, ReminderBefore: 3 * 24 * time.Hour, PollEvery: 15 * time.Minute,
		FollowFor: 30 * 24 * time.Hour, VerifyAfter: 10 * time.Minute, VerifyEvery: 6 * time.Hour, VerifyAlert: 3 * 24 * time.Hour}
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func (s *Service) location() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// CreateOptions adjust Create.
type CreateOptions struct {
	Draft bool // keep it quoted: staff send it later
	// OptOutReasons are the customer's reasons for a registry's opt-out
	// (SIDN), for one domain; the quote then includes the opt-out.
	OptOutReasons string
	// Reviewed is staff's reason for queueing a domain whose last verdict is
	// undetermined, after looking at its response; it is kept in the
	// creation's audit event. For any other verdict it changes nothing.
	Reviewed string
}

// Refusal is why a domain gets no request: a clear answer for staff.
type Refusal struct {
	Domain string
	Reason string
}

func (r *Refusal) Error() string { return r.Domain + ": " + r.Reason }

// Create queues a privacy request for one domain: it must be ours, active,
// exposed at its last scan (or undetermined, with staff's reason in
// opts.Reviewed), served by an adapter and priced, and have no open
// request. Unless it is a draft, the customer gets the quote and the
// approval link in the same transaction.
func (s *Service) Create(ctx context.Context, name string, by model.Actor, opts CreateOptions) (model.PrivacyRequest, error) {
	name, err := model.NormalizeDomainName(name)
	if err != nil {
		return model.PrivacyRequest{}, model.Errorf(model.KindInvalid, "%v", err)
	}
	if err := checkReasons(opts.OptOutReasons); err != nil {
		return model.PrivacyRequest{}, err
	}
	if err := checkReviewed(opts.Reviewed); err != nil {
		return model.PrivacyRequest{}, err
	}
	d, err := s.Store.Domain(ctx, name)
	if model.IsKind(err, model.KindNotFound) {
		return model.PrivacyRequest{}, model.Errorf(model.KindNotFound, "%s is not one of our customers' domains", name)
	}
	if err != nil {
		return model.PrivacyRequest{}, err
	}
	q := &quoting{}
	r, reviewed, refusal, err := s.prepare(ctx, d, by, opts, q)
	if err != nil {
		return model.PrivacyRequest{}, err
	}
	if refusal != "" {
		return model.PrivacyRequest{}, &model.Error{Kind: model.KindConflict, Message: name + ": " + refusal,
			Err: &Refusal{Domain: name, Reason: refusal}}
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error { return s.insert(ctx, tx, &r, reviewed, by, opts, q) })
	if err != nil {
		return model.PrivacyRequest{}, err
	}
	s.log().Info("request created", "request", r.ID, logsafe.Domain(r.DomainID), "state", r.State, "reviewed", reviewed)
	return r, nil
}

// insert writes a prepared request with its audit event and, unless it
// is a draft, the mail that asks the customer to approve it.
// q has the customer the quote was made for.
func (s *Service) insert(ctx context.Context, tx *store.Tx, r *model.PrivacyRequest, reviewed bool, by model.Actor, opts CreateOptions, q *quoting) error {
	if err := tx.InsertRequest(ctx, r); err != nil {
		return err
	}
	created := model.AuditEvent{Actor: by, Action: "request.created", SubjectKind: "request",
		SubjectID: strconv.FormatInt(r.ID, 10), ToState: string(r.State),
		Details: map[string]any{"domain": r.Domain, "adapter": r.Adapter, "quote_sha256": r.Quote.SHA256,
			"price_table_version": r.PriceTableVersion}}
	if reviewed {
		created.Reason = "reviewed: " + strings.TrimSpace(opts.Reviewed)
		created.Details["reviewed_verdict"] = string(model.VerdictUndetermined)
		created.Details["scan_id"] = r.ScanID
	}
	if _, err := tx.AddAuditEvent(ctx, created); err != nil {
		return err
	}
	if opts.Draft {
		return nil
	}
	// Inserted with its expiry, a new request needs no second write of it.
	if err := tx.TransitionRequest(ctx, r, store.Change{Transition: model.SendForApproval, Actor: by}); err != nil {
		return err
	}
	c, ok := q.customers[r.CustomerNumber]
	if !ok {
		var err error
		if c, err = tx.Customer(ctx, r.CustomerNumber); err != nil {
			return err
		}
	}
	return s.mailLinkTo(ctx, tx, *r, c, model.MailApproval)
}

// prepare checks a domain and prices its request; a non-empty refusal says
// why it gets none. reviewed says that the domain's last verdict was
// undetermined and staff's reason let it through.
func (s *Service) prepare(ctx context.Context, d model.Domain, by model.Actor, opts CreateOptions, q *quoting) (_ model.PrivacyRequest, reviewed bool, refusal string, _ error) {
	if !d.Active() {
		return model.PrivacyRequest{}, false, "the domain is no longer with us", nil
	}
	if open, err := q.openRequest(ctx, s.Store, d.ID); err == nil {
		return model.PrivacyRequest{}, false, fmt.Sprintf("it has an open request already (%d, %s)", open.ID, open.State), nil
	} else if !model.IsKind(err, model.KindNotFound) {
		return model.PrivacyRequest{}, false, "", err
	}
	scan, err := q.latestScan(ctx, s.Store, d)
	if model.IsKind(err, model.KindNotFound) {
		return model.PrivacyRequest{}, false, "it has not been scanned yet; scan it first", nil
	}
	if err != nil {
		return model.PrivacyRequest{}, false, "", err
	}
	reviewed = scan.Status == model.ScanOK && scan.Verdict == model.VerdictUndetermined && opts.Reviewed != ""
	if reason := notExposed(scan); reason != "" && !reviewed {
		return model.PrivacyRequest{}, false, reason, nil
	}
	registrar, refusal := s.registrarOf(d, scan)
	if refusal != "" {
		return model.PrivacyRequest{}, false, refusal, nil
	}
	rd := registrars.Domain{Name: d.Name, Registrar: registrar}
	adapter, support := s.Adapters.Choose(rd)
	if adapter == nil {
		return model.PrivacyRequest{}, false, "shielding is not possible here: " + support.Reason, nil
	}
	if opts.OptOutReasons != "" && !support.OptOut {
		return model.PrivacyRequest{}, false, "its party (" + adapter.Name() + ") has no opt-out for the customer's reasons", nil
	}
	// One version of the price table prices the quote: the newest in the
	// database now, handed to the adapter in the context so that its cost
	// (adapters.TableCost) and the company's fee come from the same one.
	prices, err := q.priceTable(ctx, s.Store)
	if err != nil {
		return model.PrivacyRequest{}, false, "", err
	}
	cost, err := adapter.Price(quote.WithTable(ctx, prices), rd)
	if err != nil {
		return model.PrivacyRequest{}, false, "", fmt.Errorf("price of %s: %w", d.Name, err)
	}
	fee, err := prices.ServiceFee(d.TLD(), registrar)
	if err != nil {
		return model.PrivacyRequest{}, false, "", err
	}
	c, err := q.customer(ctx, s.Store, d.CustomerNumber)
	if err != nil {
		return model.PrivacyRequest{}, false, "", err
	}
	price := model.NewPrice(model.Cents(cost), fee)
	expires := s.Store.Now().Add(s.Timing.ApprovalTTL)
	text, err := quote.Render(quote.Input{
		Domain: d.DisplayName(), Customer: c.Number, Language: c.Language, Visible: visibleFields(scan),
		Changes: adapter.Plan(registrars.Request{Domain: rd, Language: string(c.Language), Person: c.Kind == model.CustomerPerson,
			Reasons: opts.OptOutReasons}), Price: price, ExpiresOn: model.DateOf(expires, s.location()),
	})
	if err != nil {
		return model.PrivacyRequest{}, false, "", err
	}
	return model.PrivacyRequest{
		Domain: d.Name, DomainID: d.ID, CustomerNumber: c.Number, CustomerID: c.ID, State: model.StateQuoted,
		Price: price, Quote: text, ScanID: scan.ID, ExpiresAt: expires, Adapter: adapter.Name(),
		Partial: support.Partial, CreatedBy: by, OptOutReasons: opts.OptOutReasons, PriceTableVersion: prices.Version,
	}, reviewed, "", nil
}

// quoting is what the quotes of one batch share, read once: the price
// table (one version prices the whole batch) and the customers; and,
// when the batch is read ahead (readAhead), its domains' open requests and
// latest scans.
type quoting struct {
	prices    *quote.PriceTable
	customers map[string]model.Customer
	ahead     bool
	open      map[int64]model.PrivacyRequest
	scans     map[int64]model.ScanResult
}

// readAhead reads the open requests and latest scans of the domains in
// two queries, instead of two per domain.
func (q *quoting) readAhead(ctx context.Context, st *store.Store, domains []model.Domain) error {
	ids := make([]int64, len(domains))
	for i, d := range domains {
		ids[i] = d.ID
	}
	var err error
	if q.open, err = st.OpenRequests(ctx, ids); err != nil {
		return err
	}
	if q.scans, err = st.LatestScans(ctx, ids); err != nil {
		return err
	}
	q.ahead = true
	return nil
}

func (q *quoting) openRequest(ctx context.Context, st *store.Store, domainID int64) (model.PrivacyRequest, error) {
	if !q.ahead {
		return st.OpenRequest(ctx, domainID)
	}
	if r, ok := q.open[domainID]; ok {
		return r, nil
	}
	return model.PrivacyRequest{}, model.Errorf(model.KindNotFound, "domain %d has no open request", domainID)
}

func (q *quoting) latestScan(ctx context.Context, st *store.Store, d model.Domain) (model.ScanResult, error) {
	if !q.ahead {
		return st.LatestScan(ctx, d.Name)
	}
	if r, ok := q.scans[d.ID]; ok {
		return r, nil
	}
	return model.ScanResult{}, model.Errorf(model.KindNotFound, "%s has not been scanned", d.Name)
}

func (q *quoting) priceTable(ctx context.Context, st *store.Store) (*quote.PriceTable, error) {
	if q.prices == nil {
		p, err := Prices{Store: st}.PriceTable(ctx)
		if err != nil {
			return nil, err
		}
		q.prices = p
	}
	return q.prices, nil
}

func (q *quoting) customer(ctx context.Context, st *store.Store, number string) (model.Customer, error) {
	if c, ok := q.customers[number]; ok {
		return c, nil
	}
	c, err := st.Customer(ctx, number)
	if err != nil {
		return c, err
	}
	if q.customers == nil {
		q.customers = map[string]model.Customer{}
	}
	q.customers[number] = c
	return c, nil
}

// notExposed says why a scan offers nothing to shield, deciding from the
// scan, not from a list of TLDs.
func notExposed(r model.ScanResult) string {
	switch {
	case r.Status == model.ScanFailed:
		return "its last scan failed (" + r.FailureReason + "); scan it again first"
	case r.Status == model.ScanNotRegistered:
		return "it is not registered"
	}
	switch r.Verdict {
	case model.VerdictExposed:
		return ""
	case model.VerdictNotPublished:
		return "the registry publishes no registrant data for it: there is nothing to shield"
	case model.VerdictRedacted:
		return "its registrant data is already withheld: there is nothing to shield"
	case model.VerdictProxied:
		return "a privacy service already stands in for the registrant"
	case model.VerdictOrganisation:
		return "only a legal entity's data is visible, which is not personal data"
	case model.VerdictUndetermined:
		return "the classifier could not place its registrant data (undetermined): look at the response of its last scan " +
			"on the domain's page, and if personal data is visible queue it with --reviewed \"REASON\""
	}
	return "its last scan gave no verdict"
}

func visibleFields(r model.ScanResult) []model.Field {
	var out []model.Field
	for _, f := range model.Fields {
		if r.Fields[f].State == model.FieldVisible {
			out = append(out, f)
		}
	}
	return out
}

// sendForApproval moves a quoted request on: a fresh link, the mail that
// carries it, and the job that sends the mail.
func (s *Service) sendForApproval(ctx context.Context, tx *store.Tx, r *model.PrivacyRequest, by model.Actor) error {
	if err := tx.SetRequestExpiry(ctx, r.ID, r.ExpiresAt); err != nil {
		return err
	}
	if err := tx.TransitionRequest(ctx, r, store.Change{Transition: model.SendForApproval, Actor: by}); err != nil {
		return err
	}
	return s.mailLink(ctx, tx, *r, model.MailApproval)
}

// mailLink queues the mail of the given kind that carries a new approval
// link for a request. The outbox keeps the mail with mail.LinkPlaceholder
// where the link's token goes: the token is made as the mail is sent
// (IssueLink), so no table, backup or export ever holds one. Every mail
// has its own link; any of them decides the request, once.
func (s *Service) mailLink(ctx context.Context, tx *store.Tx, r model.PrivacyRequest, kind string) error {
	c, err := tx.Customer(ctx, r.CustomerNumber)
	if err != nil {
		return err
	}
	return s.mailLinkTo(ctx, tx, r, c, kind)
}

// mailLinkTo is mailLink to the customer c, read already.
func (s *Service) mailLinkTo(ctx context.Context, tx *store.Tx, r model.PrivacyRequest, c model.Customer, kind string) error {
	m, err := s.customerMail(kind, r, c, mail.LinkPlaceholder)
	if err != nil {
		return err
	}
	return queueMail(ctx, tx, m)
}

// IssueLink makes the token of the approval link in a customer's mail as
// the mail is sent: 256 random bits, of which only the hash is stored
// (committed before the token is returned), working until the request's
// approval time ends. It is mail.Outbox's IssueLink; the token itself
// lives only in the mail that is sent.
func (s *Service) IssueLink(ctx context.Context, m model.OutboxMessage) (string, error) {
	if m.RequestID == 0 || (m.Kind != model.MailApproval && m.Kind != model.MailReminder) {
		return "", model.Errorf(model.KindInvalid, "mail %d (%s) is not a customer's approval mail", m.ID, m.Kind)
	}
	token, hash := newToken()
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		r, err := tx.Request(ctx, m.RequestID)
		if err != nil {
			return err
		}
		return tx.InsertApprovalToken(ctx, &store.ApprovalToken{RequestID: r.ID, Hash: hash, ExpiresAt: r.ExpiresAt})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// queueMail puts a message in the outbox and enqueues the job that sends it.
func queueMail(ctx context.Context, tx *store.Tx, m model.OutboxMessage) error {
	if err := tx.InsertMail(ctx, &m); err != nil {
		return err
	}
	_, err := tx.Enqueue(ctx, river.InsertManyParams{Args: mail.SendArgs{OutboxID: m.ID}})
	return err
}

// Send sends a draft to the customer.
func (s *Service) Send(ctx context.Context, id int64, by model.Actor) (model.PrivacyRequest, error) {
	var r model.PrivacyRequest
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if r, err = tx.Request(ctx, id); err != nil {
			return err
		}
		if r.State != model.StateQuoted {
			return model.Errorf(model.KindConflict, "request %d is %s; only a quoted request can be sent", id, r.State)
		}
		r.ExpiresAt = tx.Now().Add(s.Timing.ApprovalTTL)
		return s.sendForApproval(ctx, tx, &r, by)
	})
	return r, err
}

// Resend mails a customer a new approval link for a request that waits for
// them; the earlier links keep working.
func (s *Service) Resend(ctx context.Context, id int64, by model.Actor) error {
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		r, err := tx.Request(ctx, id)
		if err != nil {
			return err
		}
		if r.State != model.StateAwaitingApproval {
			return model.Errorf(model.KindConflict, "request %d is %s; only a request awaiting approval can be resent", id, r.State)
		}
		if _, err := tx.AddAuditEvent(ctx, model.AuditEvent{Actor: by, Action: "request.resent", SubjectKind: "request",
			SubjectID: strconv.FormatInt(id, 10), Details: map[string]any{"domain": r.Domain}}); err != nil {
			return err
		}
		return s.mailLink(ctx, tx, r, model.MailApproval)
	})
}

// Cancel ends a request before it is submitted. withdrawn records that the
// customer withdrew their consent (by phone, by mail) rather than staff
// deciding: the consent record then says so.
func (s *Service) Cancel(ctx context.Context, id int64, by model.Actor, reason string, withdrawn bool) (model.PrivacyRequest, error) {
	if reason == "" {
		return model.PrivacyRequest{}, model.Errorf(model.KindInvalid, "say why the request is cancelled")
	}
	var r model.PrivacyRequest
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if r, err = tx.Request(ctx, id); err != nil {
			return err
		}
		t := model.Cancel
		if withdrawn {
			t = model.Withdraw
		}
		if err := tx.TransitionRequest(ctx, &r, store.Change{Transition: t, Actor: by, Reason: reason}); err != nil {
			return err
		}
		if !withdrawn {
			return nil
		}
		net, vat, gross := r.Price.Totals()
		return tx.InsertConsent(ctx, &model.ConsentRecord{RequestID: r.ID, Decision: model.DecisionWithdrawn,
			QuoteVersion: r.Quote.Version, QuoteSHA256: r.Quote.SHA256, Currency: r.Price.Currency,
			Net: net, VAT: vat, Gross: gross, Method: "staff (" + by.ID + ")"})
	})
	return r, err
}

// ExpireDue expires the requests whose approval time is up.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	due, err := s.Store.ExpiredRequests(ctx, model.StateAwaitingApproval, s.Store.Now())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range due {
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			fresh, err := tx.Request(ctx, r.ID)
			if err != nil || fresh.State != model.StateAwaitingApproval {
				return err
			}
			return tx.TransitionRequest(ctx, &fresh, store.Change{Transition: model.Expire, Actor: model.System("expiry"),
				Reason: "the customer did not answer in time"})
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RemindDue sends one reminder, with a new link, to each customer whose
// link expires within the reminder window.
func (s *Service) RemindDue(ctx context.Context) (int, error) {
	now := s.Store.Now()
	due, err := s.Store.ExpiredRequests(ctx, model.StateAwaitingApproval, now.Add(s.Timing.ReminderBefore))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range due {
		if !r.ExpiresAt.After(now) {
			continue // the expiry job's
		}
		mails, err := s.Store.Mails(ctx, store.MailFilter{RequestID: r.ID})
		if err != nil {
			return n, err
		}
		if slices.ContainsFunc(mails, func(m model.OutboxMessage) bool { return m.Kind == model.MailReminder }) {
			continue
		}
		err = s.Store.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.AddAuditEvent(ctx, model.AuditEvent{Actor: model.System("reminder"), Action: "request.reminded",
				SubjectKind: "request", SubjectID: strconv.FormatInt(r.ID, 10), Details: map[string]any{"domain": r.Domain}}); err != nil {
				return err
			}
			return s.mailLink(ctx, tx, r, model.MailReminder)
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Evidence is everything that shows what a customer agreed to.
type Evidence struct {
	Request model.PrivacyRequest
	Consent []model.ConsentRecord
	Ledger  []model.LedgerEntry
	Audit   []model.AuditEvent
}

// Evidence gathers a request's quote, consent records, ledger entries and
// audit trail.
func (s *Service) Evidence(ctx context.Context, id int64) (Evidence, error) {
	var e Evidence
	var err error
	if e.Request, err = s.Store.Request(ctx, id); err != nil {
		return e, err
	}
	if e.Consent, err = s.Store.ConsentRecords(ctx, id); err != nil {
		return e, err
	}
	if e.Ledger, err = s.Store.LedgerEntries(ctx, store.LedgerFilter{RequestID: id}); err != nil {
		return e, err
	}
	e.Audit, err = s.Store.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: strconv.FormatInt(id, 10)})
	return e, err
}

// errLinkUnusable is the one answer to every link that does not work:
// unknown, used, expired or malformed look the same from outside.
var errLinkUnusable = errors.New("this link does not work (any more)")

func asRefusal(err error, target **Refusal) bool { return errors.As(err, target) }

// IsLinkUnusable reports whether err means an approval link does not work.
func IsLinkUnusable(err error) bool { return errors.Is(err, errLinkUnusable) }

// MaxReasons bounds the customer's opt-out reasons, in characters.
const MaxReasons = 4000

// MaxReviewed bounds staff's reason for queueing an undetermined domain.
const MaxReviewed = 1000

// checkReviewed checks staff's reason for queueing an undetermined domain:
// when given, some text, on one line.
func checkReviewed(s string) error {
	if s == "" {
		return nil
	}
	if strings.TrimSpace(s) == "" {
		return model.Errorf(model.KindInvalid, "the reason for queueing a reviewed domain is blank: say why")
	}
	if utf8.RuneCountInString(s) > MaxReviewed {
		return model.Errorf(model.KindInvalid, "the reason for queueing a reviewed domain is longer than %d characters", MaxReviewed)
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
		return model.Errorf(model.KindInvalid, "the reason for queueing a reviewed domain must be text on one line")
	}
	return nil
}

// checkReasons refuses opt-out reasons that are too long or hold control
// characters other than line breaks and tabs. The text itself is never
// repeated: it is the customer's.
func checkReasons(s string) error {
	if utf8.RuneCountInString(s) > MaxReasons {
		return model.Errorf(model.KindInvalid, "the opt-out reasons are longer than %d characters", MaxReasons)
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) {
		return model.Errorf(model.KindInvalid, "the opt-out reasons hold characters that are not text")
	}
	return nil
}
