package lookup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

func TestCapReader(t *testing.T) {
	b, err := io.ReadAll(CapReader(strings.NewReader("12345"), 5))
	if err != nil || string(b) != "12345" {
		t.Errorf("exactly the limit: %q, %v", b, err)
	}
	_, err = io.ReadAll(CapReader(strings.NewReader("123456"), 5))
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"-3":                            0,
		"soon":                          0,
		"Wed, 25 Nov 2026 02:01:00 GMT": time.Minute,
		"Wed, 25 Nov 2026 01:00:00 GMT": 0,
		"99999999":                      24 * time.Hour,
	} {
		if got := ParseRetryAfter(in, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestFailureKinds(t *testing.T) {
	if f := Fail("h", "", context.DeadlineExceeded); f.Reason != ReasonTimeout || f.Kind() != model.KindTemporary {
		t.Errorf("deadline: %+v", f)
	}
	if f := Fail("h", "", io.ErrUnexpectedEOF); f.Reason != ReasonConnection {
		t.Errorf("EOF: %+v", f)
	}
	if f := Fail("h", "", ErrTooLarge); f.Reason != ReasonTooLarge || f.Kind() != model.KindInvalid {
		t.Errorf("too large: %+v", f)
	}
	if (&Failure{Reason: ReasonRateLimited}).Kind() != model.KindRateLimited {
		t.Error("rate limited kind")
	}
	if (&Failure{Reason: ReasonNotRegistered}).Kind() != model.KindNotFound {
		t.Error("not registered kind")
	}
}

func TestStatus(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, StatusOK},
		{&Failure{Reason: ReasonNotRegistered}, ReasonNotRegistered},
		{fmt.Errorf("rdap: %w", &Failure{Reason: ReasonRateLimited}), ReasonRateLimited},
		{context.DeadlineExceeded, ReasonTimeout},
		{io.ErrUnexpectedEOF, ReasonConnection},
	} {
		if got := Status(c.err); got != c.want {
			t.Errorf("Status(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestMapDialerIsSealed(t *testing.T) {
	d := MapDialer(map[string]string{})
	if _, err := d(context.Background(), "tcp", "whois.example.com:43"); err == nil || !strings.Contains(err.Error(), "sealed") {
		t.Errorf("dial outside: %v", err)
	}
}
