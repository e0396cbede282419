package web

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// BenchmarkOverviewAfterAYear fills a SQLite store with a simulated year of
// nightly scans — 2,000 domains (AFSCHERM_BENCH_DOMAINS) scanned every one
// of 365 nights through the store's own RecordScan, about one result in a
// hundred changing — and then times the console's overview page, first on
// the rows the year left ("compacted"), then on the same year written out
// one row a scan, as before compaction ("uncompacted"). The year is built
// once; only the page is timed:
//
//	go test ./internal/web -run '^$' -bench OverviewAfterAYear -benchtime 20x
func BenchmarkOverviewAfterAYear(b *testing.B) {
	domains, nights := 2000, 365
	if n, err := strconv.Atoi(os.Getenv("AFSCHERM_BENCH_DOMAINS")); err == nil && n > 0 {
		domains = n
	}
	ctx := context.Background()
	first := time.Date(2025, 12, 1, 1, 0, 0, 0, time.UTC)
	now := first
	st := storetest.Open(b, storetest.NewURL(b, "sqlite"), func() time.Time { return now })
	built := time.Now()
	simulateYear(b, st, domains, nights, first, &now)
	b.Logf("a year of %d domains × %d nights built in %s", domains, nights, time.Since(built).Round(time.Second))

	var rows, scans int
	for i := range domains {
		rs, err := st.Scans(ctx, fmt.Sprintf("domein-%05d.nl", i), 0)
		if err != nil {
			b.Fatal(err)
		}
		rows += len(rs)
		for _, r := range rs {
			scans += r.SeenCount
		}
	}
	b.Logf("scan_results: %d rows for %d scans (%.1f%%)", rows, scans, 100*float64(rows)/float64(scans))

	s := NewServer(Deps{Store: st, Company: "Bench"})
	overview := func(rows int) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				w := httptest.NewRecorder()
				s.overviewPage(w, httptest.NewRequest(http.MethodGet, "/staff/", nil))
				if w.Code != http.StatusOK {
					b.Fatalf("overview: %d %s", w.Code, w.Body)
				}
			}
			b.ReportMetric(float64(rows), "rows")
		}
	}
	b.Run("compacted", overview(rows))
	since := now.AddDate(0, 0, -89).Truncate(24 * time.Hour)
	before, err := st.ExposedPerDay(ctx, since)
	if err != nil {
		b.Fatal(err)
	}

	// The same year as the store kept it before compaction: one row a scan.
	// Each extended row is written out again once for every night it
	// stood for (the bytes of the simulated times are whole seconds).
	err = st.RawExec(ctx, `
		INSERT INTO scan_results (domain_id, scanned_at, source, server, status, verdict, failure_reason,
		                          failure_detail, fields, evidence, match, raw, registrar_name, registrar_iana_id,
		                          last_seen_at, seen_count)
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400),
		     t AS (SELECT s.*, strftime('%Y-%m-%dT%H:%M:%S', s.scanned_at, '+' || n.i || ' days') || '.000000Z' AS at
		           FROM scan_results s JOIN n ON n.i < s.seen_count)
		SELECT domain_id, at, source, server, status, verdict, failure_reason, failure_detail, fields, evidence,
		       match, raw, registrar_name, registrar_iana_id, at, 1
		FROM t`)
	if err == nil {
		err = st.RawExec(ctx, `UPDATE scan_results SET last_seen_at = scanned_at, seen_count = 1`)
	}
	if err != nil {
		b.Fatal(err)
	}
	// The chart reads the same year from either.
	if after, err := st.ExposedPerDay(ctx, since); err != nil || fmt.Sprint(after) != fmt.Sprint(before) {
		b.Fatalf("exposed per day differs without compaction (%v):\n%v\n%v", err, before, after)
	}
	b.Run("uncompacted", overview(scans))
}

// simulateYear scans every domain once a night for the given nights, one
// transaction a night. A third of the domains start exposed; each night
// about one result in a hundred changes (a value, or the verdict).
func simulateYear(b *testing.B, st *store.Store, domains, nights int, first time.Time, now *time.Time) {
	b.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	names := make([]string, domains)
	results := make([]model.ScanResult, domains)
	err := st.InTx(ctx, func(tx *store.Tx) error {
		for i := range domains {
			c := model.Customer{Number: fmt.Sprintf("C%05d", i), Name: "Klant", Kind: model.CustomerPerson,
				Email: "klant@example.nl", Country: "NL", Language: model.LanguageDutch}
			if err := tx.InsertCustomer(ctx, &c); err != nil {
				return err
			}
			names[i] = fmt.Sprintf("domein-%05d.nl", i)
			if err := tx.InsertDomain(ctx, &model.Domain{Name: names[i], CustomerID: c.ID, Registrar: "sidn",
				AddedOn: model.NewDate(2025, 1, 1)}); err != nil {
				return err
			}
			results[i] = simulatedResult(names[i], i%3 == 0, 0)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for night := range nights {
		*now = first.AddDate(0, 0, night)
		err := st.InTx(ctx, func(tx *store.Tx) error {
			for i := range domains {
				if night > 0 && rng.IntN(100) == 0 {
					results[i] = simulatedResult(names[i], rng.IntN(2) == 0, night)
				}
				r := results[i]
				r.ScannedAt = now.Add(time.Duration(i) * time.Second)
				r.Raw = fmt.Appendf(nil, `{"night":%d}`, night)
				if _, err := tx.RecordScan(ctx, &r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func simulatedResult(name string, exposed bool, version int) model.ScanResult {
	r := model.ScanResult{Domain: name, Source: model.SourceRDAP, Server: "rdap.sidn.nl", Status: model.ScanOK,
		Registrar: model.Registrar{Name: "Registrar B.V."}}
	if exposed {
		r.Verdict = model.VerdictExposed
		r.Fields = map[model.Field]model.FieldValue{
			model.FieldName:  {State: model.FieldVisible, Value: "Jan Jansen"},
			model.FieldEmail: {State: model.FieldVisible, Value: fmt.Sprintf("jan%d@example.nl", version)}}
		r.Evidence = []string{"a person's name with an e-mail address"}
	} else {
		r.Verdict = model.VerdictRedacted
		r.Fields = map[model.Field]model.FieldValue{model.FieldName: {State: model.FieldRedacted}}
		r.Evidence = []string{"redacted"}
	}
	return r
}
