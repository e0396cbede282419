// Package openprovider reaches Openprovider, a registrar with a REST/JSON
// API (v1beta), to switch on its WHOIS privacy protection for a domain.
//
// The Client logs in with a username and password for a bearer token,
// keeps the token, and logs in again once when a call is refused for it.
// It finds a domain by its exact full name, reads it (with the privacy
// service's own data where that is wanted), and sets its
// is_private_whois_enabled flag. Every failure is a *registrars.Error:
// refused credentials and access denied (10005, after too many identical
// calls) are KindConfig and never retried; code 50 ("Calls limit has been
// reached", after failed logins) is KindBlocked: the client then makes no
// call at all, login included, for 20 minutes; Openprovider's answers
// about the domain (not found, not allowed, invalid) are KindRejected with
// Openprovider's numeric code; HTTP 429 and code 4007 are KindRateLimited;
// everything else that may pass (5xx, timeouts, broken connections,
// unreadable or oversized answers) is KindTemporary. Neither the password
// nor the token ever appears in an error or a log line.
//
// Where each behaviour comes from: the API description (v1beta swagger in
// ../shared/parties/openprovider: paths, parameters, bodies, the envelope),
// the domain quick-start there (searching, reading, updating a domain),
// REGISTRIES.md (Openprovider: full_name, with_whois_privacy_data, code 50
// and its 20 minutes), and Openprovider's knowledge base on call limits
// (support.openprovider.eu, "What are Openprovider API calls limits?":
// codes 50, 4007 and 10005).
//
// The Adapter puts the Client behind registrars.Adapter. The sub-package
// openprovidertest is a fake Openprovider for tests and the demo.
package openprovider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/wiretrace"
)

// DefaultBaseURL is Openprovider's production API; its test environment
// (CTE) is at https://api.cte.openprovider.eu/v1beta.
const DefaultBaseURL = "https://api.openprovider.eu/v1beta"

// DefaultMaxResponseBytes caps what is read of one answer.
const DefaultMaxResponseBytes = 1 << 20

// DefaultTimeout bounds one call, login included.
const DefaultTimeout = 30 * time.Second

// Config is what a Client needs. Username and Password come from the
// caller's configuration; they are sent only in the login request's body.
type Config struct {
	BaseURL  string // default DefaultBaseURL
	Username string
	Password string
	// IP is the address Openprovider binds the token to; default
	// "0.0.0.0", any address.
	IP string
	// HTTPClient sends the requests; default one with dial, TLS and
	// header timeouts. Tests pass the loopback TLS server's client.
	HTTPClient *http.Client
	// Timeout bounds each call, whatever HTTPClient does; default
	// DefaultTimeout.
	Timeout time.Duration
	// MaxResponseBytes caps an answer; default DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Logger gets one debug line per call (method, path, status, code),
	// never a credential, token or answer body; default none.
	Logger *slog.Logger
	// Trace, when set, is given every request and answer (method, path,
	// status, headers, body) with the password, the token and the
	// Authorization header masked (afscherm --trace-dir).
	Trace wiretrace.Tracer
	// Now is the clock the block after code 50 is kept by; default
	// time.Now.
	Now func() time.Time
}

// String keeps the password out of anything that prints a Config.
func (c Config) String() string {
	return fmt.Sprintf("openprovider.Config{BaseURL: %q, Username: %q, Password: [redacted]}", c.BaseURL, c.Username)
}

// GoString does the same for %#v.
func (c Config) GoString() string { return c.String() }

// LogValue does the same for log/slog.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL), slog.String("username", c.Username))
}

// Client talks to Openprovider's API. It is safe for concurrent use.
type Client struct {
	base     string
	username string
	password string
	ip       string
	http     *http.Client
	timeout  time.Duration
	max      int64
	log      *slog.Logger
	trace    wiretrace.Tracer
	now      func() time.Time

	mu           sync.Mutex // guards token and blockedUntil
	token        string
	blockedUntil time.Time  // no call before this, after code 50
	loginMu      sync.Mutex // one login at a time
}

// NewClient checks the configuration and returns a client; it does not log
// in until the first call.
func NewClient(cfg Config) (*Client, error) {
	if cfg.Username == "" || cfg.Password == "" {
		return nil, registrars.Errorf(Party, registrars.KindConfig, "", "username and password are required")
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, registrars.Errorf(Party, registrars.KindConfig, "", "base URL %q is not an http(s) URL", base)
	}
	if u.User != nil {
		return nil, registrars.Errorf(Party, registrars.KindConfig, "", "the base URL must not carry credentials")
	}
	c := &Client{
		base:     base,
		username: cfg.Username,
		password: cfg.Password,
		ip:       cfg.IP,
		http:     cfg.HTTPClient,
		timeout:  cfg.Timeout,
		max:      cfg.MaxResponseBytes,
		log:      cfg.Logger,
		trace:    cfg.Trace,
		now:      cfg.Now,
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.ip == "" {
		c.ip = "0.0.0.0"
	}
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.max <= 0 {
		c.max = DefaultMaxResponseBytes
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// String names the client without its credentials.
func (c *Client) String() string { return "openprovider client for " + c.base }

func defaultHTTPClient() *http.Client {
	return &http.Client{
		Timeout: DefaultTimeout,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 25 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   4,
			ForceAttemptHTTP2:     true,
		},
	}
}

// FindDomain looks a domain up by its full name ("example.co.uk"), with
// the list's full_name filter: GET /v1beta/domains takes full_name, "Full
// name of the domain." (the description), "the full domain name" beside "a
// wildcard pattern on the domain name" (domain_name_pattern) in the
// quick-start's "Search for a domain" (and REGISTRIES.md: "or exact
// full_name"). Only a result that is exactly the domain counts, whatever
// the filter returns, so that example.com is never taken for
// myexample.com or example.com.au. A domain that is not in the account is
// KindRejected.
func (c *Client) FindDomain(ctx context.Context, fullName string) (Domain, error) {
	name, ext, ok := SplitName(fullName)
	if !ok {
		return Domain{}, registrars.Errorf(Party, registrars.KindRejected, "", "%q is not a domain name with an extension", fullName)
	}
	full := name + "." + ext
	var data listDomainsData
	if err := c.call(ctx, http.MethodGet, "/domains", url.Values{"full_name": {full}}, nil, &data); err != nil {
		return Domain{}, fmt.Errorf("find %s: %w", full, err)
	}
	var found []Domain
	for _, d := range data.Results {
		if strings.EqualFold(d.Domain.Name, name) && strings.EqualFold(d.Domain.Extension, ext) {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 0:
		return Domain{}, registrars.Errorf(Party, registrars.KindRejected, "", "%s is not in this Openprovider account", full)
	case 1:
		return found[0], nil
	}
	return Domain{}, registrars.Errorf(Party, registrars.KindRejected, "", "Openprovider lists %s %d times; staff must say which is meant", full, len(found))
}

// GetDomain reads one domain by its Openprovider id. withPrivacyData asks
// for the privacy service's own data (whois_privacy_data: until when it is
// paid), which GET /v1beta/domains/{id} returns only with
// with_whois_privacy_data=true ("Returns WPP data.", the description;
// REGISTRIES.md).
func (c *Client) GetDomain(ctx context.Context, id int64, withPrivacyData bool) (Domain, error) {
	var q url.Values
	if withPrivacyData {
		q = url.Values{"with_whois_privacy_data": {"true"}}
	}
	var d Domain
	if err := c.call(ctx, http.MethodGet, "/domains/"+strconv.FormatInt(id, 10), q, nil, &d); err != nil {
		return Domain{}, fmt.Errorf("read domain %d: %w", id, err)
	}
	return d, nil
}

// SetPrivateWhois switches WHOIS privacy protection on or off for a
// domain: PUT /v1beta/domains/{id} with is_private_whois_enabled, "Enables
// or disables whois privacy protection (WPP) on domain"
// (domainUpdateDomainRequest in the description). Openprovider charges for
// it when it is switched on.
func (c *Client) SetPrivateWhois(ctx context.Context, id int64, on bool) error {
	var data updateDomainData
	body := updateDomainRequest{PrivateWhoisEnabled: on}
	if err := c.call(ctx, http.MethodPut, "/domains/"+strconv.FormatInt(id, 10), nil, body, &data); err != nil {
		return fmt.Errorf("set WHOIS privacy %t on domain %d: %w", on, id, err)
	}
	return nil
}

// SplitName splits a full domain name into Openprovider's name and
// extension: "example.co.uk" is "example" and "co.uk".
func SplitName(fullName string) (name, ext string, ok bool) {
	name, ext, ok = strings.Cut(strings.ToLower(strings.TrimSuffix(fullName, ".")), ".")
	return name, ext, ok && name != "" && ext != ""
}

// call sends an authenticated request; when the token is refused it logs
// in again, once, and repeats the request.
func (c *Client) call(ctx context.Context, method, path string, q url.Values, body, out any) error {
	for attempt := 0; ; attempt++ {
		token, err := c.currentToken(ctx)
		if err != nil {
			return err
		}
		err = c.exchange(ctx, method, path, q, body, token, out)
		if err != nil && isAuthFailure(err) {
			c.dropToken(token)
			if attempt == 0 {
				c.log.Info("openprovider token refused; logging in again", "path", path)
				continue
			}
			return errorf(registrars.KindConfig, codeOf(err), err, "Openprovider refused a freshly issued token")
		}
		return err
	}
}

// currentToken returns the kept token, logging in when there is none.
func (c *Client) currentToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	t := c.token
	c.mu.Unlock()
	if t != "" {
		return t, nil
	}
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	c.mu.Lock()
	t = c.token
	c.mu.Unlock()
	if t != "" {
		return t, nil
	}
	// Calls that waited here while a login met code 50 try no login of
	// their own: exchange refuses them before anything is sent.
	t, err := c.login(ctx)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.token = t
	c.mu.Unlock()
	return t, nil
}

// Login logs in now for a fresh token, kept for later calls; it tries the
// credentials without touching any domain (POST /v1beta/auth/login, as
// login below).
func (c *Client) Login(ctx context.Context) error {
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	t, err := c.login(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.token = t
	c.mu.Unlock()
	return nil
}

// dropToken forgets a refused token, unless another call already replaced it.
func (c *Client) dropToken(t string) {
	c.mu.Lock()
	if c.token == t {
		c.token = ""
	}
	c.mu.Unlock()
}

// login is POST /v1beta/auth/login (authLoginRequest: username, password,
// ip) for a token (authLoginResponseData).
func (c *Client) login(ctx context.Context) (string, error) {
	var data loginData
	err := c.exchange(ctx, http.MethodPost, "/auth/login", nil, loginRequest{Username: c.username, Password: c.password, IP: c.ip}, "", &data)
	if err != nil {
		if isAuthFailure(err) {
			return "", errorf(registrars.KindConfig, codeOf(err), err, "Openprovider refused the login; check the username and password")
		}
		return "", fmt.Errorf("log in: %w", err)
	}
	if data.Token == "" {
		return "", errorf(registrars.KindTemporary, "", nil, "Openprovider's login answer has no token")
	}
	c.log.Info("openprovider login", "base_url", c.base)
	return data.Token, nil
}

// exchange makes one request, unless Openprovider has blocked the account,
// and decodes its answer. Code 50 blocks the client: after too many failed
// logins Openprovider blocks the account for 20 minutes (REGISTRIES.md;
// knowledge base: "Accounts blocked for making calls with invalid
// credentials will be automatically unblocked after 20 minutes"), and a
// login tried meanwhile is one more failed call; so until then every call,
// from every caller of this client, is refused here without being sent.
func (c *Client) exchange(ctx context.Context, method, path string, q url.Values, body any, token string, out any) error {
	if err := c.blocked(); err != nil {
		return err
	}
	a, err := c.send(ctx, method, path, q, body, token)
	if err == nil {
		err = decode(a, out)
	}
	var e *registrars.Error
	if errors.As(err, &e) && e.Kind == registrars.KindBlocked {
		return c.block(e, a.header)
	}
	return err
}

// LoginBlock is how long Openprovider blocks an account after code 50.
const LoginBlock = 20 * time.Minute

// block keeps the block that code 50 announced: LoginBlock from now, or
// longer if Openprovider's Retry-After says so.
func (c *Client) block(e *registrars.Error, h http.Header) error {
	now := c.now()
	until := now.Add(max(LoginBlock, retryAfter(h, now)))
	c.mu.Lock()
	if until.After(c.blockedUntil) {
		c.blockedUntil = until
	}
	until = c.blockedUntil
	c.mu.Unlock()
	c.log.Warn("openprovider blocked API access; no calls until the block ends", "code", e.Code, "until", until.UTC())
	e.Until = until
	return e
}

// blocked refuses a call while the block lasts.
func (c *Client) blocked() error {
	c.mu.Lock()
	until := c.blockedUntil
	c.mu.Unlock()
	if until.IsZero() || !c.now().Before(until) {
		return nil
	}
	e := errorf(registrars.KindBlocked, strconv.Itoa(CodeCallsLimit), nil, "%s; nothing has been sent since", blockedMessage)
	e.Until = until
	return e
}

// send makes one HTTP exchange and reads the answer within the cap.
func (c *Client) send(ctx context.Context, method, path string, q url.Values, body any, token string) (answer, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, c.timeout, errCallTimeout)
	defer cancel()

	var rd io.Reader
	var sent []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{}, errorf(registrars.KindTemporary, "", err, "encode the request")
		}
		rd, sent = bytes.NewReader(b), b
	}
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return answer{}, errorf(registrars.KindConfig, "", err, "build the request for %s", path)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c.traceExchange(wiretrace.Send, wiretrace.Exchange{Method: method, Path: path, Query: q, Header: req.Header, Body: sent}, token)
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.log.Debug("openprovider call failed", "method", method, "path", path, "elapsed", time.Since(start))
		return answer{}, transportError(ctx, stripURL(err), c.timeout)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.max+1))
	if err != nil {
		return answer{}, transportError(ctx, stripURL(err), c.timeout)
	}
	if int64(len(b)) > c.max {
		return answer{}, errorf(registrars.KindTemporary, "", nil, "Openprovider's answer is larger than %d bytes", c.max)
	}
	c.traceExchange(wiretrace.Recv, wiretrace.Exchange{Method: method, Path: path, Status: resp.StatusCode, Header: resp.Header, Body: b}, token)
	c.log.Debug("openprovider call", "method", method, "path", path, "status", resp.StatusCode, "elapsed", time.Since(start))
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// traceExchange hands one half of a call to the tracer, with the password
// and the token masked wherever they appear.
func (c *Client) traceExchange(dir wiretrace.Direction, e wiretrace.Exchange, token string) {
	if c.trace != nil {
		c.trace.Trace(wiretrace.HTTPMessage(dir, e, c.password, token))
	}
}

// stripURL drops the request URL from a transport error, keeping its cause:
// the URL holds nothing secret, but errors need not repeat it.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
