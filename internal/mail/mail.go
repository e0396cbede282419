// Package mail sends what the outbox holds: each message as an RFC 5322
// message with a plain-text and an HTML part, over SMTP (STARTTLS or
// implicit TLS, with authentication) or, by default, as an .eml file in a
// folder, so that the demo and a fresh machine need no mail server.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

// Sender delivers one composed message.
type Sender interface {
	Send(ctx context.Context, m model.OutboxMessage, raw []byte) error
	// Describe names where mail goes, without secrets.
	Describe() string
}

// NewMessageID returns a fresh Message-ID for host, without angle brackets.
func NewMessageID(host string) string {
	return fmt.Sprintf("%s.%s@%s", time.Now().UTC().Format("20060102150405"), strings.ToLower(rand.Text()[:16]), host)
}

// Compose writes a message: From, To, Subject, Date, Message-ID, and a
// multipart/alternative body with the text part first and the HTML part
// after, when there is one.
func Compose(from string, m model.OutboxMessage) ([]byte, error) {
	if _, err := mail.ParseAddress(m.To); err != nil {
		return nil, model.Errorf(model.KindInvalid, "mail %d: the recipient is not an e-mail address", m.ID)
	}
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, model.Errorf(model.KindInvalid, "the sender %q is not an e-mail address", from)
	}
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", from)
	header("To", m.To)
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	date := m.CreatedAt
	if date.IsZero() {
		date = time.Now()
	}
	header("Date", date.UTC().Format(time.RFC1123Z))
	header("Message-ID", "<"+m.MessageID+">")
	header("MIME-Version", "1.0")
	header("Auto-Submitted", "auto-generated")
	if m.HTML == "" {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	mw := multipart.NewWriter(&b)
	header("Content-Type", `multipart/alternative; boundary="`+mw.Boundary()+`"`)
	b.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(w, part.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeQP(w interface{ Write([]byte) (int, error) }, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(strings.ReplaceAll(s, "\n", "\r\n"))); err != nil {
		return err
	}
	return qp.Close()
}
