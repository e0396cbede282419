// Package sqlite is the store's embedded backend: one SQLite file through the
// pure-Go modernc.org/sqlite driver, in WAL mode, with River's SQLite driver
// for the job queue. It needs nothing installed.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/migrations"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// busyTimeout is how long a writer waits for another process's write lock.
const busyTimeout = 10 * time.Second

// DB is an open SQLite database.
type DB struct {
	path   string
	db     *sql.DB
	jobs   *river.Client[*sql.Tx] // insert-only, for jobs inserted in our transactions
	logger *slog.Logger
}

var _ store.Driver = (*DB)(nil)

// Open opens (creating if needed) the SQLite database file at path. The
// folder must exist.
func Open(ctx context.Context, path string, opts store.DriverOptions) (*DB, error) {
	if path == "" {
		return nil, model.Errorf(model.KindInvalid, "sqlite: empty database path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, model.Errorf(model.KindInvalid, "sqlite: database path %q may not contain '?' or '#'", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, model.Errorf(model.KindInvalid, "sqlite: folder %s for the database does not exist", dir)
		}
	}
	params := url.Values{}
	params.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	params.Set("_synchronous", "NORMAL")
	params.Set("_foreign_keys", "1")
	params.Set("_txlock", "immediate") // take the write lock at BEGIN, so the busy timeout applies
	db, err := sql.Open("sqlite", "file:"+path+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	// One connection: SQLite has one writer at a time, and River's SQLite
	// driver recommends it to avoid SQLITE_BUSY between its own goroutines.
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	if err := useWAL(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, translate(err))
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &DB{path: path, db: db, logger: logger}
	jobs, err := river.NewClient(riversqlite.New(db), &river.Config{Logger: logger})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: job client: %w", err)
	}
	d.jobs = jobs
	return d, nil
}

// useWAL switches the file to write-ahead logging, which lets readers go on
// while one process writes. The mode is kept in the file, so only the first
// open changes it; SQLite answers "busy" at once, without waiting, when two
// processes try that together, so it is retried here.
func useWAL(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for wait := 5 * time.Millisecond; ; wait *= 2 {
		var mode string
		err := db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil && !strings.EqualFold(mode, "wal") {
			err = fmt.Errorf("journal mode is %s, not WAL", mode)
		}
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

func isBusy(err error) bool {
	var se *sqlite3.Error
	return errors.As(err, &se) && (se.Code()&0xff == sqlite3lib.SQLITE_BUSY || se.Code()&0xff == sqlite3lib.SQLITE_LOCKED)
}

// Name is "sqlite".
func (d *DB) Name() string { return "sqlite" }

// Describe is the file's path.
func (d *DB) Describe() string { return "SQLite " + d.path }

// Queries are this backend's SQL statements.
func (d *DB) Queries() fs.FS {
	sub, _ := fs.Sub(queryFiles, "queries")
	return sub
}

// Migrations are this backend's schema migrations.
func (d *DB) Migrations() fs.FS { return migrations.SQLite() }

// LockMigrations does nothing: each migration runs in an immediate
// transaction, which already excludes every other writer.
func (d *DB) LockMigrations(context.Context) (func(), error) { return func() {}, nil }

// MigrateJobs applies River's migrations in one immediate transaction, so
// that processes starting together on the same file take turns.
func (d *DB) MigrateJobs(ctx context.Context) error {
	m, err := rivermigrate.New(riversqlite.New(d.db), &rivermigrate.Config{Logger: d.logger})
	if err != nil {
		return err
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
		return translate(err)
	}
	return translate(tx.Commit())
}

// PendingJobMigrations asks River which of its migrations are missing,
// applying none.
func (d *DB) PendingJobMigrations(ctx context.Context) (string, error) {
	m, err := rivermigrate.New(riversqlite.New(d.db), &rivermigrate.Config{Logger: d.logger})
	if err != nil {
		return "", err
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return "", translate(err)
	}
	return strings.Join(res.Messages, "; "), nil
}

// NewJobClient returns a River client working on this file.
func (d *DB) NewJobClient(config *river.Config) (store.JobClient, error) {
	return river.NewClient(riversqlite.New(d.db), config)
}

// Ping checks the database.
func (d *DB) Ping(ctx context.Context) error { return translate(d.db.PingContext(ctx)) }

// Close closes the file.
func (d *DB) Close() { d.db.Close() }

// Begin starts an immediate transaction.
func (d *DB) Begin(ctx context.Context) (store.DriverTx, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, translate(err)
	}
	return &Tx{querier: querier{tx}, tx: tx, jobs: d.jobs}, nil
}

// Exec runs a statement outside a transaction.
func (d *DB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return querier{d.db}.Exec(ctx, q, args...)
}

// Query runs a query outside a transaction.
func (d *DB) Query(ctx context.Context, q string, args ...any) (store.Rows, error) {
	return querier{d.db}.Query(ctx, q, args...)
}

// QueryRow runs a single-row query outside a transaction.
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) store.Row {
	return querier{d.db}.QueryRow(ctx, q, args...)
}

// Tx is a transaction.
type Tx struct {
	querier
	tx   *sql.Tx
	jobs *river.Client[*sql.Tx]
}

// InsertJobs inserts River jobs in the transaction.
func (t *Tx) InsertJobs(ctx context.Context, jobs []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	res, err := t.jobs.InsertManyTx(ctx, t.tx, jobs)
	return res, translate(err)
}

// InsertJobsFast inserts River jobs in the transaction without reading
// them back: on SQLite, River's fast insert is the same statement as
// InsertJobs without its RETURNING, and skips a unique job already waiting
// (ON CONFLICT DO NOTHING); about 1.5 times as fast for the nightly plan.
func (t *Tx) InsertJobsFast(ctx context.Context, jobs []river.InsertManyParams) (int, error) {
	n, err := t.jobs.InsertManyFastTx(ctx, t.tx, jobs)
	return n, translate(err)
}

// Commit commits.
func (t *Tx) Commit(context.Context) error { return translate(t.tx.Commit()) }

// Rollback rolls back.
func (t *Tx) Rollback(context.Context) error {
	err := t.tx.Rollback()
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return translate(err)
}

// execer is what *sql.DB and *sql.Tx have in common.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type querier struct{ e execer }

func (q querier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.e.ExecContext(ctx, query, convertArgs(args)...)
	if err != nil {
		return 0, translate(err)
	}
	n, err := res.RowsAffected()
	return n, translate(err)
}

func (q querier) Query(ctx context.Context, query string, args ...any) (store.Rows, error) {
	rows, err := q.e.QueryContext(ctx, query, convertArgs(args)...)
	if err != nil {
		return nil, translate(err)
	}
	return sqlRows{rows}, nil
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) store.Row {
	return sqlRow{q.e.QueryRowContext(ctx, query, convertArgs(args)...)}
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Scan(dest ...any) error { return translate(r.Rows.Scan(dest...)) }
func (r sqlRows) Err() error             { return translate(r.Rows.Err()) }
func (r sqlRows) Close()                 { r.Rows.Close() }

type sqlRow struct{ *sql.Row }

func (r sqlRow) Scan(dest ...any) error { return translate(r.Row.Scan(dest...)) }

// timeFormat is how times are stored: UTC, fixed width, so text order is
// time order.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// convertArgs writes times in timeFormat; SQLite has no time type.
func convertArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			a = t.UTC().Format(timeFormat)
		}
		out[i] = a
	}
	return out
}

// translate maps SQLite's errors to the store's vocabulary.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNoRows
	}
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3lib.SQLITE_CONSTRAINT_UNIQUE, sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY:
			return model.Errorf(model.KindConflict, "already exists: %w", err)
		case sqlite3lib.SQLITE_CONSTRAINT_FOREIGNKEY:
			return model.Errorf(model.KindConflict, "refers to a missing record: %w", err)
		}
		if isBusy(err) {
			return model.Errorf(model.KindTemporary, "database is busy: %w", err)
		}
	}
	return err
}
