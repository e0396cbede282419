package rdap

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/openrdap/rdap/bootstrap"

	"github.com/afscherm/afscherm/internal/lookup"
)

// DefaultBootstrap is IANA's RDAP bootstrap file for domains.
const DefaultBootstrap = "https://data.iana.org/rdap/dns.json"

// refreshAfter is how old a downloaded bootstrap file may get.
const refreshAfter = 24 * time.Hour

// Bootstrap finds the RDAP servers of a TLD from IANA's dns.json (RFC
// 9224), read from a file or downloaded, kept on disk and refreshed daily.
// It is safe for concurrent use.
type Bootstrap struct {
	source   string // URL or file path
	cacheDir string // "" for no disk cache
	http     *http.Client
	now      func() time.Time

	mu     sync.Mutex
	reg    *bootstrap.DNSRegistry
	loaded time.Time // when reg was read; for a file, its modification time

	// listed are the hosts the operator named: the source's and those of
	// the services in the file. Apart from mu, since it is asked while a
	// download holds mu (for its redirects).
	listedMu sync.Mutex
	listed   map[string]bool
}

// NewBootstrap reads dns.json from source: an http(s) URL, whose copy is
// kept in cacheDir, or a file path.
func NewBootstrap(source, cacheDir string, client *http.Client) *Bootstrap {
	if source == "" {
		source = DefaultBootstrap
	}
	b := &Bootstrap{source: source, cacheDir: cacheDir, http: client, now: time.Now}
	b.setListed(nil)
	return b
}

// Listed reports whether host was named by the operator: the host of the
// bootstrap URL, or of a service in the bootstrap file. Only such hosts are
// asked over plain http.
func (b *Bootstrap) Listed(host string) bool {
	b.listedMu.Lock()
	defer b.listedMu.Unlock()
	return b.listed[strings.ToLower(host)]
}

// setListed records the hosts of the source and of reg's services.
func (b *Bootstrap) setListed(reg *bootstrap.DNSRegistry) {
	hosts := map[string]bool{}
	if b.remote() {
		if u, err := url.Parse(b.source); err == nil {
			hosts[strings.ToLower(u.Hostname())] = true
		}
	}
	if reg != nil && reg.File() != nil {
		for _, urls := range reg.File().Entries {
			for _, u := range urls {
				hosts[strings.ToLower(u.Hostname())] = true
			}
		}
	}
	b.listedMu.Lock()
	defer b.listedMu.Unlock()
	b.listed = hosts
}

// use makes reg the registry in use. b.mu is held.
func (b *Bootstrap) use(reg *bootstrap.DNSRegistry, at time.Time) {
	b.reg, b.loaded = reg, at
	b.setListed(reg)
}

func (b *Bootstrap) remote() bool {
	return strings.HasPrefix(b.source, "http://") || strings.HasPrefix(b.source, "https://")
}

// Servers returns the base URLs of the RDAP service for domain, https first;
// none when the TLD has no RDAP service.
func (b *Bootstrap) Servers(ctx context.Context, domain string) ([]*url.URL, error) {
	reg, err := b.registry(ctx)
	if err != nil {
		return nil, err
	}
	q := &bootstrap.Question{RegistryType: bootstrap.DNS, Query: domain}
	answer, err := reg.Lookup(q)
	if err != nil {
		return nil, fmt.Errorf("bootstrap lookup: %w", err)
	}
	var https, others []*url.URL
	for _, u := range answer.URLs {
		if u.Scheme == "https" {
			https = append(https, u)
		} else {
			others = append(others, u)
		}
	}
	return append(https, others...), nil
}

func (b *Bootstrap) registry(ctx context.Context) (*bootstrap.DNSRegistry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.remote() {
		if b.reg != nil && b.now().Sub(b.loaded) < refreshAfter {
			return b.reg, nil
		}
		if err := b.loadRemote(ctx); err != nil && b.reg == nil {
			return nil, err
		}
		return b.reg, nil
	}
	st, err := os.Stat(b.source)
	if err != nil {
		return nil, fmt.Errorf("RDAP bootstrap file: %w", err)
	}
	if b.reg == nil || !st.ModTime().Equal(b.loaded) {
		data, err := os.ReadFile(b.source)
		if err != nil {
			return nil, fmt.Errorf("RDAP bootstrap file: %w", err)
		}
		reg, err := bootstrap.NewDNSRegistry(data)
		if err != nil {
			return nil, fmt.Errorf("RDAP bootstrap file %s: %w", b.source, err)
		}
		b.use(reg, st.ModTime())
	}
	return b.reg, nil
}

// loadRemote uses the disk copy while it is fresh, else downloads; a
// failed download falls back to a stale copy. b.mu is held.
func (b *Bootstrap) loadRemote(ctx context.Context) error {
	cache := b.cachePath()
	if cache != "" {
		if st, err := os.Stat(cache); err == nil && b.now().Sub(st.ModTime()) < refreshAfter {
			if err := b.useFile(cache, st.ModTime()); err == nil {
				return nil
			}
		}
	}
	data, err := b.download(ctx)
	if err == nil {
		var reg *bootstrap.DNSRegistry
		if reg, err = bootstrap.NewDNSRegistry(data); err == nil {
			b.use(reg, b.now())
			if cache != "" {
				_ = writeAtomic(cache, data)
			}
			return nil
		}
	}
	if cache != "" {
		if b.useFile(cache, b.now().Add(-refreshAfter+time.Hour)) == nil {
			return nil // stale, but better than nothing; tried again in an hour
		}
	}
	return fmt.Errorf("RDAP bootstrap %s: %w", b.source, err)
}

func (b *Bootstrap) useFile(path string, at time.Time) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	reg, err := bootstrap.NewDNSRegistry(data)
	if err != nil {
		return err
	}
	b.use(reg, at)
	return nil
}

func (b *Bootstrap) download(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.source, http.NoBody)
	if err != nil {
		return nil, err
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	return io.ReadAll(lookup.CapReader(resp.Body, 8*lookup.MaxResponseSize))
}

func (b *Bootstrap) cachePath() string { return CachePath(b.source, b.cacheDir) }

// CachePath is where the copy of a downloaded bootstrap file is kept in
// cacheDir; "" without one.
func CachePath(source, cacheDir string) string {
	if cacheDir == "" {
		return ""
	}
	if source == "" {
		source = DefaultBootstrap
	}
	sum := sha256.Sum256([]byte(source))
	return filepath.Join(cacheDir, "rdap-dns-"+hex.EncodeToString(sum[:4])+".json")
}

// Remote reports whether a bootstrap source is a URL rather than a file.
func Remote(source string) bool {
	return source == "" || strings.HasPrefix(source, "http://") || strings.HasPrefix(source, "https://")
}

// ParseBootstrap checks that data is a bootstrap file for domains.
func ParseBootstrap(data []byte) error {
	_, err := bootstrap.NewDNSRegistry(data)
	return err
}

// Refresh downloads the bootstrap file now and, when it parses, uses it and
// keeps it in the cache (afscherm check --online).
func (b *Bootstrap) Refresh(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, err := b.download(ctx)
	if err != nil {
		return fmt.Errorf("RDAP bootstrap %s: %w", b.source, err)
	}
	reg, err := bootstrap.NewDNSRegistry(data)
	if err != nil {
		return fmt.Errorf("RDAP bootstrap %s: %w", b.source, err)
	}
	b.use(reg, b.now())
	if cache := b.cachePath(); cache != "" {
		if err := writeAtomic(cache, data); err != nil {
			return fmt.Errorf("RDAP bootstrap cache: %w", err)
		}
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".rdap-dns-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
