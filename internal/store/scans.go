package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

// RecordScan stores a scan result and, for a classified or unregistered
// domain, makes it the domain's latest. It returns the domain's verdict
// before this scan, so the caller can record a change.
//
// A result that equals the domain's latest stored one (see sameResult)
// adds no row: that row's last_seen_at moves to this scan and its
// seen_count goes up, and r takes its ID and count. History so grows by
// changes, not by nights; the first sighting's raw response and values
// stay, under the retention policy as before.
func (tx *Tx) RecordScan(ctx context.Context, r *model.ScanResult) (previous model.Verdict, err error) {
	d, err := tx.Domain(ctx, r.Domain)
	if err != nil {
		return "", err
	}
	r.DomainID = d.ID
	if r.ScannedAt.IsZero() {
		r.ScannedAt = tx.now
	}
	fields, err := json.Marshal(r.Fields)
	if err != nil {
		return "", err
	}
	evidence := r.Evidence
	if evidence == nil {
		evidence = []string{}
	}
	ev, err := json.Marshal(evidence)
	if err != nil {
		return "", err
	}
	var match any
	if r.Match != nil {
		b, err := json.Marshal(r.Match)
		if err != nil {
			return "", err
		}
		match = string(b)
	}
	var verdict, raw any
	if r.Status == model.ScanOK {
		verdict = string(r.Verdict)
	}
	if r.Raw != nil {
		raw = r.Raw
	}
	prev, err := scanScanResult(tx.q.QueryRow(ctx, tx.sql.LatestScanOfDomain, d.ID))
	switch {
	case err == nil && sameResult(prev, *r):
		r.ID, r.LastSeenAt = prev.ID, r.ScannedAt
		err = tx.q.QueryRow(ctx, tx.sql.ExtendScanResult, prev.ID, r.ScannedAt.UTC()).Scan(&r.SeenCount)
	case err == nil || errors.Is(err, ErrNoRows):
		r.LastSeenAt, r.SeenCount = r.ScannedAt, 1
		err = tx.q.QueryRow(ctx, tx.sql.InsertScanResult, d.ID, r.ScannedAt.UTC(), string(r.Source), r.Server,
			string(r.Status), verdict, r.FailureReason, r.FailureDetail, string(fields), string(ev), match, raw,
			r.Registrar.Name, r.Registrar.IANAID).Scan(&r.ID)
	}
	if err != nil {
		return "", fmt.Errorf("record scan of %s: %w", r.Domain, err)
	}
	switch r.Status {
	case model.ScanOK:
		_, err = tx.q.Exec(ctx, tx.sql.SetDomainVerdict, d.ID, r.ID, string(r.Verdict), r.ScannedAt.UTC())
	case model.ScanNotRegistered:
		_, err = tx.q.Exec(ctx, tx.sql.SetDomainVerdict, d.ID, r.ID, nil, r.ScannedAt.UTC())
	}
	if err != nil {
		return "", fmt.Errorf("record scan of %s: %w", r.Domain, err)
	}
	return d.LastVerdict, nil
}

// sameResult says whether a new scan found what a stored one did: the same
// status, source and registrar of record; for a classified domain the same
// verdict, field states and values, evidence and match; for a failure the
// same reason (its detail may differ). A result whose values the retention
// policy stripped is never the same.
func sameResult(stored, r model.ScanResult) bool {
	if stored.ValuesRemoved || stored.Status != r.Status || stored.Registrar != r.Registrar {
		return false
	}
	switch r.Status {
	case model.ScanFailed:
		return stored.FailureReason == r.FailureReason
	case model.ScanNotRegistered:
		return stored.Source == r.Source
	}
	return stored.Source == r.Source && stored.Verdict == r.Verdict && sameFields(stored.Fields, r.Fields) &&
		slices.Equal(stored.Evidence, r.Evidence) && (stored.Match == nil) == (r.Match == nil) &&
		(stored.Match == nil || *stored.Match == *r.Match)
}

// sameFields compares two field maps, an absent field and a zero one alike.
func sameFields(a, b map[model.Field]model.FieldValue) bool {
	for f, v := range a {
		if b[f] != v {
			return false
		}
	}
	for f, v := range b {
		if a[f] != v {
			return false
		}
	}
	return true
}

// Scans returns a domain's scan results, newest first; at most limit
// (0 for all).
func (r reader) Scans(ctx context.Context, domain string, limit int) ([]model.ScanResult, error) {
	if limit <= 0 {
		limit = -1
	}
	rs, err := collect(ctx, r.q, r.sql.ListScans, []any{domain, limit}, scanScanResult)
	if err != nil {
		return nil, fmt.Errorf("scans of %s: %w", domain, err)
	}
	return rs, nil
}

// LatestScan returns the newest scan result of a domain.
func (r reader) LatestScan(ctx context.Context, domain string) (model.ScanResult, error) {
	rs, err := r.Scans(ctx, domain, 1)
	if err != nil {
		return model.ScanResult{}, err
	}
	if len(rs) == 0 {
		return model.ScanResult{}, model.Errorf(model.KindNotFound, "%s has not been scanned", domain)
	}
	return rs[0], nil
}

// VerdictCounts counts the active domains by their latest verdict; the
// key "" counts those without one.
func (r reader) VerdictCounts(ctx context.Context) (map[model.Verdict]int, error) {
	rows, err := collect(ctx, r.q, r.sql.CountVerdicts, nil, func(row Row) (struct {
		v model.Verdict
		n int
	}, error) {
		var v *string
		var n int
		err := row.Scan(&v, &n)
		out := struct {
			v model.Verdict
			n int
		}{n: n}
		if v != nil {
			out.v = model.Verdict(*v)
		}
		return out, err
	})
	if err != nil {
		return nil, fmt.Errorf("count verdicts: %w", err)
	}
	m := map[model.Verdict]int{}
	for _, row := range rows {
		m[row.v] += row.n
	}
	return m, nil
}

// PurgeRawResponses forgets the raw responses of scans before a time, at
// most limit of them, and says how many it forgot.
func (tx *Tx) PurgeRawResponses(ctx context.Context, before time.Time, limit int) (int64, error) {
	n, err := tx.q.Exec(ctx, tx.sql.PurgeRaw, before.UTC(), limit)
	if err != nil {
		return 0, fmt.Errorf("purge raw responses: %w", err)
	}
	return n, nil
}

// CountRawResponses counts the scans that still hold their raw response.
func (r reader) CountRawResponses(ctx context.Context) (int, error) {
	var n int
	if err := r.q.QueryRow(ctx, r.sql.CountRaw).Scan(&n); err != nil {
		return 0, fmt.Errorf("count raw responses: %w", err)
	}
	return n, nil
}

// scanScanResult reads the columns id, domain_id, domain name, scanned_at,
// source, server, status, verdict, failure_reason, failure_detail, fields,
// evidence, match, raw, registrar_name, registrar_iana_id, last_seen_at,
// seen_count, and whether values_removed_at is set.
func scanScanResult(row Row) (model.ScanResult, error) {
	var r model.ScanResult
	var source, status, fields, evidence string
	var verdict, match *string
	err := row.Scan(&r.ID, &r.DomainID, &r.Domain, timeValue{&r.ScannedAt}, &source, &r.Server, &status,
		&verdict, &r.FailureReason, &r.FailureDetail, &fields, &evidence, &match, &r.Raw,
		&r.Registrar.Name, &r.Registrar.IANAID, timeValue{&r.LastSeenAt}, &r.SeenCount, &r.ValuesRemoved)
	if err != nil {
		return r, err
	}
	r.Source, r.Status = model.Source(source), model.ScanStatus(status)
	r.Classification.Domain = r.Domain
	if verdict != nil {
		r.Verdict = model.Verdict(*verdict)
	}
	err = errors.Join(json.Unmarshal([]byte(fields), &r.Fields), json.Unmarshal([]byte(evidence), &r.Evidence))
	if match != nil {
		r.Match = &model.Match{}
		err = errors.Join(err, json.Unmarshal([]byte(*match), r.Match))
	}
	if err != nil {
		return r, fmt.Errorf("scan result %d: %w", r.ID, err)
	}
	return r, nil
}

// ScanOutcomes counts the scans in [start, end) by outcome: the verdict,
// "not_registered", or "failed:REASON".
func (r reader) ScanOutcomes(ctx context.Context, start, end time.Time) (map[string]int, error) {
	type row struct {
		key string
		n   int
	}
	rows, err := collect(ctx, r.q, r.sql.ScanOutcomes, []any{start.UTC(), end.UTC()}, func(rw Row) (row, error) {
		var status, reason string
		var verdict *string
		var n int
		err := rw.Scan(&status, &verdict, &reason, &n)
		key := status
		switch {
		case status == string(model.ScanOK) && verdict != nil:
			key = *verdict
		case status == string(model.ScanFailed):
			key = "failed:" + reason
		}
		return row{key, n}, err
	})
	if err != nil {
		return nil, fmt.Errorf("scan outcomes: %w", err)
	}
	m := map[string]int{}
	for _, rw := range rows {
		m[rw.key] += rw.n
	}
	return m, nil
}

// LatestScans returns the newest scan of each of the domains scanned, by
// domain id, without its raw response: LatestScan for many domains in one
// query.
func (r reader) LatestScans(ctx context.Context, domainIDs []int64) (map[int64]model.ScanResult, error) {
	ids, err := json.Marshal(domainIDs)
	if err != nil {
		return nil, err
	}
	rs, err := collect(ctx, r.q, r.sql.LatestScansOfDomains, []any{string(ids)}, scanScanResult)
	if err != nil {
		return nil, fmt.Errorf("latest scans: %w", err)
	}
	out := make(map[int64]model.ScanResult, len(rs))
	for _, s := range rs {
		out[s.DomainID] = s
	}
	return out, nil
}
