// Package eppschema validates EPP frames against the parties' official XML
// schemas with xmllint (Debian's libxml2-utils): RFC 5730–5733 and RFC 5910
// (copied into testdata/schemas/ietf), SIDN's sidn-ext-epp-1.0 and CZ.NIC
// FRED's schemas (read from ../shared/parties/schemas beside the
// repository). The fake registry checks every frame it receives and sends
// with it, and .ci/trace-check checks the frames in a trace directory.
//
// It is for tests and checks, never for production traffic: each frame
// costs an xmllint process.
package eppschema

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Set is one party's set of schemas.
type Set string

// The sets.
const (
	// IETF is RFC 5730–5733 and RFC 5910 (secDNS): all-ietf.xsd.
	IETF Set = "ietf"
	// SIDN is the IETF set with SIDN's extension: all-sidn.xsd.
	SIDN Set = "sidn"
	// FRED is CZ.NIC FRED's own set (its epp-1.0, contact-1.6, domain-1.4,
	// …): all.xsd.
	FRED Set = "fred"
)

// RequireEnv, set to 1, makes a missing xmllint or schema an error in
// tests instead of a reason to skip (.ci/run sets it).
const RequireEnv = "AFSCHERM_TEST_REQUIRE_XMLLINT"

// Required reports whether RequireEnv is set.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

const modulePath = "github.com/afscherm/afscherm"

// Validator runs xmllint against the schema files it found.
type Validator struct {
	xmllint string
	files   map[Set]string

	mu    sync.Mutex
	valid map[string]struct{} // normalised frames that validated
}

var (
	once      sync.Once
	shared    *Validator
	sharedErr error
)

// Default finds xmllint and the schemas once per process: the module root
// is the nearest folder above the working directory (or, failing that,
// this source file) whose go.mod declares the module, and the shared
// material is ../shared beside it. The error says what is missing.
func Default() (*Validator, error) {
	once.Do(func() { shared, sharedErr = find() })
	return shared, sharedErr
}

func find() (*Validator, error) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		return nil, fmt.Errorf("eppschema: xmllint is not installed (Debian package libxml2-utils): %w", err)
	}
	root, err := ModuleRoot()
	if err != nil {
		return nil, err
	}
	v := &Validator{xmllint: xmllint, valid: map[string]struct{}{}, files: map[Set]string{
		IETF: filepath.Join(root, "testdata", "schemas", "ietf", "all-ietf.xsd"),
		SIDN: filepath.Join(root, "..", "shared", "parties", "schemas", "sidn", "all-sidn.xsd"),
		FRED: filepath.Join(root, "..", "shared", "parties", "schemas", "fred", "all.xsd"),
	}}
	for set, f := range v.files {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("eppschema: the %s schemas are missing: %w", set, err)
		}
	}
	return v, nil
}

// ModuleRoot is the repository's root folder: the nearest folder above the
// working directory, or above this source file, whose go.mod is the
// module's.
func ModuleRoot() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	for _, dir := range starts {
		for {
			if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && declares(b) {
				return dir, nil
			}
			up := filepath.Dir(dir)
			if up == dir {
				break
			}
			dir = up
		}
	}
	return "", errors.New("eppschema: cannot find the module root (go.mod of " + modulePath + ")")
}

func declares(gomod []byte) bool {
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && f[1] == modulePath {
			return true
		}
	}
	return false
}

// SchemaFile is the wrapper schema of a set.
func (v *Validator) SchemaFile(set Set) string { return v.files[set] }

// InvalidError is a frame the schemas reject, with xmllint's message.
type InvalidError struct {
	Set     Set
	Message string // xmllint's output, one line per problem
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("the official %s schemas reject the frame: %s", e.Set, e.Message)
}

// Validate checks one frame against a set. It returns an *InvalidError
// when the schemas reject it, another error when xmllint could not run.
//
// A frame that validated before but for its transaction ids and
// timestamps (each replaced by a value of the same type) is taken as
// valid without running xmllint again: test sessions repeat the same
// frames many times, and a process per frame is what validation costs.
func (v *Validator) Validate(set Set, frame []byte) error {
	schema, ok := v.files[set]
	if !ok {
		return fmt.Errorf("eppschema: no schema set %q", set)
	}
	key := string(set) + "\x00" + string(normalise(frame))
	v.mu.Lock()
	_, known := v.valid[key]
	v.mu.Unlock()
	if known {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, v.xmllint, "--noout", "--nonet", "--schema", schema, "-")
	cmd.Stdin = bytes.NewReader(frame)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		v.mu.Lock()
		if len(v.valid) >= maxRemembered {
			clear(v.valid)
		}
		v.valid[key] = struct{}{}
		v.mu.Unlock()
		return nil
	case errors.As(err, &exit) && exit.ExitCode() >= 1 && exit.ExitCode() <= 4:
		// xmllint's exit codes: 1 not well-formed, 2 a DTD error, 3 and
		// 4 invalid; 5 and up are its own troubles (schema, memory).
		return &InvalidError{Set: set, Message: tidy(out.String())}
	}
	return fmt.Errorf("eppschema: xmllint: %w: %s", err, tidy(out.String()))
}

// maxRemembered bounds the frames remembered as valid.
const maxRemembered = 20000

var (
	// Transaction ids (epp:trIDStringType, a token of 3 to 64
	// characters) of a safe form, and timestamps (xs:dateTime) in RFC
	// 3339 form: any such value is valid where the other is.
	trIDValue = regexp.MustCompile(`(<(?:[A-Za-z_][\w.-]*:)?(?:clTRID|svTRID)>)[A-Za-z0-9._:-]{3,64}(</)`)
	dateValue = regexp.MustCompile(`(<(?:[A-Za-z_][\w.-]*:)?(?:svDate|qDate|crDate|upDate|trDate|exDate|acDate|reDate)>)` +
		`(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d))(</)`)
)

// normalise replaces the values that differ between otherwise equal
// frames by fixed values of the same type.
func normalise(frame []byte) []byte {
	frame = trIDValue.ReplaceAll(frame, []byte("${1}TRID-0${2}"))
	return dateValue.ReplaceAllFunc(frame, func(m []byte) []byte {
		sub := dateValue.FindSubmatch(m)
		if _, err := time.Parse(time.RFC3339Nano, string(sub[2])); err != nil {
			return m // not a real date: leave it to xmllint
		}
		out := append([]byte(nil), sub[1]...)
		return append(append(out, "2000-01-01T00:00:00Z"...), sub[3]...)
	})
}

// tidy drops xmllint's closing verdict line, which says nothing the error
// does not.
func tidy(s string) string {
	var keep []string
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if line = strings.TrimSpace(line); line != "" && line != "- fails to validate" {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

var (
	nsSIDN = []byte("http://rxsd.domain-registry.nl/sidn-ext-epp-1.0")
	nsFRED = []byte("http://www.nic.cz/xml/epp/")
)

// SetOf picks the schema set for a frame by the namespaces it names (in
// declarations or, as in a greeting or login, as object URIs): FRED's mean
// FRED, SIDN's extension means SIDN, anything else IETF. A frame of EPP's
// own elements alone (hello, logout, a bare result) is valid for all three.
func SetOf(frame []byte) Set {
	switch {
	case bytes.Contains(frame, nsFRED):
		return FRED
	case bytes.Contains(frame, nsSIDN):
		return SIDN
	}
	return IETF
}
