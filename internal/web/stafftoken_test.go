package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/internal/web"
)

// TestStaffTokenEndsWithItsAccount: a staff API token opens the API, the
// console's pages and forms, River UI and /metrics while its account is
// enabled and it has not expired; once the account is disabled (and after
// it is enabled again) or the token has expired, every one of them refuses
// it. Its use is recorded.
func TestStaffTokenEndsWithItsAccount(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		s := newSiteWith(t, dburl, func(e *requeststest.Env, d *web.Deps) {
			mountRiverUI(t, e, d)
			d.Metrics = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("afscherm_store_up 1\n")) })
		})
		ctx := context.Background()
		s.addStaff(t, "anna")
		s.addStaff(t, "bob")
		tokens := map[string]*store.StaffToken{
			"afs_anna":       {Name: "anna"},
			"afs_anna_short": {Name: "anna", ExpiresAt: s.Clock.Now().Add(time.Hour)},
			"afs_bob":        {Name: "bob"},
		}
		for token, t0 := range tokens {
			t0.Hash = web.StaffTokenHash(token)
			if err := s.Store.InTx(ctx, func(tx *store.Tx) error { return tx.InsertStaffToken(ctx, t0) }); err != nil {
				t.Fatal(err)
			}
		}

		routes := []string{"GET /api/v1/requests", "GET /metrics", "GET " + web.RiverUIPrefix + "/api/jobs?state=available",
			"GET " + web.RiverUIPrefix + "/jobs", "POST " + web.RiverUIPrefix + "/api/jobs/cancel"}
		for _, r := range web.ConsoleRoutes {
			routes = append(routes, strings.NewReplacer("{$}", "", "{id}", "1", "{name}", "janvandenheuvel.nl").Replace(r.Pattern))
		}
		call := func(route, token string) int {
			t.Helper()
			method, path, _ := strings.Cut(route, " ")
			var body *strings.Reader
			form := url.Values{"action": {"cancel"}, "id": {"1"}, "reason": {"x"}, "note": {"x"}}.Encode()
			if strings.Contains(path, "/api/jobs/") {
				form = `{"ids": [999999]}`
			}
			body = strings.NewReader(form)
			req, _ := http.NewRequest(method, s.srv.URL+path, body)
			if method == "POST" && strings.HasPrefix(form, "{") {
				req.Header.Set("Content-Type", "application/json")
			} else if method == "POST" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		opens := func(token string) {
			t.Helper()
			for _, route := range routes {
				if route == "POST /staff/signout" {
					continue // nothing to sign out of with a token
				}
				if got := call(route, token); got == http.StatusUnauthorized || got == http.StatusForbidden {
					t.Errorf("%s with a live token: %d", route, got)
				}
			}
		}
		refused := func(token, why string) {
			t.Helper()
			for _, route := range routes {
				if got := call(route, token); got != http.StatusUnauthorized {
					t.Errorf("%s with %s: %d, want 401", route, why, got)
				}
			}
		}
		opens("afs_bob")
		opens("afs_anna_short")

		// Its use is recorded.
		listed := func(token string) store.StaffToken {
			t.Helper()
			all, err := s.Store.StaffTokens(ctx)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(all, func(x store.StaffToken) bool { return x.ID == tokens[token].ID })
			return all[i]
		}
		if got := listed("afs_bob"); !got.LastUsedAt.Equal(s.Clock.Now()) {
			t.Errorf("bob's token last used %v, want %v", got.LastUsedAt, s.Clock.Now())
		}
		if got := listed("afs_anna"); !got.LastUsedAt.IsZero() {
			t.Errorf("an unused token last used %v", got.LastUsedAt)
		}

		// Disabled: refused everywhere, and still after the account is back.
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			u, err := tx.StaffUser(ctx, "bob")
			if err != nil {
				return err
			}
			return tx.DisableStaffUser(ctx, u.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		refused("afs_bob", "a disabled account's token")
		if err := storetest.Exec(ctx, s.Store, "UPDATE staff_users SET disabled_at = NULL WHERE name = 'bob'"); err != nil {
			t.Fatal(err)
		}
		refused("afs_bob", "the token of an account enabled again")

		// Expired: refused everywhere; a token with time left still works.
		s.Clock.Add(time.Hour)
		refused("afs_anna_short", "an expired token")
		opens("afs_anna")
	})
}
