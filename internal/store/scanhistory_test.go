package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestScanHistoryCompaction: a scan that finds what the latest one found
// moves that row's last seen instead of adding a row; any change adds one;
// the digest's counts, the overview's chart and the domain's latest verdict
// read the extended row right.
func TestScanHistoryCompaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedDomain(t, st, "a.nl")
		night := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
		exposed := model.ScanResult{Domain: "a.nl", ScannedAt: night, Source: model.SourceRDAP, Server: "rdap.sidn.nl",
			Status: model.ScanOK, Raw: []byte(`{"x":1}`), Registrar: model.Registrar{Name: "Registrar B.V.", IANAID: "1"},
			Classification: model.Classification{Verdict: model.VerdictExposed,
				Fields: map[model.Field]model.FieldValue{
					model.FieldName:  {State: model.FieldVisible, Value: "Jan Jansen"},
					model.FieldEmail: {State: model.FieldVisible, Value: "jan@example.nl"}},
				Evidence: []string{"a person's name with an e-mail address"}, Match: &model.Match{Email: true}}}
		scan := func(day int, r model.ScanResult) {
			t.Helper()
			r.ScannedAt = night.AddDate(0, 0, day)
			r.Raw = fmt.Appendf(nil, `{"night":%d}`, day) // the bytes differ each night; the result does not
			record(t, st, r)
		}
		for day := 0; day <= 4; day++ {
			scan(day, exposed)
		}
		scans, err := st.Scans(ctx, "a.nl", 0)
		if err != nil || len(scans) != 1 {
			t.Fatalf("five unchanged scans: %d rows, %v", len(scans), err)
		}
		s := scans[0]
		if !s.ScannedAt.Equal(night) || !s.LastSeenAt.Equal(night.AddDate(0, 0, 4)) || s.SeenCount != 5 ||
			string(s.Raw) != `{"night":0}` {
			t.Errorf("extended row: first %v, last %v, seen %d, raw %s", s.ScannedAt, s.LastSeenAt, s.SeenCount, s.Raw)
		}
		if d, _ := st.Domain(ctx, "a.nl"); d.LastVerdict != model.VerdictExposed || !d.LastScannedAt.Equal(night.AddDate(0, 0, 4)) {
			t.Errorf("domain after extending: %+v", d)
		}

		// The returned result names the row it extended.
		again := exposed
		again.ScannedAt = night.AddDate(0, 0, 5)
		err = st.InTx(ctx, func(tx *store.Tx) error { _, err := tx.RecordScan(ctx, &again); return err })
		if err != nil || again.ID != s.ID || again.SeenCount != 6 || !again.LastSeenAt.Equal(again.ScannedAt) {
			t.Errorf("extending scan: id %d (row %d), seen %d, %v", again.ID, s.ID, again.SeenCount, err)
		}

		// Each change adds a row: a value, a field state, the match, the
		// registrar, the verdict; a failure; the same failure again extends.
		changed := func(f func(*model.ScanResult)) model.ScanResult {
			r := exposed
			r.Fields = map[model.Field]model.FieldValue{}
			for k, v := range exposed.Fields {
				r.Fields[k] = v
			}
			m := *exposed.Match
			r.Match = &m
			f(&r)
			return r
		}
		newValue := changed(func(r *model.ScanResult) {
			r.Fields[model.FieldEmail] = model.FieldValue{State: model.FieldVisible, Value: "j@example.nl"}
		})
		redactedEmail := changed(func(r *model.ScanResult) {
			r.Fields[model.FieldEmail] = model.FieldValue{State: model.FieldRedacted}
		})
		noMatch := changed(func(r *model.ScanResult) { r.Match = nil })
		otherRegistrar := changed(func(r *model.ScanResult) { r.Registrar = model.Registrar{Name: "Other", IANAID: "2"} })
		redacted := changed(func(r *model.ScanResult) {
			r.Verdict, r.Fields, r.Match, r.Evidence = model.VerdictRedacted, nil, nil, []string{"redacted"}
		})
		timeout := model.ScanResult{Domain: "a.nl", Status: model.ScanFailed, FailureReason: "timeout", FailureDetail: "after 10s"}
		timeoutAgain := timeout
		timeoutAgain.FailureDetail = "after 12s"
		refused := model.ScanResult{Domain: "a.nl", Status: model.ScanFailed, FailureReason: "refused"}
		for i, r := range []model.ScanResult{newValue, redactedEmail, noMatch, otherRegistrar, redacted, redacted,
			timeout, timeoutAgain, refused, redacted} {
			scan(10+i, r)
		}
		scans, _ = st.Scans(ctx, "a.nl", 0)
		want := []struct {
			status  model.ScanStatus
			verdict model.Verdict
			seen    int
		}{
			{model.ScanOK, model.VerdictRedacted, 1}, {model.ScanFailed, "", 1}, {model.ScanFailed, "", 2},
			{model.ScanOK, model.VerdictRedacted, 2}, {model.ScanOK, model.VerdictExposed, 1},
			{model.ScanOK, model.VerdictExposed, 1}, {model.ScanOK, model.VerdictExposed, 1},
			{model.ScanOK, model.VerdictExposed, 1}, {model.ScanOK, model.VerdictExposed, 6},
		}
		if len(scans) != len(want) {
			t.Fatalf("%d rows, want %d", len(scans), len(want))
		}
		for i, w := range want {
			if s := scans[i]; s.Status != w.status || s.Verdict != w.verdict || s.SeenCount != w.seen {
				t.Errorf("row %d: %s %s seen %d, want %s %s seen %d", i, s.Status, s.Verdict, s.SeenCount, w.status, w.verdict, w.seen)
			}
		}
		if scans[2].FailureDetail != "after 10s" || !scans[2].LastSeenAt.Equal(night.AddDate(0, 0, 17)) {
			t.Errorf("the repeated failure: %+v", scans[2])
		}

		// The digest counts a scan in the period it was last seen in.
		outcomes, err := st.ScanOutcomes(ctx, night.AddDate(0, 0, 5), night.AddDate(0, 0, 6))
		if err != nil || outcomes[string(model.VerdictExposed)] != 1 {
			t.Errorf("outcomes of the sixth night: %v, %v", outcomes, err)
		}
		if outcomes, _ := st.ScanOutcomes(ctx, night.AddDate(0, 0, 1), night.AddDate(0, 0, 2)); len(outcomes) != 0 {
			t.Errorf("outcomes of a night whose row was extended later: %v", outcomes)
		}

		// The chart counts the exposed result on every day it covers, and a
		// domain once a day however many of its rows cover that day.
		days, err := st.ExposedPerDay(ctx, night.AddDate(0, 0, 3).Truncate(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, d := range days {
			got[d.Day] = d.Count
		}
		for day := 3; day <= 14; day++ {
			want := 0
			if day <= 5 || day >= 10 && day <= 13 {
				want = 1
			}
			if k := night.AddDate(0, 0, day).Format(time.DateOnly); got[k] != want {
				t.Errorf("exposed on %s: %d, want %d (%v)", k, got[k], want, days)
			}
		}
	})
}
