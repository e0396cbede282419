package store

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// ErrNoRows is what a backend's Row.Scan returns when the query found nothing.
var ErrNoRows = errors.New("no rows in result set")

// Querier runs SQL written in the backend's own dialect. Backends translate
// their errors into model error kinds (a unique violation is a conflict, a
// lost connection is temporary) and ErrNoRows.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (rowsAffected int64, err error)
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) Row
}

// Rows is a result set being read.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row result.
type Row interface {
	Scan(dest ...any) error
}

// Driver is one database backend: SQLite or PostgreSQL. It runs the store's
// queries, which it provides in its own dialect, and gives River a driver
// of the matching kind so that jobs can be inserted in the store's
// transactions.
type Driver interface {
	Querier

	// Name is "sqlite" or "postgres".
	Name() string
	// Queries holds the backend's *.sql files; each statement is preceded by
	// a line "-- name: Name" naming a field of the store's query set.
	Queries() fs.FS
	// Migrations holds the backend's schema migrations, NNNN_what.sql.
	Migrations() fs.FS
	// LockMigrations keeps other processes from migrating until unlock is
	// called.
	LockMigrations(ctx context.Context) (unlock func(), err error)
	// MigrateJobs applies River's own migrations.
	MigrateJobs(ctx context.Context) error
	// PendingJobMigrations says which of River's migrations are missing,
	// without applying them; "" when none is.
	PendingJobMigrations(ctx context.Context) (string, error)
	// Begin starts a transaction.
	Begin(ctx context.Context) (DriverTx, error)
	// NewJobClient returns a River client on this database.
	NewJobClient(config *river.Config) (JobClient, error)
	// Describe names the database for people: a file path, or host and
	// database name, never a password.
	Describe() string
	Ping(ctx context.Context) error
	Close()
}

// DriverTx is a transaction on a Driver.
type DriverTx interface {
	Querier
	// InsertJobs inserts River jobs inside this transaction.
	InsertJobs(ctx context.Context, jobs []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	// InsertJobsFast inserts River jobs inside this transaction without
	// reading them back, and says how many were new (not skipped as
	// duplicates of a unique job).
	InsertJobsFast(ctx context.Context, jobs []river.InsertManyParams) (int, error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// JobClient is the part of a River client afscherm uses; *river.Client of
// either driver satisfies it.
type JobClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Stopped() <-chan struct{}
	Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func())
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobGet(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	JobCancel(ctx context.Context, id int64) (*rivertype.JobRow, error)
	QueueList(ctx context.Context, params *river.QueueListParams) (*river.QueueListResult, error)
	ID() string
}

// DriverOptions are what every backend is opened with.
type DriverOptions struct {
	Logger *slog.Logger // River's log; nil discards it
}
