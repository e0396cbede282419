package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/store"
)

type pricesCmd struct {
	Import pricesImportCmd `cmd:"" help:"Import a price table file as the new current version, in one transaction."`
	Show   pricesShowCmd   `cmd:"" help:"Show the current (or a given) version of the price table."`
}

type pricesImportCmd struct {
	File string `arg:"" placeholder:"FILE" help:"CSV of tld, registrar (or *), registrar_cost, service_fee in euros without VAT, comma or semicolon separated."`
	As   string `placeholder:"NAME" help:"The staff member importing it (default: your user name)."`
}

func (c pricesImportCmd) Run(e *env) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	in, err := requests.ImportPriceFile(e.ctx, st, c.File, staffActor(e, c.As))
	if err != nil {
		return err
	}
	if !in.Created {
		fmt.Fprintf(e.stdout, "%s holds the prices of the current version %d (%d prices) already: no new version\n",
			c.File, in.Table.Version, len(in.Table.Rows))
		return nil
	}
	fmt.Fprintf(e.stdout, "imported %s as price table version %d: %d prices\n", c.File, in.Table.Version, len(in.Table.Rows))
	return nil
}

type pricesShowCmd struct {
	Version int64 `placeholder:"N" help:"This version instead of the current one."`
	JSON    bool  `name:"json" help:"Print JSON."`
}

// priceTableJSON is a version of the price table as --json prints it.
type priceTableJSON struct {
	Version       int64            `json:"version"`
	ImportedAt    time.Time        `json:"imported_at"`
	ImportedBy    string           `json:"imported_by"`
	SourceFile    string           `json:"source_file"`
	ContentSHA256 string           `json:"content_sha256"`
	Rows          []model.PriceRow `json:"rows"`
}

func (c pricesShowCmd) Run(e *env) error {
	if c.Version < 0 {
		return usagef("--version must be a version number (1, 2, …)")
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	var pt store.PriceTable
	if c.Version != 0 {
		pt, err = st.PriceTableVersion(e.ctx, c.Version)
	} else {
		pt, err = st.CurrentPriceTable(e.ctx)
		if model.IsKind(err, model.KindNotFound) {
			return fmt.Errorf("no price table has been imported yet: run 'afscherm prices import FILE'")
		}
	}
	if err != nil {
		return err
	}
	by := string(pt.ImportedBy.Kind) + ":" + pt.ImportedBy.ID
	if c.JSON {
		b, _ := json.Marshal(priceTableJSON{Version: pt.Version, ImportedAt: pt.ImportedAt, ImportedBy: by,
			SourceFile: pt.SourceFile, ContentSHA256: pt.SHA256, Rows: pt.Rows})
		fmt.Fprintln(e.stdout, string(b))
		return nil
	}
	fmt.Fprintf(e.stdout, "Price table version %d\n", pt.Version)
	fmt.Fprintf(e.stdout, "  imported: %s by %s\n", pt.ImportedAt.In(amsterdam).Format("2006-01-02 15:04:05 MST"), by)
	fmt.Fprintf(e.stdout, "  from:     %s\n", pt.SourceFile)
	fmt.Fprintf(e.stdout, "  SHA-256:  %s\n\n", pt.SHA256)
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TLD\tREGISTRAR\tREGISTRAR COST\tSERVICE FEE\t")
	for _, r := range pt.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", r.TLD, r.Registrar, r.RegistrarCost.Dutch(), r.ServiceFee.Dutch())
	}
	return tw.Flush()
}
