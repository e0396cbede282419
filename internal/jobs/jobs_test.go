package jobs_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/afscherm/afscherm/internal/jobs"
	"github.com/afscherm/afscherm/internal/lookup/rdap"
	"github.com/afscherm/afscherm/internal/lookup/rdap/rdaptest"
	"github.com/afscherm/afscherm/internal/lookup/whois"
	"github.com/afscherm/afscherm/internal/lookup/whois/whoistest"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/ratelimit"
	"github.com/afscherm/afscherm/internal/sampledata"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

var amsterdam, _ = time.LoadLocation("Europe/Amsterdam")

func TestDailyScheduleInAmsterdam(t *testing.T) {
	s := jobs.Daily(jobs.TimeOfDay{Hour: 2, Minute: 0}, amsterdam)
	for _, tc := range []struct{ now, want string }{
		{"2026-11-25T00:30:00Z", "2026-11-25T01:00:00Z"}, // 01:30 in Amsterdam: 02:00 CET today
		{"2026-11-25T01:00:00Z", "2026-11-26T01:00:00Z"}, // exactly 02:00: the next is tomorrow's
		{"2026-07-01T12:00:00Z", "2026-07-02T00:00:00Z"}, // summer: 02:00 CEST
		{"2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"}, // 02:00 does not exist that night; the same instant as 03:00 CEST
		{"2026-10-24T12:00:00Z", "2026-10-25T01:00:00Z"}, // 02:00 happens twice that night; once is enough
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		want, _ := time.Parse(time.RFC3339, tc.want)
		if got := s.Next(now); !got.Equal(want) {
			t.Errorf("Next(%s) = %s, want %s", tc.now, got.UTC().Format(time.RFC3339), tc.want)
		}
	}
	if _, err := jobs.ParseTimeOfDay("25:00"); err == nil {
		t.Error("25:00 accepted")
	}
}

type fixture struct {
	st      *store.Store
	world   *sandbox.World
	limiter *ratelimit.Limiter
	deps    jobs.Deps
}

func newFixture(t *testing.T, st *store.Store, limits sandbox.Limits) *fixture {
	t.Helper()
	ctx := context.Background()
	if _, err := sampledata.Import(ctx, st, model.NewDate(2026, 11, 25)); err != nil {
		t.Fatal(err)
	}
	w, err := sandbox.Standard(t.TempDir(), sandbox.ByName, limits)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	customers, _ := st.Customers(ctx)
	domains, _ := st.Domains(ctx, store.DomainFilter{})
	w.Register(customers, domains)
	f := &fixture{st: st, world: w, limiter: ratelimit.New(ratelimit.Limits{Default: 1000})}
	f.deps = f.newDeps(t)
	return f
}

func (f *fixture) newDeps(t *testing.T) jobs.Deps { return f.newDepsTimeout(t, 0) }

// newDepsTimeout is newDeps with a lookup timeout (0 for the default).
func (f *fixture) newDepsTimeout(t *testing.T, timeout time.Duration) jobs.Deps {
	rcfg, err := f.world.RDAPConfig()
	if err != nil {
		t.Fatal(err)
	}
	settings := jobs.DefaultSettings(amsterdam)
	settings.MaxLookupWait = 200 * time.Millisecond
	rcfg.Limiter, rcfg.MaxWait, rcfg.Timeout = f.limiter, settings.MaxLookupWait, timeout
	wcfg := f.world.WHOISConfig()
	wcfg.Limiter, wcfg.MaxWait, wcfg.Timeout = f.limiter, settings.MaxLookupWait, timeout
	log := slog.New(slog.DiscardHandler)
	return jobs.Deps{Store: f.st, Log: log, Settings: settings, Rates: f.limiter.Configured,
		Scanner: &scan.Scanner{Store: f.st, RDAP: rdap.New(rcfg), WHOIS: whois.New(wcfg), Log: log}}
}

// startClient starts a job client for the fixture, stopped when the test ends.
func (f *fixture) startClient(t *testing.T) store.JobClient {
	t.Helper()
	client, err := jobs.NewClient(f.deps)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done, err := jobs.Start(ctx, client, 5*time.Second, f.deps.Log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); <-done })
	return client
}

// waitForScans waits until no scan job is left to work.
func waitForScans(t *testing.T, client store.JobClient) []*rivertype.JobRow {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		res, err := client.JobList(context.Background(), river.NewJobListParams().Kinds("scan_domain").First(10000))
		if err != nil {
			t.Fatal(err)
		}
		open := 0
		for _, j := range res.Jobs {
			if j.State != rivertype.JobStateCompleted && j.State != rivertype.JobStateCancelled && j.State != rivertype.JobStateDiscarded {
				open++
			}
		}
		if open == 0 && len(res.Jobs) > 0 {
			return res.Jobs
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("scan jobs did not finish")
	return nil
}

func TestNightlyScanWorksEveryDomain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, sandbox.Limits{})
		client := f.startClient(t)
		if _, err := client.Insert(ctx, jobs.NightlyScanArgs{Day: "2026-11-25", Now: true}, nil); err != nil {
			t.Fatal(err)
		}
		jobsDone := waitForScans(t, client)
		if len(jobsDone) != 117 {
			t.Errorf("%d scan jobs, want 117", len(jobsDone))
		}
		counts, _ := st.VerdictCounts(ctx)
		if counts[""] != 0 || counts[model.VerdictExposed] == 0 {
			t.Errorf("verdicts after the night: %v", counts)
		}
		// The same night again plans nothing new: every domain was just
		// scanned.
		plan, err := jobs.MakePlan(ctx, f.deps, true)
		if err != nil {
			t.Fatal(err)
		}
		wave, err := jobs.EnqueuePlan(ctx, f.deps, "2026-11-25", plan)
		if err != nil || wave.Queued != 0 || len(plan.Domains) != 0 {
			t.Errorf("second plan for the same day: %d planned, %d queued, %v", len(plan.Domains), wave.Queued, err)
		}
	})
}

func TestRateLimitedScanSnoozesThenRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, sandbox.Limits{})
		f.world.RDAPServer("rdap.sidn.nl").Faults = map[string]rdaptest.Fault{"janvandenheuvel.nl": rdaptest.FaultTooMany}
		client := f.startClient(t)
		res, err := client.Insert(ctx, jobs.ScanDomainArgs{Domain: "janvandenheuvel.nl", Day: "2026-11-25"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			job, err := client.JobGet(ctx, res.Job.ID)
			if err != nil {
				t.Fatal(err)
			}
			if job.State == rivertype.JobStateScheduled && job.ScheduledAt.After(time.Now().Add(5*time.Second)) {
				break // snoozed for the server's Retry-After (7 s)
			}
			if time.Now().After(deadline) {
				t.Fatalf("job state %s, scheduled %s", job.State, job.ScheduledAt)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if scans, _ := st.Scans(ctx, "janvandenheuvel.nl", 0); len(scans) != 0 {
			t.Errorf("a snoozed scan was recorded as %s", scans[0].Status)
		}
	})
}

// TestRetentionJob works the daily retention job through River: raw
// responses go after their term, the scans stay.
func TestRetentionJob(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC)
		st := storetest.Open(t, url, func() time.Time { return now })
		f := newFixture(t, st, sandbox.Limits{})
		for _, name := range []string{"janvandenheuvel.nl", "janvandenheuvel.com"} {
			if _, err := f.deps.Scanner.Scan(ctx, name); err != nil {
				t.Fatal(err)
			}
		}
		work := func() {
			t.Helper()
			client, err := jobs.NewClient(f.deps)
			if err != nil {
				t.Fatal(err)
			}
			events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
			defer cancel()
			if err := client.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer client.Stop(ctx)
			if _, err := client.Insert(ctx, jobs.RetentionArgs{}, nil); err != nil {
				t.Fatal(err)
			}
			for ev := range events {
				if ev.Job.Kind == (jobs.RetentionArgs{}).Kind() {
					if ev.Kind != river.EventKindJobCompleted {
						t.Fatalf("retention job: %v", ev.Job.Errors)
					}
					return
				}
			}
		}
		work()
		if n, _ := st.CountRawResponses(ctx); n != 2 {
			t.Fatalf("%d raw responses left after a run inside their term", n)
		}
		now = now.Add(31 * 24 * time.Hour)
		work()
		if n, _ := st.CountRawResponses(ctx); n != 0 {
			t.Errorf("%d raw responses left", n)
		}
		scans, _ := st.Scans(ctx, "janvandenheuvel.nl", 0)
		if len(scans) != 1 || scans[0].Verdict == "" || len(scans[0].Fields) == 0 || scans[0].Fields[model.FieldEmail].Value == "" {
			t.Errorf("retention took more than the raw response: %+v", scans)
		}
		events, _ := st.AuditEvents(ctx, store.AuditFilter{Action: "retention.run"})
		if len(events) != 2 || events[1].Details["raw_responses"] != float64(2) {
			t.Errorf("retention events %+v", events)
		}
	})
}

func TestScanGivesUpAfterItsAttempts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, sandbox.Limits{})
		f.world.RDAPServer("rdap.sidn.nl").Faults = map[string]rdaptest.Fault{"janvandenheuvel.nl": rdaptest.FaultStatus500}
		f.world.WHOISServer("whois.domain-registry.nl").Faults = map[string]whoistest.Fault{"janvandenheuvel.nl": whoistest.FaultSilent}
		f.deps = f.newDepsTimeout(t, 300*time.Millisecond)
		client := f.startClient(t)
		// One attempt only, so the first failure is the last.
		res, err := client.Insert(ctx, jobs.ScanDomainArgs{Domain: "janvandenheuvel.nl", Day: "2026-11-25"}, &river.InsertOpts{MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			job, err := client.JobGet(ctx, res.Job.ID)
			if err != nil {
				t.Fatal(err)
			}
			if job.State == rivertype.JobStateCompleted {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s: %v", job.State, job.Errors)
			}
			time.Sleep(50 * time.Millisecond)
		}
		scans, _ := st.Scans(ctx, "janvandenheuvel.nl", 0)
		if len(scans) != 1 || scans[0].Status != model.ScanFailed || scans[0].FailureReason != "http_status" ||
			!strings.Contains(scans[0].FailureDetail, "whois") {
			t.Errorf("recorded %+v", scans)
		}
	})
}
