package main

import (
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersionCommand runs `afscherm version` as its own process, the test
// binary standing in for afscherm: built by go test, its module version is
// "(devel)" and it carries no commit, but its Go version is the real one.
func TestVersionCommand(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "version")
	cmd.Env = append(os.Environ(), reexecEnv+"=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("afscherm version: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 {
		t.Fatalf("want three lines, got:\n%s", out)
	}
	for i, prefix := range []string{"afscherm ", "commit ", "go "} {
		if !strings.HasPrefix(lines[i], prefix) || strings.TrimSpace(strings.TrimPrefix(lines[i], prefix)) == "" {
			t.Errorf("line %d: want %q and a value, got %q", i+1, prefix, lines[i])
		}
	}
	if got := strings.Fields(lines[2]); len(got) < 2 || got[1] != runtime.Version() {
		t.Errorf("Go version %q, want %s", lines[2], runtime.Version())
	}
}

func TestVersionFromBuildInfo(t *testing.T) {
	for _, tc := range []struct {
		name string
		info debug.BuildInfo
		want []string
	}{
		{"release", debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.3"}},
			[]string{"afscherm v1.2.3\n", "commit   unknown (built without version control information)\n", "go       go1.26.0 "}},
		{"checkout", debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.0.0-20261206013454-e7bcaf778313+dirty"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "e7bcaf778313b736de63ab2bef6030c2b9884858"},
				{Key: "vcs.time", Value: "2026-12-06T01:34:54Z"}, {Key: "vcs.modified", Value: "true"}}},
			[]string{"afscherm v0.0.0-20261206013454-e7bcaf778313+dirty\n",
				"commit   e7bcaf778313b736de63ab2bef6030c2b9884858 (2026-12-06T01:34:54Z), with uncommitted changes\n"}},
		{"test binary", debug.BuildInfo{}, []string{"afscherm (devel)\n", "go       " + runtime.Version() + " "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			printVersion(&b, &tc.info)
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
}
