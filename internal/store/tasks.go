package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/afscherm/afscherm/internal/model"
)

// EnsureTask creates the staff task of a request, unless it has one, and
// returns the task it has.
func (tx *Tx) EnsureTask(ctx context.Context, t model.Task) (model.Task, error) {
	if _, err := tx.q.Exec(ctx, tx.sql.EnsureTask, t.RequestID, t.Registrar, t.Title, t.Steps, tx.now); err != nil {
		return t, fmt.Errorf("task for request %d: %w", t.RequestID, err)
	}
	return scanTask(tx.q.QueryRow(ctx, tx.sql.TaskByRequest, t.RequestID))
}

// Task returns a staff task.
func (r reader) Task(ctx context.Context, id int64) (model.Task, error) {
	t, err := scanTask(r.q.QueryRow(ctx, r.sql.TaskByID, id))
	if errors.Is(err, ErrNoRows) {
		return t, model.Errorf(model.KindNotFound, "task %d not found", id)
	}
	return t, err
}

// TaskOfRequest returns a request's staff task.
func (r reader) TaskOfRequest(ctx context.Context, requestID int64) (model.Task, error) {
	t, err := scanTask(r.q.QueryRow(ctx, r.sql.TaskByRequest, requestID))
	if errors.Is(err, ErrNoRows) {
		return t, model.Errorf(model.KindNotFound, "request %d has no task", requestID)
	}
	return t, err
}

// Tasks lists staff tasks, oldest first.
func (r reader) Tasks(ctx context.Context, openOnly bool) ([]model.Task, error) {
	return collect(ctx, r.q, r.sql.ListTasks, []any{openOnly}, scanTask)
}

// CompleteTask marks an open task done; a task done or cancelled before is
// a conflict.
func (tx *Tx) CompleteTask(ctx context.Context, id int64, by, note string) error {
	n, err := tx.q.Exec(ctx, tx.sql.CompleteTask, id, tx.now, by, note)
	if err != nil {
		return err
	}
	if n == 0 {
		if _, err := tx.Task(ctx, id); err != nil {
			return err
		}
		return model.Errorf(model.KindConflict, "task %d is done or cancelled already", id)
	}
	return nil
}

// CancelTask cancels an open task; false when it was not open.
func (tx *Tx) CancelTask(ctx context.Context, id int64) (bool, error) {
	n, err := tx.q.Exec(ctx, tx.sql.CancelTask, id, tx.now)
	return n == 1, err
}

func scanTask(row Row) (model.Task, error) {
	var t model.Task
	err := row.Scan(&t.ID, &t.RequestID, &t.Domain, &t.Registrar, &t.Title, &t.Steps, timeValue{&t.CreatedAt},
		timeValue{&t.DoneAt}, &t.DoneBy, &t.Note, timeValue{&t.CancelledAt})
	return t, err
}
