package lookup

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Which servers a lookup may reach. A registry's answer names the next
// server to ask (an RDAP "related" link, a redirect, a WHOIS referral), so
// whoever controls an answer could otherwise steer afscherm at the
// machines around it: its own metrics port, a database, a cloud metadata
// service. Lookups therefore connect to public addresses only, unless the
// operator allows a host on a private one (a mirror inside the network;
// the fake servers of the tests and the demo).

// AllowAnyHost in PrivateHosts lets every host be on a private address.
const AllowAnyHost = "*"

// PrivateHosts are the hosts a lookup may reach on a loopback, private or
// link-local address (--allow-private-lookups); AllowAnyHost allows all.
// Names are matched without port and case.
type PrivateHosts []string

// Allows reports whether host may be on a private address.
func (p PrivateHosts) Allows(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	for _, h := range p {
		h = strings.TrimSuffix(strings.ToLower(strings.Trim(strings.TrimSpace(h), "[]")), ".")
		if h == AllowAnyHost || (h != "" && h == host) {
			return true
		}
	}
	return false
}

// RefusedError is a connection or link a lookup would not follow. Its text
// names the host and why, never response content.
type RefusedError struct {
	Host string // the host refused
	Addr string // the address it resolved to, when that was the reason
	Why  string
}

func (e *RefusedError) Error() string {
	if e.Addr != "" && e.Addr != e.Host {
		return fmt.Sprintf("refused %s (%s): %s", e.Host, e.Addr, e.Why)
	}
	return fmt.Sprintf("refused %s: %s", e.Host, e.Why)
}

// AsRefused finds the RefusedError in err's chain.
func AsRefused(err error) (*RefusedError, bool) {
	var r *RefusedError
	ok := errors.As(err, &r)
	return r, ok
}

// Refused returns the failure of a lookup that would not follow a link or
// connect to an address.
func Refused(err *RefusedError) *Failure {
	return &Failure{Reason: ReasonRefused, Host: err.Host, Detail: err.Why, Err: err}
}

var (
	sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")  // carrier-grade NAT, RFC 6598
	thisNetwork        = netip.MustParsePrefix("0.0.0.0/8")      // RFC 1122
	ietfProtocol       = netip.MustParsePrefix("192.0.0.0/24")   // RFC 6890
	benchmarking       = netip.MustParsePrefix("198.18.0.0/15")  // RFC 2544
	reservedClassE     = netip.MustParsePrefix("240.0.0.0/4")    // and the broadcast address
	nat64              = netip.MustParsePrefix("64:ff9b::/96")   // RFC 6052: embeds an IPv4 address
	nat64Local         = netip.MustParsePrefix("64:ff9b:1::/48") // RFC 8215
	sixToFour          = netip.MustParsePrefix("2002::/16")      // RFC 3056: embeds an IPv4 address
	documentationV6    = netip.MustParsePrefix("2001:db8::/32")  // never routed
	discardOnlyV6      = netip.MustParsePrefix("100::/64")       // RFC 6666
	siteLocalV6        = netip.MustParsePrefix("fec0::/10")      // deprecated, still internal
	ipv4CompatibleV6   = netip.MustParsePrefix("::/96")          // deprecated, embeds an IPv4 address
	teredo             = netip.MustParsePrefix("2001::/32")      // tunnels to anywhere
	orchid             = netip.MustParsePrefix("2001:10::/28")   // not routable
	reservedV6Prefixes = []netip.Prefix{documentationV6, discardOnlyV6, siteLocalV6, teredo, orchid, nat64Local}
)

// NonPublic says what kind of non-public address ip is ("loopback",
// "private", "link-local", …), or "" for a public one.
func NonPublic(ip netip.Addr) string {
	ip = ip.Unmap()
	if ip.Is6() {
		switch {
		case nat64.Contains(ip), ipv4CompatibleV6.Contains(ip) && !ip.IsUnspecified() && !ip.IsLoopback():
			b := ip.As16()
			if kind := NonPublic(netip.AddrFrom4([4]byte(b[12:16]))); kind != "" {
				return kind + " (embedded in IPv6)"
			}
		case sixToFour.Contains(ip):
			b := ip.As16()
			if kind := NonPublic(netip.AddrFrom4([4]byte(b[2:6]))); kind != "" {
				return kind + " (embedded in IPv6)"
			}
		}
	}
	switch {
	case !ip.IsValid():
		return "invalid"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsUnspecified(), thisNetwork.Contains(ip):
		return "unspecified" // 0.0.0.0 and :: reach the machine itself
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	case sharedAddressSpace.Contains(ip):
		return "shared (carrier-grade NAT)"
	case ietfProtocol.Contains(ip), benchmarking.Contains(ip), reservedClassE.Contains(ip):
		return "reserved"
	}
	for _, p := range reservedV6Prefixes {
		if p.Contains(ip) {
			return "reserved"
		}
	}
	return ""
}

// checkAddress refuses host's address when it is not public.
func checkAddress(host string, ip netip.Addr) error {
	if kind := NonPublic(ip); kind != "" {
		return &RefusedError{Host: host, Addr: ip.Unmap().String(),
			Why: fmt.Sprintf("a %s address; lookups reach public addresses only, unless allowed with --allow-private-lookups %s", kind, host)}
	}
	return nil
}

// control is a net.Dialer's Control for host: it refuses a socket about to
// connect to an address that is not public.
func control(host string) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &RefusedError{Host: host, Addr: address, Why: "not an IP address"}
		}
		return checkAddress(host, ap.Addr())
	}
}

// resolver is what SafeDialer asks for a host's addresses; tests replace it.
type resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// SafeDialer dials public addresses only, except for the hosts private
// allows. It resolves the host, refuses it when any of its addresses is not
// public, and then dials the addresses it checked — so a name that resolves
// differently a moment later (DNS rebinding) cannot slip through — with a
// net.Dialer whose Control checks again the address each socket connects to.
func SafeDialer(timeout time.Duration, private PrivateHosts) Dialer {
	return safeDialer(timeout, private, net.DefaultResolver)
}

func safeDialer(timeout time.Duration, private PrivateHosts, res resolver) Dialer {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if private.Allows(host) {
			d := &net.Dialer{Timeout: timeout}
			return d.DialContext(ctx, network, addr)
		}
		d := &net.Dialer{Timeout: timeout, Control: control(host)}
		var ips []netip.Addr
		if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
			ips = []netip.Addr{ip}
		} else if ips, err = res.LookupNetIP(ctx, "ip", host); err != nil {
			return nil, err
		}
		if len(ips) == 0 {
			return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
		}
		for _, ip := range ips {
			if err := checkAddress(host, ip); err != nil {
				return nil, err
			}
		}
		var firstErr error
		for _, ip := range ips {
			conn, err := d.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
			if err == nil {
				return conn, nil
			}
			if firstErr == nil {
				firstErr = err
			}
			if ctx.Err() != nil {
				break
			}
		}
		return nil, firstErr
	}
}

// Guard wraps a dialer that resolves names its own way (the sealed loopback
// network of the tests and the demo): a connection whose far end is not a
// public address is closed before anything is sent on it, unless private
// allows the host.
func Guard(dial Dialer, private PrivateHosts) Dialer {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if private.Allows(host) {
			return dial(ctx, network, addr)
		}
		if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
			if err := checkAddress(host, ip); err != nil {
				return nil, err
			}
		}
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		far, err := netip.ParseAddrPort(conn.RemoteAddr().String())
		if err != nil {
			conn.Close()
			return nil, &RefusedError{Host: host, Addr: conn.RemoteAddr().String(), Why: "not an IP address"}
		}
		if err := checkAddress(host, far.Addr()); err != nil {
			conn.Close()
			return nil, err
		}
		return conn, nil
	}
}
