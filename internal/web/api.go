package web

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/store"
)

type actorKey struct{}

// StaffTokenHash is the stored form of a staff API token.
func StaffTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// requireStaff lets a request through only with a valid staff token, and
// puts the staff member in its context.
func (s *Server) requireStaff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="afscherm"`)
			writeError(w, model.Errorf(model.KindUnauthorised, "a staff token is required (Authorization: Bearer TOKEN)"))
			return
		}
		t, err := s.staffToken(r.Context(), token)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="afscherm", error="invalid_token"`)
			writeError(w, model.Errorf(model.KindUnauthorised, "unknown, revoked or expired staff token"))
			return
		}
		ctx := context.WithValue(r.Context(), actorKey{}, model.Actor{Kind: model.ActorStaff, ID: t.Name})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// staffToken finds the working staff token a request carries and records
// its use; a failure to record it is logged, not a refusal.
func (s *Server) staffToken(ctx context.Context, token string) (store.StaffToken, error) {
	t, err := s.deps.Store.StaffTokenByHash(ctx, StaffTokenHash(strings.TrimSpace(token)))
	if err != nil {
		return t, err
	}
	if err := s.deps.Store.TouchStaffToken(ctx, t); err != nil {
		s.deps.Log.Warn("staff token's last use not recorded", "token", t.ID, "error", err)
	}
	return t, nil
}

func actorOf(r *http.Request) model.Actor {
	a, _ := r.Context().Value(actorKey{}).(model.Actor)
	return a
}

// statusOf maps an error kind to its HTTP status, the one place this is
// decided.
func statusOf(err error) int {
	switch model.KindOf(err) {
	case model.KindInvalid:
		return http.StatusBadRequest
	case model.KindNotFound:
		return http.StatusNotFound
	case model.KindConflict:
		return http.StatusConflict
	case model.KindUnauthorised:
		return http.StatusUnauthorized
	case model.KindTemporary:
		return http.StatusServiceUnavailable
	case model.KindRateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away
}

func writeError(w http.ResponseWriter, err error) {
	status := statusOf(err)
	msg := err.Error()
	if status == http.StatusInternalServerError {
		msg = "internal error"
	}
	writeJSON(w, status, map[string]any{"error": map[string]string{"kind": string(model.KindOf(err)), "message": msg}})
}

func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	if statusOf(err) == http.StatusInternalServerError {
		s.logError(r.Context(), "api", err, "route", r.Pattern)
	}
	writeError(w, err)
}

func decodeBody(r *http.Request, into any) error {
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return model.Errorf(model.KindInvalid, "the body is not the JSON this call takes: %v", err)
	}
	return nil
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, model.Errorf(model.KindInvalid, "%q is not a request id", r.PathValue("id"))
	}
	return id, nil
}

// apiListRequests: GET /api/v1/requests?state=&customer=&domain=&open=&limit=
func (s *Server) apiListRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.RequestFilter{CustomerNumber: q.Get("customer"), OpenOnly: q.Get("open") == "true", Limit: 500}
	if v := q.Get("state"); v != "" {
		state, err := model.ParseRequestState(v)
		if err != nil {
			s.apiError(w, r, model.Errorf(model.KindInvalid, "%v", err))
			return
		}
		f.State = state
	}
	if v := q.Get("domain"); v != "" {
		name, err := model.NormalizeDomainName(v)
		if err != nil {
			s.apiError(w, r, model.Errorf(model.KindInvalid, "%v", err))
			return
		}
		f.Domain = name
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5000 {
			s.apiError(w, r, model.Errorf(model.KindInvalid, "limit must be 1 to 5000"))
			return
		}
		f.Limit = n
	}
	list, err := s.deps.Store.Requests(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	views := make([]requests.View, len(list))
	for i, req := range list {
		views[i] = requests.ViewOf(req)
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": views})
}

// apiCreateRequests: POST /api/v1/requests {"domain"} | {"customer"} | {"all_exposed": true}, "draft",
// "opt_out_reasons" (one domain), "reviewed" (one domain whose last verdict is undetermined: staff's reason)
func (s *Server) apiCreateRequests(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Domain     string `json:"domain"`
		Customer   string `json:"customer"`
		AllExposed bool   `json:"all_exposed"`
		Draft      bool   `json:"draft"`
		Reasons    string `json:"opt_out_reasons"`
		Reviewed   string `json:"reviewed"`
	}
	if err := decodeBody(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	chosen := 0
	for _, b := range []bool{body.Domain != "", body.Customer != "", body.AllExposed} {
		if b {
			chosen++
		}
	}
	if chosen != 1 {
		s.apiError(w, r, model.Errorf(model.KindInvalid, "give exactly one of domain, customer or all_exposed"))
		return
	}
	out, err := s.deps.Requests.CreateMany(r.Context(), requests.Selection{Domain: body.Domain, Customer: body.Customer,
		AllExposed: body.AllExposed}, actorOf(r), requests.CreateOptions{Draft: body.Draft, OptOutReasons: body.Reasons,
		Reviewed: body.Reviewed}, nil)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	status := http.StatusOK
	for _, o := range out {
		if o.Request != nil {
			status = http.StatusCreated
		}
	}
	writeJSON(w, status, map[string]any{"results": out})
}

// apiShowRequest: GET /api/v1/requests/{id}
func (s *Server) apiShowRequest(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ev, err := s.deps.Requests.Evidence(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, evidenceJSON(ev))
}

// apiConsent: GET /api/v1/requests/{id}/consent
func (s *Server) apiConsent(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ev, err := s.deps.Requests.Evidence(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"request": requests.ViewOf(ev.Request), "quote": ev.Request.Quote,
		"consent": ConsentJSON(ev.Consent)})
}

// apiCancel: POST /api/v1/requests/{id}/cancel {"reason", "withdrawn"}
func (s *Server) apiCancel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		Reason    string `json:"reason"`
		Withdrawn bool   `json:"withdrawn"`
	}
	if err := decodeBody(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	req, err := s.deps.Requests.Cancel(r.Context(), id, actorOf(r), body.Reason, body.Withdrawn)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, requests.ViewOf(req))
}

// apiSend: POST /api/v1/requests/{id}/send — a draft to the customer, or a
// new link for one that waits.
func (s *Server) apiSend(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	req, err := s.deps.Store.Request(r.Context(), id)
	if err == nil {
		if req.State == model.StateAwaitingApproval {
			err = s.deps.Requests.Resend(r.Context(), id, actorOf(r))
		} else {
			req, err = s.deps.Requests.Send(r.Context(), id, actorOf(r))
		}
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	req, _ = s.deps.Store.Request(r.Context(), id)
	writeJSON(w, http.StatusOK, requests.ViewOf(req))
}

// apiCharges: GET /api/v1/charges?from=YYYY-MM-DD&to=YYYY-MM-DD
func (s *Server) apiCharges(w http.ResponseWriter, r *http.Request) {
	from, to, err := ChargePeriod(r.URL.Query().Get("from"), r.URL.Query().Get("to"), s.deps.Requests.Location)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	entries, err := s.deps.Store.LedgerEntries(r.Context(), store.LedgerFilter{From: from, To: to})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"charges": LedgerJSON(entries)})
}

// ChargeColumns are the charges export's columns: the invoice line first,
// then what ties it to afscherm's records.
var ChargeColumns = []string{"customer_number", "domain", "description", "net", "vat", "gross",
	"currency", "date", "kind", "entry_id", "request_id"}

// WriteChargesCSV writes ledger entries as CSV invoice lines, dates in loc.
func WriteChargesCSV(out io.Writer, entries []model.LedgerEntry, loc *time.Location) error {
	w := csv.NewWriter(out)
	w.Write(ChargeColumns) //nolint:errcheck // checked by Flush below
	for _, l := range entries {
		w.Write([]string{l.CustomerNumber, l.Domain, l.Description, l.Net.String(), l.VAT.String(), l.Gross.String(), //nolint:errcheck
			l.Currency, l.At.In(loc).Format("2006-01-02"), string(l.Kind), strconv.FormatInt(l.ID, 10),
			strconv.FormatInt(l.RequestID, 10)})
	}
	w.Flush()
	return w.Error()
}

// ChargePeriod reads an inclusive period of days, in loc, as [from, to).
func ChargePeriod(fromText, toText string, loc *time.Location) (time.Time, time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	from, err := model.ParseDate(fromText)
	if err != nil {
		return time.Time{}, time.Time{}, model.Errorf(model.KindInvalid, "from: %v", err)
	}
	to, err := model.ParseDate(toText)
	if err != nil {
		return time.Time{}, time.Time{}, model.Errorf(model.KindInvalid, "to: %v", err)
	}
	if to.Before(from) {
		return time.Time{}, time.Time{}, model.Errorf(model.KindInvalid, "to is before from")
	}
	f, t := from.Time(), to.AddDate(0, 0, 1).Time()
	return time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc), time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc), nil
}

// ConsentJSON is consent records as the API and `consent show --json` give them.
func ConsentJSON(cs []model.ConsentRecord) []map[string]any {
	out := []map[string]any{}
	for _, c := range cs {
		out = append(out, map[string]any{
			"id": c.ID, "request_id": c.RequestID, "customer": c.CustomerNumber, "domain": c.Domain,
			"decision": string(c.Decision), "quote_version": c.QuoteVersion, "quote_sha256": c.QuoteSHA256,
			"currency": c.Currency, "net_cents": int64(c.Net), "vat_cents": int64(c.VAT), "gross_cents": int64(c.Gross),
			"at": c.At, "method": c.Method, "user_agent": c.UserAgent, "client_hash": c.ClientHash,
		})
	}
	return out
}

// LedgerJSON is ledger entries as the API gives them.
func LedgerJSON(es []model.LedgerEntry) []map[string]any {
	out := []map[string]any{}
	for _, e := range es {
		out = append(out, map[string]any{
			"id": e.ID, "request_id": e.RequestID, "customer": e.CustomerNumber, "domain": e.Domain, "kind": string(e.Kind),
			"description": e.Description, "currency": e.Currency, "net_cents": int64(e.Net), "vat_cents": int64(e.VAT),
			"gross_cents": int64(e.Gross), "at": e.At, "idempotency_key": e.IdempotencyKey,
		})
	}
	return out
}

func evidenceJSON(ev requests.Evidence) map[string]any {
	audit := []map[string]any{}
	for _, a := range ev.Audit {
		audit = append(audit, map[string]any{"at": a.At, "actor": string(a.Actor.Kind) + ":" + a.Actor.ID, "action": a.Action,
			"from": a.FromState, "to": a.ToState, "reason": a.Reason})
	}
	return map[string]any{"request": requests.ViewOf(ev.Request), "quote": ev.Request.Quote,
		"consent": ConsentJSON(ev.Consent), "ledger": LedgerJSON(ev.Ledger), "audit": audit}
}
