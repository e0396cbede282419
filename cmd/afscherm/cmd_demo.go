package main

import "github.com/afscherm/afscherm/internal/demo"

type demoCmd struct {
	Keep string `placeholder:"DIR" help:"Keep the database (and mail) in DIR instead of a temporary folder."`
}

func (c demoCmd) Run(e *env) error {
	trace, err := e.tracer()
	if err != nil {
		return err
	}
	return demo.Run(e.ctx, demo.Options{Dir: c.Keep, Out: e.stdout, Logger: e.log, RiverLog: e.jobLog, Location: amsterdam,
		Trace: trace})
}
