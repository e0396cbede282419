package main

import "github.com/afscherm/afscherm/internal/demo"

type demoCmd struct {
	Keep string `placeholder:"DIR" help:"Keep the database (and mail) in DIR instead of a temporary folder."`
}

func (c demoCmd) Run(e *env) error {
	return demo.Run(e.ctx, demo.Options{Dir: c.Keep, Out: e.stdout, Logger: e.log, RiverLog: e.jobLog, Location: amsterdam})
}
