package main

import (
	"encoding/json"
	"fmt"

	"github.com/afscherm/afscherm/internal/adapters"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/scan"
)

type digestCmd struct {
	Produce    bool   `help:"Produce and store a new digest for the time since the last one, as the daily job does."`
	JSON       bool   `name:"json" help:"Print the digest as JSON."`
	Registrars string `name:"registrars" placeholder:"FILE" help:"The registrar adapters' JSON file, for how live records name the registrars of record (its registrars_of_record); no party is contacted. Default: by name only."`
}

func (c digestCmd) Run(e *env) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	var registrars scan.RegistrarMatcher // by name only
	if c.Registrars != "" {
		rs, err := adapters.LoadRegistrars(c.Registrars)
		if err != nil {
			return err
		}
		registrars = rs
	}
	var d scan.Digest
	switch stored, err := st.LatestDigest(e.ctx); {
	case c.Produce:
		if d, err = scan.ProduceDigestWith(e.ctx, st, registrars, nil); err != nil {
			return err
		}
	case err == nil:
		if d, err = scan.ParseDigest(stored.Body); err != nil {
			return fmt.Errorf("digest %d: %w", stored.ID, err)
		}
	case model.IsKind(err, model.KindNotFound):
		// None yet: show the last day without storing it.
		if d, err = scan.BuildDigestWith(e.ctx, st, registrars, st.Now().AddDate(0, 0, -1), st.Now()); err != nil {
			return err
		}
	default:
		return err
	}
	if c.JSON {
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, string(b))
		return nil
	}
	d.WriteText(e.stdout, amsterdam)
	return nil
}
