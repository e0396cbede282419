package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/jobs"
	"github.com/afscherm/afscherm/internal/metrics"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/web"
)

type serveCmd struct {
	Addr              string   `default:"127.0.0.1:8080" placeholder:"HOST:PORT" help:"Where to listen for HTTP."`
	TrustForwardedFor bool     `name:"trust-forwarded-for" help:"Take client addresses from X-Forwarded-For, behind a proxy that appends to it: the rightmost entry that is not a trusted proxy."`
	TrustedProxy      []string `name:"trusted-proxy" placeholder:"CIDR" help:"A proxy (address or range) whose X-Forwarded-For entries are believed, with --trust-forwarded-for (repeatable; default 127.0.0.0/8 and ::1)."`
	MaxConnections    int      `name:"max-connections" default:"512" help:"How many HTTP connections may be open at once; more wait until one closes."`
	MetricsAddr       string   `name:"metrics-addr" placeholder:"HOST:PORT" help:"Also serve Prometheus metrics at /metrics on this separate, private address (on the main address they need a staff token)."`
	lookupFlags
	scheduleFlags
	flowFlags
}

func (c serveCmd) Run(e *env) error {
	if err := c.flowFlags.customerSafe(); err != nil { // before the stand-in below
		return err
	}
	if c.PublicURL == "" { // only with --allow-local-links
		c.PublicURL = "http://" + c.Addr
	}
	proxies, err := trustedProxies(c.TrustedProxy, c.TrustForwardedFor)
	if err != nil {
		return err
	}
	if c.MaxConnections < 1 {
		return usagef("--max-connections must be at least 1")
	}
	limits := web.DefaultLimits
	limits.MaxConnections = c.MaxConnections
	return runServer(e, serverSetup{addr: c.Addr, full: true, trustForwardedFor: c.TrustForwardedFor, trustedProxies: proxies,
		limits: limits, metricsAddr: c.MetricsAddr, lookup: c.lookupFlags, schedule: c.scheduleFlags, flow: c.flowFlags})
}

// trustedProxies reads --trusted-proxy: ranges (CIDR) or single addresses.
func trustedProxies(list []string, trust bool) ([]netip.Prefix, error) {
	if len(list) > 0 && !trust {
		return nil, usagef("--trusted-proxy needs --trust-forwarded-for")
	}
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, usagef("--trusted-proxy %q is neither an address range (CIDR, e.g. 10.0.0.0/8) nor an address", s)
		}
		a = a.Unmap().WithZone("")
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

type workerCmd struct {
	Addr        string `placeholder:"HOST:PORT" help:"Also serve /healthz and /readyz here, for a supervisor (default: no HTTP)."`
	MetricsAddr string `name:"metrics-addr" placeholder:"HOST:PORT" help:"Serve this process's Prometheus metrics at /metrics on this private address."`
	lookupFlags
	scheduleFlags
	flowFlags
}

func (c workerCmd) Run(e *env) error {
	if err := c.flowFlags.customerSafe(); err != nil { // before the database is opened
		return err
	}
	return runServer(e, serverSetup{addr: c.Addr, metricsAddr: c.MetricsAddr, lookup: c.lookupFlags, schedule: c.scheduleFlags,
		flow: c.flowFlags})
}

// serverSetup is what serve and worker differ in.
type serverSetup struct {
	addr              string
	full              bool // the whole site, not only health checks
	trustForwardedFor bool
	trustedProxies    []netip.Prefix // nil: web's default, the loopback range
	limits            web.Limits     // zero: web.DefaultLimits
	metricsAddr       string
	lookup            lookupFlags
	schedule          scheduleFlags
	flow              flowFlags
}

// runServer works jobs until the context ends, and serves HTTP on addr when
// given: the whole of afscherm for serve, only health checks for worker.
func runServer(e *env, setup serverSetup) error {
	addr, lf, sf, full := setup.addr, setup.lookup, setup.schedule, setup.full
	settings, err := sf.settings()
	if err != nil {
		return err
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	m := metrics.New()
	if full { // the database-wide gauges, from one process only
		if err := m.WatchStore(st, e.log); err != nil {
			return err
		}
	}
	scanner, limiter, err := lf.scanner(st, e, settings.MaxLookupWait, m)
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(e.ctx)
	defer stop()
	part := scan.Participate(ctx, st, limiter, e.log, sf.Heartbeat)
	defer part.Stop()
	fl, err := setup.flow.build(e, st, scanner)
	if err != nil {
		return err
	}
	client, err := jobs.NewClient(jobs.Deps{ID: part.ID, Store: st, Scanner: scanner, Requests: fl.requests, Outbox: fl.outbox, MailDir: fl.mailDir,
		Log: e.log, RiverLog: e.jobLog, Settings: settings, Rates: limiter.Configured})
	if err != nil {
		return err
	}
	var jobsRunning web.Flag
	var httpErr chan error
	var srv *http.Server
	if addr != "" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", addr, err)
		}
		deps := web.Deps{Store: st, Log: e.log, JobsRunning: jobsRunning.Get, Limits: setup.limits}
		if full {
			deps.Requests, deps.Company, deps.TrustForwardedFor = fl.requests, setup.flow.Company, setup.trustForwardedFor
			deps.TrustedProxies = setup.trustedProxies
			deps.Jobs, deps.SecureCookies, deps.Metrics = client, strings.HasPrefix(fl.requests.PublicURL, "https://"), m.Handler()
			if deps.RiverUI, err = web.NewRiverUI(ctx, client, e.jobLog); err != nil {
				return err
			}
		}
		srv = setup.limits.HTTPServer(web.NewServer(deps))
		httpErr = make(chan error, 1)
		go func() { httpErr <- srv.Serve(setup.limits.Listener(l)) }()
		e.log.Info("listening", "addr", l.Addr().String())
		fmt.Fprintf(e.stdout, "listening on http://%s\n", l.Addr())
	}
	if setup.metricsAddr != "" {
		ml, err := net.Listen("tcp", setup.metricsAddr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", setup.metricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		msrv := setup.limits.HTTPServer(mux)
		go msrv.Serve(setup.limits.Listener(ml)) //nolint:errcheck // ends with Close below
		defer msrv.Close()
		e.log.Info("metrics", "addr", ml.Addr().String())
		fmt.Fprintf(e.stdout, "metrics on http://%s/metrics\n", ml.Addr())
	}
	role := "worker"
	if full {
		role = "server"
	}
	fmt.Fprintf(e.stdout, "afscherm %s on %s; %s; %s\n", role, st.Describe(), describeSchedule(settings), describeMail(fl.outbox))

	var jobsDone <-chan struct{}
	select {
	case <-part.Ready():
	case <-ctx.Done():
	}
	if ctx.Err() == nil {
		jobsDone, err = jobs.Start(ctx, client, 30*time.Second, e.log)
		if err != nil {
			return err
		}
		jobsRunning.Set(true)
		e.log.Info("working jobs", "worker", part.ID, "share_of_rate_limits", fmt.Sprintf("1/%d", limiter.Share()))
	}

	select {
	case <-ctx.Done():
	case err = <-httpErr:
		stop()
	}
	e.log.Info("shutting down")
	jobsRunning.Set(false)
	if srv != nil {
		shut, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}
	if jobsDone != nil {
		<-jobsDone
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
