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
	// CodeCallsLimit is "Calls limit has been reached". After failed
	// logins (100 in an hour on the live API, 50 in 50 seconds at CTE) it
	// blocks the account for 20 minutes (REGISTRIES.md; knowledge base,
	// "What are Openprovider API calls limits?"). The knowledge base also
	// gives it to a few call kinds afscherm does not make (domain checks,
	// 300 seconds; token requests beyond 30 a minute, 1 minute); the code
	// does not say which limit was hit, so the client waits the longest,
	// 20 minutes, as the knowledge base's own advice does ("wait for 20
	// minutes after the block").
	CodeCallsLimit = 50
	// CodeExcessiveUse is "API access temporarily blocked because of
	// excessive use", for 300 seconds (knowledge base; identical
	// createDomainRequest calls).
	CodeExcessiveUse = 4007
	// CodeAccessDenied is "Access denied": more than 300 identical calls
	// (all arguments the same) in 300 seconds blacklist the calling IP
	// address, "until removed manually" in the control panel (knowledge
	// base); an IP address outside the account's whitelist gets it too.
	CodeAccessDenied = 10005
	// CodeAccessDeniedCTE is taken to be the same in Openprovider's test
	// environment; no document at hand says so.
	CodeAccessDeniedCTE = 10009
)

// How long to wait after a rate-limit code that came without Retry-After.
var rateLimitWait = map[int]time.Duration{
	CodeExcessiveUse: 300 * time.Second,
}

// blockedMessage explains code 50 to staff.
const blockedMessage = "Openprovider blocked API access (code 50, calls limit reached): after too many failed logins " +
	"Openprovider blocks the account for 20 minutes, and every login tried meanwhile counts against it; " +
	"afscherm makes no call to Openprovider until the block ends. If logins failed, check the Openprovider " +
	"password of every program that logs in to this account"

// accessDeniedMessage explains code 10005 to staff.
const accessDeniedMessage = "Openprovider denies access to this IP address (code 10005, access denied): it blacklists an address " +
	"after too many identical calls (300 within 300 seconds; 50 within 100 seconds at CTE) until someone removes it, " +
	"and refuses addresses outside the account's IP whitelist. Remove the address from the blacklist in Openprovider's " +
	"control panel (Contacts, the blocked contact), or add it to the whitelist; afscherm does not retry on its own"

// configCodes are failures only staff can mend: retrying cannot help, and
// with 10005 every repeat is one more identical call.
var configCodes = map[int]string{
	CodeAuthFailed:         "Openprovider refused the credentials (authentication/authorization failed)",
	CodeAgreementNotSigned: "the Openprovider account has not signed a required agreement",
	CodeAccessDenied:       accessDeniedMessage,
	CodeAccessDeniedCTE:    accessDeniedMessage,
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

	// Openprovider's code decides before the HTTP status, which the
	// description does not give for errors: code 50 with a 429 is still
	// the block after failed logins.
	if hasEnvelope && env.Code != 0 {
		if e := codeError(env.Code, a.header); e != nil {
			return e
		}
	}
	if a.status == http.StatusTooManyRequests {
		e := errorf(registrars.KindRateLimited, "", nil, "too many requests (HTTP 429)")
		if hasEnvelope && env.Code != 0 {
			e.Code = strconv.Itoa(env.Code)
		}
		e.RetryAfter = retryAfter(a.header, time.Now())
		return e
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
// credentials and blocks (config), the block after failed logins (blocked;
// the client sets its end) and rate limits; nil for the others.
func codeError(code int, h http.Header) *registrars.Error {
	if code == CodeCallsLimit {
		return errorf(registrars.KindBlocked, strconv.Itoa(code), nil, "%s", blockedMessage)
	}
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
