package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

// Domain returns the domain with the given A-label name.
func (r reader) Domain(ctx context.Context, name string) (model.Domain, error) {
	d, err := scanDomain(r.q.QueryRow(ctx, r.sql.DomainByName, name))
	if errors.Is(err, ErrNoRows) {
		return d, model.Errorf(model.KindNotFound, "domain %s not found", name)
	}
	if err != nil {
		return d, fmt.Errorf("domain %s: %w", name, err)
	}
	return d, nil
}

// DomainFilter narrows a list of domains; the zero filter lists all.
type DomainFilter struct {
	CustomerNumber string        // only this customer's domains
	ActiveOnly     bool          // only domains that are with us
	Verdict        model.Verdict // only domains whose latest verdict is this
}

// Domains lists domains by name.
func (r reader) Domains(ctx context.Context, f DomainFilter) ([]model.Domain, error) {
	ds, err := collect(ctx, r.q, r.sql.ListDomains, []any{f.CustomerNumber, f.ActiveOnly, string(f.Verdict)}, scanDomain)
	if err != nil {
		return nil, fmt.Errorf("list domains: %w", err)
	}
	return ds, nil
}

// CountDomains counts the domains, removed ones included.
func (r reader) CountDomains(ctx context.Context) (int, error) {
	var n int
	if err := r.q.QueryRow(ctx, r.sql.CountDomains).Scan(&n); err != nil {
		return 0, fmt.Errorf("count domains: %w", err)
	}
	return n, nil
}

// InsertDomain adds a domain for the customer d.CustomerID and sets its ID
// and timestamps.
func (tx *Tx) InsertDomain(ctx context.Context, d *model.Domain) error {
	d.CreatedAt, d.UpdatedAt = tx.now, tx.now
	err := tx.q.QueryRow(ctx, tx.sql.InsertDomain, append(domainArgs(*d), d.CreatedAt, d.UpdatedAt)...).Scan(&d.ID)
	if err != nil {
		return fmt.Errorf("insert domain %s: %w", d.Name, err)
	}
	return nil
}

// UpdateDomain replaces the customer, registrar and dates of the domain with
// d's name.
func (tx *Tx) UpdateDomain(ctx context.Context, d *model.Domain) error {
	d.UpdatedAt = tx.now
	n, err := tx.q.Exec(ctx, tx.sql.UpdateDomain, append(domainArgs(*d), d.UpdatedAt)...)
	if err != nil {
		return fmt.Errorf("update domain %s: %w", d.Name, err)
	}
	if n == 0 {
		return model.Errorf(model.KindNotFound, "domain %s not found", d.Name)
	}
	return nil
}

// domainArgs are the first arguments of InsertDomain and UpdateDomain, $1…$5;
// the timestamps follow.
func domainArgs(d model.Domain) []any {
	return []any{d.Name, d.CustomerID, d.Registrar, dateArg(d.AddedOn), dateArg(d.RemovedOn)}
}

// scanDomain reads the columns id, name, customer_id, customer number,
// registrar, added_on, removed_on, last_verdict, last_scanned_at,
// created_at, updated_at.
func scanDomain(r Row) (model.Domain, error) {
	var d model.Domain
	var verdict *string
	err := r.Scan(&d.ID, &d.Name, &d.CustomerID, &d.CustomerNumber, &d.Registrar,
		dateValue{&d.AddedOn}, dateValue{&d.RemovedOn}, &verdict, timeValue{&d.LastScannedAt},
		timeValue{&d.CreatedAt}, timeValue{&d.UpdatedAt})
	if verdict != nil {
		d.LastVerdict = model.Verdict(*verdict)
	}
	return d, err
}

// DomainSearch picks active domains for the console, a page at a time.
type DomainSearch struct {
	CustomerNumber string
	Verdict        model.Verdict
	TLD            string // without the dot
	// Text is part of the name; % and _ in it are matched as themselves.
	Text          string
	Limit, Offset int
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// SearchDomains returns one page of the domains a search finds, and how
// many it finds in all.
func (r reader) SearchDomains(ctx context.Context, f DomainSearch) ([]model.Domain, int, error) {
	args := []any{f.CustomerNumber, string(f.Verdict), strings.ToLower(f.TLD), likeEscaper.Replace(strings.ToLower(f.Text))}
	var total int
	if err := r.q.QueryRow(ctx, r.sql.CountSearchDomains, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count domains: %w", err)
	}
	ds, err := collect(ctx, r.q, r.sql.SearchDomains, append(args, f.Limit, f.Offset), scanDomain)
	if err != nil {
		return nil, 0, fmt.Errorf("search domains: %w", err)
	}
	return ds, total, nil
}

// DayCount is a count for one day (UTC).
type DayCount struct {
	Day   string // YYYY-MM-DD
	Count int
}

// ExposedPerDay counts, per day since a time, the domains known exposed
// that day: a scan result covers every day from the scan that first found
// it to the one that last found it (an unchanged result extends its row).
// Days without any are left out.
func (r reader) ExposedPerDay(ctx context.Context, since time.Time) ([]DayCount, error) {
	type span struct {
		domain      int64
		first, last time.Time
	}
	spans, err := collect(ctx, r.q, r.sql.ExposedPerDay, []any{since.UTC()}, func(row Row) (span, error) {
		var s span
		err := row.Scan(&s.domain, timeValue{&s.first}, timeValue{&s.last})
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("exposed per day: %w", err)
	}
	start := since.UTC().Truncate(24 * time.Hour)
	day := func(t time.Time) int { return int(t.UTC().Sub(start).Hours() / 24) }
	var delta []int // delta[i]: domains whose run starts on day i, less those whose run ended the day before
	add := func(i, n int) {
		for len(delta) <= i {
			delta = append(delta, 0)
		}
		delta[i] += n
	}
	counted := map[int64]int{} // per domain, the last day counted: a domain counts once a day
	for _, s := range spans {
		from, to := max(day(s.first), 0), day(s.last)
		if last, ok := counted[s.domain]; ok {
			from = max(from, last+1)
		}
		if from > to {
			continue
		}
		counted[s.domain] = to
		add(from, 1)
		add(to+1, -1)
	}
	var out []DayCount
	n := 0
	for i, d := range delta {
		if n += d; n > 0 {
			out = append(out, DayCount{Day: start.AddDate(0, 0, i).Format(time.DateOnly), Count: n})
		}
	}
	return out, nil
}
