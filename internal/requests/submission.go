package requests

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/logsafe"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/registrars"
)

// Later says a step cannot finish now and should be tried again after a
// while: the party has not finished, or asked us to wait.
type Later struct {
	After time.Duration
	Why   string
}

func (l *Later) Error() string { return fmt.Sprintf("not yet (%s); again in %s", l.Why, l.After) }

// AsLater finds a *Later in err's chain.
func AsLater(err error) (*Later, bool) {
	var l *Later
	ok := errors.As(err, &l)
	return l, ok
}

var system = model.System("registrar")

func (s *Service) adapterFor(r model.PrivacyRequest) (registrars.Adapter, registrars.Request, error) {
	ctx := context.Background()
	d := registrars.Domain{Name: r.Domain}
	req := registrars.Request{ID: r.ID, Language: string(r.Quote.Language), Reasons: r.OptOutReasons}
	if dom, err := s.Store.Domain(ctx, r.Domain); err == nil {
		d.Registrar = s.registrarForFiling(ctx, dom)
		if c, err := s.Store.Customer(ctx, dom.CustomerNumber); err == nil {
			req.Person = c.Kind == model.CustomerPerson
		}
	}
	req.Domain = d
	if a, ok := s.Adapters.Adapter(r.Adapter); ok {
		return a, req, nil
	}
	a, support := s.Adapters.Choose(d)
	if a == nil {
		return nil, req, &registrars.Error{Kind: registrars.KindConfig, Party: r.Adapter,
			Message: "no adapter for the request any more: " + support.Reason}
	}
	return a, req, nil
}

// Submit files an approved request with its party. The request is marked
// submitting first, in its own transaction, so that a crash after the party
// acted is noticed: a repeat finds it submitting and files again with the
// same idempotency key, which the adapter turns into a no-op.
func (s *Service) Submit(ctx context.Context, id int64) error {
	r, err := s.Store.Request(ctx, id)
	if err != nil {
		return err
	}
	switch r.State {
	case model.StateApproved:
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			fresh, err := tx.Request(ctx, id)
			if err != nil {
				return err
			}
			r = fresh
			return tx.TransitionRequest(ctx, &r, store.Change{Transition: model.StartSubmission, Actor: system,
				Details: map[string]any{"adapter": r.Adapter}})
		})
		if err != nil {
			return err
		}
		s.after("submit:marked")
	case model.StateSubmitting:
		s.log().Info("submitting again after an interruption", "request", id)
	default:
		return nil // cancelled meanwhile, or done already
	}
	adapter, req, err := s.adapterFor(r)
	if err != nil {
		return s.partyFailed(ctx, id, err)
	}
	status, err := adapter.Submit(ctx, req)
	if err != nil {
		return s.partyFailed(ctx, id, err)
	}
	s.after("submit:filed")
	return s.step("submit:recorded", s.Store.InTx(ctx, func(tx *store.Tx) error {
		r, err := tx.Request(ctx, id)
		if err != nil {
			return err
		}
		if r.State != model.StateSubmitting {
			return nil
		}
		r.Adapter, r.PartyReference, r.PartyDetail, r.PartyDeadline = adapter.Name(), status.Reference, status.Detail, status.Deadline
		if err := tx.SetRequestParty(ctx, &r); err != nil {
			return err
		}
		if err := tx.TransitionRequest(ctx, &r, store.Change{Transition: model.ConfirmSubmission, Actor: system,
			Details: map[string]any{"reference": status.Reference, "detail": status.Detail}}); err != nil {
			return err
		}
		return s.afterStatus(ctx, tx, &r, status)
	}))
}

// step reports a committed step to AfterStep and passes its error on.
func (s *Service) step(name string, err error) error {
	if err == nil {
		s.after(name)
	}
	return err
}

// afterStatus acts on a party's answer about a submitted request.
func (s *Service) afterStatus(ctx context.Context, tx *store.Tx, r *model.PrivacyRequest, st registrars.Status) error {
	switch st.State {
	case registrars.Completed:
		details := map[string]any{"detail": st.Detail}
		if len(st.Public) > 0 {
			// The party's ceiling: what it keeps public however asked.
			// Verify reads it back from this event.
			details[staysPublicKey] = st.Public
		}
		if err := tx.TransitionRequest(ctx, r, store.Change{Transition: model.Complete, Actor: system,
			Details: details}); err != nil {
			return err
		}
		_, err := tx.Enqueue(ctx, river.InsertManyParams{Args: ChargeArgs{RequestID: r.ID}},
			river.InsertManyParams{Args: VerifyArgs{RequestID: r.ID}, InsertOpts: &river.InsertOpts{ScheduledAt: tx.Now().Add(s.Timing.VerifyAfter)}})
		return err
	case registrars.Rejected:
		return s.fail(ctx, tx, r, "the party refused: "+st.Detail)
	}
	_, err := tx.Enqueue(ctx, river.InsertManyParams{Args: PollArgs{RequestID: r.ID},
		InsertOpts: &river.InsertOpts{ScheduledAt: tx.Now().Add(s.Timing.PollEvery)}})
	return err
}

// partyFailed decides what an adapter's error means: wait, retry, or fail
// the request and alert staff.
func (s *Service) partyFailed(ctx context.Context, id int64, err error) error {
	var ae *registrars.Error
	if !errors.As(err, &ae) {
		return err // ours, or the network's: retry
	}
	switch ae.Kind {
	case registrars.KindRejected, registrars.KindConfig:
		return s.FailRequest(ctx, id, ae.Error())
	}
	// Temporary: the job tries again later, with backoff; the audit trail
	// says what went wrong each time.
	if aerr := s.Store.InTx(ctx, func(tx *store.Tx) error {
		details := map[string]any{"party": ae.Party, "kind": string(ae.Kind), "code": ae.Code}
		if ae.Kind == registrars.KindBlocked {
			details["until"] = ae.Until.UTC().Format(time.RFC3339)
		}
		if _, err := tx.AddAuditEvent(ctx, model.AuditEvent{Actor: system, Action: "request.party_error", SubjectKind: "request",
			SubjectID: strconv.FormatInt(id, 10), Reason: ae.Error(), Details: details}); err != nil {
			return err
		}
		if ae.Kind == registrars.KindBlocked {
			return s.partyBlocked(ctx, tx, ae)
		}
		return nil
	}); aerr != nil {
		return aerr
	}
	switch ae.Kind {
	case registrars.KindRateLimited:
		return &Later{After: max(ae.RetryAfter, time.Minute), Why: ae.Error()}
	case registrars.KindBlocked:
		// No attempt before the block ends: the adapter would refuse it
		// anyway, and the party counts what reaches it.
		return &Later{After: max(ae.Until.Sub(s.Store.Now()), ae.RetryAfter, time.Minute), Why: ae.Error()}
	}
	return err
}

// partyBlocked records that a party has shut us out (Openprovider's code 50
// after failed logins) and tells staff, once per block however many
// requests meet it: the block ends by itself, but its cause — a wrong
// password somewhere, failing logins — needs a person.
func (s *Service) partyBlocked(ctx context.Context, tx *store.Tx, ae *registrars.Error) error {
	until := ae.Until.UTC().Format(time.RFC3339)
	last, err := tx.AuditEvents(ctx, store.AuditFilter{SubjectKind: "registrar", SubjectID: ae.Party, Action: "registrar.blocked", Limit: 1})
	if err != nil {
		return err
	}
	if len(last) > 0 && last[0].Details["until"] == until {
		return nil
	}
	if _, err := tx.AddAuditEvent(ctx, model.AuditEvent{Actor: system, Action: "registrar.blocked", SubjectKind: "registrar",
		SubjectID: ae.Party, Reason: ae.Message, Details: map[string]any{"until": until, "code": ae.Code}}); err != nil {
		return err
	}
	s.log().Warn("registrar blocked our access", "party", ae.Party, "code", ae.Code, "until", until)
	local := ae.Until.In(s.location()).Format("2006-01-02 15:04 MST")
	return s.alert(ctx, tx, fmt.Sprintf("afscherm: %s has blocked access until %s", ae.Party, local),
		fmt.Sprintf("%s has blocked afscherm's access until %s.\n\n%s\n\n"+
			"Requests waiting for %s are tried again after the block; nothing is lost. Until then afscherm makes\n"+
			"no call to %s at all, since every attempt during the block counts against the account.\n", ae.Party, local, ae.Message, ae.Party, ae.Party))
}

// FailRequest ends a request that cannot be done, and tells staff.
func (s *Service) FailRequest(ctx context.Context, id int64, reason string) error {
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		r, err := tx.Request(ctx, id)
		if err != nil {
			return err
		}
		if _, err := r.State.Next(model.Fail); err != nil {
			return nil // ended otherwise meanwhile
		}
		return s.fail(ctx, tx, &r, reason)
	})
}

func (s *Service) fail(ctx context.Context, tx *store.Tx, r *model.PrivacyRequest, reason string) error {
	if err := tx.TransitionRequest(ctx, r, store.Change{Transition: model.Fail, Actor: system, Reason: reason}); err != nil {
		return err
	}
	s.log().Warn("request failed", "request", r.ID, logsafe.Domain(r.DomainID), "reason", logsafe.Text(ctx, tx, reason))
	return s.alert(ctx, tx, fmt.Sprintf("afscherm: request %d for %s failed", r.ID, r.Domain),
		fmt.Sprintf("Privacy request %d for %s failed: %s\n\nSee: afscherm request show %d\n", r.ID, r.Domain, reason, r.ID))
}

// MailStaff queues a mail to every staff address, in the transaction.
func (s *Service) MailStaff(ctx context.Context, tx *store.Tx, subject, body string) error {
	return s.alert(ctx, tx, subject, body)
}

// alert mails staff, when addresses are set.
func (s *Service) alert(ctx context.Context, tx *store.Tx, subject, body string) error {
	for _, m := range s.staffMail(subject, body) {
		if err := queueMail(ctx, tx, m); err != nil {
			return err
		}
	}
	return nil
}

// Poll asks the party how a submitted request stands.
func (s *Service) Poll(ctx context.Context, id int64) error {
	r, err := s.Store.Request(ctx, id)
	if err != nil {
		return err
	}
	if r.State != model.StateSubmitted {
		return nil
	}
	adapter, req, err := s.adapterFor(r)
	if err != nil {
		return s.partyFailed(ctx, id, err)
	}
	status, err := adapter.Status(ctx, req, r.PartyReference)
	if err != nil {
		return s.partyFailed(ctx, id, err)
	}
	if status.State == registrars.Pending {
		since, err := s.submittedAt(ctx, r)
		if err != nil {
			return err
		}
		elapsed := s.Store.Now().Sub(since)
		limit := s.Timing.FollowFor
		if !status.Deadline.IsZero() {
			limit = max(limit, status.Deadline.Add(7*24*time.Hour).Sub(since))
		}
		if elapsed > limit {
			return s.FailRequest(ctx, id, fmt.Sprintf("the party did not finish within %s: %s", limit.Round(time.Hour), status.Detail))
		}
		// Ask less often the longer it takes: half the time so far, from
		// PollEvery up to a day.
		return &Later{After: min(max(elapsed/2, s.Timing.PollEvery), 24*time.Hour), Why: "the party has not finished"}
	}
	return s.step("poll:recorded", s.Store.InTx(ctx, func(tx *store.Tx) error {
		r, err := tx.Request(ctx, id)
		if err != nil {
			return err
		}
		if r.State != model.StateSubmitted {
			return nil
		}
		r.PartyDetail = status.Detail
		if err := tx.SetRequestParty(ctx, &r); err != nil {
			return err
		}
		if status.State == registrars.Pending {
			return nil
		}
		return s.afterStatus(ctx, tx, &r, status)
	}))
}

func (s *Service) submittedAt(ctx context.Context, r model.PrivacyRequest) (time.Time, error) {
	events, err := s.Store.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: strconv.FormatInt(r.ID, 10),
		Action: "request." + string(model.ConfirmSubmission)})
	if err != nil || len(events) == 0 {
		return r.UpdatedAt, err
	}
	return events[len(events)-1].At, nil
}

// Charge writes the ledger entry of a completed request, once however
// often it runs.
func (s *Service) Charge(ctx context.Context, id int64) error {
	return s.step("charge:written", s.Store.InTx(ctx, func(tx *store.Tx) error {
		r, err := tx.Request(ctx, id)
		if err != nil {
			return err
		}
		if r.State != model.StateCompleted && r.State != model.StateVerified {
			return nil
		}
		net, vat, gross := r.Price.Totals()
		e := model.LedgerEntry{RequestID: r.ID, Kind: model.LedgerCharge, Currency: r.Price.Currency,
			Description: "Afscherming registratiegegevens " + model.DisplayDomainName(r.Domain),
			Net:         net, VAT: vat, Gross: gross, IdempotencyKey: "charge:" + strconv.FormatInt(r.ID, 10)}
		wrote, err := tx.InsertLedgerEntry(ctx, &e)
		if err != nil || !wrote {
			return err
		}
		_, err = tx.AddAuditEvent(ctx, model.AuditEvent{Actor: model.System("ledger"), Action: "ledger.charged",
			SubjectKind: "request", SubjectID: strconv.FormatInt(r.ID, 10),
			Details: map[string]any{"entry": e.ID, "gross": int64(e.Gross), "domain": r.Domain}})
		return err
	}))
}

// Reverse undoes a charged request: a reversing ledger entry with the
// amounts negated, once, and the request failed with the reason.
func (s *Service) Reverse(ctx context.Context, id int64, by model.Actor, reason string) error {
	if reason == "" {
		return model.Errorf(model.KindInvalid, "say why the charge is reversed")
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		r, err := tx.Request(ctx, id)
		if err != nil {
			return err
		}
		entries, err := tx.LedgerEntries(ctx, store.LedgerFilter{RequestID: id})
		if err != nil {
			return err
		}
		var charge *model.LedgerEntry
		for i, e := range entries {
			if e.Kind == model.LedgerReversal {
				return model.Errorf(model.KindConflict, "request %d was reversed already", id)
			}
			if e.Kind == model.LedgerCharge {
				charge = &entries[i]
			}
		}
		if charge == nil {
			return model.Errorf(model.KindConflict, "request %d has not been charged", id)
		}
		rev := model.LedgerEntry{RequestID: id, Kind: model.LedgerReversal, Currency: charge.Currency,
			Description: "Terugboeking: " + charge.Description, Net: -charge.Net, VAT: -charge.VAT, Gross: -charge.Gross,
			IdempotencyKey: "reversal:" + strconv.FormatInt(id, 10)}
		if _, err := tx.InsertLedgerEntry(ctx, &rev); err != nil {
			return err
		}
		if _, err := tx.AddAuditEvent(ctx, model.AuditEvent{Actor: by, Action: "ledger.reversed", SubjectKind: "request",
			SubjectID: strconv.FormatInt(id, 10), Reason: reason, Details: map[string]any{"entry": rev.ID}}); err != nil {
			return err
		}
		if _, err := r.State.Next(model.Fail); err != nil {
			return nil
		}
		return tx.TransitionRequest(ctx, &r, store.Change{Transition: model.Fail, Actor: by, Reason: "undone: " + reason})
	})
}

// Verify scans a completed request's domain again: verified when the data
// is gone (or, where the party can shield only part, when no more than
// that part shows); otherwise again later, and staff hear of it once when
// it takes longer than it should. A re-scan the classifier could not place
// (undetermined) verifies nothing: staff are asked at once, once, to look
// at the response, and the re-scans go on, so that one it can place
// decides.
func (s *Service) Verify(ctx context.Context, id int64) error {
	r, err := s.Store.Request(ctx, id)
	if err != nil {
		return err
	}
	if r.State != model.StateCompleted {
		return nil
	}
	scan, err := s.Scanner.Scan(ctx, r.Domain)
	if err != nil {
		return &Later{After: s.Timing.VerifyEvery, Why: "the scan did not work: " + err.Error()}
	}
	ceiling, err := s.ceiling(ctx, r)
	if err != nil {
		return err
	}
	if shielded(r, scan, ceiling) {
		return s.step("verify:recorded", s.Store.InTx(ctx, func(tx *store.Tx) error {
			fresh, err := tx.Request(ctx, id)
			if err != nil || fresh.State != model.StateCompleted {
				return err
			}
			return tx.TransitionRequest(ctx, &fresh, store.Change{Transition: model.Verify, Actor: model.System("scan"),
				Details: map[string]any{"scan_id": scan.ID, "verdict": string(scan.Verdict)}})
		}))
	}
	if scan.Status == model.ScanOK && scan.Verdict == model.VerdictUndetermined {
		if err := s.alertUndetermined(ctx, r, scan); err != nil {
			return err
		}
		return &Later{After: s.Timing.VerifyEvery, Why: "the re-scan could not place the registrant data; staff review it"}
	}
	completedAt, err := s.completedAt(ctx, r)
	if err != nil {
		return err
	}
	if s.Store.Now().Sub(completedAt) > s.Timing.VerifyAlert {
		if err := s.alertStillVisible(ctx, r, scan); err != nil {
			return err
		}
	}
	return &Later{After: s.Timing.VerifyEvery, Why: "the data is still visible"}
}

// shielded says whether a scan shows a completed request done: nothing
// personal shows beyond the party's ceiling, the fields it keeps public
// (the name, organisation and country where it shields only partly; the
// fields its completion reported public).
func shielded(r model.PrivacyRequest, scan model.ScanResult, ceiling []model.Field) bool {
	if scan.Status != model.ScanOK || scan.Verdict == model.VerdictUndetermined {
		return false // undetermined: nobody knows yet whether the data is gone
	}
	if scan.Verdict != model.VerdictExposed {
		return true
	}
	if r.Partial {
		ceiling = append(ceiling, model.FieldName, model.FieldOrganisation, model.FieldCountry)
	}
	if len(ceiling) == 0 {
		return false
	}
	for _, f := range model.Fields {
		if scan.Fields[f].State == model.FieldVisible && !slices.Contains(ceiling, f) {
			return false // more than the party's ceiling shows
		}
	}
	return true
}

// staysPublicKey holds, in the details of a request's completion, the
// items the party reported it keeps public (registrars.Status.Public).
const staysPublicKey = "stays_public"

// ceiling is what the party said, when it completed the request, it keeps
// public, as scan fields.
func (s *Service) ceiling(ctx context.Context, r model.PrivacyRequest) ([]model.Field, error) {
	events, err := s.Store.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: strconv.FormatInt(r.ID, 10),
		Action: "request." + string(model.Complete)})
	if err != nil || len(events) == 0 {
		return nil, err
	}
	var out []model.Field
	switch items := events[len(events)-1].Details[staysPublicKey].(type) {
	case []any: // as read back from the store's JSON
		for _, it := range items {
			name, _ := it.(string)
			out = append(out, ceilingFields[name]...)
		}
	case []string:
		for _, name := range items {
			out = append(out, ceilingFields[name]...)
		}
	}
	return out, nil
}

// ceilingFields are the scan fields of the items a party keeps public.
var ceilingFields = map[string][]model.Field{
	registrars.ItemName:         {model.FieldName},
	registrars.ItemOrganisation: {model.FieldOrganisation},
	registrars.ItemAddress:      {model.FieldStreet, model.FieldPostalCode, model.FieldCity, model.FieldCountry},
	registrars.ItemPhone:        {model.FieldPhone},
	registrars.ItemEmail:        {model.FieldEmail},
	// A fax number has no field of its own: a public fax never excuses
	// a visible phone number.
}

func (s *Service) completedAt(ctx context.Context, r model.PrivacyRequest) (time.Time, error) {
	events, err := s.Store.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: strconv.FormatInt(r.ID, 10),
		Action: "request." + string(model.Complete)})
	if err != nil || len(events) == 0 {
		return r.UpdatedAt, err
	}
	return events[len(events)-1].At, nil
}

func (s *Service) alertStillVisible(ctx context.Context, r model.PrivacyRequest, scan model.ScanResult) error {
	return s.alertOnce(ctx, r, scan, "request.verify_alert", "still exposed after completion",
		fmt.Sprintf("afscherm: %s is still exposed after request %d", r.Domain, r.ID),
		fmt.Sprintf("The party reported request %d for %s done, but the scans still find personal data visible.\n"+
			"See: afscherm request show %d\n", r.ID, r.Domain, r.ID))
}

func (s *Service) alertUndetermined(ctx context.Context, r model.PrivacyRequest, scan model.ScanResult) error {
	return s.alertOnce(ctx, r, scan, "request.verify_review", "the re-scan after completion is undetermined",
		fmt.Sprintf("afscherm: review %s: the check of request %d could not place the registrant data", r.Domain, r.ID),
		fmt.Sprintf("The party reported request %d for %s done, but the classifier could not place the registrant data\n"+
			"of the re-scan (verdict undetermined), so the request is not verified. Look at the response on the\n"+
			"domain's page in the console: the scans go on every %s, and one the classifier can place decides.\n"+
			"See: afscherm request show %d\n", r.ID, r.Domain, s.Timing.VerifyEvery, r.ID))
}

// alertOnce mails staff about a completed request, once per action: an
// audit event of that action says it was done.
func (s *Service) alertOnce(ctx context.Context, r model.PrivacyRequest, scan model.ScanResult, action, reason, subject, body string) error {
	sid := strconv.FormatInt(r.ID, 10)
	done, err := s.Store.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: sid, Action: action})
	if err != nil || len(done) > 0 {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.AddAuditEvent(ctx, model.AuditEvent{Actor: model.System("scan"), Action: action,
			SubjectKind: "request", SubjectID: sid, Reason: reason,
			Details: map[string]any{"scan_id": scan.ID, "domain": r.Domain}}); err != nil {
			return err
		}
		s.log().Warn("completed request not verified", "request", r.ID, logsafe.Domain(r.DomainID), "why", logsafe.Text(ctx, tx, reason))
		return s.alert(ctx, tx, subject, body)
	})
}
