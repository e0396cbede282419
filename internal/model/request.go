package model

import (
	"fmt"
	"slices"
	"time"
)

// RequestState is where a privacy request is in its life.
type RequestState string

// The states of a privacy request.
const (
	StateQuoted           RequestState = "quoted"            // priced, not yet sent to the customer
	StateAwaitingApproval RequestState = "awaiting_approval" // the customer has the link
	StateApproved         RequestState = "approved"          // the customer agreed to the cost
	StateSubmitting       RequestState = "submitting"        // being filed with the registrar or registry
	StateSubmitted        RequestState = "submitted"         // filed; waiting for the party to carry it out
	StateCompleted        RequestState = "completed"         // the party says it is done; charged
	StateVerified         RequestState = "verified"          // a new scan shows the data gone
	StateDeclined         RequestState = "declined"          // the customer said no
	StateExpired          RequestState = "expired"           // the customer did not answer in time
	StateCancelled        RequestState = "cancelled"         // by staff, or the customer withdrew, before submission
	StateFailed           RequestState = "failed"            // could not be done; see the reason
)

// RequestStates lists every state in the order of a request's life.
var RequestStates = []RequestState{StateQuoted, StateAwaitingApproval, StateApproved, StateSubmitting,
	StateSubmitted, StateCompleted, StateVerified, StateDeclined, StateExpired, StateCancelled, StateFailed}

// ParseRequestState reads a state's name.
func ParseRequestState(s string) (RequestState, error) {
	if slices.Contains(RequestStates, RequestState(s)) {
		return RequestState(s), nil
	}
	return "", fmt.Errorf("unknown request state %q", s)
}

// Open reports whether a request is still under way: one that is open keeps
// its domain from getting a second request.
func (s RequestState) Open() bool {
	switch s {
	case StateVerified, StateDeclined, StateExpired, StateCancelled, StateFailed:
		return false
	}
	return true
}

// Transition is a named step from one state to another.
type Transition string

// The transitions; every other step is refused.
const (
	SendForApproval   Transition = "send_for_approval"  // quoted → awaiting_approval
	Approve           Transition = "approve"            // awaiting_approval → approved, by the customer
	Decline           Transition = "decline"            // awaiting_approval → declined, by the customer
	Expire            Transition = "expire"             // quoted, awaiting_approval → expired
	Cancel            Transition = "cancel"             // quoted, awaiting_approval, approved → cancelled, by staff
	Withdraw          Transition = "withdraw"           // approved → cancelled, the customer withdrawing consent
	StartSubmission   Transition = "start_submission"   // approved → submitting
	ConfirmSubmission Transition = "confirm_submission" // submitting → submitted
	Complete          Transition = "complete"           // submitted → completed
	Verify            Transition = "verify"             // completed → verified
	Fail              Transition = "fail"               // approved, submitting, submitted, completed, verified → failed
)

// transitions lists, per transition, the states it may start from and the
// state it leads to.
var transitions = map[Transition]struct {
	from []RequestState
	to   RequestState
}{
	SendForApproval:   {[]RequestState{StateQuoted}, StateAwaitingApproval},
	Approve:           {[]RequestState{StateAwaitingApproval}, StateApproved},
	Decline:           {[]RequestState{StateAwaitingApproval}, StateDeclined},
	Expire:            {[]RequestState{StateQuoted, StateAwaitingApproval}, StateExpired},
	Cancel:            {[]RequestState{StateQuoted, StateAwaitingApproval, StateApproved}, StateCancelled},
	Withdraw:          {[]RequestState{StateApproved}, StateCancelled},
	StartSubmission:   {[]RequestState{StateApproved}, StateSubmitting},
	ConfirmSubmission: {[]RequestState{StateSubmitting}, StateSubmitted},
	Complete:          {[]RequestState{StateSubmitted}, StateCompleted},
	Verify:            {[]RequestState{StateCompleted}, StateVerified},
	Fail:              {[]RequestState{StateApproved, StateSubmitting, StateSubmitted, StateCompleted, StateVerified}, StateFailed},
}

// Transitions lists every transition.
func Transitions() []Transition {
	out := make([]Transition, 0, len(transitions))
	for t := range transitions {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Next returns the state a transition leads to from s, or a conflict error
// when the transition is not allowed from s.
func (s RequestState) Next(t Transition) (RequestState, error) {
	rule, ok := transitions[t]
	if !ok {
		return "", Errorf(KindInvalid, "unknown transition %q", t)
	}
	if !slices.Contains(rule.from, s) {
		return "", Errorf(KindConflict, "a request that is %s cannot %s", s, humanTransition(t))
	}
	return rule.to, nil
}

func humanTransition(t Transition) string {
	switch t {
	case SendForApproval:
		return "be sent for approval"
	case StartSubmission:
		return "be submitted"
	case ConfirmSubmission:
		return "be confirmed as submitted"
	}
	return "be " + map[Transition]string{Approve: "approved", Decline: "declined", Expire: "expired",
		Cancel: "cancelled", Withdraw: "withdrawn", Complete: "completed", Verify: "verified", Fail: "failed"}[t]
}

// PrivacyRequest asks the registrar or registry to shield one domain's
// registrant data, at the quoted price.
type PrivacyRequest struct {
	ID             int64
	Domain         string // A-label
	DomainID       int64
	CustomerNumber string
	CustomerID     int64
	State          RequestState
	Reason         string // why it failed, was cancelled, or anything else staff should read
	Price          Price
	Quote          QuoteText
	ScanID         int64 // the scan that showed the domain exposed
	// PriceTableVersion is the version of the price table the quote was
	// priced from; 0 for requests quoted before price tables were kept in
	// the database.
	PriceTableVersion int64
	ExpiresAt         time.Time
	// Adapter names the registrar adapter that carries the request out.
	Adapter string
	// Partial is set when the party can shield only part of the data.
	Partial bool
	// OptOutReasons are the customer's own reasons for a registry's
	// opt-out (SIDN), as staff took them down; empty when none is asked.
	// Personal data: never logged.
	OptOutReasons string
	// PartyReference is the party's name for the request or the staff task;
	// PartyDetail its last word on it; PartyDeadline when it promised an
	// answer by.
	PartyReference string
	PartyDetail    string
	PartyDeadline  time.Time
	CreatedBy      Actor
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// QuoteText is the exact text the customer was shown, with the version of
// the template it came from and its SHA-256.
type QuoteText struct {
	Version  string   `json:"version"`
	Language Language `json:"language"`
	Text     string   `json:"text"`
	SHA256   string   `json:"sha256"` // hex
}

// Decision is what a consent record records.
type Decision string

// The decisions.
const (
	DecisionApproved  Decision = "approved"
	DecisionDeclined  Decision = "declined"
	DecisionWithdrawn Decision = "withdrawn"
)

// ConsentRecord is the evidence of a customer's decision. It is never
// changed once written.
type ConsentRecord struct {
	ID             int64
	RequestID      int64
	CustomerNumber string
	Domain         string
	Decision       Decision
	QuoteVersion   string
	QuoteSHA256    string
	Currency       string
	Net, VAT       Cents
	Gross          Cents
	At             time.Time
	Method         string // "web link", or "staff" for a decision staff recorded
	UserAgent      string
	// ClientHash is an HMAC-SHA-256 of the client's address under a secret
	// key: enough to match abuse, not to know the address.
	ClientHash string
}

// LedgerKind is a charge or its reversal.
type LedgerKind string

// The kinds of ledger entry.
const (
	LedgerCharge   LedgerKind = "charge"
	LedgerReversal LedgerKind = "reversal"
)

// LedgerEntry is one line in the books. Entries are never changed; a
// reversal is a new entry with negated amounts.
type LedgerEntry struct {
	ID             int64
	RequestID      int64
	CustomerNumber string
	Domain         string
	Kind           LedgerKind
	Description    string
	Currency       string
	Net, VAT       Cents
	Gross          Cents
	At             time.Time
	// IdempotencyKey makes a repeated job write the entry once:
	// "charge:REQUEST" or "reversal:REQUEST".
	IdempotencyKey string
}
