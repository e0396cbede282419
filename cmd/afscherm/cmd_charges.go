package main

import (
	"encoding/json"
	"fmt"

	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/web"
)

type chargesCmd struct {
	Export  chargesExportCmd  `cmd:"" help:"Write the ledger entries of a period as CSV invoice lines, for the bookkeeping."`
	Reverse chargesReverseCmd `cmd:"" help:"Reverse a request's charge, once, and fail the request."`
}

type chargesExportCmd struct {
	From string `required:"" placeholder:"YYYY-MM-DD" help:"First day (Europe/Amsterdam)."`
	To   string `required:"" placeholder:"YYYY-MM-DD" help:"Last day, included."`
	JSON bool   `name:"json" help:"One JSON object per entry instead of CSV."`
}

func (c chargesExportCmd) Run(e *env) error {
	from, to, err := web.ChargePeriod(c.From, c.To, amsterdam)
	if err != nil {
		return usagef("%v", err)
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	entries, err := st.LedgerEntries(e.ctx, store.LedgerFilter{From: from, To: to})
	if err != nil {
		return err
	}
	if c.JSON {
		for _, row := range web.LedgerJSON(entries) {
			b, _ := json.Marshal(row)
			fmt.Fprintln(e.stdout, string(b))
		}
		return nil
	}
	return web.WriteChargesCSV(e.stdout, entries, amsterdam)
}

type chargesReverseCmd struct {
	Request int64  `arg:"" help:"The request's id."`
	Reason  string `required:"" help:"Why; kept in the audit trail."`
	As      string `placeholder:"NAME" help:"The staff member reversing (default: your user name)."`
}

func (c chargesReverseCmd) Run(e *env) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := (&requests.Service{Store: st, Log: e.log}).Reverse(e.ctx, c.Request, staffActor(e, c.As), c.Reason); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "reversed the charge of request %d\n", c.Request)
	return nil
}
