package openprovidertest

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

func loadDescription(t *testing.T) *Description {
	t.Helper()
	dir, err := DescriptionDir()
	if err != nil {
		t.Fatal(err)
	}
	d, err := LoadDescription(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDescriptionHasWhatTheFakeServes: every path and method the fake
// answers is in Openprovider's description.
func TestDescriptionHasWhatTheFakeServes(t *testing.T) {
	d := loadDescription(t)
	ops := d.operationsOf()
	for _, op := range []string{"POST /v1beta/auth/login", "GET /v1beta/domains", "GET /v1beta/domains/{id}", "PUT /v1beta/domains/{id}"} {
		if !slices.Contains(ops, op) {
			t.Errorf("%s is not in the description (it has %v)", op, ops)
		}
	}
	// A literal path is not taken for a template.
	if op, _ := d.find("POST", "/v1beta/domains/check"); op == nil || op.template != "/v1beta/domains/check" {
		t.Errorf("POST /v1beta/domains/check: %+v", op)
	}
}

func TestCheckRequest(t *testing.T) {
	d := loadDescription(t)
	q := func(s string) url.Values { v, _ := url.ParseQuery(s); return v }
	cases := []struct {
		method, path, query, body string
		bad                       string // "" when allowed; else part of the error
	}{
		{"POST", "/v1beta/auth/login", "", `{"username":"u","password":"p","ip":"0.0.0.0"}`, ""},
		{"POST", "/v1beta/auth/login", "", `{"username":"u","password":"p","ip":0}`, "want a string"},
		{"POST", "/v1beta/auth/login", "", `{"user":"u"}`, `field "user" is not defined`},
		{"POST", "/v1beta/auth/login", "", `["u"]`, "want an object"},
		{"POST", "/v1beta/auth/login", "", `{"username":`, "not JSON"},
		{"GET", "/v1beta/domains", "full_name=example.com", "", ""},
		{"GET", "/v1beta/domains", "domain_name_pattern=exam*&extension=com&limit=10&offset=0", "", ""},
		{"GET", "/v1beta/domains", "status_not_equal=DEL&status_not_equal=FAI", "", ""},
		{"GET", "/v1beta/domains", "limit=ten", "", "is not an int32"},
		{"GET", "/v1beta/domains", "full_name=a.com&full_name=b.com", "", "given 2 times"},
		{"GET", "/v1beta/domains", "name=example", "", `query parameter "name" is not defined`},
		{"GET", "/v1beta/domains", "", `{"full_name":"example.com"}`, "takes no body"},
		{"GET", "/v1beta/domains/1001", "with_whois_privacy_data=true", "", ""},
		{"GET", "/v1beta/domains/1001", "with_whois_privacy_data=1", "", "not a boolean"},
		{"GET", "/v1beta/domains/abc", "", "", "is not an int32"},
		{"GET", "/v1beta/domains/99999999999", "", "", "is not an int32"},
		{"PUT", "/v1beta/domains/1001", "", `{"is_private_whois_enabled":true}`, ""},
		{"PUT", "/v1beta/domains/1001", "", `{"is_private_whois_enabled":"true"}`, "want a boolean"},
		{"PUT", "/v1beta/domains/1001", "", `{"domain":{"name":"example","extension":"com","tld":"com"}}`, `body.domain: field "tld"`},
		{"PUT", "/v1beta/domains/1001", "", `{"name_servers":[{"name":"ns1.example.net","seq_nr":1}]}`, ""},
		{"PUT", "/v1beta/domains/1001", "", `{"name_servers":[{"name":1}]}`, "body.name_servers[0].name"},
		{"PATCH", "/v1beta/domains/1001", "", "", "not in Openprovider's API description"},
		{"GET", "/v1beta/domain", "", "", "not in Openprovider's API description"},
		{"GET", "/v1/domains", "", "", "not in Openprovider's API description"},
	}
	for _, c := range cases {
		err := d.CheckRequest(c.method, c.path, q(c.query), []byte(c.body))
		switch {
		case c.bad == "" && err != nil:
			t.Errorf("%s %s?%s %s: %v", c.method, c.path, c.query, c.body, err)
		case c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)):
			t.Errorf("%s %s?%s %s: %v, want an error with %q", c.method, c.path, c.query, c.body, err, c.bad)
		}
	}
}

func TestCheckAnswer(t *testing.T) {
	d := loadDescription(t)
	cases := []struct {
		method, path string
		status       int
		body, bad    string
	}{
		{"POST", "/v1beta/auth/login", 200, `{"code":0,"desc":"","data":{"token":"t","reseller_id":1}}`, ""},
		{"POST", "/v1beta/auth/login", 200, `{"code":0,"desc":"","data":{"token":"t","expires":1}}`, `answer.data: field "expires"`},
		{"POST", "/v1beta/auth/login", 401, `{"code":196,"desc":"Authentication/Authorization Failed","data":""}`, ""},
		{"POST", "/v1beta/auth/login", 401, `{"code":196,"desc":"x","data":{}}`, "want a string"},
		{"GET", "/v1beta/domains/1", 200, `{"code":0,"desc":"","data":{"id":1,"domain":{"name":"a","extension":"com"},"whois_privacy_data":{"expiration_date":"2027-01-01 00:00:00"}}}`, ""},
		{"GET", "/v1beta/domains/1", 200, `{"code":0,"desc":"","data":{"id":1,"privacy":true}}`, `field "privacy"`},
		{"GET", "/v1beta/domains", 200, `{"code":0,"desc":"","data":{"results":[{"id":1}],"total":1}}`, ""},
		{"GET", "/v1beta/domains", 200, `{"code":0,"message":""}`, `field "message"`},
		{"PUT", "/v1beta/domains/1", 200, `{"code":0,"desc":"","data":{"id":1,"status":"ACT"}}`, ""},
	}
	for _, c := range cases {
		err := d.CheckAnswer(c.method, c.path, c.status, []byte(c.body))
		switch {
		case c.bad == "" && err != nil:
			t.Errorf("%s %s %d %s: %v", c.method, c.path, c.status, c.body, err)
		case c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)):
			t.Errorf("%s %s %d %s: %v, want an error with %q", c.method, c.path, c.status, c.body, err, c.bad)
		}
	}
}

// operationsOf lists "METHOD template" for every operation, for tests.
func (d *Description) operationsOf() []string {
	var out []string
	for _, op := range d.ops {
		out = append(out, op.method+" "+op.template)
	}
	slices.Sort(out)
	return out
}
