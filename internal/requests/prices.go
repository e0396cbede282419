package requests

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/quote"
	"github.com/afscherm/afscherm/internal/store"
)

// Prices is the price table in effect: the newest version in the store,
// read anew each time it is asked, so that every process quotes from the
// same table and an import reaches them all at once. It is the quote.Source
// of the service and of the adapters (adapters.Deps.Prices).
type Prices struct{ Store *store.Store }

// PriceTable returns the newest version, or an error that says how to
// import one.
func (p Prices) PriceTable(ctx context.Context) (*quote.PriceTable, error) {
	v, err := p.Store.CurrentPriceTable(ctx)
	if model.IsKind(err, model.KindNotFound) {
		return nil, model.Errorf(model.KindInvalid, "no price table has been imported: run 'afscherm prices import FILE' (or give --price-table FILE)")
	}
	if err != nil {
		return nil, err
	}
	return quote.NewPriceTable(v.Version, v.Rows), nil
}

// PriceImport is what importing a price table did.
type PriceImport struct {
	Table store.PriceTable
	// Created is false when the file held the prices of the newest
	// version already: Table is that version, and nothing was written.
	Created bool
}

// ImportPrices reads a price table (the CSV of quote.ReadPriceTable) and
// makes it the newest version, with its audit event, in one transaction:
// a file with any bad row writes nothing. A file with the same prices as
// the newest version makes no new version. name is the file's name as
// the version records it.
func ImportPrices(ctx context.Context, st *store.Store, r io.Reader, name string, by model.Actor) (PriceImport, error) {
	pt, err := quote.ReadPriceTable(r, name)
	if err != nil {
		return PriceImport{}, err
	}
	if len(pt.Rows()) == 0 {
		return PriceImport{}, model.Errorf(model.KindInvalid, "price table %s: has no prices", name)
	}
	in := store.PriceTable{ImportedBy: by, SourceFile: name, SHA256: pt.SHA256(), Rows: pt.Rows()}
	var out PriceImport
	err = st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.LockPriceTables(ctx); err != nil {
			return err
		}
		current, err := tx.CurrentPriceTable(ctx)
		if err == nil && current.SHA256 == in.SHA256 {
			out = PriceImport{Table: current}
			return nil
		}
		if err != nil && !model.IsKind(err, model.KindNotFound) {
			return err
		}
		if err := tx.InsertPriceTable(ctx, &in); err != nil {
			return err
		}
		_, err = tx.AddAuditEvent(ctx, model.AuditEvent{Actor: by, Action: "prices.imported", SubjectKind: "price_table",
			SubjectID: strconv.FormatInt(in.Version, 10), Details: map[string]any{"source_file": name,
				"content_sha256": in.SHA256, "rows": len(in.Rows), "previous_version": current.Version}})
		out = PriceImport{Table: in, Created: true}
		return err
	})
	if err != nil {
		return PriceImport{}, fmt.Errorf("import price table %s: %w", name, err)
	}
	return out, nil
}

// ImportPriceFile imports a price table file (ImportPrices); the version
// records the path as given.
func ImportPriceFile(ctx context.Context, st *store.Store, path string, by model.Actor) (PriceImport, error) {
	f, err := os.Open(path)
	if err != nil {
		return PriceImport{}, model.Errorf(model.KindInvalid, "price table: %v", err)
	}
	defer f.Close()
	return ImportPrices(ctx, st, f, path, by)
}
