package classify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/afscherm/afscherm/internal/model"
)

// RDAP classifies an RDAP domain response (RFC 9083). ours, when not nil,
// is our customer's own data, to say what matches. The error is for a
// response that is not an RDAP domain object at all.
func RDAP(domain string, body []byte, ours *model.Customer) (model.Classification, error) {
	r, err := parseRDAP(body)
	if err != nil {
		return model.Classification{Domain: domain}, err
	}
	return judge(domain, r, ours), nil
}

// rdapObject is the part of a JSON object the classifier reads. Members of
// an unexpected shape are skipped rather than failing the whole response,
// since servers differ.
type rdapObject map[string]json.RawMessage

func (o rdapObject) str(key string) string {
	var s string
	_ = json.Unmarshal(o[key], &s)
	return s
}

// strs reads a member that should be an array of strings but is sometimes
// a single string.
func (o rdapObject) strs(key string) []string {
	return flexStrings(o[key])
}

func flexStrings(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one string
	if json.Unmarshal(raw, &one) == nil && one != "" {
		return []string{one}
	}
	return nil
}

func (o rdapObject) objects(key string) []rdapObject {
	var list []rdapObject
	if json.Unmarshal(o[key], &list) != nil {
		var raws []json.RawMessage
		if json.Unmarshal(o[key], &raws) != nil {
			return nil
		}
		for _, r := range raws {
			var obj rdapObject
			if json.Unmarshal(r, &obj) == nil {
				list = append(list, obj)
			}
		}
	}
	return list
}

func parseRDAP(body []byte) (*response, error) {
	if len(body) > MaxResponseSize {
		return nil, fmt.Errorf("response is larger than %d bytes", MaxResponseSize)
	}
	var top rdapObject
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("not an RDAP JSON object: %w", err)
	}
	if top == nil {
		return nil, fmt.Errorf("not an RDAP JSON object")
	}
	if code := top["errorCode"]; code != nil {
		return nil, fmt.Errorf("RDAP error response %s: %s", string(code), top.str("title"))
	}
	if cls := top.str("objectClassName"); cls != "" && cls != "domain" {
		return nil, fmt.Errorf("RDAP object is a %q, not a domain", cls)
	}

	r := &response{}
	var walk func(list []rdapObject, depth int)
	walk = func(list []rdapObject, depth int) {
		if depth > 8 {
			return
		}
		for _, e := range list {
			if c := rdapContact(e); c != nil {
				r.contacts = append(r.contacts, c)
			}
			walk(e.objects("entities"), depth+1)
		}
	}
	walk(top.objects("entities"), 0)
	applyRedactedMember(r, top.objects("redacted"))
	for _, key := range []string{"notices", "remarks"} {
		for _, n := range top.objects(key) {
			text := n.str("title") + " " + strings.Join(n.strs("description"), " ")
			if w := withheldNotice(text); w != "" {
				reg := r.contact(roleRegistrant)
				if reg == nil {
					reg = newContact(roleRegistrant)
					r.contacts = append(r.contacts, reg)
				}
				if reg.withheld == "" && len(reg.values) == 0 {
					reg.withheld = fmt.Sprintf("the registry's notice %q", w)
				}
			}
		}
	}
	return r, nil
}

// rdapContact reads an entity with a registrant, administrative or
// technical role; others (registrar, abuse, reseller) do not count.
func rdapContact(e rdapObject) *contact {
	role := ""
	for _, rl := range e.strs("roles") {
		switch strings.ToLower(rl) {
		case "registrant":
			role = roleRegistrant
		case "administrative":
			if role == "" {
				role = roleAdministrative
			}
		case "technical":
			if role == "" {
				role = roleTechnical
			}
		}
	}
	if role == "" {
		return nil
	}
	c := newContact(role)
	c.handle = e.str("handle")
	readJCard(c, e["vcardArray"])
	for _, rm := range e.objects("remarks") {
		text := rm.str("title") + " " + strings.Join(rm.strs("description"), " ")
		if m := redactionMarker(text); m != "" && c.withheld == "" {
			c.withheld = fmt.Sprintf("remark %q", strings.TrimSpace(rm.str("title")))
		}
	}
	return c
}

// readJCard reads the properties of a jCard (RFC 7095): ["vcard", [[name,
// params, type, value…]…]].
func readJCard(c *contact, raw json.RawMessage) {
	var card []json.RawMessage
	if json.Unmarshal(raw, &card) != nil || len(card) < 2 {
		return
	}
	var props [][]json.RawMessage
	if json.Unmarshal(card[1], &props) != nil {
		return
	}
	for _, p := range props {
		if len(p) < 4 {
			continue
		}
		var name string
		if json.Unmarshal(p[0], &name) != nil {
			continue
		}
		var params map[string]json.RawMessage
		_ = json.Unmarshal(p[1], &params)
		values := p[3:]
		switch strings.ToLower(name) {
		case "fn":
			c.set(model.FieldName, jText(values))
		case "org":
			c.set(model.FieldOrganisation, jText(values))
		case "kind":
			switch strings.ToLower(jText(values)) {
			case "individual":
				c.kind, c.kindBy = kindPerson, `jCard kind "individual"`
			case "org", "group":
				c.kind, c.kindBy = kindOrganisation, `jCard kind "org"`
			}
		case "adr":
			readAdr(c, params, values)
		case "tel":
			if hasType(params, "fax") && !hasType(params, "voice") {
				continue
			}
			c.set(model.FieldPhone, strings.TrimPrefix(jText(values), "tel:"))
		case "email":
			c.set(model.FieldEmail, strings.TrimPrefix(jText(values), "mailto:"))
		case "contact-uri":
			if c.values[model.FieldEmail] == "" {
				if v := jText(values); strings.HasPrefix(strings.ToLower(v), "mailto:") {
					c.set(model.FieldEmail, v[len("mailto:"):])
				} else if v != "" {
					c.redacted[model.FieldEmail] = "a contact form instead of an e-mail address"
				}
			}
		}
	}
}

// jText reads a property value: a string, or the strings of a structured
// value joined with spaces.
func jText(values []json.RawMessage) string {
	var parts []string
	for _, v := range values {
		parts = append(parts, flattenStrings(v)...)
	}
	return strings.TrimSpace(strings.Join(parts, " "))
}

// flattenStrings reads a string, or an array (of arrays) of strings.
func flattenStrings(raw json.RawMessage) []string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s = strings.TrimSpace(s); s != "" {
			return []string{s}
		}
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	var out []string
	for _, item := range list {
		out = append(out, flattenStrings(item)...)
	}
	return out
}

func hasType(params map[string]json.RawMessage, t string) bool {
	for _, v := range flexStrings(params["type"]) {
		if strings.EqualFold(v, t) {
			return true
		}
	}
	return false
}

// readAdr reads an address: seven components (post office box, extended,
// street, locality, region, postal code, country), or a label parameter
// holding the whole address as text.
func readAdr(c *contact, params map[string]json.RawMessage, values []json.RawMessage) {
	var comps []json.RawMessage
	if len(values) == 1 {
		if json.Unmarshal(values[0], &comps) != nil {
			comps = nil // a single text value, read as the street below
		}
	} else {
		comps = values
	}
	if cc := flexStrings(params["cc"]); len(cc) > 0 {
		c.set(model.FieldCountry, cc[0])
	}
	if len(comps) < 7 {
		text := jText(values)
		if text == "" {
			text = strings.Join(flexStrings(params["label"]), "\n")
		}
		readAddressLines(c, strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' }), false)
		return
	}
	street := append(flattenStrings(comps[0]), flattenStrings(comps[1])...)
	street = append(street, flattenStrings(comps[2])...)
	c.set(model.FieldStreet, strings.Join(street, ", "))
	c.set(model.FieldCity, strings.Join(flattenStrings(comps[3]), " "))
	c.set(model.FieldPostalCode, strings.Join(flattenStrings(comps[5]), " "))
	c.set(model.FieldCountry, strings.Join(flattenStrings(comps[6]), " "))
	if len(street) == 0 && c.values[model.FieldCity] == "" {
		if label := strings.Join(flexStrings(params["label"]), "\n"); label != "" {
			readAddressLines(c, strings.FieldsFunc(label, func(r rune) bool { return r == ',' || r == '\n' }), false)
		}
	}
}

// applyRedactedMember reads RFC 9537's "redacted" member: each entry names a
// withheld item ("Registrant Name") and how it was withheld.
func applyRedactedMember(r *response, entries []rdapObject) {
	for _, e := range entries {
		var name rdapObject
		_ = json.Unmarshal(e["name"], &name)
		label := name.str("type")
		if label == "" {
			label = name.str("description")
		}
		path := e.str("prePath") + " " + e.str("postPath") + " " + e.str("replacementPath")
		role, field, ok := redactedTarget(label, path)
		if !ok {
			continue
		}
		c := r.contact(role)
		if c == nil {
			c = newContact(role)
			r.contacts = append(r.contacts, c)
		}
		how := "RFC 9537 redacted"
		if m := e.str("method"); m != "" {
			how += " (" + m + ")"
		}
		c.redacted[field] = how
	}
}

// redactedTarget reads which contact and field a redaction is about, from
// its name ("Registrant Street") or else from its JSONPath.
func redactedTarget(label, path string) (role string, field model.Field, ok bool) {
	l := fold(label)
	switch {
	case strings.HasPrefix(l, "registrant "):
		role, l = roleRegistrant, strings.TrimPrefix(l, "registrant ")
	case strings.HasPrefix(l, "administrative "), strings.HasPrefix(l, "admin "):
		role, l = roleAdministrative, l[strings.IndexByte(l, ' ')+1:]
	case strings.HasPrefix(l, "technical "), strings.HasPrefix(l, "tech "):
		role, l = roleTechnical, l[strings.IndexByte(l, ' ')+1:]
	}
	fieldWords := []struct {
		word  string
		field model.Field
	}{
		{"organization", model.FieldOrganisation}, {"organisation", model.FieldOrganisation},
		{"name", model.FieldName}, {"street", model.FieldStreet}, {"city", model.FieldCity},
		{"postal", model.FieldPostalCode}, {"country", model.FieldCountry}, {"phone", model.FieldPhone},
		{"fax", ""}, {"email", model.FieldEmail}, {"e-mail", model.FieldEmail},
	}
	for _, fw := range fieldWords {
		if strings.Contains(l, fw.word) {
			if role == "" || fw.field == "" {
				return "", "", false
			}
			return role, fw.field, true
		}
	}
	// No usable name: read the JSONPath, e.g.
	// $.entities[?(@.roles[0]=='registrant')].vcardArray[1][?(@[0]=='fn')][3]
	p := strings.ToLower(path)
	if role == "" && strings.Contains(p, "registrant") {
		role = roleRegistrant
	}
	if role == "" {
		return "", "", false
	}
	for _, pf := range []struct {
		prop  string
		field model.Field
	}{{"'fn'", model.FieldName}, {"'org'", model.FieldOrganisation}, {"'tel'", model.FieldPhone},
		{"'email'", model.FieldEmail}, {"'adr'", model.FieldStreet}} {
		if strings.Contains(p, pf.prop) {
			return role, pf.field, true
		}
	}
	return "", "", false
}
