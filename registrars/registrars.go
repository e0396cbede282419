// Package registrars is how afscherm reaches the parties that can shield a
// domain's registration data: a registry over EPP (SIDN for .nl, CZ.NIC and
// other registries that honour RFC 5733's disclose flags), a registrar's
// REST API (Openprovider), or — where there is no API — a task for staff.
//
// An Adapter says which domains it serves and at what cost, files a request
// (with an idempotency key derived from afscherm's request id, so that a
// repeat after a crash does not act twice), reports its status, and cancels
// where the party allows it. Errors are typed (Temporary, RateLimited,
// Blocked, Rejected, Config) so that jobs know whether to retry.
//
// The package is public so that others can add adapters; it imports nothing
// of afscherm's internals.
package registrars

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Domain is what an adapter needs to know about a domain.
type Domain struct {
	Name      string // lower-case A-label
	Registrar string // afscherm's registrar of record for it, e.g. "openprovider", "sidn"
}

// TLD is the domain's last label.
func (d Domain) TLD() string { return d.Name[strings.LastIndexByte(d.Name, '.')+1:] }

// Support says whether and how an adapter can shield a domain.
type Support struct {
	OK bool
	// Reason says why not, for staff ("privacy services are forbidden for
	// .us"); or, when OK, anything staff should know.
	Reason string
	// Partial is set when the party can shield only part of the data (the
	// name stays public at CZ.NIC): the quote says so and verification
	// accepts what the party allows.
	Partial bool
	// OptOut is set when the party also has an opt-out procedure that
	// takes the customer's own reasons (SIDN), for Request.Reasons.
	OptOut bool
}

// Request is one privacy request as an adapter sees it.
type Request struct {
	ID     int64 // afscherm's request id
	Domain Domain
	// Language is the customer's, "nl" or "en", for texts the party sends on.
	Language string
	// Person says that the customer is a natural person by the company's
	// own records (SIDN: the registrant may then be recorded as one).
	Person bool
	// Reasons are the customer's own words, where a party wants them (SIDN's
	// opt-out); empty otherwise.
	Reasons string
}

// IdempotencyKey is the key a repeat of this request carries: the same for
// every attempt, different for every request.
func (r Request) IdempotencyKey() string { return "afscherm-" + strconv.FormatInt(r.ID, 10) }

// State is where a filed request is at the party.
type State string

// The states at the party.
const (
	Pending   State = "pending"   // filed; the party has not finished
	Completed State = "completed" // done: the data is shielded
	Rejected  State = "rejected"  // the party refused; see Detail
)

// Status is a party's answer about a request.
type Status struct {
	State State
	// Reference is the party's name for the request, or the task, that
	// later status questions carry.
	Reference string
	// Detail says more, without personal data: what was changed, what
	// remains, the party's message.
	Detail string
	// Deadline is when the party has promised an answer, for asynchronous
	// steps (SIDN decides an opt-out within three weeks).
	Deadline time.Time
	// Public names the items the party keeps public however it is asked
	// (Item… constants): its ceiling for this registrant, learnt from its
	// answers — a registry that refuses to hide an item, or whose policy
	// keeps the name public. A completed request with items here is done
	// as far as the party allows; verification accepts those items.
	Public []string
}

// Items of registrant data, as Status.Public names them.
const (
	ItemName         = "name"
	ItemOrganisation = "organisation"
	ItemAddress      = "address"
	ItemPhone        = "phone"
	ItemFax          = "fax"
	ItemEmail        = "email"
)

// Adapter is one way of reaching one party.
type Adapter interface {
	// Name is the adapter's name in configuration, e.g. "sidn".
	Name() string
	// Serves says whether the adapter can shield the domain.
	Serves(d Domain) Support
	// Price is what the party charges for shielding the domain, in euro
	// cents without VAT.
	Price(ctx context.Context, d Domain) (int64, error)
	// Plan says, in the request's language, what shielding will change
	// for it (which steps apply can depend on the customer and on the
	// reasons they gave). Called for the quote, before the request has
	// an ID.
	Plan(r Request) []string
	// Submit files the request. A repeat with the same request must find
	// the work already done (read the current state first, or use the
	// idempotency key) and act no second time.
	Submit(ctx context.Context, r Request) (Status, error)
	// Status asks how a filed request stands.
	Status(ctx context.Context, r Request, reference string) (Status, error)
	// Cancel withdraws a filed request where the party allows it; an
	// adapter that cannot returns a *Error of kind Rejected.
	Cancel(ctx context.Context, r Request, reference string) error
}

// Prober is an Adapter that can try its way in without changing anything
// at the party: connect, log in, log out (afscherm check --online).
type Prober interface {
	// Probe reaches the party and logs in and out; its error names the
	// cause (refused connection, TLS, credentials, greeting) and never a
	// credential.
	Probe(ctx context.Context) error
}

// ErrorKind says what a failure means for the caller.
type ErrorKind string

// The kinds of adapter error.
const (
	// KindTemporary: try again, with backoff.
	KindTemporary ErrorKind = "temporary"
	// KindRateLimited: try again after RetryAfter.
	KindRateLimited ErrorKind = "rate_limited"
	// KindBlocked: the party has shut us out until Until (Openprovider
	// after failed logins); the adapter makes no call before then. It
	// passes by itself, but its cause (a wrong password somewhere) needs
	// a person: alert staff, and try again after Until.
	KindBlocked ErrorKind = "blocked"
	// KindRejected: the party refused (Code and Message say why); do not retry.
	KindRejected ErrorKind = "rejected"
	// KindConfig: credentials or configuration are wrong; alert staff, do not retry.
	KindConfig ErrorKind = "config"
)

// Error is an adapter's failure. Its text never holds credentials or
// personal data.
type Error struct {
	Kind       ErrorKind
	Party      string // e.g. "sidn", "openprovider"
	Code       string // the party's own code, e.g. "2303" or "320"
	Message    string
	RetryAfter time.Duration
	// Until is when a KindBlocked error's block ends.
	Until time.Time
	Err   error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %s", e.Party, e.Kind)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if !e.Until.IsZero() {
		s += " (until " + e.Until.UTC().Format(time.RFC3339) + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of the *Error in err's chain; an error that is
// not one counts as temporary.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindTemporary
}

// Errorf makes an *Error.
func Errorf(party string, kind ErrorKind, code, format string, args ...any) *Error {
	return &Error{Party: party, Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}
