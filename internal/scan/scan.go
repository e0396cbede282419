// Package scan checks a domain: RDAP first, WHOIS where RDAP has no service
// or fails, the classifier on the answer, and the result stored with an
// audit event when the verdict changed. The nightly run, the digest for
// staff and the sharing of rate limits between processes live here too.
package scan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/classify"
	"github.com/afscherm/afscherm/internal/logsafe"
	"github.com/afscherm/afscherm/internal/lookup"
	"github.com/afscherm/afscherm/internal/lookup/rdap"
	"github.com/afscherm/afscherm/internal/lookup/whois"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
)

// Scanner scans domains and records what it finds.
type Scanner struct {
	Store    *store.Store
	RDAP     *rdap.Client
	WHOIS    *whois.Client
	Log      *slog.Logger
	Observer Observer // told about every scan recorded, for metrics; nil: none
}

// Observer is told about each scan result once it is recorded. Its method
// is called from many goroutines at once.
type Observer interface {
	ObserveScan(r model.ScanResult)
}

// RetryError says that a scan could not be done now but may work later:
// the server was busy or unreachable. Nothing was recorded; the caller
// retries, or records the failure with RecordFailure when it gives up.
type RetryError struct {
	Failure *lookup.Failure
}

func (e *RetryError) Error() string { return "scan: " + e.Failure.Error() + " (will retry)" }

func (e *RetryError) Unwrap() error { return e.Failure }

// retryable says which failures are worth another try.
func retryable(f *lookup.Failure) bool {
	switch f.Reason {
	case lookup.ReasonRateLimited, lookup.ReasonTimeout, lookup.ReasonConnection, lookup.ReasonHTTPStatus:
		return true
	}
	return false
}

// Scan looks a domain up, classifies the answer and records the result. A
// failure that may go away (a busy or unreachable server) is returned as a
// *RetryError and not recorded; any other outcome, including a failure that
// will not go away, is recorded and returned.
func (s *Scanner) Scan(ctx context.Context, name string) (model.ScanResult, error) {
	d, err := s.Store.Domain(ctx, name)
	if err != nil {
		return model.ScanResult{}, storageError(name, err)
	}
	ours, err := s.Store.Customer(ctx, d.CustomerNumber)
	if err != nil {
		return model.ScanResult{}, storageError(name, err)
	}
	start := time.Now()
	r, failure := s.look(ctx, d.Name, &ours)
	if failure != nil && retryable(failure) {
		return model.ScanResult{}, &RetryError{Failure: failure}
	}
	if failure != nil {
		r = failed(d.Name, failure)
	}
	if err := s.record(ctx, &r); err != nil {
		return model.ScanResult{}, storageError(name, err)
	}
	s.log().Info("scanned", logsafe.Domain(r.DomainID), "status", r.Status, "verdict", r.Verdict, "source", r.Source,
		"server", r.Server, "failure", r.FailureReason, "took", time.Since(start).Round(time.Millisecond))
	return r, nil
}

// RecordFailure records a scan that failed for good, after its retries.
func (s *Scanner) RecordFailure(ctx context.Context, name string, f *lookup.Failure) (model.ScanResult, error) {
	r := failed(name, f)
	if err := s.record(ctx, &r); err != nil {
		return model.ScanResult{}, storageError(name, err)
	}
	s.log().Warn("scan failed", logsafe.Domain(r.DomainID), "failure", f.Reason, "server", f.Host)
	return r, nil
}

func failed(name string, f *lookup.Failure) model.ScanResult {
	return model.ScanResult{Domain: name, Status: model.ScanFailed, Server: f.Host,
		FailureReason: f.Reason, FailureDetail: f.Error(), Classification: model.Classification{Domain: name}}
}

func (s *Scanner) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// look asks RDAP, then WHOIS where RDAP gave nothing usable.
func (s *Scanner) look(ctx context.Context, name string, ours *model.Customer) (model.ScanResult, *lookup.Failure) {
	r := model.ScanResult{Domain: name, Classification: model.Classification{Domain: name}}
	var rdapFail *lookup.Failure
	answer, err := s.RDAP.Lookup(ctx, name)
	if err == nil {
		c, cerr := classify.RDAP(name, answer.Body, ours)
		if cerr == nil {
			r.Source, r.Server, r.Status, r.Classification, r.Raw = model.SourceRDAP, answer.Server, model.ScanOK, c, answer.Body
			r.Registrar = classify.RegistrarRDAP(answer.Body)
			return r, nil
		}
		rdapFail = &lookup.Failure{Reason: lookup.ReasonMalformed, Host: answer.Server, Detail: cerr.Error()}
	} else {
		rdapFail = asFailure(err)
	}
	switch rdapFail.Reason {
	case lookup.ReasonNotRegistered:
		r.Source, r.Server, r.Status = model.SourceRDAP, rdapFail.Host, model.ScanNotRegistered
		return r, nil
	case lookup.ReasonRateLimited:
		return r, rdapFail // WHOIS would only double the load; come back later
	}
	if s.WHOIS == nil {
		return r, rdapFail
	}
	w, err := s.WHOIS.Lookup(ctx, name)
	if err != nil {
		whoisFail := asFailure(err)
		if whoisFail.Reason == lookup.ReasonNotRegistered {
			r.Source, r.Server, r.Status = model.SourceWHOIS, whoisFail.Host, model.ScanNotRegistered
			return r, nil
		}
		return r, combine(rdapFail, whoisFail)
	}
	c, cerr := classify.WHOIS(name, w.Text, ours)
	if cerr != nil {
		return r, combine(rdapFail, &lookup.Failure{Reason: lookup.ReasonMalformed, Host: w.Server, Detail: cerr.Error()})
	}
	r.Source, r.Server, r.Status, r.Classification, r.Raw = model.SourceWHOIS, w.Server, model.ScanOK, c, []byte(w.Text)
	r.Registrar = classify.RegistrarWHOIS(w.Text)
	return r, nil
}

func asFailure(err error) *lookup.Failure {
	if f, ok := lookup.AsFailure(err); ok {
		return f
	}
	return lookup.Fail("", "", err)
}

// combine reports both lookups' failures under the reason that matters:
// RDAP's, unless RDAP had no service at all.
func combine(rdapFail, whoisFail *lookup.Failure) *lookup.Failure {
	main := rdapFail
	if rdapFail.Reason == lookup.ReasonNoService {
		main = whoisFail
	}
	return &lookup.Failure{Reason: main.Reason, Host: main.Host, RetryAfter: main.RetryAfter,
		Detail: fmt.Sprintf("rdap: %s; whois: %s", rdapFail.Error(), whoisFail.Error()), Err: main.Err}
}

// record stores a result and, when the domain's verdict changed, an audit
// event saying from what to what — in one transaction — and tells the
// observer once it is committed.
func (s *Scanner) record(ctx context.Context, r *model.ScanResult) error {
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		prev, err := tx.RecordScan(ctx, r)
		if err != nil {
			return err
		}
		to := string(r.Verdict)
		switch r.Status {
		case model.ScanFailed:
			return nil
		case model.ScanNotRegistered:
			to = string(model.ScanNotRegistered)
		}
		if string(prev) == to || (prev == "" && r.Status == model.ScanNotRegistered) {
			return nil
		}
		_, err = tx.AddAuditEvent(ctx, model.AuditEvent{
			Actor: model.System("scan"), Action: ActionVerdictChanged, SubjectKind: "domain", SubjectID: r.Domain,
			FromState: string(prev), ToState: to,
			Details: map[string]any{"scan_id": r.ID, "source": string(r.Source), "server": r.Server},
		})
		return err
	})
	if err == nil && s.Observer != nil {
		s.Observer.ObserveScan(*r)
	}
	return err
}

// ActionVerdictChanged is the audit action of a domain whose verdict changed.
const ActionVerdictChanged = "domain.verdict_changed"

// IsRetry says whether err is a *RetryError, and returns it.
func IsRetry(err error) (*RetryError, bool) {
	var re *RetryError
	ok := errors.As(err, &re)
	return re, ok
}

// StorageError says that the store failed while scanning a domain: a full
// disk, a read-only file, a lost database. Every scan after it would make
// its lookups only to lose them, so whoever scans many domains stops at the
// first.
type StorageError struct {
	Domain string
	Err    error
}

// Error names the first cause, so that "database or disk is full" is not
// lost behind what the store did about it.
func (e *StorageError) Error() string {
	cause, all := Cause(e.Err).Error(), e.Err.Error()
	if strings.HasSuffix(all, cause) {
		return "storage failed while scanning " + e.Domain + ": " + cause
	}
	return "storage failed while scanning " + e.Domain + ": " + cause + " (" + all + ")"
}

func (e *StorageError) Unwrap() error { return e.Err }

// storageError marks err as the store's failure; a domain that is not
// found, a busy database (tried again as any temporary failure) and a
// cancelled scan are not.
func storageError(domain string, err error) error {
	if err == nil || model.IsKind(err, model.KindNotFound) || model.IsKind(err, model.KindTemporary) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &StorageError{Domain: domain, Err: err}
}

// IsStorage says whether err is a *StorageError, and returns it.
func IsStorage(err error) (*StorageError, bool) {
	var se *StorageError
	ok := errors.As(err, &se)
	return se, ok
}

// Cause is the first cause of err: what it wraps, and what that wraps, to
// the end; of errors joined together, the first.
func Cause(err error) error {
	for {
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			next := u.Unwrap()
			if next == nil {
				return err
			}
			err = next
		case interface{ Unwrap() []error }:
			errs := u.Unwrap()
			if len(errs) == 0 || errs[0] == nil {
				return err
			}
			err = errs[0]
		default:
			return err
		}
	}
}

// ServerOf names the server that answers domain's first lookup: the host of
// its registry's RDAP service, else its WHOIS server; "" when neither is
// known. An error means the RDAP bootstrap could not be read.
func (s *Scanner) ServerOf(ctx context.Context, domain string) (string, error) {
	host, err := s.RDAP.Server(ctx, domain)
	if host != "" || err != nil {
		return host, err
	}
	if s.WHOIS == nil {
		return "", nil
	}
	server := s.WHOIS.Server(domain)
	if h, _, err := net.SplitHostPort(server); err == nil {
		server = h
	}
	return strings.ToLower(server), nil
}
