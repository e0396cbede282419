// Package storetest gives tests a fresh database on each backend: a new
// SQLite file, or a new schema in the PostgreSQL database that
// AFSCHERM_TEST_POSTGRES_URL names.
//
// Without that variable the PostgreSQL tests skip, saying how to run them;
// with AFSCHERM_TEST_REQUIRE_POSTGRES=1 (as in CI) they fail instead.
package storetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/afscherm/afscherm/internal/database"
	"github.com/afscherm/afscherm/internal/store"
)

// The environment variables that control the PostgreSQL tests.
const (
	PostgresURLEnv     = "AFSCHERM_TEST_POSTGRES_URL"
	RequirePostgresEnv = "AFSCHERM_TEST_REQUIRE_POSTGRES"
)

// Backends are the names of the backends, in the order tests run them.
var Backends = []string{"sqlite", "postgres"}

// Each runs fn as a subtest on each backend, with a fresh, migrated store.
func Each(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	EachURL(t, func(t *testing.T, url string) {
		fn(t, Open(t, url, nil))
	})
}

// EachURL runs fn as a subtest on each backend with the URL of a fresh,
// empty database.
func EachURL(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	for _, b := range Backends {
		t.Run(b, func(t *testing.T) { fn(t, NewURL(t, b)) })
	}
}

// NewURL returns the URL of a fresh, empty database on the named backend,
// removed when the test ends.
func NewURL(t testing.TB, backend string) string {
	t.Helper()
	switch backend {
	case "sqlite":
		return filepath.Join(t.TempDir(), "afscherm.db")
	case "postgres":
		return NewPostgresSchema(t)
	}
	t.Fatalf("storetest: unknown backend %q", backend)
	return ""
}

// Open opens and migrates the store at url, closed when the test ends.
func Open(t testing.TB, url string, now func() time.Time) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := database.Open(ctx, url, database.Options{Now: now})
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(st.Close)
	return st
}

// PostgresURL returns the base URL of the test database, skipping or failing
// the test when there is none.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		missingPostgres(t, PostgresURLEnv+" is not set")
	}
	return base
}

// NewPostgresSchema creates a schema with a random name in the test database
// and returns a URL whose search_path selects it. The schema is dropped when
// the test ends.
func NewPostgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		missingPostgres(t, fmt.Sprintf("cannot connect: %v", err))
	}
	defer conn.Close(ctx)
	schema := "test_" + strings.ToLower(rand.Text()[:12])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresURLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func missingPostgres(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(RequirePostgresEnv) != "" {
		t.Fatalf("PostgreSQL is required (%s=%s) but unavailable: %s", RequirePostgresEnv, os.Getenv(RequirePostgresEnv), why)
	}
	t.Skipf("PostgreSQL tests skipped: %s. Run them with %s=postgres://USER@HOST:5432/DB (for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable); .ci/run does this.", why, PostgresURLEnv)
}
