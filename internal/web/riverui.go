package web

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"riverqueue.com/riverui"

	"github.com/afscherm/afscherm/internal/store"
)

// RiverUIPrefix is where River's own UI is mounted in the console.
const RiverUIPrefix = "/staff/jobs/river"

// NewRiverUI returns River UI (riverqueue.com/riverui) over the job
// client, which works on either backend, running until ctx ends. Mount it
// with Deps.RiverUI; the console lets in only signed-in staff.
func NewRiverUI(ctx context.Context, jobs store.JobClient, log *slog.Logger) (http.Handler, error) {
	opts := &riverui.HandlerOpts{Logger: log, Prefix: RiverUIPrefix}
	switch c := jobs.(type) {
	case *river.Client[*sql.Tx]: // SQLite
		opts.Endpoints = riverui.NewEndpoints(c, nil)
	case *river.Client[pgx.Tx]: // PostgreSQL
		opts.Endpoints = riverui.NewEndpoints(c, nil)
	default:
		return nil, fmt.Errorf("river ui: a job client of type %T", jobs)
	}
	h, err := riverui.NewHandler(opts)
	if err != nil {
		return nil, fmt.Errorf("river ui: %w", err)
	}
	if err := h.Start(ctx); err != nil {
		return nil, fmt.Errorf("river ui: %w", err)
	}
	return h, nil
}
