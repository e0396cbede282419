package requests_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/adapters"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/quote"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/registrars"
)

const priceHeader = "tld,registrar,registrar_cost,service_fee\n"

// TestImportPrices: an import is a version with its audit event; the same
// prices in another layout make none; a file with a bad row writes nothing,
// on an empty database and on one with a table.
func TestImportPrices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		audits := func() int {
			t.Helper()
			es, err := st.AuditEvents(ctx, store.AuditFilter{Action: "prices.imported"})
			if err != nil {
				t.Fatal(err)
			}
			return len(es)
		}
		bad := priceHeader + "nl,*,0.00,12.50\ncom,*,x,12.50\n"
		if _, err := requests.ImportPrices(ctx, st, strings.NewReader(bad), "bad.csv", staff); !model.IsKind(err, model.KindInvalid) ||
			!strings.Contains(err.Error(), "bad.csv:3: registrar_cost") {
			t.Errorf("bad file: %v", err)
		}
		if _, err := requests.ImportPrices(ctx, st, strings.NewReader(priceHeader), "empty.csv", staff); !model.IsKind(err, model.KindInvalid) {
			t.Errorf("empty file: %v", err)
		}
		if _, err := st.CurrentPriceTable(ctx); !model.IsKind(err, model.KindNotFound) || audits() != 0 {
			t.Fatalf("bad files left a table (%v) or %d audit events", err, audits())
		}

		in, err := requests.ImportPrices(ctx, st, strings.NewReader(priceHeader+"nl,*,0.00,12.50\ncom,openprovider,4.95,12.50\n"), "a.csv", staff)
		if err != nil || !in.Created || in.Table.Version != 1 || len(in.Table.Rows) != 2 {
			t.Fatalf("import: %+v, %v", in, err)
		}
		es, _ := st.AuditEvents(ctx, store.AuditFilter{Action: "prices.imported"})
		if len(es) != 1 || es[0].SubjectKind != "price_table" || es[0].SubjectID != "1" || es[0].Actor != staff ||
			es[0].Details["source_file"] != "a.csv" || es[0].Details["content_sha256"] != in.Table.SHA256 {
			t.Errorf("audit: %+v", es)
		}

		same := "tld;registrar;service_fee;registrar_cost\n.COM;openprovider;12,50;4,95\nnl;*;12,5;0\n"
		again, err := requests.ImportPrices(ctx, st, strings.NewReader(same), "same.csv", staff)
		if err != nil || again.Created || again.Table.Version != 1 || again.Table.SourceFile != "a.csv" || audits() != 1 {
			t.Errorf("identical import: %+v, %v, %d audit events", again, err, audits())
		}

		if _, err := requests.ImportPrices(ctx, st, strings.NewReader(priceHeader+"nl,*,0.00,15.00\nnl,*,0.00,16.00\n"), "dup.csv", staff); err == nil {
			t.Error("a file with two prices for .nl was imported")
		}
		cur, err := st.CurrentPriceTable(ctx)
		if err != nil || cur.Version != 1 || cur.SHA256 != in.Table.SHA256 || audits() != 1 {
			t.Errorf("after a bad file: %+v, %v", cur, err)
		}

		next, err := requests.ImportPrices(ctx, st, strings.NewReader(priceHeader+"nl,*,0.00,15.00\n"), "b.csv", staff)
		if err != nil || !next.Created || next.Table.Version != 2 || audits() != 2 {
			t.Errorf("second import: %+v, %v", next, err)
		}
		pt, err := requests.Prices{Store: st}.PriceTable(ctx)
		if err != nil || pt.Version != 2 || pt.SHA256() != next.Table.SHA256 {
			t.Errorf("in effect: %+v, %v", pt, err)
		}
	})
}

// TestNoPriceTable: without a table in the database nothing is queued, and
// the error says how to import one.
func TestNoPriceTable(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		e := requeststest.New(t, url)
		ctx := context.Background()
		if err := storetest.Exec(ctx, e.Store, "DELETE FROM price_table_rows"); err != nil {
			t.Fatal(err)
		}
		if err := storetest.Exec(ctx, e.Store, "DELETE FROM price_tables"); err != nil {
			t.Fatal(err)
		}
		_, err := e.Service.Create(ctx, requeststest.Exposed, staff, requests.CreateOptions{})
		if !model.IsKind(err, model.KindInvalid) || !strings.Contains(err.Error(), "afscherm prices import") {
			t.Errorf("create without a price table: %v", err)
		}
		if rs, _ := e.Store.Requests(ctx, store.RequestFilter{}); len(rs) != 0 {
			t.Errorf("%d requests queued without a price table", len(rs))
		}
	})
}

// TestQuotesFollowTheCurrentVersion: a quote records the version it was
// priced from; a request queued after a new import has the new prices and
// version, while the older one keeps its quoted price, text and version;
// a second service on the same database (another process) quotes from the
// new version too, without being told.
func TestQuotesFollowTheCurrentVersion(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		e := requeststest.New(t, url)
		ctx := context.Background()
		// Another process on the same database, set up before the import.
		other := storetest.Open(t, url, e.Clock.Now)
		router, err := adapters.Default(adapters.Deps{Tasks: requests.Tasks{Store: other}, Prices: requests.Prices{Store: other}}).
			WithRegistrars(sandbox.RegistrarsOfRecord()...)
		if err != nil {
			t.Fatal(err)
		}
		svc2 := *e.Service
		svc2.Store, svc2.Adapters = other, router

		first, err := e.Service.Create(ctx, requeststest.Exposed, staff, requests.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if first.PriceTableVersion != 1 || first.Price.Net() != 1250 || first.Price.Gross() != 1513 {
			t.Fatalf("first quote: version %d, %v", first.PriceTableVersion, first.Price)
		}
		events, _ := e.Store.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: strconv.FormatInt(first.ID, 10), Action: "request.created"})
		if len(events) != 1 || events[0].Details["price_table_version"] != 1.0 {
			t.Errorf("creation's audit event: %+v", events)
		}

		// The registrar cost and the fee of .nl go up.
		dearer := priceHeader + "nl,*,1.00,20.00\ncom,openprovider,4.95,12.50\norg,openprovider,4.95,12.50\n"
		if in, err := requests.ImportPrices(ctx, e.Store, strings.NewReader(dearer), "2027.csv", staff); err != nil || in.Table.Version != 2 {
			t.Fatalf("import: %+v, %v", in, err)
		}
		domains, err := e.Store.Domains(ctx, store.DomainFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var nl []string
		for _, d := range domains {
			if d.TLD() == "nl" && d.LastVerdict == model.VerdictExposed && d.Name != requeststest.Exposed {
				nl = append(nl, d.Name)
			}
		}
		var second, third model.PrivacyRequest
		for _, d := range nl {
			if second.ID == 0 {
				second, err = svc2.Create(ctx, d, staff, requests.CreateOptions{})
			} else if third.ID == 0 {
				third, err = e.Service.Create(ctx, d, staff, requests.CreateOptions{})
			}
			if err != nil {
				t.Fatalf("%s: %v", d, err)
			}
		}
		if third.ID == 0 {
			t.Fatalf("too few exposed .nl domains: %v", nl)
		}
		for _, r := range []model.PrivacyRequest{second, third} {
			got, err := e.Store.Request(ctx, r.ID)
			if err != nil || got.PriceTableVersion != 2 || got.Price.Lines[0].Net != 100 || got.Price.Lines[1].Net != 2000 ||
				got.Price.Gross() != 2541 || !strings.Contains(got.Quote.Text, "25,41") {
				t.Errorf("request %d after the import: version %d, %+v, %v", r.ID, got.PriceTableVersion, got.Price, err)
			}
		}
		old, err := e.Store.Request(ctx, first.ID)
		if err != nil || old.PriceTableVersion != 1 || old.Price.Gross() != 1513 || old.Quote.SHA256 != first.Quote.SHA256 {
			t.Errorf("the older request: version %d, %+v, %v", old.PriceTableVersion, old.Price, err)
		}
	})
}

// TestTableCost: an adapter's cost comes from the table the quote carries
// when it carries one, else from the source's table in effect; without
// either the error says how to import one.
func TestTableCost(t *testing.T) {
	ctx := context.Background()
	read := func(fee string) *quote.PriceTable {
		pt, err := quote.ReadPriceTable(strings.NewReader(priceHeader+"nl,*,"+fee+",12.50\n"), "p.csv")
		if err != nil {
			t.Fatal(err)
		}
		return pt
	}
	inEffect, quoted := read("1.00"), read("2.00")
	cost := adapters.TableCost(inEffect)
	d := registrars.Domain{Name: "a.nl", Registrar: "x"}
	if c, err := cost(ctx, d); err != nil || c != 100 {
		t.Errorf("in effect: %d, %v", c, err)
	}
	if c, err := cost(quote.WithTable(ctx, quoted), d); err != nil || c != 200 {
		t.Errorf("the quote's table: %d, %v", c, err)
	}
	if _, err := adapters.TableCost(nil)(ctx, d); err == nil || !strings.Contains(err.Error(), "afscherm prices import") {
		t.Errorf("no table: %v", err)
	}
}

// TestConcurrentImports: processes that start together with the same
// --price-table file (serve and workers) import it once between them.
func TestConcurrentImports(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		stores := []*store.Store{storetest.Open(t, url, nil), storetest.Open(t, url, nil), storetest.Open(t, url, nil)}
		file := priceHeader + "nl,*,0.00,12.50\ncom,openprovider,4.95,12.50\n"
		created := make(chan bool, len(stores))
		errs := make(chan error, len(stores))
		for _, st := range stores {
			go func() {
				in, err := requests.ImportPrices(ctx, st, strings.NewReader(file), "prices.csv", staff)
				created <- in.Created
				errs <- err
			}()
		}
		n := 0
		for range stores {
			if <-created {
				n++
			}
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		cur, err := stores[0].CurrentPriceTable(ctx)
		if n != 1 || err != nil || cur.Version != 1 {
			t.Errorf("%d imports created a version; current %d, %v", n, cur.Version, err)
		}
	})
}
