package epptest

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/afscherm/afscherm/registrars/epp/internal/xmltree"
)

// resultText is RFC 5730's text for each result code the server gives.
var resultText = map[int]string{
	1000: "Command completed successfully",
	1001: "Command completed successfully; action pending",
	1300: "Command completed successfully; no messages",
	1301: "Command completed successfully; ack to dequeue",
	1500: "Command completed successfully; ending session",
	2001: "Command syntax error",
	2002: "Command use error",
	2003: "Required parameter missing",
	2100: "Unimplemented protocol version",
	2101: "Unimplemented command",
	2102: "Unimplemented option",
	2103: "Unimplemented extension",
	2200: "Authentication error",
	2201: "Authorization error",
	2302: "Object exists",
	2303: "Object does not exist",
	2304: "Object status prohibits operation",
	2306: "Parameter value policy error",
	2307: "Unimplemented object service",
	2308: "Data management policy violation",
}

// reply is an answer before it is written.
type reply struct {
	code     int
	reason   string // a detail for <extValue><reason> (SIDN: its extension)
	text     string // the result's <msg>; empty: RFC 5730's text for code
	sidn     []sidnMsg
	greeting bool
	msgQ     *xmltree.Node
	resData  *xmltree.Node
	ext      *xmltree.Node
	end      bool     // close the connection after answering
	changed  []string // domains to tell OnChange about
}

func fail(code int, format string, args ...any) reply {
	return reply{code: code, reason: fmt.Sprintf(format, args...)}
}

func answer(code int) reply { return reply{code: code} }

// process handles one frame and returns the answer to write.
func (s *Server) process(sess *session, frame []byte, fault Fault) ([]byte, bool) {
	s.mu.Lock()
	call := Call{Fault: fault}
	rep, trid := s.handleLocked(sess, frame, &call)
	call.Registrar = sess.registrar
	call.ClTRID = trid
	if !rep.greeting {
		call.Code = rep.code
	}
	s.calls = append(s.calls, call)
	if fault == WrongClTRID {
		trid = "WRONG-" + trid
	}
	out := s.render(rep, trid)
	s.mu.Unlock()
	s.notify(rep.changed)
	return out, rep.end
}

func (s *Server) handleLocked(sess *session, frame []byte, call *Call) (reply, string) {
	root, err := xmltree.Parse(frame)
	if err != nil {
		return fail(2001, "not well-formed XML"), ""
	}
	if !root.Is(nsEPP, "epp") || xmltree.CheckElementOnly(root) != nil || len(root.Children) != 1 {
		return fail(2001, "an EPP frame is one <epp> element with one child"), ""
	}
	if hello := root.Child(nsEPP, "hello"); hello != nil {
		call.Command = "hello"
		if empty(hello) != nil || len(hello.Attr) > 0 {
			return fail(2001, "<hello> must be empty"), ""
		}
		return reply{greeting: true}, ""
	}
	cmd := root.Child(nsEPP, "command")
	if cmd == nil {
		return fail(2001, "expected <hello> or <command>"), ""
	}
	trid := cmd.Child(nsEPP, "clTRID").Value()
	verb, err := checkCommand(cmd)
	if err != nil {
		return fail(2001, "%v", err), trid
	}
	call.Command = verb.Name.Local
	switch verb.Name.Local {
	case "login":
		return s.login(sess, verb), trid
	case "logout":
		if sess.registrar == "" {
			return fail(2002, "not logged in"), trid
		}
		return reply{code: 1500, end: true}, trid
	case "poll":
		op, _ := verb.AttrValue("op")
		id, _ := verb.AttrValue("msgID")
		call.Command, call.Object = "poll:"+op, id
		if sess.registrar == "" {
			return fail(2002, "not logged in"), trid
		}
		return s.poll(sess, op, id), trid
	}
	return s.object(sess, verb, cmd.Child(nsEPP, "extension"), call), trid
}

func (s *Server) login(sess *session, login *xmltree.Element) reply {
	if sess.registrar != "" {
		return fail(2002, "already logged in")
	}
	m := s.menu()
	if v := login.Path(nsEPP, "options", "version").Value(); v != "1.0" {
		return fail(2100, "version %s", v)
	}
	if l := login.Path(nsEPP, "options", "lang").Value(); !slices.Contains(m.langs, l) {
		return fail(2102, "language %s is not offered", l)
	}
	svcs := login.Child(nsEPP, "svcs")
	objs, exts := map[string]bool{}, map[string]bool{}
	// A login may select only services the greeting announced: 2307 for
	// an object service, 2103 for an extension (RFC 5730 section 3,
	// "Unimplemented object service", "Unimplemented extension").
	for _, o := range svcs.All(nsEPP, "objURI") {
		if !slices.Contains(m.objURIs, o.Value()) {
			return fail(2307, "object service %s is not offered", o.Value())
		}
		objs[o.Value()] = true
	}
	for _, e := range svcs.Child(nsEPP, "svcExtension").All(nsEPP, "extURI") {
		if !slices.Contains(m.extURIs, e.Value()) {
			return fail(2103, "extension %s is not offered", e.Value())
		}
		exts[e.Value()] = true
	}
	id := login.Child(nsEPP, "clID").Value()
	pw, known := s.registrars[id]
	if !known || pw != login.Child(nsEPP, "pw").Value() {
		return answer(2200)
	}
	if np := login.Child(nsEPP, "newPW"); np != nil {
		s.registrars[id] = np.Value()
	}
	sess.registrar, sess.objURIs, sess.extURIs = id, objs, exts
	return answer(1000)
}

func (s *Server) poll(sess *session, op, id string) reply {
	q := s.queues[sess.registrar]
	if op == "req" {
		if len(q) == 0 {
			return answer(1300)
		}
		m := q[0]
		msg := xmltree.E("msg")
		if m.inMsg != nil {
			msg.Add(m.inMsg)
		} else {
			msg = xmltree.T("msg", m.text)
		}
		rep := answer(1301)
		rep.msgQ = xmltree.E("msgQ", xmltree.T("qDate", m.date.Format(time.RFC3339)), msg).
			Attr("count", fmt.Sprint(len(q))).Attr("id", m.id)
		rep.resData = m.resData
		return rep
	}
	if id == "" {
		return fail(2003, "msgID is required to acknowledge")
	}
	i := slices.IndexFunc(q, func(m *message) bool { return m.id == id })
	if i < 0 {
		return fail(2303, "no message %s", id)
	}
	q = slices.Delete(q, i, i+1)
	s.queues[sess.registrar] = q
	rep := answer(1000)
	if len(q) > 0 {
		rep.msgQ = xmltree.E("msgQ").Attr("count", fmt.Sprint(len(q))).Attr("id", q[0].id)
	}
	return rep
}

// object handles contact and domain commands.
func (s *Server) object(sess *session, verb, ext *xmltree.Element, call *Call) reply {
	obj := verb.Children[0]
	ns := obj.Name.Space
	rules, known := s.objectRules()[ns]
	if !known {
		return fail(2001, "unknown namespace %q", ns)
	}
	m := s.menu()
	kind := "contact"
	if ns == m.domainNS {
		kind = "domain"
	}
	call.Command = kind + ":" + obj.Name.Local
	ru, inSchema := rules[obj.Name.Local]
	switch {
	case !inSchema && slices.Contains(unimplemented, obj.Name.Local):
		return fail(2101, "%s is not implemented here", call.Command)
	case !inSchema:
		return fail(2001, "<%s> is not in %s", obj.Name.Local, ns)
	case obj.Name.Local != verb.Name.Local:
		return fail(2001, "<%s> inside <%s>", obj.Name.Local, verb.Name.Local)
	}
	if err := ru.check(obj); err != nil {
		return fail(2001, "%v", err)
	}
	var sidn *xmltree.Element
	for _, e := range extChildren(ext) {
		switch {
		case e.Name.Space == NSSIDN && s.opts.Dialect == SIDN:
			if err := sidnExtRule.check(e); err != nil {
				return fail(2001, "%v", err)
			}
			sidn = e
		case slices.Contains(m.extURIs, e.Name.Space):
			return fail(2103, "extension %s is not implemented here", e.Name.Space)
		default:
			return fail(2001, "unknown extension namespace %q", e.Name.Space)
		}
	}
	if sess.registrar == "" {
		return fail(2002, "not logged in")
	}
	if !sess.objURIs[ns] {
		return fail(2307, "%s was not selected at login", ns)
	}
	if sidn != nil && !sess.extURIs[NSSIDN] {
		return fail(2103, "%s was not selected at login", NSSIDN)
	}
	if kind == "domain" {
		name := strings.ToLower(obj.Child(ns, "name").Value())
		call.Object = name
		if obj.Name.Local == "info" {
			return s.domainInfo(sess, name)
		}
		return s.domainUpdate(sess, name, obj)
	}
	id := obj.Child(ns, "id").Value()
	call.Object = id
	switch obj.Name.Local {
	case "info":
		return s.contactInfo(sess, id)
	case "create":
		return s.contactCreate(sess, obj, sidn)
	}
	return s.contactUpdate(sess, obj, sidn)
}

func extChildren(ext *xmltree.Element) []*xmltree.Element {
	if ext == nil {
		return nil
	}
	return ext.Children
}

// render writes a reply as an EPP frame.
func (s *Server) render(rep reply, trid string) []byte {
	if rep.greeting {
		return s.greeting()
	}
	text := rep.text
	if text == "" {
		text = resultText[rep.code]
	}
	if text == "" {
		text = "Command failed"
	}
	res := xmltree.E("result", xmltree.T("msg", text)).Attr("code", fmt.Sprint(rep.code))
	ext := rep.ext
	switch {
	case s.opts.Dialect == SIDN && rep.code >= 2000:
		ext = sidnResponseExt(rep)
	case rep.reason != "":
		res.Add(xmltree.E("extValue", xmltree.E("value", xmltree.T("code", fmt.Sprint(rep.code))), xmltree.T("reason", rep.reason)))
	}
	resp := xmltree.E("response", res, rep.msgQ)
	if rep.resData != nil {
		resp.Add(xmltree.E("resData", rep.resData))
	}
	if ext != nil {
		resp.Add(xmltree.E("extension", ext))
	}
	s.seq++
	tr := xmltree.E("trID")
	// Echo a clTRID only if it is one (epp:trIDStringType, 3 to 64
	// characters): a refused frame's overlong one would make the answer
	// break the schema too.
	if n := utf8.RuneCountInString(trid); n >= 3 && n <= 64 {
		tr.Add(xmltree.T("clTRID", trid))
	}
	tr.Add(xmltree.T("svTRID", fmt.Sprintf("EPPTEST-%d", s.seq)))
	resp.Add(tr)
	return xmltree.Document(xmltree.E("epp", resp).Attr("xmlns", nsEPP))
}

// ---- contacts ----

// fredAdjustable are the items a FRED contact's disclose may change, in
// schema order.
var fredAdjustable = []string{"addr", "voice", "fax", "email", "vat", "ident", "notifyEmail"}

// ietfDiscloseOrder is RFC 5733's order of disclose items.
var ietfDiscloseOrder = []string{"name", "org", "addr", "voice", "fax", "email"}

func (s *Server) own(sess *session, registrar string) bool { return registrar == sess.registrar }

func (s *Server) contactInfo(sess *session, id string) reply {
	rec, found := s.contacts[id]
	if !found {
		return s.unknownContact(id)
	}
	if !s.own(sess, rec.Registrar) {
		return fail(2201, "contact %s is sponsored by another registrar", id)
	}
	rep := answer(1000)
	rep.resData = s.contactInfData(rec)
	if s.opts.Dialect == SIDN {
		rep.ext = xmltree.E("sidn-ext-epp:ext", xmltree.E("sidn-ext-epp:infData", xmltree.E("sidn-ext-epp:contact",
			optT("sidn-ext-epp:legalForm", rec.LegalForm),
			optT("sidn-ext-epp:legalFormRegNo", rec.LegalFormRegNo),
			xmltree.T("sidn-ext-epp:limited", "false")))).Attr("xmlns:sidn-ext-epp", NSSIDN)
	}
	return rep
}

// unknownContact is the refusal of a contact id the registry does not
// hold (RFC 5730's 2303; at SIDN with its T0002).
func (s *Server) unknownContact(id string) reply {
	if s.opts.Dialect == SIDN {
		return sidnUnknownHandle(id)
	}
	return fail(2303, "no contact %s", id)
}

func optT(name, v string) *xmltree.Node {
	if v == "" {
		return nil
	}
	return xmltree.T(name, v)
}

func (s *Server) contactInfData(rec *contactRec) *xmltree.Node {
	fred := s.opts.Dialect == FRED
	status := "ok"
	if len(s.domainsOfLocked(rec.ID)) > 0 {
		status = "linked"
	}
	inf := xmltree.E("contact:infData", xmltree.T("contact:id", rec.ID), xmltree.T("contact:roid", rec.roid),
		xmltree.E("contact:status").Attr("s", status))
	if fred && rec.Verified {
		inf.Add(xmltree.E("contact:status").Attr("s", "identifiedContact"))
	}
	addr := xmltree.E("contact:addr")
	for _, st := range rec.Street {
		addr.Add(xmltree.T("contact:street", st))
	}
	addr.Add(xmltree.T("contact:city", rec.City), optT("contact:sp", rec.SP), optT("contact:pc", rec.PC), xmltree.T("contact:cc", rec.CC))
	if fred {
		inf.Add(xmltree.E("contact:postalInfo", xmltree.T("contact:name", rec.Name), optT("contact:org", rec.Org), addr))
	}
	// RFC 5733 section 3.1.2: one <contact:postalInfo> per form held, each
	// with its type (FRED's has none, and PostalTypes is empty there). The
	// fake holds one set of data for both forms.
	for _, t := range rec.PostalTypes {
		inf.Add(xmltree.E("contact:postalInfo", xmltree.T("contact:name", rec.Name), optT("contact:org", rec.Org), addr).
			Attr("type", t))
	}
	inf.Add(optT("contact:voice", rec.Voice), optT("contact:fax", rec.Fax), xmltree.T("contact:email", rec.Email),
		xmltree.T("contact:clID", rec.Registrar), xmltree.T("contact:crID", rec.Registrar),
		xmltree.T("contact:crDate", rec.created.Format(time.RFC3339)))
	if !rec.updated.IsZero() {
		inf.Add(xmltree.T("contact:upDate", rec.updated.Format(time.RFC3339)))
	}
	switch s.opts.Dialect {
	case FRED:
		inf.Add(s.fredDiscloseNode(rec))
	case RFC5733:
		// What the registrant withholds against the server's policy of
		// showing (<access><all/></access>), each postal item per form
		// (RFC 5733 section 2.9).
		if len(rec.hidden) > 0 {
			d := xmltree.E("contact:disclose").Attr("flag", "0")
			for _, it := range ietfDiscloseOrder {
				if !postalItem(it) {
					if rec.hidden[it] {
						d.Add(xmltree.E("contact:" + it))
					}
					continue
				}
				for _, t := range []string{"int", "loc"} {
					if rec.hidden[it+":"+t] {
						d.Add(xmltree.E("contact:"+it).Attr("type", t))
					}
				}
			}
			inf.Add(d)
		}
	}
	return inf.Attr("xmlns:contact", s.menu().contactNS)
}

// fredDiscloseNode is FRED's report: flag="1" with the items shown.
func (s *Server) fredDiscloseNode(rec *contactRec) *xmltree.Node {
	d := xmltree.E("contact:disclose").Attr("flag", "1")
	for _, it := range fredAdjustable {
		if !rec.hidden[it] {
			d.Add(xmltree.E("contact:" + it))
		}
	}
	return d
}

// postal reads the postal info of a create or update, preferring "loc",
// and the forms it comes in (RFC 5733: "int", "loc"; none at FRED).
func postal(ns string, parent *xmltree.Element) (pi *xmltree.Element, types []string) {
	for _, p := range parent.All(ns, "postalInfo") {
		t, _ := p.AttrValue("type")
		if pi == nil || t == "loc" {
			pi = p
		}
		if t != "" && !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	return pi, types
}

// addPostalTypes records forms a contact now holds, in the order int, loc.
func addPostalTypes(rec *contactRec, types []string) {
	var out []string
	for _, t := range []string{"int", "loc"} {
		if slices.Contains(rec.PostalTypes, t) || slices.Contains(types, t) {
			out = append(out, t)
		}
	}
	rec.PostalTypes = out
}

func applyPostal(ns string, rec *contactRec, pi *xmltree.Element) {
	if pi == nil {
		return
	}
	if n := pi.Child(ns, "name"); n != nil {
		rec.Name = n.Value()
	}
	if o := pi.Child(ns, "org"); o != nil {
		rec.Org = o.Value()
	}
	if a := pi.Child(ns, "addr"); a != nil {
		rec.Street = nil
		for _, st := range a.All(ns, "street") {
			rec.Street = append(rec.Street, st.Value())
		}
		rec.City = a.Child(ns, "city").Value()
		rec.SP = a.Child(ns, "sp").Value()
		rec.PC = a.Child(ns, "pc").Value()
		rec.CC = a.Child(ns, "cc").Value()
	}
}

func discloseItems(d *xmltree.Element) (flag bool, items []string) {
	f, _ := d.AttrValue("flag")
	flag = f == "1" || f == "true"
	for _, c := range d.Children {
		if !slices.Contains(items, c.Name.Local) {
			items = append(items, c.Name.Local)
		}
	}
	return flag, items
}

// ietfDisclose reads an RFC 5733 <contact:disclose>: its flag, the items
// named, and the keys of rec.hidden it sets ("name:int", "voice", …).
func ietfDisclose(d *xmltree.Element) (flag bool, items, keys []string) {
	flag, items = discloseItems(d)
	for _, c := range d.Children {
		k := c.Name.Local
		if t, _ := c.AttrValue("type"); postalItem(k) {
			k += ":" + t
		}
		keys = append(keys, k)
	}
	return flag, items, keys
}

// refusal is the result code an RFC 5733 registry refuses a change of the
// disclose items with, or 0 (Options.DiscloseItems, DiscloseRefusals).
func (s *Server) refusal(items []string) (int, string) {
	for _, it := range items {
		if code := s.opts.DiscloseRefusals[it]; code != 0 {
			return code, it
		}
		if !slices.Contains(s.opts.DiscloseItems, it) {
			return 2306, it
		}
	}
	return 0, ""
}

// sidnNoDisclose is SIDN's answer to disclose flags. SIDN's own manual was
// not at hand; its servers answer 2102 "Unimplemented option" to another
// contact element they do not support (the contact password, per
// metaregistrar/php-epp-client issue 288), so the fake does the same.
func sidnNoDisclose() reply {
	return fail(2102, "disclose is not supported; publication follows the legal form")
}

func (s *Server) contactCreate(sess *session, obj, sidn *xmltree.Element) reply {
	ns := obj.Name.Space
	id := obj.Child(ns, "id").Value()
	if _, exists := s.contacts[id]; exists && s.opts.Dialect != SIDN {
		return fail(2302, "contact %s exists", id)
	}
	rec := &contactRec{hidden: map[string]bool{}}
	rec.ID, rec.Registrar = id, sess.registrar
	pi, types := postal(ns, obj)
	applyPostal(ns, rec, pi)
	addPostalTypes(rec, types)
	rec.Voice = obj.Child(ns, "voice").Value()
	rec.Fax = obj.Child(ns, "fax").Value()
	rec.Email = obj.Child(ns, "email").Value()
	for _, h := range s.defaultHidden() {
		rec.hidden[h] = true
	}
	d := obj.Child(ns, "disclose")
	switch s.opts.Dialect {
	case SIDN:
		if d != nil {
			return sidnNoDisclose()
		}
		if pw := obj.Path(ns, "authInfo", "pw").Value(); pw != "" {
			return fail(2102, "contact password is not supported")
		}
		c := sidn.Child(NSSIDN, "create").Child(NSSIDN, "contact")
		if sidn != nil && c == nil {
			return fail(2001, "SIDN extension does not fit contact:create")
		}
		if rec.LegalForm = c.Child(NSSIDN, "legalForm").Value(); rec.LegalForm == "" {
			return fail(2003, "legal form is required")
		}
		rec.LegalFormRegNo = c.Child(NSSIDN, "legalFormRegNo").Value()
		if rep, ok := sidnCheckContact(rec); !ok {
			return rep
		}
		// SIDN ignores the id sent and gives the contact its own handle.
		rec.ID = s.sidnHandleLocked(rec.Name, sess.registrar)
	case FRED:
		if d != nil {
			flag, items := discloseItems(d)
			for _, it := range fredAdjustable[1:] { // the address is shown on creation
				rec.hidden[it] = !flag || !slices.Contains(items, it)
			}
		}
	default:
		if d != nil {
			flag, items, keys := ietfDisclose(d)
			if code, it := s.refusal(items); code != 0 {
				return fail(code, "the disclosure of %s cannot be changed here", it)
			}
			for _, k := range keys {
				rec.hidden[k] = !flag
			}
		}
	}
	for k, v := range rec.hidden {
		if !v {
			delete(rec.hidden, k)
		}
	}
	s.storeContactLocked(rec)
	rep := answer(1000)
	rep.resData = xmltree.E("contact:creData", xmltree.T("contact:id", rec.ID),
		xmltree.T("contact:crDate", rec.created.Format(time.RFC3339))).Attr("xmlns:contact", ns)
	return rep
}

func (s *Server) contactUpdate(sess *session, obj, sidn *xmltree.Element) reply {
	ns := obj.Name.Space
	id := obj.Child(ns, "id").Value()
	rec, found := s.contacts[id]
	if !found {
		return s.unknownContact(id)
	}
	if !s.own(sess, rec.Registrar) {
		return fail(2201, "contact %s is sponsored by another registrar", id)
	}
	chg := obj.Child(ns, "chg")
	if obj.Child(ns, "add") != nil || obj.Child(ns, "rem") != nil {
		return fail(2102, "status changes are not supported here")
	}
	var sidnC *xmltree.Element
	if sidn != nil {
		if sidnC = sidn.Child(NSSIDN, "update").Child(NSSIDN, "contact"); sidnC == nil {
			return fail(2001, "SIDN extension does not fit contact:update")
		}
	}
	if chg == nil && sidnC == nil && s.opts.Dialect != FRED {
		// RFC 5733 section 3.2.5: one of add, rem, chg unless extended.
		return fail(2003, "nothing to change")
	}
	// Decide everything before changing anything.
	hidden := maps.Clone(rec.hidden)
	if d := chg.Child(ns, "disclose"); d != nil {
		switch s.opts.Dialect {
		case SIDN:
			return sidnNoDisclose()
		case FRED:
			// fred-docs, Disclosure_Examples.rst (contact:update): flag="1"
			// lists what stays shown and hides every other adjustable
			// item; flag="0" hides them all, whatever it lists. Either
			// hides the address unless <addr/> is listed with flag="1",
			// which only a verified natural person may (PoliciesRules.rst,
			// "Hiding address"): otherwise 2304, and nothing changes. The
			// change is made at once: 1000.
			flag, items := discloseItems(d)
			var shown []string
			if flag {
				shown = items
			}
			if !slices.Contains(shown, "addr") && (rec.Org != "" || !rec.Verified) {
				return fail(2304, "the address may be hidden only for a verified natural person")
			}
			for _, it := range fredAdjustable {
				hidden[it] = !slices.Contains(shown, it)
			}
		default:
			flag, items, keys := ietfDisclose(d)
			if code, it := s.refusal(items); code != 0 {
				return fail(code, "the disclosure of %s cannot be changed here", it)
			}
			for _, k := range keys {
				hidden[k] = !flag
			}
		}
	}
	before := rec.export()
	pi, types := postal(ns, chg)
	applyPostal(ns, rec, pi)
	if s.opts.Dialect != FRED {
		addPostalTypes(rec, types)
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"voice", &rec.Voice}, {"fax", &rec.Fax}, {"email", &rec.Email}} {
		if e := chg.Child(ns, f.name); e != nil {
			*f.dst = e.Value()
		}
	}
	if sidnC != nil {
		if lf := sidnC.Child(NSSIDN, "legalForm"); lf != nil {
			rec.LegalForm = lf.Value()
		}
		if no := sidnC.Child(NSSIDN, "legalFormRegNo"); no != nil {
			rec.LegalFormRegNo = no.Value()
		}
	}
	for k, v := range hidden {
		if !v {
			delete(hidden, k)
		}
	}
	rec.hidden = hidden
	rec.updated = time.Now().UTC()
	rep := answer(1000)
	if !reflect.DeepEqual(before, rec.export()) {
		rep.changed = s.domainsOfLocked(id)
	}
	return rep
}

// ---- domains ----

var contactTypes = []string{"admin", "billing", "tech"}

func (s *Server) domainInfo(sess *session, name string) reply {
	d, found := s.domains[name]
	if !found {
		return fail(2303, "no domain %s", name)
	}
	if !s.own(sess, d.Registrar) {
		return fail(2201, "domain %s is sponsored by another registrar", name)
	}
	fred := s.opts.Dialect == FRED
	inf := xmltree.E("domain:infData", xmltree.T("domain:name", d.Name), xmltree.T("domain:roid", d.roid))
	statuses := d.Statuses
	if len(statuses) == 0 {
		statuses = []string{"ok"}
	}
	for _, st := range statuses {
		inf.Add(xmltree.E("domain:status").Attr("s", st))
	}
	inf.Add(optT("domain:registrant", d.Registrant))
	for _, t := range contactTypes {
		for _, id := range d.Contacts[t] {
			switch {
			case fred && t == "admin":
				inf.Add(xmltree.T("domain:admin", id))
			case !fred:
				inf.Add(xmltree.T("domain:contact", id).Attr("type", t))
			}
		}
	}
	inf.Add(xmltree.T("domain:clID", d.Registrar), xmltree.T("domain:crID", d.Registrar),
		xmltree.T("domain:crDate", d.created.Format(time.RFC3339)))
	rep := answer(1000)
	rep.resData = inf.Attr("xmlns:domain", s.menu().domainNS)
	return rep
}

func (s *Server) domainUpdate(sess *session, name string, obj *xmltree.Element) reply {
	ns := obj.Name.Space
	d, found := s.domains[name]
	if !found {
		return fail(2303, "no domain %s", name)
	}
	if !s.own(sess, d.Registrar) {
		return fail(2201, "domain %s is sponsored by another registrar", name)
	}
	fred := s.opts.Dialect == FRED
	type link struct{ typ, id string }
	read := func(e *xmltree.Element) ([]link, error) {
		if e == nil {
			return nil, nil
		}
		if e.Child(ns, "ns") != nil || e.Child(ns, "status") != nil || e.Child(ns, "tempcontact") != nil {
			return nil, fmt.Errorf("only contact changes are supported here")
		}
		var out []link
		for _, c := range e.All(ns, "contact") {
			t, _ := c.AttrValue("type")
			out = append(out, link{t, c.Value()})
		}
		for _, a := range e.All(ns, "admin") {
			out = append(out, link{"admin", a.Value()})
		}
		return out, nil
	}
	add, err := read(obj.Child(ns, "add"))
	if err != nil {
		return fail(2102, "%v", err)
	}
	rem, err := read(obj.Child(ns, "rem"))
	if err != nil {
		return fail(2102, "%v", err)
	}
	contacts := map[string][]string{}
	for t, l := range d.Contacts {
		contacts[t] = slices.Clone(l)
	}
	for _, l := range rem {
		i := slices.Index(contacts[l.typ], l.id)
		if i < 0 {
			return fail(2306, "%s is not a %s contact of %s", l.id, l.typ, name)
		}
		contacts[l.typ] = slices.Delete(contacts[l.typ], i, i+1)
	}
	for _, l := range add {
		if _, ok := s.contacts[l.id]; !ok {
			return s.unknownContact(l.id)
		}
		if slices.Contains(contacts[l.typ], l.id) {
			return fail(2306, "%s is already a %s contact of %s", l.id, l.typ, name)
		}
		contacts[l.typ] = append(contacts[l.typ], l.id)
	}
	registrant := d.Registrant
	if chg := obj.Child(ns, "chg"); chg != nil {
		if fred && (chg.Child(ns, "nsset") != nil || chg.Child(ns, "keyset") != nil) {
			return fail(2102, "only contact changes are supported here")
		}
		if r := chg.Child(ns, "registrant"); r != nil {
			if _, ok := s.contacts[r.Value()]; !ok {
				return s.unknownContact(r.Value())
			}
			registrant = r.Value()
		}
	}
	if s.opts.Dialect == SIDN && len(contacts["admin"]) != 1 {
		return fail(2308, "a domain name has exactly one administrative contact")
	}
	d.Contacts, d.Registrant = contacts, registrant
	rep := answer(1000)
	rep.changed = []string{name}
	return rep
}
