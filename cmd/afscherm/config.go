package main

// The configuration file: one TOML file, read by every command, whose keys
// are flag names. A key at the top of the file applies to every command
// that has that flag; a table named for a command ([serve],
// [request.create]) applies to that command and those under it, over the
// top level. Global flags (--database-url, --log-level, …) belong at the
// top only: every command must agree on them.
//
// Precedence is kong's order of resolvers: a flag on the command line is
// never resolved, and of the resolvers the last to give a value wins, so
// the file's resolver comes before the environment's (see run).

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/alecthomas/kong"
	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/afscherm/afscherm/internal/database"
)

// configFileName is the file looked for beside the SQLite file, then in the
// working directory.
const configFileName = "afscherm.toml"

// notInFile are the flags given for one run: which customer, domain or
// request, by whom, why, in what format. A file that sets one is refused
// rather than making every run act on it.
var notInFile = map[string]bool{
	"help": true, "config": true, "command": true,
	"all": true, "all-exposed": true, "as": true, "customer": true, "customers": true, "domain": true,
	"domains": true, "domains-file": true, "draft": true, "dry-run": true, "force-reason": true,
	"from": true, "json": true, "keep": true, "name": true, "note": true, "open": true, "opt-out-reasons-file": true, "out": true,
	"produce": true, "reason": true, "remove-missing": true, "reviewed": true, "source": true,
	"state": true, "to": true, "verbose": true, "withdrawn": true, "now": true, "version": true, "online": true,
}

// secretFlags hold keys: never printed, and a configuration file that holds
// one must be private to its owner. (A URL with a password in it is treated
// the same way, whatever its flag.)
var secretFlags = map[string]bool{"secret": true, "client-key": true}

// masked stands for a secret in what afscherm prints.
const masked = "********"

// envName is the environment variable of a flag: --database-url is
// AFSCHERM_DATABASE_URL.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// configEntry is one setting in the file.
type configEntry struct {
	value any      // for kong: string, bool, int64, or []any of strings
	text  []string // for 'config show'
	table string   // "" at the top, else the command: "serve", "request create"
	line  int      // 0 when unknown
}

// configFile is a configuration file, read and checked against the flags.
type configFile struct {
	path    string
	origin  string                            // how it was found: "--config", "AFSCHERM_CONFIG", "beside the database", …
	entries map[string]map[string]configEntry // table → flag name → setting
	secret  string                            // the first secret it holds ("secret", "the password in database-url"), "" when none
}

// lookup finds the file's value of a flag for a command (its words): that
// of the command's own table, else its parent's, …, else the top level's.
func (f *configFile) lookup(flag string, command []string) (configEntry, bool) {
	if f == nil {
		return configEntry{}, false
	}
	for i := len(command); i >= 0; i-- {
		if e, ok := f.entries[strings.Join(command[:i], " ")][flag]; ok {
			return e, true
		}
	}
	return configEntry{}, false
}

// tables are the command tables the file has, sorted.
func (f *configFile) tables() []string {
	var out []string
	for t := range f.entries {
		if t != "" {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// configSource finds and reads the configuration file once per run, before
// kong resolves flags, and gives kong the file's values: a kong.Resolver.
type configSource struct {
	getenv func(string) string
	loaded bool
	file   *configFile // nil: no file
}

func newConfigSource(getenv func(string) string) *configSource {
	return &configSource{getenv: getenv}
}

// Validate is part of kong.Resolver; the file was checked when read.
func (s *configSource) Validate(*kong.Application) error { return nil }

// Resolve gives the file's value of a flag for the command being run.
func (s *configSource) Resolve(kctx *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
	e, ok := s.file.lookup(flag.Name, commandWords(kctx.Selected()))
	if !ok {
		return nil, nil
	}
	return e.value, nil
}

// load finds and reads the file; kong calls it before resolving flags
// (kong.WithBeforeResolve), once for every part of the command, so it works
// only the first time.
func (s *configSource) load(kctx *kong.Context) error {
	if s.loaded {
		return nil
	}
	s.loaded = true
	path, origin, explicit := s.locate(kctx)
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && explicit {
		return fmt.Errorf("configuration file %s (named by %s) does not exist", path, origin)
	}
	if err != nil {
		return fmt.Errorf("configuration file: %w", err)
	}
	f, err := parseConfigFile(path, data, kctx.Model.Node)
	if err != nil {
		return err
	}
	f.origin = origin
	if f.secret != "" {
		st, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("configuration file: %w", err)
		}
		if perm := st.Mode().Perm(); perm&0o077 != 0 {
			return fmt.Errorf("configuration file %s holds a secret (%s) and is open to other users (mode %04o): run 'chmod 600 %s' and start again",
				path, f.secret, perm, path)
		}
	}
	s.file = f
	return nil
}

// locate is the configuration file to read: the one --config or
// AFSCHERM_CONFIG names (explicit: it must exist), else afscherm.toml
// beside the SQLite file, else in the working directory, else none. The
// database is the one the command line or the environment names, or the
// default: never the file's own database-url, which the file cannot be
// looked for by.
func (s *configSource) locate(kctx *kong.Context) (path, origin string, explicit bool) {
	if p := commandLineValue(kctx, "config"); p != "" {
		return p, "--config", true
	}
	if p := s.getenv(envName("config")); p != "" {
		return p, envName("config"), true
	}
	db := commandLineValue(kctx, "database-url")
	if db == "" {
		db = s.getenv(envName("database-url"))
	}
	if t, err := database.Parse(db); err == nil && t.Kind == database.SQLite {
		if p := filepath.Join(filepath.Dir(t.Path), configFileName); isRegularFile(p) {
			return p, "beside the database", false
		}
	}
	if isRegularFile(configFileName) {
		return configFileName, "working directory", false
	}
	return "", "", false
}

func isRegularFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// commandLineValue is the value of a string flag given on the command line,
// "" when it was not.
func commandLineValue(kctx *kong.Context, name string) string {
	for _, p := range kctx.Path {
		if p.Flag != nil && p.Flag.Name == name && !p.Resolved {
			s, _ := kctx.FlagValue(p.Flag).(string)
			return s
		}
	}
	return ""
}

// onCommandLine reports whether a flag was given on the command line.
func onCommandLine(kctx *kong.Context, flag *kong.Flag) bool {
	for _, p := range kctx.Path {
		if p.Flag == flag && !p.Resolved {
			return true
		}
	}
	return false
}

// commandWords are the names of a command and its parents: "request",
// "create".
func commandWords(n *kong.Node) []string {
	var words []string
	for ; n != nil && n.Type != kong.ApplicationNode; n = n.Parent {
		if n.Type == kong.CommandNode {
			words = append([]string{n.Name}, words...)
		}
	}
	return words
}

// subcommand is the command of node called name, nil when none.
func subcommand(node *kong.Node, name string) *kong.Node {
	for _, c := range node.Children {
		if c.Type == kong.CommandNode && (c.Name == name || slices.Contains(c.Aliases, name)) {
			return c
		}
	}
	return nil
}

// flagsNamed are the flags called name that a table for node may set: those
// of node, of its parents (not the global ones) and of every command below
// it; at the top (node is the application), every flag of that name.
func flagsNamed(node *kong.Node, name string) []*kong.Flag {
	var out []*kong.Flag
	for p := node.Parent; p != nil && p.Type != kong.ApplicationNode; p = p.Parent {
		for _, f := range p.Flags {
			if f.Name == name {
				out = append(out, f)
			}
		}
	}
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, f := range n.Flags {
			if f.Name == name {
				out = append(out, f)
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(node)
	return out
}

// commandsWithFlag names the commands that have a flag called name.
func commandsWithFlag(app *kong.Node, name string) []string {
	var out []string
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, f := range n.Flags {
			if f.Name == name {
				out = append(out, strings.Join(commandWords(n), " "))
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(app)
	return out
}

// parseConfigFile reads a configuration file and checks every key against
// the flags of app: a key that is no flag's name, a value of the wrong
// type, a table that is no command's are errors that name the file and the
// line.
func parseConfigFile(path string, data []byte, app *kong.Node) (*configFile, error) {
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			hint := ""
			if k := de.Key(); len(k) > 1 && subcommand(app, k[0]) != nil && len(commandsWithFlag(app, k[0])) > 0 {
				hint = fmt.Sprintf(" (%s is a command and a flag: set the flag at the top or in command tables, not both)", k[0])
			}
			return nil, fmt.Errorf("configuration file %s:%d:%d: %v%s", path, row, col, de, hint)
		}
		return nil, fmt.Errorf("configuration file %s: %w", path, err)
	}
	f := &configFile{path: path, entries: map[string]map[string]configEntry{}}
	r := configReader{file: f, app: app, lines: keyLines(data)}
	if err := r.table(app, nil, doc); err != nil {
		return nil, err
	}
	return f, nil
}

// configReader checks a decoded file's tables and keys.
type configReader struct {
	file  *configFile
	app   *kong.Node
	lines map[string]int // keyLines
}

// line is the line of a key (its table's names and its own), 0 when unknown.
func (r configReader) line(key []string) int { return r.lines[strings.Join(key, "\x00")] }

// at is where a key is, for an error: "FILE:LINE".
func (r configReader) at(key []string) string {
	if line := r.line(key); line > 0 {
		return fmt.Sprintf("configuration file %s:%d", r.file.path, line)
	}
	return "configuration file " + r.file.path
}

// table reads the keys of the table for node (named by the words in path).
func (r configReader) table(node *kong.Node, path []string, values map[string]any) error {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { // report the first mistake in the file first
		return r.line(append(slices.Clone(path), keys[i])) < r.line(append(slices.Clone(path), keys[j]))
	})
	for _, key := range keys {
		full := append(slices.Clone(path), key)
		where := r.at(full)
		if sub, ok := values[key].(map[string]any); ok {
			child := subcommand(node, key)
			if child == nil {
				if len(flagsNamed(node, key)) > 0 {
					return fmt.Errorf("%s: %s must be a value, not a table", where, key)
				}
				return fmt.Errorf("%s: [%s] is not a command of afscherm (tables are for commands: [serve], [staff.token.create])",
					where, strings.Join(full, "."))
			}
			if err := r.table(child, full, sub); err != nil {
				return err
			}
			continue
		}
		if err := r.setting(node, path, key, values[key], where); err != nil {
			return err
		}
	}
	return nil
}

// setting checks and keeps one key of the table for node.
func (r configReader) setting(node *kong.Node, path []string, key string, value any, where string) error {
	switch {
	case key == "config":
		return fmt.Errorf("%s: config: a configuration file cannot name another", where)
	case notInFile[key] && len(commandsWithFlag(r.app, key)) > 0:
		return fmt.Errorf("%s: %s is given on the command line for one run, not in a configuration file", where, key)
	}
	if len(path) > 0 && slices.ContainsFunc(r.app.Flags, func(f *kong.Flag) bool { return f.Name == key }) {
		return fmt.Errorf("%s: %s is a global flag: set it at the top of the file, before any [table]", where, key)
	}
	flags := flagsNamed(node, key)
	if len(flags) == 0 {
		if cmds := commandsWithFlag(r.app, key); len(cmds) > 0 {
			return fmt.Errorf("%s: unknown key %q in [%s]: only %s have --%s", where, key, strings.Join(path, "."),
				strings.Join(cmds, ", "), key)
		}
		msg := fmt.Sprintf("%s: unknown key %q: afscherm has no flag --%s", where, key, key)
		if near := nearestFlag(r.app, key); near != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", near)
		}
		return errors.New(msg)
	}
	e := configEntry{table: strings.Join(path, " "), line: r.line(append(slices.Clone(path), key))}
	for _, flag := range flags { // flags of one name have one type; each checks
		var err error
		if e.value, e.text, err = settingValue(flag, value); err != nil {
			return fmt.Errorf("%s: %s: %v", where, key, err)
		}
	}
	switch {
	case r.file.secret != "":
	case secretFlags[key]:
		r.file.secret = key
	case slices.ContainsFunc(e.text, hasURLPassword):
		r.file.secret = "the password in " + key
	}
	if r.file.entries[e.table] == nil {
		r.file.entries[e.table] = map[string]configEntry{}
	}
	r.file.entries[e.table][key] = e
	return nil
}

var durationType = reflect.TypeOf(time.Duration(0))

// settingValue checks a file's value against the type of its flag and
// returns it as kong takes it and as 'config show' prints it. Its errors
// never hold the value of a string, which may be a secret.
func settingValue(flag *kong.Flag, v any) (value any, text []string, err error) {
	t := flag.Target.Type()
	switch {
	case t == durationType:
		s, ok := v.(string)
		if !ok {
			return nil, nil, fmt.Errorf("give a duration in quotes, like \"15m\" or \"72h\", not %s", tomlKind(v))
		}
		if _, err := time.ParseDuration(s); err != nil {
			return nil, nil, fmt.Errorf("%q is not a duration like \"15m\" or \"72h\"", s)
		}
		return s, []string{s}, nil
	case t.Kind() == reflect.String:
		s, ok := v.(string)
		if !ok {
			return nil, nil, fmt.Errorf("must be a string in quotes, not %s", tomlKind(v))
		}
		if flag.Enum != "" && !flag.EnumMap()[s] {
			return nil, nil, fmt.Errorf("%q is not one of %s", s, strings.Join(flag.EnumSlice(), ", "))
		}
		return s, []string{s}, nil
	case t.Kind() == reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, nil, fmt.Errorf("must be true or false, not %s", tomlKind(v))
		}
		return b, []string{fmt.Sprint(b)}, nil
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		n, ok := v.(int64)
		if !ok {
			return nil, nil, fmt.Errorf("must be a whole number, not %s", tomlKind(v))
		}
		if reflect.New(t).Elem().OverflowInt(n) {
			return nil, nil, fmt.Errorf("%d is too large", n)
		}
		return n, []string{fmt.Sprint(n)}, nil
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		list, ok := v.([]any)
		if !ok {
			return nil, nil, fmt.Errorf("must be a list of strings, like [\"a\", \"b\"], not %s", tomlKind(v))
		}
		text = make([]string, 0, len(list))
		for i, el := range list {
			s, ok := el.(string)
			if !ok {
				return nil, nil, fmt.Errorf("item %d of the list must be a string in quotes, not %s", i+1, tomlKind(el))
			}
			text = append(text, s)
		}
		return list, text, nil
	}
	return nil, nil, fmt.Errorf("cannot be set in a configuration file")
}

// tomlKind names the TOML type of a decoded value.
func tomlKind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "a number"
	case float64:
		return "a decimal number"
	case bool:
		return "true or false"
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return "a date or time"
}

// keyLines maps every key of a TOML document, its table's names and its
// own joined by "\x00", to its line, for errors; tables too.
func keyLines(data []byte) map[string]int {
	lines := map[string]int{}
	var p unstable.Parser
	p.Reset(data)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		var parts []string
		line := 0
		for it := e.Key(); it.Next(); {
			n := it.Node()
			parts = append(parts, string(n.Data))
			if line == 0 {
				line = p.Shape(n.Raw).Start.Line
			}
		}
		full := parts
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = parts
		case unstable.KeyValue:
			full = append(slices.Clone(table), parts...)
		default:
			continue
		}
		for i := 1; i <= len(full); i++ { // a.b.c = 1 also places a and a.b
			k := strings.Join(full[:i], "\x00")
			if _, ok := lines[k]; !ok || i == len(full) {
				lines[k] = line
			}
		}
	}
	return lines
}

// hasURLPassword reports whether s is a URL with a password in it.
func hasURLPassword(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return false
	}
	_, ok := u.User.Password()
	return ok
}

// maskURLPassword replaces the password of a URL with asterisks.
func maskURLPassword(s string) string {
	if !hasURLPassword(s) {
		return s
	}
	u, _ := url.Parse(s)
	// Redacted writes the password as xxxxx; the user name cannot hold
	// ":" or "@" unescaped, so the first ":xxxxx@" is the password.
	return strings.Replace(u.Redacted(), ":xxxxx@", ":"+masked+"@", 1)
}

// nearestFlag is the flag name closest to a mistyped one, "" when none is
// close.
func nearestFlag(app *kong.Node, name string) string {
	best, bestDist := "", 3 // at most two edits away
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, f := range n.Flags {
			if d := editDistance(name, f.Name); d < bestDist && !notInFile[f.Name] {
				best, bestDist = f.Name, d
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(app)
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
