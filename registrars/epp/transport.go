package epp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Transport carries EPP frames. It knows nothing of commands, so the same
// client can speak over RFC 5734's TLS framing or another carrier (SIDN's
// RESTful REPP).
type Transport interface {
	// Greeting returns the greeting the server sent when the session
	// opened.
	Greeting(ctx context.Context) ([]byte, error)
	// Send sends one frame and returns the server's answer. A Transport
	// handles one Send at a time.
	Send(ctx context.Context, frame []byte) ([]byte, error)
	// Close ends the connection.
	Close() error
}

// TLSTransport is RFC 5734: TLS over TCP, each frame prefixed with its
// length.
type TLSTransport struct {
	conn     net.Conn
	maxFrame int

	mu       sync.Mutex
	greeting []byte
}

// DialTransport connects and completes the TLS handshake within cfg's
// per-command timeout. It uses Addr, TLS, Dial, Timeout and MaxFrame.
func DialTransport(ctx context.Context, cfg Config) (*TLSTransport, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("%w: address %q: %w", ErrInvalid, cfg.Addr, err)
	}
	dial := cfg.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	raw, err := dial(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, netErr(ctx, "dial "+cfg.Addr, err)
	}
	tc := &tls.Config{}
	if cfg.TLS != nil {
		tc = cfg.TLS.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = host
	}
	if tc.MinVersion == 0 {
		tc.MinVersion = tls.VersionTLS12
	}
	conn := tls.Client(raw, tc)
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, netErr(ctx, "TLS handshake with "+cfg.Addr, err)
	}
	return &TLSTransport{conn: conn, maxFrame: cfg.maxFrame()}, nil
}

// Greeting reads the greeting the server sends on connect; later calls
// return the same one.
func (t *TLSTransport) Greeting(ctx context.Context) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.greeting != nil {
		return t.greeting, nil
	}
	b, err := t.roundTrip(ctx, nil)
	if err != nil {
		return nil, err
	}
	t.greeting = b
	return b, nil
}

// Send writes a frame and reads the answer. The context's deadline bounds
// both; cancelling the context interrupts them.
func (t *TLSTransport) Send(ctx context.Context, frame []byte) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.roundTrip(ctx, frame)
}

func (t *TLSTransport) roundTrip(ctx context.Context, frame []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, ctxErr(err)
	}
	dl, _ := ctx.Deadline()
	if err := t.conn.SetDeadline(dl); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConnection, err)
	}
	// A cancelled context moves the deadline into the past, which ends a
	// blocked read or write at once.
	stop := context.AfterFunc(ctx, func() { t.conn.SetDeadline(time.Unix(1, 0)) }) //nolint:errcheck // best effort
	defer stop()
	var b []byte
	err := func() error {
		if frame != nil {
			if err := WriteFrame(t.conn, frame); err != nil {
				return err
			}
		}
		var err error
		b, err = ReadFrame(t.conn, t.maxFrame)
		return err
	}()
	if err != nil {
		if ce := ctx.Err(); ce != nil && errors.Is(ce, context.Canceled) {
			return nil, ctxErr(ce)
		}
		return nil, err
	}
	return b, nil
}

// Close closes the connection.
func (t *TLSTransport) Close() error { return t.conn.Close() }

func ctxErr(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return fmt.Errorf("epp: %w", err)
}

func netErr(ctx context.Context, what string, err error) error {
	if ce := ctx.Err(); ce != nil {
		return fmt.Errorf("%s: %w", what, ctxErr(ce))
	}
	if isTimeout(err) {
		return fmt.Errorf("%w: %s: %w", ErrTimeout, what, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrConnection, what, err)
}
