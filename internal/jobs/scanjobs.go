package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
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

// Scan jobs are inserted firstBatch in the first transaction, so that the
// night's first lookups start at once (servers take turns in the plan, so
// it holds every server's first scans), then batchSize per transaction.
const (
	firstBatch = 500
	batchSize  = 5000
)

func (w *nightlyWorker) Work(ctx context.Context, job *river.Job[NightlyScanArgs]) error {
	plan, err := MakePlan(ctx, w.d, job.Args.Now)
	if err != nil {
		return err
	}
	n, err := EnqueuePlan(ctx, w.d.Store, job.Args.Day, plan)
	if err != nil {
		return err
	}
	WarnPlan(w.d.Log, plan)
	w.d.Log.Info("nightly scan planned", "day", job.Args.Day, "domains", n, "until", plan.WindowEnd)
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
	rates := d.Rates
	if rates == nil {
		rates = func(string) float64 { return ratelimit.DefaultRate }
	}
	var bootstrapErr error
	p := scan.Planner{Rate: rates, Fresh: night.Fresh(w), Server: func(name string) string {
		srv, err := d.Scanner.ServerOf(ctx, name)
		if err != nil && bootstrapErr == nil {
			bootstrapErr = err
		}
		return srv
	}}
	plan := p.Make(at, w, d.Settings.ScanEvery, cands)
	if bootstrapErr != nil {
		// Without the bootstrap, RDAP TLDs would be planned by their WHOIS
		// servers' budgets: better no plan than a wrong one.
		return scan.Plan{}, fmt.Errorf("plan scans: the RDAP bootstrap: %w", bootstrapErr)
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

// EnqueuePlan queues the plan's scans in batches, with an audit event per
// batch, and keeps the plan as the latest. A domain whose scan is already
// waiting is not queued twice.
func EnqueuePlan(ctx context.Context, st *store.Store, day string, plan scan.Plan) (int, error) {
	total := 0
	// A plan made before its window (a nightly job retried after its own
	// night, planning the next) waits for the window to start.
	var opts *river.InsertOpts
	if plan.WindowStart.After(plan.PlannedAt) {
		opts = &river.InsertOpts{ScheduledAt: plan.WindowStart}
	}
	for start, size := 0, firstBatch; start < len(plan.Domains); start, size = start+size, batchSize {
		batch := plan.Domains[start:min(start+size, len(plan.Domains))]
		params := make([]river.InsertManyParams, len(batch))
		for i, d := range batch {
			params[i] = river.InsertManyParams{Args: ScanDomainArgs{Domain: d.Name, Day: day, Until: plan.WindowEnd}, InsertOpts: opts}
		}
		err := st.InTx(ctx, func(tx *store.Tx) error {
			fresh, err := tx.EnqueueFast(ctx, params...)
			if err != nil {
				return err
			}
			total += fresh
			_, err = tx.AddAuditEvent(ctx, model.AuditEvent{Actor: model.System("scan"), Action: "scan.planned",
				SubjectKind: "scan", SubjectID: day, Details: map[string]any{"domains": len(batch), "new": fresh}})
			return err
		})
		if err != nil {
			return total, fmt.Errorf("plan scans for %s: %w", day, err)
		}
	}
	err := st.InTx(ctx, func(tx *store.Tx) error { return tx.SaveScanPlan(ctx, plan.PlanRecord) })
	return total, err
}

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
