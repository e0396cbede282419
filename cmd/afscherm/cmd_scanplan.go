package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/afscherm/afscherm/internal/jobs"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
)

// scanGroup is `afscherm scan`: scanning now (the default) or the nightly
// plan.
type scanGroup struct {
	Now  scanCmd     `cmd:"" default:"withargs" help:"Scan domains now and print what is visible (the default: 'afscherm scan --all' is 'afscherm scan now --all')."`
	Plan scanPlanCmd `cmd:"" help:"Show tonight's plan: per server the domains it serves, tonight's budget and the nights a full round takes; --now queues it at once."`
}

type scanPlanCmd struct {
	JSON bool `name:"json" help:"Print the plan as JSON."`
	Now  bool `name:"now" help:"Queue a night's plan at once, for a window as long as the nightly one starting now; 'afscherm serve' or 'worker' carry it out."`
	nightFlags
	lookupFlags
}

// planJSON is the plan as --json prints it.
type planJSON struct {
	store.PlanRecord
	ScanEvery string `json:"scan_every"`
	Queued    *int   `json:"queued,omitempty"`
	// InWaves: with --now, this plan's scans queued later, as the queue
	// drains; without, those the latest plan has still to queue.
	InWaves  *int     `json:"in_later_waves,omitempty"`
	Warnings []string `json:"warnings"`
}

func (c scanPlanCmd) Run(e *env) error {
	settings := jobs.DefaultSettings(amsterdam)
	if err := c.nightFlags.apply(&settings); err != nil {
		return err
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	scanner, limiter, err := c.lookupFlags.scanner(st, e, 0, nil)
	if err != nil {
		return err
	}
	d := jobs.Deps{Store: st, Scanner: scanner, Rates: limiter.Configured, Settings: settings, Log: e.log}
	plan, err := jobs.MakePlan(e.ctx, d, c.Now)
	if err != nil {
		return err
	}
	// What the latest plan, its night not over, still has to queue, when
	// this one is only shown.
	inWaves := 0
	if !c.Now {
		if inWaves, err = stillToQueue(e, st); err != nil {
			return err
		}
	}
	var wave *jobs.Wave
	if c.Now {
		day := plan.WindowStart.In(amsterdam).Format(time.DateOnly)
		w, err := jobs.EnqueuePlan(e.ctx, d, day, plan)
		if err != nil {
			return err
		}
		wave = &w
		jobs.WarnPlan(e.log, plan)
	}
	if c.JSON {
		out := planJSON{PlanRecord: plan.PlanRecord, ScanEvery: store.AgeText(plan.ScanEvery), Warnings: []string{}}
		if wave != nil {
			out.Queued, out.InWaves = &wave.Queued, &wave.Left
		} else if inWaves > 0 {
			out.InWaves = &inWaves
		}
		for _, s := range plan.Warnings() {
			out.Warnings = append(out.Warnings, scan.PlanWarning(s, plan.ScanEvery))
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	writePlan(e.stdout, plan.PlanRecord)
	if inWaves > 0 {
		fmt.Fprintf(e.stdout, "\nThe latest plan has %d scans still to queue in waves as the queue drains; planned again now, they count above as due.\n", inWaves)
	}
	if wave != nil {
		fmt.Fprintf(e.stdout, "\nQueued %d scans (%d already waiting).\n", wave.Queued, waiting(plan.PlanRecord))
		if wave.Left > 0 {
			fmt.Fprintf(e.stdout, "The other %d follow in waves as the queue drains, each server's next %s of lookups at a time; 'afscherm serve' or 'worker' queues them.\n",
				wave.Left, store.AgeText(scan.Lead))
		}
	}
	return nil
}

// stillToQueue counts the scans the latest plan, its night not over, has
// still to queue in waves.
func stillToQueue(e *env, st *store.Store) (int, error) {
	latest, ok, err := st.LatestScanPlan(e.ctx)
	if err != nil || !ok || !st.Now().Before(latest.WindowEnd) {
		return 0, err
	}
	rest, err := st.PlanRest(e.ctx)
	n := 0
	for _, c := range rest {
		n += c
	}
	return n, err
}

func waiting(p store.PlanRecord) int {
	n := 0
	for _, s := range p.Servers {
		n += s.Waiting
	}
	return n
}

// writePlan prints a plan for staff: one line per server, then warnings.
func writePlan(w io.Writer, p store.PlanRecord) {
	fmt.Fprintf(w, "Night %s to %s (Europe/Amsterdam)", p.WindowStart.In(amsterdam).Format("2006-01-02 15:04"),
		p.WindowEnd.In(amsterdam).Format("15:04"))
	if p.PlannedAt.After(p.WindowStart) {
		fmt.Fprintf(w, ", %s of it left", store.AgeText(p.WindowEnd.Sub(p.PlannedAt)))
	}
	fmt.Fprintf(w, "; every domain at least every %s where the budget allows.\n", store.AgeText(p.ScanEvery))
	fmt.Fprintln(w, "Budget: the lookups each server's rate allows tonight (per night: in a whole window), less a tenth for retries and verification.")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\trate/s\tdomains\tper night\ttonight\twaiting\tplanned\tnever\tfollowing\tverdict\tchanged\tround\tdue\toverdue\tround nights\t")
	for _, s := range p.Servers {
		nights := fmt.Sprint(s.Round.Nights)
		if s.Round.Never {
			nights = "never"
		}
		fmt.Fprintf(tw, "%s\t%g\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", s.Server, s.Rate, s.Domains, s.NightBudget, s.Budget, s.Waiting,
			s.Planned, s.ByNeed[scan.NeedNeverScanned.String()], s.ByNeed[scan.NeedFollowing.String()], s.ByNeed[scan.NeedVerdict.String()],
			s.ByNeed[scan.NeedChanged.String()], s.ByNeed[scan.NeedRound.String()], s.Due, s.Overdue, nights)
	}
	tw.Flush()
	if len(p.Warnings()) > 0 {
		fmt.Fprintln(w)
	}
	for _, s := range p.Warnings() {
		fmt.Fprintf(w, "warning: %s\n", scan.PlanWarning(s, p.ScanEvery))
	}
}
