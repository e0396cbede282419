package openprovider

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/openprovider/openprovidertest"
)

// TestCode50BlocksEveryCallForTwentyMinutes: another program with an old
// password fails its logins until Openprovider blocks the account (code
// 50, REGISTRIES.md). Our client's login meets the block: a KindBlocked
// error that says until when; from then on no call of ours reaches
// Openprovider, login included, however many callers ask, until 20
// minutes have passed.
func TestCode50BlocksEveryCallForTwentyMinutes(t *testing.T) {
	f := newFixture(t)
	f.fake.SetLimits(openprovidertest.Limits{FailedLogins: 3, FailedLoginWindow: time.Hour, LoginBlock: 20 * time.Minute})
	id := f.fake.AddDomain("example.com", "Jan de Vries")
	ctx := context.Background()

	old := f.otherClient(t, "an-old-password")
	for range 3 {
		_, err := old.GetDomain(ctx, id, false)
		wantKind(t, err, registrars.KindConfig)
	}
	if !f.fake.BlockedUntil().Equal(f.clock.Now().Add(20 * time.Minute)) {
		t.Fatalf("the fake is blocked until %s", f.fake.BlockedUntil())
	}

	start := f.clock.Now()
	before := len(f.fake.Calls())
	_, err := f.client.GetDomain(ctx, id, true)
	e := wantKind(t, err, registrars.KindBlocked)
	if e.Code != "50" || !e.Until.Equal(start.Add(20*time.Minute)) || !strings.Contains(e.Message, "20 minutes") ||
		!strings.Contains(err.Error(), "until 2026-11-25T09:20:00Z") {
		t.Errorf("error %v (until %s)", err, e.Until)
	}
	if n := len(f.fake.Calls()) - before; n != 1 {
		t.Errorf("%d calls for the refused login, want 1", n)
	}

	// During the block: nothing is sent, whoever asks, whatever they ask.
	before = len(f.fake.Calls())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := f.client.GetDomain(ctx, id, false)
			if e := wantKind(t, err, registrars.KindBlocked); !e.Until.Equal(start.Add(20 * time.Minute)) {
				t.Errorf("until %s", e.Until)
			}
		})
	}
	wg.Wait()
	a := newAdapter(t, f)
	f.clock.Add(19*time.Minute + 59*time.Second)
	for _, call := range []func() error{
		func() error { _, err := f.client.FindDomain(ctx, "example.com"); return err },
		func() error { return f.client.SetPrivateWhois(ctx, id, true) },
		func() error { _, err := a.Submit(ctx, request(20, "example.com")); return err },
		func() error { _, err := a.Status(ctx, request(20, "example.com"), itoa(id)); return err },
	} {
		wantKind(t, call(), registrars.KindBlocked)
	}
	if n := len(f.fake.Calls()) - before; n != 0 {
		t.Errorf("%d calls during the block, want none", n)
	}
	if !strings.Contains(f.logs.String(), "blocked") {
		t.Errorf("no log line about the block: %s", f.logs.String())
	}

	// Once the 20 minutes are over: one login, and the call goes through.
	f.clock.Add(time.Second)
	logins := f.logins()
	if _, err := f.client.GetDomain(ctx, id, false); err != nil {
		t.Fatalf("after the block: %v", err)
	}
	if n := f.logins() - logins; n != 1 {
		t.Errorf("%d logins after the block, want 1", n)
	}
}

// TestCode50AtAnyCallAndRetryAfter: code 50 blocks the client whichever
// call it answers and whatever the HTTP status; a longer Retry-After is
// honoured.
func TestCode50AtAnyCallAndRetryAfter(t *testing.T) {
	for _, status := range []int{200, 401, 429} {
		f := newFixture(t)
		id := f.fake.AddDomain("example.com", "Jan de Vries")
		ctx := context.Background()
		if _, err := f.client.GetDomain(ctx, id, false); err != nil {
			t.Fatal(err)
		}
		f.fake.Fail(openprovidertest.Fault{Kind: openprovidertest.EnvelopeCode, Code: 50, Desc: "Calls limit has been reached",
			Status: status, PathPrefix: "/v1beta/domains"})
		_, err := f.client.GetDomain(ctx, id, false)
		if e := wantKind(t, err, registrars.KindBlocked); !e.Until.Equal(f.clock.Now().Add(LoginBlock)) {
			t.Errorf("HTTP %d: until %s", status, e.Until)
		}
		if n := f.logins(); n != 1 {
			t.Errorf("HTTP %d: %d logins, want 1 (no new login for code 50)", status, n)
		}
	}

	f := newFixture(t)
	id := f.fake.AddDomain("example.com", "Jan de Vries")
	f.fake.Fail(openprovidertest.Fault{Kind: openprovidertest.EnvelopeCode, Code: 50, Desc: "Calls limit has been reached",
		PathPrefix: "/v1beta/auth/login"})
	_, err := f.client.GetDomain(context.Background(), id, false)
	if e := wantKind(t, err, registrars.KindBlocked); !e.Until.Equal(f.clock.Now().Add(20 * time.Minute)) {
		t.Errorf("at login: until %s", e.Until)
	}

	h := http.Header{"Retry-After": {"3600"}}
	c := f.otherClient(t, testPassword)
	e := c.block(errorf(registrars.KindBlocked, "50", nil, "x"), h).(*registrars.Error)
	if !e.Until.Equal(f.clock.Now().Add(time.Hour)) {
		t.Errorf("Retry-After 3600: until %s", e.Until)
	}
}

// TestRepeatedIdenticalCallsAreAConfigProblem: more identical calls than
// Openprovider allows blacklist our address (10005, "until removed
// manually"). That is KindConfig, with what staff must do; the call is not
// repeated, and no new login is tried for it.
func TestRepeatedIdenticalCallsAreAConfigProblem(t *testing.T) {
	f := newFixture(t)
	f.fake.SetLimits(openprovidertest.Limits{IdenticalCalls: 3, IdenticalWindow: 300 * time.Second})
	id := f.fake.AddDomain("example.com", "Jan de Vries")
	ctx := context.Background()
	for range 3 {
		if _, err := f.client.GetDomain(ctx, id, true); err != nil {
			t.Fatal(err)
		}
	}
	before := len(f.fake.Calls())
	_, err := f.client.GetDomain(ctx, id, true)
	e := wantKind(t, err, registrars.KindConfig)
	if e.Code != "10005" || !strings.Contains(e.Message, "blacklist") || !strings.Contains(e.Message, "control panel") {
		t.Errorf("error %v", err)
	}
	if n := len(f.fake.Calls()) - before; n != 1 {
		t.Errorf("%d calls for the refused one, want 1: no retry", n)
	}
	if len(f.fake.Blacklisted()) != 1 {
		t.Errorf("blacklist %v", f.fake.Blacklisted())
	}

	// Every other call from the address is refused too, each once.
	a := newAdapter(t, f)
	before = len(f.fake.Calls())
	_, err = a.Status(ctx, request(21, "example.com"), "")
	wantKind(t, err, registrars.KindConfig)
	if n := len(f.fake.Calls()) - before; n != 1 {
		t.Errorf("%d calls for a status, want 1", n)
	}
	if n := f.logins(); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}

	// Staff remove the address from the blacklist: the calls work again.
	f.fake.RemoveFromBlacklist()
	if st, err := a.Status(ctx, request(21, "example.com"), ""); err != nil || st.State != registrars.Pending {
		t.Errorf("after removal: %+v %v", st, err)
	}
}

// TestPrivacyDataIsAskedForWithTheFlag: Submit and Status read the domain
// with with_whois_privacy_data=true and report until when the service is
// paid; Cancel, which does not need it, does not ask.
func TestPrivacyDataIsAskedForWithTheFlag(t *testing.T) {
	f := newFixture(t)
	id := f.fake.AddDomain("example.com", "Jan de Vries")
	a := newAdapter(t, f)
	ctx := context.Background()
	st, err := a.Submit(ctx, request(22, "example.com"))
	if err != nil || st.State != registrars.Completed || !strings.Contains(st.Detail, "(until 2027-11-25 09:00:00)") {
		t.Fatalf("submit: %+v %v", st, err)
	}
	st, err = a.Status(ctx, request(22, "example.com"), st.Reference)
	if err != nil || !strings.Contains(st.Detail, "(until 2027-11-25 09:00:00)") {
		t.Fatalf("status: %+v %v", st, err)
	}
	d, err := f.client.GetDomain(ctx, id, true)
	if err != nil || d.WhoisPrivacy == nil || d.WhoisPrivacy.ExpirationDate != "2027-11-25 09:00:00" {
		t.Errorf("with the flag: %+v %v", d.WhoisPrivacy, err)
	}
	reads := func(query string) int {
		n := 0
		for _, c := range f.fake.Calls() {
			if c.Method == http.MethodGet && c.Path == "/v1beta/domains/"+itoa(id) && c.Query == query {
				n++
			}
		}
		return n
	}
	if n := reads("with_whois_privacy_data=true"); n != 4 {
		t.Errorf("%d reads with the flag, want 4 (submit: before and after; status; the client)", n)
	}
	f.fake.SetPrivateWhois("example.com", false)
	if err := a.Cancel(ctx, request(22, "example.com"), itoa(id)); err != nil {
		t.Fatal(err)
	}
	if n := reads(""); n != 1 {
		t.Errorf("%d reads without the flag, want 1 (cancel)", n)
	}
}

// TestSubmitTakesTheExactDomain: a request for exam.com switches on
// exam.com, never example.com, and the other way round.
func TestSubmitTakesTheExactDomain(t *testing.T) {
	f := newFixture(t)
	f.fake.AddDomain("example.com", "Jan de Vries")
	f.fake.AddDomain("exam.com", "Piet Jansen")
	a := newAdapter(t, f)
	ctx := context.Background()
	if _, err := a.Submit(ctx, request(23, "exam.com")); err != nil {
		t.Fatal(err)
	}
	if d, _ := f.fake.Domain("example.com"); d.PrivateWhois {
		t.Fatal("example.com switched on for exam.com")
	}
	if d, _ := f.fake.Domain("exam.com"); !d.PrivateWhois {
		t.Fatal("exam.com not switched on")
	}
	if _, err := a.Submit(ctx, request(24, "example.com")); err != nil {
		t.Fatal(err)
	}
	if f.fake.Changes("example.com") != 1 || f.fake.Changes("exam.com") != 1 {
		t.Errorf("changes: example.com %d, exam.com %d", f.fake.Changes("example.com"), f.fake.Changes("exam.com"))
	}
}
