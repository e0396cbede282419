package csvimport_test

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/afscherm/afscherm"
	"github.com/afscherm/afscherm/internal/csvimport"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

var today = model.NewDate(2026, 11, 25)

func sample(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(afscherm.Testdata, "testdata/import/"+name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func importText(t *testing.T, st *store.Store, customers, domains string, opts csvimport.Options) (csvimport.Summary, error) {
	t.Helper()
	var cr, dr *strings.Reader
	b := csvimport.Batch{}
	switch {
	case customers != "" && domains != "":
		cr, dr = strings.NewReader(customers), strings.NewReader(domains)
		b = csvimport.Read(cr, "customers.csv", dr, "domains.csv")
	case customers != "":
		b = csvimport.Read(strings.NewReader(customers), "customers.csv", nil, "")
	default:
		b = csvimport.Read(nil, "", strings.NewReader(domains), "domains.csv")
	}
	if opts.Today.IsZero() {
		opts.Today = today
	}
	return csvimport.Apply(context.Background(), st, b, opts)
}

func counts(t *testing.T, st *store.Store) (customers, domains, events int) {
	t.Helper()
	ctx := context.Background()
	c, err := st.CountCustomers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d, err := st.CountDomains(ctx)
	if err != nil {
		t.Fatal(err)
	}
	es, err := st.AuditEvents(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return c, d, len(es)
}

func TestImportSampleIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		customers, domains := sample(t, "customers.csv"), sample(t, "domains.csv")
		sum, err := importText(t, st, customers, domains, csvimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.CustomersCreated != 50 || sum.DomainsCreated != 117 || sum.CustomersUpdated+sum.DomainsUpdated != 0 {
			t.Errorf("first import: %+v", sum)
		}
		c, d, events := counts(t, st)
		if c != 50 || d != 117 || events != 50+117+1 {
			t.Errorf("after first import: %d customers, %d domains, %d events", c, d, events)
		}

		sum, err = importText(t, st, customers, domains, csvimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Changed() || sum.CustomersUnchanged != 50 || sum.DomainsUnchanged != 117 {
			t.Errorf("second import changed something: %+v", sum)
		}
		if c2, d2, events2 := counts(t, st); c2 != c || d2 != d || events2 != events {
			t.Errorf("second import wrote: %d customers, %d domains, %d events", c2, d2, events2)
		}

		idn, err := st.Domain(context.Background(), "xn--bckerei-mller-bfb28a.de")
		if err != nil || idn.CustomerNumber != "K1048" || idn.DisplayName() != "bäckerei-müller.de" {
			t.Errorf("IDN domain: %+v, %v", idn, err)
		}
	})
}

func TestImportUpdatesAndAuditsFieldNamesOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		header := "customer_number,name,kind,email,phone,street,postal_code,city,country,language,relationship_end\n"
		if _, err := importText(t, st, header+"K1,Jan Smit,person,jan@example.nl,,Dorpsstraat 1,1234 AB,Utrecht,NL,nl,\n", "", csvimport.Options{}); err != nil {
			t.Fatal(err)
		}
		sum, err := importText(t, st, header+"K1,Jan Smit,person,jan@example.nl,,Kerkstraat 9,1234 AB,Zeist,NL,nl,2026-12-31\n", "", csvimport.Options{})
		if err != nil || sum.CustomersUpdated != 1 {
			t.Fatalf("update: %+v, %v", sum, err)
		}
		c, _ := st.Customer(ctx, "K1")
		if c.City != "Zeist" || c.RelationshipEnd.String() != "2026-12-31" {
			t.Errorf("customer = %+v", c)
		}
		es, err := st.AuditEvents(ctx, store.AuditFilter{Action: "customer.updated"})
		if err != nil || len(es) != 1 {
			t.Fatalf("events %+v, %v", es, err)
		}
		fields, _ := es[0].Details["fields"].([]any)
		if !slices.Equal(fields, []any{"street", "city", "relationship_end"}) {
			t.Errorf("audited fields %v", es[0].Details)
		}
		all, _ := st.AuditEvents(ctx, store.AuditFilter{})
		for _, e := range all {
			for _, v := range e.Details {
				if s, _ := v.(string); strings.Contains(s, "Kerkstraat") || strings.Contains(s, "Zeist") {
					t.Errorf("audit event %s holds personal data: %v", e.Action, e.Details)
				}
			}
		}
	})
}

func TestImportIsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		customers := sample(t, "customers.csv")
		domains := sample(t, "domains.csv") +
			"nobody-owns-this.nl,K9999,sidn\n" + // line 119: unknown customer
			"not a domain,K1001,sidn\n" // line 120: bad name
		_, err := importText(t, st, customers, domains, csvimport.Options{})
		if !model.IsKind(err, model.KindInvalid) {
			t.Fatalf("err = %v", err)
		}
		msg := err.Error()
		for _, want := range []string{"domains.csv:119: customer_number: no customer K9999", "domains.csv:120: domain:", "2 problems"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error lacks %q:\n%s", want, msg)
			}
		}
		if c, d, events := counts(t, st); c+d+events != 0 {
			t.Errorf("a refused import wrote %d customers, %d domains, %d events", c, d, events)
		}
	})
}

func TestImportDomainsOfKnownCustomersAndRemoveMissing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := importText(t, st, sample(t, "customers.csv"), sample(t, "domains.csv"), csvimport.Options{}); err != nil {
			t.Fatal(err)
		}
		// A later domain file alone: one domain moves to another customer,
		// one is new, and every domain it does not list leaves us.
		later := "domain;customer_number;registrar\njanvandenheuvel.nl;K1003;sidn\nnieuw-domein.nl;K1001;sidn\n"
		sum, err := importText(t, st, "", later, csvimport.Options{RemoveMissing: true, Today: today.AddDate(0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if sum.DomainsCreated != 1 || sum.DomainsUpdated != 1 || sum.DomainsRemoved != 116 {
			t.Errorf("summary %+v", sum)
		}
		moved, _ := st.Domain(ctx, "janvandenheuvel.nl")
		if moved.CustomerNumber != "K1003" || moved.AddedOn != today || !moved.Active() {
			t.Errorf("moved domain %+v", moved)
		}
		active, _ := st.Domains(ctx, store.DomainFilter{ActiveOnly: true})
		if len(active) != 2 {
			t.Errorf("%d active domains, want 2", len(active))
		}
		gone, _ := st.Domain(ctx, "goudenkorenaar.nl")
		if gone.RemovedOn != today.AddDate(0, 0, 1) {
			t.Errorf("removed domain %+v", gone)
		}

		// The full list again brings them back.
		sum, err = importText(t, st, "", sample(t, "domains.csv"), csvimport.Options{RemoveMissing: true})
		if err != nil || sum.DomainsUpdated != 117 || sum.DomainsRemoved != 1 {
			t.Errorf("return: %+v, %v", sum, err)
		}
	})
}
