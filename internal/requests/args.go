package requests

import (
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// The jobs that carry a request from one step to the next. Each is unique
// per request while it waits, so a repeat enqueues nothing new.

// SubmitArgs files an approved request with its party.
type SubmitArgs struct {
	RequestID int64 `json:"request_id"`
}

// Kind names the job kind.
func (SubmitArgs) Kind() string { return "submit_request" }

// InsertOpts makes the job unique per request.
func (SubmitArgs) InsertOpts() river.InsertOpts { return uniquePerRequest(8) }

// PollArgs asks the party how a filed request stands.
type PollArgs struct {
	RequestID int64 `json:"request_id"`
}

// Kind names the job kind.
func (PollArgs) Kind() string { return "poll_request" }

// InsertOpts makes the job unique per request.
func (PollArgs) InsertOpts() river.InsertOpts { return uniquePerRequest(25) }

// ChargeArgs writes the ledger entry of a completed request.
type ChargeArgs struct {
	RequestID int64 `json:"request_id"`
}

// Kind names the job kind.
func (ChargeArgs) Kind() string { return "charge_request" }

// InsertOpts makes the job unique per request.
func (ChargeArgs) InsertOpts() river.InsertOpts { return uniquePerRequest(10) }

// VerifyArgs re-scans a completed request's domain.
type VerifyArgs struct {
	RequestID int64 `json:"request_id"`
}

// Kind names the job kind.
func (VerifyArgs) Kind() string { return "verify_request" }

// InsertOpts makes the job unique per request.
func (VerifyArgs) InsertOpts() river.InsertOpts { return uniquePerRequest(10) }

// ExpireArgs expires the requests whose approval time is up.
type ExpireArgs struct{}

// Kind names the job kind.
func (ExpireArgs) Kind() string { return "expire_requests" }

// RemindArgs reminds customers whose approval link expires soon.
type RemindArgs struct{}

// Kind names the job kind.
func (RemindArgs) Kind() string { return "remind_requests" }

func uniquePerRequest(attempts int) river.InsertOpts {
	return river.InsertOpts{MaxAttempts: attempts, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStateScheduled}}}
}
