package epptest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/eppschema"
)

// recordingTB keeps what a server reports.
type recordingTB struct{ errors []string }

func (r *recordingTB) Helper() {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func validatingServer(t *testing.T, d Dialect) (*Server, *recordingTB) {
	t.Helper()
	if _, err := eppschema.Default(); err != nil {
		if eppschema.Required() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	tb := &recordingTB{}
	s := New(Options{Dialect: d, T: tb, Registrars: map[string]string{"afscherm": "login-secret-1"}})
	if !s.Validating() {
		t.Fatal("the server does not validate in a test")
	}
	return s, tb
}

const (
	loginFrame = `<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login>` +
		`<clID>afscherm</clID><pw>login-secret-1</pw><options><version>1.0</version><lang>en</lang></options>` +
		`<svcs><objURI>urn:ietf:params:xml:ns:contact-1.0</objURI></svcs></login><clTRID>T-1</clTRID></command></epp>`
	okAnswer = `<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response>` +
		`<result code="1000"><msg>Command completed successfully</msg></result>` +
		`<trID><clTRID>T-1</clTRID><svTRID>S-1</svTRID></trID></response></epp>`
)

// A frame the server would send that the schemas reject fails the test
// with xmllint's message and the frame, and the client gets a 2400
// instead.
func TestSentFrameViolation(t *testing.T) {
	s, tb := validatingServer(t, RFC5733)
	bad := strings.Replace(okAnswer, "<svTRID>S-1</svTRID>", "", 1) // trID needs svTRID
	out := s.checkSchemas([]byte(loginFrame), []byte(bad))
	if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "svTRID") || !strings.Contains(tb.errors[0], "a frame sent") {
		t.Fatalf("reported %q", tb.errors)
	}
	if !strings.Contains(string(out), `<result code="2400">`) || !strings.Contains(string(out), "<clTRID>T-1</clTRID>") {
		t.Errorf("answer %s", out)
	}
	if len(s.SchemaViolations()) != 1 {
		t.Errorf("violations %q", s.SchemaViolations())
	}
}

// A received frame the schemas reject is a violation when the server took
// it (here: answered 1000), and none when it refused it as unreadable;
// the password never shows in the report.
func TestReceivedFrameViolation(t *testing.T) {
	s, tb := validatingServer(t, SIDN)
	bad := strings.Replace(loginFrame, "<lang>en</lang>", "", 1) // options need lang
	if out := s.checkSchemas([]byte(bad), []byte(strings.Replace(okAnswer, "1000", "2001", 1))); strings.Contains(string(out), "2400") {
		t.Errorf("a refused invalid frame was called a violation: %s", out)
	}
	if len(tb.errors) != 0 {
		t.Fatalf("reported %q", tb.errors)
	}
	out := s.checkSchemas([]byte(bad), []byte(okAnswer))
	if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "answered 1000") || !strings.Contains(tb.errors[0], "lang") {
		t.Fatalf("reported %q", tb.errors)
	}
	if strings.Contains(tb.errors[0], "login-secret-1") || !strings.Contains(tb.errors[0], "<pw>********</pw>") {
		t.Errorf("password not masked: %s", tb.errors[0])
	}
	if !strings.Contains(string(out), `<result code="2400">`) {
		t.Errorf("answer %s", out)
	}
}

// The server's own greetings are valid for each dialect's schemas.
func TestGreetingsValidate(t *testing.T) {
	for _, d := range []Dialect{RFC5733, SIDN, FRED} {
		s, tb := validatingServer(t, d)
		s.checkGreeting(s.greeting())
		if len(tb.errors) > 0 {
			t.Errorf("%s: %q", d, tb.errors)
		}
	}
}
