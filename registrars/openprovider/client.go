// Package openprovider reaches Openprovider, a registrar with a REST/JSON
// API (v1beta), to switch on its WHOIS privacy protection for a domain.
//
// The Client logs in with a username and password for a bearer token,
// keeps the token, and logs in again once when a call is refused for it.
// It finds a domain by name and extension, reads it, and sets its
// is_private_whois_enabled flag. Every failure is a *registrars.Error:
// refused credentials and blocked access are KindConfig; Openprovider's
// answers about the domain (not found, not allowed, invalid) are
// KindRejected with Openprovider's numeric code; HTTP 429 and the call
// limit codes are KindRateLimited; everything else that may pass (5xx,
// timeouts, broken connections, unreadable or oversized answers) is
// KindTemporary. Neither the password nor the token ever appears in an
// error or a log line.
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

	mu      sync.Mutex // guards token
	token   string
	loginMu sync.Mutex // one login at a time
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

// FindDomain looks a domain up by its full name ("example.co.uk"): the
// first label is the name, the rest the extension. A domain that is not in
// the account is KindRejected.
func (c *Client) FindDomain(ctx context.Context, fullName string) (Domain, error) {
	name, ext, ok := SplitName(fullName)
	if !ok {
		return Domain{}, registrars.Errorf(Party, registrars.KindRejected, "", "%q is not a domain name with an extension", fullName)
	}
	q := url.Values{
		"domain_name_pattern": {name},
		"extension":           {ext},
		"limit":               {"20"},
	}
	var data listDomainsData
	if err := c.call(ctx, http.MethodGet, "/domains", q, nil, &data); err != nil {
		return Domain{}, fmt.Errorf("find %s: %w", fullName, err)
	}
	// The name filter is a pattern: keep only the exact domain.
	for _, d := range data.Results {
		if strings.EqualFold(d.Domain.Name, name) && strings.EqualFold(d.Domain.Extension, ext) {
			return d, nil
		}
	}
	return Domain{}, registrars.Errorf(Party, registrars.KindRejected, "", "%s is not in this Openprovider account", fullName)
}

// GetDomain reads one domain by its Openprovider id.
func (c *Client) GetDomain(ctx context.Context, id int64) (Domain, error) {
	var d Domain
	if err := c.call(ctx, http.MethodGet, "/domains/"+strconv.FormatInt(id, 10), nil, nil, &d); err != nil {
		return Domain{}, fmt.Errorf("read domain %d: %w", id, err)
	}
	return d, nil
}

// SetPrivateWhois switches WHOIS privacy protection on or off for a
// domain. Openprovider charges for it when it is switched on.
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
		a, err := c.send(ctx, method, path, q, body, token)
		if err == nil {
			err = decode(a, out)
		}
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
	t, err := c.login(ctx)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.token = t
	c.mu.Unlock()
	return t, nil
}

// dropToken forgets a refused token, unless another call already replaced it.
func (c *Client) dropToken(t string) {
	c.mu.Lock()
	if c.token == t {
		c.token = ""
	}
	c.mu.Unlock()
}

func (c *Client) login(ctx context.Context) (string, error) {
	a, err := c.send(ctx, http.MethodPost, "/auth/login", nil, loginRequest{Username: c.username, Password: c.password, IP: c.ip}, "")
	var data loginData
	if err == nil {
		err = decode(a, &data)
	}
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

// send makes one HTTP exchange and reads the answer within the cap.
func (c *Client) send(ctx context.Context, method, path string, q url.Values, body any, token string) (answer, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, c.timeout, errCallTimeout)
	defer cancel()

	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{}, errorf(registrars.KindTemporary, "", err, "encode the request")
		}
		rd = bytes.NewReader(b)
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
	c.log.Debug("openprovider call", "method", method, "path", path, "status", resp.StatusCode, "elapsed", time.Since(start))
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
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
