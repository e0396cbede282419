// Package postgres is the store's backend for production and scale-out:
// PostgreSQL through pgx's pool, with River's pgx driver, whose LISTEN/NOTIFY
// lets any number of worker processes on any number of machines share jobs.
//
// A search_path parameter in the URL (postgres://host/db?search_path=afscherm)
// puts afscherm's tables and River's in that schema.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/migrations"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// DB is a PostgreSQL connection pool.
type DB struct {
	pool   *pgxpool.Pool
	where  string // host:port/database, for messages
	schema string // from search_path, or "" for the server's default
	jobs   *river.Client[pgx.Tx]
	logger *slog.Logger
}

var _ store.Driver = (*DB)(nil)

// Open connects to the database at a postgres:// URL and checks that it
// answers. Errors name the host and database, never the password.
func Open(ctx context.Context, rawURL string, opts store.DriverOptions) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, model.Errorf(model.KindInvalid, "postgres: the database URL is not valid: %s", redact(err, rawURL))
	}
	cc := cfg.ConnConfig
	where := fmt.Sprintf("%s/%s", net.JoinHostPort(cc.Host, fmt.Sprint(cc.Port)), cc.Database)
	schema := cc.RuntimeParams["search_path"]
	if strings.ContainsAny(schema, ", \"") {
		return nil, model.Errorf(model.KindInvalid, "postgres: search_path must name a single schema")
	}

	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, model.Errorf(model.KindInvalid, "postgres %s: %s", where, redact(err, rawURL))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, model.Errorf(model.KindTemporary, "cannot reach PostgreSQL at %s: %s", where, reason(err, rawURL))
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &DB{pool: pool, where: where, schema: schema, logger: logger}
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: logger, Schema: schema})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: job client: %w", err)
	}
	d.jobs = jobs
	return d, nil
}

// reason gives the cause of a failed connection without the connection
// string, which pgx sometimes repeats.
func reason(err error, rawURL string) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Message
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) && errors.Unwrap(ce) != nil {
		err = errors.Unwrap(ce)
	}
	return redact(err, rawURL)
}

func redact(err error, rawURL string) string {
	// pgx tries each address and TLS mode in turn and joins their errors
	// with newlines; one line of each distinct reason is enough.
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" && !slices.Contains(lines, l) {
			lines = append(lines, l)
		}
	}
	msg := strings.Join(lines, "; ")
	if rawURL != "" {
		msg = strings.ReplaceAll(msg, rawURL, "…")
	}
	if cfg, perr := pgconn.ParseConfig(rawURL); perr == nil && cfg.Password != "" {
		msg = strings.ReplaceAll(msg, cfg.Password, "…")
	}
	return msg
}

// Name is "postgres".
func (d *DB) Name() string { return "postgres" }

// Describe is host:port/database.
func (d *DB) Describe() string {
	if d.schema != "" {
		return "PostgreSQL " + d.where + " (schema " + d.schema + ")"
	}
	return "PostgreSQL " + d.where
}

// Queries are this backend's SQL statements.
func (d *DB) Queries() fs.FS {
	sub, _ := fs.Sub(queryFiles, "queries")
	return sub
}

// Migrations are this backend's schema migrations.
func (d *DB) Migrations() fs.FS { return migrations.Postgres() }

// LockMigrations takes a session advisory lock for the schema, so that
// processes starting together migrate one after the other.
func (d *DB) LockMigrations(ctx context.Context) (func(), error) {
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return nil, translate(err)
	}
	const key = "SELECT hashtext('afscherm.migrate.' || current_schema())"
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(("+key+"))"); err != nil {
		conn.Release()
		return nil, translate(err)
	}
	return func() {
		_, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock(("+key+"))")
		conn.Release()
	}, nil
}

// MigrateJobs applies River's migrations.
func (d *DB) MigrateJobs(ctx context.Context) error {
	m, err := rivermigrate.New(riverpgxv5.New(d.pool), &rivermigrate.Config{Logger: d.logger, Schema: d.schema})
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return translate(err)
}

// PendingJobMigrations asks River which of its migrations are missing,
// applying none.
func (d *DB) PendingJobMigrations(ctx context.Context) (string, error) {
	m, err := rivermigrate.New(riverpgxv5.New(d.pool), &rivermigrate.Config{Logger: d.logger, Schema: d.schema})
	if err != nil {
		return "", err
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return "", translate(err)
	}
	return strings.Join(res.Messages, "; "), nil
}

// NewJobClient returns a River client on this database. The schema from the
// URL is filled in when the config names none.
func (d *DB) NewJobClient(config *river.Config) (store.JobClient, error) {
	if config.Schema == "" {
		config.Schema = d.schema
	}
	return river.NewClient(riverpgxv5.New(d.pool), config)
}

// Ping checks the database.
func (d *DB) Ping(ctx context.Context) error { return translate(d.pool.Ping(ctx)) }

// Close closes the pool.
func (d *DB) Close() { d.pool.Close() }

// Begin starts a read-committed transaction.
func (d *DB) Begin(ctx context.Context) (store.DriverTx, error) {
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return nil, translate(err)
	}
	return &Tx{querier: querier{tx}, tx: tx, jobs: d.jobs}, nil
}

// Exec runs a statement outside a transaction.
func (d *DB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return querier{d.pool}.Exec(ctx, q, args...)
}

// Query runs a query outside a transaction.
func (d *DB) Query(ctx context.Context, q string, args ...any) (store.Rows, error) {
	return querier{d.pool}.Query(ctx, q, args...)
}

// QueryRow runs a single-row query outside a transaction.
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) store.Row {
	return querier{d.pool}.QueryRow(ctx, q, args...)
}

// Tx is a transaction.
type Tx struct {
	querier
	tx   pgx.Tx
	jobs *river.Client[pgx.Tx]
}

// InsertJobs inserts River jobs in the transaction.
func (t *Tx) InsertJobs(ctx context.Context, jobs []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	res, err := t.jobs.InsertManyTx(ctx, t.tx, jobs)
	return res, translate(err)
}

// InsertJobsFast inserts River jobs in the transaction. River's fast
// insert on PostgreSQL copies rows in (COPY FROM), which cannot skip a
// unique job already waiting, so this is InsertJobs counting the new ones.
func (t *Tx) InsertJobsFast(ctx context.Context, jobs []river.InsertManyParams) (int, error) {
	res, err := t.InsertJobs(ctx, jobs)
	n := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			n++
		}
	}
	return n, err
}

// Commit commits.
func (t *Tx) Commit(ctx context.Context) error { return translate(t.tx.Commit(ctx)) }

// Rollback rolls back.
func (t *Tx) Rollback(ctx context.Context) error {
	err := t.tx.Rollback(ctx)
	if errors.Is(err, pgx.ErrTxClosed) {
		return nil
	}
	return translate(err)
}

// execer is what a pool and a transaction have in common.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type querier struct{ e execer }

func (q querier) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := q.e.Exec(ctx, sql, args...)
	if err != nil {
		return 0, translate(err)
	}
	return tag.RowsAffected(), nil
}

func (q querier) Query(ctx context.Context, sql string, args ...any) (store.Rows, error) {
	rows, err := q.e.Query(ctx, sql, args...)
	if err != nil {
		return nil, translate(err)
	}
	return pgRows{rows}, nil
}

func (q querier) QueryRow(ctx context.Context, sql string, args ...any) store.Row {
	return pgRow{q.e.QueryRow(ctx, sql, args...)}
}

type pgRows struct{ pgx.Rows }

func (r pgRows) Scan(dest ...any) error { return translate(r.Rows.Scan(dest...)) }
func (r pgRows) Err() error             { return translate(r.Rows.Err()) }

type pgRow struct{ pgx.Row }

func (r pgRow) Scan(dest ...any) error { return translate(r.Row.Scan(dest...)) }

// translate maps PostgreSQL's errors to the store's vocabulary.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNoRows
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return model.Errorf(model.KindConflict, "already exists: %w", err)
		case "23503":
			return model.Errorf(model.KindConflict, "refers to a missing record: %w", err)
		case "40001", "40P01", "55P03", "57P01", "57P03":
			return model.Errorf(model.KindTemporary, "database is busy: %w", err)
		}
		return err
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return model.Errorf(model.KindTemporary, "database connection: %w", err)
	}
	return err
}
