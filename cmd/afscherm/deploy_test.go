package main

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// deployDir holds the example systemd units and environment file.
var deployDir = filepath.Join("..", "..", "docs", "deploy")

// unitFile is a systemd unit: each section's keys with their values in
// order (a key may be given more than once).
type unitFile map[string]map[string][]string

// readUnit reads a unit file as systemd's INI-like format: [Section]
// headers, KEY=VALUE lines, # and ; comments.
func readUnit(t *testing.T, path string) unitFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case strings.HasSuffix(line, "\\"):
			t.Errorf("%s:%d: a continued line; keep each setting on one line", path, n)
		case line[0] == '[' && line[len(line)-1] == ']':
			section = line[1 : len(line)-1]
			if !slices.Contains([]string{"Unit", "Service", "Install"}, section) {
				t.Errorf("%s:%d: unexpected section [%s]", path, n, section)
			}
			if u[section] != nil {
				t.Errorf("%s:%d: section [%s] again", path, n, section)
			}
			u[section] = map[string][]string{}
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok || section == "" || key == "" || strings.ContainsAny(key, " \t") {
				t.Errorf("%s:%d: not KEY=VALUE in a section: %q", path, n, line)
				continue
			}
			u[section][key] = append(u[section][key], value)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// deployParser is the command line's parser, without running anything.
func deployParser(t *testing.T) *kong.Kong {
	t.Helper()
	var c cli
	p, err := kong.New(&c, kong.Name("afscherm"), kong.Exit(func(int) { t.Fatal("the parser wanted to exit") }))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDeployUnits reads the example systemd units under docs/deploy: they
// parse, carry the hardening the README promises, start afscherm with
// flags it accepts, and every variable they or the example environment
// file set names a flag of that command.
func TestDeployUnits(t *testing.T) {
	parser := deployParser(t)
	flagsOf := map[string]map[string]bool{}
	for _, child := range parser.Model.Children {
		flagsOf[child.Name] = map[string]bool{}
		for _, group := range child.AllFlags(true) {
			for _, f := range group {
				flagsOf[child.Name][envPrefix+strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))] = true
			}
		}
	}
	// Read by afscherm from the environment, not flags.
	notFlags := map[string]bool{"AFSCHERM_SMTP_PASSWORD": true}

	hardening := map[string]func([]string) bool{
		"User":            func(v []string) bool { return len(v) == 1 && v[0] == "afscherm" },
		"NoNewPrivileges": exactly("yes"),
		"ProtectSystem":   exactly("strict"),
		"ProtectHome": func(v []string) bool {
			return len(v) == 1 && slices.Contains([]string{"yes", "read-only", "tmpfs"}, v[0])
		},
		"PrivateTmp":              exactly("yes"),
		"PrivateDevices":          exactly("yes"),
		"CapabilityBoundingSet":   exactly(""),
		"RestrictAddressFamilies": exactly("AF_UNIX AF_INET AF_INET6"),
		"SystemCallFilter": func(v []string) bool {
			return slices.Contains(v, "@system-service") && slices.Contains(v, "~@privileged")
		},
		"SystemCallArchitectures": exactly("native"),
		"StateDirectory":          exactly("afscherm"),
		"ReadWritePaths":          exactly("/var/lib/afscherm"),
		"UMask":                   exactly("0077"),
		"MemoryDenyWriteExecute":  exactly("yes"),
		"RestrictSUIDSGID":        exactly("yes"),
		"ProtectKernelTunables":   exactly("yes"),
		"ProtectKernelModules":    exactly("yes"),
		"ProtectControlGroups":    exactly("yes"),
		"RestrictNamespaces":      exactly("yes"),
		"LockPersonality":         exactly("yes"),
		"EnvironmentFile":         exactly("/etc/afscherm/afscherm.env"),
	}
	for _, command := range []string{"serve", "worker"} {
		t.Run(command, func(t *testing.T) {
			path := filepath.Join(deployDir, "afscherm-"+command+".service")
			u := readUnit(t, path)
			for _, section := range []string{"Unit", "Service", "Install"} {
				if u[section] == nil {
					t.Fatalf("%s: no [%s] section", path, section)
				}
			}
			service := u["Service"]
			for key, ok := range hardening {
				if !ok(service[key]) {
					t.Errorf("%s: %s=%q", path, key, service[key])
				}
			}
			if u["Install"]["WantedBy"] == nil {
				t.Errorf("%s: no WantedBy=", path)
			}
			exec := service["ExecStart"]
			if len(exec) != 1 {
				t.Fatalf("%s: ExecStart=%q", path, exec)
			}
			args := strings.Fields(exec[0])
			if filepath.Base(args[0]) != "afscherm" || len(args) < 2 || args[1] != command {
				t.Fatalf("%s: ExecStart=%q does not run afscherm %s", path, exec[0], command)
			}
			if _, err := deployParser(t).Parse(args[1:]); err != nil {
				t.Errorf("%s: ExecStart=%q: %v", path, exec[0], err)
			}
			for _, assignment := range service["Environment"] {
				name, _, _ := strings.Cut(assignment, "=")
				if !flagsOf[command][name] {
					t.Errorf("%s: Environment=%s names no flag of afscherm %s", path, name, command)
				}
			}
		})
	}

	// The example environment file: each variable, set or commented out,
	// names a flag of serve and of worker, which share it.
	b, err := os.ReadFile(filepath.Join(deployDir, "afscherm.env.example"))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for n, line := range strings.Split(string(b), "\n") {
		name, _, ok := strings.Cut(strings.TrimPrefix(line, "#"), "=")
		if !ok || !strings.HasPrefix(name, envPrefix) {
			if line != "" && !strings.HasPrefix(line, "#") {
				t.Errorf("afscherm.env.example:%d: not an AFSCHERM_ variable: %q", n+1, line)
			}
			continue
		}
		seen++
		if !notFlags[name] && !(flagsOf["serve"][name] && flagsOf["worker"][name]) {
			t.Errorf("afscherm.env.example:%d: %s is not a flag of both serve and worker", n+1, name)
		}
	}
	if seen < 2 {
		t.Errorf("afscherm.env.example sets only %d variables", seen)
	}

	// The example configuration file the units name: afscherm reads it,
	// every key a setting of serve or worker, and it holds no secret (the
	// afscherm user may read it).
	toml := filepath.Join(deployDir, "afscherm.toml")
	for _, command := range []string{"serve", "worker"} {
		r := afscherm(t, nil, "", "config", "show", "--config", toml, "--command", command)
		if r.code != exitOK || strings.Contains(r.stdout, "********") {
			t.Errorf("config show --command %s of %s: %+v", command, toml, r)
		}
		if !strings.Contains(r.stdout, "file "+toml) {
			t.Errorf("config show --command %s: nothing from %s:\n%s", command, toml, r.stdout)
		}
	}
}

func exactly(want string) func([]string) bool {
	return func(v []string) bool { return len(v) == 1 && v[0] == want }
}
