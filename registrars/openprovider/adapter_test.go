package openprovider

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/openprovider/openprovidertest"
)

func newAdapter(t *testing.T, f *fixture) *Adapter {
	t.Helper()
	a, err := NewAdapter(AdapterConfig{
		Client: f.client,
		TLDs:   []string{"com", ".NET", "org", "us", "be"},
		Cost: func(_ context.Context, d registrars.Domain) (int64, error) {
			if d.TLD() == "be" {
				return 0, errors.New("no price for .be in the table")
			}
			return 495, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func request(id int64, name string) registrars.Request {
	return registrars.Request{ID: id, Domain: registrars.Domain{Name: name, Registrar: Name}, Language: "nl"}
}

func TestNewAdapterChecksConfig(t *testing.T) {
	f := newFixture(t)
	if _, err := NewAdapter(AdapterConfig{TLDs: []string{"com"}}); registrars.KindOf(err) != registrars.KindConfig {
		t.Errorf("no client: %v", err)
	}
	if _, err := NewAdapter(AdapterConfig{Client: f.client, TLDs: []string{" ", ""}}); registrars.KindOf(err) != registrars.KindConfig {
		t.Errorf("no TLDs: %v", err)
	}
}

func TestServes(t *testing.T) {
	a := newAdapter(t, newFixture(t))
	if a.Name() != "openprovider" {
		t.Errorf("name %q", a.Name())
	}
	cases := []struct {
		domain    registrars.Domain
		ok        bool
		inReason  string
		notReason string
	}{
		{registrars.Domain{Name: "example.com", Registrar: "openprovider"}, true, "Openprovider", ""},
		{registrars.Domain{Name: "example.net", Registrar: "openprovider"}, true, "", ""},
		{registrars.Domain{Name: "example.com", Registrar: "sidn"}, false, "sidn", ""},
		{registrars.Domain{Name: "example.us", Registrar: "openprovider"}, false, "forbids privacy", ""},
		{registrars.Domain{Name: "example.co.uk", Registrar: "openprovider"}, false, "not possible", ""},
		{registrars.Domain{Name: "example.eu", Registrar: "openprovider"}, false, "not possible", ""},
		{registrars.Domain{Name: "example.xyz", Registrar: "openprovider"}, false, ".xyz is not among", "not possible"},
	}
	for _, tc := range cases {
		s := a.Serves(tc.domain)
		if s.OK != tc.ok || !strings.Contains(s.Reason, tc.inReason) || (tc.notReason != "" && strings.Contains(s.Reason, tc.notReason)) {
			t.Errorf("Serves(%+v) = %+v", tc.domain, s)
		}
		if s.Reason == "" {
			t.Errorf("Serves(%+v) gives no reason", tc.domain)
		}
	}
}

func TestPrice(t *testing.T) {
	a := newAdapter(t, newFixture(t))
	ctx := context.Background()
	if c, err := a.Price(ctx, registrars.Domain{Name: "example.com", Registrar: Name}); err != nil || c != 495 {
		t.Errorf("com: %d %v", c, err)
	}
	_, err := a.Price(ctx, registrars.Domain{Name: "example.be", Registrar: Name})
	wantKind(t, err, registrars.KindConfig)
	_, err = a.Price(ctx, registrars.Domain{Name: "example.us", Registrar: Name})
	wantKind(t, err, registrars.KindRejected)

	noCost, err := NewAdapter(AdapterConfig{Client: a.client, TLDs: []string{"com"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = noCost.Price(ctx, registrars.Domain{Name: "example.com", Registrar: Name})
	wantKind(t, err, registrars.KindConfig)
}

func TestPlan(t *testing.T) {
	a := newAdapter(t, newFixture(t))
	d := registrars.Domain{Name: "example.com", Registrar: Name}
	for lang, words := range map[string][]string{
		"nl": {"example.com", "naam", "adres", "telefoonnummer", "e-mailadres", "privacydienst"},
		"en": {"example.com", "name", "address", "phone", "e-mail", "privacy service"},
	} {
		text := strings.Join(a.Plan(registrars.Request{Domain: d, Language: lang}), " ")
		for _, w := range words {
			if !strings.Contains(text, w) {
				t.Errorf("%s plan lacks %q: %s", lang, w, text)
			}
		}
	}
}

func TestSubmitSwitchesPrivacyOnAndARepeatChangesNothing(t *testing.T) {
	f := newFixture(t)
	id := f.fake.AddDomain("example.com", "Jan de Vries")
	f.fake.AddDomain("other.com", "Piet Jansen")
	var mu sync.Mutex
	told := 0
	f.fake.OnChange(func(string) { mu.Lock(); told++; mu.Unlock() })
	a := newAdapter(t, f)
	ctx := context.Background()

	st, err := a.Submit(ctx, request(7, "example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if st.State != registrars.Completed || st.Reference == "" || !strings.Contains(st.Detail, "switched on") {
		t.Errorf("first submit: %+v", st)
	}
	if d, _ := f.fake.Domain("example.com"); !d.PrivateWhois {
		t.Fatal("privacy not on at the fake")
	}
	if d, _ := f.fake.Domain("other.com"); d.PrivateWhois {
		t.Fatal("another domain was changed")
	}

	again, err := a.Submit(ctx, request(7, "example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if again.State != registrars.Completed || again.Reference != st.Reference || !strings.Contains(again.Detail, "already on") {
		t.Errorf("repeat: %+v", again)
	}
	if n := f.fake.Count(http.MethodPut, "/v1beta/domains/*"); n != 1 {
		t.Errorf("%d PUTs, want 1", n)
	}
	if n := f.fake.Changes("example.com"); n != 1 {
		t.Errorf("%d effective changes, want 1", n)
	}
	mu.Lock()
	if told != 1 {
		t.Errorf("hook told %d times, want 1", told)
	}
	mu.Unlock()
	if st.Reference != itoa(id) {
		t.Errorf("reference %q, want the domain id %d", st.Reference, id)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestSubmitRepeatAfterALostAnswer: the change is made but its answer is
// lost (a crash, a broken connection); the repeat finds it done.
func TestSubmitRepeatAfterALostAnswer(t *testing.T) {
	f := newFixture(t)
	f.fake.AddDomain("example.com", "Jan de Vries")
	a := newAdapter(t, f)
	ctx := context.Background()
	f.fake.Fail(openprovidertest.Fault{Kind: openprovidertest.LoseAnswer, Method: http.MethodPut})
	_, err := a.Submit(ctx, request(8, "example.com"))
	wantKind(t, err, registrars.KindTemporary)
	if d, _ := f.fake.Domain("example.com"); !d.PrivateWhois {
		t.Fatal("the lost change was not made at the fake")
	}
	st, err := a.Submit(ctx, request(8, "example.com"))
	if err != nil || st.State != registrars.Completed {
		t.Fatalf("repeat: %+v %v", st, err)
	}
	if n := f.fake.Count(http.MethodPut, "/v1beta/domains/*"); n != 1 {
		t.Errorf("%d PUTs, want 1", n)
	}
	if n := f.fake.Changes("example.com"); n != 1 {
		t.Errorf("%d effective changes, want 1", n)
	}
}

func TestSubmitWhenAlreadyOnMakesNoChange(t *testing.T) {
	f := newFixture(t)
	f.fake.AddDomain("example.com", "Jan de Vries")
	f.fake.SetPrivateWhois("example.com", true)
	st, err := newAdapter(t, f).Submit(context.Background(), request(9, "example.com"))
	if err != nil || st.State != registrars.Completed || !strings.Contains(st.Detail, "(until 2027-11-25 09:00:00)") {
		t.Fatalf("%+v %v", st, err)
	}
	if n := f.fake.Count(http.MethodPut, "/v1beta/domains/*"); n != 0 {
		t.Errorf("%d PUTs, want 0", n)
	}
}

func TestSubmitRefusedWhereOpenproviderDoesNotAllowPrivacy(t *testing.T) {
	f := newFixture(t)
	f.fake.AddDomain("example.com", "Jan de Vries")
	f.fake.SetPrivateWhoisAllowed("example.com", false)
	st, err := newAdapter(t, f).Submit(context.Background(), request(10, "example.com"))
	wantKind(t, err, registrars.KindRejected)
	if st.State != registrars.Rejected || st.Reference == "" {
		t.Errorf("status %+v", st)
	}
	if n := f.fake.Count(http.MethodPut, "/v1beta/domains/*"); n != 0 {
		t.Errorf("%d PUTs, want 0", n)
	}
}

func TestSubmitForADomainNotInTheAccount(t *testing.T) {
	f := newFixture(t)
	f.fake.AddDomain("example.com", "Jan de Vries")
	st, err := newAdapter(t, f).Submit(context.Background(), request(11, "missing.com"))
	wantKind(t, err, registrars.KindRejected)
	if st.State != registrars.Rejected {
		t.Errorf("status %+v", st)
	}
}

func TestSubmitForAnUnservedDomainCallsNothing(t *testing.T) {
	f := newFixture(t)
	a := newAdapter(t, f)
	for _, r := range []registrars.Request{
		request(12, "example.us"),
		{ID: 13, Domain: registrars.Domain{Name: "example.com", Registrar: "sidn"}},
		request(14, "example.xyz"),
	} {
		st, err := a.Submit(context.Background(), r)
		e := wantKind(t, err, registrars.KindRejected)
		if st.State != registrars.Rejected || st.Detail != e.Message {
			t.Errorf("%s: status %+v", r.Domain.Name, st)
		}
	}
	if n := len(f.fake.Calls()); n != 0 {
		t.Errorf("%d calls, want none", n)
	}
}

func TestSubmitFailuresKeepTheirKind(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Timeout = 300 * time.Millisecond })
	f.fake.AddDomain("example.com", "Jan de Vries")
	a := newAdapter(t, f)
	f.fake.Fail(openprovidertest.Fault{Kind: openprovidertest.TooManyRequests, RetryAfter: "4", Method: http.MethodPut})
	st, err := a.Submit(context.Background(), request(15, "example.com"))
	if e := wantKind(t, err, registrars.KindRateLimited); e.RetryAfter != 4*time.Second {
		t.Errorf("retry after %s", e.RetryAfter)
	}
	if st.State != "" {
		t.Errorf("status %+v for a rate-limited submit", st)
	}
	if !strings.Contains(err.Error(), "example.com") {
		t.Errorf("error %q does not name the domain", err)
	}
}

func TestStatusCancelAndADeferredChange(t *testing.T) {
	f := newFixture(t)
	f.fake.AddDomain("example.com", "Jan de Vries")
	f.fake.Defer("example.com")
	a := newAdapter(t, f)
	ctx := context.Background()
	r := request(16, "example.com")

	st, err := a.Submit(ctx, r)
	if err != nil || st.State != registrars.Pending || st.Reference == "" {
		t.Fatalf("submit: %+v %v", st, err)
	}
	if st2, err := a.Status(ctx, r, st.Reference); err != nil || st2.State != registrars.Pending {
		t.Fatalf("status while deferred: %+v %v", st2, err)
	}
	f.fake.Activate("example.com")
	if st2, err := a.Status(ctx, r, st.Reference); err != nil || st2.State != registrars.Completed {
		t.Fatalf("status after activation: %+v %v", st2, err)
	}
	// Done: too late to cancel.
	err = a.Cancel(ctx, r, st.Reference)
	wantKind(t, err, registrars.KindRejected)
	if d, _ := f.fake.Domain("example.com"); !d.PrivateWhois {
		t.Error("Cancel switched privacy off after completion")
	}
}

func TestCancelWithdrawsAPendingChange(t *testing.T) {
	f := newFixture(t)
	f.fake.AddDomain("example.com", "Jan de Vries")
	f.fake.Defer("example.com")
	a := newAdapter(t, f)
	ctx := context.Background()
	r := request(17, "example.com")
	st, err := a.Submit(ctx, r)
	if err != nil || st.State != registrars.Pending {
		t.Fatalf("submit: %+v %v", st, err)
	}
	if err := a.Cancel(ctx, r, st.Reference); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	f.fake.Activate("example.com") // nothing left to carry out
	if d, _ := f.fake.Domain("example.com"); d.PrivateWhois {
		t.Error("privacy came on after the cancel")
	}
	if st, err := a.Status(ctx, r, st.Reference); err != nil || st.State != registrars.Pending {
		t.Errorf("status after cancel: %+v %v", st, err)
	}
}

func TestStatusFindsTheDomainWithoutAReference(t *testing.T) {
	f := newFixture(t)
	f.fake.AddDomain("example.com", "Jan de Vries")
	f.fake.SetPrivateWhois("example.com", true)
	other := f.fake.AddDomain("other.com", "Piet Jansen")
	a := newAdapter(t, f)
	ctx := context.Background()
	r := request(18, "example.com")
	for _, ref := range []string{"", "not-a-number", "-3"} {
		if st, err := a.Status(ctx, r, ref); err != nil || st.State != registrars.Completed {
			t.Errorf("reference %q: %+v %v", ref, st, err)
		}
	}
	// A reference to another domain is refused, not believed.
	_, err := a.Status(ctx, r, itoa(other))
	wantKind(t, err, registrars.KindRejected)
	err = a.Cancel(ctx, r, itoa(other))
	wantKind(t, err, registrars.KindRejected)
	if n := f.fake.Count(http.MethodPut, "/v1beta/domains/*"); n != 0 {
		t.Errorf("%d PUTs, want 0", n)
	}
}

func TestStatusOfAVanishedDomain(t *testing.T) {
	f := newFixture(t)
	f.fake.AddDomain("example.com", "Jan de Vries")
	_, err := newAdapter(t, f).Status(context.Background(), request(19, "example.com"), "424242")
	if e := wantKind(t, err, registrars.KindRejected); e.Code != "320" {
		t.Errorf("code %q", e.Code)
	}
}
