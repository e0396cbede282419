// Package rdap looks domains up in RDAP (RFC 9082/9083) with
// github.com/openrdap/rdap: the registry's server from IANA's bootstrap
// file, then — for thin registries such as .com — the registrar's server
// that the registry's answer links to. Every request waits its turn at the
// host's rate limit, is bounded in time and capped at 1 MiB. Links and
// redirects are followed over https only (plain http only to the hosts the
// bootstrap names), at most MaxRedirects deep, and never to a loopback,
// private or link-local address unless Config.PrivateHosts allows the host.
package rdap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	ordap "github.com/openrdap/rdap"

	"github.com/afscherm/afscherm/internal/lookup"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/ratelimit"
)

// Config sets up a Client.
type Config struct {
	Bootstrap string // URL or file of IANA's dns.json; DefaultBootstrap when empty
	CacheDir  string // where a downloaded bootstrap file is kept; none when empty

	Dial    lookup.Dialer  // nil: the system's network; either way guarded by PrivateHosts
	RootCAs *x509.CertPool // nil: the system's roots
	Timeout time.Duration  // per request; 15 s when zero
	// PrivateHosts may be reached on loopback, private and link-local
	// addresses (a mirror; the fake servers of tests and the demo); every
	// other host must be on public addresses only.
	PrivateHosts lookup.PrivateHosts

	Limiter *ratelimit.Limiter // nil: no rate limit
	// MaxWait is the longest a request waits for its host's rate limit;
	// past it the lookup fails as rate_limited, to be retried later. 0 waits.
	MaxWait   time.Duration
	UserAgent string

	Observer lookup.Observer // told about every request, for metrics; nil: none
}

// Client looks domains up.
type Client struct {
	cfg       Config
	http      *http.Client
	rdap      *ordap.Client
	bootstrap *Bootstrap
}

// New returns a client.
func New(cfg Config) *Client {
	if cfg.Timeout == 0 {
		cfg.Timeout = 15 * time.Second
	}
	if cfg.Dial == nil {
		cfg.Dial = lookup.SafeDialer(cfg.Timeout, cfg.PrivateHosts)
	} else {
		cfg.Dial = lookup.Guard(cfg.Dial, cfg.PrivateHosts)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "afscherm (registration privacy check)"
	}
	transport := &http.Transport{
		DialContext:           cfg.Dial,
		TLSClientConfig:       &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
	}
	c := &Client{cfg: cfg}
	c.http = &http.Client{
		Transport: &limitedTransport{next: transport, limiter: cfg.Limiter, maxWait: cfg.MaxWait, observer: cfg.Observer},
		Timeout:   cfg.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return &lookup.RefusedError{Host: req.URL.Hostname(), Why: fmt.Sprintf("more than %d redirects", MaxRedirects)}
			}
			return c.followable(req.URL, "a redirect")
		},
	}
	c.rdap = &ordap.Client{HTTP: c.http, UserAgent: cfg.UserAgent}
	c.bootstrap = NewBootstrap(cfg.Bootstrap, cfg.CacheDir, c.http)
	return c
}

// MaxRedirects is how many redirects one request follows.
const MaxRedirects = 5

// followable refuses a link or redirect that is not https, unless its host
// is one the bootstrap names (the operator's own choice).
func (c *Client) followable(u *url.URL, what string) error {
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && c.bootstrap.Listed(u.Hostname()):
		return nil
	}
	return &lookup.RefusedError{Host: u.Hostname(), Why: what + " to " + u.Scheme + ": only https links are followed, plain http only to hosts in the bootstrap file"}
}

// Answer is the RDAP answer that says who registered a domain.
type Answer struct {
	Server   string // the host whose answer Body is
	URL      string
	Body     []byte
	Registry string // the registry's host, when Body is a registrar's answer it linked to
}

// Lookup asks the registry's RDAP server about domain, and the registrar's
// when the registry's answer has no registrant and links to one. Errors are
// *lookup.Failure.
func (c *Client) Lookup(ctx context.Context, domain string) (Answer, error) {
	servers, err := c.bootstrap.Servers(ctx, domain)
	if err != nil {
		return Answer{}, lookup.Fail("", lookup.ReasonNoService, err)
	}
	if len(servers) == 0 {
		return Answer{}, &lookup.Failure{Reason: lookup.ReasonNoService, Detail: "no RDAP service for ." + tldOf(domain)}
	}
	var answer Answer
	var lastErr error
	for _, server := range servers {
		req := ordap.NewDomainRequest(domain).WithServer(server).WithContext(ctx)
		answer, lastErr = c.get(req)
		if lastErr == nil {
			break
		}
		if f, ok := lookup.AsFailure(lastErr); ok && (f.Reason == lookup.ReasonNotRegistered || f.Reason == lookup.ReasonRateLimited) {
			return Answer{}, lastErr
		}
	}
	if lastErr != nil {
		return Answer{}, lastErr
	}
	registryURL, _ := url.Parse(answer.URL)
	link := registrarLink(answer.Body, registryURL)
	if link == nil {
		return answer, nil
	}
	if err := c.followable(link, "the registry's link"); err != nil {
		r, _ := lookup.AsRefused(err)
		return Answer{}, lookup.Refused(r)
	}
	registrar, err := c.get(ordap.NewRawRequest(link).WithContext(ctx))
	if err != nil {
		return Answer{}, err
	}
	registrar.Registry = answer.Server
	return registrar, nil
}

// get runs one request and turns what came back into an Answer or a
// Failure, and counts it unless our own rate limit kept it from going out.
func (c *Client) get(req *ordap.Request) (Answer, error) {
	a, err := c.exchange(req)
	var tl *ratelimit.TooLongError
	if c.cfg.Observer != nil && !errors.As(err, &tl) {
		c.cfg.Observer.ObserveLookup(model.SourceRDAP, req.URL().Hostname(), lookup.Status(err))
	}
	return a, err
}

func (c *Client) exchange(req *ordap.Request) (Answer, error) {
	u := req.URL()
	host := u.Hostname()
	resp, err := c.rdap.Do(req)
	if resp == nil || len(resp.HTTP) == 0 {
		return Answer{}, lookup.Fail(host, "", err)
	}
	h := resp.HTTP[len(resp.HTTP)-1]
	if r, ok := lookup.AsRefused(h.Error); ok {
		return Answer{}, lookup.Refused(r) // a redirect not followed, or an address not dialled
	}
	if h.Response == nil {
		return Answer{}, transportFailure(host, h.Error)
	}
	status := h.Response.StatusCode
	switch {
	case status == http.StatusNotFound:
		return Answer{}, &lookup.Failure{Reason: lookup.ReasonNotRegistered, Host: host}
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		wait := lookup.ParseRetryAfter(h.Response.Header.Get("Retry-After"), time.Now())
		if wait == 0 {
			wait = 30 * time.Second
		}
		if c.cfg.Limiter != nil {
			c.cfg.Limiter.Penalize(host, wait)
		}
		return Answer{}, &lookup.Failure{Reason: lookup.ReasonRateLimited, Host: host, RetryAfter: wait,
			Detail: fmt.Sprintf("HTTP %d", status)}
	case status < 200 || status > 299:
		return Answer{}, &lookup.Failure{Reason: lookup.ReasonHTTPStatus, Host: host, Detail: fmt.Sprintf("HTTP %d", status)}
	case errors.Is(h.Error, lookup.ErrTooLarge):
		return Answer{}, lookup.Fail(host, lookup.ReasonTooLarge, h.Error)
	case len(h.Body) == 0:
		return Answer{}, &lookup.Failure{Reason: lookup.ReasonMalformed, Host: host, Detail: "empty body"}
	case h.Error != nil && !isDecodeError(h.Error):
		return Answer{}, transportFailure(host, h.Error)
	}
	// A body openrdap could not decode is still returned: the classifier
	// reads it more leniently, and says so when it cannot.
	return Answer{Server: host, URL: u.String(), Body: h.Body}, nil
}

func isDecodeError(err error) bool {
	var se *json.SyntaxError
	var ue *json.UnmarshalTypeError
	var de ordap.DecoderError
	return errors.As(err, &se) || errors.As(err, &ue) || errors.As(err, &de)
}

func transportFailure(host string, err error) error {
	var tl *ratelimit.TooLongError
	if errors.As(err, &tl) {
		return &lookup.Failure{Reason: lookup.ReasonRateLimited, Host: host, RetryAfter: tl.Delay, Detail: "waiting for our own rate limit", Err: err}
	}
	return lookup.Fail(host, "", err)
}

// registrarLink finds, in a registry's answer without a registrant, the link
// to the registrar's RDAP record of the domain.
func registrarLink(body []byte, registry *url.URL) *url.URL {
	var doc struct {
		Entities []struct {
			Roles []string `json:"roles"`
		} `json:"entities"`
		Links []struct {
			Rel  string `json:"rel"`
			Href string `json:"href"`
			Type string `json:"type"`
		} `json:"links"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	for _, e := range doc.Entities {
		for _, r := range e.Roles {
			if strings.EqualFold(r, "registrant") {
				return nil // a thick registry's answer: it says enough
			}
		}
	}
	for _, l := range doc.Links {
		if !strings.EqualFold(l.Rel, "related") || !strings.Contains(l.Href, "/domain/") {
			continue
		}
		if l.Type != "" && !strings.Contains(l.Type, "rdap+json") && !strings.Contains(l.Type, "application/json") {
			continue
		}
		u, err := url.Parse(l.Href)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			continue
		}
		if registry != nil && strings.EqualFold(u.Host, registry.Host) && strings.EqualFold(u.Path, registry.Path) {
			continue // a link back to the registry's own answer
		}
		return u
	}
	return nil
}

func tldOf(domain string) string { return domain[strings.LastIndexByte(domain, '.')+1:] }

// limitedTransport waits for the host's rate limit before each request,
// caps each response body and times the exchange.
type limitedTransport struct {
	next     http.RoundTripper
	limiter  *ratelimit.Limiter
	maxWait  time.Duration
	observer lookup.Observer
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.limiter != nil {
		if err := t.limiter.Wait(req.Context(), req.URL.Hostname(), t.maxWait); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		t.observe(start)
		return nil, err
	}
	resp.Body = &cappedBody{Reader: lookup.CapReader(resp.Body, lookup.MaxResponseSize), body: resp.Body,
		closed: func() { t.observe(start) }}
	return resp, nil
}

func (t *limitedTransport) observe(start time.Time) {
	if t.observer != nil {
		t.observer.ObserveLookupTime(model.SourceRDAP, time.Since(start))
	}
}

// cappedBody reads at most the cap and says once when it is closed, which
// is when the exchange is over.
type cappedBody struct {
	io.Reader
	body   io.Closer
	once   sync.Once
	closed func()
}

func (b *cappedBody) Close() error {
	b.once.Do(b.closed)
	return b.body.Close()
}

// Server is the host of the RDAP service the bootstrap names first for
// domain's TLD; "" when the TLD has none. An error means the bootstrap
// could not be read.
func (c *Client) Server(ctx context.Context, domain string) (string, error) {
	servers, err := c.bootstrap.Servers(ctx, domain)
	if err != nil || len(servers) == 0 {
		return "", err
	}
	return strings.ToLower(servers[0].Hostname()), nil
}
