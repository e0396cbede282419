package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/afscherm/afscherm/internal/csvimport"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
)

type importCmd struct {
	Customers     string `placeholder:"FILE" help:"Customer CSV file ('-' for standard input). Columns: customer_number, name, kind, email, phone, street, postal_code, city, country, language, relationship_end."`
	Domains       string `placeholder:"FILE" help:"Domain CSV file ('-' for standard input). Columns: domain, customer_number, registrar."`
	RemoveMissing bool   `name:"remove-missing" help:"Mark every domain the domain file does not list as removed today (for a file that lists all domains)."`
	DryRun        bool   `name:"dry-run" help:"Check the files and show what would change, without changing anything."`
}

func (c importCmd) Run(e *env) error {
	if c.Customers == "" && c.Domains == "" {
		return usagef("give --customers FILE, --domains FILE, or both")
	}
	if c.Customers == "-" && c.Domains == "-" {
		return usagef("only one of the files can be standard input")
	}
	if c.RemoveMissing && c.Domains == "" {
		return usagef("--remove-missing needs --domains")
	}
	customers, cname, err := openInput(e, c.Customers)
	if err != nil {
		return err
	}
	defer customers.Close()
	domains, dname, err := openInput(e, c.Domains)
	if err != nil {
		return err
	}
	defer domains.Close()

	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	sum, err := importFiles(e, st, customers.reader(), cname, domains.reader(), dname, csvimport.Options{
		RemoveMissing: c.RemoveMissing, DryRun: c.DryRun,
	})
	if err != nil {
		return err
	}
	verb := "imported into"
	if c.DryRun {
		verb = "checked (dry run, nothing changed) against"
	}
	fmt.Fprintf(e.stdout, "%s %s\n", verb, st.Describe())
	printSummary(e.stdout, sum, c.Customers != "", c.Domains != "")
	e.log.Info("import finished", "customers_created", sum.CustomersCreated, "customers_updated", sum.CustomersUpdated,
		"domains_created", sum.DomainsCreated, "domains_updated", sum.DomainsUpdated, "domains_removed", sum.DomainsRemoved,
		"dry_run", c.DryRun)
	return nil
}

// importFiles reads and applies the files; a nil reader is skipped.
func importFiles(e *env, st *store.Store, customers io.Reader, cname string, domains io.Reader, dname string, opts csvimport.Options) (csvimport.Summary, error) {
	batch := csvimport.Read(customers, cname, domains, dname)
	opts.Today = model.DateOf(st.Now(), amsterdam)
	return csvimport.Apply(e.ctx, st, batch, opts)
}

func printSummary(w io.Writer, s csvimport.Summary, customers, domains bool) {
	if customers {
		fmt.Fprintf(w, "  customers: %d created, %d updated, %d unchanged\n", s.CustomersCreated, s.CustomersUpdated, s.CustomersUnchanged)
	}
	if domains {
		fmt.Fprintf(w, "  domains:   %d created, %d updated, %d unchanged, %d removed\n", s.DomainsCreated, s.DomainsUpdated, s.DomainsUnchanged, s.DomainsRemoved)
	}
}

// input is an opened file or standard input, or nothing.
type input struct {
	r      io.Reader
	closer io.Closer
}

func (in input) reader() io.Reader { return in.r }

func (in input) Close() {
	if in.closer != nil {
		in.closer.Close()
	}
}

// openInput opens a file argument: a path, or "-" for standard input; ""
// opens nothing. The name is what messages call it.
func openInput(e *env, path string) (in input, name string, err error) {
	switch path {
	case "":
		return input{}, "", nil
	case "-":
		return input{r: e.stdin}, "stdin", nil
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return input{}, "", model.Errorf(model.KindInvalid, "file %s does not exist", path)
	}
	if err != nil {
		return input{}, "", err
	}
	return input{r: f, closer: f}, filepath.Base(path), nil
}

// readInput reads a small text argument ("-" for standard input), at most
// 64 KiB.
func readInput(e *env, path string) ([]byte, error) {
	in, name, err := openInput(e, path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	b, err := io.ReadAll(io.LimitReader(in.r, 64<<10+1))
	if err != nil {
		return nil, err
	}
	if len(b) > 64<<10 {
		return nil, model.Errorf(model.KindInvalid, "%s is longer than 64 KiB", name)
	}
	return b, nil
}
