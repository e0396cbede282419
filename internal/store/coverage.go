package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Coverage tells how recently the active domains were scanned, read from
// each domain's last scan (domains.last_scanned_at, which every scan moves,
// also one that found the result unchanged).
type Coverage struct {
	At     time.Time `json:"at"`     // the time the windows count back from
	Active int       `json:"active"` // active domains
	// Scanned within the last 24 hours, 7 days and 30 days of At.
	Day   int `json:"day"`
	Week  int `json:"week"`
	Month int `json:"month"`
	Never int `json:"never"` // never scanned
	// Oldest is the oldest last scan of a scanned active domain; zero when
	// none was scanned.
	Oldest time.Time     `json:"oldest,omitzero"`
	ByTLD  []TLDCoverage `json:"by_tld"`
}

// TLDCoverage is the coverage of the active domains under one TLD.
type TLDCoverage struct {
	TLD    string    `json:"tld"` // without the dot
	Active int       `json:"active"`
	Never  int       `json:"never"`
	Oldest time.Time `json:"oldest,omitzero"` // zero when none was scanned
}

// Coverage counts the active domains by how recently they were scanned,
// counting back from at, with the oldest last scan overall and per TLD
// (the TLDs in order).
func (r reader) Coverage(ctx context.Context, at time.Time) (Coverage, error) {
	at = at.UTC()
	c := Coverage{At: at, ByTLD: []TLDCoverage{}}
	type group struct {
		suffix                          string
		active, day, week, month, never int
		oldest                          time.Time
	}
	groups, err := collect(ctx, r.q, r.sql.ScanCoverage, []any{at.Add(-24 * time.Hour), at.Add(-7 * 24 * time.Hour), at.Add(-30 * 24 * time.Hour)},
		func(row Row) (group, error) {
			var g group
			err := row.Scan(&g.suffix, &g.active, &g.day, &g.week, &g.month, &g.never, timeValue{&g.oldest})
			return g, err
		})
	if err != nil {
		return c, fmt.Errorf("scan coverage: %w", err)
	}
	byTLD := map[string]*TLDCoverage{}
	older := func(t *time.Time, u time.Time) {
		if !u.IsZero() && (t.IsZero() || u.Before(*t)) {
			*t = u
		}
	}
	for _, g := range groups {
		c.Active += g.active
		c.Day += g.day
		c.Week += g.week
		c.Month += g.month
		c.Never += g.never
		older(&c.Oldest, g.oldest)
		tld := g.suffix[strings.LastIndex(g.suffix, ".")+1:]
		t := byTLD[tld]
		if t == nil {
			t = &TLDCoverage{TLD: tld}
			byTLD[tld] = t
		}
		t.Active += g.active
		t.Never += g.never
		older(&t.Oldest, g.oldest)
	}
	for _, t := range byTLD {
		c.ByTLD = append(c.ByTLD, *t)
	}
	slices.SortFunc(c.ByTLD, func(a, b TLDCoverage) int { return strings.Compare(a.TLD, b.TLD) })
	return c, nil
}

// AgeText gives a duration for people in its largest whole unit: days,
// hours or minutes.
func AgeText(d time.Duration) string {
	unit := func(n int, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case d >= 48*time.Hour:
		return unit(int(d/(24*time.Hour)), "day")
	case d >= time.Hour:
		return unit(int(d/time.Hour), "hour")
	default:
		return unit(max(0, int(d/time.Minute)), "minute")
	}
}
