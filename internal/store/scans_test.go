package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

func seedDomain(t *testing.T, st *store.Store, name string) {
	t.Helper()
	ctx := context.Background()
	err := st.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.Customer(ctx, "S1")
		if model.IsKind(err, model.KindNotFound) {
			c = customer("S1")
			err = tx.InsertCustomer(ctx, &c)
		}
		if err != nil {
			return err
		}
		return tx.InsertDomain(ctx, &model.Domain{Name: name, CustomerID: c.ID, Registrar: "sidn", AddedOn: model.NewDate(2026, 1, 1)})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func record(t *testing.T, st *store.Store, r model.ScanResult) model.Verdict {
	t.Helper()
	var prev model.Verdict
	err := st.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		prev, err = tx.RecordScan(context.Background(), &r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return prev
}

func TestScanResults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedDomain(t, st, "a.nl")
		seedDomain(t, st, "b.nl")
		at := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
		exposed := model.ScanResult{Domain: "a.nl", ScannedAt: at, Source: model.SourceRDAP, Server: "rdap.sidn.nl",
			Status: model.ScanOK, Raw: []byte(`{"x":1}`), Classification: model.Classification{
				Verdict: model.VerdictExposed,
				Fields: map[model.Field]model.FieldValue{
					model.FieldEmail: {State: model.FieldVisible, Value: "jan@example.nl", Contact: "administrative"}},
				Evidence: []string{"because"}, Match: &model.Match{Email: true}}}
		if prev := record(t, st, exposed); prev != "" {
			t.Errorf("previous verdict of a new domain: %q", prev)
		}
		failed := model.ScanResult{Domain: "a.nl", ScannedAt: at.Add(time.Hour), Status: model.ScanFailed,
			FailureReason: "timeout", FailureDetail: "rdap.sidn.nl: timeout"}
		if prev := record(t, st, failed); prev != model.VerdictExposed {
			t.Errorf("previous verdict: %q", prev)
		}
		redacted := exposed
		redacted.ScannedAt, redacted.Verdict, redacted.Match, redacted.Raw = at.Add(48*time.Hour), model.VerdictRedacted, nil, nil
		if prev := record(t, st, redacted); prev != model.VerdictExposed {
			t.Errorf("a failed scan changed the verdict: %q", prev)
		}

		scans, err := st.Scans(ctx, "a.nl", 0)
		if err != nil || len(scans) != 3 {
			t.Fatalf("scans %d, %v", len(scans), err)
		}
		first := scans[2]
		if first.Verdict != model.VerdictExposed || first.Fields[model.FieldEmail].Contact != "administrative" ||
			!first.Match.Email || string(first.Raw) != `{"x":1}` || !first.ScannedAt.Equal(at) || first.Server != "rdap.sidn.nl" {
			t.Errorf("first scan read back: %+v", first)
		}
		if scans[1].Status != model.ScanFailed || scans[1].Verdict != "" || scans[1].FailureReason != "timeout" {
			t.Errorf("failed scan read back: %+v", scans[1])
		}
		d, _ := st.Domain(ctx, "a.nl")
		if d.LastVerdict != model.VerdictRedacted || !d.LastScannedAt.Equal(at.Add(48*time.Hour)) {
			t.Errorf("domain %+v", d)
		}
		counts, err := st.VerdictCounts(ctx)
		if err != nil || counts[model.VerdictRedacted] != 1 || counts[""] != 1 {
			t.Errorf("counts %v, %v", counts, err)
		}
		exposedDomains, _ := st.Domains(ctx, store.DomainFilter{Verdict: model.VerdictRedacted})
		if len(exposedDomains) != 1 || exposedDomains[0].Name != "a.nl" {
			t.Errorf("filter by verdict: %+v", exposedDomains)
		}

		var purged int64
		err = st.InTx(ctx, func(tx *store.Tx) error {
			purged, err = tx.PurgeRawResponses(ctx, at.Add(time.Minute), 100)
			return err
		})
		if n, _ := st.CountRawResponses(ctx); err != nil || purged != 1 || n != 0 {
			t.Errorf("purged %d (%v), %d left", purged, err, n)
		}
		if _, err := st.LatestScan(ctx, "b.nl"); !model.IsKind(err, model.KindNotFound) {
			t.Errorf("latest scan of an unscanned domain: %v", err)
		}
	})
}

// TestUndeterminedVerdict: the sixth verdict is stored, read back, counted
// and filtered on like the others; the database refuses what is not a
// verdict. (migrations/upgrade_test.go shows the migration that allows it
// keeping what a database holds.)
func TestUndeterminedVerdict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedDomain(t, st, "a.nl")
		seedDomain(t, st, "b.nl")
		at := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
		record(t, st, model.ScanResult{Domain: "b.nl", ScannedAt: at, Source: model.SourceRDAP, Status: model.ScanOK,
			Classification: model.Classification{Verdict: model.VerdictRedacted}})
		record(t, st, model.ScanResult{Domain: "a.nl", ScannedAt: at, Source: model.SourceWHOIS, Server: "whois.example",
			Status: model.ScanOK, Raw: []byte("Holder: J. Jansen\n"), Classification: model.Classification{
				Verdict: model.VerdictUndetermined, Evidence: []string{"no registrant section recognised"}}})

		r, err := st.LatestScan(ctx, "a.nl")
		if err != nil || r.Verdict != model.VerdictUndetermined || string(r.Raw) != "Holder: J. Jansen\n" || r.Server != "whois.example" {
			t.Errorf("scan read back: %+v, %v", r, err)
		}
		counts, err := st.VerdictCounts(ctx)
		if err != nil || counts[model.VerdictUndetermined] != 1 || counts[model.VerdictRedacted] != 1 {
			t.Errorf("counts %v, %v", counts, err)
		}
		ds, err := st.Domains(ctx, store.DomainFilter{Verdict: model.VerdictUndetermined})
		if err != nil || len(ds) != 1 || ds[0].Name != "a.nl" || ds[0].LastVerdict != model.VerdictUndetermined {
			t.Errorf("filter on undetermined: %+v, %v", ds, err)
		}
		if err := storetest.Exec(ctx, st, "UPDATE scan_results SET verdict = 'unknown' WHERE verdict = 'undetermined'"); err == nil {
			t.Error("a verdict outside the list was stored")
		}
	})
}

func TestHeartbeats(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
		st := storetest.Open(t, url, func() time.Time { return now })
		if n, err := st.Heartbeat(ctx, "w1", now.Add(-time.Minute)); err != nil || n != 1 {
			t.Fatalf("first: %d, %v", n, err)
		}
		if n, _ := st.Heartbeat(ctx, "w2", now.Add(-time.Minute)); n != 2 {
			t.Errorf("second: %d", n)
		}
		now = now.Add(2 * time.Minute) // w2 falls silent
		if n, _ := st.Heartbeat(ctx, "w1", now.Add(-time.Minute)); n != 1 {
			t.Errorf("after forgetting the stale: %d", n)
		}
		if err := st.LeaveWorkers(ctx, "w1"); err != nil {
			t.Fatal(err)
		}
		if n, _ := st.Heartbeat(ctx, "w3", now.Add(-time.Minute)); n != 1 {
			t.Errorf("after leaving: %d", n)
		}
	})
}

func TestDigests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := st.LatestDigest(ctx); !model.IsKind(err, model.KindNotFound) {
			t.Errorf("no digest yet: %v", err)
		}
		start := time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)
		for i := range 2 {
			d := store.Digest{PeriodStart: start.AddDate(0, 0, i), PeriodEnd: start.AddDate(0, 0, i+1), Body: `{"n":1}`}
			if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertDigest(ctx, &d) }); err != nil {
				t.Fatal(err)
			}
		}
		d, err := st.LatestDigest(ctx)
		if err != nil || !d.PeriodStart.Equal(start.AddDate(0, 0, 1)) || d.Body != `{"n": 1}` && d.Body != `{"n":1}` {
			t.Errorf("latest %+v, %v", d, err)
		}
	})
}
