package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/database"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// BenchmarkScanAllCommand is the scan benchmark run as an operator runs
// it, from the command line: `afscherm scan --all` over 5,000 domains
// spread over 10 fake RDAP servers on loopback, each refusing more than 50
// requests a second (429) and answering after 20 ms. The least possible
// time is 500 domains / 50 per second = 10 s; it reports the ratio to that
// and the 429 answers after the first second.
//
//	go test -run XXX -bench ScanAllCommand -benchtime 1x -count 4 ./cmd/afscherm/
//
// with AFSCHERM_TEST_POSTGRES_URL set for the PostgreSQL half.
func BenchmarkScanAllCommand(b *testing.B) {
	const servers, perServer, rate = 10, 500, 50
	tlds := []string{"nl", "be", "eu", "de", "org", "com", "net", "fr", "uk", "cz"}
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				ctx := context.Background()
				url := storetest.NewURL(b, backend)
				dir := b.TempDir()
				world, err := sandbox.New(dir, sandbox.ByAddress)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(world.Close)
				world.Net.Spread() // each server its own address, as each registry its own host
				var hosts []string
				for i := range servers {
					host := fmt.Sprintf("rdap.registry%d.test", i)
					if _, err := world.AddRDAP(host, tlds[i:i+1], sandbox.StyleRegistrar,
						sandbox.Limits{Rate: rate, Latency: 20 * time.Millisecond}); err != nil {
						b.Fatal(err)
					}
					hosts = append(hosts, host)
				}
				st, err := database.Open(ctx, url, database.Options{})
				if err != nil {
					b.Fatal(err)
				}
				err = st.InTx(ctx, func(tx *store.Tx) error {
					for c := range servers * perServer / 10 {
						cust := model.Customer{Number: fmt.Sprintf("B%04d", c), Name: fmt.Sprintf("Klant %d", c), Kind: model.CustomerPerson,
							Email: fmt.Sprintf("klant%d@example.nl", c), Country: "NL", Language: model.LanguageDutch}
						if err := tx.InsertCustomer(ctx, &cust); err != nil {
							return err
						}
						for k := range 10 {
							n := c*10 + k
							name := fmt.Sprintf("domein%04d.%s", n, tlds[n%servers])
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
				st.Close()
				if err != nil {
					b.Fatal(err)
				}
				args := append([]string{"scan", "--all", "--database-url", url, "--rate-limit", fmt.Sprint(rate)}, worldFlags(b, world, dir)...)
				args = append(args, "--allow-private-lookups", "*")
				var errOut strings.Builder
				start := time.Now()
				b.StartTimer()
				code := run(ctx, args, testGetenv(nil), strings.NewReader(""), io.Discard, &errOut)
				b.StopTimer()
				took := time.Since(start)
				if code != exitOK {
					b.Fatalf("scan --all: exit %d: %s", code, errOut.String())
				}
				late := 0
				for _, h := range hosts {
					for _, hit := range world.RDAPServer(h).Hits() {
						if hit.Limited && hit.At.After(start.Add(time.Second)) {
							late++
						}
					}
				}
				b.ReportMetric(took.Seconds(), "s/run")
				b.ReportMetric(took.Seconds()/(perServer/rate), "ratio-to-ideal")
				b.ReportMetric(float64(late), "429s-after-1s")
				b.StartTimer()
			}
		})
	}
}
