package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/afscherm/afscherm/internal/model"
)

// InsertMail puts a message in the outbox, to be sent after the
// transaction commits.
func (tx *Tx) InsertMail(ctx context.Context, m *model.OutboxMessage) error {
	m.CreatedAt = tx.now
	var req, cust any
	if m.RequestID != 0 {
		req = m.RequestID
	}
	if m.CustomerID != 0 {
		cust = m.CustomerID
	}
	err := tx.q.QueryRow(ctx, tx.sql.InsertMail, tx.now, m.Kind, req, cust, m.To, m.Subject, m.Text, m.HTML, m.MessageID).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("queue %s mail: %w", m.Kind, err)
	}
	return nil
}

// Mail returns an outbox message.
func (r reader) Mail(ctx context.Context, id int64) (model.OutboxMessage, error) {
	m, err := scanMail(r.q.QueryRow(ctx, r.sql.MailByID, id))
	if errors.Is(err, ErrNoRows) {
		return m, model.Errorf(model.KindNotFound, "mail %d not found", id)
	}
	return m, err
}

// MailFilter selects outbox messages.
type MailFilter struct {
	RequestID  int64
	UnsentOnly bool
}

// Mails lists outbox messages, oldest first.
func (r reader) Mails(ctx context.Context, f MailFilter) ([]model.OutboxMessage, error) {
	return collect(ctx, r.q, r.sql.ListMail, []any{f.RequestID, f.UnsentOnly}, scanMail)
}

// MarkMailSent records that a message went out.
func (s *Store) MarkMailSent(ctx context.Context, id int64) error {
	_, err := s.drv.Exec(ctx, s.sql.MarkMailSent, id, s.now())
	return err
}

// MarkMailFailed records a failed attempt to send.
func (s *Store) MarkMailFailed(ctx context.Context, id int64, reason string) error {
	_, err := s.drv.Exec(ctx, s.sql.MarkMailFailed, id, reason)
	return err
}

func scanMail(row Row) (model.OutboxMessage, error) {
	var m model.OutboxMessage
	var req, cust *int64
	err := row.Scan(&m.ID, timeValue{&m.CreatedAt}, &m.Kind, &req, &cust, &m.To, &m.Subject, &m.Text, &m.HTML,
		&m.MessageID, timeValue{&m.SentAt}, &m.Attempts, &m.LastError)
	if req != nil {
		m.RequestID = *req
	}
	if cust != nil {
		m.CustomerID = *cust
	}
	return m, err
}
