package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

// MailRef names a message of the outbox, for its .eml file.
type MailRef struct {
	ID   int64
	Kind string
}

// RetentionCounts are how many records a retention step finds past their
// term.
type RetentionCounts struct {
	RawResponses, FieldValues, MailBodies, ClientHashes, SignInFailures, Digests int64
}

// PastTerm counts what retention would remove, given each kind's cutoff.
func (r reader) PastTerm(ctx context.Context, raw time.Time, fieldsBefore model.Date, mail, client, digests time.Time) (RetentionCounts, error) {
	var c RetentionCounts
	for _, q := range []struct {
		sql string
		arg any
		n   *int64
	}{
		{r.sql.CountRawBefore, raw.UTC(), &c.RawResponses},
		{r.sql.CountScansToStrip, dateArg(fieldsBefore), &c.FieldValues},
		{r.sql.CountMailsToStrip, mail.UTC(), &c.MailBodies},
		{r.sql.CountClientHashes, client.UTC(), &c.ClientHashes},
		{r.sql.CountOldSignInFailures, client.UTC(), &c.SignInFailures},
		{r.sql.CountOldDigests, digests.UTC(), &c.Digests},
	} {
		if err := r.q.QueryRow(ctx, q.sql, q.arg).Scan(q.n); err != nil {
			return c, err
		}
	}
	return c, nil
}

// StripScanValues removes the values found from up to limit scans of
// domains that left us before a day: the fields keep their states, the
// evidence says what happened, the raw response goes. It returns how many
// scans it changed.
func (tx *Tx) StripScanValues(ctx context.Context, removedBefore model.Date, limit int) (int, error) {
	type row struct {
		id               int64
		fields, evidence string
	}
	rows, err := collect(ctx, tx.q, tx.sql.ScansToStrip, []any{dateArg(removedBefore), limit}, func(r Row) (row, error) {
		var x row
		var fields, evidence []byte
		err := r.Scan(&x.id, &fields, &evidence)
		x.fields, x.evidence = string(fields), string(evidence)
		return x, err
	})
	if err != nil {
		return 0, err
	}
	note, _ := json.Marshal([]string{"values removed on " + tx.now.Format(time.DateOnly) + " under the retention policy"})
	for _, x := range rows {
		fields := map[model.Field]model.FieldValue{}
		if err := json.Unmarshal([]byte(x.fields), &fields); err != nil {
			return 0, fmt.Errorf("scan %d: fields: %w", x.id, err)
		}
		for f, v := range fields {
			v.Value = ""
			fields[f] = v
		}
		b, _ := json.Marshal(fields)
		if _, err := tx.q.Exec(ctx, tx.sql.StripScan, x.id, string(b), string(note), tx.now); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

// MailsToStrip lists up to limit messages sent (or queued) before a time
// that still hold their address and text.
func (r reader) MailsToStrip(ctx context.Context, before time.Time, limit int) ([]MailRef, error) {
	return collect(ctx, r.q, r.sql.MailsToStrip, []any{before.UTC(), limit}, scanMailRef)
}

func scanMailRef(r Row) (MailRef, error) {
	var m MailRef
	err := r.Scan(&m.ID, &m.Kind)
	return m, err
}

// StripMails removes the address, subject and text of messages.
func (tx *Tx) StripMails(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		if _, err := tx.q.Exec(ctx, tx.sql.StripMail, id); err != nil {
			return err
		}
	}
	return nil
}

// StripClientData removes client hashes and user agents from consent
// records, and deletes failed sign-ins, from before a time.
func (tx *Tx) StripClientData(ctx context.Context, before time.Time) (consent, signIns int64, err error) {
	if consent, err = tx.q.Exec(ctx, tx.sql.StripClientHashes, before.UTC()); err != nil {
		return 0, 0, err
	}
	signIns, err = tx.q.Exec(ctx, tx.sql.DeleteOldSignInFailures, before.UTC())
	return consent, signIns, err
}

// DeleteDigests deletes staff digests produced before a time.
func (tx *Tx) DeleteDigests(ctx context.Context, before time.Time) (int64, error) {
	return tx.q.Exec(ctx, tx.sql.DeleteOldDigests, before.UTC())
}

// CustomersPastTerm lists up to limit customers whose relationship ended
// before a day.
func (r reader) CustomersPastTerm(ctx context.Context, endedBefore model.Date, limit int) ([]string, error) {
	return collect(ctx, r.q, r.sql.CustomersPastTerm, []any{dateArg(endedBefore), limit}, func(row Row) (string, error) {
		var n string
		err := row.Scan(&n)
		return n, err
	})
}

// Holdings are a customer's records that erasure removes, found before.
type Holdings struct {
	Customer model.Customer
	Requests []int64
	Domains  []string
	Mails    []MailRef
}

// Holdings finds what a customer's erasure touches.
func (r reader) Holdings(ctx context.Context, number string) (Holdings, error) {
	c, err := r.Customer(ctx, number)
	if err != nil {
		return Holdings{}, err
	}
	h := Holdings{Customer: c}
	if h.Requests, err = collect(ctx, r.q, r.sql.CustomerRequestIDs, []any{c.ID}, func(row Row) (int64, error) {
		var id int64
		err := row.Scan(&id)
		return id, err
	}); err != nil {
		return h, err
	}
	if h.Domains, err = collect(ctx, r.q, r.sql.CustomerDomainNames, []any{c.ID}, func(row Row) (string, error) {
		var n string
		err := row.Scan(&n)
		return n, err
	}); err != nil {
		return h, err
	}
	h.Mails, err = collect(ctx, r.q, r.sql.CustomerOutbox, []any{c.ID}, scanMailRef)
	return h, err
}

// Erased counts what an erasure removed, per table.
type Erased map[string]int64

// EraseCustomer removes a customer and everything held about them: their
// domains, scans, requests (with approval tokens, tasks, quotes), consent
// records, ledger entries, mails and audit trail; their domain names are
// struck from staff digests. It records one audit event, with counts only.
func (tx *Tx) EraseCustomer(ctx context.Context, h Holdings, by model.Actor, reason string) (Erased, error) {
	id, number := h.Customer.ID, h.Customer.Number
	done := Erased{}
	for _, step := range []struct {
		table string
		sql   string
		args  []any
	}{
		{"approval_tokens", tx.sql.EraseApprovalTokens, []any{id}},
		{"tasks", tx.sql.EraseTasks, []any{id}},
		{"consent_records", tx.sql.EraseConsent, []any{id}},
		{"ledger_entries", tx.sql.EraseLedger, []any{id}},
		{"outbox", tx.sql.EraseOutbox, []any{id}},
		{"audit_events", tx.sql.EraseAudit, []any{id, number}},
		{"privacy_requests", tx.sql.EraseRequests, []any{id}},
		{"", tx.sql.EraseUnlinkScans, []any{id}},
		{"scan_results", tx.sql.EraseScans, []any{id}},
		{"scan_plan_rest", tx.sql.ErasePlanRest, []any{id}},
		{"domains", tx.sql.EraseDomains, []any{id}},
		{"customers", tx.sql.EraseCustomer, []any{id}},
	} {
		n, err := tx.q.Exec(ctx, step.sql, step.args...)
		if err != nil {
			return nil, fmt.Errorf("erase %s: %w", step.table, err)
		}
		if step.table != "" {
			done[step.table] = n
		}
	}
	n, err := tx.strikeFromDigests(ctx, h.Domains)
	if err != nil {
		return nil, err
	}
	done["digests"] = n
	details := map[string]any{}
	for table, n := range done {
		details[table] = n
	}
	_, err = tx.AddAuditEvent(ctx, model.AuditEvent{Actor: by, Action: "subject.erased", SubjectKind: "subject",
		SubjectID: "erased", Reason: reason, Details: details})
	return done, err
}

// strikeFromDigests replaces domain names in staff digests.
func (tx *Tx) strikeFromDigests(ctx context.Context, domains []string) (int64, error) {
	if len(domains) == 0 {
		return 0, nil
	}
	type digest struct {
		id   int64
		body string
	}
	all, err := collect(ctx, tx.q, tx.sql.ListDigestBodies, nil, func(r Row) (digest, error) {
		var d digest
		err := r.Scan(&d.id, &d.body)
		return d, err
	})
	if err != nil {
		return 0, err
	}
	var pairs []string
	for _, d := range domains {
		pairs = append(pairs, d, "(erased)")
		if u := model.DisplayDomainName(d); u != d {
			pairs = append(pairs, u, "(erased)")
		}
	}
	strike := strings.NewReplacer(pairs...)
	var changed int64
	for _, d := range all {
		if body := strike.Replace(d.body); body != d.body {
			if _, err := tx.q.Exec(ctx, tx.sql.SetDigestBody, d.id, body); err != nil {
				return 0, err
			}
			changed++
		}
	}
	return changed, nil
}
