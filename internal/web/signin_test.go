package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/staffauth"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/internal/web"
)

// countingChecker checks passwords at the cheap test costs and counts the
// hashes it computes.
func countingChecker(calls *atomic.Int64, seen *sync.Map) *staffauth.Checker {
	return &staffauth.Checker{Params: cheap, Verify: func(encoded, pw string) bool {
		calls.Add(1)
		if seen != nil {
			seen.Store(costsOf(encoded), true)
		}
		return staffauth.Verify(encoded, pw)
	}}
}

// costsOf is the algorithm and costs part of an encoded hash.
func costsOf(encoded string) string {
	parts := strings.Split(encoded, "$")
	if len(parts) < 4 {
		return encoded
	}
	return strings.Join(parts[:4], "$")
}

// signInStatus posts one sign-in from a fresh client.
func signInStatus(t *testing.T, base, name, pw string) (int, http.Header) {
	t.Helper()
	form := url.Values{"name": {name}, "password": {pw}, "next": {"/staff/"}}
	req, _ := http.NewRequest("POST", base+"/staff/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

// TestSignInLockoutHoldsUnderConcurrency: thirty wrong passwords at once
// against a running server check at most five (the limit); the rest are
// refused with 429 without hashing, and the right password is refused
// after them too.
func TestSignInLockoutHoldsUnderConcurrency(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		var calls atomic.Int64
		s := newSiteWith(t, dburl, func(_ *requeststest.Env, d *web.Deps) { d.Passwords = countingChecker(&calls, nil) })
		s.addStaff(t, "anna")

		const n = 30
		statuses := make([]int, n)
		var start, done sync.WaitGroup
		start.Add(1)
		for i := range n {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				statuses[i], _ = signInStatus(t, s.srv.URL, "anna", "wrong password, try "+string(rune('a'+i)))
			}()
		}
		start.Done()
		done.Wait()

		count := map[int]int{}
		for _, st := range statuses {
			count[st]++
		}
		if count[http.StatusUnauthorized] > 5 || count[http.StatusUnauthorized]+count[http.StatusTooManyRequests] != n {
			t.Errorf("answers %v: at most 5 checked (401), the rest refused (429)", count)
		}
		if c := calls.Load(); c > 5 || c != int64(count[http.StatusUnauthorized]) {
			t.Errorf("%d passwords hashed for %d answers 401; the limit is 5", c, count[http.StatusUnauthorized])
		}
		if st, h := signInStatus(t, s.srv.URL, "anna", password); st != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
			t.Errorf("the right password after the lockout: %d, Retry-After %q", st, h.Get("Retry-After"))
		}
	})
}

// TestSignInHashingIsBounded: with every slot taken, a further sign-in
// waits briefly and is refused with 429 and Retry-After, without being
// counted as a failure.
func TestSignInHashingIsBounded(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	checker := &staffauth.Checker{Slots: 1, Wait: 100 * time.Millisecond, Params: cheap, Verify: func(encoded, pw string) bool {
		entered <- struct{}{}
		<-release
		return staffauth.Verify(encoded, pw)
	}}
	s := newSiteWith(t, storetest.NewURL(t, "sqlite"), func(_ *requeststest.Env, d *web.Deps) { d.Passwords = checker })
	s.addStaff(t, "anna")

	first := make(chan int)
	go func() {
		st, _ := signInStatus(t, s.srv.URL, "anna", "wrong password here")
		first <- st
	}()
	<-entered // the one slot is taken
	st, h := signInStatus(t, s.srv.URL, "bram", "another password")
	if st != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Errorf("with every slot taken: %d, Retry-After %q; want 429 with Retry-After", st, h.Get("Retry-After"))
	}
	close(release)
	if st := <-first; st != http.StatusUnauthorized {
		t.Errorf("the sign-in in the slot: %d", st)
	}
	// Only the checked attempt counts against the client.
	client := "client:" + s.Service.Keys.ClientHash("127.0.0.1")
	if n, err := s.Store.SignInFailures(context.Background(), client, s.Clock.Now().Add(-time.Hour), false); err != nil || n != 1 {
		t.Errorf("%d failures counted for the client (%v), want 1", n, err)
	}
}

// TestSignInSameWorkForEveryName: an unknown name and a disabled account
// are checked against a hash of the same costs as a real account's, so
// they answer in the same time; and the logs and the failure count hold
// the name typed only as a keyed hash.
func TestSignInSameWorkForEveryName(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		var calls atomic.Int64
		var costs sync.Map
		var logs bytes.Buffer
		var mu sync.Mutex
		s := newSiteWith(t, dburl, func(_ *requeststest.Env, d *web.Deps) {
			d.Passwords = countingChecker(&calls, &costs)
			d.Log = slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &logs}, nil))
		})
		s.addStaff(t, "anna")
		s.addStaff(t, "bram")
		ctx := context.Background()
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			u, err := tx.StaffUser(ctx, "bram")
			if err != nil {
				return err
			}
			return tx.DisableStaffUser(ctx, u.ID)
		}); err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct{ what, name, pw string }{
			{"a wrong password", "anna", "wrong password here"},
			{"a disabled account, right password", "bram", password},
			{"an unknown name", "Jan de Vries", password},
		} {
			before := calls.Load()
			if st, _ := signInStatus(t, s.srv.URL, c.name, c.pw); st != http.StatusUnauthorized {
				t.Errorf("%s: %d, want 401", c.what, st)
			}
			if got := calls.Load() - before; got != 1 {
				t.Errorf("%s: %d hashes, want 1 like every other name", c.what, got)
			}
		}
		var kinds []string
		costs.Range(func(k, _ any) bool { kinds = append(kinds, k.(string)); return true })
		if len(kinds) != 1 {
			t.Errorf("hashes of different costs were checked: %v", kinds)
		}

		// Lock the unknown name out, and look at what the logs and the
		// database hold.
		for range 5 {
			signInStatus(t, s.srv.URL, "Jan de Vries", "wrong again, and again")
		}
		mu.Lock()
		out := logs.String()
		mu.Unlock()
		hash := s.Service.Keys.ClientHash("staff-name:Jan de Vries")
		if strings.Contains(out, "Jan de Vries") || strings.Contains(out, "anna") || strings.Contains(out, "bram") {
			t.Errorf("a name typed at sign-in is in the logs:\n%s", out)
		}
		if !strings.Contains(out, `msg="sign-in failed" name_hash=`+hash) || !strings.Contains(out, `msg="sign-in refused: locked out" name_hash=`+hash) {
			t.Errorf("failed sign-in and lockout not logged with the name's keyed hash %s:\n%s", hash, out)
		}
		if hits, err := s.Store.FindText(ctx, []string{"Jan de Vries"}); err != nil || len(hits) != 0 {
			t.Errorf("the name typed is stored: %+v %v", hits, err)
		}
	})
}

// lockedWriter lets handlers on several goroutines log into one buffer.
type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
