package lookup

import (
	"context"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestNonPublic(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1":          "loopback",
		"127.9.9.9":          "loopback",
		"::1":                "loopback",
		"::ffff:127.0.0.1":   "loopback",
		"10.1.2.3":           "private",
		"172.16.0.1":         "private",
		"192.168.1.1":        "private",
		"fd00::1":            "private",
		"169.254.169.254":    "link-local", // cloud metadata services
		"fe80::1":            "link-local",
		"0.0.0.0":            "unspecified",
		"::":                 "unspecified",
		"100.64.0.1":         "shared (carrier-grade NAT)",
		"239.1.2.3":          "multicast",
		"255.255.255.255":    "reserved",
		"64:ff9b::a00:1":     "private (embedded in IPv6)",
		"2002:7f00:1::1":     "loopback (embedded in IPv6)",
		"93.184.216.34":      "",
		"194.171.17.10":      "",
		"2001:67c:2e8:22::1": "",
		"64:ff9b::5db8:d822": "", // NAT64 of a public address
	} {
		if got := NonPublic(netip.MustParseAddr(addr)); got != want {
			t.Errorf("NonPublic(%s) = %q, want %q", addr, got, want)
		}
	}
}

func TestPrivateHostsAllows(t *testing.T) {
	p := PrivateHosts{"rdap.mirror.internal", "10.0.0.5"}
	for host, want := range map[string]bool{
		"rdap.mirror.internal": true, "RDAP.Mirror.Internal.": true, "10.0.0.5": true,
		"rdap.mirror.internal.evil.example": false, "10.0.0.6": false, "": false,
	} {
		if got := p.Allows(host); got != want {
			t.Errorf("Allows(%q) = %v", host, got)
		}
	}
	if !(PrivateHosts{AllowAnyHost}).Allows("anything.example") || (PrivateHosts{}).Allows("x") {
		t.Error("* or nothing")
	}
}

// countingListener accepts connections on loopback and counts them and the
// bytes they send.
type countingListener struct {
	net.Listener
	conns, bytes atomic.Int64
}

func listen(t *testing.T) *countingListener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &countingListener{Listener: l}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			c.conns.Add(1)
			go func() {
				n, _ := io.Copy(io.Discard, conn)
				c.bytes.Add(n)
				conn.Close()
			}()
		}
	}()
	return c
}

func (c *countingListener) port() string {
	_, port, _ := net.SplitHostPort(c.Addr().String())
	return port
}

type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if ips, ok := f[host]; ok {
		return ips, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestSafeDialerRefusesBeforeConnecting(t *testing.T) {
	l := listen(t)
	res := fakeResolver{
		"mixed.example":     {netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("10.1.2.3")},
		"localhost":         {netip.MustParseAddr("127.0.0.1")},
		"metadata.internal": {netip.MustParseAddr("169.254.169.254")},
	}
	dial := safeDialer(time.Second, PrivateHosts{"mirror.internal"}, res)
	ctx := context.Background()
	for addr, want := range map[string]string{
		"127.0.0.1:" + l.port():          "refused 127.0.0.1: a loopback address",
		"[::ffff:127.0.0.1]:" + l.port(): "loopback",
		"localhost:" + l.port():          "refused localhost (127.0.0.1): a loopback address",
		"mixed.example:" + l.port():      "refused mixed.example (10.1.2.3): a private address", // every address is checked
		"metadata.internal:80":           "link-local",
	} {
		_, err := dial(ctx, "tcp", addr)
		r, ok := AsRefused(err)
		if !ok || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--allow-private-lookups") {
			t.Errorf("dial %s: %v (refused %v), want %q", addr, err, ok, want)
			continue
		}
		if f := Fail("first.example", "", err); f.Reason != ReasonRefused || f.Host != r.Host || f.Kind() == "" {
			t.Errorf("failure of %s: %+v", addr, f)
		}
	}
	time.Sleep(50 * time.Millisecond)
	if n := l.conns.Load(); n != 0 {
		t.Errorf("%d connections reached the listener", n)
	}

	// The host the operator allowed is dialled.
	conn, err := safeDialer(time.Second, PrivateHosts{"localhost"}, res)(ctx, "tcp", "localhost:"+l.port())
	if err != nil {
		t.Fatalf("allowed host: %v", err)
	}
	conn.Close()
	time.Sleep(50 * time.Millisecond)
	if n := l.conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

func TestControlChecksTheAddressConnectedTo(t *testing.T) {
	check := control("rebound.example")
	if err := check("tcp4", "127.0.0.1:443", nil); err == nil {
		t.Error("loopback passed the dial-time check")
	}
	if err := check("tcp6", "[fd12::1]:443", nil); err == nil {
		t.Error("a private IPv6 address passed the dial-time check")
	}
	if err := check("tcp4", "93.184.216.34:443", nil); err != nil {
		t.Errorf("public address: %v", err)
	}
	// And it is in place on a real dial: a dialer with it cannot reach loopback.
	l := listen(t)
	d := &net.Dialer{Timeout: time.Second, Control: control("rebound.example")}
	if _, err := d.Dial("tcp", l.Addr().String()); err == nil {
		t.Error("dialled loopback through the control")
	} else if _, ok := AsRefused(err); !ok {
		t.Errorf("err = %v", err)
	}
}

func TestGuardClosesBeforeSending(t *testing.T) {
	l := listen(t)
	// A dialer that resolves a public-looking name to loopback, as a
	// rebinding name server would.
	inner := func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, l.Addr().String())
	}
	_, err := Guard(inner, nil)(context.Background(), "tcp", "rdap.example.com:443")
	if r, ok := AsRefused(err); !ok || r.Host != "rdap.example.com" || r.Addr != "127.0.0.1" {
		t.Fatalf("err = %v", err)
	}
	conn, err := Guard(inner, PrivateHosts{"rdap.example.com"})(context.Background(), "tcp", "rdap.example.com:443")
	if err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte("hello"))
	conn.Close()
	time.Sleep(50 * time.Millisecond)
	if n := l.bytes.Load(); n != 5 {
		t.Errorf("%d bytes reached the listener, want only the allowed connection's 5", n)
	}
}
