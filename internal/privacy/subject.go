package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
)

// EraseOptions are what erasing a customer needs.
type EraseOptions struct {
	Options
	By model.Actor
	// Reason is recorded with the erasure; for an early erasure (Force) it
	// says why the law demands it.
	Reason string
	// Force erases inside the retention term.
	Force bool
}

// ErasableFrom is the first day a customer may be erased: the end of the
// relationship plus the term for customers; zero while it lasts.
func (p Policy) ErasableFrom(c model.Customer) model.Date {
	if c.RelationshipEnd.IsZero() {
		return model.Date{}
	}
	return p.Term(Customers).AfterDate(c.RelationshipEnd)
}

// Erase removes everything held about a customer, in one transaction:
// nothing is half-erased. It refuses while the relationship lasts or the
// term runs, unless forced with a reason. Jobs queued for the customer's
// requests, mails and domains are cancelled first, and the mails' files
// removed, so that a run killed halfway is simply run again.
func Erase(ctx context.Context, st *store.Store, number string, o EraseOptions) (store.Erased, error) {
	h, err := st.Holdings(ctx, number)
	if err != nil {
		return nil, err
	}
	if !o.Force {
		today := model.DateOf(st.Now(), time.UTC)
		switch from := o.Policy.ErasableFrom(h.Customer); {
		case from.IsZero():
			return nil, model.Errorf(model.KindConflict, "customer %s is still a customer (no relationship end); erase early only where the law demands it (--force-reason)", number)
		case today.Before(from):
			return nil, model.Errorf(model.KindConflict, "customer %s may be erased from %s (%s after the relationship ended on %s); erase early only where the law demands it (--force-reason)",
				number, from, o.Policy.Term(Customers).Human(), h.Customer.RelationshipEnd)
		}
	} else if o.Reason == "" {
		return nil, model.Errorf(model.KindInvalid, "an early erasure needs the reason the law demands it")
	}
	if err := cancelJobs(ctx, o.Jobs, h); err != nil {
		return nil, err
	}
	if err := removeMailFiles(o.MailDir, h.Mails); err != nil {
		return nil, err
	}
	var done store.Erased
	err = st.InTx(ctx, func(tx *store.Tx) error {
		var err error
		done, err = tx.EraseCustomer(ctx, h, o.By, o.Reason)
		return err
	})
	if err != nil {
		return nil, err
	}
	o.log().Info("customer erased", "by", string(o.By.Kind)+":"+o.By.ID, "early", o.Force)
	return done, nil
}

// cancelJobs cancels the jobs not yet finished that work on the customer's
// requests, mails or domains.
func cancelJobs(ctx context.Context, jobs store.JobClient, h store.Holdings) error {
	if jobs == nil {
		return nil
	}
	res, err := jobs.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateAvailable, rivertype.JobStateScheduled,
		rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStatePending).First(10000))
	if err != nil {
		return fmt.Errorf("list jobs: %w", err)
	}
	for _, j := range res.Jobs {
		var args struct {
			RequestID int64  `json:"request_id"`
			OutboxID  int64  `json:"outbox_id"`
			Domain    string `json:"domain"`
		}
		if json.Unmarshal(j.EncodedArgs, &args) != nil {
			continue
		}
		mine := (args.RequestID != 0 && slices.Contains(h.Requests, args.RequestID)) ||
			(args.OutboxID != 0 && slices.ContainsFunc(h.Mails, func(m store.MailRef) bool { return m.ID == args.OutboxID })) ||
			(args.Domain != "" && slices.Contains(h.Domains, args.Domain))
		if mine {
			if _, err := jobs.JobCancel(ctx, j.ID); err != nil {
				return fmt.Errorf("cancel job %d: %w", j.ID, err)
			}
		}
	}
	return nil
}

// Subject is everything held about one customer, for their access request.
type Subject struct {
	ExportedAt time.Time             `json:"exported_at"`
	Customer   model.Customer        `json:"customer"`
	Domains    []model.Domain        `json:"domains"`
	Scans      []model.ScanResult    `json:"scans"`
	Requests   []SubjectRequest      `json:"requests"`
	Mails      []model.OutboxMessage `json:"mails"`
	// Audit is the trail of the customer record and their domains; each
	// request carries its own.
	Audit []model.AuditEvent `json:"audit"`
}

// SubjectRequest is a request with its evidence.
type SubjectRequest struct {
	Request model.PrivacyRequest  `json:"request"`
	Consent []model.ConsentRecord `json:"consent"`
	Ledger  []model.LedgerEntry   `json:"ledger"`
	Task    *model.Task           `json:"task,omitempty"`
	Audit   []model.AuditEvent    `json:"audit"`
}

// Gather collects what is held about a customer.
func Gather(ctx context.Context, st *store.Store, number string) (Subject, error) {
	h, err := st.Holdings(ctx, number)
	if err != nil {
		return Subject{}, err
	}
	s := Subject{ExportedAt: st.Now(), Customer: h.Customer}
	if s.Domains, err = st.Domains(ctx, store.DomainFilter{CustomerNumber: number}); err != nil {
		return s, err
	}
	audit := func(kind, id string) ([]model.AuditEvent, error) {
		return st.AuditEvents(ctx, store.AuditFilter{SubjectKind: kind, SubjectID: id})
	}
	if s.Audit, err = audit("customer", number); err != nil {
		return s, err
	}
	for _, d := range s.Domains {
		scans, err := st.Scans(ctx, d.Name, 1_000_000)
		if err != nil {
			return s, err
		}
		s.Scans = append(s.Scans, scans...)
		events, err := audit("domain", d.Name)
		if err != nil {
			return s, err
		}
		s.Audit = append(s.Audit, events...)
	}
	for _, id := range h.Requests {
		var r SubjectRequest
		if r.Request, err = st.Request(ctx, id); err != nil {
			return s, err
		}
		if r.Consent, err = st.ConsentRecords(ctx, id); err != nil {
			return s, err
		}
		if r.Ledger, err = st.LedgerEntries(ctx, store.LedgerFilter{RequestID: id}); err != nil {
			return s, err
		}
		if t, err := st.TaskOfRequest(ctx, id); err == nil {
			r.Task = &t
		} else if !model.IsKind(err, model.KindNotFound) {
			return s, err
		}
		if r.Audit, err = audit("request", strconv.FormatInt(id, 10)); err != nil {
			return s, err
		}
		s.Requests = append(s.Requests, r)
	}
	for _, m := range h.Mails {
		msg, err := st.Mail(ctx, m.ID)
		if err != nil {
			return s, err
		}
		s.Mails = append(s.Mails, msg)
	}
	return s, nil
}

// RecordExport notes in the audit trail that a customer's data was
// exported, and by whom (the customer number only).
func RecordExport(ctx context.Context, st *store.Store, by model.Actor, number string) error {
	return st.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.AddAuditEvent(ctx, model.AuditEvent{Actor: by, Action: "subject.exported", SubjectKind: "customer", SubjectID: number})
		return err
	})
}
