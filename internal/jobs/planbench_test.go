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
// enough to plan every domain: reading the candidates, planning, and
// queueing a scan job per domain, as the nightly job does; then the same
// plan again, which queues nothing while those scans wait.
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
				queued, err := jobs.EnqueuePlan(ctx, st, "2026-11-25", plan)
				if err != nil || queued != n {
					b.Fatalf("queued %d of %d: %v", queued, n, err)
				}
				first := time.Since(start)
				again, err := jobs.MakePlan(ctx, deps, true)
				if err != nil || len(again.Domains) != 0 {
					b.Fatalf("a second plan while the first waits: %d domains, %v", len(again.Domains), err)
				}
				b.ReportMetric(planned.Seconds(), "s-to-plan")
				b.ReportMetric(first.Seconds(), "s-to-plan-and-queue")
				b.ReportMetric(time.Since(start).Seconds()-first.Seconds(), "s-to-replan")
			}
		})
	}
}
