package store_test

import (
	"context"
	"testing"

	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// A party's handle for one of our contacts is kept once, replaced only in
// place of the handle the caller knew, and a second process that put one
// too goes on with the first one's.
func TestPartyHandles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if h, err := st.PartyHandle(ctx, "sidn", "admin-role"); err != nil || h != "" {
			t.Fatalf("before any: %q, %v", h, err)
		}
		if h, err := st.PutPartyHandle(ctx, "sidn", "admin-role", "", "HOS000001-AFSCH"); err != nil || h != "HOS000001-AFSCH" {
			t.Fatalf("first put: %q, %v", h, err)
		}
		// Another process created its own contact in the meantime: the
		// first handle stays.
		if h, err := st.PutPartyHandle(ctx, "sidn", "admin-role", "", "HOS000002-AFSCH"); err != nil || h != "HOS000001-AFSCH" {
			t.Errorf("racing put: %q, %v; want the first handle kept", h, err)
		}
		// The registry said the handle is gone: the new one replaces it.
		if h, err := st.PutPartyHandle(ctx, "sidn", "admin-role", "HOS000001-AFSCH", "HOS000003-AFSCH"); err != nil || h != "HOS000003-AFSCH" {
			t.Errorf("replacement: %q, %v", h, err)
		}
		// A replacement of a handle that was replaced already keeps the
		// other process's.
		if h, err := st.PutPartyHandle(ctx, "sidn", "admin-role", "HOS000001-AFSCH", "HOS000004-AFSCH"); err != nil || h != "HOS000003-AFSCH" {
			t.Errorf("late replacement: %q, %v", h, err)
		}
		if h, _ := st.PartyHandle(ctx, "sidn", "other purpose"); h != "" {
			t.Errorf("another purpose: %q", h)
		}
		if h, _ := st.PartyHandle(ctx, "cznic", "admin-role"); h != "" {
			t.Errorf("another party: %q", h)
		}
		if _, err := st.PutPartyHandle(ctx, "sidn", "admin-role", "", ""); err == nil {
			t.Error("an empty handle was kept")
		}
	})
}
