package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	prommodel "github.com/prometheus/common/model"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/afscherm/afscherm/internal/lookup"
	"github.com/afscherm/afscherm/internal/lookup/rdap"
	"github.com/afscherm/afscherm/internal/lookup/whois"
	"github.com/afscherm/afscherm/internal/metrics"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/ratelimit"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// *Metrics is what the scanner, the lookups and the rate limiter report to.
var (
	_ scan.Observer      = (*metrics.Metrics)(nil)
	_ lookup.Observer    = (*metrics.Metrics)(nil)
	_ ratelimit.Observer = (*metrics.Metrics)(nil)
)

// The sandbox's servers, as sandbox.Standard starts them.
var (
	rdapHosts = []string{"rdap.sidn.nl", "rdap.verisign.com", "rdap.openprovider.test",
		"rdap.publicinterestregistry.org", "rdap.eurid.eu", "rdap.denic.de"}
	whoisHosts = []string{"whois.domain-registry.nl", "whois.verisign-grs.com", "whois.publicinterestregistry.org",
		"whois.eu", "whois.dns.be", "whois.denic.de"}
)

// waitingArgs is a job kind of this test's own, which no worker takes.
type waitingArgs struct{}

func (waitingArgs) Kind() string { return "metrics_test_waiting" }

// TestScrape scans the sample domains against the sandbox's registries with
// every hook on, then reads /metrics: the scans, the lookups each server
// saw, the rate limits, the requests, the domains and the jobs must all
// be there as they happened.
func TestScrape(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		e := requeststest.New(t, url) // the samples, scanned once without metrics

		// Requests in three states.
		wantRequests := map[model.RequestState]int{}
		domains, err := e.Store.Domains(ctx, store.DomainFilter{Verdict: model.VerdictExposed})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range domains {
			n := wantRequests[model.StateQuoted] + wantRequests[model.StateAwaitingApproval] + wantRequests[model.StateCancelled]
			if n == 3 {
				break
			}
			r, err := e.Service.Create(ctx, d.Name, requeststest.Staff, requests.CreateOptions{Draft: n == 0})
			var refusal *requests.Refusal
			if errors.As(err, &refusal) {
				continue // no adapter or no price for it
			}
			if err != nil {
				t.Fatal(err)
			}
			if n == 2 {
				if r, err = e.Service.Cancel(ctx, r.ID, requeststest.Staff, "a test", false); err != nil {
					t.Fatal(err)
				}
			}
			wantRequests[r.State]++
		}
		if len(wantRequests) != 3 {
			t.Fatalf("requests made: %v", wantRequests)
		}

		// Two domains that cannot be classified: one the registry does not
		// know, one under a TLD whose WHOIS server is off the sandbox's
		// network.
		some, err := e.Store.Domains(ctx, store.DomainFilter{})
		if err != nil || len(some) == 0 {
			t.Fatal(err)
		}
		if err := e.Store.InTx(ctx, func(tx *store.Tx) error {
			for _, name := range []string{"nooitgeregistreerd.nl", "elders.fr"} {
				d := &model.Domain{Name: name, CustomerID: some[0].CustomerID, Registrar: some[0].Registrar, AddedOn: some[0].AddedOn}
				if err := tx.InsertDomain(ctx, d); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		// Jobs: one to be worked now, which waits while the scans run;
		// after them two more, and two due in an hour.
		client, err := e.Store.NewJobClient(&river.Config{})
		if err != nil {
			t.Fatal(err)
		}
		queue := func(opts ...*river.InsertOpts) {
			t.Helper()
			for _, o := range opts {
				if _, err := client.Insert(ctx, waitingArgs{}, o); err != nil {
					t.Fatal(err)
				}
			}
		}
		queuing := time.Now()
		queue(nil)
		queued := time.Now()

		// Scan every domain again, now with metrics.
		m := metrics.New()
		if err := m.WatchStore(e.Store, nil); err != nil {
			t.Fatal(err)
		}
		limiter := ratelimit.New(ratelimit.Limits{Default: 10_000})
		limiter.SetObserver(m)
		rcfg, err := e.World.RDAPConfig()
		if err != nil {
			t.Fatal(err)
		}
		rcfg.Limiter, rcfg.Observer = limiter, m
		wcfg := e.World.WHOISConfig()
		wcfg.Limiter, wcfg.Observer = limiter, m
		scanner := &scan.Scanner{Store: e.Store, RDAP: rdap.New(rcfg), WHOIS: whois.New(wcfg), Observer: m}

		before := served(e.World)
		all, err := e.Store.Domains(ctx, store.DomainFilter{})
		if err != nil {
			t.Fatal(err)
		}
		wantScans := map[string]int{}
		wantDomains := map[string]int{}
		byWHOIS := map[string]map[string]int{} // WHOIS answers, by host and status
		var nl []string
		for _, d := range all {
			r, err := scanner.Scan(ctx, d.Name)
			if re, ok := scan.IsRetry(err); ok {
				r, err = scanner.RecordFailure(ctx, d.Name, re.Failure) // as the scan job does after its retries
			}
			if err != nil {
				t.Fatalf("%s: %v", d.Name, err)
			}
			wantScans[scanKey(r)]++
			if r.Source == model.SourceWHOIS {
				if byWHOIS[r.Server] == nil {
					byWHOIS[r.Server] = map[string]int{}
				}
				byWHOIS[r.Server][string(r.Status)]++ // the scan's status, ok or not_registered, is its query's
			}
			if !d.Active() {
				continue
			}
			if r.Status == model.ScanOK {
				wantDomains[string(r.Verdict)]++
			} else {
				wantDomains[metrics.NoVerdict]++
			}
			if d.TLD() == "nl" {
				nl = append(nl, d.Name)
			}
		}
		// SIDN's RDAP server now takes one request and refuses the next
		// with a 429 and Retry-After: 1; that scan is put off, not
		// recorded. The third waits out that second.
		sidn := e.World.RDAPServer("rdap.sidn.nl")
		sidn.SetRate(0.001)
		for i, name := range nl[:3] {
			if i == 2 {
				sidn.SetRate(0)
			}
			r, err := scanner.Scan(ctx, name)
			if _, retry := scan.IsRetry(err); retry {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			wantScans[scanKey(r)]++
		}
		after := served(e.World)

		inAnHour := &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)}
		queue(nil, nil, inAnHour, inAnHour)
		inQueue, err := client.JobList(ctx, river.NewJobListParams().First(10_000).States(rivertype.JobStateAvailable,
			rivertype.JobStateScheduled, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable,
			rivertype.JobStateDiscarded, rivertype.JobStateCancelled))
		if err != nil {
			t.Fatal(err)
		}

		scraping := time.Now()
		fams := scrape(t, m.Handler())
		scraped := time.Now()

		t.Run("scans", func(t *testing.T) {
			for _, k := range []string{"ok/exposed/", "not_registered//", "failed//connection"} {
				if wantScans[k] == 0 {
					t.Errorf("no scan %s in %v", k, wantScans)
				}
			}
			got := map[string]int{}
			for _, s := range family(t, fams, "afscherm_scans_total").Metric {
				got[label(s, "status")+"/"+label(s, "verdict")+"/"+label(s, "failure")] += int(s.Counter.GetValue())
			}
			for k, n := range wantScans {
				if got[k] != n {
					t.Errorf("scans %s: %d, recorded %d", k, got[k], n)
				}
			}
			for k, n := range got {
				if n != wantScans[k] {
					t.Errorf("scans %s: %d, recorded %d", k, n, wantScans[k])
				}
			}
		})

		t.Run("lookups", func(t *testing.T) {
			lookups := family(t, fams, "afscherm_lookups_total")
			waits := family(t, fams, "afscherm_ratelimit_wait_seconds")
			total := map[string]int{}
			for _, source := range []struct {
				name  string
				hosts []string
			}{{"rdap", rdapHosts}, {"whois", whoisHosts}} {
				for _, host := range source.hosts {
					want := after[host].sub(before[host])
					if source.name == "whois" {
						want.statuses = byWHOIS[host] // the fake WHOIS servers keep no log of their answers
					}
					got := map[string]int{}
					for _, s := range lookups.Metric {
						if label(s, "server") == host && label(s, "source") == source.name {
							got[label(s, "status")] += int(s.Counter.GetValue())
						}
					}
					if !sameCounts(got, want.statuses) {
						t.Errorf("%s: counted %v, the server saw %v", host, got, want.statuses)
					}
					if n := sampleCount(waits, "host", host); n != want.requests {
						t.Errorf("%s: %d waits for the rate limit, %d requests", host, n, want.requests)
					}
					total[source.name] += want.requests
				}
				if source.name == "whois" {
					// elders.fr's WHOIS server, off the network: one
					// attempt, which waited its turn and failed.
					got := map[string]int{}
					for _, s := range lookups.Metric {
						if label(s, "server") == "whois.nic.fr" {
							got[label(s, "source")+"/"+label(s, "status")] += int(s.Counter.GetValue())
						}
					}
					if len(got) != 1 || got["whois/"+lookup.ReasonConnection] != 1 || sampleCount(waits, "host", "whois.nic.fr") != 1 {
						t.Errorf("whois.nic.fr: %v", got)
					}
					total["whois"]++
				}
				if n := sampleCount(family(t, fams, "afscherm_lookup_seconds"), "source", source.name); n != total[source.name] {
					t.Errorf("%s: %d exchanges timed, %d requests", source.name, n, total[source.name])
				}
			}
			if total["rdap"] < len(all) || total["whois"] == 0 {
				t.Errorf("requests seen: %v", total)
			}
			for _, s := range lookups.Metric {
				if server := label(s, "server"); !slices.Contains(rdapHosts, server) && !slices.Contains(whoisHosts, server) && server != "whois.nic.fr" {
					t.Errorf("a lookup to %s, which is not one of the servers", label(s, "server"))
				}
			}
		})

		t.Run("rate limits", func(t *testing.T) {
			limited := int(after["rdap.sidn.nl"].statuses[lookup.ReasonRateLimited] - before["rdap.sidn.nl"].statuses[lookup.ReasonRateLimited])
			if limited == 0 {
				t.Fatal("SIDN refused nothing")
			}
			if n := counterSum(family(t, fams, "afscherm_ratelimit_penalties_total"), "host", "rdap.sidn.nl"); n != limited {
				t.Errorf("%d penalties for rdap.sidn.nl, %d refusals", n, limited)
			}
			for _, s := range family(t, fams, "afscherm_ratelimit_wait_seconds").Metric {
				waited := s.Histogram.GetSampleSum()
				if host := label(s, "host"); host == "rdap.sidn.nl" && waited < 0.9 {
					t.Errorf("%s: waited %.2fs after its Retry-After: 1", host, waited)
				} else if host != "rdap.sidn.nl" && waited > 0.5 {
					t.Errorf("%s: waited %.2fs, with no penalty", host, waited)
				}
			}
		})

		t.Run("requests", func(t *testing.T) {
			got := gauges(family(t, fams, "afscherm_requests"), "state")
			if len(got) != len(model.RequestStates) {
				t.Errorf("states: %v", got)
			}
			for _, s := range model.RequestStates {
				if got[string(s)] != wantRequests[s] {
					t.Errorf("requests %s: %v, made %d", s, got[string(s)], wantRequests[s])
				}
			}
		})

		t.Run("domains", func(t *testing.T) {
			got := gauges(family(t, fams, "afscherm_domains"), "verdict")
			if len(got) != len(model.Verdicts)+1 {
				t.Errorf("verdicts: %v", got)
			}
			for v, n := range wantDomains {
				if got[v] != n {
					t.Errorf("domains %s: %v, scanned %d", v, got[v], n)
				}
			}
		})

		t.Run("jobs", func(t *testing.T) {
			jobs := family(t, fams, "afscherm_jobs")
			var sum int
			for _, s := range jobs.Metric {
				sum += int(s.Gauge.GetValue())
			}
			if sum != len(inQueue.Jobs) {
				t.Errorf("%d jobs counted, %d in the queue", sum, len(inQueue.Jobs))
			}
			kind := waitingArgs{}.Kind()
			for state, want := range map[string]int{"available": 3, "scheduled": 2} {
				if n := gaugeOf(jobs, map[string]string{"kind": kind, "state": state}); n != float64(want) {
					t.Errorf("%s jobs: %v, want %d", state, n, want)
				}
			}
			wait := gaugeOf(family(t, fams, "afscherm_job_wait_seconds"), map[string]string{"kind": kind})
			// Between the end of queueing and the scrape, and the start of
			// each; a quarter second either way for the database's clock.
			low, high := scraping.Sub(queued).Seconds()-0.25, scraped.Sub(queuing).Seconds()+0.25
			if wait < low || wait > high || low < 0.5 {
				t.Errorf("the oldest job waits %.3fs, want %.3fs to %.3fs", wait, low, high)
			}
		})

		if up := gaugeOf(family(t, fams, "afscherm_store_up"), nil); up != 1 {
			t.Errorf("store_up = %v", up)
		}
		family(t, fams, "go_goroutines")
		family(t, fams, "process_cpu_seconds_total")
	})
}

func TestStoreDown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		m := metrics.New()
		if err := m.WatchStore(st, nil); err != nil {
			t.Fatal(err)
		}
		if up := gaugeOf(family(t, scrape(t, m.Handler()), "afscherm_store_up"), nil); up != 1 {
			t.Fatalf("store_up = %v with the database open", up)
		}
		st.Close()
		fams := scrape(t, m.Handler())
		if up := gaugeOf(family(t, fams, "afscherm_store_up"), nil); up != 0 {
			t.Errorf("store_up = %v with the database closed", up)
		}
		if _, ok := fams["afscherm_requests"]; ok {
			t.Error("requests counted with the database closed")
		}
	})
}

// TestUndetermined: a domain whose last scan is undetermined is counted
// under that verdict, in the domains read from the database and in the
// scans observed; before any such scan its series is there at zero.
func TestUndetermined(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		m := metrics.New()
		if err := m.WatchStore(st, nil); err != nil {
			t.Fatal(err)
		}
		fams := scrape(t, m.Handler())
		if n := gaugeOf(family(t, fams, "afscherm_domains"), map[string]string{"verdict": "undetermined"}); n != 0 {
			t.Errorf("undetermined domains before any scan: %v", n)
		}
		if !hasSeries(family(t, fams, "afscherm_scans_total"), "verdict", "undetermined") {
			t.Error("no undetermined series of scans before the first")
		}

		r := model.ScanResult{Domain: "onbepaald.nl", Source: model.SourceWHOIS, Status: model.ScanOK,
			Classification: model.Classification{Verdict: model.VerdictUndetermined}}
		err := st.InTx(ctx, func(tx *store.Tx) error {
			c := model.Customer{Number: "M1", Name: "Jan de Vries", Kind: model.CustomerPerson, Email: "jan@example.nl",
				Country: "NL", Language: model.LanguageDutch}
			if err := tx.InsertCustomer(ctx, &c); err != nil {
				return err
			}
			if err := tx.InsertDomain(ctx, &model.Domain{Name: r.Domain, CustomerID: c.ID, Registrar: "sidn", AddedOn: model.NewDate(2026, 1, 1)}); err != nil {
				return err
			}
			_, err := tx.RecordScan(ctx, &r)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		m.ObserveScan(r)

		fams = scrape(t, m.Handler())
		if n := gaugeOf(family(t, fams, "afscherm_domains"), map[string]string{"verdict": "undetermined"}); n != 1 {
			t.Errorf("undetermined domains: %v, want 1", n)
		}
		if n := gaugeOf(family(t, fams, "afscherm_domains"), map[string]string{"verdict": metrics.NoVerdict}); n != 0 {
			t.Errorf("domains without a verdict: %v, want 0", n)
		}
		if n := counterSum(family(t, fams, "afscherm_scans_total"), "verdict", "undetermined"); n != 1 {
			t.Errorf("undetermined scans: %d, want 1", n)
		}
	})
}

// hasSeries reports whether the family has a series with the label's value.
func hasSeries(f *dto.MetricFamily, name, value string) bool {
	for _, m := range f.Metric {
		if label(m, name) == value {
			return true
		}
	}
	return false
}

func TestHostLabelsAreBounded(t *testing.T) {
	m := metrics.New()
	for i := range 300 {
		m.ObserveLookup(model.SourceRDAP, "rdap"+strings.Repeat("x", i%250)+".example", lookup.StatusOK)
	}
	m.ObservePenalty("RDAP.example.")
	fams := scrape(t, m.Handler())
	servers := map[string]bool{}
	var sum int
	for _, s := range family(t, fams, "afscherm_lookups_total").Metric {
		servers[label(s, "server")] = true
		sum += int(s.Counter.GetValue())
	}
	if len(servers) != 201 || !servers[metrics.OtherHost] || sum != 300 {
		t.Errorf("%d server labels (other: %v), %d lookups", len(servers), servers[metrics.OtherHost], sum)
	}
	if n := counterSum(family(t, fams, "afscherm_ratelimit_penalties_total"), "host", "rdap.example"); n != 1 {
		t.Errorf("penalties under the host's plain name: %d", n)
	}
}

func TestNilMetricsObserveNothing(t *testing.T) {
	var m *metrics.Metrics
	m.ObserveScan(model.ScanResult{Status: model.ScanOK})
	m.ObserveLookup(model.SourceWHOIS, "whois.example", lookup.StatusOK)
	m.ObserveLookupTime(model.SourceWHOIS, time.Second)
	m.ObserveWait("whois.example", time.Second)
	m.ObserveDeferral("whois.example")
	m.ObservePenalty("whois.example")
}

func scanKey(r model.ScanResult) string {
	switch r.Status {
	case model.ScanOK:
		return string(r.Status) + "/" + string(r.Verdict) + "/"
	case model.ScanFailed:
		return string(r.Status) + "//" + r.FailureReason
	}
	return string(r.Status) + "//"
}

// serverLog is what one fake server saw: requests, and their ends as a
// lookup status.
type serverLog struct {
	requests int
	statuses map[string]int
}

func (a serverLog) sub(b serverLog) serverLog {
	out := serverLog{requests: a.requests - b.requests, statuses: map[string]int{}}
	for k, n := range a.statuses {
		if d := n - b.statuses[k]; d != 0 {
			out.statuses[k] = d
		}
	}
	return out
}

// served reads what every server of the world has seen so far.
func served(w *sandbox.World) map[string]serverLog {
	out := map[string]serverLog{}
	for _, host := range rdapHosts {
		l := serverLog{statuses: map[string]int{}}
		for _, h := range w.RDAPServer(host).Hits() {
			switch h.Status {
			case http.StatusOK:
				l.statuses[lookup.StatusOK]++
			case http.StatusNotFound:
				l.statuses[lookup.ReasonNotRegistered]++
			case http.StatusTooManyRequests:
				l.statuses[lookup.ReasonRateLimited]++
			default:
				l.statuses[http.StatusText(h.Status)]++
			}
		}
		l.requests = int(w.RDAPServer(host).Requests())
		out[host] = l
	}
	for _, host := range whoisHosts {
		out[host] = serverLog{requests: int(w.WHOISServer(host).Queries())}
	}
	return out
}

// sameCounts compares counts by status.
func sameCounts(got, want map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// scrape GETs the handler and parses what it serves.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %s, %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(prommodel.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

func family(t *testing.T, fams map[string]*dto.MetricFamily, name string) *dto.MetricFamily {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no %s", name)
	}
	return f
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func gauges(f *dto.MetricFamily, by string) map[string]int {
	out := map[string]int{}
	for _, m := range f.Metric {
		out[label(m, by)] = int(m.Gauge.GetValue())
	}
	return out
}

// gaugeOf is the value of the one gauge with the labels given; -1 if none.
func gaugeOf(f *dto.MetricFamily, labels map[string]string) float64 {
next:
	for _, m := range f.Metric {
		for k, v := range labels {
			if label(m, k) != v {
				continue next
			}
		}
		return m.Gauge.GetValue()
	}
	return -1
}

func counterSum(f *dto.MetricFamily, name, value string) int {
	var n int
	for _, m := range f.Metric {
		if label(m, name) == value {
			n += int(m.Counter.GetValue())
		}
	}
	return n
}

func sampleCount(f *dto.MetricFamily, name, value string) int {
	var n int
	for _, m := range f.Metric {
		if label(m, name) == value {
			n += int(m.Histogram.GetSampleCount())
		}
	}
	return n
}
