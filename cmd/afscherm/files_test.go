package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/database"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestClientKeyOutsideTheDatabase: without --client-key, the key of client
// hashes comes from a key file made with mode 0600 on first start — beside
// the SQLite file, in the user's configuration folder for PostgreSQL — and
// not from the secret in the database, so the database alone cannot
// reverse a hash.
func TestClientKeyOutsideTheDatabase(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		keyFile := url + ".client-key"
		if strings.HasPrefix(url, "postgres") {
			config := t.TempDir()
			t.Setenv("XDG_CONFIG_HOME", config)
			keyFile = filepath.Join(config, "afscherm", "client-key")
		}
		const address = "203.0.113.9"
		r := afscherm(t, nil, "", "abuse", "block", address, "--reason", "spam", "--database-url", url)
		if r.code != exitOK || !strings.Contains(r.stderr, "made a client key file") {
			t.Fatalf("block: %+v", r)
		}
		st, err := os.Stat(keyFile)
		if err != nil {
			t.Fatalf("no key file at %s: %v", keyFile, err)
		}
		if m := st.Mode().Perm(); m != 0o600 {
			t.Errorf("key file mode %04o", m)
		}
		keys, _, err := database.ReadClientKeys(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		list := afscherm(t, nil, "", "abuse", "list", "--database-url", url)
		if want := (requests.Keys{Client: []byte(keys[0])}).ClientHash(address); !strings.Contains(list.stdout, want) {
			t.Errorf("the block is not keyed with the key file's key:\n%s", list.stdout)
		}
		// What the database's own secret would have given is not there.
		db := storetest.Open(t, url, nil)
		master, err := db.Secret(context.Background(), "master", func() (string, error) { return "", os.ErrNotExist })
		if err != nil {
			t.Fatal(err)
		}
		m := hmac.New(sha256.New, []byte(master))
		m.Write([]byte("client-address"))
		if old := (requests.Keys{Client: m.Sum(nil)}).ClientHash(address); strings.Contains(list.stdout, old) {
			t.Error("the block is keyed with a key derived from the database")
		}
		// The next command uses the same file.
		again := afscherm(t, nil, "", "abuse", "block", address, "--reason", "again", "--database-url", url)
		if again.code != exitOK || !strings.Contains(again.stdout, "abuse.blocked: 0") || strings.Contains(again.stderr, "made a client key") {
			t.Errorf("second block: %+v", again)
		}
		if reg := afscherm(t, nil, "", "privacy", "register", "--database-url", url); !strings.Contains(reg.stdout, "kept outside the database") {
			t.Errorf("the register does not say where the client key is:\n%s", reg.stdout)
		}
	})
}

// TestClientKeyFileFlagAndOldBlocks: --client-key-file names the file; an
// installation whose blocks were keyed otherwise is told they no longer
// match when the file is made.
func TestClientKeyFileFlagAndOldBlocks(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "old.db")
	env := map[string]string{"AFSCHERM_CLIENT_KEY": "the key given before"}
	if r := afscherm(t, env, "", "abuse", "block", "198.51.100.7", "--reason", "old", "--database-url", db); r.code != exitOK {
		t.Fatal(r)
	}
	keyFile := filepath.Join(dir, "keys", "client-key")
	r := afscherm(t, nil, "", "abuse", "block", "198.51.100.8", "--reason", "new", "--database-url", db, "--client-key-file", keyFile)
	if r.code != exitOK || !strings.Contains(r.stderr, "no longer match") {
		t.Errorf("%+v", r)
	}
	if _, err := os.Stat(keyFile); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(db + ".client-key"); err == nil {
		t.Error("a key file was made beside the database as well")
	}
	// A key file open to others is refused, with the fix.
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	r = afscherm(t, nil, "", "abuse", "block", "198.51.100.9", "--reason", "x", "--database-url", db, "--client-key-file", keyFile)
	if r.code != exitFailed || !strings.Contains(r.stderr, "chmod 600 "+keyFile) {
		t.Errorf("%+v", r)
	}
}

// TestDatabaseFileModes: the command line makes the SQLite file 0600 and
// refuses to start on one that others may read.
func TestDatabaseFileModes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "modes.db")
	if r := afscherm(t, nil, "", "migrate", "--database-url", db); r.code != exitOK {
		t.Fatal(r)
	}
	st, err := os.Stat(db)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("database file: %v, %v", st.Mode(), err)
	}
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	r := afscherm(t, nil, "", "migrate", "--database-url", db)
	if r.code != exitFailed || !strings.Contains(r.stderr, "open to other users (mode 0644)") ||
		!strings.Contains(r.stderr, "chmod 600 "+db) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("%+v", r)
	}
}
