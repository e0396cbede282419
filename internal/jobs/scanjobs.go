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
	Left    int // the plan's scans still to queue, in later waves
	// Next is when the queue wants topping up from Left; 0 when Left is 0.
	Next time.Duration
}

// EnqueuePlan keeps the plan as the latest, queues its first wave — each
// server's scans for the next while (scan.Plan.Wave) — and keeps the rest
// for later waves, which a ScanWaveArgs job queues as the queue drains. A
// domain whose scan is already waiting is not queued twice. The rest of an
// earlier plan is replaced.
func EnqueuePlan(ctx context.Context, d Deps, day string, plan scan.Plan) (Wave, error) {
	lead := d.Settings.waveLead()
	now, rest, next := plan.Wave(lead)
	wave := Wave{Offered: len(now), Left: len(rest), Next: next}
	// A plan made before its window (a nightly job retried after its own
	// night, planning the next) waits for the window to start.
	start := plan.PlannedAt
	if plan.WindowStart.After(start) {
		start = plan.WindowStart
	}
	head, tail := now[:min(firstBatch, len(now))], now[min(firstBatch, len(now)):]
	err := d.Store.InTx(ctx, func(tx *store.Tx) error {
		n, err := enqueueScans(ctx, tx, plan.PlannedAt, day, plan.Window(), head)
		wave.Queued += n
		return err
	})
	if err != nil {
		return wave, fmt.Errorf("plan scans for %s: %w", day, err)
	}
	err = d.Store.InTx(ctx, func(tx *store.Tx) error {
		n, err := enqueueScans(ctx, tx, plan.PlannedAt, day, plan.Window(), tail)
		if err != nil {
			return err
		}
		if err := tx.SaveScanPlan(ctx, plan.PlanRecord); err != nil {
			return err
		}
		later := make([]store.PlannedScan, len(rest))
		for i, p := range rest {
			later[i] = store.PlannedScan{Domain: p.Name, Server: p.Server}
		}
		if err := tx.SavePlanRest(ctx, later); err != nil {
			return err
		}
		if len(rest) > 0 {
			_, err := tx.Enqueue(ctx, river.InsertManyParams{Args: ScanWaveArgs{Day: day, Start: plan.WindowStart, End: plan.WindowEnd},
				InsertOpts: &river.InsertOpts{ScheduledAt: start.Add(waveDelay(next))}})
			if err != nil {
				return err
			}
		}
		wave.Queued += n
		_, err = tx.AddAuditEvent(ctx, model.AuditEvent{Actor: model.System("scan"), Action: "scan.planned",
			SubjectKind: "scan", SubjectID: day, Details: map[string]any{"domains": len(plan.Domains), "queued": wave.Queued,
				"already_waiting": len(now) - wave.Queued, "in_later_waves": len(rest)}})
		return err
	})
	if err != nil {
		return wave, fmt.Errorf("plan scans for %s: %w", day, err)
	}
	return wave, nil
}

// enqueueScans queues the scans of the night w planned on day; queued
// before the window (at), they wait for its start. It returns how many were queued: a scan
// already waiting is not queued twice.
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

// ScanWaveArgs tops the scan queue up from the rest of the night's plan of
// the window Start to End, again and again until the rest is queued or the
// window ends.
type ScanWaveArgs struct {
	Day   string    `json:"day"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Kind names the job kind.
func (ScanWaveArgs) Kind() string { return "scan_wave" }

// InsertOpts keeps one wave job waiting per night; a finished one does not
// stop a new plan of the same night from starting its own.
func (ScanWaveArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waitingStates}}
}

type waveWorker struct {
	river.WorkerDefaults[ScanWaveArgs]
	d Deps
}

func (w *waveWorker) Work(ctx context.Context, job *river.Job[ScanWaveArgs]) error {
	win := scan.Window{Start: job.Args.Start, End: job.Args.End}
	if !w.d.Store.Now().Before(win.End) {
		return nil // the night is over; the next plan takes what is left
	}
	wave, err := QueueWave(ctx, w.d, job.Args.Day, win)
	if err != nil {
		return err
	}
	w.d.Log.Debug("scan wave queued", "day", job.Args.Day, "queued", wave.Queued, "left", wave.Left)
	if wave.Left == 0 {
		return nil
	}
	return river.JobSnooze(waveDelay(wave.Next))
}

// schedulerDelay is how late a snoozed or scheduled job may run: River's
// scheduler makes them available every 5 seconds
// (maintenance.JobSchedulerIntervalDefault).
const schedulerDelay = 5 * time.Second

// waveDelay is when to schedule the wave due after next, so that it runs
// by then.
func waveDelay(next time.Duration) time.Duration { return max(time.Second, next-schedulerDelay) }

// QueueWave tops the scan queue up from the rest of the latest plan, when
// that is the plan of window w: each server gets what keeps it busy for the
// lead, counting the scans of it already waiting (scan.WaveShares). Left
// is 0 when the plan is all queued, or when a later plan replaced it.
func QueueWave(ctx context.Context, d Deps, day string, w scan.Window) (Wave, error) {
	left, err := d.Store.PlanRest(ctx)
	if err != nil || len(left) == 0 {
		return Wave{}, err
	}
	waiting, err := d.Store.WaitingScans(ctx)
	if err != nil {
		return Wave{}, err
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
	}
	slices.SortFunc(servers, func(a, b scan.WaveServer) int { return strings.Compare(a.Server, b.Server) })
	lead := d.Settings.waveLead()
	shares := scan.WaveShares(servers, lead)
	var wave Wave
	stale := false
	err = d.Store.InTx(ctx, func(tx *store.Tx) error {
		latest, ok, err := tx.LockScanPlan(ctx)
		if err != nil {
			return err
		}
		if stale = !ok || !sameTime(latest.WindowStart, w.Start) || !sameTime(latest.WindowEnd, w.End); stale {
			return nil // a later plan replaced w's, and its rest
		}
		turns := make([][]scan.Planned, 0, len(servers))
		for _, s := range servers {
			names, err := tx.TakePlanRest(ctx, s.Server, shares[s.Server])
			if err != nil {
				return err
			}
			l := make([]scan.Planned, len(names))
			for i, n := range names {
				l[i] = scan.Planned{Name: n, Server: s.Server}
			}
			turns = append(turns, l)
			wave.Offered += len(l)
		}
		n, err := enqueueScans(ctx, tx, d.Store.Now(), day, w, scan.TakeTurns(turns))
		wave.Queued = n
		return err
	})
	if err != nil {
		return Wave{}, fmt.Errorf("queue a wave of the plan for %s: %w", day, err)
	}
	if stale {
		return Wave{}, nil
	}
	for _, s := range servers {
		wave.Left += s.Left
	}
	wave.Left -= wave.Offered
	wave.Next = scan.NextWave(servers, shares, lead)
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
