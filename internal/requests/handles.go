package requests

import (
	"context"

	"github.com/afscherm/afscherm/internal/store"
)

// Handles keeps in the store the handles parties gave to our own contacts
// (SIDN's role contact), for the adapters (sidn.HandleStore).
type Handles struct{ Store *store.Store }

// Get returns the handle kept for the purpose, or "".
func (h Handles) Get(ctx context.Context, party, purpose string) (string, error) {
	return h.Store.PartyHandle(ctx, party, purpose)
}

// Put keeps handle in place of old and returns the handle kept now.
func (h Handles) Put(ctx context.Context, party, purpose, old, handle string) (string, error) {
	return h.Store.PutPartyHandle(ctx, party, purpose, old, handle)
}
