package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/afscherm/afscherm/internal/jobs"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// process is afscherm running as a child process.
type process struct {
	cmd *exec.Cmd
	out *lockedBuffer
}

func start(t testing.TB, args ...string) *process {
	t.Helper()
	return startEnv(t, nil, args...)
}

// startEnv starts afscherm with more environment variables.
func startEnv(t testing.TB, env []string, args ...string) *process {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{out: &lockedBuffer{}}
	p.cmd = exec.Command(exe, args...)
	// On loopback, as every test: env may set it back to "" (the last wins).
	p.cmd.Env = append(append(os.Environ(), reexecEnv+"=1", allowLocalLinksEnv+"=true"), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	return p
}

// stop sends SIGTERM and waits for a clean exit.
func (p *process) stop(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%s exited with %v:\n%s", p.cmd.Args[1], err, p.out.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not stop:\n%s", p.cmd.Args[1], p.out.String())
	}
}

func (p *process) waitLog(t testing.TB, text string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(p.out.String(), text) {
		if time.Now().After(deadline) || p.cmd.ProcessState != nil {
			t.Fatalf("%s never logged %q:\n%s", p.cmd.Args[1], text, p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeAndWorkerShareTheQueue runs `afscherm serve` and `afscherm worker`
// as two processes on one database and shows that both work the nightly
// scan's jobs.
func TestServeAndWorkerShareTheQueue(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		if !strings.HasPrefix(url, "postgres") {
			url = filepath.Join(t.TempDir(), "shared.db")
		}
		importedDB(t, url)
		// The servers refuse above 50 requests a second, and each process is
		// told 50: together they must keep to it by taking half each.
		world, flags := sandboxFlags(t, url, sandbox.Limits{Rate: 50, Latency: 20 * time.Millisecond})
		common := append([]string{"--database-url", url, "--heartbeat", "300ms", "--scan-workers", "4", "--rate-limit", "50"}, flags...)
		server := start(t, append([]string{"serve", "--addr", "127.0.0.1:0"}, common...)...)
		worker := start(t, append([]string{"worker"}, common...)...)
		server.waitLog(t, "working jobs")
		worker.waitLog(t, "working jobs")

		ctx := context.Background()
		st := storetest.Open(t, url, nil)
		client, err := st.NewJobClient(&river.Config{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.Insert(ctx, jobs.NightlyScanArgs{Day: "2026-11-25", Now: true}, nil); err != nil {
			t.Fatal(err)
		}
		byWorker := map[string]int{}
		deadline := time.Now().Add(90 * time.Second)
		for {
			res, err := client.JobList(ctx, river.NewJobListParams().Kinds("scan_domain").
				States(rivertype.JobStateCompleted).First(1000))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Jobs) == 117 {
				for _, j := range res.Jobs {
					byWorker[j.AttemptedBy[len(j.AttemptedBy)-1]]++
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of 117 scans done\nserver:\n%s\nworker:\n%s", len(res.Jobs), server.out.String(), worker.out.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
		if len(byWorker) != 2 {
			t.Errorf("scans worked by %v, want both processes", byWorker)
		}
		t.Logf("scans per process: %v", byWorker)
		for _, host := range []string{"rdap.sidn.nl", "rdap.verisign.com", "rdap.openprovider.test", "rdap.eurid.eu"} {
			if n := world.RDAPServer(host).Limited(); n > 0 {
				t.Errorf("%s answered 429 %d times: the processes together went over its rate", host, n)
			}
		}
		server.stop(t)
		worker.stop(t)
	})
}
