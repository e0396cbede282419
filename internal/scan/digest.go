package scan

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
)

// Digest tells staff what changed in a period: which domains became
// exposed, which stopped being exposed, which the classifier could not
// place, and how the scans went.
type Digest struct {
	PeriodStart   time.Time `json:"period_start"`
	PeriodEnd     time.Time `json:"period_end"`
	NewlyExposed  []Change  `json:"newly_exposed"`
	NewlyShielded []Change  `json:"newly_shielded"`
	// NewlyUndetermined are the domains whose verdict became undetermined,
	// first scans included: staff must look at each, never let it pass.
	NewlyUndetermined []Change              `json:"newly_undetermined"`
	OtherChanges      []Change              `json:"other_changes"`
	FirstScans        int                   `json:"first_scans"` // domains scanned for the first time, neither exposed nor undetermined
	Scans             map[string]int        `json:"scans"`       // by outcome: a verdict, not_registered, or failed:REASON
	Verdicts          map[model.Verdict]int `json:"verdicts"`    // of all active domains, now
	// RegistrarMismatches are the active domains whose live registrar of
	// record, at their latest scan, is not the imported one: moved to
	// another registrar, or imported wrongly. They get no request.
	RegistrarMismatches []RegistrarMismatch `json:"registrar_mismatches"`
	// Coverage is how recently the active domains were scanned, at the
	// period's end; nil in digests stored before it was added.
	Coverage *store.Coverage `json:"coverage,omitempty"`
	// Plan is the latest nightly plan: each server's budget and round;
	// nil before the first plan, and in digests stored before it was added.
	Plan *store.PlanRecord `json:"plan,omitempty"`
}

// RegistrarMismatch is a domain whose live record names another registrar
// than the import.
type RegistrarMismatch struct {
	Domain   string          `json:"domain"`
	Customer string          `json:"customer"`
	Imported string          `json:"imported"`
	Live     model.Registrar `json:"live"`
}

// RegistrarMatcher says whether a live registrar of record is the
// imported one (adapters.Router and adapters.Registrars are one).
type RegistrarMatcher interface {
	SameRegistrar(imported string, live model.Registrar) bool
}

// namesOnly compares registrars without a configuration: the live name
// against the imported registrar's own name.
type namesOnly struct{}

func (namesOnly) SameRegistrar(imported string, live model.Registrar) bool {
	return imported == "" || live.Name == "" || model.RegistrarNamesMatch(live.Name, imported)
}

// Change is one domain's change of verdict.
type Change struct {
	Domain   string    `json:"domain"`
	Customer string    `json:"customer"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	At       time.Time `json:"at"`
}

// BuildDigest reads the period's verdict changes and scan outcomes; it
// compares registrars of record by name only (see BuildDigestWith).
func BuildDigest(ctx context.Context, st *store.Store, start, end time.Time) (Digest, error) {
	return BuildDigestWith(ctx, st, nil, start, end)
}

// BuildDigestWith is BuildDigest comparing the live registrars of record
// with the imported ones as registrars says (nil: by name only).
func BuildDigestWith(ctx context.Context, st *store.Store, registrars RegistrarMatcher, start, end time.Time) (Digest, error) {
	d := Digest{PeriodStart: start.UTC(), PeriodEnd: end.UTC(), NewlyExposed: []Change{}, NewlyShielded: []Change{},
		NewlyUndetermined: []Change{}, OtherChanges: []Change{}, RegistrarMismatches: []RegistrarMismatch{}}
	events, err := st.AuditEvents(ctx, store.AuditFilter{Action: ActionVerdictChanged, Since: start})
	if err != nil {
		return d, err
	}
	// The last change of each domain in the period is what counts.
	last := map[string]Change{}
	first := map[string]string{}
	var order []string
	for _, e := range events {
		if !e.At.Before(end) {
			continue
		}
		if _, seen := last[e.SubjectID]; !seen {
			order = append(order, e.SubjectID)
			first[e.SubjectID] = e.FromState
		}
		last[e.SubjectID] = Change{Domain: e.SubjectID, From: first[e.SubjectID], To: e.ToState, At: e.At}
	}
	for _, name := range order {
		c := last[name]
		if dom, err := st.Domain(ctx, name); err == nil {
			c.Customer = dom.CustomerNumber
		}
		exposedBefore, exposedNow := c.From == string(model.VerdictExposed), c.To == string(model.VerdictExposed)
		switch {
		case exposedNow && !exposedBefore:
			d.NewlyExposed = append(d.NewlyExposed, c)
		case c.To == string(model.VerdictUndetermined) && c.From != c.To:
			// Before "shielded": exposed data the classifier can no longer
			// place has not been shielded.
			d.NewlyUndetermined = append(d.NewlyUndetermined, c)
		case exposedBefore && !exposedNow:
			d.NewlyShielded = append(d.NewlyShielded, c)
		case c.From == "":
			d.FirstScans++
		case c.From != c.To:
			d.OtherChanges = append(d.OtherChanges, c)
		}
	}
	if d.Scans, err = st.ScanOutcomes(ctx, start, end); err != nil {
		return d, err
	}
	if d.Verdicts, err = st.VerdictCounts(ctx); err != nil {
		return d, err
	}
	if d.RegistrarMismatches, err = registrarMismatches(ctx, st, registrars); err != nil {
		return d, err
	}
	cov, err := st.Coverage(ctx, end)
	if err != nil {
		return d, err
	}
	d.Coverage = &cov
	plan, ok, err := st.LatestScanPlan(ctx)
	if err != nil {
		return d, err
	}
	if ok {
		d.Plan = &plan
	}
	return d, nil
}

// registrarMismatches lists the active domains whose latest scan names
// another registrar of record than the import.
func registrarMismatches(ctx context.Context, st *store.Store, registrars RegistrarMatcher) ([]RegistrarMismatch, error) {
	if registrars == nil {
		registrars = namesOnly{}
	}
	all, err := st.DomainRegistrars(ctx)
	if err != nil {
		return nil, err
	}
	out := []RegistrarMismatch{}
	for _, r := range all {
		if !registrars.SameRegistrar(r.Imported, r.Live) {
			out = append(out, RegistrarMismatch{Domain: r.Domain, Customer: r.Customer, Imported: r.Imported, Live: r.Live})
		}
	}
	return out, nil
}

// ProduceDigest builds the digest for the time since the last one (or the
// last day) and stores it; then, when given, runs in the same transaction
// (to queue its mail, say). It compares registrars of record by name only
// (see ProduceDigestWith).
func ProduceDigest(ctx context.Context, st *store.Store, then func(*store.Tx, Digest) error) (Digest, error) {
	return ProduceDigestWith(ctx, st, nil, then)
}

// ProduceDigestWith is ProduceDigest comparing the live registrars of
// record with the imported ones as registrars says (nil: by name only).
func ProduceDigestWith(ctx context.Context, st *store.Store, registrars RegistrarMatcher, then func(*store.Tx, Digest) error) (Digest, error) {
	end := st.Now()
	start := end.Add(-24 * time.Hour)
	if prev, err := st.LatestDigest(ctx); err == nil {
		start = prev.PeriodEnd
	} else if !model.IsKind(err, model.KindNotFound) {
		return Digest{}, err
	}
	d, err := BuildDigestWith(ctx, st, registrars, start, end)
	if err != nil {
		return d, err
	}
	body, err := json.Marshal(d)
	if err != nil {
		return d, err
	}
	err = st.InTx(ctx, func(tx *store.Tx) error {
		rec := store.Digest{PeriodStart: start, PeriodEnd: end, Body: string(body)}
		if err := tx.InsertDigest(ctx, &rec); err != nil {
			return err
		}
		_, err := tx.AddAuditEvent(ctx, model.AuditEvent{Actor: model.System("scan"), Action: "digest.produced",
			SubjectKind: "digest", SubjectID: fmt.Sprint(rec.ID), Details: map[string]any{
				"newly_exposed": len(d.NewlyExposed), "newly_shielded": len(d.NewlyShielded),
				"newly_undetermined": len(d.NewlyUndetermined)}})
		if err != nil || then == nil {
			return err
		}
		return then(tx, d)
	})
	return d, err
}

// ParseDigest reads a stored digest's body.
func ParseDigest(body string) (Digest, error) {
	var d Digest
	err := json.Unmarshal([]byte(body), &d)
	return d, err
}

// WriteText writes the digest for people, times in loc.
func (d Digest) WriteText(w io.Writer, loc *time.Location) {
	fmt.Fprintf(w, "Scan digest %s – %s\n", d.PeriodStart.In(loc).Format("2006-01-02 15:04"), d.PeriodEnd.In(loc).Format("2006-01-02 15:04"))
	section := func(title string, cs []Change) {
		fmt.Fprintf(w, "\n%s: %d\n", title, len(cs))
		for _, c := range cs {
			from := c.From
			if from == "" {
				from = "first scan"
			}
			fmt.Fprintf(w, "  %-40s customer %-10s %s → %s\n", model.DisplayDomainName(c.Domain), c.Customer, from, c.To)
		}
	}
	section("Newly exposed", d.NewlyExposed)
	section("Newly shielded", d.NewlyShielded)
	section("To review: the classifier could not place the registrant data", d.NewlyUndetermined)
	if n := d.Verdicts[model.VerdictUndetermined]; n > len(d.NewlyUndetermined) {
		fmt.Fprintf(w, "Undetermined now, in all: %d (the console's domains list, verdict undetermined)\n", n)
	}
	if len(d.RegistrarMismatches) > 0 {
		fmt.Fprintf(w, "\nRegistrar of record differs from the import (no request is quoted for these): %d\n", len(d.RegistrarMismatches))
		for _, m := range d.RegistrarMismatches {
			imported := m.Imported
			if imported == "" {
				imported = "none"
			}
			fmt.Fprintf(w, "  %-40s customer %-10s imported %s, live %s\n", model.DisplayDomainName(m.Domain), m.Customer, imported, m.Live)
		}
	}
	if len(d.OtherChanges) > 0 {
		section("Other changes", d.OtherChanges)
	}
	if d.FirstScans > 0 {
		fmt.Fprintf(w, "\nScanned for the first time, neither exposed nor undetermined: %d\n", d.FirstScans)
	}
	fmt.Fprintf(w, "\nScans in the period: %s\n", countsText(d.Scans))
	verdicts := map[string]int{}
	for v, n := range d.Verdicts {
		name := string(v)
		if name == "" {
			name = "not scanned yet"
		}
		verdicts[name] = n
	}
	fmt.Fprintf(w, "All active domains now: %s\n", countsText(verdicts))
	if d.Coverage != nil {
		writeCoverage(w, *d.Coverage, loc)
	}
	if d.Plan != nil {
		writePlan(w, *d.Plan, loc)
	}
}

// writePlan writes the latest nightly plan: per server its budget, the
// nights a full round takes, and a warning where that is longer than
// --scan-every.
func writePlan(w io.Writer, p store.PlanRecord, loc *time.Location) {
	fmt.Fprintf(w, "\nNightly plan of %s to %s: per server, the lookups a night allows and the nights a full round takes\n",
		p.WindowStart.In(loc).Format("2006-01-02 15:04"), p.WindowEnd.In(loc).Format("15:04"))
	for _, s := range p.Servers {
		round := fmt.Sprintf("a full round in %d nights", s.Round.Nights)
		if s.Round.Never {
			round = "no lookups in the window"
		}
		fmt.Fprintf(w, "  %s: %d domains, %d lookups a night, %s; %d planned, %d were still waiting, %d did not fit\n",
			s.Server, s.Domains, s.NightBudget, round, s.Planned, s.Waiting, s.Due)
	}
	for _, s := range p.Warnings() {
		fmt.Fprintf(w, "  WARNING: %s\n", PlanWarning(s, p.ScanEvery))
	}
}

// writeCoverage writes the Coverage section: how many active domains were
// scanned lately, and the oldest last scan, overall and per TLD.
func writeCoverage(w io.Writer, c store.Coverage, loc *time.Location) {
	fmt.Fprintf(w, "\nCoverage: %d active domains, by their last scan\n", c.Active)
	fmt.Fprintf(w, "  scanned in the last 24 hours: %d\n", c.Day)
	fmt.Fprintf(w, "  scanned in the last 7 days:   %d\n", c.Week)
	fmt.Fprintf(w, "  scanned in the last 30 days:  %d\n", c.Month)
	fmt.Fprintf(w, "  never scanned:                %d\n", c.Never)
	fmt.Fprintf(w, "  oldest scan:                  %s\n", oldestText(c.Oldest, c.At, loc))
	for _, t := range c.ByTLD {
		fmt.Fprintf(w, "    .%-10s %d domains, %d never scanned, oldest scan %s\n", t.TLD, t.Active, t.Never, oldestText(t.Oldest, c.At, loc))
	}
}

// oldestText gives a last scan's time and age at now.
func oldestText(t, now time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "none scanned"
	}
	return t.In(loc).Format("2006-01-02 15:04") + " (" + store.AgeText(now.Sub(t)) + " ago)"
}

func countsText(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
