package store

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"

	"github.com/afscherm/afscherm/internal/model"
)

type migration struct {
	version int
	name    string
	sql     string
}

var migrationFile = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// loadMigrations reads NNNN_name.sql files, numbered 1, 2, 3… without gaps.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	files, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	var ms []migration
	for i, file := range files {
		m := migrationFile.FindStringSubmatch(path.Base(file))
		if m == nil {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql", file)
		}
		version, _ := strconv.Atoi(m[1])
		if version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", file, i+1)
		}
		b, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: version, name: m[2], sql: string(b)})
	}
	return ms, nil
}

// SchemaVersion is the newest migration this build of afscherm knows.
func (s *Store) SchemaVersion() int { return len(s.migrations) }

// Migrate brings the database up to date: River's tables first, then ours.
// It is safe to run from several processes at once, and refuses a database
// that a newer afscherm has migrated beyond what this one knows. It returns
// the names of the migrations it applied.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	unlock, err := s.drv.LockMigrations(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: lock: %w", err)
	}
	defer unlock()

	if _, err := s.drv.Exec(ctx, s.sql.CreateMigrationTable); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	done, err := s.appliedMigrations(ctx, s.drv)
	if err != nil {
		return nil, err
	}
	if len(done) > 0 && done[len(done)-1] > s.SchemaVersion() {
		return nil, model.Errorf(model.KindConflict,
			"the database is at schema version %d, newer than this afscherm knows (%d): run a newer afscherm",
			done[len(done)-1], s.SchemaVersion())
	}
	if err := s.drv.MigrateJobs(ctx); err != nil {
		return nil, fmt.Errorf("migrate: job queue tables: %w", err)
	}
	for _, m := range s.migrations {
		ok, err := s.applyMigration(ctx, m)
		if err != nil {
			return applied, fmt.Errorf("migrate: %04d_%s: %w", m.version, m.name, err)
		}
		if ok {
			applied = append(applied, fmt.Sprintf("%04d_%s", m.version, m.name))
		}
	}
	return applied, nil
}

func (s *Store) applyMigration(ctx context.Context, m migration) (applied bool, err error) {
	err = s.inDriverTx(ctx, func(tx DriverTx) error {
		done, err := s.appliedMigrations(ctx, tx)
		if err != nil {
			return err
		}
		if slices.Contains(done, m.version) {
			return nil
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, s.sql.RecordMigration, m.version, m.name, s.now()); err != nil {
			return err
		}
		applied = true
		return nil
	})
	return applied, err
}

func (s *Store) appliedMigrations(ctx context.Context, q Querier) ([]int, error) {
	return collect(ctx, q, s.sql.MigrationVersions, nil, func(r Row) (int, error) {
		var v int
		err := r.Scan(&v)
		return v, err
	})
}

// SchemaStatus is where a database's schema stands, as read without
// changing anything (afscherm check).
type SchemaStatus struct {
	Current int      // the newest migration applied; 0 for an empty database
	Latest  int      // the newest this build knows
	Pending []string // this build's migrations not yet applied, NNNN_name
	// Jobs says which of the job queue's own migrations are missing; empty
	// when its tables are up to date.
	Jobs string
}

// Newer reports a database migrated by a newer afscherm than this one.
func (s SchemaStatus) Newer() bool { return s.Current > s.Latest }

// SchemaStatus reads which migrations the database has, without applying
// any or creating the table that records them.
func (s *Store) SchemaStatus(ctx context.Context) (SchemaStatus, error) {
	status := SchemaStatus{Latest: s.SchemaVersion()}
	var tables int
	if err := s.drv.QueryRow(ctx, s.sql.MigrationTableExists).Scan(&tables); err != nil {
		return status, fmt.Errorf("schema: %w", err)
	}
	var done []int
	if tables > 0 {
		var err error
		if done, err = s.appliedMigrations(ctx, s.drv); err != nil {
			return status, fmt.Errorf("schema: %w", err)
		}
	}
	if len(done) > 0 {
		status.Current = done[len(done)-1]
	}
	for _, m := range s.migrations {
		if !slices.Contains(done, m.version) {
			status.Pending = append(status.Pending, fmt.Sprintf("%04d_%s", m.version, m.name))
		}
	}
	jobs, err := s.drv.PendingJobMigrations(ctx)
	if err != nil {
		return status, fmt.Errorf("schema: job queue tables: %w", err)
	}
	status.Jobs = jobs
	return status, nil
}
