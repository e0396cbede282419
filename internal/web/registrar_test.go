package web_test

import (
	"context"
	"html"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestDomainPageShowsTheLiveRegistrar: the domain page names the imported
// registrar and the one the live record names, with its IANA ID, and says
// when they differ.
func TestDomainPageShowsTheLiveRegistrar(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		s := newSite(t, dburl)
		s.addStaff(t, "anna")
		b := s.browser(t)
		b.signIn("anna", password)
		const name = "janvandenheuvel.com"

		_, page := b.do("GET", "/staff/domains/"+name, nil)
		page = html.UnescapeString(page)
		for _, want := range []string{"openprovider (imported)", "live: Hosting Concepts B.V. d/b/a Openprovider (IANA ID 1647)",
			"registrar Hosting Concepts B.V. d/b/a Openprovider (IANA ID 1647)"} {
			if !strings.Contains(page, want) {
				t.Errorf("domain page lacks %q:\n%s", want, page)
			}
		}
		if strings.Contains(page, "is not the imported one") {
			t.Error("a mismatch is shown where there is none")
		}

		s.World.Update(name, func(r *sandbox.Registration) { r.Registrar, r.RegistrarIANAID = "GoDaddy.com, LLC", "146" })
		if _, err := s.Scanner.Scan(context.Background(), name); err != nil {
			t.Fatal(err)
		}
		_, page = b.do("GET", "/staff/domains/"+name, nil)
		page = html.UnescapeString(page)
		if !strings.Contains(page, "live: GoDaddy.com, LLC (IANA ID 146)") || !strings.Contains(page, "the live registrar is not the imported one") {
			t.Errorf("domain page after the move:\n%s", page)
		}
	})
}
