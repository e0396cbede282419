package store

import (
	"context"
	"errors"
	"fmt"
)

// PartyHandle returns the handle a party gave to one of our own contacts
// (SIDN's role contact), by party and purpose; "" when none is kept.
func (s *Store) PartyHandle(ctx context.Context, party, purpose string) (string, error) {
	var h string
	err := s.drv.QueryRow(ctx, s.sql.PartyHandle, party, purpose).Scan(&h)
	if errors.Is(err, ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("handle of %s's %s: %w", party, purpose, err)
	}
	return h, nil
}

// PutPartyHandle keeps handle in place of old ("" when none was kept) and
// returns the handle kept now. When another process changed it first (old
// no longer matches), its handle stays and is returned, so that every
// process goes on with one contact.
func (s *Store) PutPartyHandle(ctx context.Context, party, purpose, old, handle string) (string, error) {
	if party == "" || purpose == "" || handle == "" {
		return "", fmt.Errorf("party handle: party, purpose and handle are required")
	}
	if _, err := s.drv.Exec(ctx, s.sql.PutPartyHandle, party, purpose, old, handle, s.now()); err != nil {
		return "", fmt.Errorf("keep handle of %s's %s: %w", party, purpose, err)
	}
	return s.PartyHandle(ctx, party, purpose)
}
