package epptest

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/afscherm/afscherm/internal/eppschema"
	"github.com/afscherm/afscherm/registrars/epp/internal/xmltree"
	"github.com/afscherm/afscherm/registrars/wiretrace"
)

// The official schemas hold the fake to the parties' contracts: in tests,
// every frame the server receives and every frame it sends is validated
// with xmllint against the schemas of its dialect (RFC 5730–5733 and
// RFC 5910 for RFC5733; those with SIDN's sidn-ext-epp-1.0 for SIDN;
// CZ.NIC FRED's own set for FRED; see internal/eppschema). The hand-written
// rules in schema.go stay: they answer 2001 as a validating server does.
// The XSD check is the authority above them: a received frame the schemas
// reject but the rules let through, or a frame the server sends that the
// schemas reject, is a schema violation. (A refused frame the schemas
// reject is no violation when it is refused as RFC 5730 allows for a
// frame the server cannot take as written: 2000–2005, or 2100–2103 for an
// unimplemented version, command, option or extension.) A violation fails
// the test given in Options.T, is written to standard error, and is
// answered with 2400 carrying xmllint's message, so that the client under
// test sees it too.

// TB is the part of testing.TB a server reports schema violations to.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// SchemaCheck says whether frames are validated against the official
// schemas.
type SchemaCheck int

// The choices.
const (
	// SchemaAuto validates in tests (testing.Testing) when xmllint and the
	// schemas are there, and fails New when they are not but
	// AFSCHERM_TEST_REQUIRE_XMLLINT=1 wants them; outside tests (the demo)
	// it does not validate.
	SchemaAuto SchemaCheck = iota
	// SchemaOn validates, in tests or not; New panics without xmllint.
	SchemaOn
	// SchemaOff never validates.
	SchemaOff
)

// schemaSet is the set of official schemas a dialect's frames follow.
func (d Dialect) schemaSet() eppschema.Set {
	switch d {
	case SIDN:
		return eppschema.SIDN
	case FRED:
		return eppschema.FRED
	}
	return eppschema.IETF
}

// newValidator finds xmllint and the schemas when opts want them.
func newValidator(opts Options) *eppschema.Validator {
	switch {
	case opts.SchemaCheck == SchemaOff:
		return nil
	case opts.SchemaCheck == SchemaAuto && !testing.Testing():
		return nil
	}
	v, err := eppschema.Default()
	if err == nil {
		return v
	}
	if opts.SchemaCheck == SchemaOn || eppschema.Required() {
		panic(fmt.Sprintf("epptest: frames cannot be validated against the official schemas "+
			"(%s=1 or SchemaOn wants them): %v", eppschema.RequireEnv, err))
	}
	return nil
}

// Validating reports whether the server checks frames against the official
// schemas.
func (s *Server) Validating() bool { return s.schema != nil }

// SchemaViolations are the violations found so far, each with xmllint's
// message and the frame (passwords masked).
func (s *Server) SchemaViolations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

var resultCodeRE = regexp.MustCompile(`<result\s+code="(\d+)"`)

// checkSchemas validates a received frame and the answer to it, and
// returns the answer to send: out, or a 2400 naming the violation.
func (s *Server) checkSchemas(in, out []byte) []byte {
	if s.schema == nil {
		return out
	}
	set := s.opts.Dialect.schemaSet()
	var code int
	if m := resultCodeRE.FindSubmatch(out); m != nil {
		code, _ = strconv.Atoi(string(m[1]))
	}
	// Both at once: each is an xmllint process, and clients under test
	// wait for the answer.
	var inErr, outErr error
	var wg sync.WaitGroup
	if !refusesUnreadable(code) {
		wg.Go(func() { inErr = s.schema.Validate(set, in) })
	}
	outErr = s.schema.Validate(set, out)
	wg.Wait()
	if inErr != nil {
		return s.violation("received (answered "+strconv.Itoa(code)+")", in, inErr, in)
	}
	if outErr != nil {
		return s.violation("sent", out, outErr, in)
	}
	return out
}

// refusesUnreadable reports a result code RFC 5730 (section 3) has for a
// command the server cannot take as written: unknown command, syntax
// error, use error, missing parameter, value out of range or of the wrong
// syntax, and the unimplemented version, command, option or extension.
func refusesUnreadable(code int) bool {
	return (code >= 2000 && code <= 2005) || (code >= 2100 && code <= 2103)
}

// checkGreeting validates the greeting sent on connect.
func (s *Server) checkGreeting(g []byte) {
	if s.schema != nil {
		if err := s.schema.Validate(s.opts.Dialect.schemaSet(), g); err != nil {
			s.violation("sent (greeting)", g, err, nil)
		}
	}
}

// violation records and reports one, and returns the 2400 to answer
// instead (with the clTRID of the command it answers, in).
func (s *Server) violation(what string, frame []byte, err error, in []byte) []byte {
	msg := fmt.Sprintf("epptest %s: a frame %s breaks the official schemas: %v\n%s",
		s.opts.Dialect, what, err, wiretrace.MaskXML(frame, s.passwords()...))
	var trid string
	if root, perr := xmltree.Parse(in); perr == nil {
		trid = root.Path(nsEPP, "command", "clTRID").Value()
	}
	s.mu.Lock()
	s.violations = append(s.violations, msg)
	out := s.render(reply{code: 2400, reason: fmt.Sprintf("epptest: a frame %s breaks the official %s schemas: %v",
		what, s.opts.Dialect.schemaSet(), err)}, trid)
	t := s.opts.T
	s.mu.Unlock()
	if t != nil {
		t.Helper()
		t.Errorf("%s", msg)
	} else {
		fmt.Fprintln(os.Stderr, msg)
	}
	return out
}

// ReportTo makes schema violations fail t from now on, as Options.T does
// (for servers that others start, such as the sandbox's).
func (s *Server) ReportTo(t TB) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.T = t
}

// passwords are the registrars' passwords, masked in reports.
func (s *Server) passwords() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var pws []string
	for _, pw := range s.registrars {
		pws = append(pws, pw)
	}
	return pws
}
