package database

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/afscherm/afscherm/internal/model"
)

// The client key keys the hashes of client addresses (consent records,
// abuse blocks, sign-in limits). A key kept in the database would let
// anyone with a copy of it reverse every hash by trying all addresses, so
// the key lives outside it: given by the operator, or in a key file that
// afscherm makes on first start.

// MinClientKeyLength is the shortest client key accepted.
const MinClientKeyLength = 16

// ClientKeyFile is where the key file of the database raw names is kept
// when none is named: beside a SQLite file (afscherm.db.client-key), and
// for PostgreSQL in the user's configuration folder
// (~/.config/afscherm/client-key on Linux), since a database server has no
// folder of ours to put it beside.
func ClientKeyFile(raw string) (string, error) {
	t, err := Parse(raw)
	if err != nil {
		return "", err
	}
	if t.Kind == SQLite {
		return t.Path + ".client-key", nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", model.Errorf(model.KindInvalid,
			"no folder for the client key file (%v): give --client-key-file FILE or set AFSCHERM_CLIENT_KEY", err)
	}
	return filepath.Join(dir, "afscherm", "client-key"), nil
}

const keyFileHeader = `# afscherm client key: the key of the hashes of client addresses.
# Keep this file out of database backups and readable by afscherm's user only.
# One key a line: the first hashes, the others still match what was hashed
# under them (to rotate, put a new key on top).
`

// ReadClientKeys reads the keys in a key file, one a line (lines starting
// with # are comments). When the file does not exist it is made, with mode
// 0600 and one fresh random key; created says so. A file that group or
// others may read is refused.
func ReadClientKeys(path string) (keys []string, created bool, err error) {
	keys, err = readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if created, err = createKeyFile(path); err != nil {
			return nil, false, err
		}
		keys, err = readKeyFile(path)
	}
	return keys, created, err
}

func readKeyFile(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("client key file: %w", err)
	}
	if err := refuseShared(path, "client key file"); err != nil {
		return nil, err
	}
	var keys []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if len(line) < MinClientKeyLength {
			return nil, model.Errorf(model.KindInvalid, "client key file %s:%d: a key must be at least %d characters", path, n, MinClientKeyLength)
		}
		keys = append(keys, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("client key file %s: %w", path, err)
	}
	if len(keys) == 0 {
		return nil, model.Errorf(model.KindInvalid, "client key file %s holds no key; remove it to have a new one made", path)
	}
	return keys, nil
}

// createKeyFile writes a fresh key to a temporary file and links it into
// place, so that of several processes starting at once one wins and the
// others read the winner's whole file. created is false when another won.
func createKeyFile(path string) (created bool, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("client key file: %w", err)
	}
	b := make([]byte, 32)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read does not fail

	tmp, err := os.CreateTemp(dir, ".client-key-*") // made with mode 0600
	if err != nil {
		return false, fmt.Errorf("client key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(privateMode); err != nil {
		tmp.Close()
		return false, fmt.Errorf("client key file: %w", err)
	}
	if _, err := tmp.WriteString(keyFileHeader + hex.EncodeToString(b) + "\n"); err != nil {
		tmp.Close()
		return false, fmt.Errorf("client key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, fmt.Errorf("client key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("client key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("client key file: %w", err)
	}
	return true, nil
}

// CheckClientKeys reads a key file as ReadClientKeys does, but never makes
// one: a missing file is an error that wraps fs.ErrNotExist. It returns how
// many keys the file holds.
func CheckClientKeys(path string) (int, error) {
	keys, err := readKeyFile(path)
	if err != nil {
		return 0, err
	}
	return len(keys), nil
}
