package staffauth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// ErrBusy says every slot for checking passwords stayed taken while the
// caller waited: refuse the attempt and let it come back later.
var ErrBusy = errors.New("too many passwords being checked at once")

// Checker checks passwords at sign-in. Each check costs argon2id's memory
// (64 MiB by default), so at most Slots run at once and the rest wait up to
// Wait before ErrBusy; and a name without a usable account is checked
// against a dummy hash of the same cost, so that every name costs the same
// work and takes the same time. The zero Checker is ready to use; it must
// not be copied once used.
type Checker struct {
	// Slots is how many checks may run at once (2 when zero).
	Slots int
	// Wait is how long a check waits for a slot (2 s when zero).
	Wait time.Duration
	// Params are the costs of the dummy hash and of hashes renewed at
	// sign-in (Default when zero).
	Params Params
	// Verify checks a password against an encoded hash (staffauth.Verify
	// when nil); tests count its calls.
	Verify func(encoded, password string) bool

	once  sync.Once
	slots chan struct{}
}

func (c *Checker) init() {
	c.once.Do(c.setDefaults)
}

func (c *Checker) setDefaults() {
	if c.Slots <= 0 {
		c.Slots = 2
	}
	if c.Wait <= 0 {
		c.Wait = 2 * time.Second
	}
	if c.Params == (Params{}) {
		c.Params = Default
	}
	if c.Verify == nil {
		c.Verify = Verify
	}
	c.slots = make(chan struct{}, c.Slots)
}

// Check reports whether password matches encoded, the stored hash of an
// account that may sign in; encoded is empty for an unknown or disabled
// account, which is checked against a dummy hash and matches nothing. When
// the password matches a hash made with other costs than the checker's,
// renewed is a fresh hash to store. ErrBusy (or the context's error) when
// no slot came free in time: nothing was checked.
func (c *Checker) Check(ctx context.Context, encoded, password string) (ok bool, renewed string, err error) {
	c.init()
	wait := time.NewTimer(c.Wait)
	defer wait.Stop()
	select {
	case c.slots <- struct{}{}:
	case <-wait.C:
		return false, "", ErrBusy
	case <-ctx.Done():
		return false, "", ctx.Err()
	}
	defer func() { <-c.slots }()
	if encoded == "" {
		c.Verify(c.dummy(), password)
		return false, "", nil
	}
	if !c.Verify(encoded, password) {
		return false, "", nil
	}
	if NeedsRehash(encoded, c.Params) {
		renewed = Hash(password, c.Params)
	}
	return true, renewed, nil
}

// dummy is a well-formed hash at the checker's costs that no password
// matches (its key is not argon2id's output for any password we know), so
// checking against it costs what a real check costs without hashing
// anything in advance.
func (c *Checker) dummy() string {
	salt, key := make([]byte, saltLen), make([]byte, keyLen)
	for i := range salt {
		salt[i] = byte(i)
	}
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.Params.Memory, c.Params.Time,
		c.Params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}
