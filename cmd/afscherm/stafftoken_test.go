package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/internal/web"
)

// TestStaffTokenLife: `staff token create` refuses a name without an
// account and an expiry out of bounds, gives 90 days unless --expires says
// otherwise; `staff token list` shows each token's account, creation,
// expiry and last use; `staff disable` ends the account's tokens.
func TestStaffTokenLife(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		db := []string{"--database-url", url}
		create := func(args ...string) result {
			return afscherm(t, nil, "", append(append([]string{"staff", "token", "create"}, db...), args...)...)
		}
		if r := create("--name", "nobody"); r.code != exitFailed || !strings.Contains(r.stderr, "no staff member named nobody") {
			t.Errorf("a token for a name without an account: %+v", r)
		}
		if r := afscherm(t, map[string]string{"AFSCHERM_STAFF_PASSWORD": "a long enough password"}, "",
			append([]string{"staff", "add", "--name", "anna"}, db...)...); r.code != exitOK {
			t.Fatalf("staff add: %+v", r)
		}
		for _, bad := range []string{"0s", "-1h", "9000h", "90d"} {
			if r := create("--name", "anna", "--expires", bad); r.code != exitUsage {
				t.Errorf("--expires %s: %+v", bad, r)
			}
		}
		long := create("--name", "anna")
		short := create("--name", "anna", "--expires", "1h")
		if long.code != exitOK || short.code != exitOK || !strings.Contains(long.stderr, "until "+time.Now().Add(90*24*time.Hour).In(amsterdam).Format("2006-01-02")) {
			t.Fatalf("create: %+v %+v", long, short)
		}
		token := strings.TrimSpace(long.stdout)

		st := storetest.Open(t, url, nil)
		ctx := context.Background()
		got, err := st.StaffTokenByHash(ctx, web.StaffTokenHash(token))
		if err != nil || got.Name != "anna" {
			t.Fatalf("the token: %+v %v", got, err)
		}
		if err := st.TouchStaffToken(ctx, got); err != nil { // as the web server does on each use
			t.Fatal(err)
		}
		list := afscherm(t, nil, "", append([]string{"staff", "token", "list"}, db...)...)
		lines := strings.Split(strings.TrimSpace(list.stdout), "\n")
		if list.code != exitOK || len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "ID ACCOUNT CREATED EXPIRES LAST USED STATE" {
			t.Fatalf("list:\n%s", list.stdout)
		}
		if f := strings.Fields(lines[1]); len(f) != 9 || f[1] != "anna" || f[6] == "–" || f[8] != "active" {
			t.Errorf("the used token listed as %q", lines[1])
		}
		if f := strings.Fields(lines[2]); len(f) != 8 || f[6] != "–" || f[7] != "active" {
			t.Errorf("the unused token listed as %q", lines[2])
		}

		if r := afscherm(t, nil, "", append([]string{"staff", "disable", "--name", "anna"}, db...)...); r.code != exitOK {
			t.Fatalf("disable: %+v", r)
		}
		if _, err := st.StaffTokenByHash(ctx, web.StaffTokenHash(token)); !model.IsKind(err, model.KindUnauthorised) {
			t.Errorf("a disabled account's token: %v", err)
		}
		list = afscherm(t, nil, "", append([]string{"staff", "token", "list"}, db...)...)
		if strings.Count(list.stdout, "revoked") != 2 {
			t.Errorf("after disabling the account:\n%s", list.stdout)
		}
		if r := create("--name", "anna"); r.code != exitFailed || !strings.Contains(r.stderr, "disabled") {
			t.Errorf("a token for a disabled account: %+v", r)
		}
	})
}
