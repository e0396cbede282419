package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/logsafe"
	"github.com/afscherm/afscherm/internal/model"
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

// LinkPlaceholder stands in the outbox where a message's link carries a
// secret — an approval link's token — that the database must not keep: in
// the outbox, in backups, in a subject's export. Outbox.IssueLink puts a
// fresh one in as the message is sent, and only its hash is stored.
// Migration 0012 wrote this text into the messages queued before; it does
// not change.
const LinkPlaceholder = "TOKEN-ADDED-WHEN-SENT"

// Outbox delivers what the outbox holds.
type Outbox struct {
	Store  *store.Store
	Sender Sender
	From   string
	Log    *slog.Logger
	// IssueLink makes the secret for a message that holds LinkPlaceholder
	// and commits what checks it (its hash) before returning, so that the
	// link works by the time anyone can read it. It is called on every
	// attempt to send: a message sent twice (a crash between sending and
	// recording it) carries two links, each of which works.
	IssueLink func(ctx context.Context, m model.OutboxMessage) (string, error)
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
	var raw []byte
	secret, err := o.fillLink(ctx, &m)
	if err == nil {
		raw, err = Compose(o.From, m)
	}
	if err == nil {
		err = o.Sender.Send(ctx, m, raw)
	}
	if err != nil {
		reason := err.Error()
		if secret != "" && strings.Contains(reason, secret) { // a mail server's answer may quote the message
			reason = strings.ReplaceAll(reason, secret, LinkPlaceholder)
			err = errors.New(reason) // River keeps the job's errors in the database too
		}
		if ferr := o.Store.MarkMailFailed(context.WithoutCancel(ctx), id, reason); ferr != nil {
			o.log().Warn("mail: could not record a failure", "mail", id, "error", ferr)
		}
		// A mail server's answer may quote the address, and so the domain.
		logCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		o.log().Warn("mail not sent", "mail", id, "kind", m.Kind, "error", logsafe.Text(logCtx, o.Store, reason))
		return err
	}
	if err := o.Store.MarkMailSent(context.WithoutCancel(ctx), id); err != nil {
		return err
	}
	o.log().Info("mail sent", "mail", id, "kind", m.Kind, "via", o.Sender.Describe())
	return nil
}

// fillLink puts a freshly issued secret where the message holds
// LinkPlaceholder; the filled-in text lives only in memory and in what is
// sent.
func (o *Outbox) fillLink(ctx context.Context, m *model.OutboxMessage) (secret string, _ error) {
	if !strings.Contains(m.Text, LinkPlaceholder) && !strings.Contains(m.HTML, LinkPlaceholder) {
		return "", nil
	}
	if o.IssueLink == nil {
		return "", fmt.Errorf("mail %d carries a link, and this outbox cannot issue one", m.ID)
	}
	secret, err := o.IssueLink(ctx, *m)
	if err != nil {
		return "", fmt.Errorf("mail %d: issue its link: %w", m.ID, err)
	}
	m.Text = strings.ReplaceAll(m.Text, LinkPlaceholder, secret)
	m.HTML = strings.ReplaceAll(m.HTML, LinkPlaceholder, secret)
	return secret, nil
}

func (o *Outbox) log() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}
