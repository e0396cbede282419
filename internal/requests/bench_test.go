package requests_test

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// The queueing benchmark: `request create --all-exposed` over benchExposed
// exposed domains, then again (the repeat only skips: every domain has an
// open request). Each run should take time in proportion to the domains,
// not to the domains times the requests already there.
//
//	go test -run XXX -bench CreateAllExposed -benchtime 1x ./internal/requests/
//
// with AFSCHERM_TEST_POSTGRES_URL set for the PostgreSQL half, and
// -args -exposed N for another number of domains.
var benchExposed = flag.Int("exposed", 2000, "exposed domains in BenchmarkCreateAllExposed")

func BenchmarkCreateAllExposed(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				env := exposedDomains(b, storetest.NewURL(b, backend), *benchExposed)
				var took [2]time.Duration
				for run := range took {
					start := time.Now()
					b.StartTimer()
					out, err := env.Service.CreateMany(context.Background(), requests.Selection{AllExposed: true}, staff,
						requests.CreateOptions{}, nil)
					b.StopTimer()
					took[run] = time.Since(start)
					if err != nil {
						b.Fatal(err)
					}
					created := 0
					for _, o := range out {
						if o.Request != nil {
							created++
						}
					}
					if want := []int{len(out), 0}[run]; created != want || len(out) < *benchExposed {
						b.Fatalf("run %d: %d requests for %d domains", run+1, created, len(out))
					}
				}
				b.ReportMetric(took[0].Seconds(), "s/first")
				b.ReportMetric(took[1].Seconds(), "s/repeat")
				b.StartTimer()
			}
		})
	}
}

// exposedDomains sets up the request flow with n more exposed domains,
// each scanned as the sample exposed domain was.
func exposedDomains(tb testing.TB, url string, n int) *requeststest.Env {
	tb.Helper()
	ctx := context.Background()
	env := requeststest.New(tb, url)
	sample, err := env.Store.Domain(ctx, exposed)
	if err != nil {
		tb.Fatal(err)
	}
	scan, err := env.Store.LatestScan(ctx, exposed)
	if err != nil {
		tb.Fatal(err)
	}
	err = env.Store.InTx(ctx, func(tx *store.Tx) error {
		for i := range n {
			d := model.Domain{Name: fmt.Sprintf("bulk%05d.nl", i), CustomerID: sample.CustomerID,
				Registrar: sample.Registrar, AddedOn: sample.AddedOn}
			if err := tx.InsertDomain(ctx, &d); err != nil {
				return err
			}
			s := scan
			s.ID, s.Domain, s.DomainID = 0, d.Name, d.ID
			if _, err := tx.RecordScan(ctx, &s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return env
}

// TestCreateAllExposedOncePerDomain queues requests in batches over more
// domains than one batch holds: a domain with an open request is skipped,
// every other gets one, and a repeat creates nothing.
func TestCreateAllExposedOncePerDomain(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		env := exposedDomains(t, url, 250)
		first, err := env.Service.Create(ctx, "bulk00123.nl", staff, requests.CreateOptions{Draft: true})
		if err != nil {
			t.Fatal(err)
		}
		// bulk00007.nl's newest scan failed (its verdict stays exposed):
		// the batch reads each domain's newest scan, not the exposed one.
		err = env.Store.InTx(ctx, func(tx *store.Tx) error {
			r := model.ScanResult{Domain: "bulk00007.nl", Source: model.SourceRDAP, Server: "rdap.sidn.nl", Status: model.ScanFailed,
				FailureReason: "timeout", Classification: model.Classification{Domain: "bulk00007.nl"}}
			_, err := tx.RecordScan(ctx, &r)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for run := range 2 {
			out, err := env.Service.CreateMany(ctx, requests.Selection{AllExposed: true}, staff, requests.CreateOptions{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			created := 0
			for _, o := range out {
				switch {
				case o.Request != nil:
					created++
				case o.Domain == "bulk00007.nl":
					if !strings.Contains(o.Skipped, "its last scan failed") {
						t.Errorf("run %d: %s skipped for %q", run+1, o.Domain, o.Skipped)
					}
				case o.Domain == "bulk00123.nl" || run == 1:
					if !strings.Contains(o.Skipped, "open request already") {
						t.Errorf("run %d: %s skipped for %q", run+1, o.Domain, o.Skipped)
					}
				}
			}
			if want := []int{len(out) - 2, 0}[run]; created != want || len(out) < 251 {
				t.Errorf("run %d: %d requests for %d domains, want %d", run+1, created, len(out), want)
			}
		}
		all, err := env.Store.Requests(ctx, store.RequestFilter{OpenOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		per := map[string]int{}
		for _, r := range all {
			per[r.Domain]++
			if r.Domain == "bulk00123.nl" && r.ID != first.ID {
				t.Errorf("bulk00123.nl has request %d besides %d", r.ID, first.ID)
			}
		}
		for d, n := range per {
			if n != 1 {
				t.Errorf("%s has %d open requests", d, n)
			}
		}
		if len(per) < 251 {
			t.Errorf("%d domains with an open request", len(per))
		}
		if open, err := env.Store.OpenRequest(ctx, first.DomainID); err != nil || open.ID != first.ID {
			t.Errorf("OpenRequest: %d, %v", open.ID, err)
		}
	})
}

// TestCreateAllExposedTwiceAtOnce: two staff queue every exposed domain at
// the same moment. Batches that meet the other's requests are written one
// by one, each checked again: every domain gets one request, from one of
// the two, and neither fails.
func TestCreateAllExposedTwiceAtOnce(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		env := exposedDomains(t, url, 300)
		var created [2]int
		var errs [2]error
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() {
				out, err := env.Service.CreateMany(ctx, requests.Selection{AllExposed: true}, staff, requests.CreateOptions{Draft: true}, nil)
				errs[i] = err
				for _, o := range out {
					if o.Request != nil {
						created[i]++
					}
				}
			})
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatal(errs)
		}
		all, err := env.Store.Requests(ctx, store.RequestFilter{OpenOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		per := map[string]int{}
		for _, r := range all {
			per[r.Domain]++
		}
		for d, n := range per {
			if n != 1 {
				t.Errorf("%s has %d open requests", d, n)
			}
		}
		if created[0]+created[1] != len(all) || len(per) < 300 {
			t.Errorf("created %v, %d open requests for %d domains", created, len(all), len(per))
		}
	})
}
