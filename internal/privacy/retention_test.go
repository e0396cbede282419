package privacy_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/privacy"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// state is what the retention policy touches, counted.
type state struct {
	raw, values, mails, hashes, signIns, digests, customers int
}

func measure(t *testing.T, f *subjectFixture) state {
	t.Helper()
	ctx := context.Background()
	var s state
	n, _ := f.Store.CountRawResponses(ctx)
	s.raw = int(n)
	for _, n := range valuesByCustomer(t, f) {
		s.values += n
	}
	mails, _ := f.Store.Mails(ctx, store.MailFilter{})
	for _, m := range mails {
		if m.To != "" {
			s.mails++
		}
	}
	reqs, _ := f.Store.Requests(ctx, store.RequestFilter{})
	for _, r := range reqs {
		cs, _ := f.Store.ConsentRecords(ctx, r.ID)
		for _, c := range cs {
			if c.ClientHash != "" {
				s.hashes++
			}
		}
	}
	since := f.Clock.Now().Add(-100 * 365 * 24 * time.Hour)
	k, _ := f.Store.SignInFailures(ctx, "client:abc", since, false)
	s.signIns = k
	if _, err := f.Store.LatestDigest(ctx); err == nil {
		s.digests = 1
	}
	cs, _ := f.Store.Customers(ctx)
	s.customers = len(cs)
	return s
}

// valuesByCustomer counts, per customer, the scans that hold values.
func valuesByCustomer(t *testing.T, f *subjectFixture) map[string]int {
	t.Helper()
	ctx := context.Background()
	out := map[string]int{}
	domains, _ := f.Store.Domains(ctx, store.DomainFilter{})
	for _, d := range domains {
		scans, _ := f.Store.Scans(ctx, d.Name, 0)
		for _, sc := range scans {
			for _, v := range sc.Fields {
				if v.Value != "" {
					out[d.CustomerNumber]++
					break
				}
			}
		}
	}
	return out
}

// TestRetentionTerms moves the clock past each term in turn: each run
// removes exactly what the policy says, and nothing else.
func TestRetentionTerms(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newSubject(t, url)
		ctx := context.Background()
		today := model.DateOf(f.Clock.Now(), time.UTC).String()
		f.setEnd(t, today)
		if err := storetest.Exec(ctx, f.Store, "UPDATE domains SET removed_on = '"+today+"' WHERE name = 'janvandenheuvel.nl'"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Store.SignInFailures(ctx, "client:abc", f.Clock.Now(), true); err != nil {
			t.Fatal(err)
		}
		o := privacy.Options{Policy: privacy.Default(), MailDir: f.mailDir, Batch: 7}
		// The samples hold customers whose relationship ended long ago: the
		// first run erases them, and touches nothing else.
		s0 := measure(t, f)
		first, err := privacy.Run(ctx, f.Store, o)
		if err != nil {
			t.Fatal(err)
		}
		if s := measure(t, f); first.Customers == 0 || s.customers != s0.customers-int(first.Customers) || s.mails != s0.mails || s.hashes != s0.hashes {
			t.Fatalf("first run: %+v → %+v (report %+v)", s0, s, first)
		}
		s0 = measure(t, f)
		if s0.raw == 0 || s0.values == 0 || s0.mails == 0 || s0.hashes != 1 || s0.signIns != 1 || s0.digests != 1 {
			t.Fatalf("fixture %+v", s0)
		}
		nlScans, _ := f.Store.Scans(ctx, "janvandenheuvel.nl", 0)

		step := func(after time.Duration, want func(s state) state) {
			t.Helper()
			f.Clock.Add(after)
			dry, err := privacy.DryRun(ctx, f.Store, o)
			if err != nil {
				t.Fatal(err)
			}
			before := measure(t, f)
			r, err := privacy.Run(ctx, f.Store, o)
			if err != nil {
				t.Fatal(err)
			}
			got, exp := measure(t, f), want(before)
			if got != exp {
				t.Errorf("after %v: %+v, want %+v (report %+v)", after, got, exp, r)
			}
			if dry != r {
				t.Errorf("after %v: the dry run said %+v, the run did %+v", after, dry, r)
			}
		}
		step(29*24*time.Hour, func(s state) state { return s }) // nothing is past its term
		step(2*24*time.Hour, func(s state) state {              // day 31: raw responses, client hashes
			s.raw, s.hashes, s.signIns = 0, 0, 0
			return s
		})
		step(60*24*time.Hour, func(s state) state { // day 91: the removed domain's values, mails, digests
			s.values -= len(nlScans)
			s.mails, s.digests = 0, 0
			return s
		})
		// Five years on: the customer, and whoever else's term ended, with
		// all their scans; everyone else's scans keep their values.
		f.Clock.Add(5 * 365 * 24 * time.Hour)
		leaving, _ := f.Store.CustomersPastTerm(ctx, model.DateOf(privacy.Default().Term(privacy.Customers).Before(f.Clock.Now()), time.UTC), 1000)
		valuesBefore := valuesByCustomer(t, f)
		r, err := privacy.Run(ctx, f.Store, o)
		if err != nil {
			t.Fatal(err)
		}
		valuesAfter := valuesByCustomer(t, f)
		for _, n := range leaving {
			delete(valuesBefore, n)
		}
		if r.Customers != int64(len(leaving)) || !maps.Equal(valuesBefore, valuesAfter) || !slices.Contains(leaving, person) {
			t.Errorf("five years on: erased %d of %v; values %v, want %v", r.Customers, leaving, valuesAfter, valuesBefore)
		}
		if _, err := f.Store.Customer(ctx, person); !model.IsKind(err, model.KindNotFound) {
			t.Errorf("customer after the term: %v", err)
		}
		if scans, _ := f.Store.Scans(ctx, "brambakker.nl", 0); len(scans) == 0 || scans[0].Verdict == "" {
			t.Error("another customer's scans went")
		}
		events, _ := f.Store.AuditEvents(ctx, store.AuditFilter{Action: "retention.run"})
		if len(events) != 5 {
			t.Errorf("%d retention events, want one per run", len(events))
		}
		for _, e := range events {
			for _, n := range f.needles {
				if strings.Contains(e.Reason, n) {
					t.Errorf("a retention event names %q", n)
				}
			}
		}
	})
}

// TestInterruptedRunResumes cuts runs short after each batch in turn: the
// next run finishes the work, and no customer is ever half erased.
func TestInterruptedRunResumes(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newSubject(t, url)
		ctx := context.Background()
		f.setEnd(t, "2020-01-01")
		f.Clock.Add(100 * 24 * time.Hour) // every term but the customers' has run for everything
		for cut := 1; ; cut++ {
			runCtx, cancel := context.WithCancel(ctx)
			batches := 0
			o := privacy.Options{Policy: privacy.Default(), MailDir: f.mailDir, Batch: 5, AfterBatch: func() {
				if batches++; batches == cut {
					cancel()
				}
			}}
			_, err := privacy.Run(runCtx, f.Store, o)
			cancel()
			// The customer is there whole, or gone whole.
			hits := f.hits(t)
			_, cerr := f.Store.Customer(ctx, person)
			if present := cerr == nil; present != (len(hits) > 0) || (present && len(f.hits(t)) < 3) {
				t.Fatalf("cut after batch %d: customer present %v with %d traces", cut, present, len(hits))
			}
			if err == nil {
				if cut < 5 {
					t.Fatalf("only %d runs were cut short: the cut does not stop a run", cut-1)
				}
				break // this run was not cut short: all done
			}
		}
		if _, err := privacy.Run(ctx, f.Store, privacy.Options{Policy: privacy.Default(), MailDir: f.mailDir}); err != nil {
			t.Fatal(err)
		}
		dry, _ := privacy.DryRun(ctx, f.Store, privacy.Options{Policy: privacy.Default()})
		if dry != (privacy.Report{}) || len(f.hits(t)) != 0 {
			t.Errorf("after the runs, still to do: %+v; traces %d", dry, len(f.hits(t)))
		}
	})
}
