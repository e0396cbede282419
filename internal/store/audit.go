package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

// AddAuditEvent records an event at the time of the transaction, unless the
// event carries its own time.
func (tx *Tx) AddAuditEvent(ctx context.Context, e model.AuditEvent) (int64, error) {
	if e.At.IsZero() {
		e.At = tx.now
	}
	details := []byte("{}")
	if len(e.Details) > 0 {
		var err error
		if details, err = json.Marshal(e.Details); err != nil {
			return 0, fmt.Errorf("audit event %s: details: %w", e.Action, err)
		}
	}
	var id int64
	err := tx.q.QueryRow(ctx, tx.sql.InsertAuditEvent, e.At.UTC(), string(e.Actor.Kind), e.Actor.ID, e.Action,
		e.SubjectKind, e.SubjectID, e.FromState, e.ToState, e.Reason, string(details)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("audit event %s: %w", e.Action, err)
	}
	return id, nil
}

// AuditFilter narrows a list of audit events; empty fields match all.
type AuditFilter struct {
	SubjectKind string
	SubjectID   string
	Action      string
	Since       time.Time // events at or after; zero for no bound
	Limit       int       // the newest Limit events; 0 for all
}

// AuditEvents lists events, oldest first.
func (r reader) AuditEvents(ctx context.Context, f AuditFilter) ([]model.AuditEvent, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	es, err := collect(ctx, r.q, r.sql.ListAuditEvents, []any{f.SubjectKind, f.SubjectID, f.Action, limit, f.Since.UTC()}, scanAuditEvent)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	return es, nil
}

func scanAuditEvent(r Row) (model.AuditEvent, error) {
	var e model.AuditEvent
	var kind, details string
	err := r.Scan(&e.ID, timeValue{&e.At}, &kind, &e.Actor.ID, &e.Action, &e.SubjectKind, &e.SubjectID,
		&e.FromState, &e.ToState, &e.Reason, &details)
	if err != nil {
		return e, err
	}
	e.Actor.Kind = model.ActorKind(kind)
	if details != "" && details != "{}" {
		if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
			return e, fmt.Errorf("audit event %d: details: %w", e.ID, err)
		}
	}
	return e, nil
}
