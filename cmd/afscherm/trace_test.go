package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/eppschema"
)

// unmasked finds a password element or a JSON password, token or
// Authorization value that is not the mask.
var unmasked = regexp.MustCompile(`<(?:[A-Za-z_][\w.-]*:)?(?:pw|newPW)(?:\s[^>]*)?>(?:[^*<]|\*{1,7}<|\*{9})|` +
	`(?i)"(?:password|token|authorization)": "(?:[^*"]|\*{1,7}"|\*{9})`)

// checkTrace checks a --trace-dir folder: the owner's only, files from
// each party, every secret masked, every EPP frame valid for the official
// schemas of its namespaces.
func checkTrace(t *testing.T, dir string, parties ...string) {
	t.Helper()
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("trace folder: %v", err)
	}
	if info.Mode().Perm() != 0o700 {
		t.Errorf("trace folder mode %v, want 0700", info.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	v, verr := eppschema.Default()
	if verr != nil && eppschema.Required() {
		t.Fatal(verr)
	}
	seen := map[string]int{}
	for _, e := range entries {
		name := e.Name()
		for _, p := range parties {
			if strings.Contains(name, "Z-"+p+"-") {
				seen[p]++
			}
		}
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi, _ := e.Info(); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", name, fi.Mode().Perm())
		}
		if unmasked.Match(b) {
			t.Errorf("%s: a secret is not masked:\n%s", name, b)
		}
		if v != nil && strings.HasSuffix(name, ".xml") {
			if err := v.Validate(eppschema.SetOf(b), b); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	for _, p := range parties {
		if seen[p] == 0 {
			t.Errorf("no trace files of %s in %d files", p, len(entries))
		}
	}
}
