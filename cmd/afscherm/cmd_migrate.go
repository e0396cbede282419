package main

import (
	"fmt"

	"github.com/afscherm/afscherm/internal/database"
)

type migrateCmd struct{}

func (migrateCmd) Run(e *env) error {
	st, err := database.Open(e.ctx, e.cli.DatabaseURL, database.Options{Logger: e.jobLog, NoMigrate: true})
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(e.ctx)
	for _, name := range applied {
		fmt.Fprintf(e.stdout, "applied %s\n", name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s is at schema version %d\n", st.Describe(), st.SchemaVersion())
	return nil
}
