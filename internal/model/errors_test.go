package model

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestErrorKinds(t *testing.T) {
	err := Errorf(KindNotFound, "customer %s not found", "C1")
	if err.Error() != "customer C1 not found" || KindOf(err) != KindNotFound {
		t.Errorf("got %q, %q", err, KindOf(err))
	}
	wrapped := fmt.Errorf("import: %w", err)
	if !IsKind(wrapped, KindNotFound) {
		t.Errorf("kind lost through wrapping: %q", KindOf(wrapped))
	}
	cause := Errorf(KindTemporary, "read: %w", io.ErrUnexpectedEOF)
	if !errors.Is(cause, io.ErrUnexpectedEOF) || cause.Error() != "read: unexpected EOF" {
		t.Errorf("cause not kept: %v", cause)
	}
	if KindOf(io.EOF) != KindInternal || KindOf(nil) != "" {
		t.Error("plain errors are not internal")
	}
}
