package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestMetrics: serve --metrics-addr offers Prometheus metrics on the
// separate address; on the main address they need a staff token.
func TestMetrics(t *testing.T) {
	db := filepath.Join(t.TempDir(), "metrics.db")
	importedDB(t, db)
	out := serveOutput(t, db, []string{"--metrics-addr", "127.0.0.1:0"})
	base := waitFor(t, out, "listening on http://")
	body := httpGet(t, waitFor(t, out, "metrics on http://"))
	for _, want := range []string{`afscherm_domains{verdict="none"} 117`, `afscherm_requests{state="quoted"} 0`,
		"afscherm_store_up 1", "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/metrics on the main address without a token: %d", resp.StatusCode)
	}
}
