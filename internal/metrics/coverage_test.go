package metrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/metrics"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestScanOldest: afscherm_scan_oldest_seconds gives, per TLD, the age of
// the oldest last scan by the store's clock, which moves between scrapes;
// a TLD without a scanned domain has no series, and a removed domain does
// not count.
func TestScanOldest(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		now := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
		st := storetest.Open(t, url, func() time.Time { return now })
		m := metrics.New()
		if err := m.WatchStore(st, nil); err != nil {
			t.Fatal(err)
		}
		err := st.InTx(ctx, func(tx *store.Tx) error {
			c := model.Customer{Number: "M1", Name: "Jan de Vries", Kind: model.CustomerPerson, Email: "jan@example.nl",
				Country: "NL", Language: model.LanguageDutch}
			if err := tx.InsertCustomer(ctx, &c); err != nil {
				return err
			}
			for _, name := range []string{"oud.nl", "nieuw.nl", "weg.nl", "een.be", "nooit.de"} {
				if err := tx.InsertDomain(ctx, &model.Domain{Name: name, CustomerID: c.ID, Registrar: "sidn", AddedOn: model.NewDate(2026, 1, 1)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		scanAt := func(name string, at time.Time) {
			t.Helper()
			r := model.ScanResult{Domain: name, ScannedAt: at, Source: model.SourceRDAP, Status: model.ScanOK,
				Classification: model.Classification{Verdict: model.VerdictRedacted}}
			if err := st.InTx(ctx, func(tx *store.Tx) error { _, err := tx.RecordScan(ctx, &r); return err }); err != nil {
				t.Fatal(err)
			}
		}
		scanAt("weg.nl", now.AddDate(0, 0, -60))
		scanAt("oud.nl", now.AddDate(0, 0, -10))
		scanAt("nieuw.nl", now.Add(-time.Hour))
		scanAt("een.be", now.Add(-2*time.Hour))
		if err := storetest.Exec(ctx, st, "UPDATE domains SET removed_on = '2026-10-01' WHERE name = 'weg.nl'"); err != nil {
			t.Fatal(err)
		}

		oldest := family(t, scrape(t, m.Handler()), "afscherm_scan_oldest_seconds")
		if n := gaugeOf(oldest, map[string]string{"tld": "nl"}); n != 10*24*3600 {
			t.Errorf(".nl: %v, want 10 days", n)
		}
		if n := gaugeOf(oldest, map[string]string{"tld": "be"}); n != 2*3600 {
			t.Errorf(".be: %v, want 2 hours", n)
		}
		if hasSeries(oldest, "tld", "de") || len(oldest.Metric) != 2 {
			t.Errorf("series: %v", oldest.Metric)
		}

		now = now.Add(time.Hour) // the clock moves, and .nl's oldest is scanned again
		scanAt("oud.nl", now)
		fams := scrape(t, m.Handler())
		oldest = family(t, fams, "afscherm_scan_oldest_seconds")
		if n := gaugeOf(oldest, map[string]string{"tld": "nl"}); n != 2*3600 {
			t.Errorf(".nl after the rescan: %v, want 2 hours (nieuw.nl)", n)
		}
		if n := gaugeOf(oldest, map[string]string{"tld": "be"}); n != 3*3600 {
			t.Errorf(".be an hour on: %v, want 3 hours", n)
		}
		if up := gaugeOf(family(t, fams, "afscherm_store_up"), nil); up != 1 {
			t.Errorf("store_up %v", up)
		}
	})
}
