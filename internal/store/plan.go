package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

// PlanCandidate is what the nightly plan needs to know of one active
// domain to decide how much it needs a scan tonight.
type PlanCandidate struct {
	ID   int64
	Name string
	// LastScanned is the domain's last scan, zero when it was never
	// scanned; LastStatus and LastVerdict are that scan's outcome.
	LastScanned time.Time
	LastStatus  model.ScanStatus
	LastVerdict model.Verdict
	// Updated is when the import last changed the domain: its registrar,
	// its customer, or its return after removal.
	Updated time.Time
	// RegistrarMoved: the last scan found another registrar of record than
	// the scan before it, and saw that only once: a transfer to confirm.
	RegistrarMoved bool
	// Following: one of the domain's requests waits for the party to
	// complete it (submitted) or for a scan to verify it (completed).
	Following bool
	// Waiting: a scan of the domain is queued or running.
	Waiting bool
}

// ChangedSinceScan tells whether the import changed the domain after its
// last scan.
func (c PlanCandidate) ChangedSinceScan() bool {
	return !c.LastScanned.IsZero() && c.Updated.After(c.LastScanned)
}

// PlanCandidates returns every active domain with what the plan weighs, in
// the order of their ids.
func (r reader) PlanCandidates(ctx context.Context) ([]PlanCandidate, error) {
	out, err := collect(ctx, r.q, r.sql.PlanCandidates, nil, func(row Row) (PlanCandidate, error) {
		var c PlanCandidate
		var status, verdict *string
		var moved, following int64
		err := row.Scan(&c.ID, &c.Name, timeValue{&c.LastScanned}, &status, &verdict, timeValue{&c.Updated}, &moved, &following)
		if status != nil {
			c.LastStatus = model.ScanStatus(*status)
		}
		if verdict != nil {
			c.LastVerdict = model.Verdict(*verdict)
		}
		c.RegistrarMoved, c.Following = moved != 0, following != 0
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("plan candidates: %w", err)
	}
	waiting, err := r.WaitingScans(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if _, ok := waiting[out[i].Name]; ok {
			out[i].Waiting = true
		}
	}
	return out, nil
}

// WaitingScans returns the domains whose scan job is queued, snoozed,
// retrying or running, from the job queue's own table.
func (r reader) WaitingScans(ctx context.Context) (map[string]struct{}, error) {
	names, err := collect(ctx, r.q, r.sql.WaitingScans, nil, func(row Row) (string, error) {
		var name *string
		err := row.Scan(&name)
		if name == nil {
			return "", err
		}
		return *name, err
	})
	if err != nil {
		return nil, fmt.Errorf("waiting scans: %w", err)
	}
	set := make(map[string]struct{}, len(names))
	for _, n := range names {
		set[n] = struct{}{}
	}
	return set, nil
}

// ServerPlan is one server's share of a night's plan.
type ServerPlan struct {
	Server string  `json:"server"`
	Rate   float64 `json:"rate"` // requests per second, all processes together
	// Budget is the lookups the window allows from the time of planning,
	// less the headroom; NightBudget those of a whole window.
	Budget      int `json:"budget"`
	NightBudget int `json:"night_budget"`
	// Domains are the active domains whose lookups it answers; Waiting of
	// them still had a scan queued or running, which the budget pays
	// first; Planned were planned, ByNeed by why.
	Domains int            `json:"domains"`
	Waiting int            `json:"waiting"`
	Planned int            `json:"planned"`
	ByNeed  map[string]int `json:"by_need"`
	// Due needed a scan but did not fit; Overdue of those were not scanned
	// within --scan-every.
	Due     int           `json:"due"`
	Overdue int           `json:"overdue"`
	Round   RoundEstimate `json:"round"`
}

// RoundEstimate is how many nights it takes, at a server's night budget, to scan
// each of its domains once; Never when the budget allows no lookup.
type RoundEstimate struct {
	Nights int  `json:"nights"`
	Never  bool `json:"never,omitempty"`
}

// Warn tells whether the server cannot scan every domain within scanEvery.
func (s ServerPlan) Warn(scanEvery time.Duration) bool {
	return s.Overdue > 0 || s.Round.Never || (scanEvery > 0 && time.Duration(s.Round.Nights)*24*time.Hour > scanEvery)
}

// PlanRecord is the latest night's plan as the digest, the console and the
// metrics read it.
type PlanRecord struct {
	PlannedAt   time.Time     `json:"planned_at"`
	WindowStart time.Time     `json:"window_start"`
	WindowEnd   time.Time     `json:"window_end"`
	ScanEvery   time.Duration `json:"scan_every"` // nanoseconds
	Servers     []ServerPlan  `json:"servers"`
}

// Warnings returns the servers that cannot keep up with ScanEvery.
func (p PlanRecord) Warnings() []ServerPlan {
	var out []ServerPlan
	for _, s := range p.Servers {
		if s.Warn(p.ScanEvery) {
			out = append(out, s)
		}
	}
	return out
}

// SaveScanPlan keeps p as the latest plan.
func (tx *Tx) SaveScanPlan(ctx context.Context, p PlanRecord) error {
	servers, err := json.Marshal(p.Servers)
	if err != nil {
		return err
	}
	if _, err := tx.q.Exec(ctx, tx.sql.SaveScanPlan, p.PlannedAt.UTC(), p.WindowStart.UTC(), p.WindowEnd.UTC(),
		int64(p.ScanEvery/time.Second), string(servers)); err != nil {
		return fmt.Errorf("save scan plan: %w", err)
	}
	return nil
}

// LatestScanPlan returns the latest plan; ok is false when no night was
// planned yet.
func (r reader) LatestScanPlan(ctx context.Context) (p PlanRecord, ok bool, err error) {
	var every int64
	var servers string
	err = r.q.QueryRow(ctx, r.sql.LatestScanPlan).Scan(timeValue{&p.PlannedAt}, timeValue{&p.WindowStart}, timeValue{&p.WindowEnd},
		&every, &servers)
	if errors.Is(err, ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("latest scan plan: %w", err)
	}
	p.ScanEvery = time.Duration(every) * time.Second
	if err := json.Unmarshal([]byte(servers), &p.Servers); err != nil {
		return p, false, fmt.Errorf("latest scan plan: %w", err)
	}
	return p, true, nil
}

// LockScanPlan returns the latest plan's record (its time and window,
// without the servers' shares) and holds the plan until the transaction
// ends (SQLite's transactions hold the whole database), so that a new plan
// cannot replace the rest while it is taken from; ok is false when no
// night was planned yet.
func (tx *Tx) LockScanPlan(ctx context.Context) (p PlanRecord, ok bool, err error) {
	err = tx.q.QueryRow(ctx, tx.sql.LockScanPlan).Scan(timeValue{&p.PlannedAt}, timeValue{&p.WindowStart}, timeValue{&p.WindowEnd})
	if errors.Is(err, ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("lock the scan plan: %w", err)
	}
	return p, true, nil
}

// PlannedScan is a scan of the latest plan that is not queued yet.
type PlannedScan struct {
	Domain string `json:"domain"`
	Server string `json:"server"`
}

// SavePlanRest replaces the rest of the latest plan — the scans it planned
// and did not queue yet — with rest, in the plan's order.
func (tx *Tx) SavePlanRest(ctx context.Context, rest []PlannedScan) error {
	if _, err := tx.q.Exec(ctx, tx.sql.ClearPlanRest); err != nil {
		return fmt.Errorf("save the plan's rest: %w", err)
	}
	if len(rest) == 0 {
		return nil
	}
	pairs := make([][2]string, len(rest))
	for i, p := range rest {
		pairs[i] = [2]string{p.Domain, p.Server}
	}
	b, err := json.Marshal(pairs)
	if err != nil {
		return err
	}
	if _, err := tx.q.Exec(ctx, tx.sql.InsertPlanRest, string(b)); err != nil {
		return fmt.Errorf("save the plan's rest: %w", err)
	}
	return nil
}

// PlanRest counts, per server, the scans of the latest plan not queued yet.
func (r reader) PlanRest(ctx context.Context) (map[string]int, error) {
	type count struct {
		server string
		n      int
	}
	rows, err := collect(ctx, r.q, r.sql.PlanRest, nil, func(row Row) (count, error) {
		var c count
		return c, row.Scan(&c.server, &c.n)
	})
	if err != nil {
		return nil, fmt.Errorf("the plan's rest: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, c := range rows {
		out[c.server] = c.n
	}
	return out, nil
}

// TakePlanRest removes a server's first n scans not queued yet from the
// rest of the latest plan and returns their domains, in the plan's order,
// leaving out the domains scanned since (a staff scan, or one queued by an
// earlier plan) and those no longer active; taken counts them all.
func (tx *Tx) TakePlanRest(ctx context.Context, server string, n int, since time.Time) (domains []string, taken int, err error) {
	type head struct {
		pos     int64
		domain  string
		scanned time.Time
		active  int64
	}
	rows, err := collect(ctx, tx.q, tx.sql.PlanRestHead, []any{server, n}, func(row Row) (head, error) {
		var h head
		return h, row.Scan(&h.pos, &h.domain, timeValue{&h.scanned}, &h.active)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("take from the plan's rest: %w", err)
	}
	if len(rows) == 0 {
		return nil, 0, nil
	}
	if _, err := tx.q.Exec(ctx, tx.sql.DeletePlanRestHead, server, rows[len(rows)-1].pos); err != nil {
		return nil, 0, fmt.Errorf("take from the plan's rest: %w", err)
	}
	for _, h := range rows {
		if h.active != 0 && h.scanned.Before(since) {
			domains = append(domains, h.domain)
		}
	}
	return domains, len(rows), nil
}
