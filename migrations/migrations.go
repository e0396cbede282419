// Package migrations holds the database schema of each backend as numbered
// SQL files, embedded in the binary and applied by the store.
//
// A migration, once released, is never edited: a change to the schema is a
// new file with the next number, in both folders.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.sql
var sqliteFS embed.FS

//go:embed postgres/*.sql
var postgresFS embed.FS

// SQLite returns the SQLite migrations.
func SQLite() fs.FS { return sub(sqliteFS, "sqlite") }

// Postgres returns the PostgreSQL migrations.
func Postgres() fs.FS { return sub(postgresFS, "postgres") }

func sub(fsys fs.FS, dir string) fs.FS {
	s, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // dir is a constant that exists in the embedded tree
	}
	return s
}
