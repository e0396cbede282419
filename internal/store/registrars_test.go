package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// A scan keeps the registrar of record the live record named, and the
// domains list the one of their latest classified scan beside the
// imported one.
func TestScanRegistrarOfRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedDomain(t, st, "a.nl")
		seedDomain(t, st, "b.nl")
		seedDomain(t, st, "c.nl")
		at := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
		live := model.Registrar{Name: "Hosting Concepts B.V. d/b/a Openprovider", IANAID: "1647"}
		ok := func(name string, r model.Registrar) model.ScanResult {
			return model.ScanResult{Domain: name, ScannedAt: at, Source: model.SourceRDAP, Server: "rdap.example",
				Status: model.ScanOK, Registrar: r, Classification: model.Classification{Verdict: model.VerdictRedacted}}
		}
		record(t, st, ok("a.nl", live))
		record(t, st, ok("b.nl", model.Registrar{})) // the record names none
		got, err := st.LatestScan(ctx, "a.nl")
		if err != nil || got.Registrar != live {
			t.Fatalf("a.nl read back: %+v, %v", got.Registrar, err)
		}
		if got, _ := st.LatestScan(ctx, "b.nl"); got.Registrar.Known() {
			t.Errorf("b.nl: %+v, want none", got.Registrar)
		}

		// A failed scan records no registrar and leaves the latest
		// classified scan's in place.
		at = at.Add(time.Hour)
		record(t, st, model.ScanResult{Domain: "a.nl", ScannedAt: at, Status: model.ScanFailed, FailureReason: "timeout"})
		if got, _ := st.Scans(ctx, "a.nl", 0); len(got) != 2 || got[0].Registrar.Known() || got[1].Registrar != live {
			t.Errorf("scans of a.nl: %+v", got)
		}
		list, err := st.DomainRegistrars(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := store.DomainRegistrar{Domain: "a.nl", Customer: "S1", Imported: "sidn", Live: live}
		if len(list) != 1 || list[0] != want {
			t.Errorf("domain registrars: %+v, want only %+v", list, want)
		}

		// A newer classified scan's registrar replaces it.
		moved := model.Registrar{Name: "GoDaddy.com, LLC", IANAID: "146"}
		record(t, st, ok("a.nl", moved))
		record(t, st, ok("c.nl", model.Registrar{Name: "REG-INTERNET-CZ"}))
		list, _ = st.DomainRegistrars(ctx)
		if len(list) != 2 || list[0].Live != moved || list[1].Domain != "c.nl" || list[1].Live.Name != "REG-INTERNET-CZ" {
			t.Errorf("after a new scan: %+v", list)
		}
	})
}
