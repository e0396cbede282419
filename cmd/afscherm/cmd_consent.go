package main

import (
	"encoding/json"
	"fmt"

	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/web"
)

type consentCmd struct {
	Show consentShowCmd `cmd:"" help:"Print a request's consent records with the exact quote text, as evidence."`
}

type consentShowCmd struct {
	Request int64 `arg:"" help:"The request's id."`
	JSON    bool  `name:"json" help:"One JSON object per consent record, with the quote."`
}

func (c consentShowCmd) Run(e *env) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	ev, err := (&requests.Service{Store: st}).Evidence(e.ctx, c.Request)
	if err != nil {
		return err
	}
	if c.JSON {
		for _, rec := range web.ConsentJSON(ev.Consent) {
			rec["quote"] = ev.Request.Quote
			b, _ := json.Marshal(rec)
			fmt.Fprintln(e.stdout, string(b))
		}
		return nil
	}
	writeEvidence(e.stdout, ev, false)
	return nil
}
