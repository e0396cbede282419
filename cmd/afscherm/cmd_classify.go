package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/afscherm/afscherm/internal/classify"
	"github.com/afscherm/afscherm/internal/model"
)

type classifyCmd struct {
	Domain   string `required:"" help:"The domain the response is about."`
	Source   string `required:"" enum:"rdap,whois" help:"What the file holds: ${enum}."`
	Customer string `placeholder:"NUMBER" help:"Compare the visible data with this customer's own (reads the database)."`
	JSON     bool   `name:"json" help:"Print JSON (the default; accepted for symmetry with the other commands)."`
	File     string `arg:"" help:"The saved response; '-' for standard input."`
}

func (c classifyCmd) Run(e *env) error {
	domain, err := model.NormalizeDomainName(c.Domain)
	if err != nil {
		return usagef("--domain: %v", err)
	}
	body, err := readCapped(e, c.File)
	if err != nil {
		return err
	}
	var ours *model.Customer
	if c.Customer != "" {
		st, err := e.openStore()
		if err != nil {
			return err
		}
		defer st.Close()
		cust, err := st.Customer(e.ctx, c.Customer)
		if err != nil {
			return err
		}
		ours = &cust
	}
	var result model.Classification
	var registrar model.Registrar
	if c.Source == "rdap" {
		result, err = classify.RDAP(domain, body, ours)
		registrar = classify.RegistrarRDAP(body)
	} else {
		result, err = classify.WHOIS(domain, string(body), ours)
		registrar = classify.RegistrarWHOIS(string(body))
	}
	if err != nil {
		return model.Errorf(model.KindInvalid, "%s: %w", c.File, err)
	}
	// The live registrar of record, as scan --json prints it.
	out, err := json.Marshal(struct {
		model.Classification
		Registrar model.Registrar `json:"registrar"`
	}{result, registrar})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, string(out))
	return nil
}

func readCapped(e *env, path string) ([]byte, error) {
	in, _, err := openInput(e, path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	body, err := io.ReadAll(io.LimitReader(in.reader(), classify.MaxResponseSize+1))
	if err != nil {
		return nil, err
	}
	if len(body) > classify.MaxResponseSize {
		return nil, model.Errorf(model.KindInvalid, "%s is larger than %d bytes", path, classify.MaxResponseSize)
	}
	return body, nil
}
