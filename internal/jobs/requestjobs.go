package jobs

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/requests"
)

// later turns a step that cannot finish yet into a snooze.
func later(err error) error {
	if l, ok := requests.AsLater(err); ok {
		return river.JobSnooze(l.After)
	}
	return err
}

type submitWorker struct {
	river.WorkerDefaults[requests.SubmitArgs]
	d Deps
}

func (w *submitWorker) Timeout(*river.Job[requests.SubmitArgs]) time.Duration { return 5 * time.Minute }

func (w *submitWorker) Work(ctx context.Context, job *river.Job[requests.SubmitArgs]) error {
	err := later(w.d.Requests.Submit(ctx, job.Args.RequestID))
	if err != nil && !isSnooze(err) && job.Attempt >= job.MaxAttempts {
		return w.d.Requests.FailRequest(ctx, job.Args.RequestID, "could not be filed after "+strconv.Itoa(job.Attempt)+" attempts: "+err.Error())
	}
	return err
}

type pollWorker struct {
	river.WorkerDefaults[requests.PollArgs]
	d Deps
}

func (w *pollWorker) Work(ctx context.Context, job *river.Job[requests.PollArgs]) error {
	err := later(w.d.Requests.Poll(ctx, job.Args.RequestID))
	if err != nil && !isSnooze(err) && job.Attempt >= job.MaxAttempts {
		return w.d.Requests.FailRequest(ctx, job.Args.RequestID, "the party could not be asked after "+strconv.Itoa(job.Attempt)+" attempts: "+err.Error())
	}
	return err
}

type chargeWorker struct {
	river.WorkerDefaults[requests.ChargeArgs]
	d Deps
}

func (w *chargeWorker) Work(ctx context.Context, job *river.Job[requests.ChargeArgs]) error {
	return w.d.Requests.Charge(ctx, job.Args.RequestID)
}

type verifyWorker struct {
	river.WorkerDefaults[requests.VerifyArgs]
	d Deps
}

func (w *verifyWorker) Timeout(*river.Job[requests.VerifyArgs]) time.Duration { return 3 * time.Minute }

func (w *verifyWorker) Work(ctx context.Context, job *river.Job[requests.VerifyArgs]) error {
	return later(w.d.Requests.Verify(ctx, job.Args.RequestID))
}

type expireWorker struct {
	river.WorkerDefaults[requests.ExpireArgs]
	d Deps
}

func (w *expireWorker) Work(ctx context.Context, _ *river.Job[requests.ExpireArgs]) error {
	n, err := w.d.Requests.ExpireDue(ctx)
	if n > 0 {
		w.d.Log.Info("requests expired", "count", n)
	}
	return err
}

type remindWorker struct {
	river.WorkerDefaults[requests.RemindArgs]
	d Deps
}

func (w *remindWorker) Work(ctx context.Context, _ *river.Job[requests.RemindArgs]) error {
	n, err := w.d.Requests.RemindDue(ctx)
	if n > 0 {
		w.d.Log.Info("reminders sent", "count", n)
	}
	return err
}

type mailWorker struct {
	river.WorkerDefaults[mail.SendArgs]
	d Deps
}

func (w *mailWorker) Timeout(*river.Job[mail.SendArgs]) time.Duration { return 2 * time.Minute }

func (w *mailWorker) Work(ctx context.Context, job *river.Job[mail.SendArgs]) error {
	return w.d.Outbox.Deliver(ctx, job.Args.OutboxID)
}

func isSnooze(err error) bool {
	var s *river.JobSnoozeError
	return errors.As(err, &s)
}
