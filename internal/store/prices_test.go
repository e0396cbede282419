package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestPriceTableVersions: none until one is added; versions number 1, 2
// after each other; the current is the newest, an older one stays
// readable, rows come back sorted; versions cannot be changed; a request
// keeps the version it names, and one without reads back as 0.
func TestPriceTableVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := st.CurrentPriceTable(ctx); !model.IsKind(err, model.KindNotFound) {
			t.Fatalf("current before any: %v", err)
		}
		anna := model.Actor{Kind: model.ActorStaff, ID: "anna"}
		add := func(file string, rows ...model.PriceRow) store.PriceTable {
			t.Helper()
			p := store.PriceTable{ImportedBy: anna, SourceFile: file, SHA256: "sha-" + file, Rows: rows}
			if err := st.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.LockPriceTables(ctx); err != nil {
					return err
				}
				return tx.InsertPriceTable(ctx, &p)
			}); err != nil {
				t.Fatal(err)
			}
			return p
		}
		v1 := add("a.csv", model.PriceRow{TLD: "nl", Registrar: "*", RegistrarCost: 0, ServiceFee: 1250},
			model.PriceRow{TLD: "com", Registrar: "openprovider", RegistrarCost: 495, ServiceFee: 1250},
			model.PriceRow{TLD: "com", Registrar: "*", RegistrarCost: 600, ServiceFee: 1250})
		v2 := add("b.csv", model.PriceRow{TLD: "nl", Registrar: "*", RegistrarCost: 0, ServiceFee: 1500})
		if v1.Version != 1 || v2.Version != 2 || v2.ImportedAt.IsZero() {
			t.Fatalf("versions %d, %d at %v", v1.Version, v2.Version, v2.ImportedAt)
		}
		cur, err := st.CurrentPriceTable(ctx)
		if err != nil || cur.Version != 2 || cur.SourceFile != "b.csv" || cur.SHA256 != "sha-b.csv" || cur.ImportedBy != anna ||
			len(cur.Rows) != 1 || cur.Rows[0].ServiceFee != 1500 || cur.ImportedAt.Sub(v2.ImportedAt).Abs() > time.Millisecond {
			t.Errorf("current: %+v, %v", cur, err)
		}
		old, err := st.PriceTableVersion(ctx, 1)
		if err != nil || len(old.Rows) != 3 || old.Rows[0].Registrar != "*" || old.Rows[1].Registrar != "openprovider" ||
			old.Rows[1].RegistrarCost != 495 || old.Rows[2].TLD != "nl" {
			t.Errorf("version 1: %+v, %v", old, err)
		}
		if _, err := st.PriceTableVersion(ctx, 3); !model.IsKind(err, model.KindNotFound) {
			t.Errorf("version 3: %v", err)
		}
		for _, sql := range []string{"UPDATE price_tables SET source_file = 'x'", "UPDATE price_table_rows SET service_fee = 1"} {
			if err := storetest.Exec(ctx, st, sql); err == nil {
				t.Errorf("%s: allowed", sql)
			}
		}

		seedDomain(t, st, "a.nl")
		seedDomain(t, st, "b.nl")
		before := newRequest(t, st, "a.nl")
		if got, err := st.Request(ctx, before.ID); err != nil || got.PriceTableVersion != 0 {
			t.Errorf("a request without a version: %d, %v", got.PriceTableVersion, err)
		}
		d, _ := st.Domain(ctx, "b.nl")
		r := model.PrivacyRequest{Domain: d.Name, DomainID: d.ID, CustomerID: d.CustomerID, State: model.StateQuoted,
			Price: model.NewPrice(0, 1500), PriceTableVersion: 2, CreatedBy: anna,
			Quote: model.QuoteText{Version: "v1", Language: model.LanguageDutch, Text: "Offerte", SHA256: "abc"}}
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertRequest(ctx, &r) }); err != nil {
			t.Fatal(err)
		}
		list, err := st.Requests(ctx, store.RequestFilter{Domain: "b.nl"})
		if err != nil || len(list) != 1 || list[0].PriceTableVersion != 2 {
			t.Errorf("the request's version: %+v, %v", list, err)
		}
		// A version that does not exist cannot be named.
		bad := r
		bad.ID, bad.State, bad.PriceTableVersion = 0, model.StateCancelled, 9
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertRequest(ctx, &bad) }); err == nil {
			t.Error("a request named price table version 9")
		}
	})
}
