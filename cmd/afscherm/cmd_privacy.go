package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/privacy"
	"github.com/afscherm/afscherm/internal/store"
)

type retentionCmd struct {
	Show retentionShowCmd `cmd:"" help:"Print how long each kind of record is kept, and what happens then."`
	Run  retentionRunCmd  `cmd:"" help:"Apply the policy now (the daily job does it at 04:00); --dry-run counts only."`
}

type retentionShowCmd struct{ retentionFlags }

func (c retentionShowCmd) Run(e *env) error {
	p, err := c.policy()
	if err != nil {
		return err
	}
	return p.Show(e.stdout)
}

type retentionRunCmd struct {
	DryRun  bool   `name:"dry-run" help:"Count what would go; change nothing."`
	MailDir string `name:"mail-dir" placeholder:"DIR" help:"The outbox's folder, whose .eml files go with the mails' text (as for serve)."`
	retentionFlags
}

// open opens the store and sets up applying the policy: the mail folder
// (--mail-dir, or serve's default) and a job client to cancel jobs with.
// The caller closes the store.
func (f retentionFlags) open(e *env, mailDir string) (*store.Store, privacy.Options, error) {
	p, err := f.policy()
	if err != nil {
		return nil, privacy.Options{}, err
	}
	st, err := e.openStore()
	if err != nil {
		return nil, privacy.Options{}, err
	}
	o := privacy.Options{Policy: p, MailDir: mailDir, Log: e.log}
	if o.MailDir == "" {
		o.MailDir = flowFlags{}.defaultMailDir(e)
	}
	if o.Jobs, err = st.NewJobClient(&river.Config{}); err != nil {
		st.Close()
		return nil, o, err
	}
	return st, o, nil
}

func (c retentionRunCmd) Run(e *env) error {
	st, o, err := c.open(e, c.MailDir)
	if err != nil {
		return err
	}
	defer st.Close()
	var r privacy.Report
	if c.DryRun {
		r, err = privacy.DryRun(e.ctx, st, o)
	} else {
		r, err = privacy.Run(e.ctx, st, o)
	}
	if err != nil {
		return err
	}
	p := o.Policy
	verb := "removed"
	if c.DryRun {
		verb = "would remove"
	}
	fmt.Fprintf(e.stdout, "%s (%s):\n", verb, strings.Join(termsOf(p), ", "))
	for _, line := range []struct {
		what string
		n    int64
	}{{"raw responses", r.RawResponses}, {"scans' field values", r.FieldValues}, {"mail texts", r.MailBodies},
		{"client hashes in consent records", r.ClientHashes}, {"failed sign-ins", r.SignInFailures},
		{"digests", r.Digests}, {"customers, erased", r.Customers}} {
		fmt.Fprintf(e.stdout, "  %-34s %d\n", line.what, line.n)
	}
	return nil
}

func termsOf(p privacy.Policy) []string {
	var out []string
	for _, r := range p.Rules() {
		out = append(out, string(r.Kind)+"="+r.Term.String())
	}
	sort.Strings(out)
	return out
}

type subjectCmd struct {
	Export subjectExportCmd `cmd:"" help:"Write everything held about a customer to a new zip file (data.json and summary.html)."`
	Erase  subjectEraseCmd  `cmd:"" help:"Erase a customer's personal data everywhere, once the retention term allows it."`
}

type subjectExportCmd struct {
	Customer string `required:"" placeholder:"NUMBER" help:"The customer, identified in person by staff first."`
	Out      string `required:"" placeholder:"FILE.zip" help:"A new file; an existing one is never overwritten."`
	As       string `placeholder:"NAME" help:"The staff member exporting (default: your user name)."`
}

func (c subjectExportCmd) Run(e *env) error {
	if !strings.HasSuffix(strings.ToLower(c.Out), ".zip") {
		return usagef("--out must name a .zip file")
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := privacy.Gather(e.ctx, st, c.Customer)
	if err != nil {
		return err
	}
	if err := privacy.WriteExport(s, c.Out); err != nil {
		return err
	}
	if err := privacy.RecordExport(e.ctx, st, staffActor(e, c.As), c.Customer); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s: %d domains, %d scans, %d requests, %d mails\n", c.Out, len(s.Domains), len(s.Scans),
		len(s.Requests), len(s.Mails))
	return nil
}

type subjectEraseCmd struct {
	Customer    string `required:"" placeholder:"NUMBER" help:"The customer to erase."`
	ForceReason string `name:"force-reason" placeholder:"TEXT" help:"Erase inside the retention term, where the law demands it; the reason is recorded."`
	MailDir     string `name:"mail-dir" placeholder:"DIR" help:"The outbox's folder, whose .eml files of the customer go too (as for serve)."`
	As          string `placeholder:"NAME" help:"The staff member erasing (default: your user name)."`
	retentionFlags
}

func (c subjectEraseCmd) Run(e *env) error {
	st, po, err := c.open(e, c.MailDir)
	if err != nil {
		return err
	}
	defer st.Close()
	o := privacy.EraseOptions{Options: po, By: staffActor(e, c.As), Reason: c.ForceReason, Force: c.ForceReason != ""}
	if o.Reason == "" {
		o.Reason = "retention term ended"
	}
	done, err := privacy.Erase(e.ctx, st, c.Customer, o)
	if err != nil {
		return err
	}
	var parts []string
	for table, n := range done {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", table, n))
		}
	}
	sort.Strings(parts)
	fmt.Fprintf(e.stdout, "erased customer %s: %s\n", c.Customer, strings.Join(parts, ", "))
	return nil
}

type privacyCmd struct {
	Register privacyRegisterCmd `cmd:"" help:"Print the register of processing (Markdown), from the retention policy and the schema."`
}

type privacyRegisterCmd struct{ retentionFlags }

func (c privacyRegisterCmd) Run(e *env) error {
	p, err := c.policy()
	if err != nil {
		return err
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	return p.Register(e.ctx, st, e.stdout)
}
