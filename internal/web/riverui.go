package web

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"riverqueue.com/riverui"

	"github.com/afscherm/afscherm/internal/model"
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

// auditRiverUI records each change made through River UI's API — jobs
// cancelled, retried or deleted; queues paused, resumed or updated — in the
// audit trail with the staff member who made it, once River UI has made it
// (in its own transaction, which ours cannot join).
func (s *Server) auditRiverUI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		path := strings.TrimPrefix(r.URL.Path, RiverUIPrefix)
		body, err := io.ReadAll(r.Body) // as much as ServeHTTP's limit lets through
		if err != nil {
			http.Error(w, "The request's body is too large or could not be read.", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status >= 300 {
			return // refused or failed: nothing changed
		}
		events := riverUIEvents(r.Method, path, body)
		actor := model.Actor{Kind: model.ActorStaff, ID: viewerOf(r).Name}
		ctx := context.WithoutCancel(r.Context())
		err = s.deps.Store.InTx(ctx, func(tx *store.Tx) error {
			for _, e := range events {
				e.Actor = actor
				if _, err := tx.AddAuditEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			s.logError(ctx, "river ui: the change is not in the audit trail", err, "action", events[0].Action)
		}
	})
}

// riverUIEvents are the audit events of a change through River UI's API
// (path without RiverUIPrefix): one per job, or one for the queue.
func riverUIEvents(method, path string, body []byte) []model.AuditEvent {
	details := map[string]any{"via": "river_ui", "method": method, "path": path}
	if verb, ok := strings.CutPrefix(path, "/api/jobs/"); ok {
		action := map[string]string{"cancel": "job.cancelled", "retry": "job.retried", "delete": "job.deleted"}[verb]
		if action == "" {
			action = "job.changed"
		}
		var req struct {
			IDs []json.RawMessage `json:"ids"`
		}
		_ = json.Unmarshal(body, &req) // River UI has read it already
		var events []model.AuditEvent
		for _, raw := range req.IDs {
			id := strings.Trim(string(raw), `"`)
			if _, err := strconv.ParseInt(id, 10, 64); err == nil {
				events = append(events, model.AuditEvent{Action: action, SubjectKind: "job", SubjectID: id, Details: details})
			}
		}
		if len(events) > 0 {
			return events
		}
		return []model.AuditEvent{{Action: action, SubjectKind: "job", Details: details}}
	}
	if rest, ok := strings.CutPrefix(path, "/api/queues/"); ok {
		name, verb, _ := strings.Cut(rest, "/")
		action := map[string]string{"pause": "queue.paused", "resume": "queue.resumed", "": "queue.updated"}[verb]
		if action == "" {
			action = "queue.changed"
		}
		return []model.AuditEvent{{Action: action, SubjectKind: "queue", SubjectID: name, Details: details}}
	}
	return []model.AuditEvent{{Action: "river_ui.changed", SubjectKind: "river_ui", SubjectID: path, Details: details}}
}

// statusRecorder notes the status a handler answers with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// noStore marks every answer Cache-Control: no-store, whatever the handler
// set or removed.
type noStore struct{ http.ResponseWriter }

func (w *noStore) WriteHeader(code int) {
	w.Header().Set("Cache-Control", "no-store")
	w.ResponseWriter.WriteHeader(code)
}

func (w *noStore) Write(b []byte) (int, error) {
	w.Header().Set("Cache-Control", "no-store") // in effect only before the first write
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *noStore) Unwrap() http.ResponseWriter { return w.ResponseWriter }
