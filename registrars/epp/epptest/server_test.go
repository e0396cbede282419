package epptest_test

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/loopback"
	"github.com/afscherm/afscherm/registrars/epp"
	"github.com/afscherm/afscherm/registrars/epp/epptest"
	"github.com/afscherm/afscherm/registrars/wiretrace"
)

const host = "epp.fake.test"

type fixture struct {
	srv *epptest.Server
	cfg epp.Config
}

func start(t *testing.T, opts epptest.Options) *fixture {
	t.Helper()
	n, err := loopback.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	l, err := n.Listen(host, 700)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := n.Certificate(host)
	if err != nil {
		t.Fatal(err)
	}
	if opts.T == nil {
		opts.T = t // a frame the official schemas reject fails the test
	}
	srv := epptest.New(opts)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l, &tls.Config{Certificates: []tls.Certificate{cert}}) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &fixture{srv: srv, cfg: epp.Config{
		Addr: host + ":700", TLS: &tls.Config{RootCAs: n.RootCAs()}, Dial: n.Dial,
		ClientID: epptest.DefaultClientID, Password: epptest.DefaultPassword, Timeout: 2 * time.Second,
		Trace: wiretrace.FromEnv(strings.ToLower(opts.Dialect.String())),
	}}
}

// raw is a session that sends hand-written frames.
type raw struct {
	t  *testing.T
	tr *epp.TLSTransport
}

func (f *fixture) raw(t *testing.T) *raw {
	t.Helper()
	tr, err := epp.DialTransport(context.Background(), f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	if _, err := tr.Greeting(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &raw{t: t, tr: tr}
}

var codeRE = regexp.MustCompile(`<result code="(\d+)"`)

// send sends a frame and returns the result code and the answer.
func (r *raw) send(frame string) (int, string) {
	r.t.Helper()
	b, err := r.tr.Send(context.Background(), []byte(frame))
	if err != nil {
		r.t.Fatalf("send: %v", err)
	}
	m := codeRE.FindSubmatch(b)
	if m == nil {
		return 0, string(b)
	}
	code, _ := strconv.Atoi(string(m[1]))
	return code, string(b)
}

const eppOpen = `<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">`

func command(body string) string {
	return eppOpen + `<command>` + body + `<clTRID>T-1234</clTRID></command></epp>`
}

func login(objs []string, exts ...string) string {
	s := `<login><clID>` + epptest.DefaultClientID + `</clID><pw>` + epptest.DefaultPassword + `</pw>` +
		`<options><version>1.0</version><lang>en</lang></options><svcs>`
	for _, o := range objs {
		s += `<objURI>` + o + `</objURI>`
	}
	if len(exts) > 0 {
		s += `<svcExtension>`
		for _, e := range exts {
			s += `<extURI>` + e + `</extURI>`
		}
		s += `</svcExtension>`
	}
	return command(s + `</svcs></login>`)
}

const (
	nsC = "urn:ietf:params:xml:ns:contact-1.0"
	nsD = "urn:ietf:params:xml:ns:domain-1.0"
)

func (r *raw) login(objs []string, exts ...string) {
	r.t.Helper()
	if code, out := r.send(login(objs, exts...)); code != 1000 {
		r.t.Fatalf("login: %d %s", code, out)
	}
}

func seed(t *testing.T, srv *epptest.Server) {
	t.Helper()
	c := epptest.Contact{ID: "JJ01", Name: "Jan Jansen", Street: []string{"Dorpsstraat 1"}, City: "Utrecht",
		PC: "3511AA", CC: "NL", Email: "jan@example.nl", Verified: true}
	if err := srv.AddContact(c); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddDomain(epptest.Domain{Name: "example.test", Registrant: "JJ01",
		Contacts: map[string][]string{"admin": {"JJ01"}}}); err != nil {
		t.Fatal(err)
	}
}

func contactCmd(verb, ns, inner string) string {
	return command(`<` + verb + `><contact:` + verb + ` xmlns:contact="` + ns + `">` + inner + `</contact:` + verb + `></` + verb + `>`)
}

func TestSchemaChecks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dialect epptest.Dialect
		frame   string
		want    int
	}{
		{"not XML", epptest.RFC5733, "this is <not XML", 2001},
		{"doctype", epptest.RFC5733, `<?xml version="1.0"?><!DOCTYPE epp [<!ENTITY x "y">]><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>`, 2001},
		{"wrong root namespace", epptest.RFC5733, `<epp xmlns="urn:example"><hello/></epp>`, 2001},
		{"two children", epptest.RFC5733, eppOpen + `<hello/><hello/></epp>`, 2001},
		{"hello with content", epptest.RFC5733, eppOpen + `<hello>x</hello></epp>`, 2001},
		{"unknown verb", epptest.RFC5733, command(`<frobnicate/>`), 2001},
		{"clTRID too long", epptest.RFC5733, eppOpen + `<command><poll op="req"/><clTRID>` + strings.Repeat("x", 65) + `</clTRID></command></epp>`, 2001},
		{"poll without op", epptest.RFC5733, command(`<poll/>`), 2001},
		{"poll bad op", epptest.RFC5733, command(`<poll op="peek"/>`), 2001},
		{"unknown object namespace", epptest.RFC5733, contactCmd("info", "urn:ietf:params:xml:ns:contact-9.9", `<contact:id>JJ01</contact:id>`), 2001},
		{"undeclared prefix", epptest.RFC5733, command(`<info><contact:info><contact:id>JJ01</contact:id></contact:info></info>`), 2001},
		{"missing id", epptest.RFC5733, contactCmd("update", nsC, `<contact:chg><contact:voice>+31.1</contact:voice></contact:chg>`), 2001},
		{"elements out of order", epptest.RFC5733, contactCmd("update", nsC, `<contact:chg/><contact:id>JJ01</contact:id>`), 2001},
		{"id too short", epptest.RFC5733, contactCmd("info", nsC, `<contact:id>J</contact:id>`), 2001},
		{"disclose without flag", epptest.RFC5733, contactCmd("update", nsC, `<contact:id>JJ01</contact:id><contact:chg><contact:disclose><contact:voice/></contact:disclose></contact:chg>`), 2001},
		{"disclose name without type", epptest.RFC5733, contactCmd("update", nsC, `<contact:id>JJ01</contact:id><contact:chg><contact:disclose flag="0"><contact:name/></contact:disclose></contact:chg>`), 2001},
		{"disclose items out of order", epptest.RFC5733, contactCmd("update", nsC, `<contact:id>JJ01</contact:id><contact:chg><contact:disclose flag="0"><contact:email/><contact:voice/></contact:disclose></contact:chg>`), 2001},
		{"unknown attribute", epptest.RFC5733, contactCmd("info", nsC, `<contact:id foo="bar">JJ01</contact:id>`), 2001},
		{"text among elements", epptest.RFC5733, contactCmd("info", nsC, `hello<contact:id>JJ01</contact:id>`), 2001},
		{"create without authInfo", epptest.RFC5733, contactCmd("create", nsC, `<contact:id>NEW1</contact:id><contact:postalInfo type="loc"><contact:name>N</contact:name><contact:addr><contact:city>C</contact:city><contact:cc>NL</contact:cc></contact:addr></contact:postalInfo><contact:email>a@b.c</contact:email>`), 2001},
		{"bad phone", epptest.RFC5733, contactCmd("update", nsC, `<contact:id>JJ01</contact:id><contact:chg><contact:voice>0301234567</contact:voice></contact:chg>`), 2001},
		{"verb mismatch", epptest.RFC5733, command(`<info><contact:update xmlns:contact="` + nsC + `"><contact:id>JJ01</contact:id></contact:update></info>`), 2001},
		{"domain contact without type", epptest.RFC5733, command(`<update><domain:update xmlns:domain="` + nsD + `"><domain:name>example.test</domain:name><domain:add><domain:contact>JJ01</domain:contact></domain:add></domain:update></update>`), 2001},
		{"unknown extension", epptest.RFC5733, command(`<info><contact:info xmlns:contact="` + nsC + `"><contact:id>JJ01</contact:id></contact:info></info><extension><x:y xmlns:x="urn:example"/></extension>`), 2001},
		{"unimplemented command", epptest.RFC5733, contactCmd("check", nsC, `<contact:id>JJ01</contact:id>`), 2101},
		{"FRED: IETF contact namespace", epptest.FRED, contactCmd("info", nsC, `<contact:id>JJ01</contact:id>`), 2001},
		{"FRED: name in disclose", epptest.FRED, contactCmd("update", epptest.NSFREDContact, `<contact:id>JJ01</contact:id><contact:chg><contact:disclose flag="0"><contact:name/></contact:disclose></contact:chg>`), 2001},
		{"FRED: typed postalInfo", epptest.FRED, contactCmd("update", epptest.NSFREDContact, `<contact:id>JJ01</contact:id><contact:chg><contact:postalInfo type="loc"><contact:name>X</contact:name></contact:postalInfo></contact:chg>`), 2001},
		{"FRED: addr in create disclose", epptest.FRED, contactCmd("create", epptest.NSFREDContact, `<contact:id>NEW1</contact:id><contact:postalInfo><contact:name>N</contact:name><contact:addr><contact:street>S</contact:street><contact:city>C</contact:city><contact:pc>1</contact:pc><contact:cc>CZ</contact:cc></contact:addr></contact:postalInfo><contact:email>a@b.c</contact:email><contact:disclose flag="0"><contact:addr/></contact:disclose>`), 2001},
		{"FRED: contact element in domain", epptest.FRED, command(`<update><domain:update xmlns:domain="` + epptest.NSFREDDomain + `"><domain:name>example.test</domain:name><domain:add><domain:contact type="admin">JJ01</domain:contact></domain:add></domain:update></update>`), 2001},
		{"FRED: domain info with hosts", epptest.FRED, command(`<info><domain:info xmlns:domain="` + epptest.NSFREDDomain + `"><domain:name hosts="all">example.test</domain:name></domain:info></info>`), 2001},
		{"SIDN: bad legal form", epptest.SIDN, command(`<update><contact:update xmlns:contact="` + nsC + `"><contact:id>JJ01</contact:id></contact:update></update><extension><s:ext xmlns:s="` + epptest.NSSIDN + `"><s:update><s:contact><s:legalForm>KOOPMAN</s:legalForm></s:contact></s:update></s:ext></extension>`), 2001},
		{"SIDN: extension in wrong order", epptest.SIDN, eppOpen + `<command><update><contact:update xmlns:contact="` + nsC + `"><contact:id>JJ01</contact:id></contact:update></update><clTRID>T-1</clTRID><extension><s:ext xmlns:s="` + epptest.NSSIDN + `"><s:update><s:contact><s:legalForm>PERSOON</s:legalForm></s:contact></s:update></s:ext></extension></command></epp>`, 2001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := start(t, epptest.Options{Dialect: tc.dialect})
			seed(t, f.srv)
			r := f.raw(t)
			switch tc.dialect {
			case epptest.FRED:
				r.login([]string{epptest.NSFREDContact, epptest.NSFREDDomain})
			case epptest.SIDN:
				r.login([]string{nsC, nsD}, epptest.NSSIDN)
			default:
				r.login([]string{nsC, nsD})
			}
			code, out := r.send(tc.frame)
			if code != tc.want {
				t.Fatalf("code %d, want %d:\n%s", code, tc.want, out)
			}
			calls := f.srv.Calls()
			if last := calls[len(calls)-1]; last.Code != tc.want {
				t.Errorf("call log %+v", last)
			}
			if tc.want == 2001 && !strings.Contains(out, "<reason>") && !strings.Contains(out, "sidn-ext-epp:msg") {
				t.Errorf("2001 without a reason:\n%s", out)
			}
			// The session survives a refused frame.
			if code, _ := r.send(command(`<poll op="req"/>`)); code != 1300 {
				t.Errorf("poll after refusal: %d", code)
			}
		})
	}
}

func TestSessionRules(t *testing.T) {
	f := start(t, epptest.Options{})
	seed(t, f.srv)
	r := f.raw(t)
	info := contactCmd("info", nsC, `<contact:id>JJ01</contact:id>`)
	if code, _ := r.send(info); code != 2002 {
		t.Errorf("info before login: %d, want 2002", code)
	}
	if code, _ := r.send(command(`<logout/>`)); code != 2002 {
		t.Errorf("logout before login: %d, want 2002", code)
	}
	bad := strings.Replace(login([]string{nsC}), epptest.DefaultPassword, "wrong-password", 1)
	if code, _ := r.send(bad); code != 2200 {
		t.Errorf("wrong password: %d, want 2200", code)
	}
	short := strings.Replace(login([]string{nsC}), epptest.DefaultPassword, "short", 1)
	if code, _ := r.send(short); code != 2001 {
		t.Errorf("password shorter than 8: %d, want 2001", code)
	}
	if code, _ := r.send(login([]string{nsC, "urn:example:obj"})); code != 2307 {
		t.Errorf("unknown object service: %d, want 2307", code)
	}
	if code, _ := r.send(login([]string{nsC}, epptest.NSSIDN)); code != 2103 {
		t.Errorf("extension not offered: %d, want 2103", code)
	}
	if code, _ := r.send(strings.Replace(login([]string{nsC}), "<version>1.0", "<version>2.0", 1)); code != 2100 {
		t.Errorf("version 2.0: %d, want 2100", code)
	}
	r.login([]string{nsC})
	if code, _ := r.send(login([]string{nsC})); code != 2002 {
		t.Errorf("second login: %d, want 2002", code)
	}
	if code, _ := r.send(command(`<info><domain:info xmlns:domain="` + nsD + `"><domain:name>example.test</domain:name></domain:info></info>`)); code != 2307 {
		t.Errorf("domain not selected at login: %d, want 2307", code)
	}
	if code, out := r.send(info); code != 1000 || !strings.Contains(out, "<clTRID>T-1234</clTRID>") {
		t.Errorf("info: %d %s", code, out)
	}
	if code, _ := r.send(command(`<update><contact:update xmlns:contact="` + nsC + `"><contact:id>JJ01</contact:id></contact:update></update>`)); code != 2003 {
		t.Errorf("update with nothing to change: %d, want 2003", code)
	}
	if code, _ := r.send(command(`<poll op="ack"/>`)); code != 2003 {
		t.Errorf("ack without msgID: %d, want 2003", code)
	}
	if code, _ := r.send(command(`<logout/>`)); code != 1500 {
		t.Errorf("logout: %d", code)
	}
	if _, err := r.tr.Send(context.Background(), []byte(info)); !errors.Is(err, epp.ErrConnection) {
		t.Errorf("after logout the server should close: %v", err)
	}
}

func TestNewPassword(t *testing.T) {
	f := start(t, epptest.Options{})
	r := f.raw(t)
	np := strings.Replace(login([]string{nsC}), "</pw>", "</pw><newPW>new-password-1</newPW>", 1)
	if code, _ := r.send(np); code != 1000 {
		t.Fatalf("login with newPW: %d", code)
	}
	f.cfg.Password = "new-password-1"
	c, err := epp.Dial(context.Background(), f.cfg)
	if err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	c.Close()
}

func TestMissingClTRIDEchoedAbsent(t *testing.T) {
	f := start(t, epptest.Options{})
	r := f.raw(t)
	code, out := r.send("garbage")
	if code != 2001 || strings.Contains(out, "<clTRID>") || !strings.Contains(out, "<svTRID>") {
		t.Errorf("%d %s", code, out)
	}
	calls := f.srv.Calls()
	if len(calls) != 1 || calls[0].Command != "" || calls[0].Code != 2001 {
		t.Errorf("calls %+v", calls)
	}
}

func TestOversizedFrameFromClient(t *testing.T) {
	f := start(t, epptest.Options{MaxFrame: 1024})
	r := f.raw(t)
	big := eppOpen + `<hello/>` + strings.Repeat(" ", 2000) + `</epp>`
	if _, err := r.tr.Send(context.Background(), []byte(big)); !errors.Is(err, epp.ErrConnection) {
		t.Errorf("the server should drop a connection that sends an oversized frame: %v", err)
	}
}

// Faults replace the answer only: the command itself is carried out.
func TestFaultAfterExecution(t *testing.T) {
	f := start(t, epptest.Options{})
	seed(t, f.srv)
	c, err := epp.Dial(context.Background(), f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f.srv.InjectFault(epptest.DropConnection, 0)
	_, err = c.ContactUpdateDisclose(context.Background(), "JJ01", false, []string{epp.DiscloseEmail}, nil)
	if !errors.Is(err, epp.ErrConnection) {
		t.Fatalf("err = %v", err)
	}
	if got, _ := f.srv.Contact("JJ01"); got.Public("email") {
		t.Error("the command was not carried out before the drop")
	}
	calls := f.srv.Calls()
	last := calls[len(calls)-1]
	if last.Fault != epptest.DropConnection || !last.Changed() || last.Command != "contact:update" || last.Object != "JJ01" {
		t.Errorf("call %+v", last)
	}
}

// Stalled connections end when the server closes, so tests do not hang.
func TestCloseEndsStalledConnections(t *testing.T) {
	f := start(t, epptest.Options{})
	r := f.raw(t)
	r.login([]string{nsC})
	f.srv.InjectFault(epptest.Stall, 0)
	errc := make(chan error, 1)
	go func() {
		_, err := r.tr.Send(context.Background(), []byte(command(`<poll op="req"/>`)))
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	f.srv.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, epp.ErrConnection) {
			t.Errorf("err = %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("stalled connection survived Close")
	}
}

func TestPlainFraming(t *testing.T) {
	// Without TLS the server still frames as RFC 5734 says: check the
	// greeting's header by hand.
	srv := epptest.New(epptest.Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l, nil) //nolint:errcheck // ends with Close
	defer srv.Close()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second)) //nolint:errcheck // test
	var hdr [4]byte
	if _, err := io.ReadFull(conn, hdr[:]); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, binary.BigEndian.Uint32(hdr[:])-4)
	if _, err := io.ReadFull(conn, body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "<greeting>") || !strings.HasSuffix(string(body), "</epp>") {
		t.Errorf("greeting %s", body)
	}
}

func TestSeedAndInspect(t *testing.T) {
	srv := epptest.New(epptest.Options{Dialect: epptest.FRED})
	defer srv.Close()
	c := epptest.Contact{ID: "CID-1", Name: "Jana Nováková", Street: []string{"Ulice 1"}, City: "Praha", PC: "11000", CC: "CZ", Email: "j@example.cz"}
	if err := srv.AddContact(c); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddContact(c); err == nil {
		t.Error("duplicate contact accepted")
	}
	open := c
	open.ID, open.Hidden = "CID-2", []string{}
	if err := srv.AddContact(open); err != nil {
		t.Fatal(err)
	}
	got, ok := srv.Contact("CID-1")
	if !ok || got.Registrar != epptest.DefaultClientID || !got.Public("addr") || !got.Public("name") || got.Public("email") || got.Public("voice") {
		t.Errorf("FRED default disclosure: %+v", got)
	}
	if got, _ := srv.Contact("CID-2"); !got.Public("email") || len(got.Hidden) != 0 {
		t.Errorf("an empty Hidden should hide nothing: %+v", got)
	}
	got.Street[0] = "changed"
	if again, _ := srv.Contact("CID-1"); again.Street[0] != "Ulice 1" {
		t.Error("Contact returns shared state")
	}
	if err := srv.AddDomain(epptest.Domain{Name: "Priklad.CZ", Registrant: "NOBODY"}); err == nil {
		t.Error("domain with an unknown registrant accepted")
	}
	if err := srv.AddDomain(epptest.Domain{Name: "Priklad.CZ", Registrant: "CID-1", Contacts: map[string][]string{"admin": {"CID-2"}}}); err != nil {
		t.Fatal(err)
	}
	d, ok := srv.Domain("priklad.cz")
	if !ok || d.Name != "priklad.cz" || d.Registrant != "CID-1" {
		t.Errorf("domain %+v", d)
	}
	d.Contacts["admin"][0] = "X"
	if again, _ := srv.Domain("PRIKLAD.cz"); again.Contacts["admin"][0] != "CID-2" {
		t.Error("Domain returns shared state")
	}
	if got := srv.DomainsOf("CID-2"); len(got) != 1 || got[0] != "priklad.cz" {
		t.Errorf("DomainsOf = %v", got)
	}
	if _, ok := srv.Contact("NOBODY"); ok {
		t.Error("unknown contact found")
	}
	if err := srv.QueueMessage(epptest.DefaultClientID, "text", "<unclosed>"); err == nil {
		t.Error("malformed resData accepted")
	}
	if err := srv.QueueMessage(epptest.DefaultClientID, "text", `<x:y xmlns:x="urn:example">1</x:y>`); err != nil || srv.QueueLen(epptest.DefaultClientID) != 1 {
		t.Errorf("QueueMessage: %v", err)
	}

	two := epptest.New(epptest.Options{Registrars: map[string]string{"a": "password-a", "b": "password-b"}})
	defer two.Close()
	if err := two.AddContact(epptest.Contact{ID: "C1"}); err == nil {
		t.Error("with two registrars a contact must name its sponsor")
	}
}

func TestQueuedMessageReachesClient(t *testing.T) {
	f := start(t, epptest.Options{Dialect: epptest.SIDN})
	// SIDN's pollData carries the command and its answer (sidn-ext-epp-1.0.xsd
	// pollDataType; Net::DRI's SIDN tests show one).
	data := `<sidn-ext-epp:pollData xmlns:sidn-ext-epp="` + epptest.NSSIDN + `"><sidn-ext-epp:command>contact:update</sidn-ext-epp:command>` +
		`<sidn-ext-epp:data><result code="1000"><msg>The contact has been changed.</msg></result><trID><svTRID>100012</svTRID></trID></sidn-ext-epp:data></sidn-ext-epp:pollData>`
	if err := f.srv.QueueMessage(epptest.DefaultClientID, "1100 Details of contact person updated", data); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.QueueMessage(epptest.DefaultClientID, "second", ""); err != nil {
		t.Fatal(err)
	}
	c, err := epp.Dial(context.Background(), f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m, err := c.Poll(context.Background())
	if err != nil || m == nil {
		t.Fatalf("poll: %+v, %v", m, err)
	}
	if m.Count != 2 || m.Text != "1100 Details of contact person updated" || len(m.Data) != 1 ||
		m.Data[0].Child(epptest.NSSIDN, "command").Value() != "contact:update" ||
		m.Raw != `<pollData xmlns="`+epptest.NSSIDN+`"><command>contact:update</command><data>`+
			`<result xmlns="urn:ietf:params:xml:ns:epp-1.0" code="1000"><msg>The contact has been changed.</msg></result>`+
			`<trID xmlns="urn:ietf:params:xml:ns:epp-1.0"><svTRID>100012</svTRID></trID></data></pollData>` {
		t.Errorf("message %+v", m)
	}
	if _, err := c.PollAck(context.Background(), m.ID); err != nil {
		t.Fatal(err)
	}
	m, err = c.Poll(context.Background())
	if err != nil || m == nil || m.Count != 1 || m.Text != "second" || len(m.Data) != 0 {
		t.Errorf("second message %+v, %v", m, err)
	}
	calls := f.srv.Calls()
	if last := calls[len(calls)-1]; last.Command != "poll:req" || last.Code != 1301 {
		t.Errorf("call %+v", last)
	}
}
