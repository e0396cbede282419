package classify

import (
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

// obj is a JSON object as encoding/json decodes it into an any. Members of
// an unexpected shape read as empty rather than failing the whole response,
// since servers differ.
type obj map[string]any

func (o obj) str(key string) string {
	s, _ := o[key].(string)
	return s
}

// strs reads a member that should be an array of strings but is sometimes
// a single string.
func (o obj) strs(key string) []string { return flexStrings(o[key]) }

func flexStrings(v any) []string {
	switch t := v.(type) {
	case string:
		if t != "" {
			return []string{t}
		}
	case []any:
		out := make([]string, 0, len(t))
		for _, item := range t {
			if s, ok := item.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func (o obj) objects(key string) []obj {
	list, _ := o[key].([]any)
	out := make([]obj, 0, len(list))
	for _, item := range list {
		if m, ok := item.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func parseRDAP(body []byte) (*response, error) {
	if len(body) > MaxResponseSize {
		return nil, fmt.Errorf("response is larger than %d bytes", MaxResponseSize)
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("not an RDAP JSON object: %w", err)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not an RDAP JSON object")
	}
	top := obj(m)
	if code, ok := top["errorCode"]; ok {
		return nil, fmt.Errorf("RDAP error response %v: %s", code, top.str("title"))
	}
	if cls := top.str("objectClassName"); cls != "" && cls != "domain" {
		return nil, fmt.Errorf("RDAP object is a %q, not a domain", cls)
	}

	r := &response{}
	var walk func(list []obj, depth int)
	walk = func(list []obj, depth int) {
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
			if w := withheldNotice(fold(text)); w != "" {
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
	if r.contact(roleRegistrant) == nil {
		r.notPublished = "the RDAP answer has no registrant entity"
	}
	return r, nil
}

// rdapContact reads an entity with a registrant, administrative or
// technical role; others (registrar, abuse, reseller) do not count.
func rdapContact(e obj) *contact {
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
func readJCard(c *contact, card any) {
	parts, _ := card.([]any)
	if len(parts) < 2 {
		return
	}
	props, _ := parts[1].([]any)
	for _, p := range props {
		prop, _ := p.([]any)
		if len(prop) < 4 {
			continue
		}
		name, _ := prop[0].(string)
		params, _ := prop[1].(map[string]any)
		values := prop[3:]
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
func jText(values []any) string {
	var parts []string
	for _, v := range values {
		parts = append(parts, flattenStrings(v)...)
	}
	return strings.TrimSpace(strings.Join(parts, " "))
}

// flattenStrings reads a string, or an array (of arrays) of strings.
func flattenStrings(v any) []string {
	switch t := v.(type) {
	case string:
		if t = strings.TrimSpace(t); t != "" {
			return []string{t}
		}
	case []any:
		var out []string
		for _, item := range t {
			out = append(out, flattenStrings(item)...)
		}
		return out
	}
	return nil
}

func hasType(params map[string]any, t string) bool {
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
func readAdr(c *contact, params map[string]any, values []any) {
	var comps []any
	if len(values) == 1 {
		comps, _ = values[0].([]any) // else a single text value, read below
	} else {
		comps = values
	}
	if cc := flexStrings(params["cc"]); len(cc) > 0 {
		c.set(model.FieldCountry, cc[0])
	}
	splitLines := func(text string) []string {
		return strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' })
	}
	if len(comps) < 7 {
		text := jText(values)
		if text == "" {
			text = strings.Join(flexStrings(params["label"]), "\n")
		}
		readAddressLines(c, splitLines(text), false)
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
			readAddressLines(c, splitLines(label), false)
		}
	}
}

// applyRedactedMember reads RFC 9537's "redacted" member: each entry names a
// withheld item ("Registrant Name") and how it was withheld.
func applyRedactedMember(r *response, entries []obj) {
	for _, e := range entries {
		name, _ := e["name"].(map[string]any)
		label := obj(name).str("type")
		if label == "" {
			label = obj(name).str("description")
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
