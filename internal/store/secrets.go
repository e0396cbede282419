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

// StaffToken is a staff API token's stored part: its hash and whose it is.
type StaffToken struct {
	ID         int64
	Name       string
	Hash       string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// InsertStaffToken stores a new token's hash.
func (tx *Tx) InsertStaffToken(ctx context.Context, t *StaffToken) error {
	t.CreatedAt = tx.now
	return tx.q.QueryRow(ctx, tx.sql.InsertStaffToken, t.Name, t.Hash, tx.now).Scan(&t.ID)
}

// StaffTokenByHash finds a token that is not revoked and notes its use.
func (s *Store) StaffTokenByHash(ctx context.Context, hash string) (StaffToken, error) {
	var t StaffToken
	err := s.drv.QueryRow(ctx, s.sql.StaffTokenByHash, hash).Scan(&t.ID, &t.Name, &t.Hash, timeValue{&t.CreatedAt},
		timeValue{&t.LastUsedAt}, timeValue{&t.RevokedAt})
	if errors.Is(err, ErrNoRows) || (err == nil && !t.RevokedAt.IsZero()) {
		return StaffToken{}, model.Errorf(model.KindUnauthorised, "unknown or revoked token")
	}
	if err != nil {
		return t, err
	}
	_, _ = s.drv.Exec(ctx, s.sql.TouchStaffToken, t.ID, s.now())
	return t, nil
}

// StaffTokens lists every token, revoked ones included.
func (r reader) StaffTokens(ctx context.Context) ([]StaffToken, error) {
	return collect(ctx, r.q, r.sql.ListStaffTokens, nil, func(row Row) (StaffToken, error) {
		var t StaffToken
		err := row.Scan(&t.ID, &t.Name, &t.Hash, timeValue{&t.CreatedAt}, timeValue{&t.LastUsedAt}, timeValue{&t.RevokedAt})
		return t, err
	})
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
