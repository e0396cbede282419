package epp_test

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/epp"
	"github.com/afscherm/afscherm/registrars/epp/epptest"
)

func TestLoginAndLogout(t *testing.T) {
	for _, tc := range []struct {
		dialect  epptest.Dialect
		want     epp.Dialect
		objURIs  []string
		extURIs  []string
		hideDflt bool
	}{
		{epptest.RFC5733, epp.DialectIETF, []string{epp.NSDomain, epp.NSContact}, nil, false},
		{epptest.SIDN, epp.DialectIETF, []string{epp.NSDomain, epp.NSContact}, []string{epp.NSSIDN}, false},
		{epptest.FRED, epp.DialectFRED, []string{epptest.NSFREDDomain, epptest.NSFREDContact}, nil, true},
	} {
		t.Run(tc.dialect.String(), func(t *testing.T) {
			f := start(t, epptest.Options{Dialect: tc.dialect})
			c, rec := f.dialRecorded(t)
			if c.Dialect() != tc.want {
				t.Errorf("dialect %s, want %s", c.Dialect(), tc.want)
			}
			g := c.Greeting()
			if g.ServerID == "" || len(g.Versions) != 1 || g.Versions[0] != "1.0" || len(g.Langs) == 0 {
				t.Errorf("greeting %+v", g)
			}
			if g.DCP.HidesByDefault() != tc.hideDflt || len(g.DCP.Statements) != 1 {
				t.Errorf("dcp %+v, hides by default %v, want %v", g.DCP, g.DCP.HidesByDefault(), tc.hideDflt)
			}
			login := rec.sent()[0]
			for _, u := range tc.objURIs {
				if !strings.Contains(login, "<objURI>"+u+"</objURI>") {
					t.Errorf("login lacks objURI %s:\n%s", u, login)
				}
			}
			if strings.Count(login, "<objURI>") != len(tc.objURIs) {
				t.Errorf("login selects objects the client does not use (host, nsset):\n%s", login)
			}
			if strings.Count(login, "<extURI>") != len(tc.extURIs) {
				t.Errorf("login selects %d extensions, want %v:\n%s", strings.Count(login, "<extURI>"), tc.extURIs, login)
			}
			for _, u := range tc.extURIs {
				if !c.HasExtension(u) {
					t.Errorf("extension %s not selected", u)
				}
			}
			if err := c.Logout(context.Background()); err != nil {
				t.Fatalf("Logout: %v", err)
			}
			if _, err := c.DomainInfo(context.Background(), "example.nl"); !errors.Is(err, epp.ErrClosed) {
				t.Errorf("after logout: %v, want ErrClosed", err)
			}
			calls := f.srv.Calls()
			if len(calls) != 2 || calls[0].Command != "login" || calls[0].Code != 1000 ||
				calls[0].Registrar != epptest.DefaultClientID || calls[1].Command != "logout" || calls[1].Code != 1500 {
				t.Errorf("server saw %+v", calls)
			}
		})
	}
}

func TestWrongPassword(t *testing.T) {
	f := start(t, epptest.Options{})
	f.cfg.Password = "not-the-password-123"
	_, err := epp.Dial(context.Background(), f.cfg)
	if epp.Code(err) != epp.CodeAuthentication {
		t.Fatalf("err = %v, want 2200", err)
	}
	if strings.Contains(err.Error(), f.cfg.Password) {
		t.Errorf("error text holds the password: %v", err)
	}
	ae := epp.AdapterError("sidn", err)
	var re *registrars.Error
	if !errors.As(ae, &re) || re.Kind != registrars.KindConfig || re.Code != "2200" || strings.Contains(re.Error(), f.cfg.Password) {
		t.Errorf("adapter error %#v", ae)
	}
}

func TestHelloKeepsAlive(t *testing.T) {
	f := start(t, epptest.Options{})
	c := f.dial(t)
	g, err := c.Hello(context.Background())
	if err != nil || g.ServerID != c.Greeting().ServerID {
		t.Fatalf("Hello: %+v, %v", g, err)
	}
	calls := f.srv.Calls()
	if last := calls[len(calls)-1]; last.Command != "hello" || last.ClTRID != "" {
		t.Errorf("server saw %+v", last)
	}
}

func TestClTRIDUnique(t *testing.T) {
	f := start(t, epptest.Options{})
	mustAdd(t, f.srv, []epptest.Contact{person("JJ01")})
	f.cfg.ClTRIDPrefix = "test"
	c := f.dial(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.ContactInfo(context.Background(), "JJ01"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, call := range f.srv.Calls() {
		if !strings.HasPrefix(call.ClTRID, "test-") || len(call.ClTRID) > 64 || seen[call.ClTRID] {
			t.Errorf("clTRID %q repeated, too long or without the prefix", call.ClTRID)
		}
		seen[call.ClTRID] = true
	}
	if len(seen) != 9 {
		t.Errorf("%d distinct clTRIDs, want 9 (login and 8 infos)", len(seen))
	}
}

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		fault epptest.Fault
		want  error
	}{
		{epptest.DropConnection, epp.ErrConnection},
		{epptest.DropMidFrame, epp.ErrConnection},
		{epptest.Stall, epp.ErrTimeout},
		{epptest.Garbage, epp.ErrProtocol},
		{epptest.WrongClTRID, epp.ErrProtocol},
		{epptest.Oversize, epp.ErrFrameTooLarge},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			f := start(t, epptest.Options{})
			mustAdd(t, f.srv, []epptest.Contact{person("JJ01")})
			f.cfg.Timeout = 300 * time.Millisecond
			c := f.dial(t)
			f.srv.InjectFault(tc.fault, 0)
			began := time.Now()
			_, err := c.ContactInfo(context.Background(), "JJ01")
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if d := time.Since(began); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			if k := registrars.KindOf(epp.AdapterError("cznic", err)); k != registrars.KindTemporary {
				t.Errorf("kind %s, want temporary", k)
			}
			if _, err := c.ContactInfo(context.Background(), "JJ01"); !errors.Is(err, epp.ErrClosed) {
				t.Errorf("next command: %v, want ErrClosed", err)
			}
			// A fresh session works again.
			if _, err := f.dial(t).ContactInfo(context.Background(), "JJ01"); err != nil {
				t.Errorf("after reconnecting: %v", err)
			}
		})
	}
}

func TestFaultAfterCommands(t *testing.T) {
	f := start(t, epptest.Options{})
	mustAdd(t, f.srv, []epptest.Contact{person("JJ01")})
	c := f.dial(t)
	f.srv.InjectFault(epptest.DropConnection, 2)
	for i := range 2 {
		if _, err := c.ContactInfo(context.Background(), "JJ01"); err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
	}
	if _, err := c.ContactInfo(context.Background(), "JJ01"); !errors.Is(err, epp.ErrConnection) {
		t.Fatalf("third command: %v, want ErrConnection", err)
	}
}

func TestCancelStalledCommand(t *testing.T) {
	f := start(t, epptest.Options{})
	c := f.dial(t)
	f.srv.InjectFault(epptest.Stall, 0)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	began := time.Now()
	_, err := c.Poll(ctx)
	if !errors.Is(err, context.Canceled) || errors.Is(err, epp.ErrTimeout) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if time.Since(began) > time.Second {
		t.Errorf("cancel took %v", time.Since(began))
	}
}

func TestContextDeadlineWins(t *testing.T) {
	f := start(t, epptest.Options{})
	c := f.dial(t)
	f.srv.InjectFault(epptest.Stall, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	began := time.Now()
	if _, err := c.Poll(ctx); !errors.Is(err, epp.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if time.Since(began) > time.Second {
		t.Errorf("the configured 3 s timeout was used instead of the context's 100 ms")
	}
}

// A server that completes TLS but never greets must not hang Dial.
func TestSilentServer(t *testing.T) {
	f := start(t, epptest.Options{})
	l, err := f.net.Listen("silent.test", 700)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := f.net.Certificate("silent.test")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	t.Cleanup(func() { l.Close() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{cert}})
		tc.Handshake() //nolint:errcheck // the client reports
		buf := make([]byte, 1)
		tc.Read(buf) //nolint:errcheck // wait until the client gives up
	}()
	f.cfg.Addr = "silent.test:700"
	f.cfg.Timeout = 200 * time.Millisecond
	began := time.Now()
	_, err = epp.Dial(context.Background(), f.cfg)
	if !errors.Is(err, epp.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if time.Since(began) > 2*time.Second {
		t.Errorf("Dial took %v", time.Since(began))
	}
}

func TestDialFailures(t *testing.T) {
	f := start(t, epptest.Options{})
	cfg := f.cfg
	cfg.Addr = "nowhere.test:700" // not on the loopback network
	if _, err := epp.Dial(context.Background(), cfg); !errors.Is(err, epp.ErrConnection) {
		t.Errorf("unreachable: %v, want ErrConnection", err)
	}
	cfg = f.cfg
	cfg.TLS = &tls.Config{} // does not trust the loopback CA
	if _, err := epp.Dial(context.Background(), cfg); !errors.Is(err, epp.ErrConnection) {
		t.Errorf("untrusted certificate: %v, want ErrConnection", err)
	}
	cfg = f.cfg
	cfg.Addr = "no-port"
	if _, err := epp.Dial(context.Background(), cfg); !errors.Is(err, epp.ErrInvalid) {
		t.Errorf("bad address: %v, want ErrInvalid", err)
	}
}

func TestMaxFrame(t *testing.T) {
	f := start(t, epptest.Options{})
	f.cfg.MaxFrame = 200 // smaller than any greeting
	_, err := epp.Dial(context.Background(), f.cfg)
	if !errors.Is(err, epp.ErrFrameTooLarge) {
		t.Fatalf("err = %v, want ErrFrameTooLarge", err)
	}
}

func TestAdapterError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		kind registrars.ErrorKind
		code string
	}{
		{&epp.ResultError{Code: 2200}, registrars.KindConfig, "2200"},
		{&epp.ResultError{Code: 2201}, registrars.KindConfig, "2201"},
		{&epp.ResultError{Code: 2202}, registrars.KindConfig, "2202"},
		{&epp.ResultError{Code: 2004}, registrars.KindRejected, "2004"},
		{&epp.ResultError{Code: 2005}, registrars.KindRejected, "2005"},
		{&epp.ResultError{Code: 2303}, registrars.KindRejected, "2303"},
		{&epp.ResultError{Code: 2304}, registrars.KindRejected, "2304"},
		{&epp.ResultError{Code: 2305}, registrars.KindRejected, "2305"},
		{&epp.ResultError{Code: 2306}, registrars.KindRejected, "2306"},
		{&epp.ResultError{Code: 2308}, registrars.KindRejected, "2308"},
		{&epp.ResultError{Code: 2102}, registrars.KindRejected, "2102"},
		{&epp.ResultError{Code: 2400}, registrars.KindTemporary, "2400"},
		{&epp.ResultError{Code: 2500}, registrars.KindTemporary, "2500"},
		{&epp.ResultError{Code: 2501}, registrars.KindTemporary, "2501"},
		{&epp.ResultError{Code: 2502}, registrars.KindTemporary, "2502"},
		{epp.ErrConnection, registrars.KindTemporary, ""},
		{epp.ErrTimeout, registrars.KindTemporary, ""},
		{epp.ErrProtocol, registrars.KindTemporary, ""},
		{epp.ErrFrameTooLarge, registrars.KindTemporary, ""},
		{epp.ErrInvalid, registrars.KindConfig, ""},
		{context.Canceled, registrars.KindTemporary, ""},
	} {
		err := epp.AdapterError("sidn", tc.err)
		var re *registrars.Error
		if !errors.As(err, &re) || re.Kind != tc.kind || re.Code != tc.code || re.Party != "sidn" || !errors.Is(err, tc.err) {
			t.Errorf("%v → %#v, want %s %s", tc.err, err, tc.kind, tc.code)
		}
	}
	if epp.AdapterError("sidn", nil) != nil {
		t.Error("nil error mapped to an error")
	}
}

// The client ends the session when the server sends a 25xx code.
func TestServerClosingCode(t *testing.T) {
	// Simulated with a transport that answers 2501 after login.
	f := start(t, epptest.Options{})
	ctx := context.Background()
	tr, err := epp.DialTransport(ctx, f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ct := &closingTransport{Transport: tr}
	c, err := epp.NewClient(ctx, ct, f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ct.close = true
	_, err = c.Poll(ctx)
	if epp.Code(err) != epp.CodeAuthClosing {
		t.Fatalf("err = %v, want 2501", err)
	}
	if _, err := c.Poll(ctx); !errors.Is(err, epp.ErrClosed) {
		t.Fatalf("after 2501: %v, want ErrClosed", err)
	}
}

type closingTransport struct {
	epp.Transport
	close bool
}

func (c *closingTransport) Send(ctx context.Context, frame []byte) ([]byte, error) {
	b, err := c.Transport.Send(ctx, frame)
	if err != nil || !c.close {
		return b, err
	}
	s := string(frame)
	i := strings.Index(s, "<clTRID>")
	j := strings.Index(s, "</clTRID>")
	return []byte(`<?xml version="1.0"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response>` +
		`<result code="2501"><msg>Authentication error; server closing connection</msg></result>` +
		`<trID>` + s[i:j] + `</clTRID><svTRID>X-1</svTRID></trID></response></epp>`), nil
}

func TestCloseInterruptsStalledCommand(t *testing.T) {
	f := start(t, epptest.Options{})
	c := f.dial(t)
	f.srv.InjectFault(epptest.Stall, 0)
	time.AfterFunc(50*time.Millisecond, func() { c.Close() })
	began := time.Now()
	if _, err := c.Poll(context.Background()); err == nil {
		t.Fatal("no error")
	}
	if time.Since(began) > time.Second {
		t.Errorf("Close waited for the stalled command: %v", time.Since(began))
	}
	if _, err := c.Poll(context.Background()); !errors.Is(err, epp.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}
