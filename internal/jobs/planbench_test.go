package jobs_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/jobs"
	"github.com/afscherm/afscherm/internal/lookup/rdap"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/ratelimit"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// BenchmarkNightlyPlan times the nightly plan of 100,000 active domains
// (AFSCHERM_BENCH_PLAN_DOMAINS to change it) over six RDAP servers fast
// enough to plan every domain: reading the candidates and planning
// (s-to-plan), then keeping the plan and queueing its first wave, as the
// nightly job does (s-to-plan-and-queue); then, each time the queue has
// drained, the waves that queue the rest (s-per-wave, the slowest;
// s-all-waves, the night's queueing after the plan, in all).
//
//	go test -run XXX -bench NightlyPlan -benchtime 1x ./internal/jobs/
func BenchmarkNightlyPlan(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("AFSCHERM_BENCH_PLAN_DOMAINS")); err == nil && v > 0 {
		n = v
	}
	tlds := []string{"nl", "be", "eu", "de", "org", "com"}
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			ctx := context.Background()
			st := storetest.Open(b, storetest.NewURL(b, backend), nil)
			err := st.InTx(ctx, func(tx *store.Tx) error {
				var cust model.Customer
				for i := range n {
					if i%5 == 0 {
						cust = model.Customer{Number: fmt.Sprintf("P%06d", i/5), Name: "Klant", Kind: model.CustomerPerson,
							Email: "klant@example.nl", Country: "NL", Language: model.LanguageDutch}
						if err := tx.InsertCustomer(ctx, &cust); err != nil {
							return err
						}
					}
					if err := tx.InsertDomain(ctx, &model.Domain{Name: fmt.Sprintf("domein%06d.%s", i, tlds[i%len(tlds)]),
						CustomerID: cust.ID, Registrar: "openprovider", AddedOn: model.NewDate(2026, 11, 25)}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			bootstrap := filepath.Join(b.TempDir(), "dns.json")
			services := ""
			for i, t := range tlds {
				if i > 0 {
					services += ","
				}
				services += fmt.Sprintf(`[["%s"],["https://rdap.%s.test/"]]`, t, t)
			}
			if err := os.WriteFile(bootstrap, []byte(`{"version":"1.0","services":[`+services+`]}`), 0o600); err != nil {
				b.Fatal(err)
			}
			limiter := ratelimit.New(ratelimit.Limits{Default: 100})
			log := slog.New(slog.DiscardHandler)
			deps := jobs.Deps{Store: st, Log: log, Settings: jobs.DefaultSettings(amsterdam), Rates: limiter.Configured,
				Scanner: &scan.Scanner{Store: st, RDAP: rdap.New(rdap.Config{Bootstrap: bootstrap, Limiter: limiter}), Log: log}}
			for b.Loop() {
				b.StopTimer()
				if err := storetest.Exec(ctx, st, "DELETE FROM river_job"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				plan, err := jobs.MakePlan(ctx, deps, true)
				if err != nil {
					b.Fatal(err)
				}
				planned := time.Since(start)
				wave, err := jobs.EnqueuePlan(ctx, deps, "2026-11-25", plan)
				if err != nil || wave.Queued+wave.Left != n || wave.Queued > 500+scan.WaveMax { // the first 500 scans, then a wave
					b.Fatalf("queued %+v of %d: %v", wave, n, err)
				}
				first := time.Since(start)
				var slowest, waves time.Duration
				for queued := wave.Queued; wave.Left > 0; queued += wave.Queued {
					// The scans finished: the queue is empty.
					b.StopTimer()
					if err := finishScans(ctx, st); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					began := time.Now()
					wave, err = jobs.QueueWave(ctx, deps, jobs.WaveArgs("2026-11-25", plan))
					took := time.Since(began)
					if err != nil || wave.Queued == 0 || wave.Queued > scan.WaveMax || queued+wave.Queued+wave.Left != n {
						b.Fatalf("a wave after %d queued: %+v, %v", queued, wave, err)
					}
					slowest, waves = max(slowest, took), waves+took
				}
				b.ReportMetric(planned.Seconds(), "s-to-plan")
				b.ReportMetric(first.Seconds(), "s-to-plan-and-queue")
				b.ReportMetric(slowest.Seconds(), "s-per-wave")
				b.ReportMetric(waves.Seconds(), "s-all-waves")
			}
		})
	}
}
