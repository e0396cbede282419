package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientAddressFromCraftedHeaders: behind trusted proxies the client
// is the rightmost X-Forwarded-For entry that is not one of them; what the
// client writes itself, to the left, is never believed, nor is the header
// from a connection that is not a trusted proxy.
func TestClientAddressFromCraftedHeaders(t *testing.T) {
	lan := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.0/8")}
	for _, c := range []struct {
		name    string
		trust   bool
		proxies []netip.Prefix // nil: the default, loopback
		peer    string
		xff     []string // header lines
		want    string
	}{
		{"not trusting: the connection", false, nil, "127.0.0.1:5000", []string{"203.0.113.9"}, "127.0.0.1"},
		{"no header", true, nil, "127.0.0.1:5000", nil, "127.0.0.1"},
		{"one hop", true, nil, "127.0.0.1:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"forged entry left of the real one", true, nil, "127.0.0.1:5000", []string{"198.51.100.1, 203.0.113.9"}, "203.0.113.9"},
		{"forged header line before the proxy's", true, nil, "127.0.0.1:5000", []string{"198.51.100.1", "203.0.113.9"}, "203.0.113.9"},
		{"trusted hops skipped", true, nil, "127.0.0.1:5000", []string{"198.51.100.1, 203.0.113.9, 127.0.0.2"}, "203.0.113.9"},
		{"untrusted hop is the client", true, nil, "127.0.0.1:5000", []string{"203.0.113.9, 10.1.2.3"}, "10.1.2.3"},
		{"configured proxies", true, lan, "10.0.0.5:5000", []string{"198.51.100.1, 203.0.113.9, 10.1.2.3"}, "203.0.113.9"},
		{"connection not from a trusted proxy", true, lan, "192.0.2.7:5000", []string{"203.0.113.9"}, "192.0.2.7"},
		{"loopback not trusted when others are named", true, lan[:1], "127.0.0.1:5000", []string{"203.0.113.9"}, "127.0.0.1"},
		{"garbage the proxy passed on", true, nil, "127.0.0.1:5000", []string{"203.0.113.9, <script>"}, "127.0.0.1"},
		{"garbage left of the real entry", true, nil, "127.0.0.1:5000", []string{"<script>, 203.0.113.9"}, "203.0.113.9"},
		{"ports and brackets", true, nil, "[::1]:5000", []string{"[2001:db8::7]:443"}, "2001:db8::7"},
		{"mapped IPv4", true, nil, "127.0.0.1:5000", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{"all trusted: the first hop", true, nil, "127.0.0.1:5000", []string{"127.0.0.3, 127.0.0.2"}, "127.0.0.3"},
		{"empty entries", true, nil, "127.0.0.1:5000", []string{" , 203.0.113.9 ,"}, "203.0.113.9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := NewServer(Deps{TrustForwardedFor: c.trust, TrustedProxies: c.proxies})
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := s.clientAddress(r); got != c.want {
				t.Errorf("client %q, want %q", got, c.want)
			}
		})
	}
}
