package store

import (
	"context"
	"fmt"
	"time"
)

// Heartbeat records that the lookup worker id is alive now, forgets
// workers not seen since staleBefore, and returns how many are alive.
func (s *Store) Heartbeat(ctx context.Context, id string, staleBefore time.Time) (live int, err error) {
	err = s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.q.Exec(ctx, tx.sql.UpsertWorker, id, tx.now); err != nil {
			return err
		}
		if _, err := tx.q.Exec(ctx, tx.sql.DeleteStaleWorkers, staleBefore.UTC()); err != nil {
			return err
		}
		return tx.q.QueryRow(ctx, tx.sql.CountWorkers).Scan(&live)
	})
	if err != nil {
		return 0, fmt.Errorf("heartbeat: %w", err)
	}
	return live, nil
}

// LeaveWorkers forgets a lookup worker that is stopping.
func (s *Store) LeaveWorkers(ctx context.Context, id string) error {
	_, err := s.drv.Exec(ctx, s.sql.DeleteWorker, id)
	return err
}

// LookupWorkers returns how many lookup workers are registered; a stale
// one counts until the next heartbeat forgets it.
func (r reader) LookupWorkers(ctx context.Context) (int, error) {
	var n int
	if err := r.q.QueryRow(ctx, r.sql.CountWorkers).Scan(&n); err != nil {
		return 0, fmt.Errorf("lookup workers: %w", err)
	}
	return n, nil
}
