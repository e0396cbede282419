package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that a running command may write while the
// test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor waits until out has a line starting with prefix and returns the
// rest of that line.
func waitFor(t *testing.T, out interface{ String() string }, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(out.String(), "\n") {
			if rest, ok := strings.CutPrefix(line, prefix); ok {
				return "http://" + strings.TrimSpace(rest)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no line %q in:\n%s", prefix, out.String())
	return ""
}

// startServe runs `afscherm serve` in-process on a free port until the test
// ends, and returns its base URL.
func startServe(t *testing.T, dbURL string, flags []string) string {
	t.Helper()
	return waitFor(t, serveOutput(t, dbURL, flags), "listening on http://")
}

// serveOutput runs `afscherm serve` in-process on a free port until the
// test ends, and returns what it prints.
func serveOutput(t *testing.T, dbURL string, flags []string) *lockedBuffer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut lockedBuffer
	stopped := make(chan struct{})
	code := 0
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--database-url", dbURL}, flags...)
	go func() {
		code = run(ctx, args, testGetenv(nil), strings.NewReader(""), &out, &errOut)
		close(stopped)
	}()
	t.Cleanup(func() { cancel(); <-stopped })
	select {
	case <-stopped:
		t.Fatalf("serve ended with %d: %s", code, errOut.String())
	case <-time.After(200 * time.Millisecond):
	}
	return &out
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
