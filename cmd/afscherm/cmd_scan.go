package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/afscherm/afscherm/internal/logsafe"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
)

type scanCmd struct {
	All         bool     `help:"Scan every active domain."`
	Customer    string   `placeholder:"NUMBER" help:"Scan the active domains of one customer."`
	DomainsFile string   `name:"domains-file" placeholder:"FILE" help:"Scan the domains listed in FILE, one a line ('-' for standard input)."`
	Domains     []string `arg:"" optional:"" help:"Domains to scan."`
	JSON        bool     `name:"json" help:"Print one JSON object per result, on standard output."`
	Parallel    int      `default:"50" help:"Scans at once (each server's rate limit still holds); enough to keep every server busy while results are stored."`
	lookupFlags
}

// scanLine is one result as --json prints it.
type scanLine struct {
	Domain        string                           `json:"domain"`
	Verdict       model.Verdict                    `json:"verdict"`
	Status        model.ScanStatus                 `json:"status"`
	Source        model.Source                     `json:"source,omitempty"`
	Server        string                           `json:"server,omitempty"`
	Registrar     model.Registrar                  `json:"registrar"` // the live registrar of record; empty when the record names none
	ScannedAt     time.Time                        `json:"scanned_at"`
	FailureReason string                           `json:"failure_reason,omitempty"`
	Fields        map[model.Field]model.FieldValue `json:"fields,omitempty"`
	Match         *model.Match                     `json:"match,omitempty"`
	Evidence      []string                         `json:"evidence,omitempty"`
}

func (c scanCmd) Run(e *env) error {
	chosen := 0
	for _, b := range []bool{c.All, c.Customer != "", c.DomainsFile != "", len(c.Domains) > 0} {
		if b {
			chosen++
		}
	}
	if chosen != 1 {
		return usagef("give exactly one of --all, --customer N, --domains-file F, or domain names")
	}
	if c.Parallel < 1 {
		return usagef("--parallel must be at least 1")
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	domains, err := c.targets(e, st)
	if err != nil {
		return err
	}
	scanner, limiter, err := c.lookupFlags.scanner(st, e, 0, nil)
	if err != nil {
		return err
	}
	part := scan.Participate(e.ctx, st, limiter, e.log, scan.HeartbeatInterval)
	defer part.Stop()
	select {
	case <-part.Ready():
	case <-e.ctx.Done():
		return e.ctx.Err()
	}

	progress := newProgress(e.stderr, len(domains))
	tally := newTally()
	var outMu sync.Mutex
	// The first storage error stops the run: every scan after it would
	// make its lookups only to lose the results.
	ctx, stop := context.WithCancelCause(e.ctx)
	defer stop(nil)
	var storageMu sync.Mutex
	var storageErr error
	work := make(chan model.Domain)
	var wg sync.WaitGroup
	for range min(c.Parallel, max(len(domains), 1)) {
		wg.Go(func() {
			for d := range work {
				r, err := scanWithRetries(ctx, scanner, d.Name)
				if _, ok := scan.IsStorage(err); ok {
					storageMu.Lock()
					first := storageErr == nil
					if first {
						storageErr = err
					}
					storageMu.Unlock()
					stop(errStorageStop)
					if !first {
						continue // the same failure again, from a scan under way
					}
				} else if err != nil && ctx.Err() != nil && e.ctx.Err() == nil {
					continue // cut short by the storage error
				}
				// Staff read which domains failed, and why, here; the log
				// has the domain's id only.
				switch {
				case err != nil:
					tally.add("error", "")
					progress.note(fmt.Sprintf("%s: %v", d.DisplayName(), err))
					e.log.Error("scan", logsafe.Domain(d.ID), logsafe.Error(context.WithoutCancel(e.ctx), st, err))
				case r.Status == model.ScanFailed:
					tally.add(string(r.Status), outcome(r))
					progress.note(fmt.Sprintf("%s: not scanned: %s at %s", d.DisplayName(), r.FailureReason, r.Server))
				default:
					tally.add(string(r.Status), outcome(r))
				}
				if c.JSON && err == nil {
					b, _ := json.Marshal(scanLine{Domain: r.Domain, Verdict: r.Verdict, Status: r.Status, Source: r.Source,
						Server: r.Server, Registrar: r.Registrar, ScannedAt: r.ScannedAt, FailureReason: r.FailureReason, Fields: r.Fields,
						Match: r.Match, Evidence: r.Evidence})
					outMu.Lock()
					fmt.Fprintln(e.stdout, string(b))
					outMu.Unlock()
				}
				progress.step(tally.failed())
			}
		})
	}
	for _, d := range domains {
		select {
		case work <- d:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	progress.done()
	tally.write(e.stderr)
	if e.ctx.Err() != nil {
		return e.ctx.Err()
	}
	if storageErr != nil {
		return fmt.Errorf("scan stopped at the first storage error, with %d of %d domains scanned: %w", tally.scanned(), len(domains), storageErr)
	}
	if n := tally.failed(); n > 0 {
		return fmt.Errorf("%d of %d domains could not be scanned; see the reasons above", n, len(domains))
	}
	return nil
}

// targets resolves the selection to stored domains, TLDs taking turns.
func (c scanCmd) targets(e *env, st *store.Store) ([]model.Domain, error) {
	var ds []model.Domain
	var err error
	switch {
	case c.All:
		ds, err = st.Domains(e.ctx, store.DomainFilter{ActiveOnly: true})
	case c.Customer != "":
		if _, err := st.Customer(e.ctx, c.Customer); err != nil {
			return nil, err
		}
		ds, err = st.Domains(e.ctx, store.DomainFilter{CustomerNumber: c.Customer, ActiveOnly: true})
	default:
		names := c.Domains
		if c.DomainsFile != "" {
			if names, err = readLines(e, c.DomainsFile); err != nil {
				return nil, err
			}
		}
		var unknown []string
		for _, n := range names {
			a, nerr := model.NormalizeDomainName(n)
			if nerr != nil {
				return nil, model.Errorf(model.KindInvalid, "%q: %v", n, nerr)
			}
			d, derr := st.Domain(e.ctx, a)
			if model.IsKind(derr, model.KindNotFound) {
				unknown = append(unknown, a)
				continue
			}
			if derr != nil {
				return nil, derr
			}
			ds = append(ds, d)
		}
		if len(unknown) > 0 {
			return nil, model.Errorf(model.KindNotFound, "not our domains (import them first): %s", strings.Join(unknown, ", "))
		}
	}
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, model.Errorf(model.KindNotFound, "no domains to scan")
	}
	return scan.Interleave(ds), nil
}

func readLines(e *env, path string) ([]string, error) {
	in, _, err := openInput(e, path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	var out []string
	sc := bufio.NewScanner(in.reader())
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out, sc.Err()
}

// errStorageStop is why a scan stops its lookups under way after a storage
// error.
var errStorageStop = errors.New("scan stopped at a storage error")

// scanWithRetries tries a scan up to three times when a server is busy or
// unreachable, then records the failure.
func scanWithRetries(ctx context.Context, s *scan.Scanner, name string) (model.ScanResult, error) {
	wait := 2 * time.Second
	for attempt := 1; ; attempt++ {
		r, err := s.Scan(ctx, name)
		re, retry := scan.IsRetry(err)
		if !retry {
			return r, err
		}
		if errors.Is(context.Cause(ctx), errStorageStop) {
			return r, err // cut short by our own stop: no failure of the server's to record
		}
		if attempt == 3 || ctx.Err() != nil {
			return s.RecordFailure(context.WithoutCancel(ctx), name, re.Failure)
		}
		d := max(wait, min(re.Failure.RetryAfter, time.Minute))
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
		wait *= 2
	}
}

func outcome(r model.ScanResult) string {
	switch r.Status {
	case model.ScanOK:
		return string(r.Verdict)
	case model.ScanFailed:
		return r.FailureReason
	}
	return string(r.Status)
}

// tally counts results by status and verdict or failure reason.
type tally struct {
	mu     sync.Mutex
	counts map[string]map[string]int
}

func newTally() *tally { return &tally{counts: map[string]map[string]int{}} }

func (t *tally) add(status, key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.counts[status] == nil {
		t.counts[status] = map[string]int{}
	}
	t.counts[status][key]++
}

// scanned counts the domains whose scan was recorded.
func (t *tally) scanned() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for status, c := range t.counts {
		if status == "error" {
			continue
		}
		for _, v := range c {
			n += v
		}
	}
	return n
}

func (t *tally) failed() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, c := range []string{string(model.ScanFailed), "error"} {
		for _, v := range t.counts[c] {
			n += v
		}
	}
	return n
}

func (t *tally) write(w io.Writer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	line := func(title string, m map[string]int) {
		if len(m) == 0 {
			return
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			if k == "" {
				parts[i] = fmt.Sprint(m[k])
			} else {
				parts[i] = fmt.Sprintf("%s %d", k, m[k])
			}
		}
		fmt.Fprintf(w, "%-16s %s\n", title, strings.Join(parts, ", "))
	}
	line("verdicts:", t.counts[string(model.ScanOK)])
	line("not registered:", t.counts[string(model.ScanNotRegistered)])
	line("failed:", t.counts[string(model.ScanFailed)])
	line("errors:", t.counts["error"])
}

// progress draws a bar on a terminal, and a line per tenth otherwise.
type progress struct {
	w         io.Writer
	tty       bool
	total     int
	mu        sync.Mutex
	done_     int
	lastTenth int
	started   time.Time
}

func newProgress(w io.Writer, total int) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &progress{w: w, tty: tty, total: total, started: time.Now()}
}

func (p *progress) step(failed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done_++
	if p.tty {
		const width = 30
		filled := p.done_ * width / max(p.total, 1)
		fmt.Fprintf(p.w, "\r[%s%s] %d/%d scanned, %d failed", strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
			p.done_, p.total, failed)
		return
	}
	if tenth := p.done_ * 10 / max(p.total, 1); tenth > p.lastTenth || p.done_ == p.total {
		p.lastTenth = tenth
		fmt.Fprintf(p.w, "scanned %d/%d (%d failed) in %s\n", p.done_, p.total, failed, time.Since(p.started).Round(time.Second))
	}
}

// note writes a line for staff between the progress lines (on a terminal,
// over the bar, which the next step draws again).
func (p *progress) note(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\033[K\n", line)
		return
	}
	fmt.Fprintln(p.w, line)
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
