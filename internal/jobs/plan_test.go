package jobs_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/afscherm/afscherm/internal/jobs"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/sandbox"
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
		n, err := jobs.EnqueuePlan(ctx, st, "2026-11-25", first)
		if err != nil || n != len(first.Domains) || n == 0 {
			t.Fatalf("first plan: %d planned, %d queued, %v", len(first.Domains), n, err)
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
		if _, err := jobs.EnqueuePlan(ctx, st, "2026-11-26", second); err != nil {
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
		if n, err := jobs.EnqueuePlan(ctx, st, "2026-11-27", first); err != nil || n != 0 {
			t.Errorf("the first plan again: %d queued, %v", n, err)
		}
		perDomain := map[string]int{}
		for _, j := range scanJobs(t, st) {
			perDomain[domainOf(t, j)]++
		}
		for d, n := range perDomain {
			if n != 1 {
				t.Errorf("%s: %d scan jobs", d, n)
			}
		}
		if len(perDomain) != len(first.Domains)+len(second.Domains) {
			t.Errorf("%d domains queued, want %d + %d", len(perDomain), len(first.Domains), len(second.Domains))
		}
	})
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
		if _, err := jobs.EnqueuePlan(ctx, st, "2026-11-25", plan); err != nil {
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
		if _, err := jobs.EnqueuePlan(ctx, st, "2026-11-25", now2); err != nil {
			t.Fatal(err)
		}
		for _, j := range scanJobs(t, st) {
			if j.State != rivertype.JobStateAvailable {
				t.Fatalf("job of %s: %s, want available", domainOf(t, j), j.State)
			}
		}
	})
}
