// Package sampledata imports the sample customers and domains under
// testdata/import, for the demo and for tests that need a realistic book
// of customers.
package sampledata

import (
	"context"
	"fmt"

	"github.com/afscherm/afscherm"
	"github.com/afscherm/afscherm/internal/csvimport"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
)

// The sample files, by their names under testdata/import.
const (
	CustomerFile = "customers.csv"
	DomainFile   = "domains.csv"
)

// Import imports both sample files in one transaction, dated today.
func Import(ctx context.Context, st *store.Store, today model.Date) (csvimport.Summary, error) {
	customers, err := afscherm.Testdata.Open("testdata/import/" + CustomerFile)
	if err != nil {
		return csvimport.Summary{}, err
	}
	defer customers.Close()
	domains, err := afscherm.Testdata.Open("testdata/import/" + DomainFile)
	if err != nil {
		return csvimport.Summary{}, err
	}
	defer domains.Close()
	batch := csvimport.Read(customers, CustomerFile, domains, DomainFile)
	sum, err := csvimport.Apply(ctx, st, batch, csvimport.Options{Today: today})
	if err != nil {
		return sum, fmt.Errorf("import the samples: %w", err)
	}
	return sum, nil
}
