package store_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// scanDomainArgs has the kind and the argument of the scan job that
// WaitingScans reads from River's table (jobs.ScanDomainArgs, without its
// uniqueness, so that a test can put several in different states).
type scanDomainArgs struct {
	Domain string `json:"domain"`
}

func (scanDomainArgs) Kind() string { return "scan_domain" }

// otherDomainArgs is another kind of job about a domain.
type otherDomainArgs struct {
	Domain string `json:"domain"`
}

func (otherDomainArgs) Kind() string { return "verify_request" }

// scanAt is an OK scan of domain at t by a registrar.
func scanAt(domain string, t time.Time, v model.Verdict, registrar string) model.ScanResult {
	return model.ScanResult{Domain: domain, ScannedAt: t, Source: model.SourceRDAP, Server: "rdap.sidn.nl",
		Status: model.ScanOK, Registrar: model.Registrar{Name: registrar},
		Classification: model.Classification{Verdict: v, Evidence: []string{string(v)}}}
}

func candidates(t *testing.T, st *store.Store) map[string]store.PlanCandidate {
	t.Helper()
	cs, err := st.PlanCandidates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.PlanCandidate{}
	for i, c := range cs {
		if i > 0 && cs[i-1].ID >= c.ID {
			t.Errorf("candidates not in the order of their ids: %d after %d", c.ID, cs[i-1].ID)
		}
		out[c.Name] = c
	}
	return out
}

// TestPlanCandidates: each active domain with its last scan's status (also
// a failure), its last successful scan's time and verdict; ChangedSinceScan when the import updated it after that
// scan; RegistrarMoved when its last scan, seen once, named another
// registrar of record than the scan before; Following while a request is
// submitted or completed, not in any other state; removed domains left out.
func TestPlanCandidates(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
		st := storetest.Open(t, url, func() time.Time { return now })
		for _, n := range []string{"never.nl", "exposed.nl", "failed.nl", "only-failed.nl", "changed.nl", "moved.nl", "moved-seen.nl",
			"first-registrar.nl", "from-nothing.nl", "following.nl", "completed.nl", "quoted.nl", "closed.nl", "removed.nl"} {
			seedDomain(t, st, n)
		}
		night := now.Add(time.Hour)
		record(t, st, scanAt("exposed.nl", night, model.VerdictExposed, "A"))
		// failed.nl: exposed, then a failure; only-failed.nl: only failures.
		// A failure does not move the domain's last scan time or verdict.
		record(t, st, scanAt("failed.nl", night, model.VerdictExposed, "A"))
		for _, n := range []string{"failed.nl", "only-failed.nl"} {
			record(t, st, model.ScanResult{Domain: n, ScannedAt: night.Add(24 * time.Hour), Source: model.SourceRDAP,
				Server: "rdap.sidn.nl", Status: model.ScanFailed, FailureReason: "timeout"})
		}
		record(t, st, scanAt("changed.nl", night, model.VerdictRedacted, "A"))
		// moved.nl: A, then B once; moved-seen.nl: A, then B twice.
		for _, n := range []string{"moved.nl", "moved-seen.nl"} {
			record(t, st, scanAt(n, night, model.VerdictRedacted, "A"))
			record(t, st, scanAt(n, night.Add(24*time.Hour), model.VerdictRedacted, "B"))
		}
		record(t, st, scanAt("moved-seen.nl", night.Add(48*time.Hour), model.VerdictRedacted, "B"))
		record(t, st, scanAt("first-registrar.nl", night, model.VerdictRedacted, "A"))
		record(t, st, scanAt("from-nothing.nl", night, model.VerdictRedacted, ""))
		record(t, st, scanAt("from-nothing.nl", night.Add(24*time.Hour), model.VerdictRedacted, "A"))

		// The import changes changed.nl after its scan, and removes one.
		now = night.Add(72 * time.Hour)
		err := st.InTx(ctx, func(tx *store.Tx) error {
			d, err := tx.Domain(ctx, "changed.nl")
			if err != nil {
				return err
			}
			d.Registrar = "openprovider"
			if err := tx.UpdateDomain(ctx, &d); err != nil {
				return err
			}
			r, err := tx.Domain(ctx, "removed.nl")
			if err != nil {
				return err
			}
			r.RemovedOn = model.NewDate(2026, 11, 22)
			return tx.UpdateDomain(ctx, &r)
		})
		if err != nil {
			t.Fatal(err)
		}
		for domain, state := range map[string]model.RequestState{"following.nl": model.StateSubmitted,
			"completed.nl": model.StateCompleted, "quoted.nl": model.StateQuoted, "closed.nl": model.StateDeclined} {
			r := newRequest(t, st, domain)
			if err := storetest.Exec(ctx, st, fmt.Sprintf("UPDATE privacy_requests SET state = '%s' WHERE id = %d", state, r.ID)); err != nil {
				t.Fatal(err)
			}
		}

		got := candidates(t, st)
		if _, ok := got["removed.nl"]; ok || len(got) != 13 {
			t.Errorf("%d candidates, removed.nl among them: %v", len(got), ok)
		}
		if c := got["never.nl"]; !c.LastScanned.IsZero() || c.LastStatus != "" || c.LastVerdict != "" || c.ChangedSinceScan() ||
			c.Updated.IsZero() {
			t.Errorf("never.nl: %+v", c)
		}
		if c := got["exposed.nl"]; !c.LastScanned.Equal(night) || c.LastStatus != model.ScanOK || c.LastVerdict != model.VerdictExposed ||
			c.ChangedSinceScan() || c.RegistrarMoved || c.Following || c.Waiting {
			t.Errorf("exposed.nl: %+v", c)
		}
		if c := got["failed.nl"]; c.LastStatus != model.ScanFailed || c.LastVerdict != model.VerdictExposed || !c.LastScanned.Equal(night) {
			t.Errorf("failed.nl: %+v", c)
		}
		if c := got["only-failed.nl"]; c.LastStatus != model.ScanFailed || c.LastVerdict != "" || !c.LastScanned.IsZero() {
			t.Errorf("only-failed.nl: %+v", c)
		}
		if c := got["changed.nl"]; !c.ChangedSinceScan() || !c.Updated.Equal(now) {
			t.Errorf("changed.nl: updated %v after its scan %v: %v", c.Updated, c.LastScanned, c.ChangedSinceScan())
		}
		for name, moved := range map[string]bool{"moved.nl": true, "moved-seen.nl": false, "first-registrar.nl": false,
			"from-nothing.nl": false, "exposed.nl": false} {
			if c := got[name]; c.RegistrarMoved != moved {
				t.Errorf("%s: RegistrarMoved %v, want %v", name, c.RegistrarMoved, moved)
			}
		}
		for name, following := range map[string]bool{"following.nl": true, "completed.nl": true, "quoted.nl": false,
			"closed.nl": false, "never.nl": false} {
			if c := got[name]; c.Following != following {
				t.Errorf("%s: Following %v, want %v", name, c.Following, following)
			}
		}

		// A scan waiting for one domain marks it, and only it.
		err = st.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Enqueue(ctx, river.InsertManyParams{Args: scanDomainArgs{Domain: "quoted.nl"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range candidates(t, st) {
			if c.Waiting != (name == "quoted.nl") {
				t.Errorf("%s: Waiting %v", name, c.Waiting)
			}
		}
	})
}

// TestWaitingScans: a domain counts as waiting while one of its scan jobs
// is available, scheduled, pending, retryable or running; not once it is
// completed, cancelled or discarded, and not for another kind of job.
func TestWaitingScans(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		st := storetest.Open(t, url, nil)
		ids := map[string]int64{}
		err := st.InTx(ctx, func(tx *store.Tx) error {
			for _, state := range []string{"available", "scheduled", "pending", "retryable", "running", "completed",
				"cancelled", "discarded"} {
				p := river.InsertManyParams{Args: scanDomainArgs{Domain: state + ".nl"}}
				switch state {
				case "scheduled":
					p.InsertOpts = &river.InsertOpts{ScheduledAt: time.Now().Add(24 * time.Hour)}
				case "pending":
					p.InsertOpts = &river.InsertOpts{Pending: true}
				}
				res, err := tx.Enqueue(ctx, p)
				if err != nil {
					return err
				}
				ids[state] = res[0].Job.ID
			}
			_, err := tx.Enqueue(ctx, river.InsertManyParams{Args: otherDomainArgs{Domain: "other.nl"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		finalized := "CURRENT_TIMESTAMP"
		if strings.HasPrefix(url, "postgres") {
			finalized = "now()"
		}
		for state, id := range ids {
			var set string
			switch state {
			case "retryable", "running":
				set = fmt.Sprintf("state = '%s', attempt = 1", state)
			case "completed", "cancelled", "discarded":
				set = fmt.Sprintf("state = '%s', attempt = 1, finalized_at = %s", state, finalized)
			default:
				continue
			}
			if err := storetest.Exec(ctx, st, fmt.Sprintf("UPDATE river_job SET %s WHERE id = %d", set, id)); err != nil {
				t.Fatalf("%s: %v", state, err)
			}
		}
		waiting, err := st.WaitingScans(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Sorted(maps.Keys(waiting))
		if want := []string{"available.nl", "pending.nl", "retryable.nl", "running.nl", "scheduled.nl"}; !slices.Equal(got, want) {
			t.Errorf("waiting %v, want %v", got, want)
		}
	})
}

// TestScanPlanRoundTrip: the latest plan reads back as saved; a later one
// replaces it; before any, there is none.
func TestScanPlanRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, ok, err := st.LatestScanPlan(ctx); ok || err != nil {
			t.Fatalf("before any plan: %v, %v", ok, err)
		}
		at := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
		first := store.PlanRecord{PlannedAt: at, WindowStart: at, WindowEnd: at.Add(5 * time.Hour), ScanEvery: 7 * 24 * time.Hour,
			Servers: []store.ServerPlan{
				{Server: "rdap.sidn.nl", Rate: 1, Budget: 16200, NightBudget: 16200, Domains: 30000, Waiting: 12, Planned: 16188,
					ByNeed: map[string]int{"never_scanned": 10, "round": 16178}, Due: 13800, Overdue: 3,
					Round: store.RoundEstimate{Nights: 2}},
				{Server: "-", Domains: 4, ByNeed: map[string]int{}, Due: 4, Round: store.RoundEstimate{Never: true}},
			}}
		second := first
		second.PlannedAt, second.WindowStart = at.Add(24*time.Hour+30*time.Minute), at.Add(24*time.Hour)
		second.WindowEnd, second.ScanEvery = second.WindowStart.Add(5*time.Hour), 3*24*time.Hour
		second.Servers = first.Servers[:1]
		for _, want := range []store.PlanRecord{first, second} {
			if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.SaveScanPlan(ctx, want) }); err != nil {
				t.Fatal(err)
			}
			got, ok, err := st.LatestScanPlan(ctx)
			if err != nil || !ok {
				t.Fatalf("latest plan: %v, %v", ok, err)
			}
			if !got.PlannedAt.Equal(want.PlannedAt) || !got.WindowStart.Equal(want.WindowStart) || !got.WindowEnd.Equal(want.WindowEnd) ||
				got.ScanEvery != want.ScanEvery || fmt.Sprint(got.Servers) != fmt.Sprint(want.Servers) {
				t.Errorf("read back\n %+v\nwant\n %+v", got, want)
			}
		}
	})
}
