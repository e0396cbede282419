package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

// InsertRequest adds a privacy request for the domain and customer whose
// ids it carries. A domain with an open request gets no second one: that is
// a conflict.
func (tx *Tx) InsertRequest(ctx context.Context, r *model.PrivacyRequest) error {
	r.CreatedAt, r.UpdatedAt = tx.now, tx.now
	price, err := json.Marshal(r.Price)
	if err != nil {
		return err
	}
	net, vat, gross := r.Price.Totals()
	var scan, expires, prices any
	if r.ScanID != 0 {
		scan = r.ScanID
	}
	if r.PriceTableVersion != 0 {
		prices = r.PriceTableVersion
	}
	if !r.ExpiresAt.IsZero() {
		expires = r.ExpiresAt.UTC()
	}
	err = tx.q.QueryRow(ctx, tx.sql.InsertRequest, r.DomainID, r.CustomerID, string(r.State), r.Reason,
		r.Price.Currency, string(price), int64(net), int64(vat), int64(gross), r.Quote.Version, string(r.Quote.Language),
		r.Quote.Text, r.Quote.SHA256, scan, expires, string(r.CreatedBy.Kind), r.CreatedBy.ID, tx.now, r.Adapter, r.Partial, r.OptOutReasons, prices).Scan(&r.ID)
	if model.IsKind(err, model.KindConflict) {
		return model.Errorf(model.KindConflict, "%s already has an open privacy request", r.Domain)
	}
	if err != nil {
		return fmt.Errorf("insert request for %s: %w", r.Domain, err)
	}
	return nil
}

// Request returns a privacy request. Inside a transaction on PostgreSQL the
// row stays locked until the transaction ends; SQLite's transactions
// exclude each other anyway.
func (r reader) Request(ctx context.Context, id int64) (model.PrivacyRequest, error) {
	q := r.sql.RequestByID
	if _, inTx := r.q.(DriverTx); inTx {
		q = r.sql.RequestByIDForUpdate
	}
	req, err := scanRequest(r.q.QueryRow(ctx, q, id))
	if errors.Is(err, ErrNoRows) {
		return req, model.Errorf(model.KindNotFound, "request %d not found", id)
	}
	if err != nil {
		return req, fmt.Errorf("request %d: %w", id, err)
	}
	return req, nil
}

// RequestFilter narrows a list of requests; the zero filter lists all.
type RequestFilter struct {
	State          model.RequestState
	CustomerNumber string
	Domain         string
	OpenOnly       bool
	Limit          int // the newest Limit; 0 for all
}

// Requests lists requests, newest first.
func (r reader) Requests(ctx context.Context, f RequestFilter) ([]model.PrivacyRequest, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	rs, err := collect(ctx, r.q, r.sql.ListRequests, []any{string(f.State), f.CustomerNumber, f.Domain, f.OpenOnly, limit}, scanRequest)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	return rs, nil
}

// OpenRequest returns the open request of a domain, found by the index
// that keeps it the only one; not found when the domain has none.
func (r reader) OpenRequest(ctx context.Context, domainID int64) (model.PrivacyRequest, error) {
	req, err := scanRequest(r.q.QueryRow(ctx, r.sql.OpenRequestOfDomain, domainID))
	if errors.Is(err, ErrNoRows) {
		return req, model.Errorf(model.KindNotFound, "domain %d has no open request", domainID)
	}
	if err != nil {
		return req, fmt.Errorf("open request of domain %d: %w", domainID, err)
	}
	return req, nil
}

// RequestCounts counts requests by state.
func (r reader) RequestCounts(ctx context.Context) (map[model.RequestState]int, error) {
	type row struct {
		s model.RequestState
		n int
	}
	rows, err := collect(ctx, r.q, r.sql.CountRequests, nil, func(rw Row) (row, error) {
		var s string
		var n int
		err := rw.Scan(&s, &n)
		return row{model.RequestState(s), n}, err
	})
	if err != nil {
		return nil, fmt.Errorf("count requests: %w", err)
	}
	m := map[model.RequestState]int{}
	for _, rw := range rows {
		m[rw.s] = rw.n
	}
	return m, nil
}

// Change is a transition to record: who, why, and what else to note.
type Change struct {
	Transition model.Transition
	Actor      model.Actor
	Reason     string
	Details    map[string]any
}

// TransitionRequest moves a request to its next state and records the
// audit event, both in this transaction: the only way a request changes
// state. The request must still be in the state r says; otherwise someone
// else changed it first, and that is a conflict.
func (tx *Tx) TransitionRequest(ctx context.Context, r *model.PrivacyRequest, c Change) error {
	to, err := r.State.Next(c.Transition)
	if err != nil {
		return fmt.Errorf("request %d: %w", r.ID, err)
	}
	reason := r.Reason
	if c.Reason != "" {
		reason = c.Reason
	}
	n, err := tx.q.Exec(ctx, tx.sql.UpdateRequestState, r.ID, string(r.State), string(to), reason, tx.now)
	if err != nil {
		return fmt.Errorf("request %d: %w", r.ID, err)
	}
	if n == 0 {
		return model.Errorf(model.KindConflict, "request %d changed meanwhile; try again", r.ID)
	}
	details := map[string]any{"domain": r.Domain}
	for k, v := range c.Details {
		details[k] = v
	}
	_, err = tx.AddAuditEvent(ctx, model.AuditEvent{Actor: c.Actor, Action: "request." + string(c.Transition),
		SubjectKind: "request", SubjectID: strconv.FormatInt(r.ID, 10), FromState: string(r.State), ToState: string(to),
		Reason: c.Reason, Details: details})
	if err != nil {
		return err
	}
	r.State, r.Reason, r.UpdatedAt = to, reason, tx.now
	return nil
}

// SetRequestParty records where a request is at its party.
func (tx *Tx) SetRequestParty(ctx context.Context, r *model.PrivacyRequest) error {
	var deadline any
	if !r.PartyDeadline.IsZero() {
		deadline = r.PartyDeadline.UTC()
	}
	_, err := tx.q.Exec(ctx, tx.sql.SetRequestParty, r.ID, r.Adapter, r.PartyReference, r.PartyDetail, deadline, tx.now)
	return err
}

// SetRequestExpiry sets when an awaiting request expires.
func (tx *Tx) SetRequestExpiry(ctx context.Context, id int64, at time.Time) error {
	_, err := tx.q.Exec(ctx, tx.sql.SetRequestExpiry, id, at.UTC(), tx.now)
	return err
}

// ExpiredRequests lists the requests of a state whose expiry is before t.
func (r reader) ExpiredRequests(ctx context.Context, state model.RequestState, before time.Time) ([]model.PrivacyRequest, error) {
	return collect(ctx, r.q, r.sql.ExpiredRequests, []any{string(state), before.UTC()}, scanRequest)
}

// scanRequest reads the columns of the request queries.
func scanRequest(row Row) (model.PrivacyRequest, error) {
	var r model.PrivacyRequest
	var state, price, lang, byKind string
	var scan, prices *int64
	err := row.Scan(&r.ID, &r.Domain, &r.DomainID, &r.CustomerNumber, &r.CustomerID, &state, &r.Reason,
		&r.Price.Currency, &price, &r.Quote.Version, &lang, &r.Quote.Text, &r.Quote.SHA256, &scan,
		timeValue{&r.ExpiresAt}, &byKind, &r.CreatedBy.ID, timeValue{&r.CreatedAt}, timeValue{&r.UpdatedAt},
		&r.Adapter, &r.Partial, &r.PartyReference, &r.PartyDetail, timeValue{&r.PartyDeadline}, &r.OptOutReasons, &prices)
	if err != nil {
		return r, err
	}
	r.State, r.Quote.Language, r.CreatedBy.Kind = model.RequestState(state), model.Language(lang), model.ActorKind(byKind)
	if scan != nil {
		r.ScanID = *scan
	}
	if prices != nil {
		r.PriceTableVersion = *prices
	}
	if err := json.Unmarshal([]byte(price), &r.Price); err != nil {
		return r, fmt.Errorf("request %d price: %w", r.ID, err)
	}
	return r, nil
}

// ApprovalToken is an approval link's stored part: its hash, never the token.
type ApprovalToken struct {
	ID        int64
	RequestID int64
	Hash      string
	ExpiresAt time.Time
	UsedAt    time.Time
}

// InsertApprovalToken stores a link's hash.
func (tx *Tx) InsertApprovalToken(ctx context.Context, t *ApprovalToken) error {
	err := tx.q.QueryRow(ctx, tx.sql.InsertApprovalToken, t.RequestID, t.Hash, tx.now, t.ExpiresAt.UTC()).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("insert approval token: %w", err)
	}
	return nil
}

// ApprovalTokenByHash finds a link by its hash.
func (r reader) ApprovalTokenByHash(ctx context.Context, hash string) (ApprovalToken, error) {
	var t ApprovalToken
	err := r.q.QueryRow(ctx, r.sql.ApprovalTokenByHash, hash).Scan(&t.ID, &t.RequestID, &t.Hash, timeValue{&t.ExpiresAt}, timeValue{&t.UsedAt})
	if errors.Is(err, ErrNoRows) {
		return t, model.Errorf(model.KindNotFound, "no such link")
	}
	return t, err
}

// UseApprovalToken marks a link used, once: false when it already was.
func (tx *Tx) UseApprovalToken(ctx context.Context, id int64) (bool, error) {
	n, err := tx.q.Exec(ctx, tx.sql.UseApprovalToken, id, tx.now)
	return n == 1, err
}

// InsertConsent appends a consent record. A second approval or refusal of
// the same request is a conflict.
func (tx *Tx) InsertConsent(ctx context.Context, c *model.ConsentRecord) error {
	if c.At.IsZero() {
		c.At = tx.now
	}
	err := tx.q.QueryRow(ctx, tx.sql.InsertConsent, c.RequestID, string(c.Decision), c.QuoteVersion, c.QuoteSHA256,
		c.Currency, int64(c.Net), int64(c.VAT), int64(c.Gross), c.At.UTC(), c.Method, c.UserAgent, c.ClientHash).Scan(&c.ID)
	if model.IsKind(err, model.KindConflict) {
		return model.Errorf(model.KindConflict, "request %d has been decided already", c.RequestID)
	}
	if err != nil {
		return fmt.Errorf("insert consent record: %w", err)
	}
	return nil
}

// ConsentRecords lists a request's consent records, oldest first.
func (r reader) ConsentRecords(ctx context.Context, requestID int64) ([]model.ConsentRecord, error) {
	return collect(ctx, r.q, r.sql.ListConsent, []any{requestID}, func(row Row) (model.ConsentRecord, error) {
		var c model.ConsentRecord
		var decision string
		var net, vat, gross int64
		err := row.Scan(&c.ID, &c.RequestID, &c.CustomerNumber, &c.Domain, &decision, &c.QuoteVersion, &c.QuoteSHA256,
			&c.Currency, &net, &vat, &gross, timeValue{&c.At}, &c.Method, &c.UserAgent, &c.ClientHash)
		c.Decision, c.Net, c.VAT, c.Gross = model.Decision(decision), model.Cents(net), model.Cents(vat), model.Cents(gross)
		return c, err
	})
}

// InsertLedgerEntry appends an entry unless one with its idempotency key
// exists; it reports whether it wrote one.
func (tx *Tx) InsertLedgerEntry(ctx context.Context, e *model.LedgerEntry) (bool, error) {
	if e.At.IsZero() {
		e.At = tx.now
	}
	rows, err := collect(ctx, tx.q, tx.sql.InsertLedgerEntry, []any{e.RequestID, string(e.Kind), e.Description,
		e.Currency, int64(e.Net), int64(e.VAT), int64(e.Gross), e.At.UTC(), e.IdempotencyKey}, func(row Row) (int64, error) {
		var id int64
		err := row.Scan(&id)
		return id, err
	})
	if err != nil {
		return false, fmt.Errorf("insert ledger entry %s: %w", e.IdempotencyKey, err)
	}
	if len(rows) == 0 {
		return false, nil
	}
	e.ID = rows[0]
	return true, nil
}

// LedgerFilter selects ledger entries: by request, or by time [From, To).
type LedgerFilter struct {
	RequestID int64
	From, To  time.Time
}

// LedgerEntries lists entries, oldest first.
func (r reader) LedgerEntries(ctx context.Context, f LedgerFilter) ([]model.LedgerEntry, error) {
	to := f.To
	if to.IsZero() {
		to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return collect(ctx, r.q, r.sql.ListLedger, []any{f.RequestID, f.From.UTC(), to.UTC()}, func(row Row) (model.LedgerEntry, error) {
		var e model.LedgerEntry
		var kind string
		var net, vat, gross int64
		err := row.Scan(&e.ID, &e.RequestID, &e.CustomerNumber, &e.Domain, &kind, &e.Description, &e.Currency,
			&net, &vat, &gross, timeValue{&e.At}, &e.IdempotencyKey)
		e.Kind, e.Net, e.VAT, e.Gross = model.LedgerKind(kind), model.Cents(net), model.Cents(vat), model.Cents(gross)
		return e, err
	})
}

// OpenRequests returns the open request of each of the domains that has
// one, by domain id: OpenRequest for many domains in one query.
func (r reader) OpenRequests(ctx context.Context, domainIDs []int64) (map[int64]model.PrivacyRequest, error) {
	ids, err := json.Marshal(domainIDs)
	if err != nil {
		return nil, err
	}
	reqs, err := collect(ctx, r.q, r.sql.OpenRequestsOfDomains, []any{string(ids)}, func(row Row) (model.PrivacyRequest, error) {
		return scanRequest(row)
	})
	if err != nil {
		return nil, fmt.Errorf("open requests: %w", err)
	}
	out := make(map[int64]model.PrivacyRequest, len(reqs))
	for _, req := range reqs {
		out[req.DomainID] = req
	}
	return out, nil
}
