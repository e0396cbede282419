// Package wiretrace records what registrar clients send and receive —
// every EPP frame, every REST request and answer — for operators who need
// to see what a registry refused (afscherm --trace-dir). Clients take an
// optional Tracer; Dir writes each message to its own file, named by time,
// party, direction and command, so that a folder listing reads as the
// conversation.
//
// Passwords, tokens, Authorization headers and other secrets are replaced
// by Mask before a message reaches a Tracer. The rest is the wire as it
// was, which may hold customers' personal data: a trace folder is for
// operators, readable by its owner only, and is to be deleted after use.
package wiretrace

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Mask replaces a secret in a trace.
const Mask = "********"

// EnvDir is the environment variable that names the trace folder for
// tests and the demo's fakes (afscherm's --trace-dir reads it too).
const EnvDir = "AFSCHERM_TRACE_DIR"

// Direction is which way a message went, seen from afscherm.
type Direction string

// The directions.
const (
	Send Direction = "send"
	Recv Direction = "recv"
)

// Message is one frame or exchange half, its secrets already masked.
type Message struct {
	Direction Direction
	// Command says what the message is: "login", "contact-create",
	// "greeting", "GET-domains".
	Command string
	// Format is the file extension: "xml" for EPP, "json" for REST.
	Format string
	Body   []byte
}

// Tracer is told of every message a client sends or receives. Trace must
// not keep Body after it returns, and must not fail the client: a trace
// that cannot be written is the tracer's problem.
type Tracer interface {
	Trace(Message)
}

// Dir writes messages into a folder, one file each. It is safe for
// concurrent use, by several clients and parties at once.
type Dir struct {
	path string
	log  *slog.Logger

	mu     sync.Mutex
	failed bool
}

// Open makes the folder (mode 0700) if it does not exist and returns a Dir
// writing into it. Files are written with mode 0600. log gets one warning
// when a file cannot be written (nil: slog.Default()).
func Open(path string, log *slog.Logger) (*Dir, error) {
	if path == "" {
		return nil, errors.New("wiretrace: no folder given")
	}
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("wiretrace: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	return &Dir{path: path, log: log}, nil
}

// Path is the folder.
func (d *Dir) Path() string { return d.path }

// For is a Tracer that writes the messages of one party ("sidn",
// "openprovider", an epp-disclose adapter's name).
func (d *Dir) For(party string) Tracer { return partyTracer{d: d, party: clean(party)} }

type partyTracer struct {
	d     *Dir
	party string
}

func (p partyTracer) Trace(m Message) { p.d.write(p.party, m) }

var (
	envMu   sync.Mutex
	envDirs = map[string]*Dir{}
)

// FromEnv is a Tracer for party writing into the folder EnvDir names, or
// nil when it is unset: tests and the demo's fakes pass it to their
// clients, so that AFSCHERM_TRACE_DIR traces them too.
func FromEnv(party string) Tracer {
	d := DirFromEnv()
	if d == nil {
		return nil
	}
	return d.For(party)
}

// DirFromEnv is the Dir for the folder EnvDir names, one per process and
// folder, or nil when it is unset or cannot be made (which is logged).
func DirFromEnv() *Dir {
	path := os.Getenv(EnvDir)
	if path == "" {
		return nil
	}
	envMu.Lock()
	defer envMu.Unlock()
	d, ok := envDirs[path]
	if !ok {
		var err error
		if d, err = Open(path, nil); err != nil {
			slog.Default().Warn("wire trace: cannot open the folder", "env", EnvDir, "err", err)
			return nil
		}
		envDirs[path] = d
	}
	return d
}

// clock hands out strictly increasing times, one microsecond apart at
// least, so that names sort in the order the messages passed.
var clock struct {
	sync.Mutex
	last time.Time
}

func stamp() time.Time {
	clock.Lock()
	defer clock.Unlock()
	t := time.Now().UTC().Truncate(time.Microsecond)
	if !t.After(clock.last) {
		t = clock.last.Add(time.Microsecond)
	}
	clock.last = t
	return t
}

// TimeLayout is how a file name starts: sortable UTC with microseconds.
const TimeLayout = "20060102T150405.000000Z"

func (d *Dir) write(party string, m Message) {
	ext := clean(m.Format)
	if ext == "" {
		ext = "txt"
	}
	var err error
	for range 100 {
		name := fmt.Sprintf("%s-%s-%s-%s.%s", stamp().Format(TimeLayout), party, clean(string(m.Direction)), clean(m.Command), ext)
		var f *os.File
		f, err = os.OpenFile(filepath.Join(d.path, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue // another process wrote the same name in the same microsecond
		}
		if err != nil {
			break
		}
		_, err = f.Write(m.Body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		break
	}
	if err != nil {
		d.mu.Lock()
		first := !d.failed
		d.failed = true
		d.mu.Unlock()
		if first {
			d.log.Warn("wire trace: cannot write a file; later failures are not logged", "dir", d.path, "err", err)
		}
	}
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// clean keeps a name part to letters, digits and underscores, other
// runs becoming one hyphen.
func clean(s string) string { return strings.Trim(unsafe.ReplaceAllString(s, "-"), "-") }

// ---- masking ----

var (
	// <pw>, <newPW> and <contact:pw> (RFC 5730, 5731, 5733): the text.
	xmlPW = regexp.MustCompile(`(?s)(<((?:[A-Za-z_][\w.-]*:)?(?:pw|newPW))(?:\s[^>]*)?>)(.*?)(</\s*(?:[A-Za-z_][\w.-]*:)?(?:pw|newPW)\s*>)`)
	// FRED's <contact:authInfo>, a plain string (contact-1.6).
	xmlAuthInfo = regexp.MustCompile(`(<(?:[A-Za-z_][\w.-]*:)?authInfo(?:\s[^>]*)?>)([^<]+)(</\s*(?:[A-Za-z_][\w.-]*:)?authInfo\s*>)`)
)

// MaskXML replaces the content of every password element (<pw>, <newPW>,
// any namespace) and of text-only <authInfo> elements by Mask, and every
// literal occurrence of the given secrets (as written, and XML-escaped).
func MaskXML(frame []byte, secrets ...string) []byte {
	out := xmlPW.ReplaceAll(frame, []byte("${1}"+Mask+"${4}"))
	out = xmlAuthInfo.ReplaceAll(out, []byte("${1}"+Mask+"${3}"))
	return maskLiteral(out, secrets, xmlEscape)
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

func xmlEscape(s string) string { return xmlEscaper.Replace(s) }

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// maskLiteral replaces each secret of at least four characters (a shorter
// one would mask ordinary text) in its plain and escaped forms.
func maskLiteral(b []byte, secrets []string, escape func(string) string) []byte {
	for _, s := range secrets {
		if len(s) < 4 {
			continue
		}
		for _, form := range []string{s, escape(s)} {
			b = bytes.ReplaceAll(b, []byte(form), []byte(Mask))
		}
	}
	return b
}

// secretKeys are JSON member and header names whose values are masked.
var secretKeys = []string{"password", "pass", "pw", "newpw", "token", "secret", "authorization",
	"proxy-authorization", "cookie", "set-cookie", "api_key", "apikey", "x-api-key", "auth_code", "authcode"}

func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	return slices.Contains(secretKeys, k) || strings.HasSuffix(k, "_token") || strings.HasSuffix(k, "_password") ||
		strings.HasSuffix(k, "_secret")
}

// Exchange is one half of a REST call as a trace file holds it (JSON):
// the method and path, the query, the status of an answer, the headers
// with secrets masked, and the body (as JSON when it is JSON).
type Exchange struct {
	Method string
	// Path is relative to the API's base ("/domains/123"); it names the
	// file too.
	Path   string
	Query  url.Values
	Status int // answers only
	Header http.Header
	Body   []byte
}

// HTTPMessage turns an exchange half into a Message: secrets masked in
// headers and in the JSON body's members named like secrets, and every
// literal occurrence of the given secrets.
func HTTPMessage(dir Direction, e Exchange, secrets ...string) Message {
	doc := struct {
		Method string            `json:"method"`
		Path   string            `json:"path"`
		Query  url.Values        `json:"query,omitempty"`
		Status int               `json:"status,omitempty"`
		Header map[string]string `json:"headers,omitempty"`
		Body   any               `json:"body,omitempty"`
	}{Method: e.Method, Path: e.Path, Query: e.Query, Status: e.Status}
	if len(e.Header) > 0 {
		doc.Header = map[string]string{}
		keys := make([]string, 0, len(e.Header))
		for k := range e.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := strings.Join(e.Header[k], ", ")
			if isSecretKey(k) {
				v = Mask
			}
			doc.Header[k] = v
		}
	}
	if len(bytes.TrimSpace(e.Body)) > 0 {
		var v any
		if err := json.Unmarshal(e.Body, &v); err == nil {
			doc.Body = maskJSON(v)
		} else {
			doc.Body = string(e.Body)
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		b = []byte(fmt.Sprintf(`{"error": %q}`, err.Error()))
	}
	name := e.Method + "-" + strings.ReplaceAll(strings.Trim(e.Path, "/"), "/", "-")
	return Message{Direction: dir, Command: name, Format: "json", Body: maskLiteral(append(b, '\n'), secrets, jsonEscape)}
}

// maskJSON masks the scalar values of members named like secrets.
func maskJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			switch x.(type) {
			case string, float64, bool:
				if isSecretKey(k) {
					t[k] = Mask
					continue
				}
			}
			t[k] = maskJSON(x)
		}
	case []any:
		for i, x := range t {
			t[i] = maskJSON(x)
		}
	}
	return v
}
