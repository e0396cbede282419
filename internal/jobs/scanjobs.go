package jobs

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/privacy"
	"github.com/afscherm/afscherm/internal/ratelimit"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
)

// ScanDomainArgs scans one domain. A domain has at most one scan queued or
// running: the queue refuses a second (unique by domain in the waiting
// states), so an unfinished night never piles up behind the next.
type ScanDomainArgs struct {
	Domain string `json:"domain" river:"unique"`
	Day    string `json:"day"` // the night that planned it, YYYY-MM-DD in the schedule's time zone
	// Until ends the night that planned the scan; not begun by then, it
	// waits for the next night's window. Zero: no window (staff asked).
	Until time.Time `json:"until,omitzero"`
}

// Kind names the job kind.
func (ScanDomainArgs) Kind() string { return "scan_domain" }

// waitingStates are the states in which a scan counts as waiting.
var waitingStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}

// InsertOpts puts scans on their own queue, one waiting per domain.
func (ScanDomainArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueScan, MaxAttempts: 6, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waitingStates}}
}

type scanWorker struct {
	river.WorkerDefaults[ScanDomainArgs]
	d    Deps
	gate *storageGate // shut while the store fails
}

func (w *scanWorker) Timeout(*river.Job[ScanDomainArgs]) time.Duration { return 3 * time.Minute }

func (w *scanWorker) Work(ctx context.Context, job *river.Job[ScanDomainArgs]) error {
	if until := job.Args.Until; !until.IsZero() {
		// A scan the night did not reach waits for the next night, unless
		// that has begun: then it is paid from tonight's budget.
		night, now := w.d.Settings.Night(), time.Now()
		if now.After(until) && !night.Inside(now) {
			wait := night.Tonight(now).Start.Sub(now)
			return river.JobSnooze(wait + time.Duration(rand.Int64N(int64(time.Minute))))
		}
	}
	if wait := w.gate.enter(time.Now()); wait > 0 {
		return river.JobSnooze(wait + time.Duration(rand.Int64N(int64(wait/4)+1)))
	}
	defer w.gate.released()
	d, err := w.d.Store.Domain(ctx, job.Args.Domain)
	if model.IsKind(err, model.KindNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if !d.Active() {
		return nil // it left us since the scan was planned
	}
	_, err = w.d.Scanner.Scan(ctx, d.Name)
	re, retry := scan.IsRetry(err)
	if se, ok := scan.IsStorage(err); ok {
		// Put this scan aside with the others: it did not fail, the store did.
		return river.JobSnooze(w.gate.failed(time.Now(), se))
	}
	switch {
	case err == nil:
		w.gate.stored()
		return nil
	case !retry:
		return err
	case re.Failure.RetryAfter > 0:
		// The server, or our own limit for it, says when: put the job
		// aside until then, with a little spread so they do not return
		// all at once.
		spread := time.Duration(rand.Int64N(int64(re.Failure.RetryAfter/4) + 1))
		return river.JobSnooze(re.Failure.RetryAfter + spread)
	case job.Attempt >= job.MaxAttempts:
		_, err := w.d.Scanner.RecordFailure(ctx, d.Name, re.Failure)
		if se, ok := scan.IsStorage(err); ok {
			return river.JobSnooze(w.gate.failed(time.Now(), se))
		}
		return err
	}
	return err // River retries with backoff
}

// NightlyScanArgs plans one night's scans.
type NightlyScanArgs struct {
	Day string `json:"day"`
	// Now plans a night that starts at once and lasts as long as the
	// nightly window, instead of the window of the schedule.
	Now bool `json:"now,omitempty"`
}

// Kind names the job kind.
func (NightlyScanArgs) Kind() string { return "nightly_scan" }

// InsertOpts makes the nightly run unique per day.
func (NightlyScanArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type nightlyWorker struct {
	river.WorkerDefaults[NightlyScanArgs]
	d Deps
}

// A wave's first firstBatch scans are queued in a transaction of their
// own, so that the night's first lookups start at once (servers take turns
// in the plan, so it holds every server's first scans).
const firstBatch = 500

func (w *nightlyWorker) Work(ctx context.Context, job *river.Job[NightlyScanArgs]) error {
	plan, err := MakePlan(ctx, w.d, job.Args.Now)
	if err != nil {
		return err
	}
	wave, err := EnqueuePlan(ctx, w.d, job.Args.Day, plan)
	if err != nil {
		return err
	}
	WarnPlan(w.d.Log, plan)
	w.d.Log.Info("nightly scan planned", "day", job.Args.Day, "planned", len(plan.Domains), "queued", wave.Queued,
		"to_queue_in_waves", wave.Left, "until", plan.WindowEnd)
	return nil
}

// MakePlan plans the night the store's clock is in, or the next one; with
// now, a night that starts at once.
func MakePlan(ctx context.Context, d Deps, now bool) (scan.Plan, error) {
	at := d.Store.Now()
	night := d.Settings.Night()
	w := night.Tonight(at)
	if now {
		w = scan.Window{Start: at, End: at.Add(night.Length())}
	}
	cands, err := d.Store.PlanCandidates(ctx)
	if err != nil {
		return scan.Plan{}, err
	}
	serverOf, bootstrapErr := d.serverLookup(ctx)
	p := scan.Planner{Rate: d.rates(), Fresh: night.Fresh(w), Server: serverOf}
	plan := p.Make(at, w, d.Settings.ScanEvery, cands)
	if err := bootstrapErr(); err != nil {
		// Without the bootstrap, RDAP TLDs would be planned by their WHOIS
		// servers' budgets: better no plan than a wrong one.
		return scan.Plan{}, fmt.Errorf("plan scans: the RDAP bootstrap: %w", err)
	}
	return plan, nil
}

// WarnPlan logs each server whose budget does not scan its domains within
// --scan-every.
func WarnPlan(log *slog.Logger, plan scan.Plan) {
	if log == nil {
		return
	}
	for _, s := range plan.Warnings() {
		log.Warn("scan budget does not reach every domain within --scan-every", "server", s.Server, "domains", s.Domains,
			"budget", s.Budget, "round_nights", s.Round.Nights, "overdue", s.Overdue, "scan_every", plan.ScanEvery)
	}
}

// Wave is what queueing one wave of a night's plan did.
type Wave struct {
	Offered int // scans taken from the plan to queue
	Queued  int // of those, the ones queued: the others were waiting already
	// Skipped were taken from the plan but not offered: scanned since the
	// plan was made (by staff, or queued by an earlier plan), or no longer
	// active.
	Skipped int
	Left    int // the plan's scans still to queue, in later waves
	// Next is when the queue wants topping up from Left; 0 when Left is 0.
	Next time.Duration
}

// EnqueuePlan keeps the plan as the latest, queues its first wave — each
// server's scans for the next while (scan.Plan.Wave) — and keeps the rest
// for later waves, which a ScanWaveArgs job queues as the queue drains. A
// domain whose scan is already waiting is not queued twice. What an
// earlier plan had still to queue is replaced, and its wave job stops.
func EnqueuePlan(ctx context.Context, d Deps, day string, plan scan.Plan) (Wave, error) {
	first, rest, next := plan.Wave(d.Settings.waveLead())
	head := first[:min(firstBatch, len(first))]
	// Kept for the waves: the first wave's tail, which a wave queues at
	// once, then the rest; each server's scans stay in the plan's order.
	later := make([]store.PlannedScan, 0, len(plan.Domains)-len(head))
	for _, p := range slices.Concat(first[len(head):], rest) {
		later = append(later, store.PlannedScan{Domain: p.Name, Server: p.Server})
	}
	args := WaveArgs(day, plan)
	// A plan made before its window (a nightly job retried after its own
	// night, planning the next) waits for the window to start.
	start := plan.PlannedAt
	if plan.WindowStart.After(start) {
		start = plan.WindowStart
	}
	wave := Wave{Offered: len(head), Left: len(later), Next: next}
	// One transaction that saves the plan first, which takes the plan's
	// lock: a wave of the previous plan has either finished or will find
	// its plan replaced. The first lookups start when it commits.
	err := d.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SaveScanPlan(ctx, plan.PlanRecord); err != nil {
			return err
		}
		if err := tx.SavePlanRest(ctx, later); err != nil {
			return err
		}
		n, err := enqueueScans(ctx, tx, plan.PlannedAt, day, plan.Window(), head)
		if err != nil {
			return err
		}
		wave.Queued = n
		if len(later) > 0 {
			if _, err := tx.Enqueue(ctx, river.InsertManyParams{Args: args, InsertOpts: &river.InsertOpts{ScheduledAt: start.Add(next)}}); err != nil {
				return err
			}
		}
		_, err = tx.AddAuditEvent(ctx, model.AuditEvent{Actor: model.System("scan"), Action: "scan.planned",
			SubjectKind: "scan", SubjectID: day, Details: map[string]any{"domains": len(plan.Domains), "first_wave": len(first)}})
		return err
	})
	if err != nil {
		return Wave{}, fmt.Errorf("plan scans for %s: %w", day, err)
	}
	if len(first) > len(head) {
		// The rest of the first wave, queued as every later wave is.
		w, err := QueueWave(ctx, d, args)
		if err != nil {
			return wave, err
		}
		wave.Offered, wave.Queued, wave.Skipped = wave.Offered+w.Offered, wave.Queued+w.Queued, w.Skipped
		wave.Left, wave.Next = w.Left, w.Next
	}
	if wave.Left == 0 {
		wave.Next = 0
	}
	return wave, nil
}

// enqueueScans queues the scans of the night w planned on day; queued
// before the window (at), they wait for its start. It returns how many
// were queued: a scan already waiting is not queued twice.
func enqueueScans(ctx context.Context, tx *store.Tx, at time.Time, day string, w scan.Window, scans []scan.Planned) (int, error) {
	var opts *river.InsertOpts
	if w.Start.After(at) {
		opts = &river.InsertOpts{ScheduledAt: w.Start}
	}
	params := make([]river.InsertManyParams, len(scans))
	for i, p := range scans {
		params[i] = river.InsertManyParams{Args: ScanDomainArgs{Domain: p.Name, Day: day, Until: w.End}, InsertOpts: opts}
	}
	return tx.EnqueueFast(ctx, params...)
}

// ScanWaveArgs tops the scan queue up from the rest of the night's plan
// made at PlannedAt for the window Start to End, again and again until the
// rest is queued, the window ends, or a later plan replaces it.
type ScanWaveArgs struct {
	Day       string    `json:"day"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	PlannedAt time.Time `json:"planned_at"`
}

// WaveArgs are the wave job's arguments for plan, planned for day.
func WaveArgs(day string, plan scan.Plan) ScanWaveArgs {
	return ScanWaveArgs{Day: day, Start: plan.WindowStart, End: plan.WindowEnd, PlannedAt: plan.PlannedAt}
}

// of tells whether p is the plan these waves are of.
func (a ScanWaveArgs) of(p store.PlanRecord) bool {
	return sameTime(p.PlannedAt, a.PlannedAt) && sameTime(p.WindowStart, a.Start) && sameTime(p.WindowEnd, a.End)
}

// Kind names the job kind.
func (ScanWaveArgs) Kind() string { return "scan_wave" }

// InsertOpts puts the waves on a queue of their own, so that no long job
// (the retention purge, at night too) holds them up, one waiting per plan.
func (ScanWaveArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueuePlan, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waitingStates}}
}

type waveWorker struct {
	river.WorkerDefaults[ScanWaveArgs]
	d Deps
}

// waveRetry is how soon a wave that failed is tried again: River's backoff
// would space the night's waves further apart with every error.
const waveRetry = 30 * time.Second

func (w *waveWorker) Work(ctx context.Context, job *river.Job[ScanWaveArgs]) error {
	wave, err := QueueWave(ctx, w.d, job.Args)
	if !w.d.Store.Now().Before(job.Args.End) {
		return nil // the night is over; the next plan takes up what is left
	}
	if err != nil {
		w.d.Log.Warn("a wave of the night's scans failed; trying again shortly", "day", job.Args.Day, "in", waveRetry, "error", err)
		return river.JobSnooze(waveRetry)
	}
	w.d.Log.Debug("scan wave queued", "day", job.Args.Day, "queued", wave.Queued, "left", wave.Left)
	if wave.Left == 0 {
		return nil
	}
	return river.JobSnooze(wave.Next)
}

// QueueWave tops the scan queue up from the rest of the plan a describes,
// when that is still the latest plan and its window has not ended: each
// server gets what keeps it busy for the lead, or for what is left of the
// window, counting its scans already waiting (scan.WaveShares). Left is 0
// when the plan is all queued, replaced, or its night over.
func QueueWave(ctx context.Context, d Deps, a ScanWaveArgs) (Wave, error) {
	var wave Wave
	err := d.Store.InTx(ctx, func(tx *store.Tx) error {
		latest, ok, err := tx.LockScanPlan(ctx)
		if err != nil {
			return err
		}
		at := d.Store.Now()
		if !ok || !a.of(latest) || !at.Before(a.End) {
			return nil
		}
		left, err := tx.PlanRest(ctx)
		if err != nil || len(left) == 0 {
			return err
		}
		waiting, err := tx.WaitingScans(ctx)
		if err != nil {
			return err
		}
		serverOf, _ := d.serverLookup(ctx) // a scan whose server is not known counts for none
		waitingBy := map[string]int{}
		for name := range waiting {
			waitingBy[cmp.Or(serverOf(name), scan.NoServer)]++
		}
		rates := d.rates()
		servers := make([]scan.WaveServer, 0, len(left))
		for srv, n := range left {
			servers = append(servers, scan.WaveServer{Server: srv, Rate: rates(srv), Waiting: waitingBy[srv], Left: n})
			wave.Left += n
		}
		slices.SortFunc(servers, func(a, b scan.WaveServer) int { return strings.Compare(a.Server, b.Server) })
		lead := min(d.Settings.waveLead(), a.End.Sub(at))
		shares := scan.WaveShares(servers, lead)
		turns := make([][]scan.Planned, 0, len(servers))
		for _, s := range servers {
			names, taken, err := tx.TakePlanRest(ctx, s.Server, shares[s.Server], a.PlannedAt)
			if err != nil {
				return err
			}
			l := make([]scan.Planned, len(names))
			for i, n := range names {
				l[i] = scan.Planned{Name: n, Server: s.Server}
			}
			turns = append(turns, l)
			wave.Offered += len(names)
			wave.Skipped += taken - len(names)
			wave.Left -= taken
		}
		if wave.Queued, err = enqueueScans(ctx, tx, at, a.Day, scan.Window{Start: a.Start, End: a.End}, scan.TakeTurns(turns)); err != nil {
			return err
		}
		if wave.Left > 0 {
			wave.Next = scan.NextWave(servers, shares, lead)
		}
		return nil
	})
	if err != nil {
		return Wave{}, fmt.Errorf("queue a wave of the plan for %s: %w", a.Day, err)
	}
	return wave, nil
}

// rates is Rates, or the default rate for every server.
func (d Deps) rates() func(server string) float64 {
	if d.Rates == nil {
		return func(string) float64 { return ratelimit.DefaultRate }
	}
	return d.Rates
}

// serverLookup returns the server of a domain's first lookup (its
// registry's RDAP service or WHOIS server; "" when none), and the first
// error the RDAP bootstrap gave while looking.
func (d Deps) serverLookup(ctx context.Context) (serverOf func(domain string) string, firstErr func() error) {
	var bootstrapErr error
	byTLD := map[string]string{} // one lookup per TLD
	return func(name string) string {
		tld := name[strings.LastIndexByte(name, '.')+1:]
		if srv, ok := byTLD[tld]; ok {
			return srv
		}
		srv, err := d.Scanner.ServerOf(ctx, name)
		if err != nil && bootstrapErr == nil {
			bootstrapErr = err
		}
		byTLD[tld] = srv
		return srv
	}, func() error { return bootstrapErr }
}

// sameTime compares two instants as the store keeps them (PostgreSQL to
// the microsecond).
func sameTime(a, b time.Time) bool { return a.Sub(b).Abs() < time.Microsecond }

// DigestArgs produces the staff digest.
type DigestArgs struct{}

// Kind names the job kind.
func (DigestArgs) Kind() string { return "scan_digest" }

type digestWorker struct {
	river.WorkerDefaults[DigestArgs]
	d Deps
}

func (w *digestWorker) Work(ctx context.Context, _ *river.Job[DigestArgs]) error {
	var mailIt func(*store.Tx, scan.Digest) error
	if w.d.Requests != nil {
		mailIt = func(tx *store.Tx, dg scan.Digest) error {
			var b strings.Builder
			dg.WriteText(&b, w.d.Settings.Location)
			subject := fmt.Sprintf("afscherm digest: %d newly exposed, %d newly shielded", len(dg.NewlyExposed), len(dg.NewlyShielded))
			if n := len(dg.NewlyUndetermined); n > 0 {
				subject += fmt.Sprintf(", %d to review", n)
			}
			return w.d.Requests.MailStaff(ctx, tx, subject, b.String())
		}
	}
	var registrars scan.RegistrarMatcher // by name only, without the request flow's configuration
	if w.d.Requests != nil && w.d.Requests.Adapters != nil {
		registrars = w.d.Requests.Adapters
	}
	dg, err := scan.ProduceDigestWith(ctx, w.d.Store, registrars, mailIt)
	if err != nil {
		return err
	}
	if w.d.Settings.DraftRequests && w.d.Requests != nil {
		var names []string
		for _, c := range dg.NewlyExposed {
			names = append(names, c.Domain)
		}
		n, err := w.d.Requests.DraftNewlyExposed(ctx, names)
		if err != nil {
			return err
		}
		w.d.Log.Info("drafted requests for newly exposed domains", "count", n)
	}
	w.d.Log.Info("digest produced", "newly_exposed", len(dg.NewlyExposed), "newly_shielded", len(dg.NewlyShielded),
		"newly_undetermined", len(dg.NewlyUndetermined))
	return nil
}

// RetentionArgs applies the retention policy.
type RetentionArgs struct{}

// Kind names the job kind.
func (RetentionArgs) Kind() string { return "retention" }

type retentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	d Deps
}

func (w *retentionWorker) Timeout(*river.Job[RetentionArgs]) time.Duration { return time.Hour }

func (w *retentionWorker) Work(ctx context.Context, _ *river.Job[RetentionArgs]) error {
	jobs, err := w.d.Store.NewJobClient(&river.Config{}) // to cancel the jobs of erased customers
	if err != nil {
		return err
	}
	_, err = privacy.Run(ctx, w.d.Store, privacy.Options{Policy: w.d.Settings.Retention, MailDir: w.d.MailDir, Jobs: jobs, Log: w.d.Log})
	return err
}
