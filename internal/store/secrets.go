package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

// Secret returns the named secret, making and storing it with generate the
// first time, so that every process of one installation uses the same.
func (s *Store) Secret(ctx context.Context, name string, generate func() (string, error)) (string, error) {
	var v string
	err := s.drv.QueryRow(ctx, s.sql.SecretByName, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, ErrNoRows) {
		return "", fmt.Errorf("secret %s: %w", name, err)
	}
	fresh, err := generate()
	if err != nil {
		return "", err
	}
	if _, err := s.drv.Exec(ctx, s.sql.InsertSecret, name, fresh, s.now()); err != nil {
		return "", fmt.Errorf("secret %s: %w", name, err)
	}
	// Another process may have made it first: read what won.
	if err := s.drv.QueryRow(ctx, s.sql.SecretByName, name).Scan(&v); err != nil {
		return "", fmt.Errorf("secret %s: %w", name, err)
	}
	return v, nil
}

// DefaultStaffTokenTTL is how long a staff API token works when its
// maker gives no expiry.
const DefaultStaffTokenTTL = 90 * 24 * time.Hour

// StaffTokenTouch is how stale a token's last use may be before a use
// writes it again: once a minute at most, not a write per request.
const StaffTokenTouch = time.Minute

// StaffToken is a staff API token's stored part: its hash, the account it
// belongs to, and when it expires.
type StaffToken struct {
	ID     int64
	UserID int64  // the account; zero for a token made before tokens had one (revoked)
	Name   string // the account's name, the actor of what the token does
	Hash   string
	// ExpiresAt is when the token stops working; InsertStaffToken sets
	// DefaultStaffTokenTTL from now when it is zero.
	ExpiresAt  time.Time
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// InsertStaffToken stores a new token's hash for the account named
// t.Name, which must exist and not be disabled.
func (tx *Tx) InsertStaffToken(ctx context.Context, t *StaffToken) error {
	u, err := tx.StaffUser(ctx, t.Name)
	if model.IsKind(err, model.KindNotFound) {
		return model.Errorf(model.KindNotFound, "no staff member named %s: a token belongs to an account (staff add)", t.Name)
	}
	if err != nil {
		return err
	}
	if !u.DisabledAt.IsZero() {
		return model.Errorf(model.KindConflict, "the account %s is disabled: it gets no token", t.Name)
	}
	if t.ExpiresAt.IsZero() {
		t.ExpiresAt = tx.now.Add(DefaultStaffTokenTTL)
	}
	if !t.ExpiresAt.After(tx.now) {
		return model.Errorf(model.KindInvalid, "a token must expire after it is made")
	}
	t.UserID, t.CreatedAt = u.ID, tx.now
	return tx.q.QueryRow(ctx, tx.sql.InsertStaffToken, t.Name, t.Hash, tx.now, u.ID, t.ExpiresAt.UTC()).Scan(&t.ID)
}

// StaffTokenByHash finds a token that works — not revoked, not expired, of
// an account that is not disabled — and notes its use, at most once every
// StaffTokenTouch.
func (s *Store) StaffTokenByHash(ctx context.Context, hash string) (StaffToken, error) {
	now := s.now()
	t, err := scanStaffToken(s.drv.QueryRow(ctx, s.sql.StaffTokenByHash, hash, now))
	if errors.Is(err, ErrNoRows) {
		return StaffToken{}, model.Errorf(model.KindUnauthorised, "unknown, revoked or expired token")
	}
	return t, err
}

// TouchStaffToken records a token's use, at most once per StaffTokenTouch
// (a write per request would be too many).
func (s *Store) TouchStaffToken(ctx context.Context, t StaffToken) error {
	now := s.now()
	if now.Sub(t.LastUsedAt) < StaffTokenTouch {
		return nil
	}
	_, err := s.drv.Exec(ctx, s.sql.TouchStaffToken, t.ID, now, now.Add(-StaffTokenTouch))
	return err
}

func scanStaffToken(row Row) (StaffToken, error) {
	var t StaffToken
	var user *int64
	err := row.Scan(&t.ID, &user, &t.Name, &t.Hash, timeValue{&t.CreatedAt}, timeValue{&t.ExpiresAt},
		timeValue{&t.LastUsedAt}, timeValue{&t.RevokedAt})
	if user != nil {
		t.UserID = *user
	}
	return t, err
}

// StaffTokens lists every token, revoked and expired ones included.
func (r reader) StaffTokens(ctx context.Context) ([]StaffToken, error) {
	return collect(ctx, r.q, r.sql.ListStaffTokens, nil, scanStaffToken)
}

// RevokeStaffToken revokes a token by id.
func (tx *Tx) RevokeStaffToken(ctx context.Context, id int64) error {
	n, err := tx.q.Exec(ctx, tx.sql.RevokeStaffToken, id, tx.now)
	if err != nil {
		return err
	}
	if n == 0 {
		return model.Errorf(model.KindNotFound, "token %d not found or already revoked", id)
	}
	return nil
}

// revokeUserStaffTokens revokes every token of an account: it is disabled,
// and its tokens stay dead should it ever be enabled again.
func (tx *Tx) revokeUserStaffTokens(ctx context.Context, userID int64) error {
	_, err := tx.q.Exec(ctx, tx.sql.RevokeUserStaffTokens, userID, tx.now)
	return err
}
