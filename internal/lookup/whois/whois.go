// Package whois looks domains up over WHOIS (port 43, RFC 3912) with
// github.com/likexian/whois, following a thin registry's referral to the
// registrar's server. Every connection waits its turn at the host's rate
// limit, is bounded in time and reads at most 1 MiB; none goes to a
// loopback, private or link-local address unless Config.PrivateHosts
// allows the host — a referral to one fails the lookup as refused.
package whois

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	lwhois "github.com/likexian/whois"

	"github.com/afscherm/afscherm/internal/lookup"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/ratelimit"
)

// Config sets up a Client.
type Config struct {
	// Servers maps a TLD to its WHOIS server, "host" or "host:port", for
	// TLDs the built-in table does not know, mirrors, tests and the demo.
	Servers map[string]string
	Dial    lookup.Dialer // nil: the system's network; either way guarded by PrivateHosts
	Timeout time.Duration // per query; 15 s when zero
	// PrivateHosts may be reached on loopback, private and link-local
	// addresses (a mirror; the fake servers of tests and the demo).
	PrivateHosts lookup.PrivateHosts

	Limiter *ratelimit.Limiter
	MaxWait time.Duration // see rdap.Config.MaxWait

	Observer lookup.Observer // told about every query, for metrics; nil: none
}

// Client looks domains up.
type Client struct{ cfg Config }

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
	servers := map[string]string{}
	for tld, s := range DefaultServers {
		servers[tld] = s
	}
	for tld, s := range cfg.Servers {
		servers[strings.ToLower(strings.TrimPrefix(tld, "."))] = s
	}
	cfg.Servers = servers
	return &Client{cfg: cfg}
}

// DefaultServers are the registries' WHOIS servers for the TLDs afscherm's
// customers use most; others are configured with --whois-server.
var DefaultServers = map[string]string{
	"nl": "whois.domain-registry.nl", "com": "whois.verisign-grs.com", "net": "whois.verisign-grs.com",
	"org": "whois.publicinterestregistry.org", "eu": "whois.eu", "be": "whois.dns.be", "de": "whois.denic.de",
	"uk": "whois.nic.uk", "fr": "whois.nic.fr", "cz": "whois.nic.cz", "at": "whois.nic.at", "ch": "whois.nic.ch",
	"ru": "whois.tcinet.ru", "su": "whois.tcinet.ru", "it": "whois.nic.it", "se": "whois.iis.se", "info": "whois.nic.info",
}

// Server is the WHOIS server configured for domain's TLD, or "".
func (c *Client) Server(domain string) string {
	return c.cfg.Servers[domain[strings.LastIndexByte(domain, '.')+1:]]
}

// Answer is a WHOIS response.
type Answer struct {
	Server string // the host that answered last (the registrar's, after a referral)
	Text   string
}

// Lookup queries the TLD's server and follows its referral. Errors are
// *lookup.Failure.
func (c *Client) Lookup(ctx context.Context, domain string) (Answer, error) {
	d := &dialer{ctx: ctx, cfg: c.cfg}
	a, err := c.query(d, domain)
	d.count(err)
	return a, err
}

func (c *Client) query(d *dialer, domain string) (Answer, error) {
	server := c.Server(domain)
	if server == "" {
		return Answer{}, &lookup.Failure{Reason: lookup.ReasonNoService, Detail: "no WHOIS server for ." + domain[strings.LastIndexByte(domain, '.')+1:]}
	}
	host := hostOf(server)
	client := lwhois.NewClient().SetDialer(d).SetTimeout(c.cfg.Timeout).SetDisableStats(true).SetDisableReferralChain(true)

	// likexian/whois takes no context; run it aside and give up on cancel,
	// closing the connection it is blocked on.
	type result struct {
		text string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		text, err := client.Whois(domain, server)
		done <- result{text, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-d.ctx.Done():
		d.closeAll()
		<-done
		return Answer{}, lookup.Fail(host, "", d.ctx.Err())
	}
	if err := d.firstErr(); err != nil {
		return Answer{}, d.failure(err)
	}
	if res.err != nil {
		return Answer{}, lookup.Fail(d.lastHost(host), "", res.err)
	}
	text := strings.TrimSpace(res.text)
	if text == "" {
		return Answer{}, &lookup.Failure{Reason: lookup.ReasonMalformed, Host: d.lastHost(host), Detail: "empty answer"}
	}
	if notFound(text) {
		return Answer{}, &lookup.Failure{Reason: lookup.ReasonNotRegistered, Host: d.lastHost(host)}
	}
	if limited(text) {
		wait := 60 * time.Second
		if c.cfg.Limiter != nil {
			c.cfg.Limiter.Penalize(d.lastHost(host), wait)
		}
		return Answer{}, &lookup.Failure{Reason: lookup.ReasonRateLimited, Host: d.lastHost(host), RetryAfter: wait, Detail: "the server says: query limit"}
	}
	return Answer{Server: d.lastHost(host), Text: text}, nil
}

func hostOf(server string) string {
	if h, _, err := net.SplitHostPort(server); err == nil {
		return strings.ToLower(h)
	}
	return strings.ToLower(server)
}

// notFound recognises the registries' ways of saying "no such domain".
func notFound(text string) bool {
	head := strings.ToLower(text)
	if len(head) > 600 {
		head = head[:600]
	}
	for _, s := range []string{"no match for", "not found", "is free", "no entries found", "no data found",
		"status: free", "status: available", "domain not found", "object does not exist", "no object found"} {
		if strings.Contains(head, s) {
			return true
		}
	}
	return false
}

// limited recognises a server refusing us for querying too much.
func limited(text string) bool {
	head := strings.ToLower(text)
	if len(head) > 400 {
		head = head[:400]
	}
	for _, s := range []string{"query limit", "limit exceeded", "quota exceeded", "too many queries", "too many requests",
		"number of allowed queries exceeded", "try again later"} {
		if strings.Contains(head, s) {
			return true
		}
	}
	return false
}

// dialer is the proxy.Dialer likexian/whois dials through: it waits for
// the host's rate limit, keeps each connection's reading capped and
// closable, and remembers what went wrong and whom it asked.
type dialer struct {
	ctx context.Context
	cfg Config

	mu       sync.Mutex
	dials    int
	conns    []net.Conn
	queried  []string // hosts dialed past the rate limit, in order
	answered []string // hosts that sent data, in order
	err      error
}

func (d *dialer) Dial(network, addr string) (net.Conn, error) {
	host := hostOf(addr)
	d.mu.Lock()
	d.dials++
	first := d.dials == 1
	d.mu.Unlock()
	if d.cfg.Limiter != nil {
		// Also for a referral: without the registrar's answer the
		// registry's thin one would be misread as "nothing published".
		if err := d.cfg.Limiter.Wait(d.ctx, host, d.cfg.MaxWait); err != nil {
			d.setErr(err)
			return nil, err
		}
	}
	d.mu.Lock()
	d.queried = append(d.queried, host)
	d.mu.Unlock()
	start := time.Now()
	ctx, cancel := context.WithTimeout(d.ctx, d.cfg.Timeout)
	defer cancel()
	conn, err := d.cfg.Dial(ctx, network, addr)
	if err != nil {
		d.observeTime(start)
		// A refused referral fails the lookup: likexian/whois would
		// otherwise hand back the registry's thin answer as if it were all.
		if _, refused := lookup.AsRefused(err); first || refused {
			d.setErr(err)
		}
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(d.cfg.Timeout))
	c := &cappedConn{Conn: conn, left: lookup.MaxResponseSize,
		onTooLarge: func() { d.setErr(lookup.ErrTooLarge) },
		onData:     func() { d.addAnswered(host) },
		onClose:    func() { d.observeTime(start) }}
	d.mu.Lock()
	d.conns = append(d.conns, c)
	d.mu.Unlock()
	return c, nil
}

func (d *dialer) observeTime(start time.Time) {
	if d.cfg.Observer != nil {
		d.cfg.Observer.ObserveLookupTime(model.SourceWHOIS, time.Since(start))
	}
}

// count tells the observer about each query sent. Every one but the last
// was answered with a referral, or there would have been no next; the last
// ended as the lookup did, unless our own rate limit ended the lookup
// before a next query could go out.
func (d *dialer) count(err error) {
	if d.cfg.Observer == nil {
		return
	}
	d.mu.Lock()
	queried := d.queried
	d.mu.Unlock()
	last := lookup.Status(err)
	var tl *ratelimit.TooLongError
	if errors.As(err, &tl) {
		last = lookup.StatusOK
	}
	for i, host := range queried {
		status := lookup.StatusOK
		if i == len(queried)-1 {
			status = last
		}
		d.cfg.Observer.ObserveLookup(model.SourceWHOIS, host, status)
	}
}

func (d *dialer) addAnswered(host string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.answered = append(d.answered, host)
}

func (d *dialer) setErr(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err == nil {
		d.err = err
	}
}

func (d *dialer) firstErr() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// lastHost is the host whose answer came last, which is the one returned.
func (d *dialer) lastHost(fallback string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.answered) == 0 {
		return fallback
	}
	return d.answered[len(d.answered)-1]
}

func (d *dialer) closeAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.conns {
		c.Close()
	}
}

func (d *dialer) failure(err error) *lookup.Failure {
	if r, ok := lookup.AsRefused(err); ok {
		return lookup.Refused(r)
	}
	var tl *ratelimit.TooLongError
	if errors.As(err, &tl) {
		return &lookup.Failure{Reason: lookup.ReasonRateLimited, Host: tl.Host, RetryAfter: tl.Delay, Detail: "waiting for our own rate limit", Err: err}
	}
	return lookup.Fail(d.lastHost(""), "", err)
}

// cappedConn fails reads past its limit, reports its first data and says
// once when it is closed.
type cappedConn struct {
	net.Conn
	left       int
	gotData    bool
	onTooLarge func()
	onData     func()
	onClose    func()
	closeOnce  sync.Once
}

func (c *cappedConn) Close() error {
	c.closeOnce.Do(c.onClose)
	return c.Conn.Close()
}

func (c *cappedConn) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		if n, err := c.Conn.Read(one[:]); n == 0 {
			return 0, err
		}
		c.onTooLarge()
		c.Conn.Close()
		return 0, lookup.ErrTooLarge
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	n, err := c.Conn.Read(p)
	c.left -= n
	if n > 0 && !c.gotData {
		c.gotData = true
		c.onData()
	}
	return n, err
}
