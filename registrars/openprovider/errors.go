package openprovider

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/afscherm/afscherm/registrars"
)

// Party is the name Openprovider's errors carry.
const Party = "openprovider"

// Openprovider's envelope codes that are not about the domain itself.
// Codes 3xx–7xx belong to the domain module and are the registrar's answer
// about the request; they become KindRejected with the code.
const (
	// CodeAuthFailed is "Authentication/Authorization Failed": wrong
	// credentials at login, or a token the API does not accept.
	CodeAuthFailed = 196
	// CodeAgreementNotSigned is the reseller not having signed an agreement.
	CodeAgreementNotSigned = 197
	// CodeCallsLimit is "Calls limit has been reached": a block of a
	// minute to twenty minutes after too many calls or failed logins.
	CodeCallsLimit = 50
	// CodeExcessiveUse is "API access temporarily blocked because of
	// excessive use", for five minutes.
	CodeExcessiveUse = 4007
	// CodeAccessDenied is "Access denied": the calling IP address is
	// blacklisted, or the reseller lacks the authority; it lasts until
	// someone removes the block in Openprovider's control panel.
	CodeAccessDenied = 10005
	// CodeAccessDeniedCTE is the same in Openprovider's test environment.
	CodeAccessDeniedCTE = 10009
)

// How long to wait after a rate-limit code that came without Retry-After:
// the shortest block Openprovider documents for each.
var rateLimitWait = map[int]time.Duration{
	CodeCallsLimit:   time.Minute,
	CodeExcessiveUse: 5 * time.Minute,
}

// configCodes are failures only staff can mend.
var configCodes = map[int]string{
	CodeAuthFailed:         "Openprovider refused the credentials (authentication/authorization failed)",
	CodeAgreementNotSigned: "the Openprovider account has not signed a required agreement",
	CodeAccessDenied:       "Openprovider denies access to this account or IP address; remove the block in Openprovider's control panel",
	CodeAccessDeniedCTE:    "Openprovider denies access to this account or IP address; remove the block in Openprovider's control panel",
}

// answer is one HTTP answer, its body already read within the cap.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// errorf makes an *registrars.Error of Openprovider's.
func errorf(kind registrars.ErrorKind, code string, err error, format string, args ...any) *registrars.Error {
	e := registrars.Errorf(Party, kind, code, format, args...)
	e.Err = err
	return e
}

// transportError says what went wrong before an answer could be read.
func transportError(ctx context.Context, err error, timeout time.Duration) error {
	var e *registrars.Error
	if errors.As(err, &e) {
		return err
	}
	switch {
	case errors.Is(err, errCallTimeout):
		return errorf(registrars.KindTemporary, "", err, "no answer within %s", timeout)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		if ctx.Err() == nil || errors.Is(context.Cause(ctx), errCallTimeout) {
			return errorf(registrars.KindTemporary, "", err, "no answer within %s", timeout)
		}
		return errorf(registrars.KindTemporary, "", err, "the caller's deadline passed before Openprovider answered")
	case errors.Is(err, context.Canceled):
		return errorf(registrars.KindTemporary, "", err, "cancelled before Openprovider answered")
	}
	return errorf(registrars.KindTemporary, "", err, "could not reach Openprovider or read its answer")
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// decode maps an answer onto out, or onto the error it means.
func decode(a answer, out any) error {
	var env envelope
	jsonErr := json.Unmarshal(a.body, &env)
	hasEnvelope := jsonErr == nil && looksLikeEnvelope(a.body)

	if a.status == http.StatusTooManyRequests {
		e := errorf(registrars.KindRateLimited, "", nil, "too many requests (HTTP 429)")
		if hasEnvelope && env.Code != 0 {
			e.Code = strconv.Itoa(env.Code)
		}
		e.RetryAfter = retryAfter(a.header, time.Now())
		return e
	}
	if hasEnvelope && env.Code != 0 {
		if e := codeError(env.Code, a.header); e != nil {
			return e
		}
	}
	if a.status >= 500 {
		if hasEnvelope && env.Maintenance {
			return errorf(registrars.KindTemporary, codeText(env.Code), nil, "Openprovider is in maintenance (HTTP %d)", a.status)
		}
		return errorf(registrars.KindTemporary, codeText(env.Code), nil, "Openprovider failed (HTTP %d)", a.status)
	}
	if a.status == http.StatusUnauthorized || a.status == http.StatusForbidden {
		return errorf(registrars.KindConfig, codeText(env.Code), errAuth, "Openprovider refused the request (HTTP %d)", a.status)
	}
	if !hasEnvelope {
		switch {
		case a.status == http.StatusNotFound || a.status == http.StatusMethodNotAllowed:
			return errorf(registrars.KindConfig, "", nil, "no such API path at Openprovider (HTTP %d); check the base URL", a.status)
		case a.status >= 400:
			return errorf(registrars.KindRejected, "", nil, "Openprovider refused the request (HTTP %d)", a.status)
		}
		return errorf(registrars.KindTemporary, "", jsonErr, "Openprovider's answer is not its JSON envelope (HTTP %d)", a.status)
	}
	if env.Code != 0 {
		if env.Maintenance {
			return errorf(registrars.KindTemporary, codeText(env.Code), nil, "Openprovider is in maintenance: %s", cleanDesc(env.Desc))
		}
		return errorf(registrars.KindRejected, codeText(env.Code), nil, "%s", cleanDesc(env.Desc))
	}
	if a.status < 200 || a.status > 299 {
		return errorf(registrars.KindRejected, "", nil, "Openprovider refused the request (HTTP %d)", a.status)
	}
	if out == nil {
		return nil
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return errorf(registrars.KindTemporary, "", nil, "Openprovider's answer has no data")
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return errorf(registrars.KindTemporary, "", err, "Openprovider's answer has data of an unexpected shape")
	}
	return nil
}

// looksLikeEnvelope tells an envelope from other JSON (a bare string or
// number, or an object without a code).
func looksLikeEnvelope(body []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(body, &probe) != nil {
		return false
	}
	_, ok := probe["code"]
	return ok
}

// codeError is the error of a code that means the same whatever the call:
// credentials and blocks (config) and rate limits; nil for the others.
func codeError(code int, h http.Header) *registrars.Error {
	if msg, ok := configCodes[code]; ok {
		e := errorf(registrars.KindConfig, strconv.Itoa(code), nil, "%s", msg)
		if code == CodeAuthFailed {
			e.Err = errAuth
		}
		return e
	}
	if wait, ok := rateLimitWait[code]; ok {
		e := errorf(registrars.KindRateLimited, strconv.Itoa(code), nil, "Openprovider's call limit was reached")
		e.RetryAfter = retryAfter(h, time.Now())
		if e.RetryAfter == 0 {
			e.RetryAfter = wait
		}
		return e
	}
	return nil
}

// errAuth marks an error as a refused token or login, so that a call can
// log in again once.
var errAuth = errors.New("authentication refused")

func isAuthFailure(err error) bool { return errors.Is(err, errAuth) }

func codeText(code int) string {
	if code == 0 {
		return ""
	}
	return strconv.Itoa(code)
}

// retryAfter reads Retry-After, in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}

// cleanDesc keeps Openprovider's description short and printable: it is
// shown to staff, and must not carry a whole answer into logs.
func cleanDesc(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	const max = 160
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	if s == "" {
		return "Openprovider refused the request"
	}
	return s
}

// errCallTimeout is the cause of a call's own deadline.
var errCallTimeout = errors.New("openprovider call timeout")

// codeOf is the party's code in err's *registrars.Error, if any.
func codeOf(err error) string {
	var e *registrars.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
