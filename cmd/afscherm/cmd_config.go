package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/alecthomas/kong"
)

type configCmd struct {
	Show configShowCmd `cmd:"" help:"Print every flag's effective value and where it comes from (flag, env, file or default), secrets masked."`
}

type configShowCmd struct {
	Command string `placeholder:"COMMAND" help:"The flags of this command, e.g. \"serve\" or \"request create\", with its table in the file (default: the global flags and those serve and worker share, as the top of the file sets them)."`
	JSON    bool   `name:"json" help:"Print JSON: a list of {name, value, source, env, file, table, line, secret}."`
}

// setting is a flag's effective value and its source, as 'config show'
// prints it.
type setting struct {
	Name   string `json:"name"`
	Value  any    `json:"value"`  // a string, a list of strings (repeatable flags), or null when unset
	Source string `json:"source"` // flag, env, file or default
	Env    string `json:"env,omitempty"`
	File   string `json:"file,omitempty"`
	Table  string `json:"table,omitempty"` // the command table the value is from: "serve"
	Line   int    `json:"line,omitempty"`
	Secret bool   `json:"secret,omitempty"`
}

func (c configShowCmd) Run(e *env, kctx *kong.Context, src *configSource) error {
	app := kctx.Model.Node
	var command []string
	var flags []*kong.Flag
	if c.Command == "" {
		serve, worker := subcommand(app, "serve"), subcommand(app, "worker")
		for _, f := range serve.Flags {
			if flagsNamed(worker, f.Name) != nil {
				flags = append(flags, f)
			}
		}
	} else {
		command = strings.Fields(c.Command)
		node := app
		for _, w := range command {
			if node = subcommand(node, w); node == nil {
				return usagef("--command %q: afscherm has no such command (see 'afscherm --help')", c.Command)
			}
		}
		for n := node; n != app; n = n.Parent { // the parents' flags first
			flags = append(append([]*kong.Flag{}, n.Flags...), flags...)
		}
	}
	var out []setting
	for _, f := range append(append([]*kong.Flag{}, app.Flags...), flags...) {
		if f.Name != "help" {
			out = append(out, src.setting(kctx, f, command))
		}
	}
	if c.Command == "" && src.file != nil && len(src.file.tables()) > 0 {
		var tables []string
		for _, t := range src.file.tables() {
			tables = append(tables, "["+strings.ReplaceAll(t, " ", ".")+"]")
		}
		fmt.Fprintf(e.stderr, "%s also has tables %s, for commands: see their values with --command\n", src.file.path,
			strings.Join(tables, ", "))
	}
	if c.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	for _, s := range out {
		fmt.Fprintf(w, "%s\t%s\t%s\n", s.Name, s.valueText(), s.sourceText())
	}
	return w.Flush()
}

// setting is the effective value of a flag for a command (its words; none
// for the top of the file), and its source, in kong's order: the command
// line, the environment, the file, the default.
func (s *configSource) setting(kctx *kong.Context, flag *kong.Flag, command []string) setting {
	st := setting{Name: flag.Name, Secret: secretFlags[flag.Name]}
	list := flag.Target.Kind() == reflect.Slice
	var text []string
	switch env := envName(flag.Name); {
	case flag.Name == "config": // the file read, however it was found
		st.Source = "default"
		if s.file != nil {
			text = []string{s.file.path}
			switch s.file.origin {
			case "--config":
				st.Source = "flag"
			case env:
				st.Source, st.Env = "env", env
			}
		}
	case onCommandLine(kctx, flag):
		st.Source, text = "flag", valueText(kctx.FlagValue(flag))
	case s.getenv(env) != "":
		st.Source, st.Env, text = "env", env, []string{s.getenv(env)}
		if list && flag.Tag.Sep != -1 {
			text = kong.SplitEscaped(text[0], flag.Tag.Sep)
		}
	default:
		if e, ok := s.file.lookup(flag.Name, command); ok {
			st.Source, st.File, st.Table, st.Line, text = "file", s.file.path, e.table, e.line, slices.Clone(e.text)
			break
		}
		st.Source, text = "default", defaultText(flag)
	}
	for i, t := range text {
		if st.Secret {
			text[i] = masked
		} else {
			text[i] = maskURLPassword(t)
		}
	}
	switch {
	case len(text) == 0 || !list && text[0] == "":
		st.Value = nil
	case list:
		st.Value = text
	default:
		st.Value = text[0]
	}
	return st
}

// valueText is a flag's value as text.
func valueText(v any) []string {
	switch v := v.(type) {
	case []string:
		return append([]string{}, v...)
	case string:
		return []string{v}
	}
	return []string{fmt.Sprint(v)}
}

// defaultText is a flag's default as text.
func defaultText(flag *kong.Flag) []string {
	if flag.Default != "" {
		if flag.Target.Kind() == reflect.Slice && flag.Tag.Sep != -1 {
			return kong.SplitEscaped(flag.Default, flag.Tag.Sep)
		}
		return []string{flag.Default}
	}
	switch t := flag.Target.Type(); {
	case t == durationType:
		return []string{"0s"}
	case t.Kind() == reflect.Bool:
		return []string{"false"}
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		return []string{"0"}
	}
	return nil
}

func (s setting) valueText() string {
	switch v := s.Value.(type) {
	case string:
		return v
	case []string:
		return strings.Join(v, ",")
	}
	return "(unset)"
}

func (s setting) sourceText() string {
	switch s.Source {
	case "env":
		return "env " + s.Env
	case "file":
		if s.Table != "" {
			return fmt.Sprintf("file %s [%s]", s.File, strings.ReplaceAll(s.Table, " ", "."))
		}
		return "file " + s.File
	}
	return s.Source
}
