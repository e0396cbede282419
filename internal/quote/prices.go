package quote

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/afscherm/afscherm/internal/csvimport"
	"github.com/afscherm/afscherm/internal/model"
)

// PriceTable gives the price of shielding a domain by its TLD and our
// registrar of record, until the registrar adapters report their own cost.
type PriceTable struct {
	prices map[string]model.Price // "tld/registrar"; registrar "*" for any
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
		pt.prices[key] = model.NewPrice(cost, fee)
	}
	if len(errs) > 0 {
		return nil, model.Errorf(model.KindInvalid, "price table %s: %w", name, errs)
	}
	return pt, nil
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
		return model.Price{}, model.Errorf(model.KindInvalid, "no price table is configured (--price-table FILE)")
	}
	if p, ok := pt.prices[tld+"/"+registrar]; ok {
		return p, nil
	}
	if p, ok := pt.prices[tld+"/*"]; ok {
		return p, nil
	}
	return model.Price{}, model.Errorf(model.KindInvalid, "the price table has no price for .%s (registrar %s)", tld, registrar)
}
