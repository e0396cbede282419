package classify

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/afscherm/afscherm/internal/model"
)

// WHOIS classifies a WHOIS response (port 43 text). It reads the ICANN
// "Registrant Name:" family of labels, indented blocks as SIDN, Nominet,
// EURid and DNS Belgium print them, and RPSL-style objects as AFNIC
// (holder-c), CZ.NIC (contact:), nic.at (personname:) and the .ru/.su
// registries (person:, org:) print them. The error is for text that is not
// a WHOIS response at all.
func WHOIS(domain string, text string, ours *model.Customer) (model.Classification, error) {
	r, err := parseWHOIS(text)
	if err != nil {
		return model.Classification{Domain: domain}, err
	}
	return judge(domain, r, ours), nil
}

type wline struct {
	indent int
	key    string // folded label before the colon; "" when there is none
	norm   string // the label normalised for matching (normaliseKey)
	value  string // text after the colon, or the whole line
	text   string // the trimmed line
}

func (l wline) blank() bool { return l.text == "" }

func parseWHOIS(text string) (*response, error) {
	if len(text) > MaxResponseSize {
		return nil, fmt.Errorf("response is larger than %d bytes", MaxResponseSize)
	}
	if strings.ContainsRune(text, 0) {
		return nil, fmt.Errorf("not a WHOIS text response")
	}
	if !utf8.ValidString(text) {
		// Many registries still answer in ISO 8859-1 (ISNIC, old
		// captures): every byte is then one character.
		text = latin1(text)
	}
	if strings.Count(text, "\uFFFD") > len(text)/20+1 {
		return nil, fmt.Errorf("not a WHOIS text response")
	}
	lines := splitLines(text)
	r := &response{}
	contacts := map[string]*contact{}
	get := func(role string) *contact {
		c := contacts[role]
		if c == nil {
			c = newContact(role)
			contacts[role] = c
		}
		return c
	}
	unplaced, outside := readSections(lines, get)
	readObjects(lines, get)
	readTopLevel(outside, contacts, get)
	lower := strings.ToLower(text)
	if n := withheldNotice(lower); n != "" {
		if reg := get(roleRegistrant); reg.withheld == "" && len(reg.values) == 0 {
			reg.withheld = fmt.Sprintf("the registry's notice %q", n)
		}
	}
	folded := fold(lower)
	if n := standInNotice(folded); n != "" {
		r.standIn = fmt.Sprintf("the registry's notice %q", n)
	}
	if n := notPublishedNotice(folded); n != "" {
		r.notPublished = fmt.Sprintf("the registry's notice %q", n)
	}
	for _, role := range []string{roleRegistrant, roleAdministrative, roleTechnical} {
		if c := contacts[role]; c != nil && !c.empty() {
			r.contacts = append(r.contacts, c)
		}
	}
	for role, c := range contacts {
		if c.handle != "" && c.empty() {
			r.handles = true
			if role == roleRegistrant && r.notPublished == "" {
				r.notPublished = "the registrant is named by handle only, and the registry prints none of its data"
			}
		}
	}
	if c := contacts[roleGeneric]; c != nil && !c.empty() {
		r.generic = c
	}
	r.unplaced = personalLooking(unplaced, contacts)
	return r, nil
}

// latin1 reads text as ISO 8859-1.
func latin1(text string) string {
	var b strings.Builder
	b.Grow(len(text) * 2)
	for i := 0; i < len(text); i++ {
		b.WriteRune(rune(text[i]))
	}
	return b.String()
}

func splitLines(text string) []wline {
	raw := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	out := make([]wline, 0, len(raw))
	for _, s := range raw {
		s = strings.TrimRight(strings.ReplaceAll(s, "\r", ""), " \t")
		t := strings.TrimLeft(s, " \t")
		if strings.HasPrefix(t, "%") || strings.HasPrefix(t, "#") {
			// A comment, unless it heads a section ("% Registrant:").
			c := strings.TrimSpace(strings.TrimLeft(t, "%# "))
			k := labelOf(c)
			if _, _, ok := headingOf(wline{text: c, key: k, norm: normaliseKey(k)}); !ok || !strings.HasSuffix(c, ":") {
				c = ""
			}
			t = c
		}
		if strings.HasPrefix(t, "**") {
			t = strings.TrimLeft(t, "* ") // "** Registrant:"
		}
		if strings.HasPrefix(t, ">>>") {
			t = ""
		}
		l := wline{indent: indentOf(s), text: t, value: t}
		if key, value, ok := splitLabel(t); ok {
			l.key, l.value = fold(key), value
			l.norm = normaliseKey(l.key)
		}
		out = append(out, l)
	}
	return out
}

// labelOf is the folded label of a line, if it has one.
func labelOf(t string) string {
	if key, _, ok := splitLabel(t); ok {
		return fold(key)
	}
	return ""
}

func nextNonBlank(lines []wline, from int) int {
	for k := from; k < len(lines); k++ {
		if !lines[k].blank() {
			return k
		}
	}
	return -1
}

// readTopLevel reads a registrant that a registry prints as the domain's own
// attributes, outside any contact section: JPRS's "[Organization]", a
// top-level "Organization:" line, or — where the response prints no contact
// section at all — the "Name:", "Address:" and "Telephone:" lines beside the
// domain's (swhoisd registries). It counts only where no section named the
// registrant.
func readTopLevel(outside []wline, contacts map[string]*contact, get func(string) *contact) {
	reg := get(roleRegistrant)
	if len(reg.values) > 0 || reg.withheld != "" || reg.handle != "" {
		return
	}
	others := false
	for role, c := range contacts {
		others = others || role != roleRegistrant && (len(c.values) > 0 || c.handle != "")
	}
	var address []string
	for _, l := range outside {
		if l.value == "" {
			continue
		}
		key := l.norm
		switch key {
		case "organization", "organisation", "組織名", "organization name", "organisation name", "network service name":
			reg.set(model.FieldOrganisation, l.value)
			continue
		case "organization address", "organisation address":
			address = append(address, l.value)
			continue
		}
		if f, ok := attribute(key); ok && !others && l.indent == 0 {
			reg.set(f, l.value)
		}
	}
	if reg.values[model.FieldOrganisation] != "" {
		readAddressLines(reg, address, false)
	}
}

func indentOf(s string) int {
	n := 0
	for _, r := range s {
		switch r {
		case ' ':
			n++
		case '\t':
			n += 8
		default:
			return n
		}
	}
	return n
}

var (
	dutchPostalCity   = regexp.MustCompile(`^(\d{4} ?[A-Za-z]{2})\s+(\p{L}.*)$`)
	genericPostalCity = regexp.MustCompile(`^((?:[A-Z]{1,2}-)?\d{4,5}|\d{3} \d{2})\s+(\p{L}.*)$`)
	cityPostal        = regexp.MustCompile(`^(\p{L}[\p{L} .'-]*?),?\s+(\d{4,5}|\d{3} ?\d{2})$`)
	postalOnly        = regexp.MustCompile(`^(?:\d{4} ?[A-Za-z]{2}|(?:[A-Z]{1,2}-)?\d{4,5}|\d{3} \d{2}|[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2})$`)
	phoneLine         = regexp.MustCompile(`^(?:tel(?:ephone)?\.?:?\s*)?\+?\d[\d .()/-]{5,}$`)
)

// readAddressLines assigns unlabelled lines by their look: an e-mail
// address, a phone number, a postal code with or without its city, a
// country; the first other line is the name (when withName), a line just
// before or after a postal code its city, and the rest the street.
func readAddressLines(c *contact, lines []string, withName bool) {
	// "Rochefort Denis  dzwalker@example.com" (TWNIC): a name and its
	// address on one line, set apart by spaces.
	var split []string
	for _, t := range lines {
		if strings.Contains(t, "@") && wideGap.MatchString(strings.TrimSpace(t)) {
			split = append(split, wideGap.Split(strings.TrimSpace(t), -1)...)
		} else {
			split = append(split, t)
		}
	}
	lines = split
	var pieces []piece
	nameTaken := !withName
	orgTaken := c.values[model.FieldOrganisation] != ""
	for _, t := range lines {
		t = strings.TrimSpace(t)
		switch {
		case t == "":
		case roleName(t) && nameTaken:
			// "Domain Registrant" under a name: a label, not an address line.
		case redactionMarker(t) != "" && privacyService(t) == "":
			if c.withheld == "" {
				c.withheld = fmt.Sprintf("%q", t)
			}
		case strings.Contains(t, "@") && !strings.Contains(t, " "):
			pieces = append(pieces, piece{model.FieldEmail, t})
		case postalOnly.MatchString(t):
			pieces = append(pieces, piece{model.FieldPostalCode, t})
		case phoneLine.MatchString(t) && len(digits(t)) >= 7:
			pieces = append(pieces, piece{model.FieldPhone, t})
		case dutchPostalCity.MatchString(t):
			m := dutchPostalCity.FindStringSubmatch(t)
			pieces = append(pieces, piece{model.FieldPostalCode, m[1]}, piece{model.FieldCity, m[2]})
		case genericPostalCity.MatchString(t):
			m := genericPostalCity.FindStringSubmatch(t)
			pieces = append(pieces, piece{model.FieldPostalCode, m[1]}, piece{model.FieldCity, m[2]})
		case countryLine(t) || (len(t) == 2 && model.ValidCountry(strings.ToUpper(t))):
			pieces = append(pieces, piece{model.FieldCountry, t})
		case !nameTaken:
			nameTaken = true
			if legalForm(t) != "" {
				pieces = append(pieces, piece{model.FieldOrganisation, t})
			} else {
				pieces = append(pieces, piece{model.FieldName, t})
			}
		case !orgTaken && digits(t) == "" && (legalForm(t) != "" || standaloneOrganisationWord(t)):
			// The organisation under a person's name: "Rose Hagan" above
			// "Google, Inc.".
			orgTaken = true
			pieces = append(pieces, piece{model.FieldOrganisation, t})
		case cityPostal.MatchString(t):
			m := cityPostal.FindStringSubmatch(t)
			pieces = append(pieces, piece{model.FieldCity, m[1]}, piece{model.FieldPostalCode, m[2]})
		default:
			pieces = append(pieces, piece{model.FieldStreet, t})
		}
	}
	// A street line without digits next to a lone postal code is the city:
	// "Bristol" above "BS1 9ZZ", "Brno" above "602 00".
	hasCity := false
	for _, p := range pieces {
		hasCity = hasCity || p.field == model.FieldCity
	}
	for i, p := range pieces {
		if hasCity || p.field != model.FieldPostalCode {
			continue
		}
		for _, k := range []int{i - 1, i + 1} {
			if k >= 0 && k < len(pieces) && pieces[k].field == model.FieldStreet && digits(pieces[k].text) == "" && streetsBefore(pieces, k) {
				pieces[k].field, hasCity = model.FieldCity, true
				break
			}
		}
	}
	for _, p := range pieces {
		c.set(p.field, p.text)
	}
}

// piece is one line of an address block, read as one field.
type piece struct {
	field model.Field
	text  string
}

// streetsBefore reports whether a street line comes before pieces[k], so
// that taking pieces[k] as the city leaves a street.
func streetsBefore(pieces []piece, k int) bool {
	for _, p := range pieces[:k] {
		if p.field == model.FieldStreet {
			return true
		}
	}
	return false
}

func setKindFromText(c *contact, v, by string) {
	f := fold(v)
	switch {
	case f == "":
	case strings.Contains(f, "individual") || f == "person" || f == "private person" || f == "natural person" || f == "privé":
		c.kind, c.kindBy = kindPerson, fmt.Sprintf("%s %q", by, strings.TrimSpace(v))
	case strings.Contains(f, "personne physique") || strings.Contains(f, "persona física") || strings.Contains(f, "persona fisica"):
		c.kind, c.kindBy = kindPerson, fmt.Sprintf("%s %q", by, strings.TrimSpace(v))
	case organisationWord(v) != "" || legalForm(v) != "" || strings.Contains(f, "soci") || strings.Contains(f, "morale") ||
		strings.Contains(f, "jurídica") || strings.Contains(f, "juridica") ||
		strings.Contains(f, "compan") || strings.Contains(f, "organi") || strings.Contains(f, "limited") ||
		strings.Contains(f, "plc") || strings.Contains(f, "partnership") || strings.Contains(f, "charit") ||
		strings.Contains(f, "legal") || strings.Contains(f, "government") || strings.Contains(f, "school"):
		c.kind, c.kindBy = kindOrganisation, fmt.Sprintf("%s %q", by, strings.TrimSpace(v))
	}
}

// object is an RPSL-style paragraph of "key: value" lines.
type object struct {
	first  string // the first key
	values map[string][]string
}

func (o object) get(k string) string {
	if v := o.values[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func objects(lines []wline) []object {
	var out []object
	var cur *object
	flush := func() {
		if cur != nil && len(cur.values) >= 2 {
			out = append(out, *cur)
		}
		cur = nil
	}
	for _, l := range lines {
		if l.blank() {
			flush()
			continue
		}
		if l.key == "" || l.indent > 0 {
			continue // wrapped or indented text belongs to no object
		}
		key := l.norm
		if cur == nil {
			cur = &object{first: key, values: map[string][]string{}}
		}
		cur.values[key] = append(cur.values[key], l.value)
		if key == "source" {
			flush() // RPSL ends an object with its source, blank line or not
		}
	}
	flush()
	return out
}

// readObjects reads RPSL-style records: a domain object naming its
// registrant by handle (holder-c, registrant) and the contact objects those
// handles point to, or a registrant given in the domain object itself
// (person:, org: as the .ru registry prints them).
func readObjects(lines []wline, get func(string) *contact) {
	objs := objects(lines)
	// A contact printed further down, referenced by its handle from a
	// section ("Domain Holder Handle: X" … "NORID Handle: X").
	for _, role := range []string{roleRegistrant, roleAdministrative} {
		if c := get(role); c.handle != "" && len(c.values) == 0 {
			if obj := findHandle(objs, c.handle); obj != nil {
				readContactObject(c, *obj)
			}
		}
	}
	var domain *object
	for i := range objs {
		if isDomainObject(objs[i]) {
			domain = &objs[i]
			break
		}
	}
	if domain == nil {
		return
	}
	for _, k := range []string{"person", "org"} {
		if v := domain.get(k); v != "" {
			reg := get(roleRegistrant)
			if k == "person" {
				reg.set(model.FieldName, v)
			} else {
				reg.set(model.FieldOrganisation, v)
				if reg.kind == kindUnknown {
					reg.kind, reg.kindBy = kindOrganisation, `"org:" line`
				}
			}
		}
	}
	refs := []struct {
		keys []string
		role string
	}{
		{[]string{"holder c", "holder", "registrant", "owner c", "registrant c"}, roleRegistrant},
		{[]string{"admin c"}, roleAdministrative},
	}
	for _, ref := range refs {
		for _, key := range ref.keys {
			handle := domain.get(key)
			if handle == "" {
				continue
			}
			obj := findHandle(objs, handle)
			if obj == nil {
				if ref.role == roleRegistrant && key == "registrant" && !looksLikeHandle(handle) {
					get(roleRegistrant).set(model.FieldName, handle)
				}
				continue
			}
			c := get(ref.role)
			c.handle = handle
			readContactObject(c, *obj)
			break
		}
	}
	// Where the domain object itself describes its holder (IEDR, the old
	// Finnish registry: "descr: Example Oy", "address: …"), read it as the
	// registrant when nothing else named one.
	if reg := get(roleRegistrant); reg.empty() && domain.get("descr") != "" {
		readAddressLines(reg, append([]string{domain.get("descr")}, domain.values["address"]...), true)
		if p := domain.get("phone"); p != "" {
			reg.set(model.FieldPhone, p)
		}
	}
}

func isDomainObject(o object) bool {
	_, a := o.values["domain"]
	_, b := o.values["domain name"]
	return a || b
}

var (
	handlePattern = regexp.MustCompile(`^[A-Za-z0-9]+(?:[-_:][A-Za-z0-9]+)+$|^[A-Z]{2,}\d+$`)
	wideGap       = regexp.MustCompile(`\s{2,}|\t+`)
)

// looksLikeHandle says whether a value is a registry's handle rather than a
// name: ABC-123, ABC123, or one token of letters and digits mixed
// ("G79455", "qi9c3zbvhr") — names carry no digits.
func looksLikeHandle(s string) bool {
	s = strings.TrimSpace(s)
	if handlePattern.MatchString(s) {
		return true
	}
	if strings.ContainsAny(s, " .@") || len(s) < 4 || len(s) > 32 {
		return false
	}
	letters, nums := 0, 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			nums++
		case unicode.IsLetter(r):
			letters++
		default:
			return false
		}
	}
	return letters > 0 && nums > 0
}

func findHandle(objs []object, handle string) *object {
	for i, o := range objs {
		if isDomainObject(o) {
			continue
		}
		for k := range o.values {
			if k == "nichdl" || strings.HasPrefix(k, "nichdl ") || strings.HasSuffix(k, "handle") ||
				k == "contact" || k == "id" || k == "nic" || k == "contact id" || k == "hdl" {
				if strings.EqualFold(strings.TrimSpace(o.get(k)), strings.TrimSpace(handle)) {
					return &objs[i]
				}
			}
		}
	}
	return nil
}

func readContactObject(c *contact, o object) {
	_, hasName := o.values["name"]
	for _, key := range slices.Sorted(maps.Keys(o.values)) {
		values := o.values[key]
		switch key {
		case "contact":
			if !hasName && o.first != "contact" {
				c.set(model.FieldName, values[0]) // AFNIC: the contact's name
			}
		case "type":
			setKindFromText(c, values[0], "type")
		case "anonymous":
			if strings.EqualFold(values[0], "yes") {
				c.withheld = `"anonymous: YES"`
			}
		case "address", "street address", "street":
			continue // below, in order
		default:
			if f, ok := attribute(key); ok {
				c.set(f, values[0])
			}
		}
	}
	readAddressLines(c, o.values["address"], false)
	readAddressLines(c, o.values["street address"], false)
	readAddressLines(c, o.values["street"], false)
}
