// Package smtptest is an SMTP server on loopback for tests and the demo: it
// speaks real SMTP (github.com/emersion/go-smtp), offers STARTTLS or
// implicit TLS with a certificate from the loopback network, requires
// authentication when a user is set, and keeps every message it accepts.
package smtptest

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Server is the fake mail server.
type Server struct {
	User, Password string // when User is set, AUTH PLAIN is required
	// Refuse, when set, answers every MAIL FROM with this SMTP error.
	Refuse *smtp.SMTPError

	srv      *smtp.Server
	mu       sync.Mutex
	messages []Message
}

// Start listens on l; implicit says TLS from the first byte, else STARTTLS
// is offered (when cert is given).
func (s *Server) Start(l net.Listener, cert *tls.Certificate, implicit bool) {
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	s.srv.Domain = "mail.test"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 30*time.Second, 30*time.Second
	s.srv.MaxMessageBytes = 10 << 20
	if cert != nil {
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	if implicit && cert != nil {
		l = tls.NewListener(l, s.srv.TLSConfig)
	}
	go s.srv.Serve(l) //nolint:errcheck // ends with Close
}

// Close stops the server.
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.Close()
	}
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

type session struct {
	s      *Server
	authed bool
	msg    Message
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		if user != ss.s.User || password != ss.s.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication failed"}
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.User != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	if ss.s.Refuse != nil {
		return ss.s.Refuse
	}
	ss.msg = Message{From: from}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.msg.To = append(ss.msg.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(ss.msg.To) == 0 {
		return errors.New("no recipients")
	}
	ss.msg.Data = b
	ss.s.mu.Lock()
	ss.s.messages = append(ss.s.messages, ss.msg)
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Reset()        { ss.msg = Message{} }
func (ss *session) Logout() error { return nil }
