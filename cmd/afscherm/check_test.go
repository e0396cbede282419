package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/database"
	"github.com/afscherm/afscherm/internal/mail/smtptest"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/migrations"
)

// The public URL of the tests' deployment, reached through checkNet's
// dialer: publicHost is the test's afscherm, downHost answers nothing,
// and wrongCertHost reaches it under a name its certificate does not bear.
const (
	publicHost    = "privacy.hosting-voorbeeld.nl"
	downHost      = "down.hosting-voorbeeld.nl"
	wrongCertHost = "other.hosting-voorbeeld.nl"
	smtpPassword  = "smtp-secret-pw"
)

// checkSetup is a deployment for afscherm check, every part of it good:
// a migrated database with the sample domains, the sandbox's SIDN and
// Openprovider, an SMTP server with STARTTLS and AUTH, an https server
// answering /healthz, a price table for every TLD and registrar in use,
// the client key file and a fresh RDAP bootstrap file. Cases spoil one
// part each.
type checkSetup struct {
	dir     string
	url     string
	flags   map[string]string // flag → value; "" for a flag without one
	env     map[string]string
	parties *sandbox.Registrars
	keyFile string
	boot    string
}

func newCheckSetup(t *testing.T, url string) *checkSetup {
	t.Helper()
	importedDB(t, url)
	dir := t.TempDir()
	world, err := sandbox.Standard(dir, sandbox.ByAddress, sandbox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(world.Close)
	parties, err := world.StartRegistrars()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { parties.SIDN.Close() })
	ca, err := world.CAFile()
	if err != nil {
		t.Fatal(err)
	}
	s := &checkSetup{dir: dir, url: url, parties: parties, env: map[string]string{allowLocalLinksEnv: "", "AFSCHERM_SMTP_PASSWORD": smtpPassword}}
	for k, v := range parties.Env() {
		s.env[k] = v
	}
	registrarsFile := s.write(t, "registrars.json", string(parties.Config(ca)))
	pricesFile := s.write(t, "prices.csv", "tld,registrar,registrar_cost,service_fee\nnl,*,0.00,12.50\ncom,openprovider,4.95,12.50\n"+
		"org,openprovider,4.95,12.50\nbe,openprovider,6.50,12.50\neu,openprovider,5.50,12.50\nde,*,0.00,12.50\n")
	s.keyFile = filepath.Join(dir, "client-key")
	if _, _, err := database.ReadClientKeys(s.keyFile); err != nil {
		t.Fatal(err)
	}
	if s.boot, err = world.Bootstrap(); err != nil {
		t.Fatal(err)
	}

	// afscherm serve, as the proxy in front of it would show it.
	cert, err := world.Net.Certificate(publicHost)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	web := httptest.NewUnstartedServer(mux)
	web.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	web.StartTLS()
	t.Cleanup(web.Close)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	routes := map[string]string{publicHost + ":443": web.Listener.Addr().String(), wrongCertHost + ":443": web.Listener.Addr().String(),
		downHost + ":443": closedAddr}
	saved := checkNet
	t.Cleanup(func() { checkNet = saved })
	checkNet.RootCAs = world.Net.RootCAs()
	checkNet.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		to, ok := routes[addr]
		if !ok {
			return nil, fmt.Errorf("the test's network has no %s", addr)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, to)
	}

	smtpAddr := startSMTP(t, world, true)
	s.flags = map[string]string{
		"--database-url":    url,
		"--public-url":      "https://" + publicHost,
		"--company":         "Hosting Voorbeeld B.V.",
		"--mail-from":       "Hosting Voorbeeld <privacy@hosting-voorbeeld.nl>",
		"--staff-email":     "staff@hosting-voorbeeld.nl",
		"--price-table":     pricesFile,
		"--registrars":      registrarsFile,
		"--client-key-file": s.keyFile,
		"--smtp-url":        "smtp://afscherm@" + smtpAddr,
		"--rdap-bootstrap":  s.boot,
		"--cache-dir":       filepath.Join(dir, "cache"),
		"--check-timeout":   "10s",
		"--online":          "",
	}
	return s
}

// startSMTP starts a mail server that requires AUTH, with STARTTLS when
// tls is set, and returns its address.
func startSMTP(t *testing.T, world *sandbox.World, withTLS bool) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &smtptest.Server{User: "afscherm", Password: smtpPassword}
	var cert *tls.Certificate
	if withTLS {
		c, err := world.Net.Certificate("mail.hosting-voorbeeld.nl") // names 127.0.0.1 too
		if err != nil {
			t.Fatal(err)
		}
		cert = &c
	}
	srv.Start(l, cert, false)
	t.Cleanup(srv.Close)
	return l.Addr().String()
}

func (s *checkSetup) write(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(s.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs afscherm check with the setup's flags and environment.
func (s *checkSetup) run(t *testing.T, extra ...string) result {
	t.Helper()
	args := []string{"check"}
	names := make([]string, 0, len(s.flags))
	for name := range s.flags {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		args = append(args, name)
		if v := s.flags[name]; v != "" {
			args = append(args, v)
		}
	}
	r := afscherm(t, s.env, "", append(args, extra...)...)
	s.noSecrets(t, r)
	return r
}

// noSecrets fails the test when the output holds a password or a domain.
func (s *checkSetup) noSecrets(t *testing.T, r result) {
	t.Helper()
	out := r.stdout + r.stderr
	for k, v := range s.env {
		if v != "" && k != allowLocalLinksEnv && strings.Contains(out, v) {
			t.Errorf("the output holds the value of %s:\n%s", k, out)
		}
	}
	for _, pw := range []string{"wrong-password", smtpPassword} {
		if strings.Contains(out, pw) {
			t.Errorf("the output holds a password:\n%s", out)
		}
	}
	for _, d := range importedDomainNames(t) {
		if strings.Contains(out, d) {
			t.Errorf("the output names the domain %s:\n%s", d, out)
			break
		}
	}
}

// checkLines reads check's text output: item → status and the line.
func checkLines(t *testing.T, out string) map[string][2]string {
	t.Helper()
	items := map[string][2]string{}
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if strings.HasPrefix(line, "      fix: ") {
			continue
		}
		status, rest, ok := strings.Cut(line, " ")
		item, _, ok2 := strings.Cut(strings.TrimLeft(rest, " "), ": ")
		if !ok || !ok2 || !slices.Contains([]string{"ok", "warn", "fail"}, status) {
			t.Fatalf("not a check line: %q in\n%s", line, out)
		}
		items[item] = [2]string{status, line}
	}
	return items
}

// failing lists the items that failed.
func failing(items map[string][2]string) []string {
	var out []string
	for item, v := range items {
		if v[0] == "fail" {
			out = append(out, item)
		}
	}
	sort.Strings(out)
	return out
}

func TestCheckGoodDeployment(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		s := newCheckSetup(t, url)
		r := s.run(t)
		if r.code != exitOK {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		items := checkLines(t, r.stdout)
		want := []string{"settings", "database", "client key", "public URL", "price table", "registrars", "adapter sidn",
			"adapter openprovider", "adapter manual", "party sidn", "party openprovider", "smtp", "rdap bootstrap"}
		if !strings.HasPrefix(url, "postgres") {
			want = append(want, "database file")
		}
		for _, item := range want {
			if items[item][0] != "ok" {
				t.Errorf("item %q: %q", item, items[item][1])
			}
		}
		if len(items) != len(want) {
			t.Errorf("%d items, want %d:\n%s", len(items), len(want), r.stdout)
		}
		if got := items["database"][1]; !strings.Contains(got, fmt.Sprintf("schema %d of %[1]d", latestSchema(t))) {
			t.Errorf("database line: %q", got)
		}
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if !strings.HasPrefix(line, "ok    ") {
				t.Errorf("not aligned as ok: %q", line)
			}
		}

		// --json: the same, as an array of objects.
		j := s.run(t, "--json")
		var rs []struct{ Item, Status, Detail, Fix string }
		if err := json.Unmarshal([]byte(j.stdout), &rs); err != nil || j.code != exitOK {
			t.Fatalf("--json: exit %d, %v\n%s", j.code, err, j.stdout)
		}
		if len(rs) != len(want) || rs[0].Item != "settings" || rs[0].Status != "ok" || rs[0].Detail == "" {
			t.Errorf("--json: %+v", rs)
		}

		// Mail to a folder instead: it is tried by writing a file there.
		delete(s.flags, "--smtp-url")
		s.flags["--mail-dir"] = filepath.Join(s.dir, "outbox")
		if err := os.Mkdir(s.flags["--mail-dir"], 0o700); err != nil {
			t.Fatal(err)
		}
		r = s.run(t)
		if items := checkLines(t, r.stdout); r.code != exitOK || items["mail folder"][0] != "ok" {
			t.Errorf("mail folder: exit %d\n%s", r.code, r.stdout)
		}
		if entries, _ := os.ReadDir(s.flags["--mail-dir"]); len(entries) != 0 {
			t.Errorf("check left %d files in the mail folder", len(entries))
		}
	})
}

// TestCheckUnmigratedDatabase: an empty database is reported with the
// migrations it lacks, and check applies none of them.
func TestCheckUnmigratedDatabase(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		s := newCheckSetup(t, url)
		var empty string
		if strings.HasPrefix(url, "postgres") {
			empty = storetest.NewURL(t, "postgres")
		} else {
			empty = filepath.Join(t.TempDir(), "empty.db")
			st, err := database.Open(context.Background(), empty, database.Options{NoMigrate: true})
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
		}
		s.flags["--database-url"] = empty
		r := s.run(t)
		items := checkLines(t, r.stdout)
		if r.code != exitFailed || !slices.Equal(failing(items), []string{"database", "price table"}) {
			t.Fatalf("exit %d, failing %v\n%s", r.code, failing(items), r.stdout)
		}
		if line := items["database"][1]; !strings.Contains(line, fmt.Sprintf("schema 0 of %d", latestSchema(t))) || !strings.Contains(line, "0001_customers_domains_audit") {
			t.Errorf("database line: %q", line)
		}
		if !strings.Contains(r.stdout, "fix: run 'afscherm migrate'") {
			t.Errorf("no fix for the database:\n%s", r.stdout)
		}
		st, err := database.Open(context.Background(), empty, database.Options{Inspect: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		status, err := st.SchemaStatus(context.Background())
		if err != nil || status.Current != 0 || len(status.Pending) != status.Latest || status.Jobs == "" {
			t.Errorf("after check the database is at %+v, %v: check changed it", status, err)
		}
	})
}

// TestCheckFailures spoils one part of a good deployment at a time: that
// item, and only that one, fails, with its cause, and check exits 1.
func TestCheckFailures(t *testing.T) {
	url := func(t *testing.T) string { return storetest.NewURL(t, "sqlite") }
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, s *checkSetup)
		item  string
		says  []string
	}{
		{"bad mail-from", func(_ *testing.T, s *checkSetup) { s.flags["--mail-from"] = "privacy at hosting" },
			"settings", []string{`--mail-from "privacy at hosting" is not an e-mail address`}},
		{"http public URL", func(_ *testing.T, s *checkSetup) { s.flags["--public-url"] = "http://" + publicHost },
			"public URL", []string{"is not https"}},
		{"unreachable healthz", func(_ *testing.T, s *checkSetup) { s.flags["--public-url"] = "https://" + downHost },
			"public URL", []string{"GET https://" + downHost + "/healthz", "connection refused"}},
		{"TLS error at healthz", func(_ *testing.T, s *checkSetup) { s.flags["--public-url"] = "https://" + wrongCertHost },
			"public URL", []string{"certificate"}},
		{"missing price", func(_ *testing.T, s *checkSetup) { s.flags["--price-table"] = prices },
			"price table", []string{"no price for", ".de at rrpproxy (10 domains)", ".eu at openprovider (18 domains)"}},
		{"missing credential", func(_ *testing.T, s *checkSetup) { delete(s.env, sandbox.SIDNPasswordEnv) },
			"adapter sidn", []string{sandbox.SIDNPasswordEnv, "is empty"}},
		{"EPP wrong password", func(_ *testing.T, s *checkSetup) { s.env[sandbox.SIDNPasswordEnv] = "wrong-password" },
			"party sidn", []string{"config 2200"}},
		{"EPP server down", func(_ *testing.T, s *checkSetup) { s.parties.SIDN.Close() },
			"party sidn", []string{"connection refused"}},
		{"Openprovider wrong credentials", func(_ *testing.T, s *checkSetup) { s.env[sandbox.OpenproviderPasswordEnv] = "wrong-password" },
			"party openprovider", []string{"openprovider: config", "refused the login"}},
		{"SMTP without STARTTLS", func(t *testing.T, s *checkSetup) {
			s.flags["--smtp-url"] = "smtp://afscherm@" + startSMTP(t, nil, false)
		}, "smtp", []string{"no TLS"}},
		{"SMTP wrong password", func(_ *testing.T, s *checkSetup) { s.env["AFSCHERM_SMTP_PASSWORD"] = "wrong-password" },
			"smtp", []string{"535"}},
		{"stale bootstrap", func(t *testing.T, s *checkSetup) {
			old := time.Now().Add(-40 * 24 * time.Hour)
			if err := os.Chtimes(s.boot, old, old); err != nil {
				t.Fatal(err)
			}
		}, "rdap bootstrap", []string{"40 days old"}},
		{"world-readable database file", func(t *testing.T, s *checkSetup) {
			if err := os.Chmod(s.url, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "database file", []string{"mode 0644, open to other users", "chmod 600"}},
		{"missing client key file", func(t *testing.T, s *checkSetup) {
			if err := os.Remove(s.keyFile); err != nil {
				t.Fatal(err)
			}
		}, "client key", []string{"does not exist", "--client-key"}},
		{"unwritable mail folder", func(t *testing.T, s *checkSetup) {
			delete(s.flags, "--smtp-url")
			s.flags["--mail-dir"] = s.unwritableDir(t)
		}, "mail folder", []string{"mail folder: " + "", "fix: give --mail-dir"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newCheckSetup(t, url(t))
			tc.spoil(t, s)
			r := s.run(t)
			items := checkLines(t, r.stdout)
			if r.code != exitFailed || !slices.Equal(failing(items), []string{tc.item}) {
				t.Fatalf("exit %d, failing %v, want %s\n%s%s", r.code, failing(items), tc.item, r.stdout, r.stderr)
			}
			for _, want := range tc.says {
				if !strings.Contains(items[tc.item][1]+r.stdout, want) || !strings.Contains(r.stdout, want) {
					t.Errorf("no %q in\n%s", want, r.stdout)
				}
			}
			if !strings.Contains(r.stderr, "1 of ") {
				t.Errorf("stderr: %q", r.stderr)
			}
		})
	}
}

// unwritableDir is a mail folder afscherm cannot write: read-only to its
// owner, or — for root, whom modes do not stop — a file where the folder
// should be.
func (s *checkSetup) unwritableDir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() == 0 {
		return s.write(t, "not-a-folder", "")
	}
	dir := filepath.Join(s.dir, "read-only")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	return dir
}

// latestSchema is the number of the newest migration this build has.
func latestSchema(t *testing.T) int {
	t.Helper()
	entries, err := fs.ReadDir(migrations.SQLite(), ".")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
