package openprovidertest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
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
		"domain_name_pattern=%25example%25":          3,
		"full_name=example.net":                      1,
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
	status, env = do(t, srv, http.MethodPut, "/v1beta/domains/"+strconv.FormatInt(id, 10), token, `{"is_private_whois_enabled":"yes"}`)
	if status != 400 || env["code"] != float64(CodeInvalidRequest) {
		t.Errorf("put with a string: %d %v", status, env)
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
