package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/csvimport"
	"github.com/afscherm/afscherm/internal/database"
	"github.com/afscherm/afscherm/internal/demo"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

type result struct {
	code           int
	stdout, stderr string
}

// afscherm runs the command line in-process with the given environment.
// (see testGetenv).
func afscherm(t *testing.T, environ map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := testGetenv(environ)
	code := run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"--no-such-flag", "migrate"},
		{"import", "--database-url", db},
		{"import", "--database-url", db, "--remove-missing", "--customers", "x.csv"},
		{"--log-level", "loud", "migrate"},
		{"serve", "--database-url", db, "--trusted-proxy", "10.0.0.0/8"},
		{"serve", "--database-url", db, "--trust-forwarded-for", "--trusted-proxy", "10.0.0.0/33"},
		{"serve", "--database-url", db, "--max-connections", "0"},
	} {
		r := afscherm(t, nil, "", args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "--help") {
			t.Errorf("afscherm %v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a usage error created the database")
	}
}

func TestHelpForEveryCommand(t *testing.T) {
	r := afscherm(t, nil, "", "--help")
	if r.code != exitOK {
		t.Fatalf("--help: exit %d", r.code)
	}
	for _, cmd := range []string{"migrate", "import", "demo"} {
		if !strings.Contains(r.stdout, cmd) {
			t.Errorf("--help does not list %s", cmd)
		}
		sub := afscherm(t, nil, "", cmd, "--help")
		if sub.code != exitOK || !strings.Contains(sub.stdout, "Usage: afscherm "+cmd) {
			t.Errorf("%s --help: exit %d, %q", cmd, sub.code, sub.stdout)
		}
	}
}

func TestMigrateReportsVersionAndReadsEnvironment(t *testing.T) {
	db := filepath.Join(t.TempDir(), "env.db")
	environ := map[string]string{"AFSCHERM_DATABASE_URL": db}
	r := afscherm(t, environ, "", "migrate")
	if r.code != exitOK || !strings.Contains(r.stdout, "applied 0001_") || !strings.Contains(r.stdout, "schema version") {
		t.Fatalf("first migrate: %+v", r)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("AFSCHERM_DATABASE_URL was not used: %v", err)
	}
	r = afscherm(t, environ, "", "migrate")
	if r.code != exitOK || strings.Contains(r.stdout, "applied") {
		t.Errorf("second migrate: %+v", r)
	}
	// A flag beats the environment.
	other := filepath.Join(t.TempDir(), "flag.db")
	if r := afscherm(t, environ, "", "migrate", "--database-url", other); r.code != exitOK {
		t.Fatal(r)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("--database-url did not win over the environment: %v", err)
	}
}

func TestUnreachableDatabaseIsOneLineWithoutPassword(t *testing.T) {
	r := afscherm(t, nil, "", "migrate", "--database-url", "postgres://afscherm:hunter2@127.0.0.1:1/prod?connect_timeout=2")
	if r.code != exitFailed {
		t.Fatalf("exit %d", r.code)
	}
	if strings.Contains(r.stderr, "hunter2") || !strings.Contains(r.stderr, "127.0.0.1:1/prod") ||
		strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("stderr %q", r.stderr)
	}
}

func TestImportOnBothBackends(t *testing.T) {
	root := filepath.Join("..", "..", "testdata", "import")
	storetest.EachURL(t, func(t *testing.T, url string) {
		args := []string{"import", "--database-url", url,
			"--customers", filepath.Join(root, "customers.csv"), "--domains", filepath.Join(root, "domains.csv")}
		r := afscherm(t, nil, "", args...)
		if r.code != exitOK || !strings.Contains(r.stdout, "customers: 50 created") || !strings.Contains(r.stdout, "domains:   117 created") {
			t.Fatalf("first import: %+v", r)
		}
		r = afscherm(t, nil, "", args...)
		if r.code != exitOK || !strings.Contains(r.stdout, "0 created, 0 updated, 50 unchanged") {
			t.Errorf("second import: %+v", r)
		}

		bad := "domain,customer_number,registrar\nnew-one.nl,K1001,sidn\nwrong..nl,K1001,sidn\nother.nl,K0000,sidn\n"
		r = afscherm(t, nil, bad, "import", "--database-url", url, "--domains", "-")
		if r.code != exitFailed || !strings.Contains(r.stderr, "stdin:3: domain:") || !strings.Contains(r.stderr, "stdin:4: customer_number: no customer K0000") {
			t.Errorf("bad file: %+v", r)
		}
		dry := afscherm(t, nil, "domain,customer_number,registrar\nnew-one.nl,K1001,sidn\n", "import", "--database-url", url, "--domains", "-", "--dry-run")
		if dry.code != exitOK || !strings.Contains(dry.stdout, "dry run") || !strings.Contains(dry.stdout, "1 created") {
			t.Errorf("dry run: %+v", dry)
		}
		again := afscherm(t, nil, "domain,customer_number,registrar\nnew-one.nl,K1001,sidn\n", "import", "--database-url", url, "--domains", "-")
		if !strings.Contains(again.stdout, "1 created") {
			t.Errorf("the bad file or the dry run wrote new-one.nl: %+v", again)
		}
	})
}

func TestImportMissingFile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	r := afscherm(t, nil, "", "import", "--database-url", db, "--customers", "no-such.csv")
	if r.code != exitFailed || !strings.Contains(r.stderr, "no-such.csv does not exist") {
		t.Errorf("%+v", r)
	}
}

func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kept")
	trace := filepath.Join(t.TempDir(), "trace") // by the environment, as operators may give it
	r := afscherm(t, map[string]string{"AFSCHERM_TRACE_DIR": trace}, "", "--log-level", "debug", "demo", "--keep", dir)
	if r.code != exitOK {
		t.Fatalf("demo: %+v", r)
	}
	checkTrace(t, trace, "sidn", "openprovider")
	for _, want := range []string{"customers: 50 created (30 persons, 20 organisations)", "domains:   117 created",
		"bäckerei-müller.de (xn--bckerei-mller-bfb28a.de)", "nothing written", "verdicts: exposed", "pressed \"approve\"",
		"pressed \"decline\"", "APPROVED", "DECLINED", "is now verified", "Afscherming registratiegegevens",
		".nl: sidn: administrative contact replaced by the role address; scanned again: shielded",
		".com: openprovider: WHOIS privacy protection switched on", "SIDN 2 EPP changes, Openprovider 1 API change",
		".org: no API configured for it, so task"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "afscherm.db")); err != nil {
		t.Errorf("--keep did not keep the database: %v", err)
	}
	// Standard output tells the story; the log lines go to the log file
	// in the demo's folder, and without --verbose nowhere else.
	logPath := filepath.Join(dir, demo.LogFile)
	if !strings.Contains(r.stdout, "log:      "+logPath+" (--verbose") {
		t.Errorf("the demo does not say where its log is:\n%s", r.stdout)
	}
	if n := logLines(r.stdout); n > 0 {
		t.Errorf("standard output holds %d log lines:\n%s", n, r.stdout)
	}
	if n := logLines(r.stderr); n > 0 {
		t.Errorf("without --verbose, standard error holds %d log lines", n)
	}
	logText, rerr := os.ReadFile(logPath)
	if rerr != nil {
		t.Fatalf("the demo's log file: %v", rerr)
	}
	// The logs of the whole run hold no customer's name, address, e-mail
	// address or phone number.
	if n := logLines(string(logText)); n < 100 {
		t.Fatalf("the demo logged too little to judge: %d lines", n)
	}
	r.stderr = string(logText)
	customers, err := csvimport.ReadCustomers(mustOpen(t, filepath.Join("..", "..", "testdata", "import", "customers.csv")), "customers.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range customers {
		c := row.Customer
		for _, pii := range []string{c.Name, c.Email, c.Phone, c.Street, c.PostalCode, strings.ReplaceAll(c.PostalCode, " ", "")} {
			if pii != "" && strings.Contains(r.stderr, pii) {
				t.Errorf("the log holds personal data of %s: %q", c.Number, pii)
			}
		}
	}
	// Nor does it hold a domain name (often a person's name): the lines
	// about a domain carry its id.
	checkNoDomainNames(t, strings.Split(strings.TrimSpace(r.stderr), "\n"), importedDomainNames(t))
	if n := strings.Count(r.stderr, "msg=scanned domain_id="); n < 117 {
		t.Errorf("%d scanned lines with a domain id, want at least 117", n)
	}
	// The customers' address is in no log line and in no table: only its
	// keyed hash is kept.
	if strings.Contains(r.stderr, demo.CustomerAddress) {
		t.Error("the log holds a client address")
	}
	st, oerr := database.Open(context.Background(), filepath.Join(dir, "afscherm.db"), database.Options{})
	if oerr != nil {
		t.Fatal(oerr)
	}
	hits, ferr := st.FindText(context.Background(), []string{demo.CustomerAddress})
	st.Close()
	if ferr != nil || len(hits) != 0 {
		t.Errorf("the database holds a client address: %+v %v", hits, ferr)
	}
	if r := afscherm(t, nil, "", "demo", "--keep", dir); r.code != exitFailed || !strings.Contains(r.stderr, "empty folder") {
		t.Errorf("second demo in the same folder: %+v", r)
	}
}

// TestDemoVerbose: with --verbose the log lines show on standard error as
// they are written, still none on standard output; and the temporary
// folder, log and all, is gone after a run that succeeded.
func TestDemoVerbose(t *testing.T) {
	r := afscherm(t, nil, "", "demo", "--verbose")
	if r.code != exitOK {
		t.Fatalf("demo --verbose: %+v", r)
	}
	if n := logLines(r.stdout); n > 0 {
		t.Errorf("standard output holds %d log lines:\n%s", n, r.stdout)
	}
	if n := logLines(r.stderr); n < 100 || !strings.Contains(r.stderr, "msg=scanned") {
		t.Errorf("--verbose shows %d log lines on standard error:\n%s", n, r.stderr)
	}
	_, rest, ok := strings.Cut(r.stdout, "  log:      ")
	logPath, _, _ := strings.Cut(rest, " (also shown")
	if !ok || !strings.HasSuffix(logPath, demo.LogFile) {
		t.Fatalf("the demo does not say where its log is:\n%s", r.stdout)
	}
	if _, err := os.Stat(filepath.Dir(logPath)); err == nil {
		t.Errorf("the temporary folder %s is still there", filepath.Dir(logPath))
	}
}

// logLines counts the lines of out that log/slog wrote, as text or JSON.
func logLines(out string) int {
	n := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "time=") || strings.Contains(line, " level=") || strings.HasPrefix(line, `{"time":`) {
			n++
		}
	}
	return n
}

func TestClassify(t *testing.T) {
	file := filepath.Join("..", "..", "testdata", "whois", "nl-sidn-private.txt")
	r := afscherm(t, nil, "", "classify", "--domain", "SanneBakker.NL", "--source", "whois", file)
	if r.code != exitOK {
		t.Fatalf("%+v", r)
	}
	var got struct {
		Domain    string
		Verdict   string
		Fields    map[string]struct{ State, Value, Contact string }
		Registrar struct{ Name string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if got.Domain != "sannebakker.nl" || got.Verdict != "exposed" || got.Fields["email"].State != "visible" ||
		got.Registrar.Name != "Hostingbedrijf Voorbeeld B.V." {
		t.Errorf("result %+v", got)
	}
	bad := afscherm(t, nil, "{\"objectClassName\":", "classify", "--domain", "a.nl", "--source", "rdap", "-")
	if bad.code != exitFailed || !strings.Contains(bad.stderr, "afscherm classify: -: not an RDAP JSON object") {
		t.Errorf("malformed input: %+v", bad)
	}
	usage := afscherm(t, nil, "", "classify", "--domain", "a.nl", "--source", "ftp", file)
	if usage.code != exitUsage {
		t.Errorf("bad --source: %+v", usage)
	}
}

func mustOpen(t *testing.T, path string) io.Reader {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
