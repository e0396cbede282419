package check

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
)

// Schema is what the database item reads: the store, opened without
// migrating.
type Schema interface {
	Describe() string
	Ping(ctx context.Context) error
	SchemaStatus(ctx context.Context) (store.SchemaStatus, error)
}

const migrateFix = "run 'afscherm migrate' with the same --database-url (serve also migrates when it starts)"

// Database reports whether the database answers and how far its schema is
// migrated, applying nothing: pending migrations are a failure, and so is
// a database that a newer afscherm has migrated.
func Database(ctx context.Context, db Schema) Result {
	const item = "database"
	if err := db.Ping(ctx); err != nil {
		return Failure(item, fmt.Sprintf("%s does not answer: %v", db.Describe(), err), "check --database-url and that the database server runs")
	}
	s, err := db.SchemaStatus(ctx)
	if err != nil {
		return Failure(item, fmt.Sprintf("%s: %v", db.Describe(), err), "check --database-url and the database user's rights")
	}
	at := fmt.Sprintf("reachable (%s), schema %d of %d", db.Describe(), s.Current, s.Latest)
	switch {
	case s.Newer():
		return Failure(item, fmt.Sprintf("%s: the database is newer than this afscherm", at),
			"run the afscherm release that migrated it, or a newer one")
	case len(s.Pending) > 0:
		return Failure(item, fmt.Sprintf("%s; not yet applied: %s", at, strings.Join(s.Pending, ", ")), migrateFix)
	case s.Jobs != "":
		return Failure(item, fmt.Sprintf("%s; the job queue's tables are not: %s", at, s.Jobs), migrateFix)
	}
	return Pass(item, at)
}

// Unreachable is the database item when the database could not be opened.
func Unreachable(err error) Result {
	fix := "check --database-url (AFSCHERM_DATABASE_URL) and that the database server runs"
	if isNotExist(err) || model.IsKind(err, model.KindNotFound) {
		fix = "give --database-url the database serve uses, or make it with 'afscherm migrate'"
	}
	return Failure("database", fmt.Sprintf("cannot open: %v", err), fix)
}

// DatabaseFile reports a SQLite file, and the files SQLite keeps beside
// it, that other users may read or write: it holds customers' personal
// data, and afscherm refuses to start with it so (mode 0600).
func DatabaseFile(path string) Result {
	const item = "database file"
	var problems, fixes []string
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		st, err := os.Stat(p)
		if err != nil {
			if p == path {
				return Failure(item, err.Error(), "give --database-url the database serve uses")
			}
			continue
		}
		if perm := st.Mode().Perm(); perm&0o077 != 0 {
			problems = append(problems, fmt.Sprintf("%s has mode %04o, open to other users", p, perm))
			fixes = append(fixes, p)
		}
	}
	if len(problems) > 0 {
		return Failure(item, strings.Join(problems, "; "), "run 'chmod 600 "+strings.Join(fixes, " ")+"'")
	}
	return Pass(item, path+" mode 0600")
}

// ClientKey reports where the key of the hashes of client addresses comes
// from: given (--client-key, or derived from --secret), or a key file
// outside the database that exists, holds a key and is its owner's alone.
// read reads the file without making it.
func ClientKey(given string, path string, read func(path string) (int, error)) Result {
	const item = "client key"
	if given != "" {
		return Pass(item, given)
	}
	n, err := read(path)
	switch {
	case err == nil:
		return Pass(item, fmt.Sprintf("%s, mode 0600, %d key(s)", path, n))
	case isNotExist(err):
		return Failure(item, fmt.Sprintf("the key file %s does not exist", path),
			"start 'afscherm serve' once to make it (mode 0600), restore it from where you keep it, or give --client-key (AFSCHERM_CLIENT_KEY)")
	case strings.Contains(err.Error(), "open to other users"):
		return Failure(item, fmt.Sprintf("the key file %s is open to other users", path), "run 'chmod 600 "+path+"'")
	}
	return Failure(item, err.Error(), "mend or remove the key file "+path+", or give --client-key (AFSCHERM_CLIENT_KEY)")
}

func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist)
}
