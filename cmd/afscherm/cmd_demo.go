package main

import (
	"io"
	"log/slog"

	"github.com/afscherm/afscherm/internal/demo"
)

type demoCmd struct {
	Keep    string `placeholder:"DIR" help:"Keep the database (and mail) in DIR instead of a temporary folder."`
	Verbose bool   `short:"v" help:"Show the log lines on standard error as well; they always go to afscherm.log in the demo's folder."`
}

// Run tells the demo's story on standard output; its log lines go to a file
// in the demo's folder (and with --verbose to standard error too), so that
// the story is not lost among them.
func (c demoCmd) Run(e *env) error {
	trace, err := e.tracer()
	if err != nil {
		return err
	}
	opts := demo.Options{Dir: c.Keep, Out: e.stdout, Location: amsterdam, Trace: trace,
		Loggers: func(w io.Writer) (*slog.Logger, *slog.Logger) { return newLoggers(e.cli, w) }}
	if c.Verbose {
		opts.Verbose = e.stderr
	}
	return demo.Run(e.ctx, opts)
}
