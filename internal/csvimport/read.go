// Package csvimport reads the customer and domain lists staff export from the
// company's administration — UTF-8 CSV, comma or semicolon separated, with a
// header row — and applies them to the store in one transaction.
//
// A file with any bad row imports nothing: every bad row is reported with
// its line and reason, and the reasons never repeat personal data: they
// name the column, and quote at most a short, escaped excerpt of a column
// that holds none (a customer number, a header). A field, row or file of
// absurd size is refused after reading no more than the limit.
package csvimport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/afscherm/afscherm/internal/model"
)

// CustomerColumns are the columns of a customer file, all required in the header.
var CustomerColumns = []string{"customer_number", "name", "kind", "email", "phone", "street",
	"postal_code", "city", "country", "language", "relationship_end"}

// DomainColumns are the columns of a domain file, all required in the header.
var DomainColumns = []string{"domain", "customer_number", "registrar"}

// RowError is one bad row, or a problem with the file as a whole (Line 0).
type RowError struct {
	File   string
	Line   int
	Reason string
}

func (e RowError) String() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Reason)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
}

// Errors is every problem found in an import; nothing was imported.
type Errors []RowError

func (es Errors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d problem", len(es))
	if len(es) != 1 {
		b.WriteString("s")
	}
	for _, e := range es {
		b.WriteString("\n  ")
		b.WriteString(e.String())
	}
	return b.String()
}

// asModel wraps the list as an invalid-input error.
func (es Errors) asModel() error {
	return &model.Error{Kind: model.KindInvalid, Message: "import refused, nothing was changed: " + es.Error(), Err: es}
}

// CustomerRow is one customer read from a file.
type CustomerRow struct {
	Line     int
	Customer model.Customer
}

// DomainRow is one domain read from a file.
type DomainRow struct {
	Line           int
	Name           string // normalised A-label form
	CustomerNumber string
	Registrar      string
}

// table is a CSV file read into rows of named fields.
type table struct {
	file string
	rows []Row
	errs Errors
}

// Row is one data row of a CSV file, its fields by column name.
type Row struct {
	Line   int
	Fields map[string]string
}

// ReadTable reads a CSV file whose header must hold exactly the given
// columns, for other tables than the import's (a price table): the rows, and
// every problem of the file's form.
func ReadTable(r io.Reader, file string, columns []string) ([]Row, Errors) {
	t := readTable(r, file, columns)
	return t.rows, t.errs
}

// readTable reads a CSV file whose header must hold exactly the given columns,
// in any order and case. Spaces in header names count as underscores. The
// file is read as a stream through fieldLimit, so that an absurd field or
// header is refused after a few kilobytes, never held in memory whole.
func readTable(r io.Reader, file string, columns []string) table {
	t := table{file: file}
	fail := func(line int, format string, args ...any) {
		t.errs = append(t.errs, RowError{File: file, Line: line, Reason: fmt.Sprintf(format, args...)})
	}
	empty := func() { fail(0, "is empty; it needs a header row with the columns %s", strings.Join(columns, ", ")) }

	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3) //nolint:errcheck // peeked: the bytes are there
	}
	head, _ := br.Peek(br.Size()) // the header line, or its first 64 KiB
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	limit := &fieldLimit{r: br, comma: byte(sniffDelimiter(head)), line: 1, recordLine: 1}
	cr := csv.NewReader(limit)
	cr.Comma = rune(limit.comma)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	var tooMuch *limitError
	switch {
	case err == io.EOF:
		empty()
		return t
	case errors.As(err, &tooMuch):
		fail(tooMuch.line, "%s", tooMuch.reason(nil))
		return t
	case err != nil:
		fail(1, "cannot read the header row: %v", csvReason(err))
		return t
	case blank(header):
		empty()
		return t
	}
	index, ok := t.mapHeader(header, columns)
	if !ok {
		return t
	}
	names := make([]string, len(header))
	for name, i := range index {
		names[i] = name
	}

	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if errors.As(err, &tooMuch) {
			fail(tooMuch.line, "%s; nothing after it was read", tooMuch.reason(names))
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				fail(0, "cannot read: %v", err)
				break
			}
			fail(pe.StartLine, "%s", csvReason(err))
			continue
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue // spreadsheets like to end with rows of empty cells
		}
		if len(rec) != len(header) {
			fail(line, "has %d fields where the header has %d", len(rec), len(header))
			continue
		}
		if i := slices.IndexFunc(rec, func(f string) bool { return !utf8.ValidString(f) }); i >= 0 {
			fail(line, "%s: is not UTF-8 text (save the file as \"CSV UTF-8\")", names[i])
			continue
		}
		fields := make(map[string]string, len(columns))
		for name, i := range index {
			fields[name] = strings.TrimSpace(rec[i])
		}
		t.rows = append(t.rows, Row{Line: line, Fields: fields})
	}
	return t
}

// The limits of what an import reads.
const (
	maxFileSize  = 64 << 20 // bytes in one file
	maxFieldSize = 1 << 10  // bytes in one field; the longest column allows 200 characters
	maxFields    = 64       // fields in one row or the header
)

func (t *table) mapHeader(header []string, columns []string) (map[string]int, bool) {
	index := map[string]int{}
	var unknown, dup []string
	for i, h := range header {
		name := strings.ToLower(strings.Join(strings.Fields(strings.TrimSpace(h)), "_"))
		switch {
		case !slices.Contains(columns, name):
			unknown = append(unknown, excerpt(h))
		case hasKey(index, name):
			dup = append(dup, name)
		default:
			index[name] = i
		}
	}
	var missing []string
	for _, c := range columns {
		if !hasKey(index, c) {
			missing = append(missing, c)
		}
	}
	fail := func(format string, args ...any) {
		t.errs = append(t.errs, RowError{File: t.file, Line: 1, Reason: fmt.Sprintf(format, args...)})
	}
	if len(missing) > 0 {
		fail("header lacks the column(s) %s", strings.Join(missing, ", "))
	}
	if len(unknown) > 0 {
		if len(unknown) > 5 {
			unknown = append(unknown[:5], fmt.Sprintf("and %d more", len(unknown)-5))
		}
		fail("header has unknown column(s) %s; the columns are %s", strings.Join(unknown, ", "), strings.Join(columns, ", "))
	}
	if len(dup) > 0 {
		fail("header repeats the column(s) %s", strings.Join(dup, ", "))
	}
	return index, len(missing)+len(unknown)+len(dup) == 0
}

func hasKey[K comparable, V any](m map[K]V, k K) bool { _, ok := m[k]; return ok }

// sniffDelimiter picks ';' or ',' by which occurs more often, outside
// quotes, in the header line.
func sniffDelimiter(data []byte) rune {
	line, _, _ := bufio.NewReader(bytes.NewReader(data)).ReadLine()
	var semis, commas int
	quoted := false
	for _, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ';':
			semis++
		case c == ',':
			commas++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// csvReason is the parse error without the line prefix, which RowError adds.
func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// ReadCustomers reads a customer file: the good rows, and every bad one.
func ReadCustomers(r io.Reader, file string) ([]CustomerRow, Errors) {
	t := readTable(r, file, CustomerColumns)
	var out []CustomerRow
	first := map[string]int{}
	for _, rec := range t.rows {
		f := rec.Fields
		c := model.Customer{
			Number: f["customer_number"], Name: f["name"], Email: f["email"], Phone: f["phone"],
			Street: f["street"], PostalCode: f["postal_code"], City: f["city"], Country: f["country"],
		}
		// Unknown values stay as typed, for Normalize to report.
		var err error
		if c.Kind, err = model.ParseCustomerKind(f["kind"]); err != nil {
			c.Kind = model.CustomerKind(f["kind"])
		}
		if c.Language, err = model.ParseLanguage(f["language"]); err != nil {
			c.Language = model.Language(f["language"])
		}
		problems := c.Normalize()
		if v := f["relationship_end"]; v != "" {
			d, err := parseDate(v)
			if err != nil {
				problems = append(problems, model.Problem{Field: "relationship_end", Reason: "must be a date, YYYY-MM-DD"})
			}
			c.RelationshipEnd = d
		}
		if line, dup := first[c.Number]; dup && c.Number != "" {
			problems = append(problems, model.Problem{Field: "customer_number",
				Reason: fmt.Sprintf("%s appears already on line %d", codeExcerpt(c.Number), line)})
		} else {
			first[c.Number] = rec.Line
		}
		if len(problems) > 0 {
			t.errs = append(t.errs, RowError{File: file, Line: rec.Line, Reason: joinProblems(problems)})
			continue
		}
		out = append(out, CustomerRow{Line: rec.Line, Customer: c})
	}
	return out, t.errs
}

// ReadDomains reads a domain file: the good rows, and every bad one.
func ReadDomains(r io.Reader, file string) ([]DomainRow, Errors) {
	t := readTable(r, file, DomainColumns)
	var out []DomainRow
	first := map[string]int{}
	for _, rec := range t.rows {
		f := rec.Fields
		var problems []model.Problem
		name, err := model.NormalizeDomainName(f["domain"])
		if err != nil {
			problems = append(problems, model.Problem{Field: "domain", Reason: strings.TrimPrefix(err.Error(), "invalid domain name: ")})
		}
		number := f["customer_number"]
		if number == "" {
			problems = append(problems, model.Problem{Field: "customer_number", Reason: "is empty"})
		}
		// An empty registrar is allowed: the live registrar of record from
		// the domain's scan is used.
		var registrar string
		if raw := strings.TrimSpace(f["registrar"]); raw != "" {
			registrar, err = model.NormalizeRegistrar(raw)
			if err != nil {
				problems = append(problems, model.Problem{Field: "registrar", Reason: strings.TrimPrefix(err.Error(), "registrar ")})
			}
		}
		if line, dup := first[name]; dup && name != "" {
			problems = append(problems, model.Problem{Field: "domain", Reason: fmt.Sprintf("appears already on line %d", line)})
		} else if name != "" {
			first[name] = rec.Line
		}
		if len(problems) > 0 {
			t.errs = append(t.errs, RowError{File: file, Line: rec.Line, Reason: joinProblems(problems)})
			continue
		}
		out = append(out, DomainRow{Line: rec.Line, Name: name, CustomerNumber: number, Registrar: registrar})
	}
	return out, t.errs
}

func joinProblems(ps []model.Problem) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, "; ")
}

// parseDate reads YYYY-MM-DD, and DD-MM-YYYY as Dutch spreadsheets write it.
func parseDate(s string) (model.Date, error) {
	if d, err := model.ParseDate(s); err == nil {
		return d, nil
	}
	if len(s) == 10 && (s[2] == '-' || s[2] == '/') && s[5] == s[2] {
		return model.ParseDate(s[6:10] + "-" + s[3:5] + "-" + s[0:2])
	}
	return model.Date{}, fmt.Errorf("not a date")
}
