package main

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/jobs"
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
	for b.Loop() {
		b.StopTimer()
		ctx := context.Background()
		url := storetest.NewURL(b, "postgres")
		world, hosts, flags := benchRegistries(b, url, n, servers, rate)
		st := storetest.Open(b, url, nil)
		common := append([]string{"worker", "--database-url", url, "--scan-workers", "50"}, flags...)
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
