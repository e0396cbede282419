package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestUnchangedScansExtendOneRow: scanning a domain whose live record has
// not changed, through the real lookups and fakes, adds no row; the domain
// page shows the one result with the number of scans that saw it.
func TestUnchangedScansExtendOneRow(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		s := newSite(t, dburl)
		s.addStaff(t, "anna")
		b := s.browser(t)
		b.signIn("anna", password)
		ctx := context.Background()
		const name = "janvandenheuvel.com"
		for range 3 {
			if _, err := s.Scanner.Scan(ctx, name); err != nil {
				t.Fatal(err)
			}
		}
		scans, err := s.Store.Scans(ctx, name, 0)
		if err != nil || len(scans) == 0 {
			t.Fatalf("scans: %d, %v", len(scans), err)
		}
		if latest := scans[0]; latest.SeenCount < 3 {
			t.Errorf("three unchanged scans: %d rows, the latest seen %d times", len(scans), latest.SeenCount)
		}
		_, page := b.do("GET", "/staff/domains/"+name, nil)
		if !strings.Contains(page, "seen by ") {
			t.Errorf("domain page does not say how many scans saw the result:\n%s", page)
		}
	})
}
