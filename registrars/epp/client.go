package epp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/afscherm/afscherm/registrars/epp/internal/xmltree"
	"github.com/afscherm/afscherm/registrars/wiretrace"
)

// supportedExtensions are the extension URIs this client can use; login
// selects those the server offers.
var supportedExtensions = []string{NSSIDN}

// Client is one logged-in EPP session. Its methods are safe for concurrent
// use; commands go one at a time, as EPP requires. After a connection,
// timeout or protocol error the session is unusable and every later call
// returns ErrClosed: dial again.
type Client struct {
	t        Transport
	cfg      Config
	greeting Greeting

	contactNS string
	domainNS  string
	exts      []string
	dialect   Dialect

	sending sync.Mutex // one command at a time

	mu      sync.Mutex // guards the fields below
	seq     uint64
	session string
	broken  error // set once the session is over
}

// Dial connects over TLS, reads the greeting and logs in.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	t, err := DialTransport(ctx, cfg)
	if err != nil {
		return nil, err
	}
	c, err := NewClient(ctx, t, cfg)
	if err != nil {
		t.Close()
		return nil, err
	}
	return c, nil
}

// NewClient reads the greeting from an open transport and logs in with the
// object URIs the client supports from those the greeting offers, and the
// supported extensions the server offers. It uses cfg's credentials, Lang,
// Timeout and ClTRIDPrefix. The caller closes t if NewClient fails.
func NewClient(ctx context.Context, t Transport, cfg Config) (*Client, error) {
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	prefix := cfg.ClTRIDPrefix
	if prefix == "" {
		prefix = "afs"
	}
	// clTRID is an EPP token of 3 to 64 characters: prefix, "-", 12 hex
	// digits, "-", a counter.
	if len(prefix) > 24 || !utf8.ValidString(prefix) || strings.ContainsAny(prefix, " \t\r\n") {
		return nil, fmt.Errorf("%w: clTRID prefix must be at most 24 bytes without spaces", ErrInvalid)
	}
	c := &Client{t: t, cfg: cfg, session: prefix + "-" + hex.EncodeToString(rnd[:])}

	gctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	raw, err := t.Greeting(gctx)
	if err != nil {
		return nil, err
	}
	c.trace(wiretrace.Recv, "greeting", raw)
	if c.greeting, err = parseGreeting(raw); err != nil {
		return nil, err
	}
	c.contactNS = pickURI(c.greeting.ObjURIs, NSContact, fredContactPrefix)
	c.domainNS = pickURI(c.greeting.ObjURIs, NSDomain, fredDomainPrefix)
	if c.contactNS == "" && c.domainNS == "" {
		return nil, fmt.Errorf("%w: server %q offers no contact or domain service this client knows", ErrInvalid, c.greeting.ServerID)
	}
	c.dialect = DialectIETF
	if strings.HasPrefix(c.contactNS, fredContactPrefix) || strings.HasPrefix(c.domainNS, fredDomainPrefix) {
		c.dialect = DialectFRED
	}
	for _, u := range supportedExtensions {
		if c.greeting.Offers(u) {
			c.exts = append(c.exts, u)
		}
	}
	if err := c.login(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Client) login(ctx context.Context) error {
	if c.cfg.ClientID == "" || c.cfg.Password == "" {
		return fmt.Errorf("%w: client ID and password are required", ErrInvalid)
	}
	svcs := xmltree.E("svcs")
	for _, u := range []string{c.domainNS, c.contactNS} {
		if u != "" {
			svcs.Add(xmltree.T("objURI", u))
		}
	}
	if len(c.exts) > 0 {
		ext := xmltree.E("svcExtension")
		for _, u := range c.exts {
			ext.Add(xmltree.T("extURI", u))
		}
		svcs.Add(ext)
	}
	login := xmltree.E("login",
		xmltree.T("clID", c.cfg.ClientID),
		xmltree.T("pw", c.cfg.Password),
		xmltree.E("options", xmltree.T("version", "1.0"), xmltree.T("lang", c.cfg.lang())),
		svcs,
	)
	_, err := c.command(ctx, "login", login, nil)
	return err
}

// Greeting is the greeting the session started with.
func (c *Client) Greeting() Greeting { return c.greeting }

// Dialect is the contact and domain mapping the server speaks.
func (c *Client) Dialect() Dialect { return c.dialect }

// ContactNamespace is the contact object URI in use, as the greeting
// offered it.
func (c *Client) ContactNamespace() string { return c.contactNS }

// HasExtension reports whether the session selected the extension URI.
func (c *Client) HasExtension(uri string) bool {
	for _, u := range c.exts {
		if u == uri {
			return true
		}
	}
	return false
}

// Hello asks for a fresh greeting; it keeps an idle session alive.
func (c *Client) Hello(ctx context.Context) (Greeting, error) {
	frame := xmltree.Document(xmltree.E("epp", xmltree.E("hello")).Attr("xmlns", NSEPP))
	raw, err := c.send(ctx, "hello", frame)
	if err != nil {
		return Greeting{}, err
	}
	g, err := parseGreeting(raw)
	if err != nil {
		c.fail(err)
		return Greeting{}, err
	}
	return g, nil
}

// Logout ends the session and closes the connection.
func (c *Client) Logout(ctx context.Context) error {
	_, err := c.command(ctx, "logout", xmltree.E("logout"), nil)
	c.fail(ErrClosed)
	return err
}

// Close closes the connection without logging out; a command under way
// ends at once with an error.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.broken != nil {
		c.mu.Unlock()
		return nil
	}
	c.broken = ErrClosed
	c.mu.Unlock()
	return c.t.Close()
}

// Result is a server's success answer to a transform command.
type Result struct {
	Code    int // 1000, or 1001 when the server will finish later
	Message string
	SvTRID  string
	// ID is the id of the object a create made, as the server's creData
	// names it: SIDN assigns contact handles itself and ignores the id
	// sent (REGISTRIES.md, SIDN; Net::DRI's SIDN contact profile).
	ID string
}

// Pending reports 1001: the server accepted the command and will act on it
// later, telling the client in a poll message.
func (r Result) Pending() bool { return r.Code == CodePending }

// response is a parsed <epp><response>.
type response struct {
	Result    Result
	Reasons   []string
	SIDN      []SIDNMessage
	MsgQ      *xmltree.Element
	ResData   *xmltree.Element
	Extension *xmltree.Element
}

// command wraps body in <command>, adds the extension (may be nil) and a
// fresh clTRID, sends it and checks the answer. A 2xxx result is returned
// as *ResultError; the session goes on unless the server ends it.
func (c *Client) command(ctx context.Context, name string, body, extension *xmltree.Node) (*response, error) {
	c.mu.Lock()
	c.seq++
	trid := fmt.Sprintf("%s-%d", c.session, c.seq)
	c.mu.Unlock()

	cmd := xmltree.E("command", body)
	if extension != nil {
		cmd.Add(xmltree.E("extension", extension))
	}
	cmd.Add(xmltree.T("clTRID", trid))
	root := xmltree.E("epp", cmd).Attr("xmlns", NSEPP)
	raw, err := c.send(ctx, traceName(name, body), xmltree.Document(root))
	if err != nil {
		return nil, err
	}
	resp, err := parseResponse(raw, trid)
	if err != nil {
		err = fmt.Errorf("%s: %w", name, err)
		c.fail(err)
		return nil, err
	}
	if resp.Result.Code >= 2000 {
		if resp.Result.Code >= CodeFailedClosing {
			c.fail(ErrClosed)
		}
		return resp, &ResultError{Command: name, Code: resp.Result.Code, Message: resp.Result.Message,
			Reasons: resp.Reasons, SIDN: resp.SIDN, SvTRID: resp.Result.SvTRID}
	}
	return resp, nil
}

// send passes one frame through the transport within the per-command time;
// any failure on the way ends the session, since a late answer would
// belong to no command. what names the frame and its answer in a trace.
func (c *Client) send(ctx context.Context, what string, frame []byte) ([]byte, error) {
	c.sending.Lock()
	defer c.sending.Unlock()
	c.mu.Lock()
	broken := c.broken
	c.mu.Unlock()
	switch {
	case errors.Is(broken, ErrClosed):
		return nil, ErrClosed
	case broken != nil:
		return nil, fmt.Errorf("%w after earlier error: %w", ErrClosed, broken)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout())
	defer cancel()
	c.trace(wiretrace.Send, what, frame)
	raw, err := c.t.Send(ctx, frame)
	if err != nil {
		c.fail(err)
		return nil, err
	}
	c.trace(wiretrace.Recv, what, raw)
	return raw, nil
}

// fail ends the session after err; the first cause is kept.
func (c *Client) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken == nil {
		c.broken = err
		c.t.Close()
	}
}

// parseResponse checks that raw is a response to the command with trid.
// A response without clTRID is accepted only for 2001, which a server
// gives when it could not read the command at all.
func parseResponse(raw []byte, trid string) (*response, error) {
	root, err := xmltree.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: answer is not XML: %w", ErrProtocol, err)
	}
	r := root.Child(NSEPP, "response")
	if !root.Is(NSEPP, "epp") || r == nil {
		return nil, fmt.Errorf("%w: expected <epp><response>", ErrProtocol)
	}
	results := r.All(NSEPP, "result")
	if len(results) == 0 {
		return nil, fmt.Errorf("%w: response has no result", ErrProtocol)
	}
	out := &response{
		MsgQ:      r.Child(NSEPP, "msgQ"),
		ResData:   r.Child(NSEPP, "resData"),
		Extension: r.Child(NSEPP, "extension"),
	}
	code, err := strconv.Atoi(attr(results[0], "code"))
	if err != nil || code < 1000 || code > 2999 {
		return nil, fmt.Errorf("%w: result code %q", ErrProtocol, attr(results[0], "code"))
	}
	out.Result = Result{Code: code, Message: results[0].Child(NSEPP, "msg").Value()}
	for _, res := range results {
		for _, ev := range res.All(NSEPP, "extValue") {
			if s := ev.Child(NSEPP, "reason").Value(); s != "" {
				out.Reasons = append(out.Reasons, s)
			}
		}
	}
	out.SIDN = sidnMessages(out.Extension)
	for _, m := range out.SIDN {
		out.Reasons = append(out.Reasons, m.String())
	}
	tr := r.Child(NSEPP, "trID")
	out.Result.SvTRID = tr.Child(NSEPP, "svTRID").Value()
	got := tr.Child(NSEPP, "clTRID")
	switch {
	case got == nil && code == CodeSyntax:
	case got == nil:
		return nil, fmt.Errorf("%w: response carries no clTRID", ErrProtocol)
	case got.Value() != trid:
		return nil, fmt.Errorf("%w: response is for clTRID %q, not %q", ErrProtocol, got.Value(), trid)
	}
	return out, nil
}

func attr(e *xmltree.Element, name string) string {
	v, _ := e.AttrValue(name)
	return v
}
