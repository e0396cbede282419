package mail

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/store"
)

// SendArgs sends one outbox message.
type SendArgs struct {
	OutboxID int64 `json:"outbox_id"`
}

// Kind names the job kind.
func (SendArgs) Kind() string { return "send_mail" }

// InsertOpts allows for a mail server that is down a while: twelve tries
// with River's growing backoff span about two days.
func (SendArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

// Outbox delivers what the outbox holds.
type Outbox struct {
	Store  *store.Store
	Sender Sender
	From   string
	Log    *slog.Logger
}

// Deliver sends one message unless it was sent already, and records the
// outcome. A crash between sending and recording sends it twice; the
// Message-ID lets mail programs see the second as the same message.
func (o *Outbox) Deliver(ctx context.Context, id int64) error {
	m, err := o.Store.Mail(ctx, id)
	if err != nil {
		return err
	}
	if !m.SentAt.IsZero() {
		return nil
	}
	raw, err := Compose(o.From, m)
	if err == nil {
		err = o.Sender.Send(ctx, m, raw)
	}
	if err != nil {
		if ferr := o.Store.MarkMailFailed(context.WithoutCancel(ctx), id, err.Error()); ferr != nil {
			o.log().Warn("mail: could not record a failure", "mail", id, "error", ferr)
		}
		o.log().Warn("mail not sent", "mail", id, "kind", m.Kind, "error", err)
		return err
	}
	if err := o.Store.MarkMailSent(context.WithoutCancel(ctx), id); err != nil {
		return err
	}
	o.log().Info("mail sent", "mail", id, "kind", m.Kind, "via", o.Sender.Describe())
	return nil
}

func (o *Outbox) log() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}
