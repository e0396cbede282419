package jobs_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/jobs"
	"github.com/afscherm/afscherm/internal/lookup/rdap"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/ratelimit"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// The nightly-scan benchmark: 5,000 domains spread over 10 RDAP servers,
// each refusing more than 50 requests a second (429) and answering after
// 20 ms. The least possible time is 500 domains / 50 per second = 10 s; the
// benchmark reports the time taken, its ratio to those 10 s, and the 429
// answers after the first second.
//
//	go test -run XXX -bench NightlyScan -benchtime 1x ./internal/jobs/
//
// with AFSCHERM_TEST_POSTGRES_URL set for the PostgreSQL half.
const (
	benchServers   = 10
	benchPerServer = 500
	benchRate      = 50
	benchLatency   = 20 * time.Millisecond
)

var benchTLDs = []string{"nl", "be", "eu", "de", "org", "com", "net", "fr", "uk", "cz"}

func BenchmarkNightlyScan(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				run := setUpBenchmark(b, backend)
				b.StartTimer()
				took, late429 := run()
				b.StopTimer()
				ideal := float64(benchPerServer) / benchRate
				b.ReportMetric(took.Seconds(), "s/night")
				b.ReportMetric(took.Seconds()/ideal, "ratio-to-ideal")
				b.ReportMetric(float64(late429), "429s-after-1s")
				b.StartTimer()
			}
		})
	}
}

// setUpBenchmark fills a fresh database and world and returns the timed
// part: plan the night and work every scan.
func setUpBenchmark(b *testing.B, backend string) func() (time.Duration, int) {
	ctx := context.Background()
	st := storetest.Open(b, storetest.NewURL(b, backend), nil)
	world, err := sandbox.New(b.TempDir(), sandbox.ByName)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(world.Close)
	var servers []*struct {
		host string
	}
	for i := range benchServers {
		host := fmt.Sprintf("rdap.registry%d.test", i)
		if _, err := world.AddRDAP(host, benchTLDs[i:i+1], sandbox.StyleRegistrar,
			sandbox.Limits{Rate: benchRate, Latency: benchLatency}); err != nil {
			b.Fatal(err)
		}
		servers = append(servers, &struct{ host string }{host})
	}
	err = st.InTx(ctx, func(tx *store.Tx) error {
		for c := range benchServers * benchPerServer / 10 {
			cust := model.Customer{Number: fmt.Sprintf("B%04d", c), Name: fmt.Sprintf("Klant %d", c), Kind: model.CustomerPerson,
				Email: fmt.Sprintf("klant%d@example.nl", c), Country: "NL", Language: model.LanguageDutch}
			if err := tx.InsertCustomer(ctx, &cust); err != nil {
				return err
			}
			for k := range 10 {
				n := c*10 + k
				name := fmt.Sprintf("domein%04d.%s", n, benchTLDs[n%benchServers])
				if err := tx.InsertDomain(ctx, &model.Domain{Name: name, CustomerID: cust.ID, Registrar: "openprovider",
					AddedOn: model.NewDate(2026, 11, 25)}); err != nil {
					return err
				}
				world.Set(sandbox.Registration{Domain: name, Registrar: "Openprovider (sandbox)",
					Registrant: sandbox.Contact{Person: true, Name: cust.Name, Country: "NL", Email: cust.Email}, Publish: n%3 == 0})
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}

	rcfg, err := world.RDAPConfig()
	if err != nil {
		b.Fatal(err)
	}
	settings := jobs.DefaultSettings(amsterdam)
	settings.ScanWorkers = 100
	limiter := ratelimit.New(ratelimit.Limits{Default: benchRate})
	rcfg.Limiter, rcfg.MaxWait = limiter, settings.MaxLookupWait
	log := slog.New(slog.DiscardHandler)
	deps := jobs.Deps{Store: st, Log: log, Settings: settings, Rates: limiter.Configured,
		Scanner: &scan.Scanner{Store: st, RDAP: rdap.New(rcfg), Log: log}}
	client, err := jobs.NewClient(deps)
	if err != nil {
		b.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done, err := jobs.Start(runCtx, client, 10*time.Second, log)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stop(); <-done })

	events, cancel := client.Subscribe(river.EventKindJobCompleted)
	b.Cleanup(cancel)
	return func() (time.Duration, int) {
		start := time.Now()
		if _, err := client.Insert(ctx, jobs.NightlyScanArgs{Day: "2026-11-25", Now: true}, nil); err != nil {
			b.Fatal(err)
		}
		want := benchServers * benchPerServer
		timeout := time.After(5 * time.Minute)
		for done := 0; done < want; {
			select {
			case ev := <-events:
				if ev.Job.Kind == (jobs.ScanDomainArgs{}).Kind() {
					done++
				}
			case <-timeout:
				b.Fatalf("only %d of %d scans done", done, want)
			}
		}
		took := time.Since(start)
		late := 0
		var first, last time.Time
		for _, s := range servers {
			for _, h := range world.RDAPServer(s.host).Hits() {
				if h.Limited && h.At.After(start.Add(time.Second)) {
					late++
				}
				if first.IsZero() || h.At.Before(first) {
					first = h.At
				}
				if h.At.After(last) {
					last = h.At
				}
			}
		}
		b.Logf("first request after %s, last after %s, all done after %s",
			first.Sub(start).Round(time.Millisecond), last.Sub(start).Round(time.Millisecond), took.Round(time.Millisecond))
		return took, late
	}
}
