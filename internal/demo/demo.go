// Package demo runs afscherm end to end on sample data: a fresh SQLite
// database, the sample customers and domains, and — as afscherm grows —
// fake registries and registrars on loopback. It tells what it did on its
// output; its log lines go to a file in its folder, so as not to drown the
// story.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/database"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/sampledata"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/registrars/wiretrace"
)

// Options adjust a demo run.
type Options struct {
	// Dir keeps the database (and later the mail) there; empty means a
	// temporary folder that is removed at the end.
	Dir string
	// Out gets the story of the run, for people to read; no log lines.
	Out io.Writer
	// Loggers makes afscherm's log and River's, writing to w: the demo
	// gives it the log file in its folder (LogFile), and Verbose as well
	// when that is set. Nil: nothing is logged.
	Loggers func(w io.Writer) (afscherm, river *slog.Logger)
	// Verbose, when not nil, also gets every log line (--verbose).
	Verbose  io.Writer
	Location *time.Location // for the dates people read
	// Trace, when set, gets every EPP frame and API exchange with the
	// sandbox's registrars (--trace-dir).
	Trace *wiretrace.Dir

	// log and riverLog are the loggers Run makes from Loggers.
	log, riverLog *slog.Logger
}

// LogFile is the name of the demo's log file, in its folder.
const LogFile = "afscherm.log"

// Run runs the demo.
func Run(ctx context.Context, opts Options) (err error) {
	dir, cleanup, err := workDir(opts.Dir)
	if err != nil {
		return err
	}
	logPath := filepath.Join(dir, LogFile)
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		cleanup()
		return fmt.Errorf("demo log: %w", err)
	}
	defer func() {
		logFile.Close()
		if err == nil {
			cleanup()
		} else if opts.Dir == "" {
			// A temporary folder stays when the demo fails, so that its
			// log can be read.
			err = fmt.Errorf("%w (the log is kept in %s)", err, logPath)
		}
	}()
	return runIn(ctx, opts, dir, logFile)
}

// runIn runs the demo in dir, logging to logFile.
func runIn(ctx context.Context, opts Options, dir string, logFile io.Writer) error {
	out := opts.Out
	dbPath := filepath.Join(dir, "afscherm.db")

	opts.log, opts.riverLog = slog.New(slog.DiscardHandler), slog.New(slog.DiscardHandler)
	if opts.Loggers != nil {
		w := logFile
		if opts.Verbose != nil {
			w = io.MultiWriter(logFile, opts.Verbose)
		}
		opts.log, opts.riverLog = opts.Loggers(w)
	}
	st, err := database.Open(ctx, dbPath, database.Options{Logger: opts.riverLog})
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(out, "afscherm demo\n  database: %s (schema version %d)\n", st.Describe(), st.SchemaVersion())
	shown := "--verbose shows it as it is written"
	if opts.Verbose != nil {
		shown = "also shown as it is written"
	}
	fmt.Fprintf(out, "  log:      %s (%s)\n", filepath.Join(dir, LogFile), shown)

	if err := importSamples(ctx, st, out, opts.Location); err != nil {
		return err
	}
	s, err := start(ctx, st, dir, opts)
	if err != nil {
		return err
	}
	defer s.stop()
	if err := s.scanSamples(ctx); err != nil {
		return err
	}
	if err := s.requests(ctx); err != nil {
		return err
	}
	if opts.Dir != "" {
		fmt.Fprintf(out, "\nkept in %s\n", dir)
	}
	return nil
}

func workDir(keep string) (dir string, cleanup func(), err error) {
	if keep == "" {
		dir, err = os.MkdirTemp("", "afscherm-demo-")
		if err != nil {
			return "", nil, err
		}
		return dir, func() { os.RemoveAll(dir) }, nil
	}
	if err := os.MkdirAll(keep, 0o755); err != nil {
		return "", nil, fmt.Errorf("--keep %s: %w", keep, err)
	}
	if _, err := os.Stat(filepath.Join(keep, "afscherm.db")); err == nil {
		return "", nil, model.Errorf(model.KindInvalid, "%s already holds an afscherm.db: the demo needs an empty folder", keep)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", nil, err
	}
	return keep, func() {}, nil
}

func importSamples(ctx context.Context, st *store.Store, out io.Writer, loc *time.Location) error {
	sum, err := sampledata.Import(ctx, st, model.DateOf(st.Now(), loc))
	if err != nil {
		return err
	}
	all, err := st.Customers(ctx)
	if err != nil {
		return err
	}
	kinds := map[model.CustomerKind]int{}
	for _, c := range all {
		kinds[c.Kind]++
	}
	ds, err := st.Domains(ctx, store.DomainFilter{})
	if err != nil {
		return err
	}
	tlds := map[string]int{}
	var idns []string
	for _, d := range ds {
		tlds[d.TLD()]++
		if d.DisplayName() != d.Name {
			idns = append(idns, d.DisplayName()+" ("+d.Name+")")
		}
	}
	fmt.Fprintf(out, "\nimported testdata/import/customers.csv and domains.csv in one transaction\n")
	fmt.Fprintf(out, "  customers: %d created (%d persons, %d organisations)\n",
		sum.CustomersCreated, kinds[model.CustomerPerson], kinds[model.CustomerOrganisation])
	fmt.Fprintf(out, "  domains:   %d created: %s\n", sum.DomainsCreated, countList(tlds))
	fmt.Fprintf(out, "  internationalised names, stored as A-labels: %s\n", strings.Join(idns, ", "))

	again, err := sampledata.Import(ctx, st, model.DateOf(st.Now(), loc))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "imported the same files again: %d customers and %d domains unchanged, nothing written\n",
		again.CustomersUnchanged, again.DomainsUnchanged)
	if again.Changed() {
		return fmt.Errorf("the second import of the samples changed something: %+v", again)
	}
	return nil
}

func countList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf(".%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
