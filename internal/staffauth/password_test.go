package staffauth_test

import (
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/staffauth"
)

var cheap = staffauth.Params{Memory: 8 * 1024, Time: 1, Threads: 1}

func TestHashAndVerify(t *testing.T) {
	h := staffauth.Hash("correct horse battery", cheap)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=8192,t=1,p=1$") {
		t.Errorf("hash %q", h)
	}
	if !staffauth.Verify(h, "correct horse battery") {
		t.Error("the right password does not match")
	}
	for _, wrong := range []string{"", "correct horse batter", "correct horse battery ", "Correct horse battery"} {
		if staffauth.Verify(h, wrong) {
			t.Errorf("%q matches", wrong)
		}
	}
	if h2 := staffauth.Hash("correct horse battery", cheap); h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	if staffauth.NeedsRehash(h, cheap) || !staffauth.NeedsRehash(h, staffauth.Default) {
		t.Error("NeedsRehash")
	}
}

func TestVerifyRefusesMalformedHashes(t *testing.T) {
	good := staffauth.Hash("correct horse battery", cheap)
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":      "",
		"bcrypt":     "$2a$10$abcdefghijklmnopqrstuuE0nD6/6Ym1sX8Zm7lqQ4zYq6r8lq2a",
		"argon2i":    strings.Replace(good, "argon2id", "argon2i", 1),
		"version":    strings.Replace(good, "v=19", "v=16", 1),
		"huge cost":  strings.Join([]string{"", parts[1], parts[2], "m=99999999,t=1,p=1", parts[4], parts[5]}, "$"),
		"no salt":    strings.Join([]string{"", parts[1], parts[2], parts[3], "", parts[5]}, "$"),
		"bad base64": strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!!", parts[5]}, "$"),
		"short":      strings.Join(parts[:5], "$"),
	} {
		if staffauth.Verify(h, "correct horse battery") {
			t.Errorf("%s: %q matches", name, h)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for p, ok := range map[string]bool{"short": false, "twelve chars": true, strings.Repeat("x", 257): false, "\xff\xfe twelve chars": false} {
		if err := staffauth.CheckPassword(p); (err == nil) != ok {
			t.Errorf("%q: %v", p, err)
		}
	}
}

func TestTokens(t *testing.T) {
	a, ha := staffauth.NewToken()
	b, _ := staffauth.NewToken()
	if a == b || len(a) < 43 || ha != staffauth.TokenHash(a) || ha == a {
		t.Errorf("tokens %q %q, hash %q", a, b, ha)
	}
}
