package store

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// SignInAttempt is a sign-in whose password is being checked: it counts as
// a failure under each of its keys until ForgiveSignIn takes it back.
type SignInAttempt struct {
	ids []int64
}

// StartSignIn counts a sign-in attempt as a failure under every key before
// its password is checked, in one transaction that holds each key's lock
// while it counts, so that concurrent attempts cannot all slip under the
// limit. When a key has limit failures since `since` already, nothing is
// recorded and full is that key.
func (s *Store) StartSignIn(ctx context.Context, keys []string, since time.Time, limit int) (a SignInAttempt, full string, err error) {
	keys = slices.Sorted(slices.Values(keys)) // one order of locks for everyone
	err = s.InTx(ctx, func(tx *Tx) error {
		a, full = SignInAttempt{}, ""
		for _, k := range keys {
			if _, err := tx.q.Exec(ctx, tx.sql.LockSignInKey, k); err != nil {
				return fmt.Errorf("lock sign-in key: %w", err)
			}
		}
		for _, k := range keys {
			var n int
			if err := tx.q.QueryRow(ctx, tx.sql.CountSignInFailures, k, since.UTC()).Scan(&n); err != nil {
				return fmt.Errorf("count sign-in failures: %w", err)
			}
			if n >= limit {
				full = k
				return nil
			}
		}
		for _, k := range keys {
			var id int64
			if err := tx.q.QueryRow(ctx, tx.sql.InsertSignInAttempt, k, tx.now).Scan(&id); err != nil {
				return fmt.Errorf("record sign-in attempt: %w", err)
			}
			a.ids = append(a.ids, id)
		}
		return nil
	})
	return a, full, err
}

// ForgiveSignIn takes back an attempt's count under every key: its password
// was right, or it was never checked.
func (s *Store) ForgiveSignIn(ctx context.Context, a SignInAttempt) error {
	return s.InTx(ctx, func(tx *Tx) error {
		for _, id := range a.ids {
			if _, err := tx.q.Exec(ctx, tx.sql.DeleteSignInAttempt, id); err != nil {
				return fmt.Errorf("forgive sign-in attempt: %w", err)
			}
		}
		return nil
	})
}
