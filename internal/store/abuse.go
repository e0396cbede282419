package store

import (
	"context"
	"time"
)

// AbuseBlock is a client blocked for misbehaving, by the keyed hash of its
// address.
type AbuseBlock struct {
	ID         int64
	ClientHash string
	Reason     string
	CreatedAt  time.Time
	CreatedBy  string
}

// BlockClients blocks the hashes (of one address under each client key);
// a hash blocked already stays as it was. It returns how many were new.
func (tx *Tx) BlockClients(ctx context.Context, hashes []string, reason, by string) (int64, error) {
	var n int64
	for _, h := range hashes {
		k, err := tx.q.Exec(ctx, tx.sql.InsertAbuseBlock, h, reason, tx.now, by)
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}

// UnblockClients lifts the blocks of the hashes; it returns how many there
// were.
func (tx *Tx) UnblockClients(ctx context.Context, hashes []string) (int64, error) {
	var n int64
	for _, h := range hashes {
		k, err := tx.q.Exec(ctx, tx.sql.DeleteAbuseBlock, h)
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}

// AbuseBlocks lists the blocks, oldest first.
func (r reader) AbuseBlocks(ctx context.Context) ([]AbuseBlock, error) {
	return collect(ctx, r.q, r.sql.ListAbuseBlocks, nil, func(row Row) (AbuseBlock, error) {
		var b AbuseBlock
		err := row.Scan(&b.ID, &b.ClientHash, &b.Reason, timeValue{&b.CreatedAt}, &b.CreatedBy)
		return b, err
	})
}
