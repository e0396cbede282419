package scan

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestDigestListsUndetermined: a domain whose verdict became undetermined
// in the period is in the digest's section to review — after a first scan,
// and after being exposed (which is not shielded) — and the text says how
// many are undetermined in all. The results are recorded as the scanner
// records them, with their verdicts set here rather than by the classifier.
func TestDigestListsUndetermined(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
		st := storetest.Open(t, url, func() time.Time { return now })
		s := &Scanner{Store: st}
		digestDomains(t, st, "eerst.nl", "blootgesteld.nl", "afgeschermd.nl", "al-langer.nl")
		scanned := func(name string, v model.Verdict) {
			t.Helper()
			r := model.ScanResult{Domain: name, Source: model.SourceWHOIS, Server: "whois.example", Status: model.ScanOK,
				Classification: model.Classification{Domain: name, Verdict: v}}
			if err := s.record(ctx, &r); err != nil {
				t.Fatal(err)
			}
		}

		// The day before the period.
		scanned("blootgesteld.nl", model.VerdictExposed)
		scanned("al-langer.nl", model.VerdictUndetermined)
		start := now.Add(time.Hour)
		now = start.Add(time.Hour)
		scanned("eerst.nl", model.VerdictUndetermined)
		scanned("blootgesteld.nl", model.VerdictUndetermined)
		scanned("afgeschermd.nl", model.VerdictRedacted)
		scanned("al-langer.nl", model.VerdictUndetermined) // no change
		end := now.Add(time.Hour)

		d, err := BuildDigest(ctx, st, start, end)
		if err != nil {
			t.Fatal(err)
		}
		var review []string
		for _, c := range d.NewlyUndetermined {
			review = append(review, c.Domain+" "+c.From+"→"+c.To+" "+c.Customer)
		}
		want := []string{"eerst.nl →undetermined D1", "blootgesteld.nl exposed→undetermined D1"}
		if strings.Join(review, "; ") != strings.Join(want, "; ") {
			t.Errorf("to review: %q, want %q", review, want)
		}
		if len(d.NewlyShielded) != 0 || len(d.NewlyExposed) != 0 || d.FirstScans != 1 {
			t.Errorf("shielded %v, exposed %v, first scans %d (want the redacted one only)", d.NewlyShielded, d.NewlyExposed, d.FirstScans)
		}
		if d.Verdicts[model.VerdictUndetermined] != 3 {
			t.Errorf("verdicts now: %v", d.Verdicts)
		}

		var b strings.Builder
		d.WriteText(&b, time.UTC)
		text := b.String()
		for _, line := range []string{
			"\nTo review: the classifier could not place the registrant data: 2\n",
			"  eerst.nl ", "  blootgesteld.nl ",
			"\nUndetermined now, in all: 3 ",
		} {
			if !strings.Contains(text, line) {
				t.Errorf("the digest lacks %q:\n%s", line, text)
			}
		}
		if strings.Contains(text, "al-langer.nl") {
			t.Errorf("a domain undetermined before the period is listed as new:\n%s", text)
		}

		// A stored digest, of the last day, reads back with its section:
		// all three were first scanned in that day.
		now = end
		if _, err := ProduceDigest(ctx, st, nil); err != nil {
			t.Fatal(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		latest, err := st.LatestDigest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := ParseDigest(latest.Body)
		if err != nil || len(parsed.NewlyUndetermined) != 3 {
			t.Errorf("stored digest: to review %+v, %v", parsed.NewlyUndetermined, err)
		}
	})
}

// TestDigestCoverage: the digest counts the active domains by their last
// scan at the period's end, gives the oldest last scan overall and per
// TLD, writes them in its Coverage section, and keeps them when stored.
// The clock moves between the scans; a repeated unchanged result counts as
// the domain's latest scan.
func TestDigestCoverage(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		now := time.Date(2026, 10, 1, 2, 0, 0, 0, time.UTC)
		st := storetest.Open(t, url, func() time.Time { return now })
		s := &Scanner{Store: st}
		digestDomains(t, st, "oud.nl", "vers.nl", "week.be", "nooit.be")
		scanned := func(name string) {
			t.Helper()
			r := model.ScanResult{Domain: name, Source: model.SourceRDAP, Server: "rdap.example", Status: model.ScanOK,
				Classification: model.Classification{Domain: name, Verdict: model.VerdictRedacted}}
			if err := s.record(ctx, &r); err != nil {
				t.Fatal(err)
			}
		}
		start := now
		scanned("oud.nl")  // 2026-10-01 02:00
		scanned("vers.nl") // the same, repeated below
		now = now.AddDate(0, 0, 20)
		scanned("week.be") // 2026-10-21 02:00
		now = now.AddDate(0, 0, 4)
		scanned("vers.nl") // 2026-10-25 02:00, unchanged
		now = now.Add(2 * time.Hour)

		d, err := BuildDigest(ctx, st, start, now)
		if err != nil {
			t.Fatal(err)
		}
		c := d.Coverage
		if c == nil || c.Active != 4 || c.Day != 1 || c.Week != 2 || c.Month != 3 || c.Never != 1 ||
			!c.Oldest.Equal(start) || len(c.ByTLD) != 2 {
			t.Fatalf("coverage %+v", c)
		}
		if be := c.ByTLD[0]; be.TLD != "be" || be.Never != 1 || !be.Oldest.Equal(time.Date(2026, 10, 21, 2, 0, 0, 0, time.UTC)) {
			t.Errorf("coverage of .be: %+v", be)
		}

		var b strings.Builder
		d.WriteText(&b, time.UTC)
		text := b.String()
		for _, line := range []string{
			"\nCoverage: 4 active domains, by their last scan\n",
			"  scanned in the last 24 hours: 1\n",
			"  scanned in the last 7 days:   2\n",
			"  scanned in the last 30 days:  3\n",
			"  never scanned:                1\n",
			"  oldest scan:                  2026-10-01 02:00 (24 days ago)\n",
			"    .be         2 domains, 1 never scanned, oldest scan 2026-10-21 02:00 (4 days ago)\n",
			"    .nl         2 domains, 0 never scanned, oldest scan 2026-10-01 02:00 (24 days ago)\n",
		} {
			if !strings.Contains(text, line) {
				t.Errorf("the digest lacks %q:\n%s", line, text)
			}
		}

		if _, err := ProduceDigest(ctx, st, nil); err != nil {
			t.Fatal(err)
		}
		latest, err := st.LatestDigest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := ParseDigest(latest.Body)
		if err != nil || parsed.Coverage == nil || parsed.Coverage.Week != 2 || !parsed.Coverage.Oldest.Equal(start) ||
			len(parsed.Coverage.ByTLD) != 2 {
			t.Errorf("stored digest: coverage %+v, %v", parsed.Coverage, err)
		}
		// A digest stored before coverage was added reads back without it.
		if old, err := ParseDigest(`{"scans":{}}`); err != nil || old.Coverage != nil {
			t.Errorf("old digest: %+v, %v", old.Coverage, err)
		}
		b.Reset()
		(Digest{}).WriteText(&b, time.UTC)
		if strings.Contains(b.String(), "Coverage") {
			t.Errorf("an old digest shows coverage:\n%s", b.String())
		}
	})
}

// digestDomains imports one customer with the given domains.
func digestDomains(t *testing.T, st *store.Store, names ...string) {
	t.Helper()
	ctx := context.Background()
	err := st.InTx(ctx, func(tx *store.Tx) error {
		c := model.Customer{Number: "D1", Name: "Jan de Vries", Kind: model.CustomerPerson, Email: "jan@example.nl",
			Country: "NL", Language: model.LanguageDutch}
		if err := tx.InsertCustomer(ctx, &c); err != nil {
			return err
		}
		for _, name := range names {
			if err := tx.InsertDomain(ctx, &model.Domain{Name: name, CustomerID: c.ID, Registrar: "sidn", AddedOn: model.NewDate(2026, 1, 1)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDigestPlan: the digest gives the latest plan per server, warns about
// a server whose round is longer than --scan-every, and keeps both when
// stored.
func TestDigestPlan(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		now := time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC)
		st := storetest.Open(t, url, func() time.Time { return now })
		names := []string{"vier.be"}
		for i := range 12 {
			names = append(names, fmt.Sprintf("domein%d.nl", i))
		}
		digestDomains(t, st, names...)
		if d, err := BuildDigest(ctx, st, now.Add(-24*time.Hour), now); err != nil || d.Plan != nil {
			t.Fatalf("a plan before any: %+v, %v", d.Plan, err)
		}
		cands, err := st.PlanCandidates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p := Planner{
			Server: func(name string) string {
				if strings.HasSuffix(name, ".nl") {
					return "rdap.sidn.nl"
				}
				return "whois.dns.be"
			},
			Rate: func(string) float64 { return 1 },
		}
		night := Night{StartHour: 2, EndHour: 7, Location: time.UTC}
		plan := p.Make(now, night.Tonight(now), 24*time.Hour, cands)
		err = st.InTx(ctx, func(tx *store.Tx) error { return tx.SaveScanPlan(ctx, plan.PlanRecord) })
		if err != nil {
			t.Fatal(err)
		}
		d, err := BuildDigest(ctx, st, now.Add(-24*time.Hour), now)
		if err != nil || d.Plan == nil || len(d.Plan.Servers) != 2 {
			t.Fatalf("plan %+v, %v", d.Plan, err)
		}
		var b strings.Builder
		d.WriteText(&b, time.UTC)
		text := b.String()
		for _, line := range []string{
			"\nNightly plan of 2026-10-01 02:00 to 07:00: per server",
			"  rdap.sidn.nl: 12 domains, 16200 lookups a night, a full round in 1 nights; 12 planned, 0 were still waiting, 0 did not fit\n",
			"  whois.dns.be: 1 domains, 16200 lookups a night, a full round in 1 nights; 1 planned",
		} {
			if !strings.Contains(text, line) {
				t.Errorf("the digest lacks %q:\n%s", line, text)
			}
		}
		if strings.Contains(text, "WARNING") {
			t.Errorf("a warning with every round in a night:\n%s", text)
		}

		// One lookup an hour: a night of 5 hours allows 4 after the
		// headroom, and twelve domains take 3 nights, more than
		// --scan-every.
		p.Rate = func(server string) float64 {
			if server == "rdap.sidn.nl" {
				return 1.0 / 3600
			}
			return 1
		}
		plan = p.Make(now, night.Tonight(now), 24*time.Hour, cands)
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.SaveScanPlan(ctx, plan.PlanRecord) }); err != nil {
			t.Fatal(err)
		}
		if _, err := ProduceDigest(ctx, st, nil); err != nil {
			t.Fatal(err)
		}
		latest, err := st.LatestDigest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := ParseDigest(latest.Body)
		if err != nil || parsed.Plan == nil {
			t.Fatalf("stored digest: %+v, %v", parsed.Plan, err)
		}
		b.Reset()
		parsed.WriteText(&b, time.UTC)
		want := "  WARNING: rdap.sidn.nl cannot scan every domain every 24 hours: a full round of its 12 domains takes 3 nights at 4 lookups a night"
		if !strings.Contains(b.String(), want) {
			t.Errorf("the stored digest lacks %q:\n%s", want, b.String())
		}
	})
}
