package privacy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
)

// Options are what applying the policy needs besides the store.
type Options struct {
	Policy Policy
	// MailDir is the folder of the outbox's .eml files, when mail goes to
	// one; their files go with their text.
	MailDir string
	// Jobs cancels the queued jobs of an erased customer; nil cancels none.
	Jobs store.JobClient
	// Batch is how many records one transaction handles (500 when zero).
	Batch int
	Log   *slog.Logger
	// AfterBatch, when set, is told after each committed batch and each
	// erased customer; tests interrupt a run there.
	AfterBatch func()
}

func (o Options) after() {
	if o.AfterBatch != nil {
		o.AfterBatch()
	}
}

func (o Options) batch() int {
	if o.Batch > 0 {
		return o.Batch
	}
	return 500
}

func (o Options) log() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}

// Report is what a retention run removed, or would remove.
type Report struct {
	store.RetentionCounts
	Customers int64
}

// cutoffs are the moments before which each kind is past its term.
type cutoffs struct {
	raw, mail, client, digests time.Time
	fields, customers          model.Date
}

func (p Policy) cutoffs(now time.Time) cutoffs {
	day := func(t time.Time) model.Date { return model.DateOf(t, time.UTC) }
	return cutoffs{
		raw: p.Term(RawResponses).Before(now), mail: p.Term(MailBodies).Before(now),
		client: p.Term(ClientHashes).Before(now), digests: p.Term(Digests).Before(now),
		fields: day(p.Term(FieldValues).Before(now)), customers: day(p.Term(Customers).Before(now)),
	}
}

// DryRun counts what a run would remove now.
func DryRun(ctx context.Context, st *store.Store, o Options) (Report, error) {
	c := o.Policy.cutoffs(st.Now())
	counts, err := st.PastTerm(ctx, c.raw, c.fields, c.mail, c.client, c.digests)
	if err != nil {
		return Report{}, err
	}
	customers, err := st.CustomersPastTerm(ctx, c.customers, 1_000_000)
	return Report{RetentionCounts: counts, Customers: int64(len(customers))}, err
}

// Run applies the policy now: each step in batches, each batch its own
// transaction, so that a run killed halfway leaves only whole steps done
// and the next run carries on. One audit event records the counts.
func Run(ctx context.Context, st *store.Store, o Options) (Report, error) {
	c := o.Policy.cutoffs(st.Now())
	var r Report
	batches := func(n *int64, step func(tx *store.Tx) (int64, error)) error {
		for {
			var done int64
			if err := st.InTx(ctx, func(tx *store.Tx) error {
				var err error
				done, err = step(tx)
				return err
			}); err != nil {
				return err
			}
			*n += done
			o.after()
			if done < int64(o.batch()) {
				return nil
			}
		}
	}
	if err := batches(&r.RawResponses, func(tx *store.Tx) (int64, error) {
		return tx.PurgeRawResponses(ctx, c.raw, o.batch())
	}); err != nil {
		return r, fmt.Errorf("raw responses: %w", err)
	}
	if err := batches(&r.FieldValues, func(tx *store.Tx) (int64, error) {
		n, err := tx.StripScanValues(ctx, c.fields, o.batch())
		return int64(n), err
	}); err != nil {
		return r, fmt.Errorf("field values: %w", err)
	}
	if err := stripMails(ctx, st, o, c.mail, &r.MailBodies); err != nil {
		return r, fmt.Errorf("mail: %w", err)
	}
	if err := st.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if r.ClientHashes, r.SignInFailures, err = tx.StripClientData(ctx, c.client); err != nil {
			return err
		}
		r.Digests, err = tx.DeleteDigests(ctx, c.digests)
		return err
	}); err != nil {
		return r, fmt.Errorf("client hashes and digests: %w", err)
	}
	for {
		numbers, err := st.CustomersPastTerm(ctx, c.customers, o.batch())
		if err != nil {
			return r, err
		}
		for _, n := range numbers {
			if _, err := Erase(ctx, st, n, EraseOptions{Options: o, By: system, Reason: "retention: the relationship ended more than " + o.Policy.Term(Customers).Human() + " ago"}); err != nil {
				return r, fmt.Errorf("customer: %w", err)
			}
			r.Customers++
			o.after()
		}
		if len(numbers) < o.batch() {
			break
		}
	}
	err := st.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.AddAuditEvent(ctx, model.AuditEvent{Actor: system, Action: "retention.run", SubjectKind: "retention",
			SubjectID: st.Now().UTC().Format(time.DateOnly), Details: r.details()})
		return err
	})
	o.log().Info("retention applied", "raw_responses", r.RawResponses, "field_values", r.FieldValues, "mail_bodies", r.MailBodies,
		"client_hashes", r.ClientHashes, "sign_in_failures", r.SignInFailures, "digests", r.Digests, "customers", r.Customers)
	return r, err
}

var system = model.System("retention")

func (r Report) details() map[string]any {
	return map[string]any{"raw_responses": r.RawResponses, "field_values": r.FieldValues, "mail_bodies": r.MailBodies,
		"client_hashes": r.ClientHashes, "sign_in_failures": r.SignInFailures, "digests": r.Digests, "customers": r.Customers}
}

// stripMails removes old mails' text, their files first: a run killed
// between the two finds the rows again and the files already gone.
func stripMails(ctx context.Context, st *store.Store, o Options, before time.Time, n *int64) error {
	for {
		refs, err := st.MailsToStrip(ctx, before, o.batch())
		if err != nil {
			return err
		}
		if err := removeMailFiles(o.MailDir, refs); err != nil {
			return err
		}
		ids := make([]int64, len(refs))
		for i, m := range refs {
			ids[i] = m.ID
		}
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.StripMails(ctx, ids) }); err != nil {
			return err
		}
		*n += int64(len(refs))
		o.after()
		if len(refs) < o.batch() {
			return nil
		}
	}
}

// removeMailFiles deletes the .eml files of messages from the mail folder;
// a file already gone is fine.
func removeMailFiles(dir string, refs []store.MailRef) error {
	if dir == "" {
		return nil
	}
	for _, m := range refs {
		err := os.Remove(filepath.Join(dir, mail.FileName(model.OutboxMessage{ID: m.ID, Kind: m.Kind})))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
