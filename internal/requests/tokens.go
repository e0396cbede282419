package requests

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// newToken returns a fresh approval token — 256 random bits, URL-safe — and
// the hash that is all the database keeps of it.
func newToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read does not fail
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, TokenHash(token)
}

// TokenHash is the stored form of an approval token.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// WellFormedToken reports whether s could be a token at all, so that
// garbage is turned away before the database is asked.
func WellFormedToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// Keys are the secrets the request flow signs with.
type Keys struct {
	// Client keys the hash of client addresses (consent records, rate
	// limits, sign-in limits, abuse blocks).
	Client []byte
	// PreviousClient are client keys rotated out: blocks made under them
	// still hold until they are dropped from the configuration.
	PreviousClient [][]byte
	// CSRF keys the tokens of the approval forms.
	CSRF []byte
}

// ClientHash is the keyed hash of a client address: enough to match abuse,
// not to learn the address.
func (k Keys) ClientHash(address string) string {
	if address == "" {
		return ""
	}
	m := hmac.New(sha256.New, k.Client)
	m.Write([]byte(address))
	return hex.EncodeToString(m.Sum(nil))
}

// ClientHashes are the hashes of a client address under the current key
// and each previous one, current first.
func (k Keys) ClientHashes(address string) []string {
	if address == "" {
		return nil
	}
	out := []string{k.ClientHash(address)}
	for _, key := range k.PreviousClient {
		out = append(out, Keys{Client: key}.ClientHash(address))
	}
	return out
}

// CSRFToken is the form token for an approval link: bound to the link,
// unknowable without the key.
func (k Keys) CSRFToken(tokenHash string) string {
	m := hmac.New(sha256.New, k.CSRF)
	m.Write([]byte("approve:" + tokenHash))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ValidCSRF checks a form token in constant time.
func (k Keys) ValidCSRF(tokenHash, got string) bool {
	return hmac.Equal([]byte(k.CSRFToken(tokenHash)), []byte(got))
}
