package requests_test

import (
	"context"
	"testing"

	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// SIDN assigns contact handles itself (REGISTRIES.md, SIDN): the first
// request creates the role contact and the handle SIDN gave it is kept in
// the database; the next request uses it without creating another; when
// SIDN no longer has it, the next request creates it anew and keeps the
// new handle. On both backends.
func TestSIDNRoleContactHandleKeptInTheDatabase(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		e := requeststest.New(t, url)
		parties := e.UseSandboxRegistrars(t)
		ctx := context.Background()
		nl := e.Exposed(t, "nl", "sidn")
		if len(nl) < 3 {
			t.Fatalf("exposed .nl domains: %v; the test needs 3", nl)
		}
		submit := func(domain string) string {
			t.Helper()
			r := e.Approve(t, domain)
			if err := e.Service.Submit(ctx, r.ID); err != nil {
				t.Fatalf("%s: %v", domain, err)
			}
			d, ok := parties.SIDN.Domain(domain)
			if !ok || len(d.Contacts["admin"]) != 1 {
				t.Fatalf("%s at SIDN: %+v", domain, d)
			}
			admin, _ := parties.SIDN.Contact(d.Contacts["admin"][0])
			if admin.Email != sandbox.HostingRoleAddress {
				t.Fatalf("%s: admin %+v, want the role contact", domain, admin)
			}
			return admin.ID
		}
		creates := func() int {
			n := 0
			for _, c := range parties.SIDN.Calls() {
				if c.Command == "contact:create" && c.Changed() {
					n++
				}
			}
			return n
		}
		kept := func(handle string) bool {
			t.Helper()
			hits, err := e.Store.FindText(ctx, []string{handle})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hits {
				if h.Table == "party_handles" && h.Column == "handle" {
					return true
				}
			}
			return false
		}

		first := submit(nl[0])
		if again := submit(nl[1]); again != first || creates() != 1 || !kept(first) {
			t.Errorf("second request: admin %s (first %s), %d creates, kept %v; want one role contact, kept",
				again, first, creates(), kept(first))
		}
		// The role contact of the sandbox's own domains is the company's
		// seeded one; the one created here is a new handle of SIDN's.
		if first == "HOS000001-HOSTV" {
			t.Errorf("the role contact is the seeded one: %s", first)
		}

		// The domains leave SIDN and SIDN deletes the unused contact.
		for _, d := range nl[:2] {
			if err := parties.SIDN.DeleteDomain(d); err != nil {
				t.Fatal(err)
			}
		}
		if err := parties.SIDN.DeleteContact(first); err != nil {
			t.Fatal(err)
		}
		second := submit(nl[2])
		if second == first || creates() != 2 || !kept(second) || kept(first) {
			t.Errorf("after SIDN lost %s: admin %s, %d creates, new kept %v, old kept %v", first, second, creates(),
				kept(second), kept(first))
		}
	})
}
