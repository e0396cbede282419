package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

// Digest is a stored summary for staff of what the scans found changed in
// a period. Body is JSON made by the scan package.
type Digest struct {
	ID          int64
	ProducedAt  time.Time
	PeriodStart time.Time
	PeriodEnd   time.Time
	Body        string
}

// InsertDigest stores a digest.
func (tx *Tx) InsertDigest(ctx context.Context, d *Digest) error {
	d.ProducedAt = tx.now
	err := tx.q.QueryRow(ctx, tx.sql.InsertDigest, d.ProducedAt, d.PeriodStart.UTC(), d.PeriodEnd.UTC(), d.Body).Scan(&d.ID)
	if err != nil {
		return fmt.Errorf("insert digest: %w", err)
	}
	return nil
}

// LatestDigest returns the newest digest.
func (r reader) LatestDigest(ctx context.Context) (Digest, error) {
	var d Digest
	err := r.q.QueryRow(ctx, r.sql.LatestDigest).Scan(&d.ID, timeValue{&d.ProducedAt}, timeValue{&d.PeriodStart},
		timeValue{&d.PeriodEnd}, &d.Body)
	if errors.Is(err, ErrNoRows) {
		return d, model.Errorf(model.KindNotFound, "no digest has been produced yet")
	}
	if err != nil {
		return d, fmt.Errorf("latest digest: %w", err)
	}
	return d, nil
}
