package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/jobs"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// BenchmarkThreeWorkers: three `afscherm worker` processes on one
// PostgreSQL database share a night of 30,000 domains (AFSCHERM_BENCH_WORKER_DOMAINS
// to change it) over 10 fake RDAP servers, each on its own loopback
// address, refusing more than 50 requests a second and answering after 20
// ms. Each process is told 50 a second per server and must take a third.
// The least possible time is 3,000 domains / 50 a second = 60 s; it reports
// the ratio to that and the 429 answers after the first second.
//
//	AFSCHERM_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	  go test -run XXX -bench ThreeWorkers -benchtime 1x ./cmd/afscherm/
func BenchmarkThreeWorkers(b *testing.B) {
	const servers, rate, processes = 10, 50, 3
	n := 30_000
	if v, err := strconv.Atoi(os.Getenv("AFSCHERM_BENCH_WORKER_DOMAINS")); err == nil && v > 0 {
		n = v
	}
	tlds := []string{"nl", "be", "eu", "de", "org", "com", "net", "fr", "uk", "cz"}
	for b.Loop() {
		b.StopTimer()
		ctx := context.Background()
		url := storetest.NewURL(b, "postgres")
		dir := b.TempDir()
		world, err := sandbox.New(dir, sandbox.ByAddress)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(world.Close)
		world.Net.Spread()
		var hosts []string
		for i := range servers {
			host := fmt.Sprintf("rdap.registry%d.test", i)
			if _, err := world.AddRDAP(host, tlds[i:i+1], sandbox.StyleRegistrar,
				sandbox.Limits{Rate: rate, Latency: 20 * time.Millisecond}); err != nil {
				b.Fatal(err)
			}
			hosts = append(hosts, host)
		}
		st := storetest.Open(b, url, nil)
		err = st.InTx(ctx, func(tx *store.Tx) error {
			var cust model.Customer
			for i := range n {
				if i%10 == 0 {
					cust = model.Customer{Number: fmt.Sprintf("W%06d", i/10), Name: "Klant", Kind: model.CustomerPerson,
						Email: "klant@example.nl", Country: "NL", Language: model.LanguageDutch}
					if err := tx.InsertCustomer(ctx, &cust); err != nil {
						return err
					}
				}
				name := fmt.Sprintf("domein%06d.%s", i, tlds[i%servers])
				if err := tx.InsertDomain(ctx, &model.Domain{Name: name, CustomerID: cust.ID, Registrar: "openprovider",
					AddedOn: model.NewDate(2026, 11, 25)}); err != nil {
					return err
				}
				world.Set(sandbox.Registration{Domain: name, Registrar: "Openprovider (sandbox)",
					Registrant: sandbox.Contact{Person: true, Name: cust.Name, Country: "NL", Email: cust.Email}, Publish: i%3 == 0})
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		common := append([]string{"worker", "--database-url", url, "--scan-workers", "50", "--rate-limit", fmt.Sprint(rate),
			"--allow-private-lookups", "*"}, worldFlags(b, world, dir)...)
		var ps []*process
		for range processes {
			p := start(b, common...)
			ps = append(ps, p)
		}
		for _, p := range ps {
			p.waitLog(b, "working jobs")
		}
		client, err := st.NewJobClient(&river.Config{})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		b.StartTimer()
		if _, err := client.Insert(ctx, jobs.NightlyScanArgs{Day: "2026-11-25", Now: true}, nil); err != nil {
			b.Fatal(err)
		}
		deadline := start.Add(10 * time.Minute)
		for {
			cov, err := st.Coverage(ctx, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			if cov.Never == 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d domains scanned after 10 minutes", n-cov.Never, n)
			}
			time.Sleep(100 * time.Millisecond)
		}
		b.StopTimer()
		took := time.Since(start)
		late := 0
		for _, h := range hosts {
			for _, hit := range world.RDAPServer(h).Hits() {
				if hit.Limited && hit.At.After(start.Add(time.Second)) {
					late++
				}
			}
		}
		for _, p := range ps {
			p.stop(b)
		}
		ideal := float64(n/servers) / rate
		b.ReportMetric(took.Seconds(), "s/night")
		b.ReportMetric(took.Seconds()/ideal, "ratio-to-ideal")
		b.ReportMetric(float64(late), "429s-after-1s")
		b.StartTimer()
	}
}
