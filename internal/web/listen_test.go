package web_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/internal/web"
)

// TestSlowConnectionsAreClosed holds 200 connections against a server that
// may have 40 open at once — slow headers, slow bodies and idle
// keep-alives — and shows that the timeouts close every one of them, that
// the server never holds more than its limit, and that /healthz answers
// all the while. The timeouts are short to keep the test quick.
func TestSlowConnectionsAreClosed(t *testing.T) {
	limits := web.Limits{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 600 * time.Millisecond,
		WriteTimeout: time.Second, IdleTimeout: 300 * time.Millisecond, MaxConnections: 40}
	st := storetest.Open(t, storetest.NewURL(t, "sqlite"), nil)
	srv := limits.HTTPServer(web.NewServer(web.Deps{Store: st}))
	var open, most atomic.Int64
	srv.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			n := open.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(limits.Listener(ln)) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()

	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for i := range 200 {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		switch i % 3 {
		case 0: // headers that never end
			fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
		case 1: // a body that never ends
			fmt.Fprintf(c, "POST /staff/signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\nname=")
		case 2: // a request answered, then the connection kept idle
			fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		}
	}

	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	began := time.Now()
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("/healthz behind 200 slow connections: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("/healthz: %d %q", resp.StatusCode, body)
	}
	t.Logf("/healthz answered after %v", time.Since(began).Round(time.Millisecond))

	deadline := time.Now().Add(10 * time.Second)
	for i, c := range conns {
		c.SetReadDeadline(deadline)
		if _, err := io.Copy(io.Discard, c); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("connection %d (kind %d) still open after the timeouts", i, i%3)
			}
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("connection %d: %v", i, err)
			}
		}
	}
	if m := most.Load(); m > int64(limits.MaxConnections) {
		t.Errorf("%d connections open at once; the limit is %d", m, limits.MaxConnections)
	}
}

// TestBodyLimits: a body larger than its route takes is refused at once
// with 413, before any handler reads it.
func TestBodyLimits(t *testing.T) {
	s := newSite(t, storetest.NewURL(t, "sqlite"))
	for path, size := range map[string]int{
		"/approve/" + strings.Repeat("x", 43): 65<<10 + 1,
		"/api/v1/requests":                    65 << 10,
		"/staff/requests":                     257 << 10,
		"/staff/jobs/river/api/jobs/cancel":   257 << 10,
	} {
		req, _ := http.NewRequest("POST", s.srv.URL+path, strings.NewReader(strings.Repeat("a", size)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s with %d bytes: %d, want 413", path, size, resp.StatusCode)
		}
	}
}
