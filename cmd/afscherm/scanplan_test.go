package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestScanPlanCommand: `scan plan` shows each server's domains, budget and
// round without queueing anything; `--now` queues the plan, and a second
// `--now` queues nothing while those scans wait. A budget too small for
// --scan-every is warned about, on standard output and in the log.
func TestScanPlanCommand(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		importedDB(t, url)
		_, flags := sandboxFlags(t, url, sandbox.Limits{})
		plan := func(extra ...string) (planJSON, result) {
			t.Helper()
			args := append([]string{"scan", "plan", "--database-url", url, "--json"}, flags...)
			r := afscherm(t, nil, "", append(args, extra...)...)
			if r.code != exitOK {
				t.Fatalf("scan plan %v: %+v", extra, r)
			}
			var p planJSON
			if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
				t.Fatalf("scan plan --json: %v\n%s", err, r.stdout)
			}
			return p, r
		}
		p, _ := plan()
		total, planned := 0, 0
		for _, s := range p.Servers {
			total += s.Domains
			planned += s.Planned
			if s.ByNeed["never_scanned"] != s.Planned || s.NightBudget < s.Budget || s.Round.Nights != 1 {
				t.Errorf("server %+v", s)
			}
		}
		if total != 117 || planned != 117 || p.Queued != nil || len(p.Warnings) != 0 {
			t.Errorf("plan: %d domains, %d planned, queued %v, warnings %v", total, planned, p.Queued, p.Warnings)
		}

		// At one lookup in 10,000 seconds a night of 5 hours allows one
		// lookup per server, after the headroom.
		slow := []string{"--now", "--rate-limit", "0.0001"}
		p, _ = plan(slow...)
		servers := len(p.Servers)
		if p.Queued == nil || *p.Queued != servers {
			t.Fatalf("--now queued %v, want one per server (%d)", p.Queued, servers)
		}
		if len(p.Warnings) != servers || !strings.Contains(p.Warnings[0], "cannot scan every domain every 7 days") {
			t.Errorf("warnings %q", p.Warnings)
		}
		p, r := plan(slow...)
		if *p.Queued != 0 {
			t.Errorf("a second --now queued %d while the first plan's scans wait", *p.Queued)
		}
		for _, s := range p.Servers {
			if s.Waiting != 1 || s.Planned != 0 {
				t.Errorf("second plan, server %+v", s)
			}
		}
		if !strings.Contains(r.stderr, "scan budget does not reach every domain within --scan-every") {
			t.Errorf("no warning in the log:\n%s", r.stderr)
		}

		// The text form, and a usage error for a bad window.
		r = afscherm(t, nil, "", append([]string{"scan", "plan", "--database-url", url, "--rate-limit", "0.0001"}, flags...)...)
		if r.code != exitOK || !strings.Contains(r.stdout, "Night ") || !strings.Contains(r.stdout, "warning: ") {
			t.Errorf("scan plan: %+v", r)
		}
		r = afscherm(t, nil, "", append([]string{"scan", "plan", "--database-url", url, "--nightly-until", "02:00"}, flags...)...)
		if r.code != exitUsage {
			t.Errorf("--nightly-until equal to --nightly-at: %+v", r)
		}
	})
}

// TestScanPlanNowInWaves: a plan larger than the servers' lead is queued in
// part; the rest follows in waves, which the output says.
func TestScanPlanNowInWaves(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		importedDB(t, url)
		_, flags := sandboxFlags(t, url, sandbox.Limits{})
		// At 0.01 lookups a second, a server's queue holds scan.LeadMin
		// scans; every domain fits the night's budget.
		args := append([]string{"scan", "plan", "--database-url", url, "--now", "--rate-limit", "0.01"}, flags...)
		r := afscherm(t, nil, "", append(args, "--json")...)
		var p planJSON
		if err := json.Unmarshal([]byte(r.stdout), &p); r.code != exitOK || err != nil {
			t.Fatalf("scan plan --now --json: %+v, %v", r, err)
		}
		planned := 0
		for _, s := range p.Servers {
			planned += s.Planned
		}
		if planned != 117 || p.Queued == nil || p.InWaves == nil || *p.InWaves == 0 || *p.Queued+*p.InWaves != planned {
			t.Errorf("planned %d, queued %v, in later waves %v", planned, p.Queued, p.InWaves)
		}
		r = afscherm(t, nil, "", args...)
		if r.code != exitOK || !strings.Contains(r.stdout, "follow in waves as the queue drains") {
			t.Errorf("scan plan --now: %+v", r)
		}
		// Shown, not queued: what the latest plan has still to queue.
		r = afscherm(t, nil, "", append([]string{"scan", "plan", "--database-url", url, "--rate-limit", "0.01"}, flags...)...)
		if r.code != exitOK || !strings.Contains(r.stdout, "scans still to queue in waves") {
			t.Errorf("scan plan: %+v", r)
		}
	})
}
