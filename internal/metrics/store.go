package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
)

// storeTimeout bounds the queries of one scrape, well within Prometheus's
// default scrape timeout of 10 s.
const storeTimeout = 5 * time.Second

// NoVerdict is the verdict label of domains without one: not scanned yet,
// not registered, or only failed scans.
const NoVerdict = "none"

// Job listing: River offers no count, so the jobs are listed a page at a
// time, up to a bound that keeps a scrape cheap when a queue runs away.
const (
	jobPage      = 5_000
	maxJobsTaken = 100_000
)

// jobStates are the states counted. Completed jobs are not: River keeps a
// day of them, a whole nightly scan, and listing those at every scrape
// would cost more than the count tells.
var jobStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateDiscarded, rivertype.JobStateCancelled,
}

var (
	requestsDesc = prometheus.NewDesc("afscherm_requests",
		"Privacy requests by state.", []string{"state"}, nil)
	domainsDesc = prometheus.NewDesc("afscherm_domains",
		"Active domains by their latest verdict; "+NoVerdict+" for those without one.", []string{"verdict"}, nil)
	jobsDesc = prometheus.NewDesc("afscherm_jobs",
		"Jobs in the queue by kind and state; completed jobs are not counted.", []string{"kind", "state"}, nil)
	jobWaitDesc = prometheus.NewDesc("afscherm_job_wait_seconds",
		"How long the oldest available job of a kind has been waiting for a worker; absent when none waits.", []string{"kind"}, nil)
	scanOldestDesc = prometheus.NewDesc("afscherm_scan_oldest_seconds",
		"Seconds since the last scan of the active domain under a TLD (without the dot) scanned longest ago; "+
			"a TLD with no domain scanned yet has no series.", []string{"tld"}, nil)
	scanBudgetDesc = prometheus.NewDesc("afscherm_scan_budget",
		"Lookups a whole nightly window allows a server (its rate over --nightly-at to --nightly-until, less a tenth for retries), "+
			"from the latest plan.", []string{"server"}, nil)
	scanRoundDesc = prometheus.NewDesc("afscherm_scan_round_nights",
		"Nights a full round of a server's active domains takes at its budget, from the latest plan; +Inf when the budget allows none.",
		[]string{"server"}, nil)
	scanOverdueDesc = prometheus.NewDesc("afscherm_scan_overdue_domains",
		"Domains of a server not scanned within --scan-every that did not fit in the latest plan.", []string{"server"}, nil)
	storeUpDesc = prometheus.NewDesc("afscherm_store_up",
		"1 when the database answered every query of this scrape, 0 when it did not.", nil, nil)
)

// WatchStore adds the metrics read from the database at each scrape:
// requests by state, domains by verdict, the age of the oldest scan per
// TLD, and the job queue. Call it in one process only (afscherm serve):
// the numbers are the database's, not the process's. Failures are logged
// to log, which may be nil.
func (m *Metrics) WatchStore(st *store.Store, log *slog.Logger) error {
	jobs, err := st.NewJobClient(&river.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("metrics: job client: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := m.reg.Register(&storeCollector{st: st, jobs: jobs, log: log}); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// storeCollector reads the database when Prometheus scrapes.
type storeCollector struct {
	st   *store.Store
	jobs store.JobClient
	log  *slog.Logger
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{requestsDesc, domainsDesc, scanOldestDesc, scanBudgetDesc, scanRoundDesc, scanOverdueDesc,
		jobsDesc, jobWaitDesc, storeUpDesc} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	errs := []error{c.collectRequests(ctx, ch), c.collectDomains(ctx, ch), c.collectCoverage(ctx, ch), c.collectPlan(ctx, ch), c.collectJobs(ctx, ch)}
	up := 1.0
	if err := errors.Join(errs...); err != nil {
		up = 0
		c.log.Warn("metrics: reading the database", "err", err)
	}
	ch <- prometheus.MustNewConstMetric(storeUpDesc, prometheus.GaugeValue, up)
}

func (c *storeCollector) collectRequests(ctx context.Context, ch chan<- prometheus.Metric) error {
	counts, err := c.st.RequestCounts(ctx)
	if err != nil {
		return err
	}
	for _, s := range model.RequestStates {
		ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.GaugeValue, float64(counts[s]), string(s))
	}
	for s, n := range counts { // a state the model no longer knows still counts
		if !slices.Contains(model.RequestStates, s) {
			ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.GaugeValue, float64(n), string(s))
		}
	}
	return nil
}

func (c *storeCollector) collectDomains(ctx context.Context, ch chan<- prometheus.Metric) error {
	counts, err := c.st.VerdictCounts(ctx)
	if err != nil {
		return err
	}
	for _, v := range model.Verdicts {
		ch <- prometheus.MustNewConstMetric(domainsDesc, prometheus.GaugeValue, float64(counts[v]), string(v))
	}
	ch <- prometheus.MustNewConstMetric(domainsDesc, prometheus.GaugeValue, float64(counts[""]), NoVerdict)
	for v, n := range counts {
		if v != "" && !slices.Contains(model.Verdicts, v) {
			ch <- prometheus.MustNewConstMetric(domainsDesc, prometheus.GaugeValue, float64(n), string(v))
		}
	}
	return nil
}

// collectCoverage gives, per TLD, how long ago the active domain scanned
// longest ago was last scanned, by the store's clock.
func (c *storeCollector) collectCoverage(ctx context.Context, ch chan<- prometheus.Metric) error {
	cov, err := c.st.Coverage(ctx, c.st.Now())
	if err != nil {
		return err
	}
	for _, t := range cov.ByTLD {
		if !t.Oldest.IsZero() {
			ch <- prometheus.MustNewConstMetric(scanOldestDesc, prometheus.GaugeValue, max(0, cov.At.Sub(t.Oldest).Seconds()), t.TLD)
		}
	}
	return nil
}

// collectPlan gives each server's budget, round and overdue domains from
// the latest nightly plan; nothing before the first.
func (c *storeCollector) collectPlan(ctx context.Context, ch chan<- prometheus.Metric) error {
	plan, ok, err := c.st.LatestScanPlan(ctx)
	if err != nil || !ok {
		return err
	}
	for _, s := range plan.Servers {
		round := float64(s.Round.Nights)
		if s.Round.Never {
			round = math.Inf(1)
		}
		ch <- prometheus.MustNewConstMetric(scanBudgetDesc, prometheus.GaugeValue, float64(s.NightBudget), s.Server)
		ch <- prometheus.MustNewConstMetric(scanRoundDesc, prometheus.GaugeValue, round, s.Server)
		ch <- prometheus.MustNewConstMetric(scanOverdueDesc, prometheus.GaugeValue, float64(s.Overdue), s.Server)
	}
	return nil
}

type jobKey struct{ kind, state string }

func (c *storeCollector) collectJobs(ctx context.Context, ch chan<- prometheus.Metric) error {
	counts := map[jobKey]int{}
	oldest := map[string]time.Time{} // the oldest available job's time, by kind
	params := river.NewJobListParams().States(jobStates...).First(jobPage)
	for taken := 0; taken < maxJobsTaken; {
		res, err := c.jobs.JobList(ctx, params)
		if err != nil {
			return fmt.Errorf("list jobs: %w", err)
		}
		for _, j := range res.Jobs {
			counts[jobKey{j.Kind, string(j.State)}]++
			if t, ok := oldest[j.Kind]; j.State == rivertype.JobStateAvailable && (!ok || j.ScheduledAt.Before(t)) {
				oldest[j.Kind] = j.ScheduledAt
			}
		}
		taken += len(res.Jobs)
		if len(res.Jobs) < jobPage {
			break
		}
		params = params.After(res.LastCursor)
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), k.kind, k.state)
	}
	now := time.Now()
	for kind, t := range oldest {
		ch <- prometheus.MustNewConstMetric(jobWaitDesc, prometheus.GaugeValue, max(0, now.Sub(t).Seconds()), kind)
	}
	return nil
}
