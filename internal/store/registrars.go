package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/afscherm/afscherm/internal/model"
)

// DomainRegistrar is an active domain's registrar of record twice over: as
// imported, and as the live record of its latest scan names it.
type DomainRegistrar struct {
	Domain   string
	Customer string // the customer's number
	Imported string // the import's registrar; empty when it named none
	Live     model.Registrar
}

// DomainRegistrars lists the active domains whose latest scan found a
// registrar of record, by name.
func (r reader) DomainRegistrars(ctx context.Context) ([]DomainRegistrar, error) {
	rs, err := collect(ctx, r.q, r.sql.DomainRegistrars, nil, func(row Row) (DomainRegistrar, error) {
		var d DomainRegistrar
		err := row.Scan(&d.Domain, &d.Customer, &d.Imported, &d.Live.Name, &d.Live.IANAID)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("registrars of record: %w", err)
	}
	return rs, nil
}

// ActiveRegistrar is a TLD and registrar of record that active domains
// share, and how many have it; no domain names.
type ActiveRegistrar struct {
	TLD string
	// Imported is the import's registrar; empty when the import named none,
	// and then Live is what the latest scan found (unknown when never
	// scanned).
	Imported string
	Live     model.Registrar
	Domains  int
}

// ActiveRegistrars folds the active domains into their TLDs and registrars
// of record, ordered by TLD, then registrar.
func (r reader) ActiveRegistrars(ctx context.Context) ([]ActiveRegistrar, error) {
	type row struct {
		name, imported string
		live           model.Registrar
	}
	rows, err := collect(ctx, r.q, r.sql.ActiveRegistrars, nil, func(rw Row) (row, error) {
		var x row
		err := rw.Scan(&x.name, &x.imported, &x.live.Name, &x.live.IANAID)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("registrars of active domains: %w", err)
	}
	index := map[ActiveRegistrar]int{}
	var out []ActiveRegistrar
	for _, x := range rows {
		a := ActiveRegistrar{TLD: x.name[strings.LastIndexByte(x.name, '.')+1:], Imported: x.imported}
		if a.Imported == "" {
			a.Live = x.live
		}
		i, ok := index[a]
		if !ok {
			i = len(out)
			index[a] = i
			out = append(out, a)
		}
		out[i].Domains++
	}
	slices.SortFunc(out, func(a, b ActiveRegistrar) int {
		return cmp.Or(strings.Compare(a.TLD, b.TLD), strings.Compare(a.Imported, b.Imported),
			strings.Compare(a.Live.Name, b.Live.Name), strings.Compare(a.Live.IANAID, b.Live.IANAID))
	})
	return out, nil
}
