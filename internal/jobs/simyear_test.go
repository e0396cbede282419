package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/afscherm/afscherm/internal/jobs"
	"github.com/afscherm/afscherm/internal/lookup/rdap"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// The simulated year of issue 14: N domains on one registry server at a
// shared rate, a nightly window from 22:00 to 06:00 in Amsterdam, a fake
// clock. Each night the plan is made at the window's start and its first
// wave queued (jobs.MakePlan, jobs.EnqueuePlan), then the queue is
// "worked": the waiting scan jobs are taken in the order River would take
// them (oldest first), each gets a synthetic scan result recorded through
// the store's RecordScan at the time the rate allows, and its job is
// marked completed in River's table; whenever the plan's next wave is due
// it is queued (jobs.QueueWave), as the wave job would. Every fifth night
// is cut short at 70% of the window's lookups, so that scans carry over. Completed jobs are removed the next
// night, as River's job cleaner does after a day.
//
// The synthetic registry: about 5% of the domains publish their holder
// (exposed); at each scan a domain's data changes with a chance of 1 in
// 100, an exposed holder hides (2%), a hidden one appears (0.1%); each
// night the import changes about 1 domain in 500.
//
//	go test ./internal/jobs -run '^$' -bench SimulatedYear -benchtime 1x -timeout 3h
//
// sizes it as the issue does (50,000 domains, 1 request a second, 365
// nights); AFSCHERM_SIM_DOMAINS, AFSCHERM_SIM_NIGHTS and AFSCHERM_SIM_RATE
// make it smaller. Without AFSCHERM_SIM_RATE the rate is 1 request a
// second per 50,000 domains, which keeps the round of two nights.
// AFSCHERM_SIM_BACKENDS (sqlite,postgres) picks the backends.
//
// Figures on 2 cores (2026-12-06), with the waves, the two runs mostly
// beside each other: none queued twice, the queue at most 600 scans (60
// for 5,000 domains), no exposed domain missed after the first round, at
// most 3 nights between two scans of a domain (a round of 2), the server
// never waiting for a wave, 82 waves a night:
//
//	50,000 × 365, SQLite:     4528 s, 9,040,320 scans, 158,156 rows, 89.5 MiB, plan ≤0.90 s, overview queries 108 ms
//	5,000 × 365, PostgreSQL:  2942 s, 904,032 scans, 15,523 rows, plan ≤0.26 s, overview queries 7.8 ms
func BenchmarkSimulatedYear(b *testing.B) {
	cfg := simConfig{Domains: envInt("AFSCHERM_SIM_DOMAINS", 50000), Nights: envInt("AFSCHERM_SIM_NIGHTS", 365)}
	cfg.Rate = float64(cfg.Domains) / 50000
	if r, err := strconv.ParseFloat(os.Getenv("AFSCHERM_SIM_RATE"), 64); err == nil && r > 0 {
		cfg.Rate = r
	}
	backends := storetest.Backends
	if s := os.Getenv("AFSCHERM_SIM_BACKENDS"); s != "" {
		backends = strings.Split(s, ",")
	}
	for _, backend := range backends {
		b.Run(backend, func(b *testing.B) {
			for b.Loop() {
				rep := simulateYear(b, backend, cfg)
				b.Logf("%s, %+v: %+v", backend, cfg, rep)
				b.ReportMetric(float64(rep.Duplicates), "queued-twice")
				b.ReportMetric(float64(rep.MaxQueue), "max-queue")
				b.ReportMetric(float64(rep.OverBudget), "nights-over-budget")
				b.ReportMetric(float64(rep.NightBudget), "night-budget")
				b.ReportMetric(float64(rep.RoundNights), "round-nights")
				b.ReportMetric(float64(rep.MaxGap), "max-nights-between-scans")
				b.ReportMetric(float64(rep.NeverScanned), "never-scanned")
				b.ReportMetric(float64(rep.PriorityMissed), "priority-missed")
				b.ReportMetric(float64(rep.PriorityFirstRound), "priority-missed-first-round")
				b.ReportMetric(float64(rep.PriorityFresh), "priority-skipped-fresh")
				b.ReportMetric(float64(rep.Scans), "scans")
				b.ReportMetric(float64(rep.Waves)/float64(cfg.Nights), "waves-per-night")
				b.ReportMetric(rep.Idle.Seconds(), "idle-s")
				b.ReportMetric(float64(rep.Rows), "scan-rows")
				b.ReportMetric(rep.PlanMax.Seconds(), "max-plan-s")
				b.ReportMetric(rep.Overview.Seconds()*1000, "overview-ms")
				if rep.DatabaseBytes > 0 {
					b.ReportMetric(float64(rep.DatabaseBytes)/(1<<20), "db-MiB")
				}
				rep.check(b, backend)
			}
		})
	}
}

// TestSimulatedYear is the year at a size a test can afford: 2,000 domains
// at a rate that makes a round take three nights, 60 nights.
func TestSimulatedYear(t *testing.T) {
	if testing.Short() {
		t.Skip("the simulated year takes a while")
	}
	// Waves an hour ahead, not scan.Lead's minutes, to keep the test short.
	cfg := simConfig{Domains: 2000, Nights: 60, Rate: 0.032, Lead: time.Hour}
	storetest.EachURL(t, func(t *testing.T, url string) {
		backend := "sqlite"
		if strings.HasPrefix(url, "postgres") {
			backend = "postgres"
		}
		rep := simulateYear(t, backend, cfg)
		t.Logf("%s: %+v", backend, rep)
		if rep.RoundNights != 3 {
			t.Errorf("a round takes %d nights, want 3", rep.RoundNights)
		}
		rep.check(t, backend)
	})
}

type simConfig struct {
	Domains, Nights int
	Rate            float64       // requests a second, the one server
	Lead            time.Duration // how far ahead waves fill the queue; scan.Lead when 0
}

// simReport is what the year showed.
type simReport struct {
	Duplicates     int // domains queued twice at once, or planned while waiting
	MaxQueue       int // the longest queue after a night's plan
	OverBudget     int // nights whose queue was longer than their budget
	NightBudget    int // the largest night's budget (a night is 7 to 9 hours across the clock changes)
	RoundNights    int // on an ordinary night
	MaxGap         int // the most nights between two scans of a domain, or from the first night to its first scan
	NeverScanned   int // domains never scanned in the whole year
	PriorityMissed int // exposed domains not scanned on a night though scanned before the previous night's window ended
	// PriorityFirstRound: the same while domains never scanned remained,
	// which the plan puts first.
	PriorityFirstRound int
	PriorityFresh      int           // exposed domains not scanned on a night because they were scanned since the previous night's window
	Waves              int           // the plans' first waves and the waves that topped the queue up
	Idle               time.Duration // the server waited for a wave while the night's plan had scans left
	Scans              int
	Rows               int // scan_results rows at the end
	PlanMax            time.Duration
	PlanTotal          time.Duration
	Overview           time.Duration // the overview's store queries after the year, the mean of 5
	DatabaseBytes      int64         // SQLite only: the database file and its WAL
}

func (r simReport) check(t testing.TB, backend string) {
	t.Helper()
	if r.Duplicates != 0 {
		t.Errorf("%s: %d domains queued twice", backend, r.Duplicates)
	}
	if r.OverBudget != 0 || r.MaxQueue > r.NightBudget {
		t.Errorf("%s: on %d nights the queue was longer than the night's budget (at most %d, budget up to %d)", backend,
			r.OverBudget, r.MaxQueue, r.NightBudget)
	}
	// The round, plus a night for the exposed domains that go first and
	// one for the nights cut short.
	if r.MaxGap > r.RoundNights+2 || r.NeverScanned != 0 {
		t.Errorf("%s: up to %d nights between scans (round %d), %d never scanned", backend, r.MaxGap, r.RoundNights, r.NeverScanned)
	}
	if r.PriorityMissed != 0 || r.PriorityFresh != 0 {
		t.Errorf("%s: exposed domains missed on %d domain-nights after the first round, %d as fresh", backend, r.PriorityMissed,
			r.PriorityFresh)
	}
	if r.Idle > 0 {
		t.Errorf("%s: the server waited %s for waves of the plan", backend, r.Idle)
	}
	if r.DatabaseBytes > 1<<30 {
		t.Errorf("%s: the database takes %d MiB", backend, r.DatabaseBytes>>20)
	}
	if r.Overview > 200*time.Millisecond {
		t.Errorf("%s: the overview's queries take %s", backend, r.Overview)
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// simDomain is one simulated domain's registry data and history.
type simDomain struct {
	name      string
	exposed   bool
	version   int
	customer  int64
	registrar int // the import's registrar, changed now and then
	lastNight int // the night of its last scan; -1: never
	// exposedKnown: its last scan found it exposed, at lastScan.
	exposedKnown bool
	lastScan     time.Time
}

func (d *simDomain) result(at time.Time) model.ScanResult {
	r := model.ScanResult{Domain: d.name, ScannedAt: at, Source: model.SourceRDAP, Server: "rdap.sim.test",
		Status: model.ScanOK, Registrar: model.Registrar{Name: "Registrar B.V.", IANAID: "1"}, Raw: []byte(`{}`)}
	if d.exposed {
		r.Verdict = model.VerdictExposed
		r.Fields = map[model.Field]model.FieldValue{
			model.FieldName:  {State: model.FieldVisible, Value: "Jan Jansen"},
			model.FieldEmail: {State: model.FieldVisible, Value: fmt.Sprintf("jan%d@example.nl", d.version)}}
		r.Evidence = []string{"a person's name with an e-mail address"}
	} else {
		r.Verdict = model.VerdictRedacted
		r.Fields = map[model.Field]model.FieldValue{model.FieldName: {State: model.FieldRedacted},
			model.FieldEmail: {State: model.FieldRedacted, Value: fmt.Sprintf("v%d", d.version)}}
		r.Evidence = []string{"redacted"}
	}
	return r
}

func simulateYear(t testing.TB, backend string, cfg simConfig) simReport {
	t.Helper()
	ctx := context.Background()
	url := storetest.NewURL(t, backend)
	now := time.Date(2026, 1, 5, 12, 0, 0, 0, amsterdam)
	st := storetest.Open(t, url, func() time.Time { return now })

	world, err := sandbox.New(t.TempDir(), sandbox.ByName)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(world.Close)
	if _, err := world.AddRDAP("rdap.sim.test", []string{"nl"}, sandbox.StyleRegistrar, sandbox.Limits{}); err != nil {
		t.Fatal(err)
	}
	rcfg, err := world.RDAPConfig()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	settings := jobs.DefaultSettings(amsterdam)
	settings.NightlyAt, settings.NightlyUntil = jobs.TimeOfDay{Hour: 22}, jobs.TimeOfDay{Hour: 6}
	settings.WaveLead = cfg.Lead
	deps := jobs.Deps{Store: st, Log: log, Settings: settings, Rates: func(string) float64 { return cfg.Rate },
		Scanner: &scan.Scanner{Store: st, RDAP: rdap.New(rcfg), Log: log}}
	client, err := st.NewJobClient(&river.Config{})
	if err != nil {
		t.Fatal(err)
	}

	domains := make([]*simDomain, cfg.Domains)
	byName := make(map[string]*simDomain, cfg.Domains)
	err = st.InTx(ctx, func(tx *store.Tx) error {
		var cust model.Customer
		for i := range domains {
			if i%10 == 0 {
				cust = model.Customer{Number: fmt.Sprintf("S%06d", i/10), Name: "Klant", Kind: model.CustomerPerson,
					Email: "klant@example.nl", Country: "NL", Language: model.LanguageDutch}
				if err := tx.InsertCustomer(ctx, &cust); err != nil {
					return err
				}
			}
			name := fmt.Sprintf("sim%06d.nl", i)
			h := fnv.New32a()
			h.Write([]byte(name))
			d := &simDomain{name: name, exposed: h.Sum32()%20 == 0, lastNight: -1, customer: cust.ID}
			domains[i], byName[name] = d, d
			if err := tx.InsertDomain(ctx, &model.Domain{Name: name, CustomerID: cust.ID, Registrar: "openprovider",
				AddedOn: model.NewDate(2026, 1, 1)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	rng := rand.New(rand.NewPCG(14, 365))
	night := settings.Night()
	var rep simReport
	completed := "CURRENT_TIMESTAMP"
	if backend == "postgres" {
		completed = "now()"
	}
	for n := range cfg.Nights {
		// River's cleaner removes the jobs completed more than a day ago.
		if err := storetest.Exec(ctx, st, `DELETE FROM river_job WHERE kind = 'scan_domain' AND state = 'completed'`); err != nil {
			t.Fatal(err)
		}
		// The import changes a domain now and then, in the afternoon.
		now = time.Date(2026, 1, 5+n, 15, 0, 0, 0, amsterdam)
		err := st.InTx(ctx, func(tx *store.Tx) error {
			for range cfg.Domains / 500 {
				d := domains[rng.IntN(len(domains))]
				d.registrar++
				if err := tx.UpdateDomain(ctx, &model.Domain{Name: d.name, CustomerID: d.customer, Registrar: fmt.Sprintf("registrar-%d", d.registrar),
					AddedOn: model.NewDate(2026, 1, 1)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		w := night.Tonight(now)
		now = w.Start
		day := now.Format(time.DateOnly)
		began := time.Now()
		plan, err := jobs.MakePlan(ctx, deps, false)
		if err != nil {
			t.Fatal(err)
		}
		wave, err := jobs.EnqueuePlan(ctx, deps, day, plan)
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(began)
		rep.PlanTotal += took
		rep.PlanMax = max(rep.PlanMax, took)
		rep.Duplicates += wave.Offered - wave.Queued
		rep.Waves++
		sp := plan.Servers[0]
		rep.NightBudget = max(rep.NightBudget, sp.NightBudget)
		if n == 0 { // an ordinary night, without a clock change
			rep.RoundNights = sp.Round.Nights
		}

		// Who is exposed, as the plan knew it, and due; while domains
		// never scanned remain, they go first.
		priority := map[string]bool{}
		firstRound := false
		for _, d := range domains {
			firstRound = firstRound || d.lastNight < 0
			if d.exposedKnown {
				priority[d.name] = now.Sub(d.lastScan) >= night.Fresh(plan.Window())
			}
		}

		// Work the queue at the rate, oldest first, topping it up with a
		// wave of the plan whenever one is due; some nights are cut short.
		limit := int(cfg.Rate * w.End.Sub(w.Start).Seconds())
		if n%5 == 2 {
			limit = limit * 7 / 10
		}
		step := time.Duration(float64(time.Second) / cfg.Rate)
		clock, waveAt, done := w.Start, w.Start.Add(wave.Next), 0
		for done < limit && clock.Before(w.End) {
			queue := waitingScanJobs(t, client)
			rep.MaxQueue = max(rep.MaxQueue, len(queue))
			if len(queue) > sp.NightBudget {
				rep.OverBudget++
			}
			seen := map[string]bool{}
			for _, j := range queue {
				var args jobs.ScanDomainArgs
				if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
					t.Fatal(err)
				}
				if seen[args.Domain] {
					rep.Duplicates++
				}
				seen[args.Domain] = true
			}
			worked := 0
			for worked < len(queue) && done < limit && (wave.Left == 0 || clock.Before(waveAt)) {
				size := min(500, len(queue)-worked, limit-done)
				if wave.Left > 0 { // the lookups until the next wave
					size = min(size, int(math.Ceil(float64(waveAt.Sub(clock))/float64(step))))
				}
				batch := queue[worked : worked+size]
				ids := make([]string, len(batch))
				err := st.InTx(ctx, func(tx *store.Tx) error {
					for i, j := range batch {
						var args jobs.ScanDomainArgs
						if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
							return err
						}
						d := byName[args.Domain]
						at := clock
						clock, now = clock.Add(step), at
						switch {
						case rng.IntN(100) == 0:
							d.version++
						case d.exposed && rng.IntN(50) == 0:
							d.exposed = false
						case !d.exposed && rng.IntN(1000) == 0:
							d.exposed = true
						}
						r := d.result(at)
						if _, err := tx.RecordScan(ctx, &r); err != nil {
							return err
						}
						if d.lastNight >= 0 {
							rep.MaxGap = max(rep.MaxGap, n-d.lastNight)
						} else {
							rep.MaxGap = max(rep.MaxGap, n+1)
						}
						d.lastNight, d.lastScan, d.exposedKnown = n, at, d.exposed
						delete(priority, d.name)
						rep.Scans++
						ids[i] = strconv.FormatInt(j.ID, 10)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if err := storetest.Exec(ctx, st, `UPDATE river_job SET state = 'completed', attempt = 1, finalized_at = `+completed+
					` WHERE id IN (`+strings.Join(ids, ",")+`)`); err != nil {
					t.Fatal(err)
				}
				worked += size
				done += size
			}
			if done >= limit || wave.Left == 0 && worked == len(queue) {
				break
			}
			if worked == len(queue) && clock.Before(waveAt) {
				rep.Idle += waveAt.Sub(clock) // the queue ran dry before the next wave
				clock = waveAt
			}
			now = clock
			wave, err = jobs.QueueWave(ctx, deps, jobs.WaveArgs(day, plan))
			if err != nil {
				t.Fatal(err)
			}
			rep.Duplicates += wave.Offered - wave.Queued
			rep.Waves++
			waveAt = clock.Add(wave.Next)
		}
		for _, due := range priority {
			switch {
			case due && firstRound:
				rep.PriorityFirstRound++
			case due:
				rep.PriorityMissed++
			default:
				rep.PriorityFresh++
			}
		}
	}
	for _, d := range domains {
		if d.lastNight < 0 {
			rep.NeverScanned++
		} else {
			rep.MaxGap = max(rep.MaxGap, cfg.Nights-1-d.lastNight)
		}
	}

	// The overview after the year: its store queries, as the page runs them.
	now = now.Add(4 * time.Hour)
	var spent time.Duration
	for range 5 {
		began := time.Now()
		overviewQueries(t, st, now)
		spent += time.Since(began)
	}
	rep.Overview = spent / 5
	rep.Rows = countScanRows(t, st, domains)
	if backend == "sqlite" {
		for _, suffix := range []string{"", "-wal"} {
			if fi, err := os.Stat(url + suffix); err == nil {
				rep.DatabaseBytes += fi.Size()
			}
		}
	}
	return rep
}

// overviewQueries runs what the console's overview page reads.
func overviewQueries(t testing.TB, st *store.Store, now time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.VerdictCounts(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RequestCounts(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.In(amsterdam)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, amsterdam)
	if _, err := st.LedgerEntries(ctx, store.LedgerFilter{From: month, To: month.AddDate(0, 1, 0)}); err != nil {
		t.Fatal(err)
	}
	from := now.AddDate(0, 0, -89)
	if _, err := st.ExposedPerDay(ctx, time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Coverage(ctx, now); err != nil {
		t.Fatal(err)
	}
}

// waitingScanJobs lists the scan jobs not finished, oldest first, as River
// takes them.
func waitingScanJobs(t testing.TB, client store.JobClient) []*rivertype.JobRow {
	t.Helper()
	var out []*rivertype.JobRow
	params := river.NewJobListParams().Kinds("scan_domain").States(rivertype.JobStateAvailable, rivertype.JobStatePending,
		rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled).First(10000)
	for {
		res, err := client.JobList(context.Background(), params)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.Jobs...)
		if len(res.Jobs) < 10000 {
			return out
		}
		params = params.After(res.LastCursor)
	}
}

// countScanRows counts the scan_results rows the year left.
func countScanRows(t testing.TB, st *store.Store, domains []*simDomain) int {
	t.Helper()
	rows := 0
	for _, d := range domains {
		rs, err := st.Scans(context.Background(), d.name, 0)
		if err != nil {
			t.Fatal(err)
		}
		rows += len(rs)
	}
	return rows
}
