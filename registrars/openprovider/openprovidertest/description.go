package openprovidertest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Description is Openprovider's published API description, the v1beta
// swagger files (swagger_auth.swagger.json, swagger_domain.swagger.json
// from openprovider/api-documentation, kept in ../shared/parties/openprovider
// beside the repository), reduced to what the fake holds requests and
// answers to: each path and method, its path and query parameters with
// their types, its body schema, and the schemas of its answers.
type Description struct {
	ops  []*operation
	defs map[string]*schema
}

// operation is one path and method of the description.
type operation struct {
	method   string
	template string   // "/v1beta/domains/{id}"
	segments []string // "v1beta", "domains", "{id}"
	params   map[string]parameter
	body     *schema // nil: the operation takes no body
	answer   *schema // the 200 answer
	fallback *schema // the "default" answer: errorError
}

// parameter is a path or query parameter.
type parameter struct {
	Name             string  `json:"name"`
	In               string  `json:"in"`
	Type             string  `json:"type"`
	Format           string  `json:"format"`
	Required         bool    `json:"required"`
	Items            *schema `json:"items"`
	CollectionFormat string  `json:"collectionFormat"`
	Schema           *schema `json:"schema"` // for in: body
}

// schema is the part of a swagger 2.0 schema the checks use.
type schema struct {
	Ref        string             `json:"$ref"`
	Type       string             `json:"type"`
	Format     string             `json:"format"`
	Properties map[string]*schema `json:"properties"`
	Items      *schema            `json:"items"`
}

type swaggerFile struct {
	Swagger     string                                `json:"swagger"`
	Paths       map[string]map[string]json.RawMessage `json:"paths"`
	Definitions map[string]*schema                    `json:"definitions"`
}

type swaggerOp struct {
	Parameters []parameter `json:"parameters"`
	Responses  map[string]struct {
		Schema *schema `json:"schema"`
	} `json:"responses"`
}

// LoadDescription reads every *.swagger.json file in dir.
func LoadDescription(dir string) (*Description, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.swagger.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.swagger.json files in %s", dir)
	}
	sort.Strings(files)
	d := &Description{defs: map[string]*schema{}}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var sf swaggerFile
		if err := json.Unmarshal(b, &sf); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if sf.Swagger != "2.0" {
			return nil, fmt.Errorf("%s: swagger %q, want 2.0", f, sf.Swagger)
		}
		for name, s := range sf.Definitions {
			d.defs[name] = s
		}
		for tmpl, methods := range sf.Paths {
			for method, raw := range methods {
				if method == "parameters" {
					return nil, fmt.Errorf("%s: path-level parameters on %s are not supported", f, tmpl)
				}
				var so swaggerOp
				if err := json.Unmarshal(raw, &so); err != nil {
					return nil, fmt.Errorf("%s: %s %s: %w", f, method, tmpl, err)
				}
				op := &operation{method: strings.ToUpper(method), template: tmpl,
					segments: strings.Split(strings.Trim(tmpl, "/"), "/"), params: map[string]parameter{}}
				for _, p := range so.Parameters {
					if p.In == "body" {
						op.body = p.Schema
						continue
					}
					op.params[p.Name] = p
				}
				op.answer = so.Responses["200"].Schema
				op.fallback = so.Responses["default"].Schema
				d.ops = append(d.ops, op)
			}
		}
	}
	// Literal paths before templated ones: /v1beta/domains/check is not
	// /v1beta/domains/{id}.
	sort.SliceStable(d.ops, func(i, j int) bool {
		return strings.Count(d.ops[i].template, "{") < strings.Count(d.ops[j].template, "{")
	})
	return d, nil
}

// Defines says whether the description has the path and method.
func (d *Description) Defines(method, path string) bool {
	op, _ := d.find(method, path)
	return op != nil
}

// find is the operation of a path and method, with its path parameters.
func (d *Description) find(method, path string) (*operation, map[string]string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, op := range d.ops {
		if op.method != method || len(op.segments) != len(segs) {
			continue
		}
		vars := map[string]string{}
		ok := true
		for i, s := range op.segments {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				if segs[i] == "" {
					ok = false
					break
				}
				vars[s[1:len(s)-1]] = segs[i]
				continue
			}
			if s != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			return op, vars
		}
	}
	return nil, nil
}

// errUndefinedPath marks a request whose path and method the description
// does not have.
var errUndefinedPath = errors.New("not in Openprovider's API description")

// CheckRequest says what in a request the description does not define: the
// path and method, a path or query parameter or its type, a body where
// none is taken, or a body field or its type.
func (d *Description) CheckRequest(method, path string, query url.Values, body []byte) error {
	op, vars := d.find(method, path)
	if op == nil {
		return fmt.Errorf("%s %s: %w", method, path, errUndefinedPath)
	}
	where := method + " " + op.template
	for name, v := range vars {
		p, ok := op.params[name]
		if !ok || p.In != "path" {
			return fmt.Errorf("%s: path parameter %q is not defined", where, name)
		}
		if err := p.check(v); err != nil {
			return fmt.Errorf("%s: path parameter %s: %w", where, name, err)
		}
	}
	names := make([]string, 0, len(query))
	for name := range query {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p, ok := op.params[name]
		if !ok || p.In != "query" {
			return fmt.Errorf("%s: query parameter %q is not defined", where, name)
		}
		vs := query[name]
		if len(vs) > 1 && (p.Type != "array" || p.CollectionFormat != "multi") {
			return fmt.Errorf("%s: query parameter %q given %d times", where, name, len(vs))
		}
		for _, v := range vs {
			if err := p.check(v); err != nil {
				return fmt.Errorf("%s: query parameter %s: %w", where, name, err)
			}
		}
	}
	for name, p := range op.params {
		if p.Required && p.In == "query" && !query.Has(name) {
			return fmt.Errorf("%s: required query parameter %q is missing", where, name)
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if op.body == nil {
		return fmt.Errorf("%s takes no body", where)
	}
	v, err := decodeJSON(body)
	if err != nil {
		return fmt.Errorf("%s: the body is not JSON: %w", where, err)
	}
	if err := d.checkValue(op.body, v, "body"); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

// CheckAnswer says what in an answer the description does not define: a
// 200 answer is held to the operation's own answer schema (the envelope
// with its data), any other to its "default" one (errorError: code, desc,
// data).
func (d *Description) CheckAnswer(method, path string, status int, body []byte) error {
	op, _ := d.find(method, path)
	if op == nil {
		return fmt.Errorf("%s %s: %w", method, path, errUndefinedPath)
	}
	s := op.fallback
	if status == 200 {
		s = op.answer
	}
	if s == nil {
		return fmt.Errorf("%s %s: no answer schema for HTTP %d", method, op.template, status)
	}
	v, err := decodeJSON(body)
	if err != nil {
		return fmt.Errorf("answer to %s %s (HTTP %d) is not JSON: %w", method, op.template, status, err)
	}
	if err := d.checkValue(s, v, "answer"); err != nil {
		return fmt.Errorf("answer to %s %s (HTTP %d): %w", method, op.template, status, err)
	}
	return nil
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}

// check checks a path or query parameter's text against its type.
func (p parameter) check(v string) error {
	typ, format := p.Type, p.Format
	if typ == "array" && p.Items != nil {
		typ, format = p.Items.Type, p.Items.Format
	}
	switch typ {
	case "integer":
		bits := 64
		if format == "int32" {
			bits = 32
		}
		if _, err := strconv.ParseInt(v, 10, bits); err != nil {
			return fmt.Errorf("%q is not an %s", v, format)
		}
	case "boolean":
		if v != "true" && v != "false" {
			return fmt.Errorf("%q is not a boolean", v)
		}
	case "number":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return fmt.Errorf("%q is not a number", v)
		}
	}
	return nil
}

// resolve follows a $ref to its definition.
func (d *Description) resolve(s *schema) (*schema, error) {
	for s != nil && s.Ref != "" {
		name, ok := strings.CutPrefix(s.Ref, "#/definitions/")
		if !ok {
			return nil, fmt.Errorf("unsupported reference %q", s.Ref)
		}
		def, ok := d.defs[name]
		if !ok {
			return nil, fmt.Errorf("reference to undefined %q", name)
		}
		s = def
	}
	return s, nil
}

// checkValue holds a decoded JSON value to a schema: only the properties it
// defines, each of its type.
func (d *Description) checkValue(s *schema, v any, at string) error {
	s, err := d.resolve(s)
	if err != nil || s == nil {
		return err
	}
	switch {
	case s.Type == "object" || len(s.Properties) > 0:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %s, want an object", at, kindOf(v))
		}
		if len(s.Properties) == 0 {
			return nil // a free-form object
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p, ok := s.Properties[k]
			if !ok {
				return fmt.Errorf("%s: field %q is not defined", at, k)
			}
			if err := d.checkValue(p, m[k], at+"."+k); err != nil {
				return err
			}
		}
	case s.Type == "array":
		a, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: %s, want an array", at, kindOf(v))
		}
		for i, e := range a {
			if err := d.checkValue(s.Items, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case s.Type == "string":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s: %s, want a string", at, kindOf(v))
		}
	case s.Type == "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: %s, want a boolean", at, kindOf(v))
		}
	case s.Type == "integer":
		n, ok := v.(json.Number)
		if !ok {
			return fmt.Errorf("%s: %s, want an integer", at, kindOf(v))
		}
		if _, err := n.Int64(); err != nil {
			return fmt.Errorf("%s: %s is not an integer", at, n)
		}
	case s.Type == "number":
		if _, ok := v.(json.Number); !ok {
			return fmt.Errorf("%s: %s, want a number", at, kindOf(v))
		}
	}
	return nil
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// DescriptionDir is where Openprovider's description lies: shared/ sits
// beside the repository (../shared from the module root, as in CI), in
// parties/openprovider. The module root is found from the working
// directory, which is a package's directory under go test.
func DescriptionDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run from inside the module")
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared", "parties", "openprovider")
	if _, err := os.Stat(filepath.Join(d, "swagger_domain.swagger.json")); err != nil {
		return "", fmt.Errorf("Openprovider's API description is not at %s (shared/ belongs beside the repository): %w", d, err)
	}
	return filepath.Clean(d), nil
}

var loaded struct {
	once sync.Once
	d    *Description
	err  error
}

// TB is the part of testing.TB that HoldToDescription uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
	Cleanup(func())
}

// HoldToDescription makes the fake check every request it receives, and
// every answer it gives, against Openprovider's published description
// (DescriptionDir); the test fails at its end for each request or answer
// the description does not define. A test that cannot find the description
// fails at once.
func HoldToDescription(t TB, s *Server) {
	t.Helper()
	loaded.once.Do(func() {
		dir, err := DescriptionDir()
		if err != nil {
			loaded.err = err
			return
		}
		loaded.d, loaded.err = LoadDescription(dir)
	})
	if loaded.err != nil {
		t.Fatalf("openprovidertest: %v", loaded.err)
	}
	s.CheckAgainst(loaded.d)
	t.Cleanup(func() {
		for _, v := range s.Violations() {
			t.Errorf("Openprovider's description does not allow: %s", v)
		}
	})
}
