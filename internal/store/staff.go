package store

import (
	"context"
	"errors"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

// StaffUser is a console account. PasswordHash is an encoded argon2id hash,
// never the password.
type StaffUser struct {
	ID           int64
	Name         string
	PasswordHash string
	CreatedAt    time.Time
	DisabledAt   time.Time // zero while the account may sign in
}

// Session is a signed-in staff member's session; only the hash of its
// cookie's token is stored.
type Session struct {
	ID         int64
	UserID     int64
	UserName   string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
}

func scanStaffUser(row Row) (StaffUser, error) {
	var u StaffUser
	err := row.Scan(&u.ID, &u.Name, &u.PasswordHash, timeValue{&u.CreatedAt}, timeValue{&u.DisabledAt})
	return u, err
}

// InsertStaffUser adds an account; a taken name is a conflict.
func (tx *Tx) InsertStaffUser(ctx context.Context, u *StaffUser) error {
	u.CreatedAt = tx.now
	err := tx.q.QueryRow(ctx, tx.sql.InsertStaffUser, u.Name, u.PasswordHash, tx.now).Scan(&u.ID)
	if model.IsKind(err, model.KindConflict) {
		return model.Errorf(model.KindConflict, "a staff member named %s exists already", u.Name)
	}
	return err
}

// StaffUser finds an account by name, disabled ones included.
func (r reader) StaffUser(ctx context.Context, name string) (StaffUser, error) {
	u, err := scanStaffUser(r.q.QueryRow(ctx, r.sql.StaffUserByName, name))
	if errors.Is(err, ErrNoRows) {
		return StaffUser{}, model.Errorf(model.KindNotFound, "no staff member named %s", name)
	}
	return u, err
}

// StaffUsers lists every account by name.
func (r reader) StaffUsers(ctx context.Context) ([]StaffUser, error) {
	return collect(ctx, r.q, r.sql.ListStaffUsers, nil, scanStaffUser)
}

// SetStaffPassword replaces an account's password hash and ends its
// sessions.
func (tx *Tx) SetStaffPassword(ctx context.Context, id int64, hash string) error {
	if _, err := tx.q.Exec(ctx, tx.sql.SetStaffPassword, id, hash, tx.now); err != nil {
		return err
	}
	_, err := tx.q.Exec(ctx, tx.sql.DeleteUserSessions, id)
	return err
}

// DisableStaffUser stops an account from signing in, ends its sessions
// and revokes its staff API tokens.
func (tx *Tx) DisableStaffUser(ctx context.Context, id int64) error {
	n, err := tx.q.Exec(ctx, tx.sql.DisableStaffUser, id, tx.now)
	if err != nil {
		return err
	}
	if n == 0 {
		return model.Errorf(model.KindConflict, "the account is disabled already")
	}
	if _, err = tx.q.Exec(ctx, tx.sql.DeleteUserSessions, id); err != nil {
		return err
	}
	return tx.revokeUserStaffTokens(ctx, id)
}

// InsertSession starts a session that ends at expires.
func (tx *Tx) InsertSession(ctx context.Context, hash string, userID int64, expires time.Time) error {
	var id int64
	if _, err := tx.q.Exec(ctx, tx.sql.DeleteExpiredSessions, tx.now); err != nil {
		return err
	}
	return tx.q.QueryRow(ctx, tx.sql.InsertSession, hash, userID, tx.now, expires.UTC()).Scan(&id)
}

// SessionByHash finds a live session of an enabled account and notes that
// it was seen.
func (s *Store) SessionByHash(ctx context.Context, hash string) (Session, error) {
	var x Session
	err := s.drv.QueryRow(ctx, s.sql.SessionByHash, hash, s.now()).Scan(&x.ID, &x.UserID, &x.UserName,
		timeValue{&x.CreatedAt}, timeValue{&x.ExpiresAt}, timeValue{&x.LastSeenAt})
	if errors.Is(err, ErrNoRows) {
		return Session{}, model.Errorf(model.KindUnauthorised, "not signed in, or the session has ended")
	}
	if err != nil {
		return Session{}, err
	}
	_, _ = s.drv.Exec(ctx, s.sql.TouchSession, x.ID, s.now())
	return x, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	_, err := s.drv.Exec(ctx, s.sql.DeleteSession, hash)
	return err
}

// SignInFailures counts the failed sign-ins under key since a time, after
// recording one more when failed is set.
func (s *Store) SignInFailures(ctx context.Context, key string, since time.Time, failed bool) (int, error) {
	if failed {
		if _, err := s.drv.Exec(ctx, s.sql.InsertSignInFailure, key, s.now()); err != nil {
			return 0, err
		}
	}
	var n int
	err := s.drv.QueryRow(ctx, s.sql.CountSignInFailures, key, since.UTC()).Scan(&n)
	return n, err
}

// ClearSignInFailures forgets a key's failures (after a good sign-in) and
// every failure older than before.
func (s *Store) ClearSignInFailures(ctx context.Context, key string, before time.Time) error {
	_, err := s.drv.Exec(ctx, s.sql.ClearSignInFailures, key, before.UTC())
	return err
}
