package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

// PriceTable is one version of the price table: who imported it, when,
// from which file, the SHA-256 of its rows in canonical form, and the rows.
type PriceTable struct {
	Version    int64
	ImportedAt time.Time
	ImportedBy model.Actor
	SourceFile string
	SHA256     string
	Rows       []model.PriceRow // by TLD, then registrar
}

// LockPriceTables keeps other transactions from adding a version until
// this one ends, so that two imports of the same file make one version.
func (tx *Tx) LockPriceTables(ctx context.Context) error {
	if _, err := tx.q.Exec(ctx, tx.sql.LockPriceTables); err != nil {
		return fmt.Errorf("lock price tables: %w", err)
	}
	return nil
}

// InsertPriceTable adds a version after the newest, with its rows, at the
// time of the transaction; it sets p.Version and p.ImportedAt.
func (tx *Tx) InsertPriceTable(ctx context.Context, p *PriceTable) error {
	err := tx.q.QueryRow(ctx, tx.sql.InsertPriceTable, tx.now, string(p.ImportedBy.Kind), p.ImportedBy.ID,
		p.SourceFile, p.SHA256).Scan(&p.Version)
	if err != nil {
		return fmt.Errorf("insert price table: %w", err)
	}
	for _, r := range p.Rows {
		if _, err := tx.q.Exec(ctx, tx.sql.InsertPriceTableRow, p.Version, r.TLD, r.Registrar,
			int64(r.RegistrarCost), int64(r.ServiceFee)); err != nil {
			return fmt.Errorf("insert price table %d, .%s at %s: %w", p.Version, r.TLD, r.Registrar, err)
		}
	}
	p.ImportedAt = tx.now
	return nil
}

// CurrentPriceTable returns the newest version of the price table; not
// found when none has been imported.
func (r reader) CurrentPriceTable(ctx context.Context) (PriceTable, error) {
	p, err := r.priceTable(ctx, r.q.QueryRow(ctx, r.sql.CurrentPriceTable))
	if errors.Is(err, ErrNoRows) {
		return p, model.Errorf(model.KindNotFound, "no price table has been imported")
	}
	return p, err
}

// PriceTableVersion returns a version of the price table.
func (r reader) PriceTableVersion(ctx context.Context, version int64) (PriceTable, error) {
	p, err := r.priceTable(ctx, r.q.QueryRow(ctx, r.sql.PriceTableByVersion, version))
	if errors.Is(err, ErrNoRows) {
		return p, model.Errorf(model.KindNotFound, "price table version %d not found", version)
	}
	return p, err
}

func (r reader) priceTable(ctx context.Context, row Row) (PriceTable, error) {
	var p PriceTable
	var kind string
	err := row.Scan(&p.Version, timeValue{&p.ImportedAt}, &kind, &p.ImportedBy.ID, &p.SourceFile, &p.SHA256)
	if errors.Is(err, ErrNoRows) {
		return p, err
	}
	if err != nil {
		return p, fmt.Errorf("price table: %w", err)
	}
	p.ImportedBy.Kind = model.ActorKind(kind)
	p.Rows, err = collect(ctx, r.q, r.sql.PriceTableRows, []any{p.Version}, func(row Row) (model.PriceRow, error) {
		var pr model.PriceRow
		var cost, fee int64
		err := row.Scan(&pr.TLD, &pr.Registrar, &cost, &fee)
		pr.RegistrarCost, pr.ServiceFee = model.Cents(cost), model.Cents(fee)
		return pr, err
	})
	if err != nil {
		return p, fmt.Errorf("price table %d: %w", p.Version, err)
	}
	// Sorted here, not by the backends' collations, which differ on "*".
	slices.SortFunc(p.Rows, func(a, b model.PriceRow) int {
		return strings.Compare(a.TLD+"/"+a.Registrar, b.TLD+"/"+b.Registrar)
	})
	return p, nil
}
