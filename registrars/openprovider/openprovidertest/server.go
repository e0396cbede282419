// Package openprovidertest is a fake Openprovider REST API (v1beta) for
// tests and the demo: the same envelope, paths and bearer-token login as
// the real one, a set of domains with their WHOIS privacy flag, a log of
// the calls it answered, a hook that tells other fakes (RDAP, WHOIS) when
// a domain's published data changes, and faults to inject.
//
// It is built from Openprovider's own material, cited where each behaviour
// comes from:
//   - the API description, v1beta swagger (swagger_auth.swagger.json and
//     swagger_domain.swagger.json in ../shared/parties/openprovider): paths,
//     methods, parameters, bodies and the answer envelope. Tests hold the
//     fake to it with HoldToDescription: a request or answer it does not
//     define fails the test;
//   - the domain quick-start (descDomainQuickstart.md there): searching by
//     the full domain name or a wildcard pattern, reading and updating a
//     domain;
//   - REGISTRIES.md (Openprovider) and Openprovider's knowledge base ("What
//     are Openprovider API calls limits?", support.openprovider.eu article
//     218390187): code 50 after failed logins, blocking the account for 20
//     minutes; code 10005 after too many identical calls, until the IP
//     address is taken off the blacklist.
//
// What no document says (HTTP statuses of errors, the codes of the domain
// module's refusals) is the fake's own choice and marked so.
//
// Serve it over TLS on loopback, e.g. httptest.NewTLSServer(fake), and give
// the client BaseURL srv.URL+"/v1beta".
package openprovidertest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Envelope codes the fake answers with. 196 is Openprovider's
// "Authentication/Authorization Failed"; 50 and 10005 are from its
// knowledge base on call limits; the domain-module codes are in its
// 3xx–7xx range but their exact numbers are the fake's choice.
const (
	CodeCallsLimit     = 50    // "Calls limit has been reached": the account is blocked
	CodeAuthFailed     = 196   // wrong credentials, unknown or expired token
	CodeNotFound       = 320   // no such domain
	CodeNotAllowed     = 399   // WHOIS privacy protection not allowed here
	CodeInvalidRequest = 400   // unreadable request or parameters
	CodeAccessDenied   = 10005 // "Access denied": the calling IP address is blacklisted
)

// Limits are the call limits the fake applies, as Openprovider's knowledge
// base gives them ("What are Openprovider API calls limits?"): too many
// failed logins block the account (code 50) for a while; too many
// identical calls with valid credentials blacklist the calling IP address
// (code 10005) until someone removes it in the control panel.
type Limits struct {
	// FailedLogins within FailedLoginWindow block the account for
	// LoginBlock. Zero turns the limit off.
	FailedLogins      int
	FailedLoginWindow time.Duration
	LoginBlock        time.Duration
	// More than IdenticalCalls identical calls (the same method, path,
	// query and body) with valid credentials within IdenticalWindow
	// blacklist the IP address. Zero turns the limit off.
	IdenticalCalls  int
	IdenticalWindow time.Duration
}

// LiveLimits are the limits of Openprovider's live API: 100 failed logins
// in 3600 seconds block the account for 20 minutes; 300 identical calls in
// 300 seconds blacklist the IP address.
var LiveLimits = Limits{FailedLogins: 100, FailedLoginWindow: time.Hour, LoginBlock: 20 * time.Minute,
	IdenticalCalls: 300, IdenticalWindow: 300 * time.Second}

// CTELimits are those of its test environment (CTE): 50 failed logins in
// 50 seconds, 50 identical calls in 100 seconds.
var CTELimits = Limits{FailedLogins: 50, FailedLoginWindow: 50 * time.Second, LoginBlock: 20 * time.Minute,
	IdenticalCalls: 50, IdenticalWindow: 100 * time.Second}

// Domain is one domain in the fake account.
type Domain struct {
	ID        int64
	Name      string // without extension: "example"
	Extension string // "com", "co.uk"
	// PrivateWhois is whether WHOIS privacy protection is on.
	PrivateWhois bool
	// PrivateWhoisAllowed is whether it may be switched on.
	PrivateWhoisAllowed bool
	// Owner is the registrant's name, as Openprovider returns it; it is
	// there so that a client that logs answers would be caught.
	Owner string
	// Status is Openprovider's domain status, "ACT" by default.
	Status string
	// PrivacyUntil is when the privacy service, once on, is paid until:
	// a year after it was switched on. The answer carries it in
	// whois_privacy_data only when asked with_whois_privacy_data=true.
	PrivacyUntil time.Time

	deferred bool // a switch-on is accepted but carried out only by Activate
	pending  bool // an accepted switch-on waits for Activate
}

// FullName is name.extension.
func (d Domain) FullName() string { return d.Name + "." + d.Extension }

// Call is one request the fake answered.
type Call struct {
	Method string
	Path   string
	Query  string
	Status int // HTTP status answered
	Code   int // envelope code answered
	// Domain is the full name of the domain the call was about, if any.
	Domain string
	// Changed is set when the call changed a domain's privacy state: an
	// effective change, which Openprovider would bill.
	Changed bool
	// Fault names the injected fault that answered, if any.
	Fault FaultKind
	// Violation says what in the request Openprovider's description does
	// not define, when the fake holds requests to it.
	Violation string
	logged    bool // by closeUnanswered, before the handler returns
}

// FaultKind is a way to answer badly.
type FaultKind string

// The faults.
const (
	Garbage         FaultKind = "garbage"           // 200 with a body that is not JSON
	Oversize        FaultKind = "oversize"          // 200 with a JSON body over 1 MiB
	Slow            FaultKind = "slow"              // answer only after Fault.Delay
	TooManyRequests FaultKind = "too_many_requests" // 429 with Retry-After
	ServerError     FaultKind = "server_error"      // 500 with an envelope
	Drop            FaultKind = "drop"              // close the connection unanswered
	LoseAnswer      FaultKind = "lose_answer"       // carry the request out, then close unanswered
	EnvelopeCode    FaultKind = "envelope_code"     // an envelope with Fault.Code and Fault.Status
)

// Fault is an injected bad answer.
type Fault struct {
	Kind FaultKind
	// Method and PathPrefix select the requests it applies to ("PUT",
	// "/v1beta/domains/"); empty matches all.
	Method     string
	PathPrefix string
	// Times is how many requests it answers; 0 means once.
	Times int
	// RetryAfter is the Retry-After value of TooManyRequests ("2", or an
	// HTTP date); empty sends none.
	RetryAfter string
	// Delay is how long Slow waits (or until the client gives up).
	Delay time.Duration
	// Code, Desc and Status are EnvelopeCode's answer (Status default 200).
	Code   int
	Desc   string
	Status int
}

// Server is the fake. Its zero value is not usable; call New.
type Server struct {
	mu       sync.Mutex
	username string
	password string
	tokenTTL time.Duration
	now      func() time.Time
	tokens   map[string]time.Time // token → expiry
	domains  map[int64]*Domain
	nextID   int64
	calls    []Call
	faults   []*Fault
	onChange []func(domain string)

	desc       *Description
	violations []string

	limits       Limits
	failedLogins []time.Time            // refused logins within the window
	blockedUntil time.Time              // the account's block after failed logins
	identical    map[string][]time.Time // identical calls within the window
	blacklist    map[string]bool        // IP addresses refused with 10005
}

// New returns a fake that accepts one username and password, with the live
// API's call limits.
func New(username, password string) *Server {
	return &Server{
		username:  username,
		password:  password,
		tokenTTL:  48 * time.Hour, // Openprovider's documented token lifetime
		now:       time.Now,
		tokens:    map[string]time.Time{},
		domains:   map[int64]*Domain{},
		nextID:    1000,
		limits:    LiveLimits,
		identical: map[string][]time.Time{},
		blacklist: map[string]bool{},
	}
}

// SetClock sets the clock the fake keeps tokens, blocks and limits by.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetLimits sets the call limits (LiveLimits by default).
func (s *Server) SetLimits(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = l
}

// BlockedUntil is when the account's block after failed logins ends; zero
// when it was never blocked.
func (s *Server) BlockedUntil() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.blockedUntil
}

// Blacklisted lists the IP addresses refused with 10005.
func (s *Server) Blacklisted() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for ip := range s.blacklist {
		out = append(out, ip)
	}
	sort.Strings(out)
	return out
}

// RemoveFromBlacklist lets every blacklisted address in again, as staff do
// in Openprovider's control panel (Contacts, the blocked contact, remove
// the IP from the blacklist).
func (s *Server) RemoveFromBlacklist() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blacklist = map[string]bool{}
	s.identical = map[string][]time.Time{}
}

// CheckAgainst makes the fake hold every request, and every answer, to
// Openprovider's description: a request it does not define is refused and
// recorded, as is an answer it does not define; see Violations. Tests use
// HoldToDescription.
func (s *Server) CheckAgainst(d *Description) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.desc = d
}

// Violations lists what the fake received or answered that the
// description does not define.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// AddDomain adds a domain by full name ("example.com") with privacy off and
// allowed, and returns its id.
func (s *Server) AddDomain(fullName, owner string) int64 {
	name, ext, ok := strings.Cut(strings.ToLower(fullName), ".")
	if !ok {
		panic("openprovidertest: AddDomain needs a name with an extension: " + fullName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byName(fullName) != nil {
		panic("openprovidertest: AddDomain: " + fullName + " is there already")
	}
	s.nextID++
	s.domains[s.nextID] = &Domain{ID: s.nextID, Name: name, Extension: ext, PrivateWhoisAllowed: true, Owner: owner, Status: "ACT"}
	return s.nextID
}

// Domain returns a copy of a domain by full name.
func (s *Server) Domain(fullName string) (Domain, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.byName(fullName); d != nil {
		return *d, true
	}
	return Domain{}, false
}

// SetPrivateWhois sets a domain's flag directly, as if done in
// Openprovider's control panel; it is not logged as a call.
func (s *Server) SetPrivateWhois(fullName string, on bool) {
	s.update(fullName, func(d *Domain) bool {
		changed := d.PrivateWhois != on
		if changed {
			s.switchPrivacy(d, on)
		}
		return changed
	})
}

// SetPrivateWhoisAllowed sets whether privacy may be switched on.
func (s *Server) SetPrivateWhoisAllowed(fullName string, allowed bool) {
	s.update(fullName, func(d *Domain) bool { d.PrivateWhoisAllowed = allowed; return false })
}

// Defer makes the domain accept a switch-on without carrying it out until
// Activate, as for a change that waits for the registry.
func (s *Server) Defer(fullName string) {
	s.update(fullName, func(d *Domain) bool { d.deferred = true; return false })
}

// Activate carries out a deferred switch-on.
func (s *Server) Activate(fullName string) {
	s.update(fullName, func(d *Domain) bool {
		if !d.pending {
			return false
		}
		d.pending = false
		s.switchPrivacy(d, true)
		return true
	})
}

// update changes a domain and tells the hooks when its published data
// changed.
func (s *Server) update(fullName string, f func(d *Domain) bool) {
	s.mu.Lock()
	d := s.byName(fullName)
	if d == nil {
		s.mu.Unlock()
		panic("openprovidertest: no domain " + fullName)
	}
	changed := f(d)
	name := d.FullName()
	hooks := append([]func(string){}, s.onChange...)
	s.mu.Unlock()
	if changed {
		for _, h := range hooks {
			h(name)
		}
	}
}

// OnChange adds a hook called (outside the fake's lock) with the domain's
// full name whenever its WHOIS privacy flag changes, so that fake RDAP and
// WHOIS servers can publish the privacy service's data instead.
func (s *Server) OnChange(hook func(domain string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onChange = append(s.onChange, hook)
}

// Fail injects a fault; faults answer in the order they were added.
func (s *Server) Fail(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes the faults not yet used.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// ExpireTokens makes every token issued so far expired.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.tokens {
		s.tokens[t] = time.Time{}
	}
}

// SetTokenTTL sets the lifetime of tokens issued from now on.
func (s *Server) SetTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenTTL = d
}

// Calls returns the calls answered so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Count counts the calls with a method and path (path may end in "*" to
// match a prefix).
func (s *Server) Count(method, pathPattern string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Method == method && matchPath(pathPattern, c.Path) {
			n++
		}
	}
	return n
}

// Changes counts the effective changes made to a domain through the API.
func (s *Server) Changes(fullName string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Changed && strings.EqualFold(c.Domain, fullName) {
			n++
		}
	}
	return n
}

func matchPath(pattern, p string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(p, prefix)
	}
	return p == pattern
}

// switchPrivacy turns a domain's privacy service on or off; on, it is paid
// for a year. Call it with the lock held.
func (s *Server) switchPrivacy(d *Domain, on bool) {
	d.PrivateWhois = on
	d.PrivacyUntil = time.Time{}
	if on {
		d.PrivacyUntil = s.now().UTC().AddDate(1, 0, 0).Truncate(time.Second)
	}
}

// ServeHTTP answers as Openprovider's API would.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
	defer func() {
		if !rec.logged {
			s.log(rec)
		}
	}()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		s.answer(w, rec, http.StatusBadRequest, CodeInvalidRequest, "Invalid request body", nil)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	s.mu.Lock()
	desc := s.desc
	s.mu.Unlock()
	if desc != nil {
		if err := desc.CheckRequest(r.Method, r.URL.Path, r.URL.Query(), body); err != nil {
			rec.Violation = err.Error()
			s.violate(err.Error())
			// The description defines no answer to what it does not
			// define; the fake refuses it loudly (the real API may
			// ignore an unknown parameter: a filter silently lost).
			if errors.Is(err, errUndefinedPath) {
				rec.Status = http.StatusNotFound
				http.NotFound(w, r)
				return
			}
			s.answer(w, rec, http.StatusBadRequest, CodeInvalidRequest, "Invalid request: "+err.Error(), nil)
			return
		}
	}
	if f := s.takeFault(r); f != nil {
		rec.Fault = f.Kind
		s.serveFault(w, r, f, rec)
		return
	}
	if desc == nil {
		s.route(w, r, rec)
		return
	}
	ar := &answerRecorder{ResponseWriter: w, status: http.StatusOK}
	s.route(ar, r, rec)
	if err := desc.CheckAnswer(r.Method, r.URL.Path, ar.status, ar.body.Bytes()); err != nil {
		s.violate(err.Error())
	}
}

func (s *Server) violate(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, v)
}

// answerRecorder keeps a copy of an answer, to hold it to the description.
type answerRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (a *answerRecorder) WriteHeader(status int) {
	a.status = status
	a.ResponseWriter.WriteHeader(status)
}

func (a *answerRecorder) Write(b []byte) (int, error) {
	a.body.Write(b)
	return a.ResponseWriter.Write(b)
}

func (s *Server) log(c *Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, *c)
}

func (s *Server) takeFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == r.Method) && strings.HasPrefix(r.URL.Path, f.PathPrefix) {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}

func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, f *Fault, rec *Call) {
	switch f.Kind {
	case Garbage:
		rec.Status = http.StatusOK
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "<html><body>502 Bad Gateway</body>")
	case Oversize:
		rec.Status = http.StatusOK
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		fmt.Fprintf(w, `{"code":0,"desc":"%s","data":{}}`, strings.Repeat("x", 1<<20+512))
	case Slow:
		// The body is read (ServeHTTP did): only then does the server
		// notice a client that gives up and closes the connection.
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			rec.Status = 0
			return
		}
		s.route(w, r, rec)
	case TooManyRequests:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		rec.Status = http.StatusTooManyRequests
		writeEnvelope(w, http.StatusTooManyRequests, 0, "Too many requests", nil)
	case ServerError:
		rec.Status, rec.Code = http.StatusInternalServerError, 1
		writeEnvelope(w, http.StatusInternalServerError, 1, "Internal error", nil)
	case Drop:
		s.closeUnanswered(w, rec)
	case LoseAnswer:
		s.route(discard{header: http.Header{}}, r, rec)
		s.closeUnanswered(w, rec)
	case EnvelopeCode:
		status := f.Status
		if status == 0 {
			status = http.StatusOK
		}
		rec.Status, rec.Code = status, f.Code
		writeEnvelope(w, status, f.Code, f.Desc, nil)
	default:
		panic("openprovidertest: unknown fault " + string(f.Kind))
	}
}

// closeUnanswered closes the connection without an answer. The call is
// logged first: the client sees the connection close at once and may ask
// again — and a test count the calls — before this handler returns.
func (s *Server) closeUnanswered(w http.ResponseWriter, rec *Call) {
	rec.Status = 0
	s.log(rec)
	rec.logged = true
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// route serves the API's paths, after the call limits.
func (s *Server) route(w http.ResponseWriter, r *http.Request, rec *Call) {
	if s.limited(w, r, rec) {
		return
	}
	p := r.URL.Path
	switch {
	case p == "/v1beta/auth/login" && r.Method == http.MethodPost:
		s.login(w, r, rec)
	case p == "/v1beta/domains" && r.Method == http.MethodGet:
		if s.authorised(w, r, rec) {
			s.listDomains(w, r, rec)
		}
	case strings.HasPrefix(p, "/v1beta/domains/") && (r.Method == http.MethodGet || r.Method == http.MethodPut):
		id, err := strconv.ParseInt(strings.TrimPrefix(p, "/v1beta/domains/"), 10, 64)
		if err != nil {
			s.answer(w, rec, http.StatusNotFound, CodeInvalidRequest, "Invalid domain id", nil)
			return
		}
		if !s.authorised(w, r, rec) {
			return
		}
		if r.Method == http.MethodGet {
			s.getDomain(w, r, id, rec)
		} else {
			s.updateDomain(w, r, id, rec)
		}
	default:
		rec.Status = http.StatusNotFound
		http.NotFound(w, r)
	}
}

// limited answers a call that Openprovider's call limits refuse: any call
// from a blacklisted IP address with 10005, any call while the account is
// blocked with 50. The HTTP statuses (403, 429) are the fake's choice: the
// description gives error answers only their envelope (errorError).
func (s *Server) limited(w http.ResponseWriter, r *http.Request, rec *Call) bool {
	ip := remoteIP(r)
	s.mu.Lock()
	blacklisted := s.blacklist[ip]
	blocked := s.now().Before(s.blockedUntil)
	s.mu.Unlock()
	switch {
	case blacklisted:
		s.answer(w, rec, http.StatusForbidden, CodeAccessDenied, "Access denied", nil)
		return true
	case blocked:
		s.answer(w, rec, http.StatusTooManyRequests, CodeCallsLimit, "Calls limit has been reached", nil)
		return true
	}
	return false
}

// countIdentical counts an authorised call among its identical ones (the
// same method, path, query and body: "all arguments are identical") and
// blacklists the caller's IP address when there are more than the limit
// allows; it answers the call that crosses it. Logins are not counted:
// token requests have their own limit.
func (s *Server) countIdentical(w http.ResponseWriter, r *http.Request, rec *Call) bool {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	key := r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery + "\n" + string(body)
	s.mu.Lock()
	l := s.limits
	if l.IdenticalCalls <= 0 {
		s.mu.Unlock()
		return false
	}
	now := s.now()
	times := recent(s.identical[key], now, l.IdenticalWindow)
	times = append(times, now)
	s.identical[key] = times
	over := len(times) > l.IdenticalCalls
	if over {
		s.blacklist[remoteIP(r)] = true
	}
	s.mu.Unlock()
	if over {
		s.answer(w, rec, http.StatusForbidden, CodeAccessDenied, "Access denied", nil)
	}
	return over
}

// recent keeps the times within a window before now.
func recent(times []time.Time, now time.Time, window time.Duration) []time.Time {
	i := 0
	for i < len(times) && !times[i].After(now.Add(-window)) {
		i++
	}
	return append([]time.Time(nil), times[i:]...)
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) answer(w http.ResponseWriter, rec *Call, status, code int, desc string, data any) {
	rec.Status, rec.Code = status, code
	writeEnvelope(w, status, code, desc, data)
}

// writeEnvelope writes the description's envelope: code, desc and data
// (an object on success; on failure errorError's data, a string).
func writeEnvelope(w http.ResponseWriter, status, code int, desc string, data any) {
	env := map[string]any{"code": code, "desc": desc}
	switch {
	case data != nil:
		env["data"] = data
	case code != 0:
		env["data"] = ""
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(env)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, rec *Call) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
		IP       string `json:"ip"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil {
		s.answer(w, rec, http.StatusBadRequest, CodeInvalidRequest, "Invalid request body", nil)
		return
	}
	s.mu.Lock()
	ok := req.Username == s.username && req.Password == s.password && s.username != ""
	var token string
	if ok {
		b := make([]byte, 16)
		rand.Read(b)
		token = hex.EncodeToString(b)
		s.tokens[token] = s.now().Add(s.tokenTTL)
	} else if l := s.limits; l.FailedLogins > 0 {
		// Failed logins "block the account after 100 calls in 3600
		// seconds ... automatically unblocked after 20 minutes"
		// (knowledge base; REGISTRIES.md): this refusal still says 196,
		// the calls after it get 50.
		now := s.now()
		s.failedLogins = append(recent(s.failedLogins, now, l.FailedLoginWindow), now)
		if len(s.failedLogins) >= l.FailedLogins {
			s.blockedUntil = now.Add(l.LoginBlock)
			s.failedLogins = nil
		}
	}
	s.mu.Unlock()
	if !ok {
		s.answer(w, rec, http.StatusUnauthorized, CodeAuthFailed, "Authentication/Authorization Failed", nil)
		return
	}
	s.answer(w, rec, http.StatusOK, 0, "", map[string]any{"token": token, "reseller_id": 123456})
}

// authorised checks the bearer token, answering when it is refused.
func (s *Server) authorised(w http.ResponseWriter, r *http.Request, rec *Call) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	exp, known := s.tokens[token]
	valid := ok && known && s.now().Before(exp)
	s.mu.Unlock()
	if !valid {
		s.answer(w, rec, http.StatusUnauthorized, CodeAuthFailed, "Authentication/Authorization Failed", nil)
		return false
	}
	return !s.countIdentical(w, r, rec)
}

// listDomains is GET /v1beta/domains. The quick-start ("Search for a
// domain") lists its filters: "the full domain name" (full_name, "Full name
// of the domain." in the description: the whole name, matched exactly,
// domain names being case-insensitive) and "a wildcard pattern on the
// domain name" (domain_name_pattern, with "*"). Filters given together all
// apply. At most 1000 results a page (knowledge base, "Search results
// limit"); 100 when no limit is given is the fake's choice.
func (s *Server) listDomains(w http.ResponseWriter, r *http.Request, rec *Call) {
	q := r.URL.Query()
	pattern := strings.ToLower(q.Get("domain_name_pattern"))
	ext := strings.ToLower(q.Get("extension"))
	full := strings.ToLower(strings.TrimSuffix(q.Get("full_name"), "."))
	limit, offset := 100, 0
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 {
		limit = min(v, 1000)
	}
	if v, err := strconv.Atoi(q.Get("offset")); err == nil && v >= 0 {
		offset = v
	}
	s.mu.Lock()
	var all []map[string]any
	for _, d := range s.sorted() {
		if pattern != "" && !globMatch(pattern, d.Name) {
			continue
		}
		if ext != "" && ext != d.Extension {
			continue
		}
		if full != "" && full != d.FullName() {
			continue
		}
		all = append(all, wire(d, false))
	}
	s.mu.Unlock()
	total := len(all)
	page := all[min(offset, total):min(offset+limit, total)]
	if page == nil {
		page = []map[string]any{}
	}
	s.answer(w, rec, http.StatusOK, 0, "", map[string]any{"results": page, "total": total})
}

// getDomain is GET /v1beta/domains/{id}. The privacy service's own data
// comes only when asked: with_whois_privacy_data, "Returns WPP data." (the
// description; REGISTRIES.md).
func (s *Server) getDomain(w http.ResponseWriter, r *http.Request, id int64, rec *Call) {
	withPrivacy := r.URL.Query().Get("with_whois_privacy_data") == "true"
	s.mu.Lock()
	d, ok := s.domains[id]
	var data map[string]any
	if ok {
		data = wire(d, withPrivacy)
		rec.Domain = d.FullName()
	}
	s.mu.Unlock()
	if !ok {
		s.answer(w, rec, http.StatusNotFound, CodeNotFound, "Domain not found", nil)
		return
	}
	s.answer(w, rec, http.StatusOK, 0, "", data)
}

func (s *Server) updateDomain(w http.ResponseWriter, r *http.Request, id int64, rec *Call) {
	var req map[string]json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil {
		s.answer(w, rec, http.StatusBadRequest, CodeInvalidRequest, "Invalid request body", nil)
		return
	}
	var on *bool
	if raw, ok := req["is_private_whois_enabled"]; ok {
		var v bool
		if err := json.Unmarshal(raw, &v); err != nil {
			s.answer(w, rec, http.StatusBadRequest, CodeInvalidRequest, "is_private_whois_enabled must be a boolean", nil)
			return
		}
		on = &v
	}
	s.mu.Lock()
	d, ok := s.domains[id]
	if !ok {
		s.mu.Unlock()
		s.answer(w, rec, http.StatusNotFound, CodeNotFound, "Domain not found", nil)
		return
	}
	rec.Domain = d.FullName()
	if on != nil && *on && !d.PrivateWhois && !d.PrivateWhoisAllowed {
		s.mu.Unlock()
		s.answer(w, rec, http.StatusBadRequest, CodeNotAllowed, "Whois privacy protection is not allowed for this extension", nil)
		return
	}
	published := false
	if on != nil {
		switch {
		case *on && !d.PrivateWhois && d.deferred && !d.pending:
			d.pending, rec.Changed = true, true
		case *on && !d.PrivateWhois && !d.deferred:
			s.switchPrivacy(d, true)
			rec.Changed, published = true, true
		case !*on && d.pending:
			d.pending, rec.Changed = false, true
		case !*on && d.PrivateWhois:
			s.switchPrivacy(d, false)
			rec.Changed, published = true, true
		}
	}
	data := map[string]any{"id": d.ID, "status": d.Status}
	name := d.FullName()
	hooks := append([]func(string){}, s.onChange...)
	s.mu.Unlock()
	if published {
		for _, h := range hooks {
			h(name)
		}
	}
	s.answer(w, rec, http.StatusOK, 0, "", data)
}

// wire is a domain as Openprovider's API shows it (domainGetDomainResponseData
// in the description), with whois_privacy_data when asked for and the
// service is on.
func wire(d *Domain, withPrivacy bool) map[string]any {
	m := map[string]any{
		"id":                       d.ID,
		"domain":                   map[string]any{"name": d.Name, "extension": d.Extension},
		"status":                   d.Status,
		"is_private_whois_enabled": d.PrivateWhois,
		"is_private_whois_allowed": d.PrivateWhoisAllowed,
		"owner_handle":             fmt.Sprintf("XX%06d-XX", d.ID),
		"owner":                    map[string]any{"full_name": d.Owner},
	}
	if withPrivacy && d.PrivateWhois {
		// The description's example of WhoisPrivacyData:
		// {"expiration_date": "2020-04-29 17:15:19"}.
		m["whois_privacy_data"] = map[string]any{"expiration_date": d.PrivacyUntil.Format("2006-01-02 15:04:05")}
	}
	return m
}

func (s *Server) byName(fullName string) *Domain {
	for _, d := range s.domains {
		if strings.EqualFold(d.FullName(), fullName) {
			return d
		}
	}
	return nil
}

func (s *Server) sorted() []*Domain {
	out := make([]*Domain, 0, len(s.domains))
	for _, d := range s.domains {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// globMatch matches domain_name_pattern, where "*" is any run of
// characters (the quick-start's "greatdomain*" finds greatdomain and
// greatdomain1); a pattern without "*" must match exactly, which no
// document says and the client does not rely on.
func globMatch(pattern, name string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == name
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(name, p)
		if i < 0 {
			return false
		}
		name = name[i+len(p):]
	}
	return len(name) >= len(last) && strings.HasSuffix(name, last)
}

// discard is a ResponseWriter that throws the answer away.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
