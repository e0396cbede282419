package requests

import (
	"context"
	"strconv"

	"github.com/afscherm/afscherm/internal/logsafe"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
)

// Tasks keeps the manual adapter's tasks in the store.
type Tasks struct{ Store *store.Store }

// EnsureTask creates a request's task unless it has one.
func (t Tasks) EnsureTask(ctx context.Context, requestID int64, registrar, title, steps string) (int64, error) {
	var task model.Task
	err := t.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		task, err = tx.EnsureTask(ctx, model.Task{RequestID: requestID, Registrar: registrar, Title: title, Steps: steps})
		return err
	})
	return task.ID, err
}

// TaskState reads a task.
func (t Tasks) TaskState(ctx context.Context, id int64) (done, cancelled bool, note string, err error) {
	task, err := t.Store.Task(ctx, id)
	if err != nil {
		return false, false, "", err
	}
	return !task.DoneAt.IsZero(), !task.CancelledAt.IsZero(), task.Note, nil
}

// CancelTask cancels an open task.
func (t Tasks) CancelTask(ctx context.Context, id int64) (bool, error) {
	var ok bool
	err := t.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		ok, err = tx.CancelTask(ctx, id)
		return err
	})
	return ok, err
}

// TaskDone records that staff did a task, and moves its request on at
// once rather than at the next poll.
func (s *Service) TaskDone(ctx context.Context, id int64, by model.Actor, note string) (model.Task, error) {
	if note == "" {
		return model.Task{}, model.Errorf(model.KindInvalid, "say what was done (--note)")
	}
	var task model.Task
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CompleteTask(ctx, id, by.ID, note); err != nil {
			return err
		}
		var err error
		if task, err = tx.Task(ctx, id); err != nil {
			return err
		}
		_, err = tx.AddAuditEvent(ctx, model.AuditEvent{Actor: by, Action: "task.done", SubjectKind: "request",
			SubjectID: strconv.FormatInt(task.RequestID, 10), Reason: note, Details: map[string]any{"task": id, "domain": task.Domain}})
		return err
	})
	if err != nil {
		return task, err
	}
	if err := s.Poll(ctx, task.RequestID); err != nil {
		if _, later := AsLater(err); !later {
			s.log().Warn("task done, but the request did not move on yet", "task", id, "request", task.RequestID,
				logsafe.DomainNamed(ctx, s.Store, task.Domain), logsafe.Error(ctx, s.Store, err))
		}
	}
	return task, nil
}
