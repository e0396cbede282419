package epp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/afscherm/afscherm/registrars"
)

// What can go wrong on the way to an answer. Errors returned by this package
// wrap one of these (test with errors.Is), or are a *ResultError.
var (
	// ErrConnection: the connection could not be made, or dropped,
	// possibly in the middle of a frame.
	ErrConnection = errors.New("epp: connection failed")
	// ErrFrameTooLarge: a frame is longer than the configured limit.
	ErrFrameTooLarge = errors.New("epp: frame too large")
	// ErrTimeout: no whole answer within the command's time.
	ErrTimeout = errors.New("epp: timeout")
	// ErrProtocol: the server's answer is not valid EPP: not XML, no
	// result, or another command's clTRID.
	ErrProtocol = errors.New("epp: protocol error")
	// ErrClosed: the session is over (closed, logged out, or broken by an
	// earlier error); dial again.
	ErrClosed = errors.New("epp: session closed")
	// ErrInvalid: the call cannot be expressed for this server (an
	// argument out of range, an item the dialect lacks, an extension the
	// server does not offer). Nothing was sent.
	ErrInvalid = errors.New("epp: invalid request")
)

// Result codes this package names (RFC 5730 section 3).
const (
	CodeSuccess            = 1000
	CodePending            = 1001
	CodeNoMessages         = 1300
	CodeAckToDequeue       = 1301
	CodeEndingSession      = 1500
	CodeUnknownCommand     = 2000
	CodeSyntax             = 2001
	CodeUse                = 2002
	CodeRequiredMissing    = 2003
	CodeValueRange         = 2004
	CodeValueSyntax        = 2005
	CodeUnimplementedOpt   = 2102
	CodeAuthentication     = 2200
	CodeAuthorization      = 2201
	CodeInvalidAuthInfo    = 2202
	CodeObjectExists       = 2302
	CodeObjectNotFound     = 2303
	CodeStatusProhibits    = 2304
	CodeAssociation        = 2305
	CodeValuePolicy        = 2306
	CodeDataMgmtPolicy     = 2308
	CodeCommandFailed      = 2400
	CodeFailedClosing      = 2500
	CodeAuthClosing        = 2501
	CodeSessionLimitClosed = 2502
)

// ResultError is a server's refusal: a 2xxx result.
type ResultError struct {
	Command string // e.g. "contact:update"
	Code    int
	Message string
	// Reasons are the <reason> texts of <extValue>, and the messages of
	// SIDN's response extension, in the server's order. <value> contents
	// are left out: they may hold personal data.
	Reasons []string
	// SIDN are the messages of SIDN's response extension, with SIDN's own
	// code and the field each concerns.
	SIDN   []SIDNMessage
	SvTRID string
}

func (e *ResultError) Error() string {
	s := fmt.Sprintf("epp %s: %d %s", e.Command, e.Code, e.Message)
	if len(e.Reasons) > 0 {
		s += " (" + strings.Join(e.Reasons, "; ") + ")"
	}
	return s
}

// Code is the EPP result code in err's chain, or 0.
func Code(err error) int {
	var re *ResultError
	if errors.As(err, &re) {
		return re.Code
	}
	return 0
}

// AdapterError turns an error of this package into a *registrars.Error for
// the party: 2200/2201/2202 are configuration (credentials, or an object
// not ours); 2400 and 25xx, lost connections, timeouts and protocol errors
// are temporary; every other 2xxx is a rejection carrying the code; a
// request this client cannot express is configuration. A nil err stays nil.
func AdapterError(party string, err error) error {
	if err == nil {
		return nil
	}
	var re *ResultError
	if errors.As(err, &re) {
		e := &registrars.Error{Party: party, Code: strconv.Itoa(re.Code), Message: re.Message, Err: err}
		if len(re.Reasons) > 0 {
			e.Message += " (" + strings.Join(re.Reasons, "; ") + ")"
		}
		switch {
		case re.Code == CodeAuthentication || re.Code == CodeAuthorization || re.Code == CodeInvalidAuthInfo:
			e.Kind = registrars.KindConfig
		case re.Code == CodeCommandFailed || re.Code >= CodeFailedClosing:
			e.Kind = registrars.KindTemporary
		default:
			e.Kind = registrars.KindRejected
		}
		return e
	}
	kind := registrars.KindTemporary
	if errors.Is(err, ErrInvalid) {
		kind = registrars.KindConfig
	}
	return &registrars.Error{Party: party, Kind: kind, Message: err.Error(), Err: err}
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
