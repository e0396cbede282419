// Package lookup holds what the RDAP and WHOIS lookups share: the failure
// vocabulary a scan records, the network they dial through (replaceable by
// tests and the demo, so that nothing leaves loopback), which addresses they
// may reach (public ones, unless the operator allows a host), and the cap on
// response sizes.
package lookup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

// MaxResponseSize caps every response body a lookup reads.
const MaxResponseSize = 1 << 20

// Failure reasons, stable names that scans are counted by.
const (
	ReasonNoService     = "no_service"     // no RDAP service or WHOIS server is known for the TLD
	ReasonNotRegistered = "not_registered" // the registry does not know the domain
	ReasonRateLimited   = "rate_limited"   // the server said 429/503, or our own limit says wait
	ReasonTimeout       = "timeout"
	ReasonConnection    = "connection" // refused, reset, DNS, TLS
	ReasonHTTPStatus    = "http_status"
	ReasonTooLarge      = "too_large"
	ReasonMalformed     = "malformed"
	ReasonRefused       = "refused" // a link, redirect or referral we would not follow (RefusedError)
)

// StatusOK is the status of a request that got an answer; any other
// status is a failure reason.
const StatusOK = "ok"

// Status names how a request ended, for counting: StatusOK when err is
// nil, otherwise its failure reason.
func Status(err error) string {
	if err == nil {
		return StatusOK
	}
	if f, ok := AsFailure(err); ok {
		return f.Reason
	}
	return classifyErr(err)
}

// Observer is told about the requests a lookup sends, for metrics. Its
// methods are called from many goroutines at once.
type Observer interface {
	// ObserveLookup counts one request to a server (a host name), ended
	// with a status: StatusOK or a failure reason.
	ObserveLookup(source model.Source, server, status string)
	// ObserveLookupTime is the time one exchange with a server took, from
	// connecting to the end of its answer, without waiting for the rate
	// limit.
	ObserveLookupTime(source model.Source, took time.Duration)
}

// Failure is why a lookup gave no usable answer. Its text never holds
// response content, so it is safe to log and store.
type Failure struct {
	Reason     string
	Host       string
	RetryAfter time.Duration // for ReasonRateLimited: when to try again
	Detail     string
	Err        error
}

func (f *Failure) Error() string {
	s := f.Reason
	if f.Host != "" {
		s = f.Host + ": " + s
	}
	if f.Detail != "" {
		s += ": " + f.Detail
	}
	return s
}

func (f *Failure) Unwrap() error { return f.Err }

// Kind maps the failure to the model's error kinds: rate-limited, not
// found, or temporary.
func (f *Failure) Kind() model.Kind {
	switch f.Reason {
	case ReasonRateLimited:
		return model.KindRateLimited
	case ReasonNotRegistered:
		return model.KindNotFound
	case ReasonNoService, ReasonMalformed, ReasonTooLarge, ReasonRefused:
		return model.KindInvalid
	}
	return model.KindTemporary
}

// Fail returns a Failure, classifying err when reason is empty. A refusal
// in err's chain names the host refused, whichever host was asked first.
func Fail(host, reason string, err error) *Failure {
	if r, ok := AsRefused(err); ok && (reason == "" || reason == ReasonRefused) {
		return Refused(r)
	}
	if reason == "" {
		reason = classifyErr(err)
	}
	f := &Failure{Reason: reason, Host: host, Err: err}
	if err != nil {
		f.Detail = errDetail(err)
	}
	return f
}

// AsFailure finds the Failure in err's chain.
func AsFailure(err error) (*Failure, bool) {
	var f *Failure
	ok := errors.As(err, &f)
	return f, ok
}

func classifyErr(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, new(*RefusedError)):
		return ReasonRefused
	case errors.Is(err, ErrTooLarge):
		return ReasonTooLarge
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return ReasonTimeout
	}
	return ReasonConnection
}

// errDetail is the innermost message of err, short.
func errDetail(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && len(msg)-i < 80 {
		msg = msg[i+2:]
	}
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg
}

// ErrTooLarge is returned by a capped reader past its limit.
var ErrTooLarge = fmt.Errorf("response is larger than %d bytes", MaxResponseSize)

// CapReader returns r, failing with ErrTooLarge after limit bytes.
func CapReader(r io.Reader, limit int64) io.Reader { return &capReader{r: r, left: limit} }

type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// One more byte tells a body of exactly the limit from a longer one.
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, ErrTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// ParseRetryAfter reads a Retry-After header: seconds, or an HTTP date.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(min(s, 86400)) * time.Second
	}
	if t, err := time.Parse(time.RFC1123, v); err == nil && t.After(now) {
		return min(t.Sub(now), 24*time.Hour)
	}
	return 0
}

// Dialer opens connections. Tests and the demo replace it to keep every
// connection on loopback; the clients guard whichever they use (see
// SafeDialer and Guard).
type Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

// MapDialer dials the address mapped to a host instead of the host itself,
// and refuses every host it does not know: a sealed network for tests and
// the demo. Keys and values are "host:port".
func MapDialer(routes map[string]string) Dialer {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		to, ok := routes[strings.ToLower(addr)]
		if !ok {
			host, _, _ := net.SplitHostPort(addr)
			if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
				to = addr
			} else {
				return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("%s is not on this sealed network", addr)}
			}
		}
		return d.DialContext(ctx, network, to)
	}
}
