package model

import (
	"errors"
	"fmt"
)

// Kind says what sort of failure an error is. Each kind is mapped once to an
// HTTP status, a CLI exit code and a job retry decision by the package that
// meets the outside world.
type Kind string

// The error kinds.
const (
	KindInvalid      Kind = "invalid"      // bad input; fix it and try again
	KindNotFound     Kind = "not_found"    // no such thing
	KindConflict     Kind = "conflict"     // clashes with the current state
	KindUnauthorised Kind = "unauthorised" // missing or wrong credentials
	KindTemporary    Kind = "temporary"    // try again later
	KindRateLimited  Kind = "rate_limited" // try again after a wait
	KindInternal     Kind = "internal"     // a bug or an unexpected failure
)

// Error is an error with a Kind and a message that is safe to show: it never
// carries personal data.
type Error struct {
	Kind    Kind
	Message string // the whole message, including the cause's when wrapped
	Err     error  // the cause, if any
}

func (e *Error) Error() string {
	switch {
	case e.Message != "":
		return e.Message
	case e.Err != nil:
		return e.Err.Error()
	default:
		return string(e.Kind)
	}
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an error of the given kind with a formatted message. A %w
// verb in the format wraps its argument, as with fmt.Errorf.
func Errorf(kind Kind, format string, args ...any) error {
	wrapped := fmt.Errorf(format, args...)
	return &Error{Kind: kind, Message: wrapped.Error(), Err: errors.Unwrap(wrapped)}
}

// KindOf returns the kind of the first *Error in err's chain, or KindInternal
// when there is none.
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// IsKind reports whether err is of the given kind.
func IsKind(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }
