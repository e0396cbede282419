package store

import (
	"context"
	"fmt"

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
