package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/database"
	"github.com/afscherm/afscherm/internal/staffauth"
)

func TestStaffAccounts(t *testing.T) {
	db := filepath.Join(t.TempDir(), "staff.db")
	env := map[string]string{"AFSCHERM_STAFF_PASSWORD": "first password here"}
	if r := afscherm(t, env, "", "staff", "add", "--database-url", db, "--name", "anna"); r.code != exitOK {
		t.Fatalf("add: %+v", r)
	}
	if r := afscherm(t, nil, "second password here\n", "staff", "add", "--database-url", db, "--name", "bram"); r.code != exitOK {
		t.Fatalf("add with the password on standard input: %+v", r)
	}
	for _, c := range []struct {
		env   map[string]string
		stdin string
		args  []string
		code  int
		says  string
	}{
		{env, "", []string{"--name", "anna"}, exitFailed, "exists already"},
		{nil, "short\n", []string{"--name", "cees"}, exitUsage, "at least 12"},
		{env, "", []string{"--name", "Not Valid"}, exitUsage, "--name"},
	} {
		r := afscherm(t, c.env, c.stdin, append([]string{"staff", "add", "--database-url", db}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.says) || strings.Contains(r.stderr, "first password") {
			t.Errorf("staff add %v: %+v", c.args, r)
		}
	}
	if r := afscherm(t, map[string]string{"AFSCHERM_STAFF_PASSWORD": "a new password now"}, "", "staff", "passwd", "--database-url", db, "--name", "anna"); r.code != exitOK {
		t.Errorf("passwd: %+v", r)
	}
	if r := afscherm(t, nil, "", "staff", "disable", "--database-url", db, "--name", "bram"); r.code != exitOK {
		t.Errorf("disable: %+v", r)
	}
	r := afscherm(t, nil, "", "staff", "users", "--database-url", db)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != exitOK || len(lines) != 3 || !strings.HasPrefix(lines[1], "anna") || !strings.HasSuffix(lines[1], "–") ||
		!strings.HasPrefix(lines[2], "bram") || strings.HasSuffix(lines[2], "–") {
		t.Errorf("users: %+v", r)
	}

	st, err := database.Open(context.Background(), db, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	anna, _ := st.StaffUser(context.Background(), "anna")
	bram, _ := st.StaffUser(context.Background(), "bram")
	if !staffauth.Verify(anna.PasswordHash, "a new password now") || staffauth.Verify(anna.PasswordHash, "first password here") {
		t.Error("passwd did not replace the password")
	}
	if bram.DisabledAt.IsZero() || strings.Contains(anna.PasswordHash, "password") {
		t.Errorf("bram %+v", bram)
	}
}
