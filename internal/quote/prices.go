package quote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/afscherm/afscherm/internal/csvimport"
	"github.com/afscherm/afscherm/internal/model"
)

// PriceTable gives the price of shielding a domain by its TLD and our
// registrar of record, until the registrar adapters report their own cost.
type PriceTable struct {
	// Version is the version in the database the table was read from; 0
	// for a table read from a file and not (yet) imported.
	Version int64
	prices  map[string]model.Price // "tld/registrar"; registrar "*" for any
	rows    []model.PriceRow
}

// PriceColumns are the columns of a price table file.
var PriceColumns = []string{"tld", "registrar", "registrar_cost", "service_fee"}

// ReadPriceTable reads a CSV price table: tld, registrar ("*" for any),
// registrar_cost and service_fee in euros without VAT ("4.95").
func ReadPriceTable(r io.Reader, name string) (*PriceTable, error) {
	rows, errs := csvimport.ReadTable(r, name, PriceColumns)
	pt := &PriceTable{prices: map[string]model.Price{}}
	for _, row := range rows {
		tld := strings.ToLower(strings.TrimPrefix(row.Fields["tld"], "."))
		registrar := strings.ToLower(row.Fields["registrar"])
		var problems []string
		if tld == "" || strings.ContainsAny(tld, " .") {
			problems = append(problems, "tld: must be a TLD such as nl")
		}
		if registrar == "" {
			problems = append(problems, "registrar: is empty (use * for any)")
		}
		cost, err := model.ParseEuros(row.Fields["registrar_cost"])
		if err != nil {
			problems = append(problems, "registrar_cost: "+err.Error())
		}
		fee, err := model.ParseEuros(row.Fields["service_fee"])
		if err != nil {
			problems = append(problems, "service_fee: "+err.Error())
		}
		key := tld + "/" + registrar
		if _, dup := pt.prices[key]; dup {
			problems = append(problems, fmt.Sprintf("a second price for .%s at %s", tld, registrar))
		}
		if len(problems) > 0 {
			errs = append(errs, csvimport.RowError{File: name, Line: row.Line, Reason: strings.Join(problems, "; ")})
			continue
		}
		pt.add(model.PriceRow{TLD: tld, Registrar: registrar, RegistrarCost: cost, ServiceFee: fee})
	}
	if len(errs) > 0 {
		return nil, model.Errorf(model.KindInvalid, "price table %s: %w", name, errs)
	}
	pt.sort()
	return pt, nil
}

// NewPriceTable makes the table of a version kept in the database.
func NewPriceTable(version int64, rows []model.PriceRow) *PriceTable {
	pt := &PriceTable{Version: version, prices: map[string]model.Price{}}
	for _, r := range rows {
		pt.add(r)
	}
	pt.sort()
	return pt
}

func (pt *PriceTable) add(r model.PriceRow) {
	pt.prices[r.TLD+"/"+r.Registrar] = model.NewPrice(r.RegistrarCost, r.ServiceFee)
	pt.rows = append(pt.rows, r)
}

func (pt *PriceTable) sort() {
	slices.SortFunc(pt.rows, func(a, b model.PriceRow) int {
		return strings.Compare(a.TLD+"/"+a.Registrar, b.TLD+"/"+b.Registrar)
	})
}

// LoadPriceTable reads a price table file.
func LoadPriceTable(path string) (*PriceTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, model.Errorf(model.KindInvalid, "price table: %v", err)
	}
	defer f.Close()
	return ReadPriceTable(f, path)
}

// Rows are the table's prices, by TLD and then registrar.
func (pt *PriceTable) Rows() []model.PriceRow { return slices.Clone(pt.rows) }

// SHA256 is the hash of the table's content in canonical form — one line
// "tld,registrar,registrar_cost,service_fee" in cents per price, sorted —
// so that two files with the same prices have the same hash however they
// are laid out (separator, order, "4.95" or "4,95").
func (pt *PriceTable) SHA256() string {
	h := sha256.New()
	for _, r := range pt.rows {
		fmt.Fprintf(h, "%s,%s,%d,%d\n", r.TLD, r.Registrar, int64(r.RegistrarCost), int64(r.ServiceFee))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Source gives the price table in effect: in afscherm, the newest version
// in the database (requests.Prices), read anew each time it is asked.
type Source interface {
	PriceTable(ctx context.Context) (*PriceTable, error)
}

// PriceTable makes a fixed table its own Source.
func (pt *PriceTable) PriceTable(context.Context) (*PriceTable, error) {
	if pt == nil {
		return nil, errNoTable
	}
	return pt, nil
}

var errNoTable = model.Errorf(model.KindInvalid, "no price table has been imported: run 'afscherm prices import FILE'")

type tableKey struct{}

// WithTable returns a context that carries the table one quote is priced
// from, so that the registrar cost the adapter reports (TableCost) and the
// company's fee come from the same version even while another process
// imports a new one.
func WithTable(ctx context.Context, pt *PriceTable) context.Context {
	return context.WithValue(ctx, tableKey{}, pt)
}

// TableIn returns the table WithTable put in the context, or nil.
func TableIn(ctx context.Context) *PriceTable {
	pt, _ := ctx.Value(tableKey{}).(*PriceTable)
	return pt
}

// RegistrarCost is the registrar's or registry's cost in the table.
func (pt *PriceTable) RegistrarCost(tld, registrar string) (model.Cents, error) {
	p, err := pt.Price(tld, registrar)
	if err != nil {
		return 0, err
	}
	return p.Lines[0].Net, nil
}

// ServiceFee is the company's fee in the table.
func (pt *PriceTable) ServiceFee(tld, registrar string) (model.Cents, error) {
	p, err := pt.Price(tld, registrar)
	if err != nil {
		return 0, err
	}
	return p.Lines[1].Net, nil
}

// Price returns the price for a domain's TLD at its registrar of record.
func (pt *PriceTable) Price(tld, registrar string) (model.Price, error) {
	if pt == nil {
		return model.Price{}, errNoTable
	}
	if p, ok := pt.prices[tld+"/"+registrar]; ok {
		return p, nil
	}
	if p, ok := pt.prices[tld+"/*"]; ok {
		return p, nil
	}
	where := "the price table"
	if pt.Version != 0 {
		where = fmt.Sprintf("price table version %d", pt.Version)
	}
	return model.Price{}, model.Errorf(model.KindInvalid, "%s has no price for .%s (registrar %s)", where, tld, registrar)
}
