// Package staffauth is how staff prove who they are: passwords hashed with
// argon2id (RFC 9106) in the PHC string format, and session tokens of which
// only a hash is stored.
package staffauth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's costs. Default follows RFC 9106's second
// recommended option (64 MiB, 3 passes), with 2 lanes for this machine class.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// Default are the costs new hashes get.
var Default = Params{Memory: 64 * 1024, Time: 3, Threads: 2}

const (
	saltLen = 16
	keyLen  = 32
	// MinPassword and MaxPassword bound a password's length in characters.
	MinPassword = 12
	MaxPassword = 256
)

var b64 = base64.RawStdEncoding

// CheckPassword says why a new password is not acceptable; nil when it is.
func CheckPassword(p string) error {
	n := utf8.RuneCountInString(p)
	switch {
	case !utf8.ValidString(p):
		return fmt.Errorf("the password is not valid UTF-8")
	case n < MinPassword:
		return fmt.Errorf("the password must be at least %d characters", MinPassword)
	case n > MaxPassword:
		return fmt.Errorf("the password must be at most %d characters", MaxPassword)
	}
	return nil
}

// Hash hashes a password with a fresh salt:
// $argon2id$v=19$m=65536,t=3,p=2$SALT$KEY.
func Hash(password string, p Params) string {
	salt := make([]byte, saltLen)
	rand.Read(salt) //nolint:errcheck // crypto/rand.Read does not fail
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether password matches the encoded hash, in time that
// does not depend on where they differ. A malformed hash matches nothing.
func Verify(encoded, password string) bool {
	p, salt, key, ok := decode(encoded)
	if !ok {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// NeedsRehash reports whether a hash was made with other costs than p.
func NeedsRehash(encoded string, p Params) bool {
	got, _, _, ok := decode(encoded)
	return !ok || got != p
}

func decode(encoded string) (p Params, salt, key []byte, ok bool) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, false
	}
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); n != 3 || err != nil {
		return p, nil, nil, false
	}
	if p.Memory < 8*1024 || p.Memory > 4*1024*1024 || p.Time < 1 || p.Time > 100 || threads < 1 || threads > 255 {
		return p, nil, nil, false // refuse costs that would make checking a denial of service
	}
	p.Threads = uint8(threads)
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, false
	}
	return p, salt, key, true
}

// NewToken returns a session token (256 random bits) and the hash that is
// stored in its place.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read does not fail
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, TokenHash(token)
}

// TokenHash is the stored form of a session token.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
