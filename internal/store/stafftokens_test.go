package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestStaffTokensBelongToAccounts: a token is made only for an account
// that exists and is enabled; it works until it expires (90 days unless
// told otherwise), ends when its account is disabled and stays dead if the
// account comes back; its use is recorded at most once a minute.
func TestStaffTokensBelongToAccounts(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		var mu sync.Mutex
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		wait := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
		st := storetest.Open(t, url, clock)
		ctx := context.Background()
		insert := func(tok *store.StaffToken) error {
			return st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertStaffToken(ctx, tok) })
		}
		if err := insert(&store.StaffToken{Name: "nobody", Hash: "h0"}); !model.IsKind(err, model.KindNotFound) {
			t.Errorf("a token for a name without an account: %v", err)
		}
		for _, name := range []string{"anna", "bob"} {
			if err := st.InTx(ctx, func(tx *store.Tx) error {
				return tx.InsertStaffUser(ctx, &store.StaffUser{Name: name, PasswordHash: "x"})
			}); err != nil {
				t.Fatal(err)
			}
		}
		long := store.StaffToken{Name: "anna", Hash: "h-long"}
		short := store.StaffToken{Name: "anna", Hash: "h-short", ExpiresAt: clock().Add(time.Hour)}
		bobs := store.StaffToken{Name: "bob", Hash: "h-bob"}
		for _, tok := range []*store.StaffToken{&long, &short, &bobs} {
			if err := insert(tok); err != nil {
				t.Fatal(err)
			}
		}
		if err := insert(&store.StaffToken{Name: "anna", Hash: "h-past", ExpiresAt: clock().Add(-time.Second)}); !model.IsKind(err, model.KindInvalid) {
			t.Errorf("a token that has expired already: %v", err)
		}
		if !long.ExpiresAt.Equal(clock().Add(store.DefaultStaffTokenTTL)) || long.UserID == 0 || long.UserID == bobs.UserID {
			t.Errorf("token %+v", long)
		}

		// Use is recorded, but not on every request.
		first := clock()
		use := func() {
			t.Helper()
			got, err := st.StaffTokenByHash(ctx, "h-long")
			if err != nil || got.Name != "anna" || got.UserID != long.UserID {
				t.Fatalf("token %+v, %v", got, err)
			}
			if err := st.TouchStaffToken(ctx, got); err != nil {
				t.Fatal(err)
			}
		}
		use()
		lastUsed := func() time.Time {
			t.Helper()
			tokens, err := st.StaffTokens(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, tok := range tokens {
				if tok.ID == long.ID {
					return tok.LastUsedAt
				}
			}
			t.Fatal("the token is not listed")
			return time.Time{}
		}
		if !lastUsed().Equal(first) {
			t.Errorf("last used %v, want %v", lastUsed(), first)
		}
		wait(30 * time.Second)
		use()
		if !lastUsed().Equal(first) {
			t.Errorf("a use within the minute was written: %v", lastUsed())
		}
		wait(31 * time.Second)
		use()
		if !lastUsed().Equal(clock()) {
			t.Errorf("a use after a minute was not written: %v", lastUsed())
		}

		// Expiry.
		if _, err := st.StaffTokenByHash(ctx, "h-short"); err != nil {
			t.Errorf("the short token before its time: %v", err)
		}
		wait(time.Hour)
		if _, err := st.StaffTokenByHash(ctx, "h-short"); !model.IsKind(err, model.KindUnauthorised) {
			t.Errorf("an expired token: %v", err)
		}
		wait(store.DefaultStaffTokenTTL)
		if _, err := st.StaffTokenByHash(ctx, "h-long"); !model.IsKind(err, model.KindUnauthorised) {
			t.Errorf("a token after 90 days: %v", err)
		}

		// Disabling the account ends its tokens, for good.
		fresh := store.StaffToken{Name: "bob", Hash: "h-bob2"}
		if err := insert(&fresh); err != nil {
			t.Fatal(err)
		}
		err := st.InTx(ctx, func(tx *store.Tx) error {
			u, err := tx.StaffUser(ctx, "bob")
			if err != nil {
				return err
			}
			return tx.DisableStaffUser(ctx, u.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.StaffTokenByHash(ctx, "h-bob2"); !model.IsKind(err, model.KindUnauthorised) {
			t.Errorf("a disabled account's token: %v", err)
		}
		if err := insert(&store.StaffToken{Name: "bob", Hash: "h-bob3"}); !model.IsKind(err, model.KindConflict) {
			t.Errorf("a token for a disabled account: %v", err)
		}
		if err := storetest.Exec(ctx, st, "UPDATE staff_users SET disabled_at = NULL WHERE name = 'bob'"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.StaffTokenByHash(ctx, "h-bob2"); !model.IsKind(err, model.KindUnauthorised) {
			t.Errorf("a token of an account enabled again: %v", err)
		}
		tokens, _ := st.StaffTokens(ctx)
		for _, tok := range tokens {
			if tok.ID == fresh.ID && (tok.RevokedAt.IsZero() || tok.Name != "bob" || tok.ExpiresAt.IsZero()) {
				t.Errorf("listed %+v", tok)
			}
		}
	})
}
