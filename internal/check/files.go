package check

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/afscherm/afscherm/internal/lookup/rdap"
)

// MailDir reports whether afscherm can write its mail folder: a file is
// made there and removed. A folder not yet made is fine when it can be.
func MailDir(dir string) Result {
	const item = "mail folder"
	const fix = "give --mail-dir a folder afscherm's user may write, or send with --smtp-url"
	where := dir
	for {
		st, err := os.Stat(where)
		if err == nil {
			if !st.IsDir() {
				return Failure(item, where+" is not a folder", fix)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return Failure(item, err.Error(), fix)
		}
		parent := filepath.Dir(where)
		if parent == where {
			return Failure(item, dir+": no folder above it exists", fix)
		}
		where = parent
	}
	f, err := os.CreateTemp(where, ".afscherm-check-*")
	if err != nil {
		return Failure(item, fmt.Sprintf("%s is not writable: %v", where, errors.Unwrap(err)), fix)
	}
	f.Close()
	if err := os.Remove(f.Name()); err != nil {
		return Failure(item, fmt.Sprintf("%s: a file made there cannot be removed: %v", where, err), fix)
	}
	if where != dir {
		return Pass(item, dir+" is made with the first mail ("+where+" is writable)")
	}
	return Pass(item, dir+" is writable")
}

// Ages of the RDAP bootstrap file: lookups refresh a downloaded copy
// daily, so one older than a week means they cannot.
const (
	BootstrapWarnAge = 7 * 24 * time.Hour
	BootstrapFailAge = 30 * 24 * time.Hour
)

// Bootstrap is what the RDAP bootstrap item needs.
type Bootstrap struct {
	Source   string // --rdap-bootstrap: a URL or a file
	CacheDir string // where a downloaded copy is kept
	Online   bool   // download now
	Client   *http.Client
	Now      func() time.Time
}

// Check reports the RDAP bootstrap file that lookups use: the given file,
// or the kept copy of the downloaded one (downloaded first with --online),
// must parse and be fresh.
func (b Bootstrap) Check(ctx context.Context) Result {
	const item = "rdap bootstrap"
	now := b.Now
	if now == nil {
		now = time.Now
	}
	path := b.Source
	if rdap.Remote(b.Source) {
		path = rdap.CachePath(b.Source, b.CacheDir)
		if path == "" {
			return Warning(item, "no cache folder: lookups download it anew in every process", "give --cache-dir DIR")
		}
		if b.Online {
			if err := rdap.NewBootstrap(b.Source, b.CacheDir, b.Client).Refresh(ctx); err != nil {
				return Failure(item, err.Error(), "make "+b.Source+" reachable from this host, or give --rdap-bootstrap FILE")
			}
		}
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) && rdap.Remote(b.Source) {
		return Warning(item, "no copy of "+b.Source+" in "+b.CacheDir+" yet: the first scan downloads it",
			"run 'afscherm check --online' (or a scan) to download it now")
	}
	if err != nil {
		return Failure(item, err.Error(), "give --rdap-bootstrap a readable dns.json, or its URL")
	}
	data, err := os.ReadFile(path)
	if err == nil {
		err = rdap.ParseBootstrap(data)
	}
	if err != nil {
		return Failure(item, fmt.Sprintf("%s does not parse: %v", path, err), "give --rdap-bootstrap IANA's dns.json (https://data.iana.org/rdap/dns.json)")
	}
	age := now().Sub(st.ModTime())
	days := int(age.Hours() / 24)
	fix := "replace " + path + " with a fresh copy of IANA's dns.json"
	if rdap.Remote(b.Source) {
		fix = "run 'afscherm check --online' to download it, and make " + b.Source + " reachable for the scans"
	}
	switch {
	case age > BootstrapFailAge:
		return Failure(item, fmt.Sprintf("%s is %d days old: new TLDs and moved RDAP servers are missed", path, days), fix)
	case age > BootstrapWarnAge:
		return Warning(item, fmt.Sprintf("%s is %d days old", path, days), fix)
	}
	return Pass(item, fmt.Sprintf("%s parses, %d days old", path, days))
}
