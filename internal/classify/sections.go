package classify

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/afscherm/afscherm/internal/model"
)

// This file reads the labels and sections of a WHOIS text as servers print
// them in the wild: "Registrant Name: …" with or without a space after the
// colon, dotted leaders ("holder.......: …"), bracketed labels ("[Registrant]
// …", "a. [Domain Name] …"), headings in several languages ("Titular",
// "Inhaber", "Domain Holder", "% Registrant:"), flat sections that run to the
// next heading and indented blocks that run while the indent lasts.

// roleOther is a contact that never decides the verdict: the registrar, its
// abuse desk, a reseller, billing, a zone contact.
const roleGeneric = "contact"

// roleWords maps the words of a heading to a contact role. Multi-word entries
// are matched before single words.
var roleWords = []struct {
	words string
	role  string
}{
	{"organization using domain name", roleRegistrant},
	{"organisation using domain name", roleRegistrant},
	{"holder of domain name", roleRegistrant},
	{"domain holder", roleRegistrant},
	{"domain owner", roleRegistrant},
	{"domain registrant", roleRegistrant},
	{"registered for", roleRegistrant},
	{"registered to", roleRegistrant},
	{"registrant", roleRegistrant},
	{"holder", roleRegistrant},
	{"owner", roleRegistrant},
	{"titular", roleRegistrant},
	{"titulaire", roleRegistrant},
	{"registrante", roleRegistrant},
	{"inhaber", roleRegistrant},
	{"domaininhaber", roleRegistrant},
	{"登録者", roleRegistrant},
	{"注册人", roleRegistrant},
	{"所有者", roleRegistrant},
	{"administrative", roleAdministrative},
	{"admin", roleAdministrative},
	{"administratief", roleAdministrative},
	{"administrativo", roleAdministrative},
	{"technical", roleTechnical},
	{"tech", roleTechnical},
	{"technisch", roleTechnical},
	{"técnico", roleTechnical},
	{"tecnico", roleTechnical},
	{"billing", roleOther},
	{"registrar", roleOther},
	{"registar", roleOther},
	{"reseller", roleOther},
	{"abuse", roleOther},
	{"zone", roleOther},
	{"sponsoring", roleOther},
	{"sponsor", roleOther},
	{"payer", roleOther},
	{"invoicing", roleOther},
	{"provider", roleOther},
	{"service provider", roleOther},
	{"registration service provider", roleOther},
}

// roleWordFields holds each roleWords entry split into its words.
var roleWordFields = func() [][]string {
	out := make([][]string, len(roleWords))
	for i, rw := range roleWords {
		out[i] = strings.Fields(rw.words)
	}
	return out
}()

// wordsBeforeRole may stand before a role word in a heading ("Domain
// registrant", "Authorised Registrar", "Registry Registrant ID").
var wordsBeforeRole = map[string]bool{
	"domain": true, "the": true, "registry": true, "authorised": true, "authorized": true, "current": true,
	"primary": true, "sponsoring": true, "name": true, "contact": true, "legal": true,
}

// fillerWords stand between a role word and what the line is about
// ("Registrant Contact Information", "Registrant's Name").
var fillerWords = map[string]bool{
	"contact": true, "contacts": true, "information": true, "info": true, "details": true, "detail": true,
	"data": true, "s": true, "of": true, "person": false, "c": false, "agent": true,
}

var keyReplacer = strings.NewReplacer("e-mail", "email", "nic-hdl", "nichdl", "_", " ", "-", " ", "/", " ", "'", " ", ".", " ")

// normaliseKey folds a label for matching: lower case, no dotted leaders,
// no parenthesised remarks, "_", "-", "/" and "'" as spaces ("e-mail" and
// "nic-hdl" stay whole).
func normaliseKey(k string) string {
	k = strings.ToLower(strings.TrimSpace(k))
	for {
		open := strings.IndexByte(k, '(')
		if open < 0 {
			break
		}
		end := strings.IndexByte(k[open:], ')')
		if end < 0 {
			k = k[:open]
			break
		}
		k = k[:open] + " " + k[open+end+1:]
	}
	k = strings.TrimRight(k, ". \t")
	k = keyReplacer.Replace(k)
	return strings.Join(strings.Fields(k), " ")
}

// keyRole reads a folded label as a role and what follows it: ("registrant",
// "name") for "registrant name", ("registrant", "") for a heading.
func keyRole(key string) (role, rest string, ok bool) {
	words := strings.Fields(key)
	if len(words) > 0 {
		// A role glued to what follows it: "ownertype", "holdertype".
		for _, rw := range roleWords {
			if len(rw.words) >= 5 && !strings.Contains(rw.words, " ") && strings.HasPrefix(words[0], rw.words) {
				tail := words[0][len(rw.words):]
				if _, ok := attribute(tail); ok || tail == "type" || tail == "id" {
					words = append([]string{rw.words, tail}, words[1:]...)
				}
				break
			}
		}
	}
	for start := 0; start < len(words) && start <= 3; start++ {
		for i, rw := range roleWords {
			rwWords := roleWordFields[i]
			n := len(rwWords)
			if start+n > len(words) || !slices.Equal(words[start:start+n], rwWords) {
				continue
			}
			allowed := true
			for _, w := range words[:start] {
				allowed = allowed && wordsBeforeRole[w]
			}
			if !allowed {
				return attributeBeforeRole(words)
			}
			after := words[start+n:]
			for len(after) > 0 && (fillerWords[after[0]] || sameRoleWord(after[0], rw.role)) {
				after = after[1:]
			}
			return rw.role, strings.Join(after, " "), true
		}
	}
	return attributeBeforeRole(words)
}

// attributeBeforeRole reads a label that puts the attribute before the
// role, as French and Spanish ones do: "Nom Registrant", "Adresse Titulaire".
func attributeBeforeRole(words []string) (role, rest string, ok bool) {
	if n := len(words); n >= 2 {
		for _, rw := range roleWords {
			if rw.words == words[n-1] {
				if _, ok := attribute(strings.Join(words[:n-1], " ")); ok {
					return rw.role, strings.Join(words[:n-1], " "), true
				}
			}
		}
	}
	return "", "", false
}

// sameRoleWord says whether a word names the role already read, as in
// "Registrant Holder English Name".
func sameRoleWord(w, role string) bool {
	for _, rw := range roleWords {
		if rw.words == w {
			return rw.role == role
		}
	}
	return false
}

// attribute maps a folded label (without its role) to a field.
func attribute(label string) (model.Field, bool) {
	label = strings.TrimSuffix(strings.TrimSuffix(label, " loc"), " en")
	// CoCCA's "International Name", "Local Address".
	label = strings.TrimPrefix(strings.TrimPrefix(label, "international "), "local ")
	switch label {
	case "name", "contact name", "person", "personname", "full name", "nom", "nombre", "nome", "naam", "navn",
		"nimi", "namn", "name en", "english name", "given name", "contact", "姓名", "氏名", "名前", "名称",
		"name surname", "fio", "person name", "responsible", "registrant name", "first name", "last name",
		"family name", "surname", "given names", "firstname", "lastname", "prénom", "nom de famille":
		return model.FieldName, true
	case "organization", "organisation", "org", "company", "company name", "organization name", "organisation name", "role",
		"company english name", "entity", "firma", "société", "societe", "empresa", "organización", "organizacion",
		"organizzazione", "organizacja", "组织", "組織名", "单位名称", "organization en", "org name", "business name":
		return model.FieldOrganisation, true
	case "street", "street1", "street2", "street3", "street 1", "street 2", "street 3", "address", "address1", "address2",
		"address3", "address 1", "address 2", "address 3", "street address", "addr", "streetaddress", "postaladdress", "adresse", "dirección",
		"direccion", "indirizzo", "postal address", "address line 1", "address line 2", "address line", "住所",
		"地址", "street address 1", "street address 2", "adres", "endereço", "endereco", "ulica", "straße", "strasse":
		return model.FieldStreet, true
	case "city", "town", "locality", "ville", "ciudad", "città", "citta", "stadt", "ort", "city town", "cidade",
		"miasto", "plaats", "city name":
		return model.FieldCity, true
	case "postal code", "postalcode", "postcode", "post code", "zip", "zip code", "zipcode", "code postal", "cap",
		"código postal", "codigo postal", "postnummer", "postleitzahl", "plz", "kod pocztowy", "郵便番号", "postal":
		return model.FieldPostalCode, true
	case "country", "country code", "countrycode", "pays", "país", "pais", "land", "country name", "paese", "kraj":
		return model.FieldCountry, true
	case "phone", "phone number", "telephone", "tel", "voice", "téléphone", "telephone number", "teléfono",
		"telefono", "telefon", "puhelin", "電話番号", "电话", "phone no":
		return model.FieldPhone, true
	case "email", "contact email", "mail", "email address", "courriel", "correo", "correo electrónico",
		"电子邮件", "electronic mail", "emailaddress":
		return model.FieldEmail, true
	}
	return "", false
}

// namePart says whether a label holds one part of a person's name.
func namePart(key string) bool {
	switch key {
	case "first name", "last name", "family name", "surname", "given name", "given names", "firstname", "lastname",
		"prénom", "nom de famille":
		return true
	}
	return false
}

// handleKey says whether a folded label names a contact's handle.
func handleKey(rest string) bool {
	switch rest {
	case "id", "handle", "c", "nic handle", "nichdl", "code", "contact id", "nic hdl", "account name", "hdl":
		return true
	}
	return false
}

// sectionEnd says whether a label or line starts the domain's own data
// (name servers, status), which ends any contact section.
func sectionEnd(key string) bool {
	switch key {
	case "domain", "domain name", "nserver", "name server", "name servers", "nameserver", "nameservers",
		"dnssec", "hostname", "domain status", "name servers information", "nameserver in listed order",
		"domain servers in listed order", "domain servers", "dns servers", "ns", "status information",
		"domain nameservers", "servidor dns", "serveurs dns":
		return true
	}
	return false
}

var (
	// a. [Domain Name] value — JPRS numbers its labels in Japanese output.
	// "2a. registrant : …", "1c. Registrar : …" — ZACR numbers its labels.
	numberedLabel = regexp.MustCompile(`^\d{1,2}[a-z]?\.\s+`)
	bracketLabel  = regexp.MustCompile(`^(?:[a-z]\.?\s+|[a-z]\.)?\[([^\]]{1,60})\]\s*(.*)$`)
	fullWidth     = strings.NewReplacer("：", ":")
	// Organisation Name.... value — a dotted leader without a colon.
	dottedLabel = regexp.MustCompile(`^(\p{L}[\p{L} '-]{1,40}?)\s*\.+\s+(\S.*)$`)
	// Admin-name          value — a label set off by spaces alone (old SK-NIC).
	spacedLabel = regexp.MustCompile(`^(\p{L}[\p{L}\d._-]{1,30})\s{2,}(\S.*)$`)
)

// splitLabel splits "Registrant Name: value" at its first colon: a label
// of letters, digits, spaces and ./'()_&,-, starting with a letter, then the
// value with or without white space before it; or a bracketed label. A URL
// ("http://…") or a time ("12:30") is no label.
func splitLabel(t string) (key, value string, ok bool) {
	if m := bracketLabel.FindStringSubmatch(t); m != nil {
		return m[1], strings.TrimSpace(m[2]), true
	}
	t = fullWidth.Replace(t)
	t = numberedLabel.ReplaceAllString(t, "")
	colon := strings.IndexByte(t, ':')
	if !strings.Contains(t, ". ") && !strings.Contains(t, "..") {
		// no dotted leader to look for
	} else if m := dottedLabel.FindStringSubmatch(t); m != nil && (colon < 0 || colon > len(m[1])) && knownLabel(normaliseKey(m[1])) {
		return m[1], strings.TrimSpace(m[2]), true // "Organisation Name.... AOL Inc."
	}
	if colon >= 0 || !strings.Contains(t, "  ") {
		// no label set off by spaces alone
	} else if m := spacedLabel.FindStringSubmatch(t); m != nil && colon < 0 && strings.ContainsAny(m[1], "-_") && knownLabel(normaliseKey(m[1])) {
		return m[1], strings.TrimSpace(m[2]), true // "Admin-name          Jan de Vries"
	}
	if colon <= 0 {
		return "", "", false
	}
	key = strings.TrimRight(t[:colon], " \t")
	if key == "" || utf8.RuneCountInString(key) > 120 {
		return "", "", false
	}
	depth := 0
	for i, r := range key {
		switch {
		case r == '(':
			depth++
		case r == ')':
			depth--
		case depth > 0:
		case unicode.IsLetter(r):
		case i == 0:
			return "", "", false
		case r >= '0' && r <= '9', strings.ContainsRune(" ./'_&,-\t", r):
		default:
			return "", "", false
		}
	}
	rest := t[colon+1:]
	if strings.HasPrefix(rest, "//") {
		return "", "", false
	}
	if utf8.RuneCountInString(key) > 61 && !strings.Contains(key, "(") {
		return "", "", false
	}
	if strings.HasPrefix(rest, "..") {
		rest = strings.TrimLeft(rest, ".") // "Contact Type:.......owner" (JWhoisServer)
	}
	return key, strings.TrimSpace(rest), true
}

// knownLabel says whether a folded label is one the reader knows: an
// attribute, a role (with or without an attribute) or the domain's own.
func knownLabel(key string) bool {
	if _, ok := attribute(key); ok || sectionEnd(key) {
		return true
	}
	if _, rest, ok := keyRole(key); ok {
		_, attr := attribute(rest)
		return rest == "" || attr || handleKey(rest)
	}
	return strings.HasPrefix(key, "organisation ") || strings.HasPrefix(key, "organization ")
}

// section is a contact section being read.
type section struct {
	c          *contact // nil for a contact that does not count
	part       string   // "address" or "type" for a sub-heading
	indent     int      // the heading's
	bodyIndent int      // the first body line's; -1 before it
	loose      []string // unlabelled lines
	labelled   bool     // whether the body had labelled lines
}

// headingOf says whether a line heads a contact section: a label with a
// role and nothing else ("Registrant:", "Domain registrant: HANDLE",
// "[Registrant] Name"), or a line that is only such words ("Holder").
func headingOf(l wline) (role, part string, ok bool) {
	key := l.norm
	if l.key == "" {
		if l.text == "" || utf8.RuneCountInString(l.text) > 60 || strings.ContainsAny(l.text, "@") {
			return "", "", false
		}
		key = normaliseKey(l.text)
	}
	role, rest, ok := keyRole(key)
	if !ok || rest != "" {
		raw := l.key
		if raw == "" {
			raw = l.text
		}
		for _, side := range strings.Split(raw, "/") {
			if r, rr, sideOK := keyRole(normaliseKey(side)); sideOK && rr == "" && strings.Contains(raw, "/") {
				return r, "", true
			}
		}
	}
	if !ok && l.key != "" && l.value == "" && (key == "organisation" || key == "organization") {
		return roleRegistrant, "orgblock", true // Freenom's "Organisation:" block holds the registrant
	}
	if !ok {
		if key == "contact" || key == "contact information" || key == "contacts" {
			return roleGeneric, "", l.value == "" || l.key == ""
		}
		return "", "", false
	}
	switch {
	case rest == "":
		return role, "", true
	case handleKey(rest) && l.value != "" && l.key != "":
		// "Registrant Code: HANDLE" heads the contact's lines (MYNIC).
		return role, "handle", true
	case rest == "c" && l.value == "":
		// DENIC's "[Tech-C]", "[Zone-C]".
		return role, "", true
	}
	switch rest {
	case "address", "postal address", "addres":
		if l.value == "" {
			return role, "address", true
		}
	case "type":
		if l.value == "" {
			return role, "type", true
		}
	}
	return "", "", false
}

// readSections walks the lines once, reading every contact section and
// every role-prefixed label. It returns the lines that stood in no section:
// the unlabelled ones as text, the labelled ones as they are.
func readSections(lines []wline, get func(string) *contact) (unplaced []string, outside []wline) {
	var cur *section
	closeSection := func() {
		if cur != nil && cur.c != nil {
			c := cur.c
			if cur.part == "type" {
				for _, t := range cur.loose {
					setKindFromText(c, t, "registrant type")
				}
			} else {
				readAddressLines(c, cur.loose, cur.part == "" && c.values[model.FieldName] == "" && c.values[model.FieldOrganisation] == "")
			}
		}
		cur = nil
	}
	open := func(role, part string, l wline) {
		closeSection()
		cur = &section{part: part, indent: l.indent, bodyIndent: -1}
		if role != roleOther {
			cur.c = get(role)
		}
	}
	for i, l := range lines {
		if l.blank() {
			if cur != nil && (cur.bodyIndent >= 0 || cur.c == nil) {
				next := nextNonBlank(lines, i)
				if next < 0 || !(cur.bodyIndent > cur.indent && lines[next].indent >= cur.bodyIndent) &&
					!(cur.c != nil && continuesFlat(lines[next])) {
					closeSection()
				}
			}
			continue
		}
		if cur != nil && cur.bodyIndent > cur.indent && l.indent <= cur.indent {
			closeSection() // an indented block ends where its indent does
		}
		role, part, ok := headingOf(l)
		if ok && part == "orgblock" {
			// Only as a heading over an indented block; elsewhere an empty
			// "organization:" label (nic.at) heads nothing.
			next := nextNonBlank(lines, i+1)
			ok, part = next >= 0 && lines[next].indent > l.indent, ""
		}
		if ok {
			if cur != nil && cur.c != nil && part == "" && l.key != "" && l.value != "" && i > 0 &&
				lines[i-1].key == l.key && cur.c == get(role) {
				// The heading repeated on every line ("Owner : …" in the old
				// .io format): the same section goes on.
				cur.loose = append(cur.loose, l.value)
				continue
			}
			open(role, part, l)
			if v := l.value; l.key != "" && v != "" && cur.c != nil {
				if part == "handle" {
					cur.part = ""
					if redactionMarker(v) == "" {
						cur.c.handle = v
					}
				} else if looksLikeHandle(v) && !strings.Contains(v, " ") {
					cur.c.handle = v
				} else {
					cur.loose = append(cur.loose, v)
				}
			}
			continue
		}
		key := ""
		if l.key != "" {
			key = l.norm
		}
		if key != "" && sectionEnd(key) || l.key == "" && sectionEnd(normaliseKey(l.text)) {
			closeSection()
			continue
		}
		if key != "" {
			if role, rest, ok := keyRole(key); ok {
				readPrefixed(get, role, rest, l)
				continue
			}
		}
		if key == "contact type" {
			// "Contact Type: owner" names the role of the lines that follow.
			if role, rest, ok := keyRole(normaliseKey(l.value)); ok && rest == "" {
				open(role, "", l)
				cur.bodyIndent = l.indent
			}
			continue
		}
		if cur == nil {
			if l.key == "" {
				unplaced = append(unplaced, l.text)
			} else if rest, ok := strings.CutPrefix(key, "contact "); ok && l.value != "" {
				// "Contact name:", "Contact email:" with no role: a contact
				// that may stand in the registrant's place.
				if f, ok := attribute(rest); ok {
					get(roleGeneric).set(f, l.value)
				}
			} else {
				outside = append(outside, l)
			}
			continue
		}
		if cur.bodyIndent < 0 {
			cur.bodyIndent = l.indent
		}
		if cur.c == nil {
			continue
		}
		switch {
		case key != "" && l.value != "":
			cur.labelled = true
			if f, ok := attribute(key); ok && f == model.FieldName && namePart(key) {
				cur.c.addNamePart(l.value)
			} else if ok {
				cur.c.set(f, l.value)
			} else if key == "type" || key == "registrant type" {
				setKindFromText(cur.c, l.value, l.key)
			} else if handleKey(key) && cur.c.handle == "" {
				cur.c.handle = l.value
			}
		case key != "":
			// a sub-heading or an empty label
		default:
			cur.loose = append(cur.loose, l.text)
		}
	}
	closeSection()
	return unplaced, outside
}

// continuesFlat says whether a line after a blank one still belongs to a
// flat section: a contact attribute's label that heads nothing ("Local
// Name:" after a blank line in CoCCA's layout).
func continuesFlat(l wline) bool {
	if l.key == "" {
		return false
	}
	if _, _, ok := headingOf(l); ok {
		return false
	}
	key := l.norm
	if _, _, ok := keyRole(key); ok {
		return false
	}
	switch key {
	case "contact", "person", "role", "personname":
		return false // these start an RPSL object of their own
	}
	_, ok := attribute(key)
	return ok
}

// readPrefixed reads a label that names its role: "Registrant Name: …",
// "holder email: …", "Registrant Type: …", "holder-c: HANDLE".
func readPrefixed(get func(string) *contact, role, rest string, l wline) {
	if role == roleOther || l.value == "" {
		return
	}
	switch {
	case handleKey(rest):
		if c := get(role); c.handle == "" && redactionMarker(l.value) == "" {
			c.handle = l.value
		}
	case rest == "type" || rest == "kind" || rest == "category":
		setKindFromText(get(role), l.value, l.key)
	default:
		if f, ok := attribute(rest); ok {
			get(role).set(f, l.value)
		} else if rest == "" {
			get(role).set(model.FieldName, l.value)
		}
	}
}
