package storetest

import (
	"context"

	"github.com/afscherm/afscherm/internal/store"
)

// Exec runs raw SQL in a transaction, for tests that must put a database in a
// state the store's own methods refuse to create.
func Exec(ctx context.Context, st *store.Store, sql string, args ...any) error {
	return st.RawExec(ctx, sql, args...)
}
