package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRetentionAndSubjectCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	importedDB(t, db)
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"retention", "show", "--retention", "customers=7y"}, exitOK, "7 years"},
		{[]string{"retention", "show", "--retention", "customers=-7y"}, exitUsage, "positive"},
		{[]string{"retention", "show", "--retention", "customers=soon"}, exitUsage, "not a term"},
		{[]string{"retention", "run", "--dry-run", "--database-url", db}, exitOK, "would remove"},
		{[]string{"retention", "run", "--database-url", db}, exitOK, "customers, erased"},
		{[]string{"subject", "export", "--database-url", db, "--customer", "K9999", "--out", filepath.Join(dir, "x.zip")}, exitFailed, "K9999"},
		{[]string{"subject", "export", "--database-url", db, "--customer", "K1001", "--out", filepath.Join(dir, "x.txt")}, exitUsage, ".zip"},
		{[]string{"subject", "export", "--database-url", db, "--customer", "K1001", "--out", filepath.Join(dir, "k1001.zip")}, exitOK, "wrote"},
		{[]string{"subject", "export", "--database-url", db, "--customer", "K1001", "--out", filepath.Join(dir, "k1001.zip")}, exitFailed, "exists already"},
		{[]string{"subject", "erase", "--database-url", db, "--customer", "K1001"}, exitFailed, "still a customer"},
		{[]string{"subject", "erase", "--database-url", db, "--customer", "K1001", "--force-reason", "court order"}, exitOK, "erased customer K1001"},
		{[]string{"subject", "erase", "--database-url", db, "--customer", "K1001", "--force-reason", "again"}, exitFailed, "K1001"},
		{[]string{"privacy", "register", "--database-url", db}, exitOK, "# Register of processing"},
	} {
		r := afscherm(t, nil, "", c.args...)
		if r.code != c.code || !strings.Contains(r.stdout+r.stderr, c.says) {
			t.Errorf("afscherm %s: %+v, want exit %d saying %q", strings.Join(c.args, " "), r, c.code, c.says)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.zip")); err == nil {
		t.Error("a failed export left a file")
	}
}

func TestAbuseCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	env := map[string]string{"AFSCHERM_CLIENT_KEY": "a client key of some length"}
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"abuse", "block", "203.0.113.9", "--reason", "spam", "--database-url", db}, exitOK, "abuse.blocked: 1"},
		{[]string{"abuse", "block", "203.0.113.9", "--reason", "again", "--database-url", db}, exitOK, "abuse.blocked: 0"},
		{[]string{"abuse", "block", "not-an-address", "--reason", "x", "--database-url", db}, exitUsage, "neither an IP address"},
		{[]string{"abuse", "list", "--database-url", db}, exitOK, "spam"},
		{[]string{"abuse", "unblock", "203.0.113.9", "--database-url", db}, exitOK, "abuse.unblocked: 1"},
	} {
		r := afscherm(t, env, "", c.args...)
		if r.code != c.code || !strings.Contains(r.stdout+r.stderr, c.says) || strings.Contains(r.stdout, "203.0.113.9") {
			t.Errorf("afscherm %s: %+v, want exit %d saying %q", strings.Join(c.args, " "), r, c.code, c.says)
		}
	}
	if r := afscherm(t, nil, "", "abuse", "list", "--database-url", db); strings.Contains(r.stdout, "spam") {
		t.Errorf("unblocked client still listed: %s", r.stdout)
	}
}
