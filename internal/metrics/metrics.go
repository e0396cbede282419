// Package metrics exposes afscherm's Prometheus metrics: scans by verdict
// and failure, lookups by server and status, time spent waiting for rate
// limits, and — read from the database at each scrape — requests by state,
// domains by verdict and the job queue.
//
// A *Metrics is the observer that the scanner, the RDAP and WHOIS clients
// and the rate limiter report to; their hooks are interfaces of their own,
// so that none of them depends on Prometheus. No label ever holds a
// customer's domain name: servers are registries' and registrars' host
// names.
package metrics

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/afscherm/afscherm/internal/model"
)

// maxHosts bounds the host names used as label values. Registries and the
// registrars they link to are a few dozen; a registry that links to ever
// new hosts must not grow the metrics without end, so past the bound
// hosts are counted as OtherHost.
const maxHosts = 200

// OtherHost is the host label of hosts past the bound.
const OtherHost = "other"

// Metrics holds afscherm's metrics in a registry of their own. Its Observe
// methods do nothing on a nil *Metrics.
type Metrics struct {
	reg *prometheus.Registry

	scans      *prometheus.CounterVec
	lookups    *prometheus.CounterVec
	lookupTime *prometheus.HistogramVec
	waits      *prometheus.HistogramVec
	deferrals  *prometheus.CounterVec
	penalties  *prometheus.CounterVec

	mu    sync.Mutex
	hosts map[string]bool
}

// New returns the metrics, with the Go runtime's and the process's.
func New() *Metrics {
	m := &Metrics{
		reg:   prometheus.NewRegistry(),
		hosts: map[string]bool{},
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "afscherm_scans_total",
			Help: "Scans recorded, by status (ok, not_registered, failed), verdict (when ok) and failure reason (when failed).",
		}, []string{"status", "verdict", "failure"}),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "afscherm_lookups_total",
			Help: "Requests sent to RDAP and WHOIS servers, by server host, source (rdap, whois) and status (ok or the failure reason).",
		}, []string{"server", "source", "status"}),
		lookupTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "afscherm_lookup_seconds",
			Help:    "Time of one exchange with an RDAP or WHOIS server, from connecting to the end of its answer, without the rate limit's wait.",
			Buckets: []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30},
		}, []string{"source"}),
		waits: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "afscherm_ratelimit_wait_seconds",
			Help:    "Time a request waited for its host's rate limit, zero when it could go at once.",
			Buckets: []float64{0.001, 0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"host"}),
		deferrals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "afscherm_ratelimit_deferrals_total",
			Help: "Requests put aside for later because the rate limit would have kept them waiting too long.",
		}, []string{"host"}),
		penalties: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "afscherm_ratelimit_penalties_total",
			Help: "Slow-downs a host asked for, by answering 429 or 503 or saying so in WHOIS.",
		}, []string{"host"}),
	}
	// Every verdict from the start, so that rates work from the first scan.
	for _, v := range model.Verdicts {
		m.scans.WithLabelValues(string(model.ScanOK), string(v), "")
	}
	m.reg.MustRegister(m.scans, m.lookups, m.lookupTime, m.waits, m.deferrals, m.penalties,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's exposition format, for
// /metrics. A part that cannot be gathered is left out; the rest is served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ObserveScan counts a recorded scan; it makes *Metrics a scan.Observer.
func (m *Metrics) ObserveScan(r model.ScanResult) {
	if m == nil {
		return
	}
	var verdict, failure string
	switch r.Status {
	case model.ScanOK:
		verdict = string(r.Verdict)
	case model.ScanFailed:
		failure = r.FailureReason
	}
	m.scans.WithLabelValues(string(r.Status), verdict, failure).Inc()
}

// ObserveLookup counts a request to a server; with ObserveLookupTime it
// makes *Metrics a lookup.Observer.
func (m *Metrics) ObserveLookup(source model.Source, server, status string) {
	if m == nil {
		return
	}
	m.lookups.WithLabelValues(m.host(server), string(source), status).Inc()
}

// ObserveLookupTime records the time of one exchange with a server.
func (m *Metrics) ObserveLookupTime(source model.Source, took time.Duration) {
	if m == nil {
		return
	}
	m.lookupTime.WithLabelValues(string(source)).Observe(took.Seconds())
}

// ObserveWait records a rate limit's wait; with ObserveDeferral and
// ObservePenalty it makes *Metrics a ratelimit.Observer.
func (m *Metrics) ObserveWait(host string, waited time.Duration) {
	if m == nil {
		return
	}
	m.waits.WithLabelValues(m.host(host)).Observe(waited.Seconds())
}

// ObserveDeferral counts a request put aside for the rate limit.
func (m *Metrics) ObserveDeferral(host string) {
	if m == nil {
		return
	}
	m.deferrals.WithLabelValues(m.host(host)).Inc()
}

// ObservePenalty counts a slow-down a host asked for.
func (m *Metrics) ObservePenalty(host string) {
	if m == nil {
		return
	}
	m.penalties.WithLabelValues(m.host(host)).Inc()
}

// host is the label value for a host name: the name in lower case, or
// OtherHost once maxHosts others have been seen.
func (m *Metrics) host(name string) string {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hosts[name] {
		return name
	}
	if len(m.hosts) >= maxHosts {
		return OtherHost
	}
	m.hosts[name] = true
	return name
}
