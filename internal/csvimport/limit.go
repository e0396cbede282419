package csvimport

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// fieldLimit passes a CSV file through to encoding/csv and stops it at the
// first field longer than maxFieldSize, row wider than maxFields or file
// larger than maxFileSize. encoding/csv would read a record of any size
// into memory (a 50 MB field, a header of a million columns); this follows
// the file as the csv reader will parse it — quoted fields, doubled quotes,
// delimiters, line ends — and fails the read at the offending byte.
type fieldLimit struct {
	r     io.Reader
	comma byte

	err        error
	total      int64
	line       int // the physical line being read, from 1
	recordLine int // the line the current record started on
	record     int // records started before this one; 0 is the header
	field      int // index of the field being read in its record
	size       int // bytes of that field so far
	state      int
}

// The states of the field being read.
const (
	atFieldStart = iota
	inPlainField
	inQuotedField
	afterQuote // a quote inside a quoted field: its end, or the first of a doubled pair
)

// limitError is a limit fieldLimit stopped the file at.
type limitError struct {
	line   int // the line the record started on
	header bool
	field  int  // the field's index, for a field too long
	wide   bool // too many fields
	file   bool // the file is too large
}

func (e *limitError) Error() string { return e.reason(nil) }

// reason says what was too large, naming the column when the header is
// known; never the value.
func (e *limitError) reason(names []string) string {
	switch {
	case e.file:
		return fmt.Sprintf("is larger than %d MiB", maxFileSize>>20)
	case e.header && e.wide:
		return fmt.Sprintf("the header has more than %d columns", maxFields)
	case e.header:
		return fmt.Sprintf("the header's column %d is longer than %d bytes", e.field+1, maxFieldSize)
	case e.wide:
		return fmt.Sprintf("has more than %d fields", maxFields)
	case e.field < len(names) && names[e.field] != "":
		return fmt.Sprintf("%s: is longer than %d bytes", names[e.field], maxFieldSize)
	}
	return fmt.Sprintf("field %d is longer than %d bytes", e.field+1, maxFieldSize)
}

func (l *fieldLimit) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		if stop := l.step(p[i]); stop != nil {
			l.err = stop
			return i, stop
		}
	}
	return n, err
}

// step takes one byte of the file, and returns the limit it breaks.
func (l *fieldLimit) step(c byte) *limitError {
	l.total++
	if l.total > maxFileSize {
		return &limitError{line: l.recordLine, file: true}
	}
	if c == '\n' {
		l.line++
	}
	switch l.state {
	case atFieldStart, inPlainField:
		switch {
		case c == l.comma:
			return l.nextField()
		case c == '\n':
			l.endRecord()
			return nil
		case c == '"' && l.state == atFieldStart:
			l.state = inQuotedField
		case c == '\r':
			return nil // of a CRLF line end; encoding/csv drops it
		default:
			l.state = inPlainField
		}
	case inQuotedField:
		if c == '"' {
			l.state = afterQuote
			return nil
		}
	case afterQuote:
		switch c {
		case '"':
			l.state = inQuotedField // a doubled quote: one quote in the value
		case l.comma:
			return l.nextField()
		case '\n':
			l.endRecord()
			return nil
		case '\r':
			return nil
		default:
			// encoding/csv refuses the record and goes on at the next
			// line; so does this.
			l.state = inPlainField
		}
	}
	l.size++
	if l.size > maxFieldSize {
		return &limitError{line: l.recordLine, header: l.record == 0, field: l.field}
	}
	return nil
}

func (l *fieldLimit) nextField() *limitError {
	l.field++
	l.size, l.state = 0, atFieldStart
	if l.field >= maxFields {
		return &limitError{line: l.recordLine, header: l.record == 0, wide: true}
	}
	return nil
}

func (l *fieldLimit) endRecord() {
	if l.field > 0 || l.size > 0 || l.state != atFieldStart {
		l.record++ // encoding/csv skips empty lines: they start no record
	}
	l.field, l.size, l.state = 0, 0, atFieldStart
	l.recordLine = l.line
}

// excerpt quotes at most 32 characters of a value from a column that holds
// no personal data, escaped, for a message: enough to find it, never a
// whole oversized or garbled value.
func excerpt(s string) string {
	const max = 32
	n := 0
	for i := range s {
		if n == max {
			return strconv.Quote(s[:i]) + "…"
		}
		n++
	}
	return strconv.Quote(s)
}

// codeExcerpt is a code (a customer number) as it is when it is a plain
// one of at most 64 letters, digits, '.', '_', '/' or '-', else its excerpt.
func codeExcerpt(s string) string {
	if len(s) <= 64 && plainCode.MatchString(s) {
		return s
	}
	return excerpt(s)
}

var plainCode = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)
