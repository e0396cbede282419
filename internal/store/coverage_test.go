package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestCoverage: the active domains are counted by their last scan, an
// unchanged result (which adds no row) counting as a scan; removed domains
// are left out; the oldest last scan is found overall and per TLD.
func TestCoverage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		for _, n := range []string{"a.nl", "b.nl", "c.nl", "d.be", "e.be", "f.nl", "g.eu", "voorbeeld.co.uk", "kort.uk"} {
			seedDomain(t, st, n)
		}
		scan := func(name string, ago time.Duration) {
			record(t, st, model.ScanResult{Domain: name, ScannedAt: now.Add(-ago), Source: model.SourceRDAP, Status: model.ScanOK,
				Classification: model.Classification{Verdict: model.VerdictRedacted}})
		}
		day := 24 * time.Hour
		scan("a.nl", time.Hour)
		scan("b.nl", 40*day)
		scan("b.nl", 3*day) // unchanged: extends the first row, moves the domain's last scan
		scan("c.nl", 20*day)
		scan("d.be", 40*day)
		scan("f.nl", 100*day)
		scan("voorbeeld.co.uk", 5*day)
		if err := storetest.Exec(ctx, st, "UPDATE domains SET removed_on = '2026-11-01' WHERE name = 'f.nl'"); err != nil {
			t.Fatal(err)
		}
		if n, _ := st.Scans(ctx, "b.nl", 0); len(n) != 1 {
			t.Fatalf("b.nl has %d scan rows, want 1 (compacted)", len(n))
		}

		c, err := st.Coverage(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if c.Active != 8 || c.Day != 1 || c.Week != 3 || c.Month != 4 || c.Never != 3 {
			t.Errorf("counts: %+v", c)
		}
		if !c.Oldest.Equal(now.Add(-40*day)) || !c.At.Equal(now) {
			t.Errorf("oldest %v at %v", c.Oldest, c.At)
		}
		want := []store.TLDCoverage{
			{TLD: "be", Active: 2, Never: 1, Oldest: now.Add(-40 * day)},
			{TLD: "eu", Active: 1, Never: 1},
			{TLD: "nl", Active: 3, Oldest: now.Add(-20 * day)},
			{TLD: "uk", Active: 2, Never: 1, Oldest: now.Add(-5 * day)}, // co.uk and uk are one TLD
		}
		if len(c.ByTLD) != len(want) {
			t.Fatalf("by TLD: %+v", c.ByTLD)
		}
		for i, w := range want {
			g := c.ByTLD[i]
			if g.TLD != w.TLD || g.Active != w.Active || g.Never != w.Never || !g.Oldest.Equal(w.Oldest) {
				t.Errorf("TLD %d: %+v, want %+v", i, g, w)
			}
		}

		// A moved clock: 25 days on, a.nl, b.nl and (30 days exactly)
		// voorbeeld.co.uk are within 30 days, none within a week.
		c, err = st.Coverage(ctx, now.Add(25*day))
		if err != nil || c.Day != 0 || c.Week != 0 || c.Month != 3 || c.Never != 3 {
			t.Errorf("25 days on: %+v, %v", c, err)
		}

		empty := storetest.Open(t, storetest.NewURL(t, st.Backend()), nil)
		c, err = empty.Coverage(ctx, now)
		if err != nil || c.Active != 0 || !c.Oldest.IsZero() || len(c.ByTLD) != 0 {
			t.Errorf("empty: %+v, %v", c, err)
		}
	})
}
