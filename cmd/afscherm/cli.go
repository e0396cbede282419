package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/alecthomas/kong"

	"github.com/afscherm/afscherm/internal/database"
	"github.com/afscherm/afscherm/internal/logsafe"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/registrars/wiretrace"
)

// Exit codes, fixed by DESIGN.md for operators' scripts.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// envPrefix starts the environment variable that every flag also reads:
// --database-url is AFSCHERM_DATABASE_URL.
const envPrefix = "AFSCHERM_"

// cli is the command line: global flags and one field per command.
type cli struct {
	DatabaseURL string `name:"database-url" default:"afscherm.db" placeholder:"URL" help:"The database: a file path or sqlite://FILE (SQLite), or postgres://USER@HOST/DB."`
	LogLevel    string `name:"log-level" default:"info" enum:"debug,info,warn,error" help:"Least important log messages to show: ${enum}."`
	LogFormat   string `name:"log-format" default:"text" enum:"text,json" help:"Log as ${enum}."`
	TraceDir    string `name:"trace-dir" placeholder:"DIR" help:"Write every EPP frame and registrar API exchange to its own file in DIR (made with mode 0700), passwords and tokens masked. The files hold customer data as it went over the wire: for operators; delete them after use."`
	ConfigFile  string `name:"config" placeholder:"FILE" help:"The configuration file (TOML; keys are flag names). Default: afscherm.toml beside the SQLite file, else in the working directory, when there is one."`

	Migrate   migrateCmd   `cmd:"" help:"Bring the database schema up to date."`
	Import    importCmd    `cmd:"" help:"Import customers and domains from CSV files, in one transaction."`
	Demo      demoCmd      `cmd:"" help:"Run afscherm on sample data in a fresh temporary database."`
	Config    configCmd    `cmd:"" help:"Show the settings in effect and where each comes from."`
	Serve     serveCmd     `cmd:"" help:"Serve HTTP and work jobs (scans, the nightly run, the digest) until stopped."`
	Check     checkCmd     `cmd:"" help:"Check a deployment: the database, settings, public URL, prices, registrars, mail and files serve would use."`
	Worker    workerCmd    `cmd:"" help:"Work jobs only, to add capacity on this or another machine (PostgreSQL)."`
	Scan      scanGroup    `cmd:"" help:"Scan domains now and print what is visible; 'scan plan' shows or queues the nightly plan."`
	Digest    digestCmd    `cmd:"" help:"Show the staff digest: which domains became exposed or shielded."`
	Request   requestCmd   `cmd:"" help:"Queue, list, show, cancel and send privacy requests."`
	Consent   consentCmd   `cmd:"" help:"Show the evidence of a customer's decision."`
	Charges   chargesCmd   `cmd:"" help:"Export or reverse charges."`
	Prices    pricesCmd    `cmd:"" help:"The price table quotes use: import a new version, or show one."`
	Task      taskCmd      `cmd:"" help:"Tasks for staff where a registrar has no API."`
	Staff     staffCmd     `cmd:"" help:"Console accounts and staff API tokens."`
	Retention retentionCmd `cmd:"" help:"The retention policy: show it, or apply it now."`
	Subject   subjectCmd   `cmd:"" help:"A customer's data: export it (access request) or erase it."`
	Privacy   privacyCmd   `cmd:"" help:"The register of processing."`
	Abuse     abuseCmd     `cmd:"" help:"Block misbehaving clients, by the keyed hash of their address."`
	Classify  classifyCmd  `cmd:"" help:"Classify one saved RDAP or WHOIS response and print the result as JSON."`
	Version   versionCmd   `cmd:"" help:"Print the module version, the commit and the Go version this binary was built from."`
}

// env is what every command runs with.
type env struct {
	ctx    context.Context
	cli    *cli
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
	// jobLog is for River, whose routine messages are too many for info.
	jobLog *slog.Logger

	traceOnce sync.Once
	trace     *wiretrace.Dir
	traceErr  error
}

// tracer is the --trace-dir folder, opened once; nil without the flag.
func (e *env) tracer() (*wiretrace.Dir, error) {
	if e.cli.TraceDir == "" {
		return nil, nil
	}
	e.traceOnce.Do(func() {
		e.trace, e.traceErr = wiretrace.Open(e.cli.TraceDir, e.log)
		if e.traceErr != nil {
			e.traceErr = fmt.Errorf("--trace-dir: %w", e.traceErr)
		}
	})
	return e.trace, e.traceErr
}

// openStore opens and migrates the database the flags name.
func (e *env) openStore() (*store.Store, error) {
	return database.Open(e.ctx, e.cli.DatabaseURL, database.Options{Logger: e.jobLog})
}

// usageError is a mistake in how a command was called: exit code 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// exitRequest carries kong's request to exit (after --help) out of Parse.
type exitRequest struct{ code int }

// run is the whole program, with its surroundings passed in so tests can
// run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	var c cli
	config := newConfigSource(getenv)
	parser, err := kong.New(&c,
		kong.Name("afscherm"),
		kong.Description("Keeps customers' personal data out of public domain registration records (RDAP, WHOIS).\n\n"+
			"Every flag can also be set by an environment variable: --database-url by AFSCHERM_DATABASE_URL, and so on, "+
			"or in the configuration file (--config; 'afscherm config show' shows what is in effect). "+
			"Exit codes: 0 done, 1 failed, 2 usage error."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(exitRequest{code}) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, Summary: true}),
		// The last resolver to give a value wins: the environment over the file.
		kong.Resolvers(config, envResolver(getenv)),
		kong.WithBeforeResolve(config.load),
		kong.Bind(config),
	)
	if err != nil {
		fmt.Fprintf(stderr, "afscherm: %v\n", err)
		return exitFailed
	}
	defer func() {
		if p := recover(); p != nil {
			req, ok := p.(exitRequest)
			if !ok {
				panic(p)
			}
			code = req.code
		}
	}()

	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "afscherm: %v\n", err)
		fmt.Fprintln(stderr, "Run 'afscherm --help' for usage.")
		return exitUsage
	}
	e := &env{ctx: ctx, cli: &c, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	e.log, e.jobLog = newLoggers(&c, stderr)
	err = kctx.Run(e)
	if err == nil {
		return exitOK
	}
	name := commandName(kctx)
	var u usageError
	if errors.As(err, &u) {
		fmt.Fprintf(stderr, "afscherm %s: %v\n", name, err)
		fmt.Fprintf(stderr, "Run 'afscherm %s --help' for usage.\n", name)
		return exitUsage
	}
	fmt.Fprintf(stderr, "afscherm %s: %v\n", name, err)
	return exitFailed
}

// commandName is the command's words without its arguments: "request show".
func commandName(kctx *kong.Context) string {
	var words []string
	for _, w := range strings.Fields(kctx.Command()) {
		if !strings.HasPrefix(w, "<") {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// envResolver gives every flag the value of AFSCHERM_<FLAG NAME> when the
// command line does not set it.
func envResolver(getenv func(string) string) kong.Resolver {
	return kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
		if flag.Name == "help" {
			return nil, nil
		}
		if v := getenv(envName(flag.Name)); v != "" {
			return v, nil
		}
		return nil, nil
	})
}

// newLoggers returns afscherm's logger and River's, which shows warnings and
// errors only, and leaves jobs' errors out of its lines (they may name a
// domain; logsafe.ForRiver).
func newLoggers(c *cli, w io.Writer) (main, jobs *slog.Logger) {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	handler := func(level slog.Level) slog.Handler {
		opts := &slog.HandlerOptions{Level: level}
		if c.LogFormat == "json" {
			return slog.NewJSONHandler(w, opts)
		}
		return slog.NewTextHandler(w, opts)
	}
	return slog.New(handler(level)), slog.New(logsafe.ForRiver(handler(max(level, slog.LevelWarn)))).With("component", "river")
}
