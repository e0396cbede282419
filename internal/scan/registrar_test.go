package scan_test

import (
	"context"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// Every scan records the registrar of record the live record names, over
// RDAP (with the IANA ID where the registry follows ICANN's profile) and
// over the WHOIS fallback (.be), and reads it back; DENIC names none.
func TestScanRecordsTheLiveRegistrar(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		importSamples(t, st)
		w, scanner := newWorld(t, st)
		seen := map[string]bool{}
		for _, name := range []string{"janvandenheuvel.nl", "janvandenheuvel.com", "sannevandermeer.org",
			"sannevandermeer.eu", "sannevandermeer.be", "daandevries.de"} {
			r, err := scanner.Scan(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			reg, _ := w.Get(name)
			want := model.Registrar{Name: reg.Registrar}
			switch r.Domain[len(r.Domain)-3:] {
			case "com", "org":
				want.IANAID = reg.RegistrarIANAID
			case ".de":
				want = model.Registrar{}
			}
			stored, err := st.LatestScan(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if r.Registrar != want || stored.Registrar != want {
				t.Errorf("%s (%s): scanned %+v, stored %+v, want %+v", name, r.Source, r.Registrar, stored.Registrar, want)
			}
			seen[string(r.Source)] = seen[string(r.Source)] || want.Known()
		}
		if !seen["rdap"] || !seen["whois"] {
			t.Errorf("sources with a registrar: %v, want RDAP and WHOIS", seen)
		}
		if got, _ := w.Get("janvandenheuvel.com"); got.RegistrarIANAID == "" {
			t.Error("the sandbox published no IANA ID for a .com registrar")
		}

		// A domain moves: the next scan records the new registrar, and the
		// digest lists the domain, by name only without a configuration.
		w.Update("janvandenheuvel.com", func(r *sandbox.Registration) { r.Registrar, r.RegistrarIANAID = "GoDaddy.com, LLC", "146" })
		if r, err := scanner.Scan(ctx, "janvandenheuvel.com"); err != nil || r.Registrar != (model.Registrar{Name: "GoDaddy.com, LLC", IANAID: "146"}) {
			t.Fatalf("after the move: %+v, %v", r.Registrar, err)
		}
		d, err := scan.BuildDigest(ctx, st, st.Now().Add(-24*time.Hour), st.Now())
		if err != nil {
			t.Fatal(err)
		}
		var moved bool
		for _, m := range d.RegistrarMismatches {
			moved = moved || m.Domain == "janvandenheuvel.com" && m.Imported == "openprovider" && m.Live.IANAID == "146"
		}
		if !moved {
			t.Errorf("the digest does not list the moved domain: %+v", d.RegistrarMismatches)
		}
	})
}
