package requests_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/csvimport"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// importWithoutRegistrar imports the domains again through the import, with
// an empty registrar column.
func importWithoutRegistrar(t *testing.T, st *store.Store, names ...string) {
	t.Helper()
	ctx := context.Background()
	csv := "domain,customer_number,registrar\n"
	for _, n := range names {
		d, err := st.Domain(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		csv += n + "," + d.CustomerNumber + ",\n"
	}
	b := csvimport.Read(nil, "", strings.NewReader(csv), "domains.csv")
	if len(b.Problems) > 0 {
		t.Fatalf("import: %v", b.Problems)
	}
	if _, err := csvimport.Apply(ctx, st, b, csvimport.Options{Today: model.NewDate(2026, 11, 25)}); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if d, _ := st.Domain(ctx, n); d.Registrar != "" {
			t.Fatalf("%s still has registrar %q", n, d.Registrar)
		}
	}
}

// A domain imported without a registrar gets its adapter from the live
// registrar of record of its latest scan, matched by IANA ID (the .com at
// Openprovider) or by name (the .nl the company holds at SIDN) in the
// registrars file; the request is filed with that party.
func TestEmptyImportTakesTheLiveRegistrar(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		e := requeststest.New(t, url)
		parties := e.UseSandboxRegistrars(t)
		ctx := context.Background()
		com := e.Exposed(t, "com", "openprovider")
		nl := e.Exposed(t, "nl", "sidn")
		if len(com) == 0 || len(nl) == 0 {
			t.Fatalf("exposed samples: %v, %v", com, nl)
		}
		importWithoutRegistrar(t, e.Store, com[0], nl[0])

		draft, err := e.Service.Create(ctx, nl[0], requeststest.Staff, requests.CreateOptions{Draft: true})
		if err != nil || draft.Adapter != "sidn" {
			t.Errorf("%s: adapter %q, %v; want sidn, from the live registrar's name", nl[0], draft.Adapter, err)
		}
		// Created, approved and filed with Openprovider, whose adapter
		// serves only domains whose registrar of record is Openprovider.
		approved := e.Approve(t, com[0])
		if approved.Adapter != "openprovider" {
			t.Errorf("%s: adapter %q, want openprovider, from the live registrar's IANA ID", com[0], approved.Adapter)
		}
		if err := e.Service.Submit(ctx, approved.ID); err != nil {
			t.Fatal(err)
		}
		if d, ok := parties.Openprovider.Domain(com[0]); !ok || !d.PrivateWhois {
			t.Errorf("Openprovider's record of %s: %+v", com[0], d)
		}

		// A live registrar the registrars file does not know: the
		// adapter for any registrar (a task for staff) serves it, not
		// SIDN's.
		if len(nl) < 2 {
			t.Fatalf("exposed .nl samples: %v", nl)
		}
		e.World.Update(nl[1], func(r *sandbox.Registration) { r.Registrar = "Realtime Register B.V." })
		if _, err := e.Scanner.Scan(ctx, nl[1]); err != nil {
			t.Fatal(err)
		}
		importWithoutRegistrar(t, e.Store, nl[1])
		r, err := e.Service.Create(ctx, nl[1], requeststest.Staff, requests.CreateOptions{Draft: true})
		if err != nil || r.Adapter != "manual" {
			t.Errorf("%s at a registrar the file does not know: %q, %v; want manual", nl[1], r.Adapter, err)
		}
	})
}

// A domain whose live registrar of record is not the imported one gets no
// request, with both names in the reason, and the staff digest lists it
// in a section of its own; a record that names no registrar refuses
// nothing.
func TestLiveRegistrarMismatch(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		e := requeststest.New(t, url)
		ctx := context.Background()
		digest := func() scan.Digest {
			t.Helper()
			d, err := scan.ProduceDigestWith(ctx, e.Store, e.Service.Adapters, nil)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		if d := digest(); len(d.RegistrarMismatches) != 0 {
			t.Fatalf("before any move: %+v", d.RegistrarMismatches)
		}

		// The .nl domain moved to another registrar (by name: SIDN gives
		// no IANA IDs); the .com one to GoDaddy (by IANA ID).
		const nl, com = requeststest.Exposed, "janvandenheuvel.com"
		e.World.Update(nl, func(r *sandbox.Registration) { r.Registrar = "Realtime Register B.V." })
		e.World.Update(com, func(r *sandbox.Registration) {
			r.Registrar, r.RegistrarIANAID, r.Publish, r.Proxy = "GoDaddy.com, LLC", "146", true, false
		})
		for _, name := range []string{nl, com} {
			if _, err := e.Scanner.Scan(ctx, name); err != nil {
				t.Fatal(err)
			}
		}
		for name, want := range map[string]string{
			nl:  "the domain's live registrar of record is Realtime Register B.V., not sidn as imported",
			com: "the domain's live registrar of record is GoDaddy.com, LLC (IANA ID 146), not openprovider as imported",
		} {
			_, err := e.Service.Create(ctx, name, requeststest.Staff, requests.CreateOptions{})
			var refusal *requests.Refusal
			if !errors.As(err, &refusal) || !model.IsKind(err, model.KindConflict) || !strings.Contains(refusal.Reason, want) {
				t.Errorf("%s: %v, want a refusal with %q", name, err, want)
			}
			if reqs, _ := e.Store.Requests(ctx, store.RequestFilter{Domain: name}); len(reqs) != 0 {
				t.Errorf("%s: a request was made: %+v", name, reqs)
			}
		}

		d := digest()
		got := map[string]scan.RegistrarMismatch{}
		for _, m := range d.RegistrarMismatches {
			got[m.Domain] = m
		}
		if len(got) != 2 || got[nl].Imported != "sidn" || got[nl].Live.Name != "Realtime Register B.V." ||
			got[com].Imported != "openprovider" || got[com].Live.IANAID != "146" || got[nl].Customer != "K1001" {
			t.Errorf("digest mismatches: %+v", d.RegistrarMismatches)
		}
		var text strings.Builder
		d.WriteText(&text, time.UTC)
		for _, want := range []string{"Registrar of record differs from the import", "imported sidn, live Realtime Register B.V.",
			"imported openprovider, live GoDaddy.com, LLC (IANA ID 146)"} {
			if !strings.Contains(text.String(), want) {
				t.Errorf("digest text lacks %q:\n%s", want, text.String())
			}
		}
		stored, err := e.Store.LatestDigest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := scan.ParseDigest(stored.Body); err != nil || len(back.RegistrarMismatches) != 2 {
			t.Errorf("stored digest: %+v, %v", back.RegistrarMismatches, err)
		}

		// A record that names no registrar refuses nothing.
		e.World.Update(nl, func(r *sandbox.Registration) { r.Registrar = "" })
		if r, err := e.Scanner.Scan(ctx, nl); err != nil || r.Registrar.Known() {
			t.Fatalf("rescan: %+v, %v", r.Registrar, err)
		}
		if _, err := e.Service.Create(ctx, nl, requeststest.Staff, requests.CreateOptions{}); err != nil {
			t.Errorf("no registrar in the record: %v", err)
		}
		if d := digest(); len(d.RegistrarMismatches) != 1 || d.RegistrarMismatches[0].Domain != com {
			t.Errorf("after the .nl record names none: %+v", d.RegistrarMismatches)
		}
	})
}
