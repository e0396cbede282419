package jobs_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/afscherm/afscherm/internal/jobs"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/ratelimit"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// scanJobs lists the scan jobs in the queue, whatever their state.
func scanJobs(t *testing.T, st *store.Store) []*rivertype.JobRow {
	t.Helper()
	client, err := st.NewJobClient(&river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.JobList(context.Background(), river.NewJobListParams().Kinds("scan_domain").First(10000))
	if err != nil {
		t.Fatal(err)
	}
	return res.Jobs
}

// TestPlanWhileScansWait: the night's plan with a budget of 5 lookups per
// server; planned again before any scan ran (the next night, or
// `scan plan --now` twice), every waiting scan is paid from its server's
// budget first and no domain is queued twice.
func TestPlanWhileScansWait(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, sandbox.Limits{})
		// A window as long as the nightly one (5 hours) at 6 lookups a
		// window, less a tenth: 5.
		window := f.deps.Settings.Night().Length().Seconds()
		f.deps.Rates = func(string) float64 { return 6 / window }

		first, err := jobs.MakePlan(ctx, f.deps, true)
		if err != nil {
			t.Fatal(err)
		}
		wave, err := jobs.EnqueuePlan(ctx, f.deps, "2026-11-25", first)
		if err != nil || wave.Queued != len(first.Domains) || wave.Queued == 0 || wave.Left != 0 {
			t.Fatalf("first plan: %d planned, %+v, %v", len(first.Domains), wave, err)
		}
		planned := map[string]int{} // per server
		queued := map[string]bool{}
		for _, d := range first.Domains {
			planned[d.Server]++
			queued[d.Name] = true
		}
		for _, sp := range first.Servers {
			if sp.NightBudget != 5 || sp.Planned > 5 || sp.Planned != planned[sp.Server] || sp.Waiting != 0 {
				t.Errorf("first plan, %s: %+v", sp.Server, sp)
			}
		}

		second, err := jobs.MakePlan(ctx, f.deps, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, sp := range second.Servers {
			if sp.Waiting != planned[sp.Server] || sp.Planned != max(0, sp.Budget-sp.Waiting) && sp.Due > 0 {
				t.Errorf("second plan, %s: %d waiting (%d queued before), %d planned of a budget of %d, %d due",
					sp.Server, sp.Waiting, planned[sp.Server], sp.Planned, sp.Budget, sp.Due)
			}
		}
		for _, d := range second.Domains {
			if queued[d.Name] {
				t.Errorf("%s planned again while its scan waits", d.Name)
			}
		}
		if _, err := jobs.EnqueuePlan(ctx, f.deps, "2026-11-26", second); err != nil {
			t.Fatal(err)
		}
		// The latest plan is kept for the digest and the console (to the
		// microsecond, as PostgreSQL keeps time).
		latest, ok, err := st.LatestScanPlan(ctx)
		if err != nil || !ok || latest.PlannedAt.Sub(second.PlannedAt).Abs() > time.Microsecond ||
			len(latest.Servers) != len(second.Servers) || latest.Servers[0].Waiting != second.Servers[0].Waiting {
			t.Errorf("latest plan: %+v, %v, %v", latest, ok, err)
		}
		// The first plan queued again, as a second night would if the
		// plan did not know: the queue refuses every one of them.
		if wave, err := jobs.EnqueuePlan(ctx, f.deps, "2026-11-27", first); err != nil || wave.Queued != 0 || wave.Offered != len(first.Domains) {
			t.Errorf("the first plan again: %+v, %v", wave, err)
		}
		perDomain := queuedOnce(t, st)
		if len(perDomain) != len(first.Domains)+len(second.Domains) {
			t.Errorf("%d domains queued, want %d + %d", len(perDomain), len(first.Domains), len(second.Domains))
		}
	})
}

// finishScans marks every scan job in the queue completed, as if the
// workers had worked it: the queue is empty for the next wave.
func finishScans(ctx context.Context, st *store.Store) error {
	return storetest.Exec(ctx, st, "UPDATE river_job SET state = 'completed', finalized_at = CURRENT_TIMESTAMP WHERE kind = 'scan_domain' AND state <> 'completed'")
}

// queuedOnce counts the scan jobs of each domain in the queue, whatever
// their state, and reports a domain queued more than once.
func queuedOnce(t *testing.T, st *store.Store) map[string]int {
	t.Helper()
	perDomain := map[string]int{}
	for _, j := range scanJobs(t, st) {
		perDomain[domainOf(t, j)]++
	}
	for d, n := range perDomain {
		if n != 1 {
			t.Errorf("%s: %d scan jobs", d, n)
		}
	}
	return perDomain
}

func domainOf(t *testing.T, j *rivertype.JobRow) string {
	t.Helper()
	var args jobs.ScanDomainArgs
	if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
		t.Fatal(err)
	}
	return args.Domain
}

// TestScanAfterItsNight: a scan whose night ended (Until passed) is put
// aside until the next window opens when it is outside one, and worked at
// once when inside one. The windows are set around the wall clock, which
// the worker reads.
func TestScanAfterItsNight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now().In(amsterdam)
		at := func(d time.Duration) jobs.TimeOfDay {
			t := now.Add(d)
			return jobs.TimeOfDay{Hour: t.Hour(), Minute: t.Minute()}
		}
		f := newFixture(t, st, sandbox.Limits{})
		domains, err := st.Domains(ctx, store.DomainFilter{ActiveOnly: true})
		if err != nil || len(domains) < 2 {
			t.Fatalf("domains: %d, %v", len(domains), err)
		}
		outside, inside := domains[0].Name, domains[1].Name

		// Outside: the next window opens in two hours.
		f.deps.Settings.NightlyAt, f.deps.Settings.NightlyUntil = at(2*time.Hour), at(3*time.Hour)
		nextStart := f.deps.Settings.Night().Tonight(now).Start
		if f.deps.Settings.Night().Inside(now) {
			t.Fatalf("set up: %s is inside the window", now)
		}
		client, stop := startClientFor(t, f.deps)
		res, err := client.Insert(ctx, jobs.ScanDomainArgs{Domain: outside, Day: "yesterday", Until: now.Add(-time.Minute)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		job := waitForState(t, client, res.Job.ID, rivertype.JobStateScheduled)
		if job.ScheduledAt.Before(nextStart) || job.ScheduledAt.After(nextStart.Add(2*time.Minute)) {
			t.Errorf("put aside until %s, want the window's start %s (plus up to a minute)", job.ScheduledAt, nextStart)
		}
		if scans, _ := st.Scans(ctx, outside, 0); len(scans) != 0 {
			t.Errorf("%s scanned outside the window: %d results", outside, len(scans))
		}
		stop()

		// Inside: a window that opened an hour ago; the job planned by an
		// earlier night is paid from tonight's budget.
		f.deps.Settings.NightlyAt, f.deps.Settings.NightlyUntil = at(-time.Hour), at(time.Hour)
		if !f.deps.Settings.Night().Inside(now) {
			t.Fatalf("set up: %s is outside the window", now)
		}
		client, stop = startClientFor(t, f.deps)
		defer stop()
		res, err = client.Insert(ctx, jobs.ScanDomainArgs{Domain: inside, Day: "yesterday", Until: now.Add(-time.Minute)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		waitForState(t, client, res.Job.ID, rivertype.JobStateCompleted)
		if scans, _ := st.Scans(ctx, inside, 0); len(scans) != 1 || scans[0].Status != model.ScanOK {
			t.Errorf("%s inside the window: %+v", inside, scans)
		}
	})
}

// startClientFor starts a job client with deps; stop stops it and waits.
func startClientFor(t *testing.T, deps jobs.Deps) (store.JobClient, func()) {
	t.Helper()
	client, err := jobs.NewClient(deps)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done, err := jobs.Start(ctx, client, 5*time.Second, deps.Log)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return client, stop
}

func waitForState(t *testing.T, client store.JobClient, id int64, state rivertype.JobState) *rivertype.JobRow {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		job, err := client.JobGet(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if job.State == state {
			return job
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d is %s, not %s", id, job.State, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPlanBeforeItsWindowWaits: a plan made before its window — the
// nightly job retried after its own night, so that Tonight is the next one
// — queues its scans for the window's start, not at once.
func TestPlanBeforeItsWindowWaits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, sandbox.Limits{})
		night := f.deps.Settings.Night()
		now := time.Now()
		// Nightly windows that start an hour from now.
		start := now.Add(time.Hour).In(night.Location)
		f.deps.Settings.NightlyAt = jobs.TimeOfDay{Hour: start.Hour(), Minute: start.Minute()}
		end := start.Add(5 * time.Hour)
		f.deps.Settings.NightlyUntil = jobs.TimeOfDay{Hour: end.Hour(), Minute: end.Minute()}
		plan, err := jobs.MakePlan(ctx, f.deps, false)
		if err != nil {
			t.Fatal(err)
		}
		if !plan.WindowStart.After(now) || len(plan.Domains) == 0 {
			t.Fatalf("plan of %s–%s made at %s, %d domains", plan.WindowStart, plan.WindowEnd, now, len(plan.Domains))
		}
		if _, err := jobs.EnqueuePlan(ctx, f.deps, "2026-11-25", plan); err != nil {
			t.Fatal(err)
		}
		for _, j := range scanJobs(t, st) {
			if j.State != rivertype.JobStateScheduled || !j.ScheduledAt.Equal(plan.WindowStart) {
				t.Fatalf("job of %s: %s at %s, want scheduled at %s", domainOf(t, j), j.State, j.ScheduledAt, plan.WindowStart)
			}
		}
		// A plan made at once is queued to run now.
		if err := storetest.Exec(ctx, st, "DELETE FROM river_job"); err != nil {
			t.Fatal(err)
		}
		now2, err := jobs.MakePlan(ctx, f.deps, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := jobs.EnqueuePlan(ctx, f.deps, "2026-11-25", now2); err != nil {
			t.Fatal(err)
		}
		for _, j := range scanJobs(t, st) {
			if j.State != rivertype.JobStateAvailable {
				t.Fatalf("job of %s: %s, want available", domainOf(t, j), j.State)
			}
		}
	})
}

// waveFixture plans at 1 lookup a second with a lead of a second:
// scan.LeadMin scans of a server at a time, every domain within the
// night's budget. The lookups go at 10 a second, so that scans still wait
// when the next wave comes.
// It returns the fixture and a plan made at once.
func waveFixture(t *testing.T, st *store.Store) (*fixture, scan.Plan) {
	f := newFixture(t, st, sandbox.Limits{})
	f.limiter = ratelimit.New(ratelimit.Limits{Default: 10})
	f.deps = f.newDeps(t)
	f.deps.Rates = func(string) float64 { return 1 }
	f.deps.Settings.WaveLead = time.Second
	plan, err := jobs.MakePlan(context.Background(), f.deps, true)
	if err != nil {
		t.Fatal(err)
	}
	return f, plan
}

// TestNightInWaves: a night's plan larger than the servers' lead is queued
// a wave at a time by the wave job, while the workers scan: every planned
// domain is scanned once, the queue never holds more of a server than its
// lead (less what waited), and the wave job ends when the rest is queued.
func TestNightInWaves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f, plan := waveFixture(t, st)
		perServer := map[string]int{}
		for _, d := range plan.Domains {
			perServer[d.Server]++
		}
		most := 0
		for _, n := range perServer {
			most = max(most, n)
		}
		if most <= scan.LeadMin {
			t.Fatalf("set up: at most %d domains a server, no second wave", most)
		}
		client := f.startClient(t)
		wave, err := jobs.EnqueuePlan(ctx, f.deps, "2026-11-25", plan)
		if err != nil || wave.Left == 0 || wave.Queued+wave.Left != len(plan.Domains) {
			t.Fatalf("first wave %+v of %d, %v", wave, len(plan.Domains), err)
		}
		// Watch the queue until the wave job is done and no scan waits.
		deadline := time.Now().Add(90 * time.Second)
		for {
			res, err := client.JobList(ctx, river.NewJobListParams().Kinds("scan_domain", "scan_wave").First(10000))
			if err != nil {
				t.Fatal(err)
			}
			waiting, open := map[string]int{}, 0
			for _, j := range res.Jobs {
				if j.State == rivertype.JobStateCompleted {
					continue
				}
				open++
				if j.Kind == "scan_domain" {
					srv, _ := f.deps.Scanner.ServerOf(ctx, domainOf(t, j))
					waiting[srv]++
				}
			}
			for srv, n := range waiting {
				if n > scan.LeadMin {
					t.Fatalf("%d scans of %s waiting at once, want at most %d", n, srv, scan.LeadMin)
				}
			}
			if open == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d jobs still open", open)
			}
			time.Sleep(20 * time.Millisecond)
		}
		perDomain := queuedOnce(t, st)
		for _, d := range plan.Domains {
			if perDomain[d.Name] != 1 {
				t.Errorf("%s not queued", d.Name)
			}
			if scans, err := st.Scans(ctx, d.Name, 0); err != nil || len(scans) != 1 {
				t.Errorf("%s: %d scans, %v", d.Name, len(scans), err)
			}
		}
		if rest, err := st.PlanRest(ctx); err != nil || len(rest) != 0 {
			t.Errorf("left of the plan: %v, %v", rest, err)
		}
	})
}

// TestWaveOfAnEarlierPlan: a new plan replaces the rest of the one before;
// the earlier plan's wave job then queues nothing, and nothing is queued
// twice.
func TestWaveOfAnEarlierPlan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f, first := waveFixture(t, st)
		w1, err := jobs.EnqueuePlan(ctx, f.deps, "2026-11-25", first)
		if err != nil || w1.Left == 0 {
			t.Fatalf("first plan: %+v, %v", w1, err)
		}
		// Planned again (scan plan --now): the first wave waits, so the new
		// plan holds the first plan's rest, which it replaces.
		second, err := jobs.MakePlan(ctx, f.deps, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(second.Domains) != w1.Left {
			t.Errorf("the second plan holds %d domains, the first left %d", len(second.Domains), w1.Left)
		}
		w2, err := jobs.EnqueuePlan(ctx, f.deps, "2026-11-25", second)
		if err != nil {
			t.Fatal(err)
		}
		if stale, err := jobs.QueueWave(ctx, f.deps, jobs.WaveArgs("2026-11-25", first)); err != nil || stale != (jobs.Wave{}) {
			t.Errorf("a wave of the first plan: %+v, %v", stale, err)
		}
		rest, err := st.PlanRest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		left := 0
		for _, n := range rest {
			left += n
		}
		if left != w2.Left {
			t.Errorf("%d scans left of the plan, want the second plan's %d", left, w2.Left)
		}
		// The second plan's waves, with the scans finished between them,
		// queue the rest: each domain once.
		for range 100 {
			if err := finishScans(ctx, st); err != nil {
				t.Fatal(err)
			}
			w, err := jobs.QueueWave(ctx, f.deps, jobs.WaveArgs("2026-11-25", second))
			if err != nil {
				t.Fatal(err)
			}
			if w.Offered != w.Queued {
				t.Errorf("a wave offered %d, queued %d", w.Offered, w.Queued)
			}
			if w.Left == 0 {
				break
			}
		}
		perDomain := queuedOnce(t, st)
		if len(perDomain) != len(first.Domains) {
			t.Errorf("%d domains queued, the first plan had %d", len(perDomain), len(first.Domains))
		}
	})
}

// TestWaveWhileANewPlanIsSaved: a wave that runs while a new plan is being
// saved waits for it, then sees that its plan was replaced and takes
// nothing from the new plan's rest.
func TestWaveWhileANewPlanIsSaved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f, first := waveFixture(t, st)
		if w, err := jobs.EnqueuePlan(ctx, f.deps, "2026-11-25", first); err != nil || w.Left == 0 {
			t.Fatalf("first plan: %+v, %v", w, err)
		}
		// A new plan's record and rest saved, and its first scans queued,
		// as EnqueuePlan does, in a transaction held open; the old plan's
		// rest holds its first scan too.
		oldRest, err := st.PlanRest(ctx)
		if err != nil || len(oldRest) == 0 {
			t.Fatalf("the first plan's rest: %v, %v", oldRest, err)
		}
		newer := first.PlanRecord
		newer.WindowStart, newer.WindowEnd = first.WindowStart.Add(time.Hour), first.WindowEnd.Add(time.Hour)
		var rest []store.PlannedScan
		for _, d := range slices.Backward(first.Domains) { // the last of the old plan's rest first
			rest = append(rest, store.PlannedScan{Domain: d.Name, Server: d.Server})
		}
		saved, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			done <- st.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.SaveScanPlan(ctx, newer); err != nil {
					return err
				}
				if err := tx.SavePlanRest(ctx, rest[1:]); err != nil {
					return err
				}
				if _, err := tx.EnqueueFast(ctx, river.InsertManyParams{Args: jobs.ScanDomainArgs{Domain: rest[0].Domain, Day: "2026-11-25"}}); err != nil {
					return err
				}
				close(saved)
				<-release
				return nil
			})
		}()
		<-saved
		waved := make(chan jobs.Wave, 1)
		go func() {
			w, err := jobs.QueueWave(ctx, f.deps, jobs.WaveArgs("2026-11-25", first))
			if err != nil {
				t.Error(err)
			}
			waved <- w
		}()
		time.Sleep(300 * time.Millisecond)
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if w := <-waved; w != (jobs.Wave{}) {
			t.Errorf("a wave of the replaced plan: %+v", w)
		}
		left, err := st.PlanRest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range left {
			n += c
		}
		if n != len(rest)-1 {
			t.Errorf("%d of the new plan's %d scans left", n, len(rest)-1)
		}
	})
}

// TestWaveOfAnEarlierPlanOfTheSameNight: a nightly job retried after its
// own night plans the next night; that night's own job plans the same
// window again. The earlier plan's waves then stop: a wave belongs to the
// plan made at its time, not to the window.
func TestWaveOfAnEarlierPlanOfTheSameNight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f, _ := waveFixture(t, st)
		early, err := jobs.MakePlan(ctx, f.deps, false)
		if err != nil {
			t.Fatal(err)
		}
		if w, err := jobs.EnqueuePlan(ctx, f.deps, "2026-11-24", early); err != nil || w.Left == 0 {
			t.Fatalf("the retried night's plan: %+v, %v", w, err)
		}
		time.Sleep(2 * time.Millisecond)
		own, err := jobs.MakePlan(ctx, f.deps, false)
		if err != nil || own.Window() != early.Window() || !own.PlannedAt.After(early.PlannedAt) {
			t.Fatalf("the night's own plan: %v, %v", own.Window(), err)
		}
		w, err := jobs.EnqueuePlan(ctx, f.deps, "2026-11-25", own)
		if err != nil {
			t.Fatal(err)
		}
		if stale, err := jobs.QueueWave(ctx, f.deps, jobs.WaveArgs("2026-11-24", early)); err != nil || stale != (jobs.Wave{}) {
			t.Errorf("a wave of the earlier plan: %+v, %v", stale, err)
		}
		if next, err := jobs.QueueWave(ctx, f.deps, jobs.WaveArgs("2026-11-25", own)); err != nil || next.Left != w.Left {
			t.Errorf("a wave of the night's own plan: %+v (%d left before), %v", next, w.Left, err)
		}
	})
}

// TestWaveLeavesOutWhatWasScannedSince: a domain staff scanned after the
// plan was made is not queued again by a later wave of that plan.
func TestWaveLeavesOutWhatWasScannedSince(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f, plan := waveFixture(t, st)
		w, err := jobs.EnqueuePlan(ctx, f.deps, "2026-11-25", plan)
		if err != nil || w.Left == 0 {
			t.Fatalf("plan: %+v, %v", w, err)
		}
		queued := queuedOnce(t, st)
		var later string // a domain of the rest
		for _, d := range plan.Domains {
			if queued[d.Name] == 0 {
				later = d.Name
				break
			}
		}
		if _, err := f.deps.Scanner.Scan(ctx, later); err != nil {
			t.Fatal(err)
		}
		skipped := 0
		for w.Left > 0 {
			if err := finishScans(ctx, st); err != nil {
				t.Fatal(err)
			}
			if w, err = jobs.QueueWave(ctx, f.deps, jobs.WaveArgs("2026-11-25", plan)); err != nil {
				t.Fatal(err)
			}
			skipped += w.Skipped
		}
		queued = queuedOnce(t, st)
		if queued[later] != 0 || skipped != 1 || len(queued) != len(plan.Domains)-1 {
			t.Errorf("%s, scanned since the plan, queued %d times; %d skipped, %d of %d queued", later, queued[later], skipped,
				len(queued), len(plan.Domains))
		}
	})
}
