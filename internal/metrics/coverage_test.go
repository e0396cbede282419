package metrics_test

import (
	"context"
	"math"
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

// TestScanBudget: the latest plan's per-server budget, round and overdue
// domains are exported; none before the first plan.
func TestScanBudget(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		now := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
		st := storetest.Open(t, url, func() time.Time { return now })
		m := metrics.New()
		if err := m.WatchStore(st, nil); err != nil {
			t.Fatal(err)
		}
		if fams := scrape(t, m.Handler()); fams["afscherm_scan_budget"] != nil {
			t.Errorf("a budget before any plan: %v", fams["afscherm_scan_budget"])
		}
		plan := store.PlanRecord{PlannedAt: now, WindowStart: now, WindowEnd: now.Add(5 * time.Hour), ScanEvery: 7 * 24 * time.Hour,
			Servers: []store.ServerPlan{
				{Server: "rdap.sidn.nl", Rate: 1, Budget: 16200, NightBudget: 16200, Domains: 30000, Overdue: 12, Round: store.RoundEstimate{Nights: 2}},
				{Server: "whois.eu", Rate: 0, Domains: 3, Round: store.RoundEstimate{Never: true}},
			}}
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.SaveScanPlan(ctx, plan) }); err != nil {
			t.Fatal(err)
		}
		fams := scrape(t, m.Handler())
		if n := gaugeOf(family(t, fams, "afscherm_scan_budget"), map[string]string{"server": "rdap.sidn.nl"}); n != 16200 {
			t.Errorf("budget %v, want 16200", n)
		}
		if n := gaugeOf(family(t, fams, "afscherm_scan_round_nights"), map[string]string{"server": "rdap.sidn.nl"}); n != 2 {
			t.Errorf("round %v, want 2", n)
		}
		if n := gaugeOf(family(t, fams, "afscherm_scan_round_nights"), map[string]string{"server": "whois.eu"}); !math.IsInf(n, 1) {
			t.Errorf("round without budget %v, want +Inf", n)
		}
		if n := gaugeOf(family(t, fams, "afscherm_scan_overdue_domains"), map[string]string{"server": "rdap.sidn.nl"}); n != 12 {
			t.Errorf("overdue %v, want 12", n)
		}
	})
}
