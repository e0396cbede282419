// Package store keeps afscherm's records — customers, domains, audit events,
// and with them River's jobs — in SQLite or PostgreSQL.
//
// The store speaks to a database through a Driver (packages store/sqlite and
// store/postgres), each of which brings the same set of queries written in
// its own dialect. Reading rows into model types happens here, once. Every
// write happens inside InTx, so that a change, its audit event and the job
// that carries the next step commit together or not at all.
package store

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Store is afscherm's database.
type Store struct {
	reader
	drv        Driver
	migrations []migration
	now        func() time.Time
}

// Options adjust a Store.
type Options struct {
	Now func() time.Time // the clock; time.Now when nil
}

// New wraps an open driver. It does not migrate; call Migrate for that.
func New(drv Driver, opts Options) (*Store, error) {
	q, err := loadQueries(drv.Queries())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", drv.Name(), err)
	}
	ms, err := loadMigrations(drv.Migrations())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", drv.Name(), err)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Store{drv: drv, migrations: ms, now: func() time.Time { return now().UTC() }}
	s.reader = reader{q: drv, sql: q}
	return s, nil
}

// Backend is "sqlite" or "postgres".
func (s *Store) Backend() string { return s.drv.Name() }

// Describe names the database for people, without secrets.
func (s *Store) Describe() string { return s.drv.Describe() }

// Now is the store's clock, in UTC.
func (s *Store) Now() time.Time { return s.now() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.drv.Ping(ctx) }

// Close closes the database. Job clients made from the store must be
// stopped first.
func (s *Store) Close() { s.drv.Close() }

// NewJobClient returns a River client on the store's database, configured
// by the caller with queues, workers and periodic jobs.
func (s *Store) NewJobClient(config *river.Config) (JobClient, error) {
	return s.drv.NewJobClient(config)
}

// Tx is a transaction: it reads like the Store and also writes.
type Tx struct {
	reader
	tx  DriverTx
	now time.Time
}

// InTx runs fn in one transaction, committed when fn returns nil and rolled
// back otherwise. The time of the transaction, Tx.Now, is the same for every
// row it writes.
func (s *Store) InTx(ctx context.Context, fn func(*Tx) error) error {
	return s.inDriverTx(ctx, func(dtx DriverTx) error {
		return fn(&Tx{reader: reader{q: dtx, sql: s.sql}, tx: dtx, now: s.now()})
	})
}

func (s *Store) inDriverTx(ctx context.Context, fn func(DriverTx) error) (err error) {
	dtx, err := s.drv.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = dtx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
		if err != nil {
			// The rollback's own failure (often only that the database
			// already rolled back) comes second: err stays the cause, and
			// what the error unwraps to.
			if rbErr := dtx.Rollback(context.WithoutCancel(ctx)); rbErr != nil {
				err = fmt.Errorf("%w (the rollback failed too: %v)", err, rbErr)
			}
			return
		}
		if cErr := dtx.Commit(ctx); cErr != nil {
			err = fmt.Errorf("commit: %w", cErr)
		}
	}()
	return fn(dtx)
}

// Now is the time of the transaction, in UTC.
func (tx *Tx) Now() time.Time { return tx.now }

// Enqueue inserts jobs that run only if the transaction commits.
func (tx *Tx) Enqueue(ctx context.Context, jobs ...river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	if len(jobs) == 0 {
		return nil, nil
	}
	res, err := tx.tx.InsertJobs(ctx, jobs)
	if err != nil {
		return nil, fmt.Errorf("enqueue jobs: %w", err)
	}
	return res, nil
}

// EnqueueFast inserts River jobs in the transaction without reading them
// back, for large batches, and says how many were new: a unique job
// already waiting is skipped.
func (tx *Tx) EnqueueFast(ctx context.Context, jobs ...river.InsertManyParams) (int, error) {
	if len(jobs) == 0 {
		return 0, nil
	}
	n, err := tx.tx.InsertJobsFast(ctx, jobs)
	if err != nil {
		return 0, fmt.Errorf("enqueue jobs: %w", err)
	}
	return n, nil
}

// reader holds the queries that both a Store and a Tx can run.
type reader struct {
	q   Querier
	sql *queries
}

// collect runs a query and reads every row with scan, closing the rows
// before it returns so that no connection is held afterwards.
func collect[T any](ctx context.Context, q Querier, sql string, args []any, scan func(Row) (T, error)) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// RawExec runs one statement of the backend's own SQL outside the store's
// vocabulary. It is for tests and maintenance, never for application code.
func (s *Store) RawExec(ctx context.Context, sql string, args ...any) error {
	_, err := s.drv.Exec(ctx, sql, args...)
	return err
}
