package database

import (
	"context"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/model"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Target
	}{
		{"", Target{Kind: SQLite, Path: "afscherm.db"}},
		{"data/afscherm.db", Target{Kind: SQLite, Path: "data/afscherm.db"}},
		{"sqlite://afscherm.db", Target{Kind: SQLite, Path: "afscherm.db"}},
		{"sqlite:///var/lib/afscherm.db", Target{Kind: SQLite, Path: "/var/lib/afscherm.db"}},
		{"sqlite:my%20file.db", Target{Kind: SQLite, Path: "my file.db"}},
		{"postgres://u@db.example:5432/afscherm", Target{Kind: Postgres, URL: "postgres://u@db.example:5432/afscherm"}},
		{"postgresql://db/afscherm", Target{Kind: Postgres, URL: "postgresql://db/afscherm"}},
	}
	for _, tc := range tests {
		got, err := Parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"mysql://db/x", "sqlite://"} {
		if _, err := Parse(bad); !model.IsKind(err, model.KindInvalid) {
			t.Errorf("Parse(%q) = %v, want an invalid error", bad, err)
		}
	}
}

func TestOpenUnreachablePostgresNamesHostNotPassword(t *testing.T) {
	// Port 1 on loopback refuses connections at once.
	_, err := Open(context.Background(), "postgres://afscherm:s3cret-pw@127.0.0.1:1/afscherm?connect_timeout=2", Options{})
	if err == nil {
		t.Fatal("opened an unreachable database")
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cret-pw") {
		t.Errorf("error shows the password: %s", msg)
	}
	if !strings.Contains(msg, "127.0.0.1:1/afscherm") {
		t.Errorf("error does not name the host and database: %s", msg)
	}
	if strings.Count(msg, "\n") > 0 {
		t.Errorf("error is not one line: %q", msg)
	}
}

func TestOpenBadPostgresURLHidesPassword(t *testing.T) {
	_, err := Open(context.Background(), "postgres://afscherm:s3cret-pw@127.0.0.1:notaport/afscherm", Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("err = %v", err)
	}
}

func TestOpenSQLiteInMissingFolder(t *testing.T) {
	_, err := Open(context.Background(), t.TempDir()+"/no/such/dir/a.db", Options{})
	if !model.IsKind(err, model.KindInvalid) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("err = %v", err)
	}
}
