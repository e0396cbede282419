package epptest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/afscherm/afscherm/registrars/epp/internal/xmltree"
)

// The schema rules, hand-written from the XSDs: epp-1.0, contact-1.0 and
// domain-1.0 (RFC 5730, 5733, 5731), FRED's contact-1.6.2 and domain-1.4
// (fred-mod-eppd/schemas), and SIDN's extension as registrars use it. A
// frame that breaks them is answered 2001, as a validating server does.

// content checks an element's children and text.
type content func(e *xmltree.Element) error

// attrSpec is one allowed unqualified attribute.
type attrSpec struct {
	name     string
	required bool
	enum     []string // nil: any value
}

// rule is one element in a sequence.
type rule struct {
	name     string
	min, max int // max < 0: unbounded
	content  content
	attrs    []attrSpec
}

func r(name string, min, max int, c content, attrs ...attrSpec) rule {
	return rule{name: name, min: min, max: max, content: c, attrs: attrs}
}

func opt(a string, enum ...string) attrSpec { return attrSpec{name: a, enum: enum} }
func req(a string, enum ...string) attrSpec { return attrSpec{name: a, required: true, enum: enum} }

var boolean = []string{"0", "1", "true", "false"}

// check validates one element against a rule (its attributes and content).
func (ru rule) check(e *xmltree.Element) error {
	for _, a := range e.Attr {
		if a.Name.Space != "" {
			continue // xsi:schemaLocation and the like
		}
		i := slices.IndexFunc(ru.attrs, func(s attrSpec) bool { return s.name == a.Name.Local })
		if i < 0 {
			return fmt.Errorf("<%s> has no attribute %q", e.Name.Local, a.Name.Local)
		}
		if en := ru.attrs[i].enum; en != nil && !slices.Contains(en, strings.TrimSpace(a.Value)) {
			return fmt.Errorf("<%s %s=%q>: value not allowed", e.Name.Local, a.Name.Local, a.Value)
		}
	}
	for _, s := range ru.attrs {
		if _, ok := e.AttrValue(s.name); s.required && !ok {
			return fmt.Errorf("<%s> needs attribute %q", e.Name.Local, s.name)
		}
	}
	if ru.content == nil {
		return nil
	}
	return ru.content(e)
}

// seq is an XSD sequence of elements, all in namespace ns.
func seq(ns string, rules ...rule) content {
	return func(e *xmltree.Element) error {
		if err := xmltree.CheckElementOnly(e); err != nil {
			return err
		}
		i := 0
		for _, ru := range rules {
			n := 0
			for i < len(e.Children) && e.Children[i].Is(ns, ru.name) {
				if ru.max >= 0 && n >= ru.max {
					return fmt.Errorf("too many <%s> in <%s>", ru.name, e.Name.Local)
				}
				if err := ru.check(e.Children[i]); err != nil {
					return err
				}
				n++
				i++
			}
			if n < ru.min {
				return fmt.Errorf("<%s> lacks <%s>", e.Name.Local, ru.name)
			}
		}
		if i < len(e.Children) {
			c := e.Children[i]
			return fmt.Errorf("unexpected <%s> from %q in <%s>", c.Name.Local, c.Name.Space, e.Name.Local)
		}
		return nil
	}
}

// choice is exactly one of the elements.
func choice(ns string, rules ...rule) content {
	return func(e *xmltree.Element) error {
		if err := xmltree.CheckElementOnly(e); err != nil {
			return err
		}
		if len(e.Children) != 1 {
			return fmt.Errorf("<%s> needs exactly one child", e.Name.Local)
		}
		c := e.Children[0]
		for _, ru := range rules {
			if c.Is(ns, ru.name) {
				return ru.check(c)
			}
		}
		return fmt.Errorf("unexpected <%s> from %q in <%s>", c.Name.Local, c.Name.Space, e.Name.Local)
	}
}

// text is simple content of min to max characters, white space collapsed
// (XSD token); max < 0: unbounded.
func text(min, max int) content {
	return func(e *xmltree.Element) error {
		if len(e.Children) > 0 {
			return fmt.Errorf("<%s> must hold text only", e.Name.Local)
		}
		n := utf8.RuneCountInString(strings.Join(strings.Fields(e.Text), " "))
		if n < min || (max >= 0 && n > max) {
			return fmt.Errorf("<%s>: length %d not within %d..%d", e.Name.Local, n, min, max)
		}
		return nil
	}
}

// pattern is text matching re (anchored) of at most max characters.
func pattern(re string, max int) content {
	rx := regexp.MustCompile("^(?:" + re + ")$")
	return func(e *xmltree.Element) error {
		if err := text(0, max)(e); err != nil {
			return err
		}
		if !rx.MatchString(e.Value()) {
			return fmt.Errorf("<%s>: value does not match the schema pattern", e.Name.Local)
		}
		return nil
	}
}

// enum is text that is one of the values.
func enum(values ...string) content {
	return func(e *xmltree.Element) error {
		if len(e.Children) > 0 || !slices.Contains(values, e.Value()) {
			return fmt.Errorf("<%s>: value not allowed", e.Name.Local)
		}
		return nil
	}
}

// empty allows neither children nor text.
func empty(e *xmltree.Element) error {
	if len(e.Children) > 0 || strings.TrimSpace(e.Text) != "" {
		return fmt.Errorf("<%s> must be empty", e.Name.Local)
	}
	return nil
}

// anyOther is one or more elements from namespaces other than EPP's
// (extAnyType); their own rules are checked elsewhere.
func anyOther(e *xmltree.Element) error {
	if err := xmltree.CheckElementOnly(e); err != nil {
		return err
	}
	if len(e.Children) == 0 {
		return fmt.Errorf("<%s> is empty", e.Name.Local)
	}
	for _, c := range e.Children {
		if c.Name.Space == nsEPP {
			return fmt.Errorf("<%s> inside <%s> must be from another namespace", c.Name.Local, e.Name.Local)
		}
	}
	return nil
}

const e164 = `(\+[0-9]{1,3}\.[0-9]{1,14})?`

// Shared simple types.
var (
	clIDType     = text(3, 16)  // eppcom:clIDType
	trIDType     = text(3, 64)  // epp:trIDStringType
	pwType       = text(8, 64)  // epp:pwType
	labelType    = text(1, 255) // eppcom:labelType
	postalLine   = text(1, 255)
	optPostal    = text(0, 255)
	pcType       = text(0, 16)
	ccType       = text(2, 2)
	languageType = pattern(`[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*`, -1)
)

// eppRules are epp-1.0.xsd's commands, down to the object elements.
var eppRules = map[string]rule{
	"login": r("login", 1, 1, seq(nsEPP,
		r("clID", 1, 1, clIDType),
		r("pw", 1, 1, pwType),
		r("newPW", 0, 1, pwType),
		r("options", 1, 1, seq(nsEPP,
			r("version", 1, 1, pattern(`[1-9]+\.[0-9]+`, -1)),
			r("lang", 1, 1, languageType))),
		r("svcs", 1, 1, seq(nsEPP,
			r("objURI", 1, -1, text(1, -1)),
			r("svcExtension", 0, 1, seq(nsEPP, r("extURI", 1, -1, text(1, -1)))))),
	)),
	"logout":   r("logout", 1, 1, empty),
	"poll":     r("poll", 1, 1, empty, req("op", "ack", "req"), opt("msgID")),
	"check":    r("check", 1, 1, readWrite),
	"create":   r("create", 1, 1, readWrite),
	"delete":   r("delete", 1, 1, readWrite),
	"info":     r("info", 1, 1, readWrite),
	"renew":    r("renew", 1, 1, readWrite),
	"update":   r("update", 1, 1, readWrite),
	"transfer": r("transfer", 1, 1, readWrite, req("op", "approve", "cancel", "query", "reject", "request")),
}

// readWrite is epp:readWriteType: exactly one element of another namespace.
func readWrite(e *xmltree.Element) error {
	if err := anyOther(e); err != nil {
		return err
	}
	if len(e.Children) != 1 {
		return fmt.Errorf("<%s> needs exactly one object element", e.Name.Local)
	}
	return nil
}

// checkCommand validates <command> per epp-1.0.xsd and returns the verb
// element.
func checkCommand(cmd *xmltree.Element) (*xmltree.Element, error) {
	if err := xmltree.CheckElementOnly(cmd); err != nil {
		return nil, err
	}
	if len(cmd.Attr) > 0 {
		for _, a := range cmd.Attr {
			if a.Name.Space == "" {
				return nil, fmt.Errorf("<command> has no attribute %q", a.Name.Local)
			}
		}
	}
	kids := cmd.Children
	if len(kids) == 0 {
		return nil, fmt.Errorf("<command> is empty")
	}
	verb := kids[0]
	ru, ok := eppRules[verb.Name.Local]
	if verb.Name.Space != nsEPP || !ok {
		return nil, fmt.Errorf("<command> cannot start with <%s>", verb.Name.Local)
	}
	if err := ru.check(verb); err != nil {
		return nil, err
	}
	rest := kids[1:]
	if len(rest) > 0 && rest[0].Is(nsEPP, "extension") {
		if err := anyOther(rest[0]); err != nil {
			return nil, err
		}
		rest = rest[1:]
	}
	if len(rest) > 0 && rest[0].Is(nsEPP, "clTRID") {
		if err := trIDType(rest[0]); err != nil {
			return nil, err
		}
		rest = rest[1:]
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("unexpected <%s> in <command>", rest[0].Name.Local)
	}
	return verb, nil
}

// objectRules maps namespace → element → rule, per dialect. A namespace
// missing here is unknown to the server; an element missing from a known
// namespace is not in its schema.
func (s *Server) objectRules() map[string]map[string]rule {
	switch s.opts.Dialect {
	case FRED:
		return map[string]map[string]rule{NSFREDContact: fredContactRules, NSFREDDomain: fredDomainRules}
	default:
		return map[string]map[string]rule{nsContact: ietfContactRules, nsDomain: ietfDomainRules}
	}
}

// unimplemented are schema elements the fake does not carry out (2101).
var unimplemented = []string{"check", "delete", "transfer", "renew", "create", "sendAuthInfo", "list"}

func ietfContactCommon(ns string) (authInfo, disclose, addr content, e164r func(string, int, int) rule) {
	authInfo = choice(ns, r("pw", 1, 1, text(0, -1), opt("roid")), r("ext", 1, 1, nil))
	intLoc := func(name string) rule { return r(name, 0, 2, empty, req("type", "loc", "int")) }
	disclose = seq(ns, intLoc("name"), intLoc("org"), intLoc("addr"),
		r("voice", 0, 1, empty), r("fax", 0, 1, empty), r("email", 0, 1, empty))
	addr = seq(ns,
		r("street", 0, 3, optPostal), r("city", 1, 1, postalLine), r("sp", 0, 1, optPostal),
		r("pc", 0, 1, pcType), r("cc", 1, 1, ccType))
	e164r = func(name string, min, max int) rule { return r(name, min, max, pattern(e164, 17), opt("x")) }
	return
}

// contact-1.0.xsd (RFC 5733).
var ietfContactRules = func() map[string]rule {
	ns := nsContact
	authInfo, disclose, addr, e164r := ietfContactCommon(ns)
	status := r("status", 1, 7, text(0, -1), req("s", "clientDeleteProhibited", "clientTransferProhibited",
		"clientUpdateProhibited", "linked", "ok", "pendingCreate", "pendingDelete", "pendingTransfer",
		"pendingUpdate", "serverDeleteProhibited", "serverTransferProhibited", "serverUpdateProhibited"), opt("lang"))
	return map[string]rule{
		"info": r("info", 1, 1, seq(ns, r("id", 1, 1, clIDType), r("authInfo", 0, 1, authInfo))),
		"create": r("create", 1, 1, seq(ns,
			r("id", 1, 1, clIDType),
			r("postalInfo", 1, 2, seq(ns, r("name", 1, 1, postalLine), r("org", 0, 1, optPostal), r("addr", 1, 1, addr)),
				req("type", "loc", "int")),
			e164r("voice", 0, 1), e164r("fax", 0, 1),
			r("email", 1, 1, text(1, -1)),
			r("authInfo", 1, 1, authInfo),
			r("disclose", 0, 1, disclose, req("flag", boolean...)),
		)),
		"update": r("update", 1, 1, seq(ns,
			r("id", 1, 1, clIDType),
			r("add", 0, 1, seq(ns, status)),
			r("rem", 0, 1, seq(ns, status)),
			r("chg", 0, 1, seq(ns,
				r("postalInfo", 0, 2, seq(ns, r("name", 0, 1, postalLine), r("org", 0, 1, optPostal), r("addr", 0, 1, addr)),
					req("type", "loc", "int")),
				e164r("voice", 0, 1), e164r("fax", 0, 1),
				r("email", 0, 1, text(1, -1)),
				r("authInfo", 0, 1, authInfo),
				r("disclose", 0, 1, disclose, req("flag", boolean...)),
			)),
		)),
	}
}()

// domain-1.0.xsd (RFC 5731).
var ietfDomainRules = func() map[string]rule {
	ns := nsDomain
	authInfo := choice(ns, r("pw", 1, 1, text(0, -1), opt("roid")), r("ext", 1, 1, nil))
	hostAttr := seq(ns, r("hostName", 1, 1, labelType), r("hostAddr", 0, -1, text(3, 45), opt("ip", "v4", "v6")))
	ns4 := func(e *xmltree.Element) error { // choice of hostObj+ or hostAttr+
		if err := seq(ns, r("hostObj", 1, -1, labelType))(e); err == nil {
			return nil
		}
		return seq(ns, r("hostAttr", 1, -1, hostAttr))(e)
	}
	addRem := seq(ns,
		r("ns", 0, 1, ns4),
		r("contact", 0, -1, clIDType, req("type", "admin", "billing", "tech")),
		r("status", 0, 11, text(0, -1), req("s", "clientDeleteProhibited", "clientHold", "clientRenewProhibited",
			"clientTransferProhibited", "clientUpdateProhibited", "inactive", "ok", "pendingCreate", "pendingDelete",
			"pendingRenew", "pendingTransfer", "pendingUpdate", "serverDeleteProhibited", "serverHold",
			"serverRenewProhibited", "serverTransferProhibited", "serverUpdateProhibited"), opt("lang")))
	return map[string]rule{
		"info": r("info", 1, 1, seq(ns,
			r("name", 1, 1, labelType, opt("hosts", "all", "del", "none", "sub")),
			r("authInfo", 0, 1, authInfo))),
		"update": r("update", 1, 1, seq(ns,
			r("name", 1, 1, labelType),
			r("add", 0, 1, addRem),
			r("rem", 0, 1, addRem),
			r("chg", 0, 1, seq(ns,
				r("registrant", 0, 1, text(0, 16)),
				r("authInfo", 0, 1, choice(ns, r("pw", 1, 1, text(0, -1), opt("roid")), r("ext", 1, 1, nil), r("null", 1, 1, empty))))),
		)),
	}
}()

const (
	fredEmailList    = `[^@, ]{1,64}@[^@, ]+(,[^@, ]{1,64}@[^@, ]+)*`
	fredEmailUpdList = `(` + fredEmailList + `)?`
)

// FRED's contact-1.6.2.xsd.
var fredContactRules = func() map[string]rule {
	ns := NSFREDContact
	objID := text(1, 63) // fredcom:objIDType
	addr := seq(ns,
		r("street", 1, 3, optPostal), r("city", 1, 1, postalLine), r("sp", 0, 1, optPostal),
		r("pc", 1, 1, pcType), r("cc", 1, 1, ccType))
	item := func(name string) rule { return r(name, 0, 1, empty) }
	// discloseType (create) has no addr; infupdDiscloseType (update) has.
	createDisclose := seq(ns, item("voice"), item("fax"), item("email"), item("vat"), item("ident"), item("notifyEmail"))
	updDisclose := seq(ns, item("addr"), item("voice"), item("fax"), item("email"), item("vat"), item("ident"), item("notifyEmail"))
	identTypes := []string{"op", "passport", "mpsv", "ico", "birthday"}
	return map[string]rule{
		"info": r("info", 1, 1, seq(ns, r("id", 1, 1, objID), r("authInfo", 0, 1, text(0, 300)))),
		"create": r("create", 1, 1, seq(ns,
			r("id", 1, 1, objID),
			r("postalInfo", 1, 1, seq(ns, r("name", 1, 1, postalLine), r("org", 0, 1, optPostal), r("addr", 1, 1, addr))),
			r("voice", 0, 1, pattern(e164, 17)),
			r("fax", 0, 1, pattern(e164, 17)),
			r("email", 1, 1, pattern(fredEmailList, 320)),
			r("authInfo", 0, 1, text(0, 300)),
			r("disclose", 0, 1, createDisclose, req("flag", boolean...)),
			r("vat", 0, 1, text(0, 20)),
			r("ident", 0, 1, text(0, 32), req("type", identTypes...)),
			r("notifyEmail", 0, 1, pattern(fredEmailList, 320)),
		)),
		"update": r("update", 1, 1, seq(ns,
			r("id", 1, 1, objID),
			r("chg", 0, 1, seq(ns,
				r("postalInfo", 0, 1, seq(ns, r("name", 0, 1, postalLine), r("org", 0, 1, optPostal), r("addr", 0, 1, addr))),
				r("voice", 0, 1, pattern(e164, 17)),
				r("fax", 0, 1, pattern(e164, 17)),
				r("email", 0, 1, pattern(fredEmailList, 320)),
				r("authInfo", 0, 1, text(0, 300)),
				r("disclose", 0, 1, updDisclose, req("flag", boolean...)),
				r("vat", 0, 1, text(0, 20)),
				r("ident", 0, 1, text(0, 32), opt("type", identTypes...)),
				r("notifyEmail", 0, 1, pattern(fredEmailUpdList, 320)),
			)),
		)),
	}
}()

// FRED's domain-1.4.xsd.
var fredDomainRules = func() map[string]rule {
	ns := NSFREDDomain
	objID := text(1, 63)
	return map[string]rule{
		"info": r("info", 1, 1, seq(ns, r("name", 1, 1, labelType))),
		"update": r("update", 1, 1, seq(ns,
			r("name", 1, 1, labelType),
			r("add", 0, 1, seq(ns, r("admin", 0, -1, objID))),
			r("rem", 0, 1, seq(ns, r("admin", 0, -1, objID), r("tempcontact", 0, -1, objID))),
			r("chg", 0, 1, seq(ns,
				r("nsset", 0, 1, text(0, 63)), r("keyset", 0, 1, text(0, 63)),
				r("registrant", 0, 1, objID), r("authInfo", 0, 1, text(0, 300)))),
		)),
	}
}()

// sidnExtRule is SIDN's <sidn-ext-epp:ext> as sent with contact commands.
var sidnExtRule = func() rule {
	ns := NSSIDN
	return r("ext", 1, 1, choice(ns,
		r("create", 1, 1, seq(ns, r("contact", 1, 1, seq(ns,
			r("legalForm", 1, 1, enum(sidnLegalForms...)),
			r("legalFormRegNo", 0, 1, text(0, 255)))))),
		r("update", 1, 1, seq(ns, r("contact", 1, 1, seq(ns,
			r("legalForm", 0, 1, enum(sidnLegalForms...)),
			r("legalFormRegNo", 0, 1, text(0, 255)))))),
	))
}()
