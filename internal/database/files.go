package database

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/afscherm/afscherm/internal/model"
)

// The SQLite file holds customers' personal data, so only its owner may
// read it: a new one is made with mode 0600 (SQLite gives its -wal, -shm
// and -journal files the database file's mode), and one that others may
// read or write is refused rather than used.

// privateMode is the mode of the database file and of the client key file.
const privateMode fs.FileMode = 0o600

// companions are the files SQLite keeps beside the database.
var companions = []string{"-wal", "-shm", "-journal"}

// prepareSQLiteFile makes the database file with mode 0600 when it does not
// exist, and refuses one that group or others may use. A folder that does
// not exist is left for the driver to report.
func prepareSQLiteFile(path string) error {
	if path == ":memory:" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, privateMode)
	switch {
	case err == nil:
		return f.Close()
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("sqlite %s: %w", path, err)
	}
	if err := refuseShared(path, "database file"); err != nil {
		return err
	}
	return tightenCompanions(path)
}

// refuseShared refuses a file that group or others may read or write.
func refuseShared(path, what string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return model.Errorf(model.KindInvalid,
			"%s %s is open to other users (mode %04o); it holds personal data or keys: run 'chmod 600 %s' and start again",
			what, path, perm, path)
	}
	return nil
}

// tightenCompanions gives the -wal, -shm and -journal files that exist the
// database file's 0600, for files left by an older afscherm or another tool.
func tightenCompanions(path string) error {
	for _, suffix := range companions {
		p := path + suffix
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("sqlite %s: %w", p, err)
		}
		if st.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, privateMode); err != nil {
			return model.Errorf(model.KindInvalid, "%s is open to other users (mode %04o) and cannot be changed (%v): run 'chmod 600 %s'",
				p, st.Mode().Perm(), err, p)
		}
	}
	return nil
}
