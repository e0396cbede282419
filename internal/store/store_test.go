package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/database"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// The contract: every test here runs on SQLite and on PostgreSQL.

func customer(number string) model.Customer {
	return model.Customer{
		Number: number, Name: "Jan de Vries", Kind: model.CustomerPerson, Email: "jan@example.nl",
		Phone: "+31 6 1234 5678", Street: "Dorpsstraat 1", PostalCode: "1234 AB", City: "Utrecht",
		Country: "NL", Language: model.LanguageDutch,
	}
}

func TestMigrateIsRepeatable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		applied, err := st.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Errorf("second migration applied %v", applied)
		}
		if st.SchemaVersion() < 1 {
			t.Errorf("schema version %d", st.SchemaVersion())
		}
	})
}

func TestMigrateConcurrently(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				st, err := database.Open(ctx, url, database.Options{})
				if err == nil {
					st.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		st := storetest.Open(t, url, nil)
		if n, err := st.CountCustomers(ctx); err != nil || n != 0 {
			t.Errorf("count = %d, %v", n, err)
		}
	})
}

func TestRefusesNewerSchema(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		st := storetest.Open(t, url, nil)
		if err := storetest.Exec(ctx, st, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '2099-01-01T00:00:00.000000Z')"); err != nil {
			t.Fatal(err)
		}
		_, err := database.Open(ctx, url, database.Options{})
		if !model.IsKind(err, model.KindConflict) || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("opening a newer database: %v", err)
		}
	})
}

func TestCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		c := customer("C1")
		c.RelationshipEnd = model.NewDate(2027, 3, 31)
		err := st.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.InsertCustomer(ctx, &c); err != nil {
				return err
			}
			o := customer("C2")
			o.Kind, o.Name, o.Phone = model.CustomerOrganisation, "Bakkerij B.V.", ""
			return tx.InsertCustomer(ctx, &o)
		})
		if err != nil {
			t.Fatal(err)
		}
		if c.ID == 0 || c.CreatedAt.IsZero() {
			t.Errorf("insert did not set id and time: %+v", c)
		}
		got, err := st.Customer(ctx, "C1")
		if err != nil {
			t.Fatal(err)
		}
		if !got.SameData(c) || got.ID != c.ID || !got.CreatedAt.Equal(c.CreatedAt.Truncate(time.Microsecond)) {
			t.Errorf("read back %+v\nwant %+v (changed %v)", got, c, got.ChangedFields(c))
		}

		c.City, c.RelationshipEnd = "Amsterdam", model.Date{}
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateCustomer(ctx, &c) }); err != nil {
			t.Fatal(err)
		}
		got, _ = st.Customer(ctx, "C1")
		if got.City != "Amsterdam" || !got.RelationshipEnd.IsZero() {
			t.Errorf("update not stored: %+v", got)
		}

		all, err := st.Customers(ctx)
		if err != nil || len(all) != 2 || all[0].Number != "C1" || all[1].Kind != model.CustomerOrganisation {
			t.Errorf("list = %+v, %v", all, err)
		}
		if _, err := st.Customer(ctx, "C9"); !model.IsKind(err, model.KindNotFound) {
			t.Errorf("missing customer: %v", err)
		}
		dup := customer("C1")
		err = st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertCustomer(ctx, &dup) })
		if !model.IsKind(err, model.KindConflict) {
			t.Errorf("duplicate number: %v", err)
		}
		missing := customer("C9")
		err = st.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateCustomer(ctx, &missing) })
		if !model.IsKind(err, model.KindNotFound) {
			t.Errorf("update of a missing customer: %v", err)
		}
	})
}

func TestDomains(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a, b := customer("A"), customer("B")
		today := model.NewDate(2026, 11, 25)
		err := st.InTx(ctx, func(tx *store.Tx) error {
			for _, c := range []*model.Customer{&a, &b} {
				if err := tx.InsertCustomer(ctx, c); err != nil {
					return err
				}
			}
			for _, d := range []model.Domain{
				{Name: "example.nl", CustomerID: a.ID, Registrar: "sidn", AddedOn: today},
				{Name: "xn--bcher-kva.nl", CustomerID: a.ID, Registrar: "sidn", AddedOn: today, RemovedOn: today},
				{Name: "example.com", CustomerID: b.ID, Registrar: "openprovider", AddedOn: today},
			} {
				if err := tx.InsertDomain(ctx, &d); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		names := func(f store.DomainFilter) []string {
			ds, err := st.Domains(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, d := range ds {
				out = append(out, d.Name)
			}
			return out
		}
		if got := names(store.DomainFilter{}); !slices.Equal(got, []string{"example.com", "example.nl", "xn--bcher-kva.nl"}) {
			t.Errorf("all domains: %v", got)
		}
		if got := names(store.DomainFilter{CustomerNumber: "A", ActiveOnly: true}); !slices.Equal(got, []string{"example.nl"}) {
			t.Errorf("A's active domains: %v", got)
		}
		d, err := st.Domain(ctx, "xn--bcher-kva.nl")
		if err != nil || d.CustomerNumber != "A" || d.RemovedOn != today || d.AddedOn != today || d.Active() {
			t.Errorf("domain = %+v, %v", d, err)
		}
		d.CustomerID, d.RemovedOn = b.ID, model.Date{}
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateDomain(ctx, &d) }); err != nil {
			t.Fatal(err)
		}
		if d, _ := st.Domain(ctx, d.Name); d.CustomerNumber != "B" || !d.Active() {
			t.Errorf("after moving: %+v", d)
		}
		orphan := model.Domain{Name: "orphan.nl", CustomerID: 999999, Registrar: "sidn", AddedOn: today}
		err = st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertDomain(ctx, &orphan) })
		if !model.IsKind(err, model.KindConflict) {
			t.Errorf("domain without customer: %v", err)
		}
		if _, err := st.Domain(ctx, "nope.nl"); !model.IsKind(err, model.KindNotFound) {
			t.Errorf("missing domain: %v", err)
		}
	})
}

func TestAuditEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 11, 25, 9, 30, 15, 123456000, time.UTC)
		err := st.InTx(ctx, func(tx *store.Tx) error {
			for i, action := range []string{"customer.created", "customer.updated", "domain.created"} {
				e := model.AuditEvent{Actor: model.System("import"), Action: action, SubjectKind: strings.Split(action, ".")[0],
					SubjectID: "C1", FromState: "", ToState: "x", Details: map[string]any{"n": i, "fields": []any{"city"}}}
				if i == 0 {
					e.At = at
				}
				if _, err := tx.AddAuditEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		es, err := st.AuditEvents(ctx, store.AuditFilter{SubjectKind: "customer", SubjectID: "C1"})
		if err != nil || len(es) != 2 {
			t.Fatalf("events = %+v, %v", es, err)
		}
		if !es[0].At.Equal(at) || es[0].Actor != model.System("import") || es[0].Action != "customer.created" {
			t.Errorf("first event = %+v", es[0])
		}
		if es[1].Details["n"] != float64(1) || es[1].Details["fields"].([]any)[0] != "city" || es[1].At.IsZero() {
			t.Errorf("second event = %+v", es[1])
		}
		last, err := st.AuditEvents(ctx, store.AuditFilter{Limit: 1})
		if err != nil || len(last) != 1 || last[0].Action != "domain.created" {
			t.Errorf("newest event = %+v, %v", last, err)
		}
	})
}

type noteArgs struct {
	Note string `json:"note"`
}

func (noteArgs) Kind() string { return "test_note" }

func countJobs(t *testing.T, st *store.Store, kind string) int {
	t.Helper()
	jobs, err := st.NewJobClient(&river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := jobs.JobList(context.Background(), river.NewJobListParams().Kinds(kind))
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Jobs)
}

func TestTransactionCarriesRowAndJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		write := func(number string, fail error) error {
			return st.InTx(ctx, func(tx *store.Tx) error {
				c := customer(number)
				if err := tx.InsertCustomer(ctx, &c); err != nil {
					return err
				}
				if _, err := tx.Enqueue(ctx, river.InsertManyParams{Args: noteArgs{Note: number}}); err != nil {
					return err
				}
				return fail
			})
		}

		boom := errors.New("boom")
		if err := write("ROLLED-BACK", boom); !errors.Is(err, boom) {
			t.Fatalf("InTx returned %v, want boom", err)
		}
		if _, err := st.Customer(ctx, "ROLLED-BACK"); !model.IsKind(err, model.KindNotFound) {
			t.Errorf("customer survived the rollback: %v", err)
		}
		if n := countJobs(t, st, "test_note"); n != 0 {
			t.Errorf("%d jobs survived the rollback", n)
		}

		if err := write("COMMITTED", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Customer(ctx, "COMMITTED"); err != nil {
			t.Errorf("committed customer: %v", err)
		}
		if n := countJobs(t, st, "test_note"); n != 1 {
			t.Errorf("%d jobs after commit, want 1", n)
		}
	})
}

func TestPanicRollsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		func() {
			defer func() {
				if recover() == nil {
					t.Error("panic was swallowed")
				}
			}()
			_ = st.InTx(ctx, func(tx *store.Tx) error {
				c := customer("P")
				if err := tx.InsertCustomer(ctx, &c); err != nil {
					return err
				}
				panic("bug")
			})
		}()
		if n, err := st.CountCustomers(ctx); err != nil || n != 0 {
			t.Errorf("count after panic = %d, %v", n, err)
		}
		// The store still works: the connection went back to the pool.
		c := customer("Q")
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertCustomer(ctx, &c) }); err != nil {
			t.Error(err)
		}
	})
}
