package mail_test

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	stdmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/afscherm/afscherm/internal/loopback"
	"github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/mail/smtptest"
	"github.com/afscherm/afscherm/internal/model"
)

func message() model.OutboxMessage {
	return model.OutboxMessage{ID: 7, Kind: model.MailApproval, To: "jan@example.nl", Subject: "Uw offerte voor bücher.nl",
		Text: "Hallo,\nklik hier.\n", HTML: "<p>Hallo, <a href=\"https://x\">klik</a></p>", MessageID: mail.NewMessageID("afscherm.test")}
}

// parse reads a composed message back with the standard library.
func parse(t *testing.T, raw []byte) (subject, text, html string) {
	t.Helper()
	msg, err := stdmail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subject, _ = dec.DecodeHeader(msg.Header.Get("Subject"))
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			text = string(b)
		} else {
			html = string(b)
		}
	}
	return subject, text, html
}

func TestComposeAndDir(t *testing.T) {
	m := message()
	raw, err := mail.Compose("afscherm <noreply@hosting.example>", m)
	if err != nil {
		t.Fatal(err)
	}
	subject, text, html := parse(t, raw)
	if subject != m.Subject || text != "Hallo,\r\nklik hier.\r\n" || !strings.Contains(html, `<a href="https://x">`) {
		t.Errorf("read back %q %q %q", subject, text, html)
	}
	dir := t.TempDir()
	d := mail.Dir{Path: filepath.Join(dir, "outbox")}
	for range 2 { // a second send of the same message changes nothing
		if err := d.Send(context.Background(), m, raw); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := os.ReadDir(d.Path)
	if len(files) != 1 || files[0].Name() != "00000007-approval.eml" {
		t.Errorf("files %v", files)
	}
	if _, err := mail.Compose("not an address", m); err == nil {
		t.Error("bad sender accepted")
	}
	m.To = "jan"
	if _, err := mail.Compose("noreply@hosting.example", m); !model.IsKind(err, model.KindInvalid) {
		t.Errorf("bad recipient: %v", err)
	}
}

func TestSMTP(t *testing.T) {
	n, err := loopback.New()
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	cert, err := n.Certificate("mail.test")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := mail.Compose("noreply@hosting.example", message())
	ctx := context.Background()

	for _, tc := range []struct {
		name     string
		implicit bool
		scheme   string
	}{{"STARTTLS", false, "smtp"}, {"implicit TLS", true, "smtps"}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := &smtptest.Server{User: "afscherm", Password: "pw"}
			l, err := n.Listen("mail.test", 2525)
			if err != nil {
				t.Fatal(err)
			}
			srv.Start(l, &cert, tc.implicit)
			defer srv.Close()
			// The certificate names 127.0.0.1 too, and the client checks it.
			addr := l.Addr().String()
			s, err := mail.NewSMTP(tc.scheme+"://afscherm@"+addr, "pw", "afscherm <noreply@hosting.example>", n.RootCAs())
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(ctx, message(), raw); err != nil {
				t.Fatal(err)
			}
			got := srv.Messages()
			if len(got) != 1 || got[0].From != "noreply@hosting.example" || got[0].To[0] != "jan@example.nl" {
				t.Fatalf("received %+v", got)
			}
			if subject, _, _ := parse(t, got[0].Data); subject != message().Subject {
				t.Errorf("subject %q", subject)
			}

			bad, _ := mail.NewSMTP(tc.scheme+"://afscherm@"+addr, "wrong", "noreply@hosting.example", n.RootCAs())
			if err := bad.Send(ctx, message(), raw); !model.IsKind(err, model.KindUnauthorised) {
				t.Errorf("wrong password: %v", err)
			}
			untrusted, _ := mail.NewSMTP(tc.scheme+"://afscherm@"+addr, "pw", "noreply@hosting.example", nil)
			if err := untrusted.Send(ctx, message(), raw); err == nil {
				t.Error("a server with a certificate from an unknown CA was trusted")
			}
			srv.Refuse = &smtp.SMTPError{Code: 451, Message: "try later"}
			if err := s.Send(ctx, message(), raw); !model.IsKind(err, model.KindTemporary) {
				t.Errorf("451: %v", err)
			}
		})
	}
}

func TestSMTPURL(t *testing.T) {
	for _, bad := range []string{"http://x", "smtp://", "smtp://u:pw@host:25", "smtp://user@host:25"} {
		if _, err := mail.NewSMTP(bad, "", "a@b.nl", nil); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	s, err := mail.NewSMTP("smtps://user@mail.example", "pw", "a@b.nl", nil)
	if err != nil || s.Describe() != "smtps://mail.example:465" || strings.Contains(s.Describe(), "pw") {
		t.Errorf("%v, %v", s, err)
	}
}
