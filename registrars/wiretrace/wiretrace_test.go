package wiretrace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/eppschema"
	"github.com/afscherm/afscherm/internal/loopback"
	"github.com/afscherm/afscherm/registrars/epp"
	"github.com/afscherm/afscherm/registrars/epp/epptest"
	"github.com/afscherm/afscherm/registrars/wiretrace"
)

// traceDir is a fresh trace folder inside a test folder (Open makes it).
func traceDir(t *testing.T) (*wiretrace.Dir, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trace")
	d, err := wiretrace.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d, path
}

// files lists the folder's file names, sorted (the order they were written).
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

var nameRE = regexp.MustCompile(`^(\d{8}T\d{6}\.\d{6}Z)-([a-z0-9.]+)-(send|recv)-([A-Za-z0-9._-]+)\.(xml|json|txt)$`)

// A login and contact update session at SIDN leaves one file per frame, in
// order, named by time, party, direction and command, the password masked,
// each valid for SIDN's schemas; the folder and files are the owner's only.
func TestEPPSessionTrace(t *testing.T) {
	const password = "trace-test-pw-77"
	d, dir := traceDir(t)
	n, err := loopback.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	srv, cfg, err := epptest.Start(n, "drs.sidn.test", epptest.Options{Dialect: epptest.SIDN, T: t,
		Registrars: map[string]string{epptest.DefaultClientID: password}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.AddContact(epptest.Contact{ID: "JJ01", Name: "Jan Jansen", Street: []string{"Dorpsstraat 1"},
		City: "Utrecht", PC: "3511AA", CC: "NL", Voice: "+31.301234567", Email: "jan@example.nl", LegalForm: "EENMANSZAAK"}); err != nil {
		t.Fatal(err)
	}
	cfg.Password, cfg.Trace, cfg.Timeout = password, d.For("sidn"), 3*time.Second
	ctx := context.Background()
	c, err := epp.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ContactUpdateLegalForm(ctx, "JJ01", epp.LegalFormPerson, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.Logout(ctx); err != nil {
		t.Fatal(err)
	}

	names := files(t, dir)
	var got []string
	for _, name := range names {
		m := nameRE.FindStringSubmatch(name)
		if m == nil {
			t.Fatalf("file name %q is not time-party-direction-command.ext", name)
		}
		if m[2] != "sidn" || m[5] != "xml" {
			t.Errorf("file %q: want party sidn, .xml", name)
		}
		got = append(got, m[3]+" "+m[4])
	}
	want := []string{"recv greeting", "send login", "recv login", "send contact-update", "recv contact-update",
		"send logout", "recv logout"}
	if !slices.Equal(got, want) {
		t.Fatalf("files\n%s\nwant, in this order, %q", strings.Join(names, "\n"), want)
	}
	if !slices.IsSorted(names) {
		t.Error("names do not sort in the order written")
	}

	v, verr := eppschema.Default()
	if verr != nil && eppschema.Required() {
		t.Fatal(verr)
	}
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v (%v), want 0700", info.Mode().Perm(), err)
	}
	for _, name := range names {
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", name, info.Mode().Perm())
		}
		if bytes.Contains(b, []byte(password)) {
			t.Errorf("%s holds the password:\n%s", name, b)
		}
		if strings.Contains(name, "send-login") && !bytes.Contains(b, []byte("<pw>"+wiretrace.Mask+"</pw>")) {
			t.Errorf("%s: no masked <pw>:\n%s", name, b)
		}
		if v != nil {
			if err := v.Validate(eppschema.SIDN, b); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}

// sidnInfo is a contact:info answer with SIDN's extension.
const sidnInfo = `<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000"><msg>ok</msg></result>` +
	`<extension><sidn-ext-epp:ext xmlns:sidn-ext-epp="http://rxsd.domain-registry.nl/sidn-ext-epp-1.0">` +
	`<sidn-ext-epp:infData><sidn-ext-epp:contact><sidn-ext-epp:legalForm>PERSOON</sidn-ext-epp:legalForm>` +
	`</sidn-ext-epp:contact></sidn-ext-epp:infData></sidn-ext-epp:ext></extension>` +
	`<trID><svTRID>S-1</svTRID></trID></response></epp>`

func TestMaskXML(t *testing.T) {
	for in, want := range map[string]string{
		`<login><clID>x</clID><pw>secret-pw</pw><newPW>new-secret</newPW></login>`:                                                    `<login><clID>x</clID><pw>********</pw><newPW>********</newPW></login>`,
		`<contact:authInfo><contact:pw roid="X">a&amp;b</contact:pw></contact:authInfo>`:                                              `<contact:authInfo><contact:pw roid="X">********</contact:pw></contact:authInfo>`,
		`<domain:authInfo><domain:pw/></domain:authInfo>`:                                                                             `<domain:authInfo><domain:pw/></domain:authInfo>`,
		`<contact:authInfo>fred-auth</contact:authInfo>`:                                                                              `<contact:authInfo>********</contact:authInfo>`,
		`<reason>bad password hunter22 &lt;x&gt;</reason>`:                                                                            `<reason>bad password ******** &lt;x&gt;</reason>`,
		`<clID>a</clID><pw>p1</pw><msg>secret-pw</msg>`:                                                                               `<clID>a</clID><pw>********</pw><msg>********</msg>`,
		`<epp:pw xmlns:epp="urn:ietf:params:xml:ns:epp-1.0">x</epp:pw><typo>password</typo>`:                                          `<epp:pw xmlns:epp="urn:ietf:params:xml:ns:epp-1.0">********</epp:pw><typo>password</typo>`,
		`<login><pw>` + "\n  multi\n" + `</pw></login>`:                                                                               `<login><pw>********</pw></login>`,
		`<result code="1000"><msg>Command completed successfully</msg></result>`:                                                      `<result code="1000"><msg>Command completed successfully</msg></result>`,
		`<contact:info><contact:id>JJ01</contact:id><contact:authInfo><contact:pw>abc</contact:pw></contact:authInfo></contact:info>`: `<contact:info><contact:id>JJ01</contact:id><contact:authInfo><contact:pw>********</contact:pw></contact:authInfo></contact:info>`,
	} {
		if got := string(wiretrace.MaskXML([]byte(in), "hunter22", "secret-pw")); got != want {
			t.Errorf("MaskXML(%s)\n = %s\nwant %s", in, got, want)
		}
	}
}

// An API exchange is a JSON document with method, path, query, status,
// headers and body, the Authorization header, password and token masked.
func TestHTTPMessage(t *testing.T) {
	const password, token = "op-secret-password", "tok-4f1e9a"
	send := wiretrace.HTTPMessage(wiretrace.Send, wiretrace.Exchange{Method: "POST", Path: "/auth/login",
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(`{"username":"hosting","password":"` + password + `","ip":"0.0.0.0"}`)}, password)
	recv := wiretrace.HTTPMessage(wiretrace.Recv, wiretrace.Exchange{Method: "POST", Path: "/auth/login", Status: 200,
		Body: []byte(`{"code":0,"data":{"token":"` + token + `","reseller_id":1}}`)}, password)
	get := wiretrace.HTTPMessage(wiretrace.Send, wiretrace.Exchange{Method: "GET", Path: "/domains",
		Query: url.Values{"full_name": {"example.com"}}, Header: http.Header{"Authorization": {"Bearer " + token}}}, password, token)
	for _, m := range []wiretrace.Message{send, recv, get} {
		if m.Format != "json" || !json.Valid(m.Body) {
			t.Errorf("%s %s: not a JSON document:\n%s", m.Direction, m.Command, m.Body)
		}
		if bytes.Contains(m.Body, []byte(password)) || bytes.Contains(m.Body, []byte(token)) {
			t.Errorf("%s %s holds a secret:\n%s", m.Direction, m.Command, m.Body)
		}
	}
	if send.Command != "POST-auth-login" || get.Command != "GET-domains" {
		t.Errorf("commands %q, %q", send.Command, get.Command)
	}
	var doc struct {
		Method  string
		Path    string
		Query   url.Values
		Status  int
		Headers map[string]string
		Body    map[string]any
	}
	if err := json.Unmarshal(get.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Method != "GET" || doc.Path != "/domains" || doc.Query.Get("full_name") != "example.com" ||
		doc.Headers["Authorization"] != wiretrace.Mask {
		t.Errorf("GET document %+v", doc)
	}
	doc.Body = nil
	if err := json.Unmarshal(recv.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Status != 200 || doc.Body["data"].(map[string]any)["token"] != wiretrace.Mask ||
		doc.Body["data"].(map[string]any)["reseller_id"] != float64(1) {
		t.Errorf("answer document %+v", doc)
	}
}

// Files written at once by many clients get distinct names that sort in
// the order written; a name part is kept to safe characters.
func TestDirNames(t *testing.T) {
	d, dir := traceDir(t)
	tr := d.For("../cz nic")
	for i := range 50 {
		tr.Trace(wiretrace.Message{Direction: wiretrace.Send, Command: "contact:info/" + string(rune('a'+i%26)), Format: "xml",
			Body: []byte("<x/>")})
	}
	names := files(t, dir)
	if len(names) != 50 {
		t.Fatalf("%d files, want 50", len(names))
	}
	for _, name := range names {
		if !regexp.MustCompile(`^\d{8}T\d{6}\.\d{6}Z-cz-nic-send-contact-info-[a-z]\.xml$`).MatchString(name) {
			t.Errorf("name %q", name)
		}
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv(wiretrace.EnvDir, "")
	if wiretrace.FromEnv("sidn") != nil {
		t.Error("a tracer without AFSCHERM_TRACE_DIR")
	}
	dir := filepath.Join(t.TempDir(), "env")
	t.Setenv(wiretrace.EnvDir, dir)
	wiretrace.FromEnv("sidn").Trace(wiretrace.Message{Direction: wiretrace.Recv, Command: "greeting", Format: "xml", Body: []byte("<x/>")})
	if names := files(t, dir); len(names) != 1 || !strings.HasSuffix(names[0], "-sidn-recv-greeting.xml") {
		t.Errorf("files %q", names)
	}
}

// traceCheck runs .ci/trace-check with args and returns its output and
// whether it passed.
func traceCheck(t *testing.T, args ...string) (string, bool) {
	t.Helper()
	if _, err := eppschema.Default(); err != nil {
		if eppschema.Required() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	root, err := eppschema.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(filepath.Join(root, ".ci", "trace-check"), args...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return string(out), err == nil
}

// .ci/trace-check passes a trace of valid frames with masked secrets, and
// fails one with a frame the schemas reject or a password left in.
func TestTraceCheckScript(t *testing.T) {
	d, dir := traceDir(t)
	sidn, fred := d.For("sidn"), d.For("fred")
	frames := []struct {
		tr    wiretrace.Tracer
		dir   wiretrace.Direction
		what  string
		frame string
	}{
		{sidn, wiretrace.Send, "login", `<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login><clID>afscherm</clID>` +
			`<pw>secret-login-pw</pw><options><version>1.0</version><lang>en</lang></options><svcs>` +
			`<objURI>urn:ietf:params:xml:ns:contact-1.0</objURI><svcExtension>` +
			`<extURI>http://rxsd.domain-registry.nl/sidn-ext-epp-1.0</extURI></svcExtension></svcs></login>` +
			`<clTRID>afs-1</clTRID></command></epp>`},
		{sidn, wiretrace.Recv, "contact-info", sidnInfo},
		{fred, wiretrace.Send, "contact-info", `<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><info>` +
			`<contact:info xmlns:contact="http://www.nic.cz/xml/epp/contact-1.6"><contact:id>CID-1</contact:id></contact:info>` +
			`</info><clTRID>afs-2</clTRID></command></epp>`},
		{sidn, wiretrace.Send, "logout", `<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><logout/><clTRID>afs-3</clTRID></command></epp>`},
	}
	for _, f := range frames {
		f.tr.Trace(wiretrace.Message{Direction: f.dir, Command: f.what, Format: "xml",
			Body: wiretrace.MaskXML([]byte(f.frame), "secret-login-pw")})
	}
	out, ok := traceCheck(t, dir)
	if !ok || !strings.Contains(out, "4 EPP frames (1 IETF, 2 SIDN, 1 FRED)") {
		t.Fatalf("a good trace failed:\n%s", out)
	}

	// A FRED frame with an IETF element order the FRED schema does not have.
	bad := filepath.Join(dir, "20990101T000000.000000Z-fred-send-contact-info.xml")
	if err := os.WriteFile(bad, []byte(`<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><info>`+
		`<contact:info xmlns:contact="http://www.nic.cz/xml/epp/contact-1.6"><contact:name>x</contact:name></contact:info>`+
		`</info><clTRID>afs-3</clTRID></command></epp>`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, ok := traceCheck(t, dir); ok || !strings.Contains(out, "fails to validate") {
		t.Errorf("an invalid frame passed:\n%s", out)
	}
	if err := os.Remove(bad); err != nil {
		t.Fatal(err)
	}

	// A password left in.
	leak := filepath.Join(dir, "20990101T000000.000001Z-openprovider-send-POST-auth-login.json")
	if err := os.WriteFile(leak, []byte(`{"body": {"password": "hunter22"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, ok := traceCheck(t, dir); ok || !strings.Contains(out, "unmasked secrets") {
		t.Errorf("an unmasked password passed:\n%s", out)
	}
}

// TestTraceScenario is issue 12's check from outside: every EPP frame that
// `go test ./registrars/... ./internal/requests` traces validates against
// the official schemas, with every secret masked. It runs those tests
// again, so it runs only when AFSCHERM_TEST_TRACE_SCENARIO=1 (.ci/run checks
// the trace of its own test run instead).
func TestTraceScenario(t *testing.T) {
	if os.Getenv("AFSCHERM_TEST_TRACE_SCENARIO") != "1" {
		t.Skip("set AFSCHERM_TEST_TRACE_SCENARIO=1 to run the traced test scenario")
	}
	out, ok := traceCheck(t)
	t.Log(out)
	if !ok {
		t.Fatal("the traced scenario failed its check")
	}
}
