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
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				ctx := context.Background()
				url := storetest.NewURL(b, backend)
				world, hosts, flags := benchRegistries(b, url, servers*perServer, servers, rate)
				args := append([]string{"scan", "--all", "--database-url", url}, flags...)
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

// benchRegistries starts servers fake RDAP registries, each on its own
// loopback address as each registry is its own host, refusing more than
// rate requests a second and answering after 20 ms; puts n domains, spread
// over their TLDs, in the database at url and in the registries; and
// returns the world, its hosts and the lookup flags that reach them at
// rate requests a second.
func benchRegistries(b *testing.B, url string, n, servers, rate int) (*sandbox.World, []string, []string) {
	b.Helper()
	tlds := []string{"nl", "be", "eu", "de", "org", "com", "net", "fr", "uk", "cz"}[:servers]
	ctx := context.Background()
	dir := b.TempDir()
	world, err := sandbox.New(dir, sandbox.ByAddress)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(world.Close)
	world.Net.Spread()
	var hosts []string
	for i, tld := range tlds {
		host := fmt.Sprintf("rdap.registry%d.test", i)
		if _, err := world.AddRDAP(host, []string{tld}, sandbox.StyleRegistrar,
			sandbox.Limits{Rate: float64(rate), Latency: 20 * time.Millisecond}); err != nil {
			b.Fatal(err)
		}
		hosts = append(hosts, host)
	}
	st, err := database.Open(ctx, url, database.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	err = st.InTx(ctx, func(tx *store.Tx) error {
		var cust model.Customer
		for i := range n {
			if i%10 == 0 {
				cust = model.Customer{Number: fmt.Sprintf("B%06d", i/10), Name: fmt.Sprintf("Klant %d", i/10), Kind: model.CustomerPerson,
					Email: fmt.Sprintf("klant%d@example.nl", i/10), Country: "NL", Language: model.LanguageDutch}
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
	flags := append([]string{"--rate-limit", fmt.Sprint(rate), "--allow-private-lookups", "*"}, worldFlags(b, world, dir)...)
	return world, hosts, flags
}
