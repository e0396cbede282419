package privacy_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/privacy"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestRegisterKnowsEveryColumn walks the catalogue of both backends: a
// column the register cannot place fails here, so that a migration cannot
// add personal data the register and the policy do not know of.
func TestRegisterKnowsEveryColumn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tables, err := st.Catalogue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(tables) < 15 {
			t.Fatalf("catalogue of %d tables", len(tables))
		}
		for _, tb := range tables {
			for _, c := range tb.Columns {
				if _, ok := privacy.HoldingOf(tb.Name, c.Name); !ok {
					t.Errorf("%s.%s: the register does not know what it holds", tb.Name, c.Name)
				}
			}
		}
		p, _ := privacy.Parse([]string{"customers=7y"})
		var b bytes.Buffer
		if err := p.Register(ctx, st, &b); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"## customers", "7 years from the end of the relationship", "`customers.email`",
			"`scan_results.raw`", "`outbox.body_text`", "`consent_records.client_hash`", "## staff", "`river_job.", "kept outside the database"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("register lacks %q:\n%s", want, b.String())
			}
		}
	})
}

func TestParsePolicy(t *testing.T) {
	for _, bad := range []string{"customers", "customers=", "customers=-1y", "customers=0d", "customers=5x", "customers=five",
		"clients=5y", "raw_responses=1000000d"} {
		if _, err := privacy.Parse([]string{bad}); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	p, err := privacy.Parse([]string{"customers=7y", "raw_responses=2w"})
	if err != nil || p.Term(privacy.Customers).String() != "7y" || p.Term(privacy.RawResponses).Human() != "2 weeks" {
		t.Errorf("%v %v", p.Rules(), err)
	}
}
