package main

import (
	"fmt"
	"strings"
)

type taskCmd struct {
	List taskListCmd `cmd:"" help:"List the tasks for staff (registrars without an API)."`
	Done taskDoneCmd `cmd:"" help:"Mark a task done; its request moves on."`
}

type taskListCmd struct {
	All bool `help:"Also tasks that are done or cancelled."`
}

func (c taskListCmd) Run(e *env) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	tasks, err := st.Tasks(e.ctx, !c.All)
	if err != nil {
		return err
	}
	if len(tasks) == 0 {
		fmt.Fprintln(e.stdout, "no open tasks")
	}
	for _, t := range tasks {
		state := "open"
		switch {
		case !t.DoneAt.IsZero():
			state = fmt.Sprintf("done %s by %s: %s", t.DoneAt.In(amsterdam).Format("2006-01-02"), t.DoneBy, t.Note)
		case !t.CancelledAt.IsZero():
			state = "cancelled"
		}
		fmt.Fprintf(e.stdout, "Task %d (request %d, %s): %s\n", t.ID, t.RequestID, state, t.Title)
		for _, line := range strings.Split(t.Steps, "\n") {
			fmt.Fprintf(e.stdout, "    %s\n", strings.ReplaceAll(line, "TASK", fmt.Sprint(t.ID)))
		}
	}
	return nil
}

type taskDoneCmd struct {
	ID   int64  `arg:"" help:"The task's id."`
	Note string `required:"" help:"What was done; kept with the task and in the audit trail."`
	As   string `placeholder:"NAME" help:"The staff member (default: your user name)."`
	flowFlags
}

func (c taskDoneCmd) Run(e *env) error {
	if err := c.flowFlags.customerSafe(); err != nil { // before the database is opened
		return err
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := c.flowFlags.importPrices(e, st, staffActor(e, c.As)); err != nil {
		return err
	}
	fl, err := c.flowFlags.build(e, st, nil)
	if err != nil {
		return err
	}
	t, err := fl.requests.TaskDone(e.ctx, c.ID, staffActor(e, c.As), c.Note)
	if err != nil {
		return err
	}
	r, err := st.Request(e.ctx, t.RequestID)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "task %d done; request %d is %s\n", t.ID, r.ID, r.State)
	return nil
}
