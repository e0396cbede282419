package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestCrashAtEveryStepActsOnceAndChargesOnce approves requests for .nl
// domains (SIDN over EPP) and .com domains (Openprovider's REST API), runs
// `afscherm worker` as a child process that exits at once after a given
// step of carrying a request out — as if killed — then starts a new worker
// and lets it finish. Whatever the step, the party saw exactly one
// effective change and the ledger holds exactly one entry per request.
func TestCrashAtEveryStepActsOnceAndChargesOnce(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		if !strings.HasPrefix(url, "postgres") {
			url = filepath.Join(t.TempDir(), "crash.db")
		}
		ctx := context.Background()
		e := requeststest.NewIn(t, url, sandbox.ByAddress)
		parties := e.UseSandboxRegistrars(t)
		dir := t.TempDir()
		ca, err := e.World.CAFile()
		if err != nil {
			t.Fatal(err)
		}
		config := filepath.Join(dir, "registrars.json")
		if err := os.WriteFile(config, parties.Config(ca), 0o600); err != nil {
			t.Fatal(err)
		}
		env := parties.Env()
		worker := append([]string{"worker", "--database-url", url, "--registrars", config, "--price-table", requeststest.PriceTable(),
			"--mail-dir", filepath.Join(dir, "outbox"), "--poll-every", "1s", "--verify-after", "0s", "--heartbeat", "300ms"}, worldFlags(t, e.World, dir)...)
		var workerEnv []string
		for k, v := range env {
			workerEnv = append(workerEnv, k+"="+v)
		}

		nl, com := e.Exposed(t, "nl", "sidn"), e.Exposed(t, "com", "openprovider")
		if len(nl) < 5 || len(com) < 6 {
			t.Fatalf("%d exposed .nl and %d .com domains; the test needs 5 and 6", len(nl), len(com))
		}
		steps := []string{"submit:marked", "submit:filed", "submit:recorded", "charge:written", "verify:recorded"}
		type crash struct {
			step, domain string
			deferred     bool // Openprovider waits for the registry: the poll job finishes it
		}
		var cases []crash
		for i, step := range steps {
			cases = append(cases, crash{step: step, domain: nl[i]}, crash{step: step, domain: com[i]})
		}
		cases = append(cases, crash{step: "poll:recorded", domain: com[len(steps)], deferred: true})

		for _, c := range cases {
			if c.deferred {
				parties.Openprovider.Defer(c.domain)
			}
			r := e.Approve(t, c.domain)

			began := time.Now()
			p := startEnv(t, append(workerEnv, crashEnv+"="+c.step), worker...)
			if c.deferred {
				waitState(t, e.Store, r.ID, model.StateSubmitted, p)
				parties.Openprovider.Activate(c.domain)
			}
			if code := p.exit(t, time.Minute); code != exitCrashed {
				t.Fatalf("%s at %s: the worker exited %d, not at the step:\n%s", c.domain, c.step, code, p.out.String())
			}
			crashed := time.Since(began)
			rescue(t, e.Store)
			p = startEnv(t, workerEnv, worker...)
			waitState(t, e.Store, r.ID, model.StateVerified, p)
			verified := time.Since(began)
			waitCharged(t, e.Store, r.ID, p) // the charge job may come after the verify job
			p.waitLog(t, "working jobs")
			p.stop(t)
			t.Logf("%s at %s: crashed after %v, verified after %v, stopped after %v", c.domain, c.step, crashed, verified, time.Since(began))

			entries, err := e.Store.LedgerEntries(ctx, store.LedgerFilter{RequestID: r.ID})
			if err != nil {
				t.Fatal(err)
			}
			changes := parties.Openprovider.Changes(c.domain)
			if strings.HasSuffix(c.domain, ".nl") {
				changes = 0
				for _, call := range parties.SIDN.Calls() {
					if call.Changed() && call.Object == c.domain {
						changes++
					}
				}
			}
			if len(entries) != 1 || changes != 1 {
				t.Errorf("crash after %s on %s: %d ledger entries and %d changes at the party, want one each",
					c.step, c.domain, len(entries), changes)
			}
		}
		// SIDN assigns the role contact's handle; the first worker keeps
		// it in the database and every later worker process uses it.
		creates := 0
		for _, call := range parties.SIDN.Calls() {
			if call.Command == "contact:create" && call.Changed() {
				creates++
			}
		}
		if creates != 1 {
			t.Errorf("%d role contacts created at SIDN by the workers, want 1", creates)
		}
	})
}

// rescue does what River's rescuer does, later, for jobs whose process
// died: it makes them available again (and lets the dead leader go).
func rescue(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	// The dead worker's last statements may still be finishing on the
	// server — a fetch that marks a job running commits although its
	// client is gone — so the running jobs are put back twice, a second
	// apart; a job left running by then would wait for River's rescuer
	// (an hour), and the test with it.
	for range 2 {
		time.Sleep(time.Second)
		if err := storetest.Exec(ctx, st, "UPDATE river_job SET state = 'available' WHERE state = 'running'"); err != nil {
			t.Fatal(err)
		}
	}
	if err := storetest.Exec(ctx, st, "DELETE FROM river_leader"); err != nil {
		t.Fatal(err)
	}
}

// waitDeadline bounds the waits below: long enough for a loaded machine
// (the whole suite on two cores), where a restarted worker may take most of
// a minute to pick its jobs up; the waits end as soon as the state is there.
const waitDeadline = 3 * time.Minute

func waitState(t *testing.T, st *store.Store, id int64, want model.RequestState, p *process) {
	t.Helper()
	deadline := time.Now().Add(waitDeadline)
	for {
		r, err := st.Request(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.State == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("request %d is %s, not %s:\n%s", id, r.State, want, p.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitCharged(t *testing.T, st *store.Store, id int64, p *process) {
	t.Helper()
	deadline := time.Now().Add(waitDeadline)
	for {
		entries, err := st.LedgerEntries(context.Background(), store.LedgerFilter{RequestID: id})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("request %d was never charged:\n%s", id, p.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// exit waits for the process to end by itself and returns its exit code.
func (p *process) exit(t *testing.T, limit time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(limit):
		t.Fatalf("%s did not end:\n%s", p.cmd.Args[1], p.out.String())
		return -1
	}
}

// worldFlags are the lookup flags that reach a world addressed by address.
func worldFlags(t testing.TB, w *sandbox.World, dir string) []string {
	t.Helper()
	boot, err := w.Bootstrap()
	if err != nil {
		t.Fatal(err)
	}
	ca, err := w.CAFile()
	if err != nil {
		t.Fatal(err)
	}
	// The world's servers are on loopback, which lookups refuse unless told.
	flags := []string{"--rdap-bootstrap", boot, "--ca-file", ca, "--cache-dir", dir, "--allow-private-lookups", "127.0.0.1"}
	for tld, server := range w.WHOISConfig().Servers {
		flags = append(flags, "--whois-server", fmt.Sprintf("%s=%s", tld, server))
	}
	return flags
}
