package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// writeConfig writes a configuration file with the given mode and returns
// its path.
func writeConfig(t *testing.T, dir, text string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, configFileName)
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}

// rawResponsesTerm is what `afscherm retention show` says raw responses are
// kept for: the effective --retention of that command.
func rawResponsesTerm(t *testing.T, environ map[string]string, args ...string) string {
	t.Helper()
	r := afscherm(t, environ, "", append([]string{"retention", "show"}, args...)...)
	if r.code != exitOK {
		t.Fatalf("retention show %v: exit %d: %s", args, r.code, r.stderr)
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "raw_responses" {
			return f[1] + " " + f[2]
		}
	}
	t.Fatalf("no raw_responses line in:\n%s", r.stdout)
	return ""
}

// showConfig runs `afscherm config show --json` and returns its settings
// by name.
func showConfig(t *testing.T, environ map[string]string, args ...string) map[string]setting {
	t.Helper()
	r := afscherm(t, environ, "", append([]string{"config", "show", "--json"}, args...)...)
	if r.code != exitOK {
		t.Fatalf("config show %v: exit %d: %s", args, r.code, r.stderr)
	}
	var list []setting
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("config show --json: %v\n%s", err, r.stdout)
	}
	out := map[string]setting{}
	for _, s := range list {
		out[s.Name] = s
	}
	return out
}

// TestConfigPrecedence checks kong's order of resolvers as run wires them:
// the command line over the environment over the file over the default,
// for a global flag (--database-url, by the file migrate makes) and a
// command's flag (--retention, by what retention show prints).
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	db := func(name string) string { return filepath.Join(dir, name+".db") }
	cfg := writeConfig(t, dir, "database-url = \""+db("file")+"\"\nretention = [\"raw_responses=13d\"]\n", 0o600)
	for _, c := range []struct {
		name           string
		flag, env      bool
		wantDB, wantRR string
	}{
		{"flag over env and file", true, true, "flag", "11 days"},
		{"env over file", false, true, "env", "12 days"},
		{"file over default", false, false, "file", "13 days"},
	} {
		t.Run(c.name, func(t *testing.T) {
			environ := map[string]string{"AFSCHERM_CONFIG": cfg}
			var args []string
			if c.env {
				environ["AFSCHERM_DATABASE_URL"] = db("env")
				environ["AFSCHERM_RETENTION"] = "raw_responses=12d"
			}
			if c.flag {
				args = []string{"--database-url", db("flag")}
			}
			if r := afscherm(t, environ, "", append(args, "migrate")...); r.code != exitOK {
				t.Fatalf("migrate: exit %d: %s", r.code, r.stderr)
			}
			if _, err := os.Stat(db(c.wantDB)); err != nil {
				t.Errorf("migrate did not use %s.db: %v", c.wantDB, err)
			}
			if c.flag {
				args = []string{"--retention", "raw_responses=11d"}
			}
			rr := afscherm(t, environ, "", append([]string{"retention", "show"}, args...)...)
			if !regexp.MustCompile(`raw_responses\s+` + c.wantRR).MatchString(rr.stdout) {
				t.Errorf("retention show: want raw responses kept %s:\n%s%s", c.wantRR, rr.stdout, rr.stderr)
			}
		})
	}
	t.Run("default", func(t *testing.T) {
		t.Chdir(t.TempDir())
		if got := rawResponsesTerm(t, nil); got != "30 days" {
			t.Errorf("without file, env or flag: raw responses kept %s, want the default 30 days", got)
		}
		if r := afscherm(t, nil, "", "migrate"); r.code != exitOK {
			t.Fatalf("migrate: exit %d: %s", r.code, r.stderr)
		}
		if _, err := os.Stat("afscherm.db"); err != nil {
			t.Errorf("without file, env or flag migrate did not use afscherm.db: %v", err)
		}
	})
	for _, name := range []string{"flag", "env", "file"} {
		if _, err := os.Stat(db(name)); err != nil {
			t.Errorf("no test used %s.db", name)
		}
	}

	// config show reports the same sources.
	environ := map[string]string{"AFSCHERM_CONFIG": cfg, "AFSCHERM_RETENTION": "raw_responses=12d"}
	got := showConfig(t, environ, "--log-level", "warn", "--command", "retention show")
	for name, want := range map[string]setting{
		"log-level":    {Value: "warn", Source: "flag"},
		"retention":    {Value: []any{"raw_responses=12d"}, Source: "env", Env: "AFSCHERM_RETENTION"},
		"database-url": {Value: db("file"), Source: "file", File: cfg, Line: 1},
		"log-format":   {Value: "text", Source: "default"},
		"config":       {Value: cfg, Source: "env", Env: "AFSCHERM_CONFIG"},
	} {
		g := got[name]
		if g.Source != want.Source || g.Env != want.Env || g.File != want.File || g.Line != want.Line ||
			!jsonEqual(t, g.Value, want.Value) {
			t.Errorf("config show: %s = %+v, want %+v", name, g, want)
		}
	}
}

func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// TestConfigCommandTables checks that a command's table is over the top
// level for that command and those under it, and for no other.
func TestConfigCommandTables(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, `database-url = "`+filepath.Join(dir, "t.db")+`" # privacy register opens it
retention = ["raw_responses=13d"]
scan-workers = 20

[privacy.register]
retention = ["raw_responses=14d"]

[serve]
addr = "0.0.0.0:8080"
scan-workers = 30

[staff]
expires = "48h"
`, 0o600)
	environ := map[string]string{"AFSCHERM_CONFIG": cfg}
	if got := rawResponsesTerm(t, environ); got != "13 days" {
		t.Errorf("retention show: raw responses kept %s, want 13 days from the top of the file", got)
	}
	if r := afscherm(t, environ, "", "privacy", "register"); !strings.Contains(r.stdout, "**Kept**: 14 days from the scan") {
		t.Errorf("privacy register: want raw responses kept 14 days from [privacy.register]:\n%s%s", r.stdout, r.stderr)
	}
	for _, c := range []struct {
		command, flag string
		value         any
		table         string
	}{
		{"privacy register", "retention", []any{"raw_responses=14d"}, "privacy register"},
		{"retention run", "retention", []any{"raw_responses=13d"}, ""},
		{"serve", "addr", "0.0.0.0:8080", "serve"},
		{"serve", "scan-workers", "30", "serve"},
		{"worker", "scan-workers", "20", ""},
		{"staff token create", "expires", "48h", "staff"}, // a parent's table
		{"", "scan-workers", "20", ""},                    // the default view: the top level
	} {
		got := showConfig(t, environ, "--command", c.command)[c.flag]
		if got.Source != "file" || got.Table != c.table || !jsonEqual(t, got.Value, c.value) {
			t.Errorf("config show --command %q: %s = %+v, want %v from the file's table %q", c.command, c.flag, got, c.value, c.table)
		}
	}
	if got := showConfig(t, environ, "--command", "worker")["addr"]; got.Source != "default" || got.Value != nil {
		t.Errorf("worker's addr = %+v: [serve] must not set it", got)
	}
	r := afscherm(t, environ, "", "config", "show")
	if !regexp.MustCompile(`(?m)^addr +0\.0\.0\.0:8080 +file .*\[serve\]$`).MatchString(afscherm(t, environ, "", "config", "show", "--command", "serve").stdout) ||
		!strings.Contains(r.stderr, "has tables [privacy.register], [serve], [staff]") {
		t.Errorf("config show: the text output does not name the table, or the default view does not mention the tables:\n%s", r.stderr)
	}
}

// TestConfigDefaultFile checks where the file is looked for without --config:
// beside the SQLite file, else in the working directory.
func TestConfigDefaultFile(t *testing.T) {
	dbDir, cwd := t.TempDir(), t.TempDir()
	t.Chdir(cwd)
	db := filepath.Join(dbDir, "a.db")
	writeConfig(t, cwd, "retention = [\"raw_responses=15d\"]\n", 0o600)
	if got := rawResponsesTerm(t, nil, "--database-url", db); got != "15 days" {
		t.Errorf("file only in the working directory: raw responses kept %s, want 15 days", got)
	}
	beside := writeConfig(t, dbDir, "retention = [\"raw_responses=13d\"]\n", 0o600)
	for _, c := range []struct {
		environ map[string]string
		args    []string
	}{
		{nil, []string{"--database-url", db}},
		{nil, []string{"--database-url", "sqlite://" + db}},
		{map[string]string{"AFSCHERM_DATABASE_URL": db}, nil},
	} {
		if got := rawResponsesTerm(t, c.environ, c.args...); got != "13 days" {
			t.Errorf("%v %v: raw responses kept %s, want 13 days from the file beside the database", c.environ, c.args, got)
		}
		if got := showConfig(t, c.environ, c.args...)["config"]; got.Value != beside || got.Source != "default" {
			t.Errorf("config show: config = %+v, want %s by default", got, beside)
		}
	}
	// PostgreSQL has no file to sit beside: the working directory's.
	pg := map[string]string{"AFSCHERM_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
	if got := rawResponsesTerm(t, pg); got != "15 days" {
		t.Errorf("PostgreSQL: raw responses kept %s, want 15 days from the working directory's file", got)
	}
	// No file anywhere is fine.
	os.Remove(filepath.Join(cwd, configFileName))
	os.Remove(beside)
	if got := showConfig(t, nil, "--database-url", db)["config"]; got.Value != nil || got.Source != "default" {
		t.Errorf("no file: config = %+v, want unset", got)
	}
}

func TestConfigExplicitFileMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.toml")
	for _, c := range []struct {
		environ map[string]string
		args    []string
		named   string
	}{
		{nil, []string{"--config", missing, "retention", "show"}, "--config"},
		{map[string]string{"AFSCHERM_CONFIG": missing}, []string{"config", "show"}, "AFSCHERM_CONFIG"},
	} {
		r := afscherm(t, c.environ, "", c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, missing+" (named by "+c.named+") does not exist") {
			t.Errorf("%v %v: exit %d, stderr %q; want exit 2 naming the file", c.environ, c.args, r.code, r.stderr)
		}
	}
}

// TestConfigMistakes checks that unknown keys and values of the wrong type
// are refused with the file, the line and the key.
func TestConfigMistakes(t *testing.T) {
	for _, c := range []struct {
		text string
		want string
	}{
		{"log-level = \"warn\"\nscan-worker = 5\n", ":2: unknown key \"scan-worker\": afscherm has no flag --scan-worker (did you mean scan-workers?)"},
		{"frobnicate = 1\n", ":1: unknown key \"frobnicate\""},
		{"[worker]\nmax-connections = 5\n", ":2: unknown key \"max-connections\" in [worker]: only serve, check have --max-connections"},
		{"[serve]\nlog-level = \"debug\"\n", ":2: log-level is a global flag"},
		{"[frobnicate]\na = 1\n", ":1: [frobnicate] is not a command"},
		{"json = true\n", ":1: json is given on the command line for one run"},
		{"[request.cancel]\nreason = \"x\"\n", ":2: reason is given on the command line for one run"},
		{"config = \"other.toml\"\n", ":1: config: a configuration file cannot name another"},
		{"scan-workers = \"20\"\n", ":1: scan-workers: must be a whole number, not a string"},
		{"scan-workers = 2.5\n", ":1: scan-workers: must be a whole number, not a decimal number"},
		{"\n\npoll-every = 15\n", ":3: poll-every: give a duration in quotes, like \"15m\" or \"72h\", not a number"},
		{"poll-every = \"15 minutes\"\n", ":1: poll-every: \"15 minutes\" is not a duration"},
		{"rate-limit = \"1\"\n", ":1: rate-limit: must be a list of strings"},
		{"rate-limit = [1]\n", ":1: rate-limit: item 1 of the list must be a string in quotes, not a number"},
		{"log-level = \"loud\"\n", ":1: log-level: \"loud\" is not one of debug, info, warn, error"},
		{"allow-local-links = \"yes\"\n", ":1: allow-local-links: must be true or false, not a string"},
		{"secret = 5\n", ":1: secret: must be a string in quotes, not a number"},
		{"[serve]\naddr = 5\n", ":2: addr: must be a string in quotes, not a number"},
		{"log-level = \n", ":1:13: toml:"},
		{"retention = []\n[retention.run]\nretention = []\n", ":2:2: toml: key retention already exists as a value (retention is a command and a flag"},
	} {
		dir := t.TempDir()
		path := writeConfig(t, dir, c.text, 0o600)
		r := afscherm(t, nil, "", "--config", path, "retention", "show")
		if r.code != exitUsage || !strings.Contains(r.stderr, "configuration file "+path+c.want) {
			t.Errorf("file %q: exit %d, stderr %q; want exit 2 and %q", c.text, r.code, r.stderr, path+c.want)
		}
	}
}

// TestConfigSecrets checks that config show masks secrets, wherever they
// come from, and that a file holding one must be private.
func TestConfigSecrets(t *testing.T) {
	dir := t.TempDir()
	const secret, clientKey, dbPassword, envKey = "file-secret-value-1", "file-client-key-value-2", "db-password-3", "env-client-key-value-4"
	text := "secret = \"" + secret + "\"\nclient-key = [\"" + clientKey + "\"]\n" +
		"database-url = \"postgres://afscherm:" + dbPassword + "@127.0.0.1/afscherm\"\n"
	cfg := writeConfig(t, dir, text, 0o600)
	environ := map[string]string{"AFSCHERM_CONFIG": cfg, "AFSCHERM_CLIENT_KEY": envKey + ",second-env-client-key"}
	all := func(r result) string { return r.stdout + r.stderr }
	for _, args := range [][]string{
		{"config", "show"},
		{"config", "show", "--json"},
		{"config", "show", "--command", "abuse block"},
		{"--database-url", "postgres://afscherm:" + dbPassword + "@db/afscherm", "config", "show", "--json"},
	} {
		r := afscherm(t, environ, "", args...)
		if r.code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		for _, s := range []string{secret, clientKey, dbPassword, envKey} {
			if strings.Contains(all(r), s) {
				t.Errorf("%v printed a secret:\n%s", args, all(r))
			}
		}
		if !strings.Contains(r.stdout, masked) {
			t.Errorf("%v: no %s in:\n%s", args, masked, r.stdout)
		}
	}
	got := showConfig(t, environ)
	for name, want := range map[string]any{
		"secret":       masked,
		"client-key":   []any{masked, masked},
		"database-url": "postgres://afscherm:" + masked + "@127.0.0.1/afscherm",
	} {
		if !jsonEqual(t, got[name].Value, want) {
			t.Errorf("config show: %s = %v, want %v", name, got[name].Value, want)
		}
	}
	if r := afscherm(t, environ, "", "config", "show"); !regexp.MustCompile(`(?m)^secret +\*{8} +file `).MatchString(r.stdout) {
		t.Errorf("config show: no masked secret line:\n%s", r.stdout)
	}
	// Unset secrets show as unset.
	plain := writeConfig(t, t.TempDir(), "log-level = \"info\"\n", 0o644)
	got = showConfig(t, map[string]string{"AFSCHERM_CONFIG": plain})
	if got["secret"].Value != nil || got["client-key"].Value != nil || !got["secret"].Secret {
		t.Errorf("unset secrets: %+v, %+v", got["secret"], got["client-key"])
	}
	if r := afscherm(t, map[string]string{"AFSCHERM_CONFIG": plain}, "", "config", "show"); !regexp.MustCompile(`(?m)^secret +\(unset\) +default$`).MatchString(r.stdout) {
		t.Errorf("config show: unset secret not shown as unset:\n%s", r.stdout)
	}

	// A file holding a secret that others may read is refused, by every
	// command; one without secrets is not.
	for _, text := range []string{
		"secret = \"" + secret + "\"\n",
		"[serve]\nclient-key = [\"" + clientKey + "\"]\n",
		"smtp-url = \"smtp://afscherm:" + dbPassword + "@mail.example.nl:587\"\n",
	} {
		for _, mode := range []os.FileMode{0o644, 0o640, 0o604} {
			path := writeConfig(t, t.TempDir(), text, mode)
			for _, args := range [][]string{{"config", "show"}, {"retention", "show"}} {
				r := afscherm(t, nil, "", append([]string{"--config", path}, args...)...)
				if r.code != exitUsage || !strings.Contains(r.stderr, "run 'chmod 600 "+path+"'") || strings.Contains(all(r), secret) ||
					strings.Contains(all(r), dbPassword) {
					t.Errorf("%q with mode %04o, %v: exit %d, %q; want a refusal saying chmod 600", text, mode, args, r.code, r.stderr)
				}
			}
		}
	}
}

// TestConfigExampleFile checks testdata/afscherm.example.toml: as it is (all
// commented out) and with every setting uncommented it loads, it names every
// flag that may be in a file and no other, and its values are the defaults
// where there are defaults.
func TestConfigExampleFile(t *testing.T) {
	example := filepath.Join("..", "..", "testdata", "afscherm.example.toml")
	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	if r := afscherm(t, nil, "", "--config", example, "config", "show"); r.code != exitOK {
		t.Fatalf("the example as it is: exit %d: %s", r.code, r.stderr)
	}
	commented := regexp.MustCompile(`(?m)^# ([a-z][a-z-]* = .*|\[[a-z.]+\])$`)
	uncommented := commented.ReplaceAllString(string(data), "$1")
	path := writeConfig(t, t.TempDir(), uncommented, 0o600)

	var c cli
	parser, err := kong.New(&c, kong.Name("afscherm"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseConfigFile(path, []byte(uncommented), parser.Model.Node)
	if err != nil {
		t.Fatalf("the example with its settings uncommented: %v", err)
	}
	inFile := map[string]bool{}
	for table, entries := range f.entries {
		node := parser.Model.Node
		for _, w := range strings.Fields(table) {
			node = subcommand(node, w)
		}
		for name, e := range entries {
			inFile[name] = true
			flag := flagsNamed(node, name)[0]
			if def := defaultText(flag); flag.Default != "" && !slices.Equal(e.text, def) {
				t.Errorf("example [%s] %s = %v, but its default is %v", table, name, e.text, def)
			}
		}
	}
	var missing []string
	allFlags := map[string]bool{}
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, flag := range n.Flags {
			allFlags[flag.Name] = true
			if !notInFile[flag.Name] && !inFile[flag.Name] && !slices.Contains(missing, flag.Name) {
				missing = append(missing, flag.Name)
			}
		}
		for _, ch := range n.Children {
			walk(ch)
		}
	}
	walk(parser.Model.Node)
	if len(missing) > 0 {
		t.Errorf("testdata/afscherm.example.toml lacks %s: document them, or list them in notInFile", strings.Join(missing, ", "))
	}
	for name := range notInFile {
		if !allFlags[name] {
			t.Errorf("notInFile lists %s, which is no flag", name)
		}
	}
	// Each setting has its comment.
	lines := strings.Split(uncommented, "\n")
	for i, line := range lines {
		if regexp.MustCompile(`^[a-z][a-z-]* = `).MatchString(line) && (i == 0 || !strings.HasPrefix(lines[i-1], "# ")) {
			t.Errorf("example line %d, %q, has no comment above it", i+1, line)
		}
	}
	// And it is what a command sees.
	got := showConfig(t, map[string]string{"AFSCHERM_CONFIG": path}, "--command", "serve")
	if got["public-url"].Source != "file" || got["addr"].Table != "serve" || got["secret"].Value != masked {
		t.Errorf("config show --command serve on the example: public-url %+v, addr %+v, secret %+v", got["public-url"], got["addr"], got["secret"])
	}
}

// TestSecretFlagsListed keeps secretFlags up to date: a flag named like a
// secret must be in it (a file of one is not).
func TestSecretFlagsListed(t *testing.T) {
	var c cli
	parser, err := kong.New(&c, kong.Name("afscherm"))
	if err != nil {
		t.Fatal(err)
	}
	secretLike := regexp.MustCompile(`secret|password|passwd|token|(^|-)key($|-)|credential`)
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, f := range n.Flags {
			if secretLike.MatchString(f.Name) && !strings.HasSuffix(f.Name, "-file") && !secretFlags[f.Name] {
				t.Errorf("flag --%s looks like a secret but is not in secretFlags", f.Name)
			}
		}
		for _, ch := range n.Children {
			walk(ch)
		}
	}
	walk(parser.Model.Node)
}
