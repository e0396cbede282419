// Package classify reads one RDAP or WHOIS response and says whether the
// registrant's personal data is publicly visible: a verdict, every field with
// its state and value, and the evidence for both. It does no I/O, so it can
// be tested on recorded responses, fuzzed, and run on saved files by hand
// (afscherm classify).
//
// Privacy services, redaction markers, legal-entity forms and mailbox names
// come from the lists in lists/, not from literals in the code.
package classify

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/afscherm/afscherm/internal/model"
)

// MaxResponseSize is the largest response the classifier reads; the lookups
// cap what they receive at the same size.
const MaxResponseSize = 1 << 20

// Contact roles as the classifier names them.
const (
	roleRegistrant     = "registrant"
	roleAdministrative = "administrative"
	roleTechnical      = "technical"
	roleOther          = "other"
)

// Kinds of contact.
const (
	kindUnknown      = ""
	kindPerson       = "person"
	kindOrganisation = "organisation"
	// kindUndetermined: the response does not let a careful reader tell.
	kindUndetermined = "undetermined"
)

// contact is one contact read from a response, before judgement.
type contact struct {
	role   string
	handle string
	kind   string // kindPerson or kindOrganisation when the response says
	kindBy string // what said so, for the evidence
	values map[model.Field]string
	// redacted holds the fields known to be withheld, with how we know.
	redacted map[model.Field]string
	// withheld is set when the contact as a whole is marked as withheld
	// (an ICANN "REDACTED FOR PRIVACY" remark, "NOT DISCLOSED!"), so that
	// its missing fields count as redacted rather than absent.
	withheld string
}

func newContact(role string) *contact {
	return &contact{role: role, values: map[model.Field]string{}, redacted: map[model.Field]string{}}
}

// set records a value for a field; a street gathers its lines.
func (c *contact) set(f model.Field, v string) {
	v = cleanValue(v)
	if v == "" {
		return
	}
	if f == model.FieldName && !strings.Contains(v, " ") && emailPattern.MatchString(v) {
		f = model.FieldEmail // an address printed where the name belongs
	}
	if f == model.FieldName {
		// "Jan de Vries <jan@example.nl>": the name and its address.
		if open, end := strings.IndexByte(v, '<'), strings.LastIndexByte(v, '>'); open > 0 && end > open {
			if e := emailPattern.FindString(v[open:end]); e != "" {
				c.set(model.FieldEmail, e)
				v = strings.TrimSpace(v[:open])
			}
		}
	}
	if f == model.FieldStreet && c.values[f] != "" {
		if !strings.Contains(c.values[f], v) { // read once by each reader that saw it
			c.values[f] += ", " + v
		}
		return
	}
	if c.values[f] == "" {
		c.values[f] = v
	}
}

// addNamePart adds a first or last name to the name ("Keren", "Yoav").
func (c *contact) addNamePart(v string) {
	if v = cleanValue(v); v == "" {
		return
	}
	if cur := c.values[model.FieldName]; cur != "" && !strings.Contains(cur, v) {
		c.values[model.FieldName] = cur + " " + v
		return
	}
	c.set(model.FieldName, v)
}

func (c *contact) empty() bool {
	return len(c.values) == 0 && len(c.redacted) == 0 && c.withheld == "" && c.kind == kindUnknown
}

// cleanValue trims a value and drops the placeholders that mean "nothing".
func cleanValue(v string) string {
	v = strings.TrimSpace(strings.Trim(strings.TrimSpace(v), "\x00"))
	switch strings.ToLower(v) {
	case "", "-", ".", "n/a", "na", "none", "null", "nil", "unknown":
		return ""
	}
	return v
}

// response is what a parser found in one response.
type response struct {
	contacts []*contact
	evidence []string
	// generic is a contact printed without a role ("Contact:"); it stands
	// in for the registrant where no registrant is printed.
	generic *contact
	// notPublished is the positive evidence that the registry publishes no
	// registrant data: its known notice, or an RDAP answer without a
	// registrant entity.
	notPublished string
	// unplaced describes personal-looking data in lines the parser could not
	// place in any contact (a private e-mail address, a phone number).
	unplaced []string
	// standIn is the registry's word that the registrant shown stands in
	// for the domain's user.
	standIn string
	// handles is set when contacts were named by handle only.
	handles bool
}

// anyContact says whether the response printed any contact at all, of any
// role, by data or by handle.
func (r *response) anyContact() bool {
	return len(r.contacts) > 0 || r.generic != nil || r.handles
}

func (r *response) contact(role string) *contact {
	for _, c := range r.contacts {
		if c.role == role {
			return c
		}
	}
	return nil
}

// personalField says whether a field can identify a natural person; the
// country alone cannot.
func personalField(f model.Field) bool { return f != model.FieldCountry }

// judge turns what a parser found into a classification.
func judge(domain string, r *response, ours *model.Customer) model.Classification {
	j := judgement{
		c: model.Classification{
			Domain: domain, Fields: map[model.Field]model.FieldValue{}, Evidence: slices.Clone(r.evidence),
		},
		ours: ours,
	}
	reg := r.contact(roleRegistrant)
	switch {
	case reg != nil:
		j.note("registrant contact found%s", handleNote(reg))
	case r.generic != nil:
		reg = r.generic
		reg.role = roleRegistrant
		j.note("the only contact printed, without a role, stands in the registrant's place")
	default:
		reg = newContact(roleRegistrant)
	}
	placed := !reg.empty()
	j.readFields(reg, "")

	// Where the registrant shows nothing by which to know them, a registry
	// may show another contact in its place (SIDN: the administrative
	// contact's e-mail). That contact's data counts too.
	admin := r.contact(roleAdministrative)
	if !placed && admin != nil && !admin.empty() {
		// No registrant at all: the administrative contact is printed in its
		// place (old ccTLD formats), and is judged as the registrant would be.
		reg = admin
		placed = true
		j.readFields(admin, "")
		j.note("no registrant is printed: the administrative contact stands in its place")
		admin = nil
	}
	if admin != nil && !j.visible(model.FieldName) && !j.visible(model.FieldOrganisation) {
		// Only the administrative contact's e-mail, the route SIDN publishes
		// in a withheld registrant's place; its other data is its own.
		route := newContact(roleAdministrative)
		route.kind, route.kindBy = admin.kind, admin.kindBy
		route.set(model.FieldEmail, admin.values[model.FieldEmail])
		if why := admin.redacted[model.FieldEmail]; why != "" {
			route.redacted[model.FieldEmail] = why
		}
		if added := j.readFields(route, roleAdministrative); len(added) > 0 {
			j.note("the administrative contact's %s %s shown where the registrant's data is withheld",
				joinFields(added), plural(len(added), "is", "are"))
		}
	}

	proxy := j.proxyService(reg)
	if proxy == "" && r.standIn != "" && !reg.empty() {
		proxy = r.standIn
		j.note("the registrant shown stands in for the domain's user: %s", r.standIn)
	}
	kind := j.registrantKind(reg)
	personal := j.personalFields(kind, proxy != "", admin)
	undetermined := false
	if kind == kindUnknown && proxy == "" && j.c.Fields[model.FieldName].State == model.FieldAbsent &&
		j.c.Fields[model.FieldOrganisation].State == model.FieldAbsent &&
		len(personal) > 0 && !slices.ContainsFunc(personal, func(f model.Field) bool {
		return f == model.FieldEmail && personalMailbox(j.c.Fields[f].Value) || j.c.Fields[f].Contact == roleAdministrative
	}) {
		// Contact data without a name or organisation: whose it is cannot be
		// told; staff look.
		j.c.Verdict = model.VerdictUndetermined
		j.note("%s shown without a name or organisation: whose data it is cannot be told", joinFields(personal))
		personal, undetermined = nil, true
	}
	if len(personal) > 0 && !j.identifies(personal) {
		j.note("only %s of a person is visible, which identifies nobody", joinFields(personal))
		personal = nil
	}
	if kind == kindUndetermined && len(personal) > 0 && proxy == "" &&
		!(len(personal) == 1 && personal[0] == model.FieldOrganisation) {
		j.c.Verdict = model.VerdictUndetermined
		j.note("%s visible of a registrant that cannot be told a person or an organisation", joinFields(personal))
		undetermined = true
	}
	switch {
	case undetermined:
	case kind == kindUndetermined && len(personal) == 1 && personal[0] == model.FieldOrganisation && j.anyRedacted():
		// Only the organisation field, all else withheld: whoever it is,
		// nothing by which to reach them is shown.
		j.c.Verdict = model.VerdictRedacted
	case kind == kindUndetermined && len(personal) == 1 && personal[0] == model.FieldOrganisation:
		j.c.Verdict = model.VerdictOrganisation
	case len(personal) > 0:
		j.c.Verdict = model.VerdictExposed
		j.note("personal data of a natural person is visible: %s", joinFields(personal))
	case proxy != "":
		j.c.Verdict = model.VerdictProxied
	case kind == kindOrganisation && j.anyVisible(reg):
		j.c.Verdict = model.VerdictOrganisation
	case j.anyRedacted() || reg.withheld != "":
		j.c.Verdict = model.VerdictRedacted
	case !placed && len(r.unplaced) > 0:
		j.c.Verdict = model.VerdictUndetermined
		j.note("no registrant was recognised, and the response shows %s", r.unplaced[0])
	case j.anyVisible(reg):
		// Something is shown but it is neither personal nor withheld: a
		// country alone, or an organisation without a legal form.
		j.c.Verdict = model.VerdictOrganisation
	case r.notPublished != "":
		j.c.Verdict = model.VerdictNotPublished
		j.note("no registrant data is published: %s", r.notPublished)
	case placed && reg.kind == kindOrganisation:
		j.c.Verdict = model.VerdictOrganisation
		j.note("the registry says the registrant is a legal entity, and prints no more of it")
	case placed && reg.kind == kindPerson:
		j.c.Verdict = model.VerdictRedacted
		j.note("the registry says the registrant is a natural person, and prints none of their data")
	case !placed && !r.anyContact():
		j.c.Verdict = model.VerdictNotPublished
		j.note("the registry prints no contact data of any kind for this domain")
	default:
		j.c.Verdict = model.VerdictUndetermined
		j.note("no registrant data was recognised and no registry notice explains its absence: staff review the response")
	}
	if ours != nil {
		m := match(j.c.Fields, ours)
		j.c.Match = &m
		if m.Any() {
			j.note("visible data matches our customer's own: %s", matchList(m))
		}
	}
	return j.c
}

type judgement struct {
	c    model.Classification
	ours *model.Customer
}

func (j *judgement) note(format string, args ...any) {
	j.c.Evidence = append(j.c.Evidence, fmt.Sprintf(format, args...))
}

func (j *judgement) visible(f model.Field) bool { return j.c.Fields[f].State == model.FieldVisible }

func (j *judgement) anyVisible(reg *contact) bool {
	for _, f := range model.Fields {
		if j.visible(f) {
			return true
		}
	}
	return false
}

func (j *judgement) anyRedacted() bool {
	for _, v := range j.c.Fields {
		if v.State == model.FieldRedacted {
			return true
		}
	}
	return false
}

// readFields fills the fields not yet visible from a contact and returns
// the ones it made visible. from names the contact when it is not the
// registrant.
func (j *judgement) readFields(c *contact, from string) []model.Field {
	var added []model.Field
	for _, f := range model.Fields {
		if j.visible(f) {
			continue
		}
		cur, has := j.c.Fields[f]
		v := c.values[f]
		switch {
		case v != "" && f == model.FieldEmail && !strings.Contains(v, "@"):
			j.setIfBetter(f, model.FieldValue{State: model.FieldRedacted, Contact: from}, has, cur)
			j.note("%s e-mail is a contact form or text, not an address", contactName(c))
		case v != "" && redactionMarker(v) != "" && privacyService(v) == "":
			j.setIfBetter(f, model.FieldValue{State: model.FieldRedacted, Contact: from}, has, cur)
			j.note("%s %s: marker %q", contactName(c), f, redactionMarker(v))
		case v != "":
			j.c.Fields[f] = model.FieldValue{State: model.FieldVisible, Value: v, Contact: from}
			added = append(added, f)
		case c.redacted[f] != "":
			j.setIfBetter(f, model.FieldValue{State: model.FieldRedacted, Contact: from}, has, cur)
			j.note("%s %s: %s", contactName(c), f, c.redacted[f])
		case c.withheld != "" && personalField(f):
			j.setIfBetter(f, model.FieldValue{State: model.FieldRedacted, Contact: from}, has, cur)
		case !has:
			j.c.Fields[f] = model.FieldValue{State: model.FieldAbsent}
		}
	}
	if c.withheld != "" {
		j.note("%s is marked as withheld: %s", contactName(c), c.withheld)
	}
	return added
}

// setIfBetter records a redaction unless the field already says more.
func (j *judgement) setIfBetter(f model.Field, v model.FieldValue, has bool, cur model.FieldValue) {
	if !has || cur.State == model.FieldAbsent {
		if v.Contact == roleRegistrant {
			v.Contact = ""
		}
		j.c.Fields[f] = v
	}
}

// proxyService names the privacy service standing in for the registrant.
func (j *judgement) proxyService(reg *contact) string {
	for _, f := range []model.Field{model.FieldOrganisation, model.FieldName, model.FieldEmail, model.FieldStreet} {
		if p := privacyService(reg.values[f]); p != "" {
			j.note("privacy service %q in the registrant's %s", p, f)
			return p
		}
	}
	return ""
}

// registrantKind decides whether the registrant is a natural person or a
// legal entity: what the response says, else a legal form in the name or
// organisation, else — for a sole trader's business name — a person.
func (j *judgement) registrantKind(reg *contact) string {
	name, org := j.value(model.FieldName), j.value(model.FieldOrganisation)
	if org != "" && name != "" && !strings.Contains(org, " ") && strings.Contains(org, ".") {
		org = "" // a website's name, not an organisation's
	}
	if j.ours != nil && j.ours.Kind == model.CustomerPerson && (sameName(name, j.ours.Name) || sameName(org, j.ours.Name)) {
		// Whatever the registry calls it, the name shown is our customer's,
		// and our customer is a natural person.
		j.note("the registrant's name is our customer's, who is a natural person")
		return kindPerson
	}
	if reg.kind == kindPerson && roleName(name) {
		j.note("the response calls the registrant a person, but the name is a role's")
		return kindOrganisation
	}
	if reg.kind != kindUnknown && !(reg.kind == kindOrganisation && org == "" && personName(name) &&
		legalForm(name) == "" && organisationWord(name) == "") {
		j.note("the response says the registrant is %s (%s)", kindWords(reg.kind), reg.kindBy)
		return reg.kind
	}
	for _, v := range []string{org, name} {
		if form := soleTraderForm(v); form != "" && legalForm(v) == "" {
			j.note("%q marks the registrant's business as a sole trader's, whose name is personal data", form)
			return kindPerson
		}
	}
	if org != "" && name != "" && !sameName(org, name) && containsName(org, name) && legalForm(org) == "" &&
		personName(name) && organisationWord(name) == "" && !standaloneOrganisationWord(org) {
		j.note("the organisation carries the person's own name (a sole trader)")
		return kindPerson
	}
	if reg.kind == kindOrganisation && org == "" && personName(name) && legalForm(name) == "" && organisationWord(name) == "" {
		j.note("the response calls the registrant an organisation, but names it only with a person's name")
		return kindPerson
	}
	for _, v := range []string{org, name} {
		if form := legalForm(v); form != "" {
			j.note("legal form %q in the registrant's name", form)
			return kindOrganisation
		}
	}
	if org != "" && name != "" && personName(name) && legalForm(org) == "" && !standaloneOrganisationWord(org) &&
		containsSurname(org, name) {
		j.note("the organisation carries the person's surname and no legal form (a sole trader)")
		return kindPerson
	}
	if org != "" && personalNameInside(org) && !standaloneOrganisationWord(org) {
		j.note("the organisation has no legal form and carries a person's name (a sole trader)")
		return kindPerson
	}
	if org != "" && name == "" && j.c.Fields[model.FieldName].State == model.FieldRedacted && legalForm(org) == "" &&
		!standaloneOrganisationWord(org) && len(strings.Fields(org)) > 2 && personName(strings.Join(strings.Fields(org)[:2], " ")) {
		// The name withheld, and the organisation begins with what reads as
		// a person's full name ("… Web Development"): a sole trader's, maybe.
		j.note("the organisation begins with what reads as a person's name: whose it is cannot be told")
		return kindUndetermined
	}
	for _, v := range []string{org, name} {
		if w := organisationWord(v); w != "" && !(j.ours != nil && j.ours.Kind == model.CustomerPerson && containsName(v, j.ours.Name)) {
			j.note("the registrant's name carries %q, a word only organisations carry", w)
			return kindOrganisation
		}
	}
	if j.ours != nil && j.ours.Kind == model.CustomerOrganisation && org != "" && sameName(org, j.ours.Name) {
		j.note("the organisation is our customer, an organisation")
		return kindOrganisation
	}
	switch {
	case org != "" && name != "" && sameName(org, name) && personName(name):
		j.note("the organisation is the person's own name")
		return kindPerson
	case org != "" && j.ours != nil && j.ours.Kind == model.CustomerPerson && containsName(org, j.ours.Name):
		j.note("the organisation carries our customer's own name (a sole trader)")
		return kindPerson
	case org != "" && personalNameInside(org) && !standaloneOrganisationWord(org):
		j.note("the organisation has no legal form and carries a person's name (a sole trader)")
		return kindPerson
	case org != "" && name == "" && personName(org) && organisationWord(org) == "" && !countryWord(org):
		// Only an organisation field, and it reads as a person's name: a
		// careful reader cannot tell.
		j.note("the organisation field reads as a person's name: whose it is cannot be told")
		return kindUndetermined
	case org != "":
		return kindOrganisation
	case name != "" && roleName(name):
		j.note("the registrant's name is a role's, not a person's")
		return kindOrganisation
	case name != "" && personName(name):
		return kindPerson
	case name != "" && strings.Contains(name, ",") && personName(strings.TrimSpace(name[:strings.Index(name, ",")])):
		j.note("the registrant's name is a person's, followed by a business (a sole trader)")
		return kindPerson
	case name != "" && freeMail(j.value(model.FieldEmail)):
		j.note("a single name with a private mailbox: taken as a person")
		return kindPerson
	case name != "" && utf8.RuneCountInString(strings.TrimSpace(name)) <= 3:
		j.note("the registrant's name is only initials: whose it is cannot be told")
		return kindUndetermined
	case name != "":
		j.note("the registrant's name does not read as a person's full name: taken as an organisation")
		return kindOrganisation
	}
	return kindUnknown
}

func (j *judgement) value(f model.Field) string {
	if v := j.c.Fields[f]; v.State == model.FieldVisible && v.Contact == "" {
		return v.Value
	}
	return ""
}

// personalFields lists the visible fields that are a natural person's data.
func (j *judgement) personalFields(kind string, proxied bool, admin *contact) []model.Field {
	var out []model.Field
	for _, f := range model.Fields {
		v := j.c.Fields[f]
		if v.State != model.FieldVisible || !personalField(f) {
			continue
		}
		switch {
		case v.Contact == roleAdministrative:
			if j.adminPersonal(f, v.Value, admin) {
				out = append(out, f)
			}
		case proxied:
			// The service's own data; only a person's own mailbox betrays them.
			if f == model.FieldEmail && privacyService(v.Value) == "" && personalMailbox(v.Value) {
				out = append(out, f)
			}
		case kind == kindOrganisation:
			// An employee's address at the organisation's own domain is the
			// organisation's contact; a private mailbox is the person's.
			if f == model.FieldEmail && freeMail(v.Value) && !roleMailbox(v.Value) {
				out = append(out, f)
			}
		default: // a person, or nothing said either way
			if f == model.FieldEmail && (roleMailbox(v.Value) || forwardingAddress(v.Value)) && !j.oursEmail(v.Value) {
				j.noteForwarding(v.Value)
				continue
			}
			if f == model.FieldOrganisation && kind != kindPerson && kind != kindUndetermined {
				continue
			}
			out = append(out, f)
		}
	}
	return out
}

// identifies says whether visible personal fields point at a person: a name,
// an e-mail address or a phone number; a street, city or postal code alone
// do not (DESIGN: a name with an address, or a personal e-mail or phone).
func (j *judgement) identifies(fields []model.Field) bool {
	for _, f := range fields {
		switch f {
		case model.FieldName, model.FieldOrganisation, model.FieldEmail, model.FieldPhone:
			return true
		}
	}
	return false
}

// adminPersonal says whether a field shown from the administrative contact
// is a person's data: not a shared mailbox, not an organisation's.
func (j *judgement) adminPersonal(f model.Field, v string, admin *contact) bool {
	if admin != nil && (admin.kind == kindOrganisation || legalForm(admin.values[model.FieldName]) != "" ||
		legalForm(admin.values[model.FieldOrganisation]) != "") && f != model.FieldEmail {
		return false
	}
	switch f {
	case model.FieldEmail:
		if forwardingAddress(v) && !j.oursEmail(v) {
			j.noteForwarding(v)
			return false
		}
		return j.oursEmail(v) || !roleMailbox(v)
	case model.FieldOrganisation:
		return false
	}
	return true
}

func (j *judgement) noteForwarding(email string) {
	if forwardingAddress(email) {
		j.note("the e-mail address forwards without naming the registrant")
	}
}

func (j *judgement) oursEmail(v string) bool {
	return j.ours != nil && j.ours.Email != "" && strings.EqualFold(strings.TrimSpace(v), j.ours.Email)
}

var firstDotLast = regexp.MustCompile(`^[\p{L}]+[._][\p{L}]+(?:[._-][\p{L}]+)*@`)

// personName says whether a name reads as a natural person's: two to five
// words of letters, none of them an organisation's.
func personName(name string) bool {
	words := strings.Fields(name)
	if len(words) == 1 && hanName(name) {
		return true
	}
	if len(words) < 2 || len(words) > 5 {
		return false
	}
	allCaps := strings.ToUpper(name) == name
	for _, w := range words {
		if strings.HasPrefix(w, ".") {
			return false
		}
		for _, r := range w {
			if !unicode.IsLetter(r) && !strings.ContainsRune(".'-’", r) {
				return false
			}
		}
		// An acronym in a mixed-case name ("Nominet UK", "Stella Travel
		// GmbH") is an organisation's; initials end in a dot ("J.").
		if n := utf8.RuneCountInString(w); !allCaps && n >= 2 && n <= 4 && strings.ToUpper(w) == w && !strings.Contains(w, ".") {
			return false
		}
	}
	return !roleName(name)
}

// countryWord says whether a name carries a country's name ("Google Japan").
func countryWord(name string) bool {
	for _, w := range strings.Fields(name) {
		if countryLine(w) {
			return true
		}
	}
	return false
}

// containsSurname says whether s holds the last word of a person's name, of
// four letters or more: "Elektro Rauter" for "Josef Rauter".
func containsSurname(s, name string) bool {
	words := strings.Fields(nameKey(name))
	if len(words) < 2 || utf8.RuneCountInString(words[len(words)-1]) < 4 {
		return false
	}
	return containsName(s, words[len(words)-1])
}

// hanName says whether a name is two to four Han characters, the form of a
// Chinese person's full name (a company's name is longer and carries 公司).
func hanName(name string) bool {
	n := 0
	for _, r := range name {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
		n++
	}
	return n >= 2 && n <= 4
}

// personalMailbox says whether an address in an organisation's record is
// still one person's: at a private mail provider, or first.last@.
func personalMailbox(email string) bool {
	e := strings.ToLower(strings.TrimSpace(email))
	if roleMailbox(e) || forwardingAddress(e) {
		return false
	}
	return freeMail(e) || firstDotLast.MatchString(e)
}

func contactName(c *contact) string {
	if c.role == roleRegistrant {
		return "registrant"
	}
	return c.role + " contact"
}

func handleNote(c *contact) string {
	if c.handle == "" {
		return ""
	}
	return " (" + c.handle + ")"
}

func kindWords(kind string) string {
	if kind == kindPerson {
		return "a natural person"
	}
	return "a legal entity"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func joinFields(fs []model.Field) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}
