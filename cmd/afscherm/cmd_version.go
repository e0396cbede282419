package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

type versionCmd struct{}

// Run prints what the binary was built from, as the Go toolchain recorded
// it: the module version, the commit, and the Go version.
func (versionCmd) Run(e *env) error {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = &debug.BuildInfo{GoVersion: runtime.Version()}
	}
	printVersion(e.stdout, info)
	return nil
}

// printVersion writes three lines: version, commit, Go. A binary built
// outside a version control checkout (go install of a module version)
// has no commit; its module version names the release instead.
func printVersion(w io.Writer, info *debug.BuildInfo) {
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	var revision, at string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	commit := "unknown (built without version control information)"
	if revision != "" {
		commit = revision
		if at != "" {
			commit += " (" + at + ")"
		}
		if modified {
			commit += ", with uncommitted changes"
		}
	}
	goVersion := info.GoVersion
	if goVersion == "" {
		goVersion = runtime.Version()
	}
	fmt.Fprintf(w, "afscherm %s\ncommit   %s\ngo       %s %s/%s\n", version, commit, goVersion, runtime.GOOS, runtime.GOARCH)
}
