// Package database opens the store a database URL names — a SQLite file by
// default, PostgreSQL for production — and brings its schema up to date. A
// SQLite file is its owner's alone (mode 0600). It also keeps the client key
// file, which holds the key of the hashes of client addresses outside the
// database.
package database

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/postgres"
	"github.com/afscherm/afscherm/internal/store/sqlite"
)

// DefaultURL is the database when none is given: a SQLite file in the
// working directory.
const DefaultURL = "afscherm.db"

// Kind is which backend a URL names.
type Kind string

// The backends.
const (
	SQLite   Kind = "sqlite"
	Postgres Kind = "postgres"
)

// Target is a parsed database URL.
type Target struct {
	Kind Kind
	Path string // SQLite: the file
	URL  string // PostgreSQL: the connection URL
}

// Parse reads a database URL: a file path, sqlite://path (sqlite:///abs for
// an absolute path) or postgres://… (also postgresql://).
func Parse(raw string) (Target, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = DefaultURL
	}
	scheme, rest, hasScheme := strings.Cut(raw, ":")
	if !hasScheme || len(scheme) == 1 { // a plain path, or a Windows drive letter
		return Target{Kind: SQLite, Path: raw}, nil
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		return Target{Kind: Postgres, URL: raw}, nil
	case "sqlite", "sqlite3", "file":
		path := strings.TrimPrefix(rest, "//")
		if u, err := url.PathUnescape(path); err == nil {
			path = u
		}
		if path == "" {
			return Target{}, model.Errorf(model.KindInvalid, "database URL %s names no file", scheme+":")
		}
		return Target{Kind: SQLite, Path: path}, nil
	}
	if strings.HasPrefix(rest, "//") {
		return Target{}, model.Errorf(model.KindInvalid,
			"database URL scheme %q is not supported: give a file path, sqlite://FILE or postgres://HOST/DB", scheme)
	}
	return Target{Kind: SQLite, Path: raw}, nil // a file name with a colon in it
}

// Options adjust Open.
type Options struct {
	Logger    *slog.Logger     // for River's messages; nil discards them
	Now       func() time.Time // the store's clock; time.Now when nil
	NoMigrate bool             // open without migrating, for `afscherm migrate` to report on its own
	// Inspect opens an existing database as it is, for `afscherm check`: a
	// missing SQLite file is an error rather than made, a file open to
	// others is opened (check reports it) and its companions' modes are
	// left alone, and nothing is migrated.
	Inspect bool
}

// Open opens the store at raw and, unless told not to, migrates it.
func Open(ctx context.Context, raw string, opts Options) (*store.Store, error) {
	t, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	dopts := store.DriverOptions{Logger: opts.Logger}
	var drv store.Driver
	switch t.Kind {
	case Postgres:
		drv, err = postgres.Open(ctx, t.URL, dopts)
	default:
		if opts.Inspect {
			if _, err := os.Stat(t.Path); err != nil {
				return nil, model.Errorf(model.KindNotFound, "sqlite %s: %v", t.Path, errors.Unwrap(err))
			}
		} else if err := prepareSQLiteFile(t.Path); err != nil {
			return nil, err
		}
		drv, err = sqlite.Open(ctx, t.Path, dopts)
	}
	if err != nil {
		return nil, err
	}
	st, err := store.New(drv, store.Options{Now: opts.Now})
	if err != nil {
		drv.Close()
		return nil, err
	}
	if !opts.NoMigrate && !opts.Inspect {
		if _, err := st.Migrate(ctx); err != nil {
			st.Close()
			return nil, err
		}
	}
	if t.Kind == SQLite && !opts.Inspect {
		if err := tightenCompanions(t.Path); err != nil {
			st.Close()
			return nil, err
		}
	}
	return st, nil
}
