package demo

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/afscherm/afscherm/internal/jobs"
	"github.com/afscherm/afscherm/internal/lookup/rdap"
	"github.com/afscherm/afscherm/internal/lookup/whois"
	"github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/ratelimit"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
)

// demoRate is the requests per second the demo allows itself per server;
// the sandbox servers refuse above twice that.
const demoRate = 25

// session is the demo's running afscherm: the sandbox registries, the
// scanner, the request flow, the job client working all of it as `afscherm
// serve` would, and the web server customers reach.
type session struct {
	st      *store.Store
	dir     string
	out     io.Writer
	opts    Options
	world   *sandbox.World
	parties *sandbox.Registrars
	scanner *scan.Scanner
	flow    *requests.Service
	outbox  *mail.Outbox
	client  store.JobClient
	web     *httptest.Server
	stopJob func()
	// priceVersion is the version of the price table the demo imported.
	priceVersion int64
}

func start(ctx context.Context, st *store.Store, dir string, opts Options) (*session, error) {
	s := &session{st: st, dir: dir, out: opts.Out, opts: opts}
	world, err := sandbox.Standard(dir, sandbox.ByName, sandbox.Limits{Rate: demoRate * 2})
	if err != nil {
		return nil, err
	}
	s.world = world
	customers, err := st.Customers(ctx)
	if err != nil {
		world.Close()
		return nil, err
	}
	domains, err := st.Domains(ctx, store.DomainFilter{})
	if err != nil {
		world.Close()
		return nil, err
	}
	world.Register(customers, domains)
	if s.parties, err = world.StartRegistrars(); err != nil {
		world.Close()
		return nil, err
	}

	settings := jobs.DefaultSettings(opts.Location)
	limiter := ratelimit.New(ratelimit.Limits{Default: demoRate})
	rcfg, err := world.RDAPConfig()
	if err != nil {
		world.Close()
		return nil, err
	}
	rcfg.Limiter, rcfg.MaxWait = limiter, settings.MaxLookupWait
	wcfg := world.WHOISConfig()
	wcfg.Limiter, wcfg.MaxWait = limiter, settings.MaxLookupWait
	s.scanner = &scan.Scanner{Store: st, RDAP: rdap.New(rcfg), WHOIS: whois.New(wcfg), Log: opts.log}
	if err := s.setUpFlow(ctx); err != nil {
		world.Close()
		return nil, err
	}
	client, err := jobs.NewClient(jobs.Deps{Store: st, Scanner: s.scanner, Requests: s.flow, Outbox: s.outbox,
		Log: opts.log, RiverLog: opts.riverLog, Settings: settings})
	if err != nil {
		world.Close()
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	done, err := jobs.Start(runCtx, client, 10*time.Second, opts.log)
	if err != nil {
		stop()
		world.Close()
		return nil, err
	}
	s.client, s.stopJob = client, func() { stop(); <-done }
	return s, nil
}

func (s *session) stop() {
	if s.web != nil {
		s.web.Close()
	}
	s.stopJob()
	s.world.Close()
}

// scanSamples runs the nightly scan through the job queue and prints what
// it found.
func (s *session) scanSamples(ctx context.Context) error {
	out := s.out
	domains, err := s.st.Domains(ctx, store.DomainFilter{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nscanning against the sandbox registries on loopback (%d requests/s per server, as configured):\n", demoRate)
	fmt.Fprintf(out, "  RDAP: rdap.sidn.nl, rdap.verisign.com → rdap.openprovider.test, rdap.publicinterestregistry.org, rdap.eurid.eu, rdap.denic.de\n")
	fmt.Fprintf(out, "  WHOIS: whois.dns.be (.be has no RDAP here, so WHOIS is the fallback)\n")
	begin := time.Now()
	day := time.Now().In(s.opts.Location).Format(time.DateOnly)
	if _, err := s.client.Insert(ctx, jobs.NightlyScanArgs{Day: day, Now: true}, nil); err != nil {
		return err
	}
	if err := waitForJobs(ctx, s.client, jobs.ScanDomainArgs{}.Kind(), len(domains)); err != nil {
		return err
	}
	fmt.Fprintf(out, "  the nightly scan job planned %d scan jobs; River worked them in %s\n", len(domains), time.Since(begin).Round(100*time.Millisecond))
	if err := printVerdicts(ctx, s.st, out); err != nil {
		return err
	}
	dg, err := scan.ProduceDigestWith(ctx, s.st, s.flow.Adapters, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nstaff digest (afscherm digest):\n")
	var b strings.Builder
	dg.WriteText(&b, s.opts.Location)
	for _, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "  ") && len(dg.NewlyExposed) > 8:
			continue // the list is above already
		case line == "":
			fmt.Fprintln(out)
		default:
			fmt.Fprintf(out, "  %s\n", line)
		}
	}
	return nil
}

// waitForJobs waits until want jobs of a kind have finished.
func waitForJobs(ctx context.Context, client store.JobClient, kind string, want int) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		res, err := client.JobList(ctx, river.NewJobListParams().Kinds(kind).
			States(rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded).First(10000))
		if err != nil {
			return err
		}
		if len(res.Jobs) >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the %s jobs did not finish in time: %d of %d done", kind, len(res.Jobs), want)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// printVerdicts shows each verdict's count, and for the exposed domains
// which fields are visible and whether they are our customer's own — field
// names only: the values are personal data.
func printVerdicts(ctx context.Context, st *store.Store, out io.Writer) error {
	counts, err := st.VerdictCounts(ctx)
	if err != nil {
		return err
	}
	var parts []string
	for _, v := range model.Verdicts {
		parts = append(parts, fmt.Sprintf("%s %d", v, counts[v]))
	}
	fmt.Fprintf(out, "\nverdicts: %s\n", strings.Join(parts, ", "))
	exposed, err := st.Domains(ctx, store.DomainFilter{Verdict: model.VerdictExposed})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nexposed domains (what is visible; * = matches our customer's own data):\n")
	for _, d := range exposed {
		r, err := st.LatestScan(ctx, d.Name)
		if err != nil {
			return err
		}
		var visible []string
		for _, f := range model.Fields {
			v := r.Fields[f]
			if v.State != model.FieldVisible {
				continue
			}
			name := string(f)
			if v.Contact != "" {
				name += " (" + v.Contact + " contact)"
			}
			if matches(r.Match, f) {
				name += "*"
			}
			visible = append(visible, name)
		}
		fmt.Fprintf(out, "  %-38s %-6s %-5s via %-32s %s\n", d.DisplayName(), d.CustomerNumber, r.Source, r.Server, strings.Join(visible, ", "))
	}
	others := map[model.Verdict][]string{}
	all, err := st.Domains(ctx, store.DomainFilter{})
	if err != nil {
		return err
	}
	for _, d := range all {
		if d.LastVerdict != model.VerdictExposed {
			others[d.LastVerdict] = append(others[d.LastVerdict], d.DisplayName())
		}
	}
	for _, v := range []model.Verdict{model.VerdictUndetermined, model.VerdictProxied, model.VerdictRedacted, model.VerdictOrganisation, model.VerdictNotPublished} {
		names, label := others[v], string(v)
		if v == model.VerdictUndetermined {
			if len(names) == 0 {
				continue // nothing to review: no line
			}
			label += " (for staff to review)"
		}
		slices.Sort(names)
		if len(names) > 4 {
			names = append(names[:4], fmt.Sprintf("and %d more", len(others[v])-4))
		}
		fmt.Fprintf(out, "%s: %s\n", label, strings.Join(names, ", "))
	}
	return nil
}

func matches(m *model.Match, f model.Field) bool {
	if m == nil {
		return false
	}
	switch f {
	case model.FieldName, model.FieldOrganisation:
		return m.Name
	case model.FieldEmail:
		return m.Email
	case model.FieldPostalCode:
		return m.PostalCode
	case model.FieldPhone:
		return m.Phone
	}
	return false
}
