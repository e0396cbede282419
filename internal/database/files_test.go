//go:build unix

package database

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/afscherm/afscherm/internal/model"
)

// withUmask runs the test under a permissive umask, so that a file made
// without an explicit mode would show up as open to others.
func withUmask(t *testing.T, mask int) {
	t.Helper()
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// TestSQLiteFilesArePrivate opens a new database, writes to it, and looks
// at the files on disk while it is open: the database and its -wal and
// -shm are the owner's only.
func TestSQLiteFilesArePrivate(t *testing.T) {
	withUmask(t, 0)
	path := filepath.Join(t.TempDir(), "afscherm.db")
	ctx := context.Background()
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range 20 {
		if _, err := st.Secret(ctx, "test-"+string(rune('a'+i)), func() (string, error) { return "v", nil }); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if m := mode(t, p); m != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", filepath.Base(p), m)
		}
	}
}

func TestSharedDatabaseRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "afscherm.db")
	ctx := context.Background()
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	for _, m := range []os.FileMode{0o644, 0o640, 0o604, 0o620} {
		if err := os.Chmod(path, m); err != nil {
			t.Fatal(err)
		}
		_, err := Open(ctx, path, Options{})
		if !model.IsKind(err, model.KindInvalid) || !strings.Contains(err.Error(), "chmod 600 "+path) ||
			!strings.Contains(err.Error(), path) {
			t.Errorf("mode %04o: err = %v", m, err)
		}
	}
	// As told: chmod 600, and it opens.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("after chmod 600: %v", err)
	}
	st.Close()
}

// TestCompanionFilesTightened: a -wal or -shm left open to others (by an
// older afscherm) is made 0600 when the database is opened.
func TestCompanionFilesTightened(t *testing.T) {
	withUmask(t, 0)
	path := filepath.Join(t.TempDir(), "afscherm.db")
	ctx := context.Background()
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.WriteFile(path+suffix, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path+suffix, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, suffix := range []string{"-wal", "-shm"} {
		if m := mode(t, path+suffix); m != 0o600 {
			t.Errorf("%s has mode %04o", suffix, m)
		}
	}
}

func TestClientKeyFileMadePrivateOnce(t *testing.T) {
	withUmask(t, 0)
	path := filepath.Join(t.TempDir(), "afscherm.db.client-key")
	// Several processes starting at once agree on one key.
	var wg sync.WaitGroup
	keys := make([][]string, 8)
	made := make([]bool, 8)
	errs := make([]error, 8)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], made[i], errs[i] = ReadClientKeys(path)
		}()
	}
	wg.Wait()
	creators := 0
	for i := range keys {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if made[i] {
			creators++
		}
		if len(keys[i]) != 1 || keys[i][0] != keys[0][0] {
			t.Errorf("reader %d got %v, reader 0 %v", i, keys[i], keys[0])
		}
	}
	if creators != 1 {
		t.Errorf("%d readers made the file", creators)
	}
	if b, err := hex.DecodeString(keys[0][0]); err != nil || len(b) != 32 {
		t.Errorf("key %q is not 32 random bytes in hex", keys[0][0])
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("key file mode %04o", m)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".client-key-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// Rotation: a new key on top, the old one below.
	if err := os.WriteFile(path, []byte("# rotated\nthe new key of this site\n\n"+keys[0][0]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, made2, err := ReadClientKeys(path)
	if err != nil || made2 || len(got) != 2 || got[0] != "the new key of this site" || got[1] != keys[0][0] {
		t.Errorf("rotated: %v, %v, %v", got, made2, err)
	}

	for content, want := range map[string]string{"short\n": "at least 16", "# nothing\n": "holds no key"} {
		bad := filepath.Join(t.TempDir(), "k")
		if err := os.WriteFile(bad, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := ReadClientKeys(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", content, err)
		}
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadClientKeys(path); err == nil || !strings.Contains(err.Error(), "chmod 600 "+path) {
		t.Errorf("a key file open to others: %v", err)
	}
}

func TestClientKeyFileDefaults(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/etc/xdg-test")
	for url, want := range map[string]string{
		"afscherm.db":                        "afscherm.db.client-key",
		"sqlite:///var/lib/afscherm/data.db": "/var/lib/afscherm/data.db.client-key",
		"postgres://afscherm@db/afscherm":    "/etc/xdg-test/afscherm/client-key",
	} {
		if got, err := ClientKeyFile(url); err != nil || got != want {
			t.Errorf("ClientKeyFile(%q) = %q, %v; want %q", url, got, err, want)
		}
	}
}
