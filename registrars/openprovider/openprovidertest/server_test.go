package openprovidertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// do sends one raw request and decodes the envelope.
func do(t *testing.T, srv *httptest.Server, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v", method, path, err)
	}
	return resp.StatusCode, env
}

func login(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	status, env := do(t, srv, http.MethodPost, "/v1beta/auth/login", "", `{"username":"u","password":"p","ip":"0.0.0.0"}`)
	data, _ := env["data"].(map[string]any)
	token, _ := data["token"].(string)
	if status != 200 || env["code"] != float64(0) || token == "" {
		t.Fatalf("login: %d %v", status, env)
	}
	return token
}

func TestWireFormat(t *testing.T) {
	fake := New("u", "p")
	HoldToDescription(t, fake)
	id := fake.AddDomain("example.com", "Jan de Vries")
	fake.AddDomain("example.net", "Jan de Vries")
	fake.AddDomain("myexample.com", "Jan de Vries")
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()

	status, env := do(t, srv, http.MethodPost, "/v1beta/auth/login", "", `{"username":"u","password":"wrong"}`)
	if status != 401 || env["code"] != float64(CodeAuthFailed) || env["desc"] == "" {
		t.Errorf("wrong password: %d %v", status, env)
	}
	token := login(t, srv)

	status, env = do(t, srv, http.MethodGet, "/v1beta/domains?domain_name_pattern=example&extension=com", "unknown-token", "")
	if status != 401 || env["code"] != float64(CodeAuthFailed) {
		t.Errorf("unknown token: %d %v", status, env)
	}

	for query, want := range map[string]int{
		"domain_name_pattern=example&extension=com":  1,
		"domain_name_pattern=example":                2,
		"domain_name_pattern=*example&extension=com": 2,
		"domain_name_pattern=%2Aexample%2A":          3,
		"domain_name_pattern=exam%2A&limit=2":        2,
		"full_name=example.net":                      1,
		"full_name=Example.NET":                      1,
		"full_name=example":                          0,
		"full_name=xample.com":                       0,
		"full_name=example.net&extension=com":        0,
		"extension=org":                              0,
	} {
		status, env = do(t, srv, http.MethodGet, "/v1beta/domains?"+query, token, "")
		data, _ := env["data"].(map[string]any)
		results, _ := data["results"].([]any)
		if status != 200 || env["code"] != float64(0) || len(results) != want || data["total"] != float64(want) {
			t.Errorf("list %s: %d %v", query, status, env)
		}
	}

	status, env = do(t, srv, http.MethodGet, "/v1beta/domains/"+strconv.FormatInt(id, 10), token, "")
	data, _ := env["data"].(map[string]any)
	dom, _ := data["domain"].(map[string]any)
	if status != 200 || data["id"] != float64(id) || dom["name"] != "example" || dom["extension"] != "com" ||
		data["is_private_whois_enabled"] != false || data["is_private_whois_allowed"] != true {
		t.Errorf("get: %d %v", status, env)
	}

	// The privacy service's data comes only when asked for
	// (with_whois_privacy_data), and only while the service is on.
	fake.SetPrivateWhois("example.net", true)
	netID := fake.mustID("example.net")
	for query, want := range map[string]bool{"": false, "?with_whois_privacy_data=false": false, "?with_whois_privacy_data=true": true} {
		_, env = do(t, srv, http.MethodGet, "/v1beta/domains/"+strconv.FormatInt(netID, 10)+query, token, "")
		data, _ := env["data"].(map[string]any)
		wpp, ok := data["whois_privacy_data"].(map[string]any)
		if ok != want || (ok && wpp["expiration_date"] == "") {
			t.Errorf("get%s: privacy data %v", query, data["whois_privacy_data"])
		}
	}
	_, env = do(t, srv, http.MethodGet, "/v1beta/domains?full_name=example.net", token, "")
	if strings.Contains(fmt.Sprint(env), "whois_privacy_data") {
		t.Errorf("the list shows privacy data: %v", env)
	}
	status, env = do(t, srv, http.MethodGet, "/v1beta/domains/77", token, "")
	if status != 404 || env["code"] != float64(CodeNotFound) {
		t.Errorf("get missing: %d %v", status, env)
	}

	status, env = do(t, srv, http.MethodPut, "/v1beta/domains/"+strconv.FormatInt(id, 10), token, `{"is_private_whois_enabled":true}`)
	data, _ = env["data"].(map[string]any)
	if status != 200 || env["code"] != float64(0) || data["id"] != float64(id) {
		t.Errorf("put: %d %v", status, env)
	}
	if d, _ := fake.Domain("example.com"); !d.PrivateWhois {
		t.Error("put did not switch privacy on")
	}
}

func (s *Server) mustID(fullName string) int64 {
	d, ok := s.Domain(fullName)
	if !ok {
		panic(fullName)
	}
	return d.ID
}

// TestFakeRefusesWhatTheDescriptionDoesNotDefine: held to the description,
// the fake refuses an undefined path, parameter, body field or type, and
// records each.
func TestFakeRefusesWhatTheDescriptionDoesNotDefine(t *testing.T) {
	fake := New("u", "p")
	dir, err := DescriptionDir()
	if err != nil {
		t.Fatal(err)
	}
	desc, err := LoadDescription(dir)
	if err != nil {
		t.Fatal(err)
	}
	fake.CheckAgainst(desc)
	id := strconv.FormatInt(fake.AddDomain("example.com", "Jan de Vries"), 10)
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()
	token := login(t, srv)
	for _, c := range []struct {
		method, path, body string
		status             int
	}{
		{http.MethodPut, "/v1beta/domains/" + id, `{"is_private_whois_enabled":"yes"}`, 400},
		{http.MethodPut, "/v1beta/domains/" + id, `{"whois_privacy":true}`, 400},
		{http.MethodGet, "/v1beta/domains?name=example&extension=com", "", 400},
		{http.MethodGet, "/v1beta/domains/" + id + "?with_whois_privacy_data=yes", "", 400},
		{http.MethodGet, "/v1beta/domains/" + id + "?with_privacy=true", "", 400},
		{http.MethodPost, "/v1beta/auth/login", `{"username":"u","password":"p","otp":"1"}`, 400},
	} {
		before := len(fake.Violations())
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status || len(fake.Violations()) != before+1 {
			t.Errorf("%s %s %s: %d, violations %v", c.method, c.path, c.body, resp.StatusCode, fake.Violations()[before:])
		}
	}
	for _, c := range []struct{ method, path string }{
		{http.MethodPatch, "/v1beta/domains/" + id},
		{http.MethodGet, "/v1beta/domains/" + id + "/privacy"},
		{http.MethodGet, "/v1beta/whois-privacy"},
	} {
		before := len(fake.Violations())
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 || len(fake.Violations()) != before+1 {
			t.Errorf("%s %s: %d, violations %v", c.method, c.path, resp.StatusCode, fake.Violations()[before:])
		}
	}
	if d, _ := fake.Domain("example.com"); d.PrivateWhois {
		t.Error("a refused request changed the domain")
	}
}

// TestFailedLoginsBlockTheAccount: after the limit's failed logins every
// call, the right password's too, is answered 50 for 20 minutes
// (REGISTRIES.md; the knowledge base on call limits).
func TestFailedLoginsBlockTheAccount(t *testing.T) {
	fake := New("u", "p")
	HoldToDescription(t, fake)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	fake.SetClock(func() time.Time { return now })
	fake.SetLimits(Limits{FailedLogins: 3, FailedLoginWindow: time.Minute, LoginBlock: 20 * time.Minute})
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()
	wrong := `{"username":"u","password":"wrong"}`
	// Failed logins outside the window do not add up.
	for range 2 {
		do(t, srv, http.MethodPost, "/v1beta/auth/login", "", wrong)
	}
	now = now.Add(2 * time.Minute)
	for i := range 3 {
		status, env := do(t, srv, http.MethodPost, "/v1beta/auth/login", "", wrong)
		if status != 401 || env["code"] != float64(CodeAuthFailed) {
			t.Errorf("failed login %d: %d %v", i, status, env)
		}
	}
	status, env := do(t, srv, http.MethodPost, "/v1beta/auth/login", "", `{"username":"u","password":"p"}`)
	if status != 429 || env["code"] != float64(CodeCallsLimit) || env["desc"] != "Calls limit has been reached" {
		t.Errorf("login during the block: %d %v", status, env)
	}
	now = now.Add(20*time.Minute - time.Second)
	if _, env := do(t, srv, http.MethodPost, "/v1beta/auth/login", "", `{"username":"u","password":"p"}`); env["code"] != float64(CodeCallsLimit) {
		t.Errorf("a second before the end: %v", env)
	}
	now = now.Add(time.Second)
	login(t, srv)
}

// TestIdenticalCallsBlacklistTheAddress: more identical calls than the
// limit allows are answered 10005, and so is everything else from the
// address, until it is taken off the blacklist (knowledge base).
func TestIdenticalCallsBlacklistTheAddress(t *testing.T) {
	fake := New("u", "p")
	HoldToDescription(t, fake)
	fake.SetLimits(Limits{IdenticalCalls: 2, IdenticalWindow: 300 * time.Second})
	id := strconv.FormatInt(fake.AddDomain("example.com", "Jan de Vries"), 10)
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()
	token := login(t, srv)
	login(t, srv)
	login(t, srv) // logins have their own limit: not counted
	for range 2 {
		if status, env := do(t, srv, http.MethodGet, "/v1beta/domains/"+id, token, ""); status != 200 || env["code"] != float64(0) {
			t.Fatalf("%d %v", status, env)
		}
	}
	// Another argument is another call.
	if _, env := do(t, srv, http.MethodGet, "/v1beta/domains/"+id+"?with_whois_privacy_data=true", token, ""); env["code"] != float64(0) {
		t.Fatalf("%v", env)
	}
	status, env := do(t, srv, http.MethodGet, "/v1beta/domains/"+id, token, "")
	if status != 403 || env["code"] != float64(CodeAccessDenied) || env["desc"] != "Access denied" {
		t.Errorf("third identical call: %d %v", status, env)
	}
	for _, c := range [][3]string{{http.MethodGet, "/v1beta/domains?full_name=example.com", ""}, {http.MethodPost, "/v1beta/auth/login", `{"username":"u","password":"p"}`}} {
		if _, env := do(t, srv, c[0], c[1], token, c[2]); env["code"] != float64(CodeAccessDenied) {
			t.Errorf("%s %s while blacklisted: %v", c[0], c[1], env)
		}
	}
	if len(fake.Blacklisted()) != 1 {
		t.Errorf("blacklist %v", fake.Blacklisted())
	}
	fake.RemoveFromBlacklist()
	if _, env := do(t, srv, http.MethodGet, "/v1beta/domains/"+id, token, ""); env["code"] != float64(0) {
		t.Errorf("after removal: %v", env)
	}
}

func TestCallLogAndHooks(t *testing.T) {
	fake := New("u", "p")
	id := fake.AddDomain("example.com", "Jan de Vries")
	fake.Defer("example.com")
	var told lockedBuffer
	fake.OnChange(func(d string) { told.WriteString(d + ";") })
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()
	token := login(t, srv)
	put := func(on bool) {
		do(t, srv, http.MethodPut, "/v1beta/domains/"+strconv.FormatInt(id, 10), token, `{"is_private_whois_enabled":`+strconv.FormatBool(on)+`}`)
	}
	put(true) // accepted, deferred: a change, not yet published
	put(true) // nothing new
	if fake.Changes("example.com") != 1 || told.Len() != 0 {
		t.Errorf("after deferred switch-on: %d changes, told %q", fake.Changes("example.com"), told.String())
	}
	fake.Activate("example.com")
	if told.String() != "example.com;" {
		t.Errorf("told %q after activation", told.String())
	}
	put(false)
	if fake.Changes("example.com") != 2 || told.String() != "example.com;example.com;" {
		t.Errorf("after switch-off: %d changes, told %q", fake.Changes("example.com"), told.String())
	}
	if n := fake.Count(http.MethodPut, "/v1beta/domains/*"); n != 3 {
		t.Errorf("%d PUTs logged, want 3", n)
	}
	if n := fake.Count(http.MethodPost, "/v1beta/auth/login"); n != 1 {
		t.Errorf("%d logins logged, want 1", n)
	}
}

func TestFaultsSelectAndUseUp(t *testing.T) {
	fake := New("u", "p")
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()
	fake.Fail(Fault{Kind: EnvelopeCode, Code: 50, Desc: "Calls limit has been reached", PathPrefix: "/v1beta/domains", Times: 2})
	token := login(t, srv) // not selected by the fault
	for i := range 3 {
		status, env := do(t, srv, http.MethodGet, "/v1beta/domains", token, "")
		wantCode := float64(50)
		if i == 2 {
			wantCode = 0
		}
		if status != 200 || env["code"] != wantCode {
			t.Errorf("call %d: %d %v", i, status, env)
		}
	}
	calls := fake.Calls()
	if calls[1].Fault != EnvelopeCode || calls[3].Fault != "" {
		t.Errorf("calls %+v", calls)
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) WriteString(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(s)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) Len() int { return len(b.String()) }
