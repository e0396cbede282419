package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/sandbox"
)

// noLocal is the environment of an operator who has not given
// --allow-local-links (the tests' helpers give it otherwise).
var noLocal = map[string]string{allowLocalLinksEnv: ""}

// TestCustomerMailRefusesLocalSettings: every command that writes customer
// mail refuses to run, as a usage error and before it opens the database,
// while the public URL, the company name or the sender would not serve the
// customer; --allow-local-links lets it run.
func TestCustomerMailRefusesLocalSettings(t *testing.T) {
	good := []string{"--public-url", "https://privacy.hosting.nl", "--company", "Hosting B.V.", "--mail-from", "Hosting B.V. <privacy@hosting.nl>"}
	without := func(flag string, extra ...string) []string {
		var out []string
		for i := 0; i < len(good); i += 2 {
			if good[i] != flag {
				out = append(out, good[i], good[i+1])
			}
		}
		return append(out, extra...)
	}
	cases := []struct {
		name  string
		flags []string
		want  []string
	}{
		{"no public URL", without("--public-url"), []string{"--public-url https://", "AFSCHERM_PUBLIC_URL", "--allow-local-links"}},
		{"127.0.0.1", without("--public-url", "--public-url", "http://127.0.0.1:8080"), []string{"loopback", "--public-url https://", "AFSCHERM_PUBLIC_URL"}},
		{"127.0.0.0/8", without("--public-url", "--public-url", "https://127.1.2.3/"), []string{"loopback", "--public-url https://"}},
		{"localhost", without("--public-url", "--public-url", "http://localhost:8080"), []string{"loopback", "--public-url https://"}},
		{"localhost.", without("--public-url", "--public-url", "https://LocalHost./"), []string{"loopback"}},
		{"::1", without("--public-url", "--public-url", "http://[::1]:8080"), []string{"loopback", "--public-url https://"}},
		{"0.0.0.0", without("--public-url", "--public-url", "http://0.0.0.0:8080"), []string{"loopback"}},
		{"not a URL", without("--public-url", "--public-url", "privacy.hosting.nl"), []string{"not an http(s) URL", "--public-url https://"}},
		{"no company", without("--company"), []string{"--company NAME", "AFSCHERM_COMPANY", "--allow-local-links"}},
		{"blank company", without("--company", "--company", "  "), []string{"--company NAME"}},
		{"no sender", without("--mail-from"), []string{"--mail-from", "AFSCHERM_MAIL_FROM", "--allow-local-links"}},
		{"sender on localhost", without("--mail-from", "--mail-from", "afscherm <noreply@localhost>"), []string{"--mail-from", "localhost"}},
		{"sender on example.com", without("--mail-from", "--mail-from", "noreply@example.com"), []string{"--mail-from", "example.com"}},
		{"sender on .test", without("--mail-from", "--mail-from", "privacy@hosting.test"), []string{"--mail-from", "hosting.test"}},
		{"sender on an address", without("--mail-from", "--mail-from", "privacy@[127.0.0.1]"), []string{"--mail-from"}},
	}
	commands := [][]string{
		{"request", "create", "--domain", "janvandenheuvel.nl"},
		{"request", "send", "1"},
		{"task", "done", "1", "--note", "done"},
		{"serve", "--addr", "127.0.0.1:0"},
		{"worker"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, cmd := range commands {
				db := filepath.Join(t.TempDir(), "a.db")
				args := append(append(append([]string{}, cmd...), "--database-url", db), c.flags...)
				r := afscherm(t, noLocal, "", args...)
				if r.code != exitUsage {
					t.Errorf("%v: exit %d, want %d (usage): %s", args, r.code, exitUsage, r.stderr)
					continue
				}
				for _, w := range c.want {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("%v: stderr lacks %q:\n%s", cmd, w, r.stderr)
					}
				}
				if _, err := os.Stat(db); err == nil {
					t.Errorf("%v: the refusal opened the database", cmd)
				}
			}
		})
	}

	// The environment names the settings as well as the flags.
	db := filepath.Join(t.TempDir(), "env.db")
	environ := map[string]string{allowLocalLinksEnv: "", "AFSCHERM_DATABASE_URL": db, "AFSCHERM_PUBLIC_URL": "http://localhost",
		"AFSCHERM_COMPANY": "Hosting B.V.", "AFSCHERM_MAIL_FROM": "privacy@hosting.nl"}
	if r := afscherm(t, environ, "", "request", "send", "1"); r.code != exitUsage || !strings.Contains(r.stderr, "loopback") {
		t.Errorf("AFSCHERM_PUBLIC_URL on localhost: %+v", r)
	}

	// Good settings, or --allow-local-links with none at all, pass the
	// check: the commands get as far as the database (no request 1 there).
	for _, flags := range [][]string{good, {"--allow-local-links"}, {"--allow-local-links", "--public-url", "http://127.0.0.1:8080"}} {
		db := filepath.Join(t.TempDir(), "ok.db")
		if r := afscherm(t, nil, "", "migrate", "--database-url", db); r.code != exitOK {
			t.Fatalf("migrate: %+v", r)
		}
		args := append([]string{"request", "send", "1", "--database-url", db}, flags...)
		r := afscherm(t, noLocal, "", args...)
		if r.code != exitFailed || strings.Contains(r.stderr, "--allow-local-links") {
			t.Errorf("%v: exit %d, want %d (no such request): %s", flags, r.code, exitFailed, r.stderr)
		}
	}
}

// TestCustomerMailWithRealSettings: given the company's settings, the mail
// a customer gets links to the public URL and is signed and sent by the
// company.
func TestCustomerMailWithRealSettings(t *testing.T) {
	url := filepath.Join(t.TempDir(), "real.db")
	_, lookups := scannedDB(t, url)
	mailDir := filepath.Join(t.TempDir(), "mail")
	registrarsFile := filepath.Join(t.TempDir(), "registrars.json") // as in TestRequestCommands
	if err := os.WriteFile(registrarsFile, sandbox.ManualConfig(), 0o600); err != nil {
		t.Fatal(err)
	}
	settings := []string{"--database-url", url, "--price-table", prices, "--registrars", registrarsFile, "--mail-dir", mailDir,
		"--public-url", "https://privacy.hosting.nl/", "--company", "Hosting Voorbeeld B.V.",
		"--mail-from", "Hosting Voorbeeld B.V. <privacy@hosting-voorbeeld.nl>"}
	r := afscherm(t, noLocal, "", append([]string{"request", "create", "--domain", "janvandenheuvel.nl", "--as", "anna"}, settings...)...)
	if r.code != exitOK {
		t.Fatalf("create: %+v", r)
	}
	// The worker's jobs write the mail, and the link in it.
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut lockedBuffer
	stopped := make(chan int, 1)
	go func() {
		stopped <- run(ctx, append(append([]string{"worker"}, settings...), lookups...), testGetenv(noLocal), strings.NewReader(""), &out, &errOut)
	}()
	var files []string
	for deadline := time.Now().Add(30 * time.Second); len(files) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		files, _ = filepath.Glob(filepath.Join(mailDir, "*-approval.eml"))
	}
	cancel()
	if code := <-stopped; code != exitOK {
		t.Errorf("worker: exit %d: %s", code, errOut.String())
	}
	if len(files) != 1 {
		t.Fatalf("%d approval mails written, want 1: %s", len(files), errOut.String())
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"https://privacy.hosting.nl/approve/", "Hosting Voorbeeld B.V.", "privacy@hosting-voorbeeld.nl"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the mail lacks %q:\n%s", want, b)
		}
	}
	for _, unwanted := range []string{"127.0.0.1", "localhost"} {
		if strings.Contains(string(b), unwanted) {
			t.Errorf("the mail has %q:\n%s", unwanted, b)
		}
	}
}

// TestWorkerBinaryRefusesLoopbackPublicURL runs afscherm as its own process,
// as an operator would: a loopback --public-url ends it at once with exit
// code 2 and the setting to give.
func TestWorkerBinaryRefusesLoopbackPublicURL(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bin.db")
	p := startEnv(t, []string{allowLocalLinksEnv + "="}, "worker", "--database-url", db, "--public-url", "http://127.0.0.1:8080",
		"--company", "Hosting B.V.", "--mail-from", "privacy@hosting.nl")
	if code := p.exit(t, 30*time.Second); code != exitUsage {
		t.Fatalf("exit %d, want %d:\n%s", code, exitUsage, p.out.String())
	}
	for _, want := range []string{"afscherm worker:", "loopback", "--public-url https://", "AFSCHERM_PUBLIC_URL", "--allow-local-links"} {
		if !strings.Contains(p.out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, p.out.String())
		}
	}
	// --allow-local-links lets it start.
	ok := startEnv(t, []string{allowLocalLinksEnv + "="}, "worker", "--database-url", db, "--allow-local-links")
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(ok.out.String(), "working jobs"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the worker did not start:\n%s", ok.out.String())
		}
	}
	ok.stop(t)
}

func TestLocalHostAndPlaceholderDomain(t *testing.T) {
	for host, want := range map[string]bool{"localhost": true, "app.localhost": true, "127.0.0.1": true, "127.255.0.9": true, "::1": true,
		"::ffff:127.0.0.1": true, "0.0.0.0": true, "::": true, "privacy.hosting.nl": false, "10.0.0.1": false, "2001:db8::1": false} {
		if got := localHost(host); got != want {
			t.Errorf("localHost(%q) = %v, want %v", host, got, want)
		}
	}
	for domain, want := range map[string]bool{"localhost": true, "example.com": true, "mail.example.org": true, "hosting.test": true,
		"x.invalid": true, "[127.0.0.1]": true, "mailhost": true, "hosting.nl": false, "example.nl": false} {
		if got := placeholderDomain(domain); got != want {
			t.Errorf("placeholderDomain(%q) = %v, want %v", domain, got, want)
		}
	}
}
