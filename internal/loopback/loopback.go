// Package loopback is a sealed network on 127.0.0.1 for tests and the demo:
// servers listen on loopback under the names of the registries and
// registrars they play (rdap.sidn.nl, whois.verisign-grs.com:43), clients
// dial those names through Dial, and TLS certificates for the names come from
// a private certificate authority that only this network trusts. Nothing
// dialled through it can leave the machine.
package loopback

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Network routes names to loopback listeners.
type Network struct {
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	pool   *x509.CertPool

	mu        sync.Mutex
	routes    map[string]string // "name:port" → "127.0.0.1:port"
	listeners []net.Listener
	servers   []*http.Server
	spread    int // addresses given out by Spread; 0: every server on 127.0.0.1
}

// Spread puts each HTTPS server started from now on its own loopback
// address, 127.0.0.2, 127.0.0.3, …, as distinct hosts are on the
// internet: what a client keys by host (a rate limit) then tells them
// apart when they are reached by address.
func (n *Network) Spread() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.spread = max(n.spread, 1)
}

// nextAddress is the loopback address of the next HTTPS server.
func (n *Network) nextAddress() net.IP {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.spread == 0 || n.spread >= 250 {
		return net.IPv4(127, 0, 0, 1)
	}
	n.spread++
	return net.IPv4(127, 0, 0, byte(n.spread))
}

// New makes an empty network with a fresh certificate authority.
func New() (*Network, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "afscherm loopback CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(7 * 24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &Network{caCert: cert, caKey: key, pool: pool, routes: map[string]string{}}, nil
}

// RootCAs trusts this network's certificates, and no others.
func (n *Network) RootCAs() *x509.CertPool { return n.pool }

// Certificate issues a certificate for the names, signed by the network's CA,
// good for a server and for a client (EPP's client certificates).
func (n *Network) Certificate(names ...string) (tls.Certificate, error) {
	return n.certificate(net.IPv4(127, 0, 0, 1), names...)
}

func (n *Network) certificate(ip net.IP, names ...string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		IPAddresses:  []net.IP{ip},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, n.caCert, &key.PublicKey, n.caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, n.caCert.Raw}, PrivateKey: key}, nil
}

// Listen opens a loopback listener that answers for name:port.
func (n *Network) Listen(name string, port int) (net.Listener, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.routes[strings.ToLower(net.JoinHostPort(name, fmt.Sprint(port)))] = l.Addr().String()
	n.listeners = append(n.listeners, l)
	return l, nil
}

// ServeHTTPS serves handler over TLS at https://NAME/ for each name, and
// returns the base URL of the first.
func (n *Network) ServeHTTPS(handler http.Handler, names ...string) (string, error) {
	u, _, err := n.ServeHTTPSBoth(handler, names...)
	return u, err
}

// ServeHTTPSBoth is ServeHTTPS that also returns the base URL by address,
// https://127.0.0.1:PORT/ (another loopback address after Spread), which clients outside this process can reach
// when they trust the network's CA (CAPEM).
func (n *Network) ServeHTTPSBoth(handler http.Handler, names ...string) (byName, byAddr string, err error) {
	ip := n.nextAddress()
	cert, err := n.certificate(ip, names...)
	if err != nil {
		return "", "", err
	}
	l, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		return "", "", err
	}
	srv := &http.Server{Handler: handler, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: 10 * time.Second}
	n.mu.Lock()
	for _, name := range names {
		n.routes[strings.ToLower(net.JoinHostPort(name, "443"))] = l.Addr().String()
	}
	n.servers = append(n.servers, srv)
	n.mu.Unlock()
	go srv.ServeTLS(l, "", "") //nolint:errcheck // ends with Close
	return "https://" + names[0] + "/", "https://" + l.Addr().String() + "/", nil
}

// CAPEM is the network's CA certificate in PEM, for clients in other
// processes.
func (n *Network) CAPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: n.caCert.Raw})
}

// Dial connects to a name on this network; any other address is refused,
// except a literal loopback address.
func (n *Network) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	n.mu.Lock()
	to, ok := n.routes[strings.ToLower(addr)]
	n.mu.Unlock()
	if !ok {
		host, _, _ := net.SplitHostPort(addr)
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("%s is not on the loopback network", addr)}
		}
		to = addr
	}
	var d net.Dialer
	return d.DialContext(ctx, network, to)
}

// Close stops every server and listener.
func (n *Network) Close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, s := range n.servers {
		s.Close()
	}
	for _, l := range n.listeners {
		l.Close()
	}
}
