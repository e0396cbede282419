// Package jobs is afscherm's work queue: the River job kinds, their workers,
// the periodic schedule (nightly scan, digest, purge of raw responses), and
// the client that works them in `afscherm serve` and `afscherm worker`.
//
// Error kinds decide what a failing job does: a rate limit snoozes it for
// the server's Retry-After, a temporary failure retries with backoff, and
// anything else ends it.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/privacy"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
)

// The queues.
const (
	QueueDefault = river.QueueDefault
	QueueScan    = "scan" // lookups, which wait for outside servers
	QueuePlan    = "plan" // the waves of the night's plan, which no long job may hold up
)

// Settings are what the jobs need to know, the same in every process.
type Settings struct {
	Location  *time.Location // of the schedule below
	NightlyAt TimeOfDay      // when the nightly scan starts
	// NightlyUntil ends the night's window: scans planned for the night
	// and not begun by then wait for the next night.
	NightlyUntil TimeOfDay
	// ScanEvery is how long a domain may go unscanned before staff are
	// told that its server's budget does not reach it.
	ScanEvery   time.Duration
	DigestAt    TimeOfDay      // when the staff digest is produced
	PurgeAt     TimeOfDay      // when the retention policy is applied
	RemindAt    TimeOfDay      // when customers whose approval link expires soon are reminded
	Retention   privacy.Policy // how long each kind of record is kept
	ScanWorkers int            // scans at once in this process
	// DraftRequests drafts a request for every newly exposed domain when the
	// digest is produced; staff send the drafts.
	DraftRequests bool
	// MaxLookupWait is the longest a scan waits for a server's rate limit
	// before it puts itself aside (snoozes) for later.
	MaxLookupWait time.Duration
	// StoragePause is how long scan jobs wait, without a lookup, after the
	// store failed to record a scan; it doubles, up to 30 minutes, while
	// the store keeps failing.
	StoragePause time.Duration
	// WaveLead is how far ahead each server's scan queue is filled from
	// the night's plan (scan.Lead when 0); tests make it short.
	WaveLead time.Duration
}

// waveLead is WaveLead or its default.
func (s Settings) waveLead() time.Duration {
	if s.WaveLead > 0 {
		return s.WaveLead
	}
	return scan.Lead
}

// Night is the nightly scan's window.
func (s Settings) Night() scan.Night {
	return scan.Night{StartHour: s.NightlyAt.Hour, StartMinute: s.NightlyAt.Minute, EndHour: s.NightlyUntil.Hour,
		EndMinute: s.NightlyUntil.Minute, Location: s.Location}
}

// DefaultSettings are the defaults: the nightly scan from 02:00 to 07:00,
// every domain at least once a week where the budget allows, the digest
// at 07:00 and the purge at 04:00 in Amsterdam; raw responses for 30 days.
func DefaultSettings(loc *time.Location) Settings {
	return Settings{
		Location: loc, NightlyAt: TimeOfDay{2, 0}, NightlyUntil: TimeOfDay{7, 0}, ScanEvery: 7 * 24 * time.Hour, DigestAt: TimeOfDay{7, 0}, PurgeAt: TimeOfDay{4, 0}, RemindAt: TimeOfDay{10, 0},
		Retention: privacy.Default(), ScanWorkers: 50, MaxLookupWait: 5 * time.Second,
		StoragePause: time.Minute,
	}
}

// Deps are the services the workers call.
type Deps struct {
	// ID names this process's job client among all that share the queue;
	// River makes one up when empty.
	ID      string
	Store   *store.Store
	Scanner *scan.Scanner
	// Rates gives a server's configured requests per second, shared by
	// all processes, for the nightly plan's budget; nil: the default rate.
	Rates    func(server string) float64
	Requests *requests.Service // nil: no request jobs in this client
	Outbox   *mail.Outbox      // nil: no mail jobs in this client
	// MailDir is the outbox's folder of .eml files, which retention
	// empties with the mails' text; empty when mail goes over SMTP.
	MailDir  string
	Log      *slog.Logger // afscherm's log
	RiverLog *slog.Logger // River's own, quieter log
	Settings Settings
}

// Config returns the River configuration that works every job kind.
func Config(d Deps) (*river.Config, error) {
	s := d.Settings
	if s.Location == nil {
		return nil, fmt.Errorf("jobs: no time zone for the schedule")
	}
	workers := river.NewWorkers()
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := river.AddWorkerSafely(workers, &scanWorker{d: d, gate: newStorageGate(s.StoragePause, log)}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &nightlyWorker{d: d}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &waveWorker{d: d}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &digestWorker{d: d}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &retentionWorker{d: d}); err != nil {
		return nil, err
	}
	if d.Outbox != nil {
		if err := river.AddWorkerSafely(workers, &mailWorker{d: d}); err != nil {
			return nil, err
		}
	}
	if d.Requests != nil {
		for _, add := range []func() error{
			func() error { return river.AddWorkerSafely(workers, &submitWorker{d: d}) },
			func() error { return river.AddWorkerSafely(workers, &pollWorker{d: d}) },
			func() error { return river.AddWorkerSafely(workers, &chargeWorker{d: d}) },
			func() error { return river.AddWorkerSafely(workers, &verifyWorker{d: d}) },
			func() error { return river.AddWorkerSafely(workers, &expireWorker{d: d}) },
			func() error { return river.AddWorkerSafely(workers, &remindWorker{d: d}) },
		} {
			if err := add(); err != nil {
				return nil, err
			}
		}
	}
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(Daily(s.NightlyAt, s.Location), func() (river.JobArgs, *river.InsertOpts) {
			return NightlyScanArgs{Day: time.Now().In(s.Location).Format(time.DateOnly)}, nil
		}, &river.PeriodicJobOpts{ID: "nightly_scan"}),
		river.NewPeriodicJob(Daily(s.DigestAt, s.Location), func() (river.JobArgs, *river.InsertOpts) {
			return DigestArgs{}, nil
		}, &river.PeriodicJobOpts{ID: "scan_digest"}),
		river.NewPeriodicJob(Daily(s.PurgeAt, s.Location), func() (river.JobArgs, *river.InsertOpts) {
			return RetentionArgs{}, nil
		}, &river.PeriodicJobOpts{ID: "retention"}),
	}
	if d.Requests != nil {
		periodic = append(periodic,
			river.NewPeriodicJob(river.PeriodicInterval(15*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
				return requests.ExpireArgs{}, nil
			}, &river.PeriodicJobOpts{ID: "expire_requests", RunOnStart: true}),
			river.NewPeriodicJob(Daily(s.RemindAt, s.Location), func() (river.JobArgs, *river.InsertOpts) {
				return requests.RemindArgs{}, nil
			}, &river.PeriodicJobOpts{ID: "remind_requests"}))
	}
	logger := d.RiverLog
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &river.Config{
		Queues: map[string]river.QueueConfig{
			QueueDefault: {MaxWorkers: 4},
			QueueScan:    {MaxWorkers: max(1, s.ScanWorkers)},
			QueuePlan:    {MaxWorkers: 1},
		},
		ID:                d.ID,
		Workers:           workers,
		PeriodicJobs:      periodic,
		Logger:            logger,
		JobTimeout:        10 * time.Minute,
		FetchCooldown:     50 * time.Millisecond,
		FetchPollInterval: 500 * time.Millisecond,
	}, nil
}

// NewClient returns a River client that works every job kind on the store's
// database; Start it to begin.
func NewClient(d Deps) (store.JobClient, error) {
	cfg, err := Config(d)
	if err != nil {
		return nil, err
	}
	return d.Store.NewJobClient(cfg)
}

// TimeOfDay is a wall-clock time, such as 02:00.
type TimeOfDay struct{ Hour, Minute int }

// ParseTimeOfDay reads HH:MM.
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return TimeOfDay{}, fmt.Errorf("%q is not a time of day (HH:MM)", s)
	}
	return TimeOfDay{t.Hour(), t.Minute()}, nil
}

func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", t.Hour, t.Minute) }

// Daily is a River schedule that fires once a day at a wall-clock time in
// loc, also across daylight saving changes.
func Daily(at TimeOfDay, loc *time.Location) river.PeriodicSchedule { return daily{at, loc} }

type daily struct {
	at  TimeOfDay
	loc *time.Location
}

func (d daily) Next(current time.Time) time.Time {
	c := current.In(d.loc)
	next := time.Date(c.Year(), c.Month(), c.Day(), d.at.Hour, d.at.Minute, 0, 0, d.loc)
	if !next.After(current) {
		next = time.Date(c.Year(), c.Month(), c.Day()+1, d.at.Hour, d.at.Minute, 0, 0, d.loc)
	}
	return next
}

// Start starts a client and stops it when ctx ends: first letting running
// jobs finish for up to grace, then cancelling them. done is closed when
// it has stopped.
func Start(ctx context.Context, client store.JobClient, grace time.Duration, log *slog.Logger) (done <-chan struct{}, err error) {
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("start job client: %w", err)
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		soft, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
		defer cancel()
		if err := client.Stop(soft); err != nil {
			log.Warn("jobs did not finish in time; cancelling them", "grace", grace)
			hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			_ = client.StopAndCancel(hard)
		}
	}()
	return stopped, nil
}
