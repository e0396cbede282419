package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/afscherm/afscherm/internal/model"
)

// SMTP sends over SMTP: smtp://USER@HOST:PORT upgrades with STARTTLS
// (which it insists on when it authenticates), smtps://USER@HOST:PORT
// speaks TLS from the start. The password comes separately, never in the
// URL.
type SMTP struct {
	host, addr string
	implicit   bool
	user       string
	password   string
	from       string
	roots      *x509.CertPool
	timeout    time.Duration
}

// NewSMTP reads an smtp[s]:// URL.
func NewSMTP(rawURL, password, from string, roots *x509.CertPool) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, model.Errorf(model.KindInvalid, "--smtp-url must look like smtp://USER@HOST:PORT or smtps://USER@HOST:PORT")
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		return nil, model.Errorf(model.KindInvalid, "--smtp-url must not hold the password; set AFSCHERM_SMTP_PASSWORD")
	}
	s := &SMTP{host: u.Hostname(), implicit: u.Scheme == "smtps", user: u.User.Username(), password: password,
		from: from, roots: roots, timeout: 30 * time.Second}
	port := u.Port()
	if port == "" {
		port = map[bool]string{true: "465", false: "587"}[s.implicit]
	}
	s.addr = net.JoinHostPort(s.host, port)
	if s.user != "" && password == "" {
		return nil, model.Errorf(model.KindInvalid, "--smtp-url names user %s: set AFSCHERM_SMTP_PASSWORD", s.user)
	}
	return s, nil
}

// Describe names the server, without the password.
func (s *SMTP) Describe() string {
	scheme := "smtp"
	if s.implicit {
		scheme = "smtps"
	}
	return fmt.Sprintf("%s://%s", scheme, s.addr)
}

// Send delivers one message in one connection.
func (s *SMTP) Send(ctx context.Context, m model.OutboxMessage, raw []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	c, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if s.user != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.user, s.password)); err != nil {
			return smtpErr(s.addr, err)
		}
	}
	if err := c.SendMail(envelope(s.from), []string{m.To}, bytes.NewReader(raw)); err != nil {
		return smtpErr(s.addr, err)
	}
	return c.Quit()
}

// Check opens a session as Send does — TLS from the start, or STARTTLS,
// which it insists on even without a password — authenticates when a user
// is set, and quits without sending (afscherm check --online). ctx bounds
// it all.
func (s *SMTP) Check(ctx context.Context) error {
	tlsConfig := &tls.Config{ServerName: s.host, RootCAs: s.roots, MinVersion: tls.VersionTLS12}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return model.Errorf(model.KindTemporary, "smtp %s: %w", s.addr, err)
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	var c *smtp.Client
	if s.implicit {
		c = smtp.NewClient(tls.Client(conn, tlsConfig))
		err = c.Hello("afscherm")
	} else {
		c, err = smtp.NewClientStartTLS(conn, tlsConfig)
	}
	if err != nil {
		conn.Close()
		return model.Errorf(model.KindInvalid, "smtp %s: no TLS: %v", s.addr, err)
	}
	defer c.Close()
	if s.user != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.user, s.password)); err != nil {
			return smtpErr(s.addr, err)
		}
	}
	return c.Quit()
}

// connect opens a session: TLS from the start for smtps://; for smtp://,
// STARTTLS, or — only without a password to protect — plain text where the
// server offers no STARTTLS.
func (s *SMTP) connect(ctx context.Context) (*smtp.Client, error) {
	tlsConfig := &tls.Config{ServerName: s.host, RootCAs: s.roots, MinVersion: tls.VersionTLS12}
	dial := func() (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", s.addr)
		if err != nil {
			return nil, model.Errorf(model.KindTemporary, "smtp %s: %w", s.addr, err)
		}
		if deadline, ok := ctx.Deadline(); ok {
			_ = conn.SetDeadline(deadline)
		}
		return conn, nil
	}
	conn, err := dial()
	if err != nil {
		return nil, err
	}
	if s.implicit {
		c := smtp.NewClient(tls.Client(conn, tlsConfig))
		if err := c.Hello("afscherm"); err != nil {
			c.Close()
			return nil, smtpErr(s.addr, err)
		}
		return c, nil
	}
	c, err := smtp.NewClientStartTLS(conn, tlsConfig)
	if err == nil {
		return c, nil
	}
	conn.Close()
	if s.user != "" {
		return nil, model.Errorf(model.KindInvalid, "smtp %s: no TLS (%v); refusing to send the password in clear", s.addr, err)
	}
	if conn, err = dial(); err != nil {
		return nil, err
	}
	c = smtp.NewClient(conn)
	if err := c.Hello("afscherm"); err != nil {
		c.Close()
		return nil, smtpErr(s.addr, err)
	}
	return c, nil
}

// envelope is the bare address of a From header.
func envelope(from string) string {
	if i, j := strings.LastIndex(from, "<"), strings.LastIndex(from, ">"); i >= 0 && j > i {
		return from[i+1 : j]
	}
	return from
}

// smtpErr keeps the server's answer but never the message: 4xx is
// temporary, 5xx permanent.
func smtpErr(addr string, err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		kind := model.KindTemporary
		if se.Code >= 500 {
			kind = model.KindInvalid
		}
		if se.Code == 535 || se.Code == 530 {
			kind = model.KindUnauthorised
		}
		return model.Errorf(kind, "smtp %s: %d %s", addr, se.Code, se.Message)
	}
	return model.Errorf(model.KindTemporary, "smtp %s: %w", addr, err)
}
