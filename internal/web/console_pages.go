package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
)

// pageSize is how many rows a console list shows at once.
const pageSize = 50

// overviewPage: counts per verdict and per request state, this month's
// charges, and the exposed domains per night over 90 days.
func (s *Server) overviewPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	verdicts, err := s.deps.Store.VerdictCounts(ctx)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	states, err := s.deps.Store.RequestCounts(ctx)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	now := s.deps.Store.Now().In(amsterdam)
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, amsterdam)
	entries, err := s.deps.Store.LedgerEntries(ctx, store.LedgerFilter{From: monthStart, To: monthStart.AddDate(0, 1, 0)})
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	var gross model.Cents
	for _, e := range entries {
		gross += e.Gross
	}
	from := now.AddDate(0, 0, -89)
	days, err := s.deps.Store.ExposedPerDay(ctx, time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC))
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	coverage, err := s.deps.Store.Coverage(ctx, now)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	plan, planned, err := s.deps.Store.LatestScanPlan(ctx)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	cov := coverageView(coverage)
	if planned {
		cov["Plan"] = planView(plan)
	}
	type count struct {
		Name  string
		Count int
		Link  string
	}
	var vs []count
	for _, v := range []model.Verdict{model.VerdictExposed, model.VerdictUndetermined, model.VerdictProxied, model.VerdictRedacted, model.VerdictOrganisation, model.VerdictNotPublished, ""} {
		name, link := string(v), "/staff/domains?verdict="+string(v)
		if v == "" {
			name, link = "not scanned yet", ""
		}
		vs = append(vs, count{name, verdicts[v], link})
	}
	var rs []count
	for _, st := range model.RequestStates {
		rs = append(rs, count{string(st), states[st], "/staff/requests?state=" + string(st)})
	}
	s.renderConsole(w, r, http.StatusOK, "overview", map[string]any{"Title": "Overview", "Verdicts": vs, "States": rs,
		"Charged": gross, "Charges": len(entries), "Month": monthStart.Format("January 2006"),
		"Chart": exposedChart(days, from, now), "Exposed": verdicts[model.VerdictExposed],
		"Undetermined": verdicts[model.VerdictUndetermined], "Coverage": cov})
}

// coverageRow is one line of the overview's coverage card.
type coverageRow struct {
	Name, Value, Note string
}

// coverageView gives the overview's coverage card: the active domains
// scanned in the last 24 hours, 7 and 30 days, those never scanned, and
// the oldest last scan, overall and per TLD.
func coverageView(c store.Coverage) map[string]any {
	oldest := func(t time.Time) (string, string) {
		if t.IsZero() {
			return "none scanned", ""
		}
		return dateIn(t, "2006-01-02 15:04"), store.AgeText(c.At.Sub(t)) + " ago"
	}
	rows := []coverageRow{
		{Name: "scanned in the last 24 hours", Value: strconv.Itoa(c.Day)},
		{Name: "scanned in the last 7 days", Value: strconv.Itoa(c.Week)},
		{Name: "scanned in the last 30 days", Value: strconv.Itoa(c.Month)},
		{Name: "never scanned", Value: strconv.Itoa(c.Never)},
	}
	v, note := oldest(c.Oldest)
	rows = append(rows, coverageRow{Name: "oldest scan", Value: v, Note: note})
	var tlds []coverageRow
	for _, t := range c.ByTLD {
		v, note := oldest(t.Oldest)
		tlds = append(tlds, coverageRow{Name: "." + t.TLD, Value: v,
			Note: strings.TrimPrefix(fmt.Sprintf("%s, %d of %d never scanned", note, t.Never, t.Active), ", ")})
	}
	return map[string]any{"Active": c.Active, "Rows": rows, "TLDs": tlds}
}

// planRow is one server of the overview's plan table.
type planRow struct {
	Server, Round string
	Domains       int
	Budget        int
	Warning       string
}

// planView gives the latest nightly plan per server: its domains, the
// lookups a night allows, the nights a full round takes, and the warning
// where that exceeds --scan-every.
func planView(p store.PlanRecord) map[string]any {
	var rows []planRow
	for _, sp := range p.Servers {
		row := planRow{Server: sp.Server, Domains: sp.Domains, Budget: sp.NightBudget, Round: fmt.Sprintf("%d nights", sp.Round.Nights)}
		if sp.Round.Never {
			row.Round = "never"
		}
		if sp.Round.Nights == 1 {
			row.Round = "1 night"
		}
		if sp.Warn(p.ScanEvery) {
			row.Warning = scan.PlanWarning(sp, p.ScanEvery)
		}
		rows = append(rows, row)
	}
	return map[string]any{"Rows": rows, "Window": dateIn(p.WindowStart, "2006-01-02 15:04") + " to " + dateIn(p.WindowEnd, "15:04")}
}

// exposedChart draws the exposed domains per night as an SVG bar chart,
// one bar a day from first to last, server-side and without scripts.
func exposedChart(days []store.DayCount, first, last time.Time) template.HTML {
	counts := map[string]int{}
	top := 1
	for _, d := range days {
		counts[d.Day] = d.Count
		top = max(top, d.Count)
	}
	const w, h, left, bottom = 720, 180, 36, 22
	n := int(last.Sub(first).Hours()/24) + 1
	bar := float64(w-left) / float64(n)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title"><title id="chart-title">Exposed domains per night, %s to %s</title>`,
		w, h, first.Format("2 Jan"), last.Format("2 Jan 2006"))
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="axis"/>`, left, h-bottom, w, h-bottom)
	fmt.Fprintf(&b, `<text x="%d" y="12" class="label" text-anchor="end">%d</text><text x="%d" y="%d" class="label" text-anchor="end">0</text>`,
		left-4, top, left-4, h-bottom)
	for i := range n {
		day := first.AddDate(0, 0, i)
		c := counts[day.Format(time.DateOnly)]
		bh := float64(h-bottom-14) * float64(c) / float64(top)
		x := float64(left) + float64(i)*bar
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %d</title></rect>`,
			x+0.5, float64(h-bottom)-bh, max(bar-1, 1), bh, day.Format(time.DateOnly), c)
		if day.Day() == 1 || (i == 0 && day.Day() < 25) { // no first label crowding the next month's
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="label">%s</text>`, x, h-6, day.Format("2 Jan"))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // built from numbers and dates only
}

// pageNumber reads ?page=N (1 when absent).
func pageNumber(r *http.Request) (int, error) {
	p := r.URL.Query().Get("page")
	if p == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, model.Errorf(model.KindInvalid, "page %q is not a page number", p)
	}
	return n, nil
}

// pager is the links to a list's pages.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string
}

func newPager(r *http.Request, page, total int) pager {
	p := pager{Page: page, Total: total, Pages: max(1, (total+pageSize-1)/pageSize)}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(min(page-1, p.Pages))
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	return p
}

// domainsPage: active domains, searchable and filterable, a page at a time.
func (s *Server) domainsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, err := pageNumber(r)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	verdict := model.Verdict(q.Get("verdict"))
	if verdict != "" && !slices.Contains(model.Verdicts, verdict) {
		s.consoleProblem(w, r, http.StatusBadRequest, fmt.Sprintf("%q is not a verdict.", verdict))
		return
	}
	f := store.DomainSearch{CustomerNumber: strings.TrimSpace(q.Get("customer")), Verdict: verdict,
		TLD: strings.TrimPrefix(strings.TrimSpace(q.Get("tld")), "."), Text: strings.TrimSpace(q.Get("q")),
		Limit: pageSize, Offset: (page - 1) * pageSize}
	domains, total, err := s.deps.Store.SearchDomains(r.Context(), f)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	p := newPager(r, page, total)
	status := http.StatusOK
	if page > p.Pages {
		status = http.StatusNotFound
	}
	s.renderConsole(w, r, status, "domains", map[string]any{"Title": "Domains", "Domains": domains, "Filter": f,
		"Verdicts": model.Verdicts, "Pager": p, "OutOfRange": page > p.Pages,
		"First": newPager(r, 1, total).Prev})
}

// domainPage: a domain's scans with the fields found and the evidence, the
// match with our customer data, and its requests.
func (s *Server) domainPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name, err := model.NormalizeDomainName(r.PathValue("name"))
	if err != nil {
		s.consoleProblem(w, r, http.StatusBadRequest, "That is not a domain name.")
		return
	}
	d, err := s.deps.Store.Domain(ctx, name)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	c, err := s.deps.Store.Customer(ctx, d.CustomerNumber)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	scans, err := s.deps.Store.Scans(ctx, d.Name, 20)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	reqs, err := s.deps.Store.Requests(ctx, store.RequestFilter{Domain: d.Name})
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	open := slices.ContainsFunc(reqs, func(x model.PrivacyRequest) bool { return x.State.Open() })
	canQueue := !open && s.deps.Requests != nil
	s.renderConsole(w, r, http.StatusOK, "domain", map[string]any{"Title": d.DisplayName(), "Domain": d, "Customer": c,
		"Scans": scans, "Requests": reqs, "CanQueue": d.LastVerdict == model.VerdictExposed && canQueue,
		"Review": reviewOf(d, scans, canQueue), "Registrar": s.registrarOf(d, scans)})
}

// registrarView is the registrar of record as imported and as the live
// record of the newest classified scan names it.
type registrarView struct {
	Imported string
	Live     model.Registrar
	Scanned  bool // a classified scan exists
	Mismatch bool // the live record names another registrar than the import
}

func (s *Server) registrarOf(d model.Domain, scans []model.ScanResult) registrarView {
	v := registrarView{Imported: d.Registrar}
	for _, sc := range scans {
		if sc.Status == model.ScanOK {
			v.Live, v.Scanned = sc.Registrar, true
			break
		}
	}
	if s.deps.Requests != nil && s.deps.Requests.Adapters != nil {
		v.Mismatch = !s.deps.Requests.Adapters.SameRegistrar(d.Registrar, v.Live)
	} else {
		v.Mismatch = d.Registrar != "" && v.Live.Name != "" && !model.RegistrarNamesMatch(v.Live.Name, d.Registrar)
	}
	return v
}

// review is what the domain page shows staff of a domain whose last
// verdict is undetermined: the response to read, and whether they may
// queue a request anyway.
type review struct {
	Scan     model.ScanResult
	Raw      string // the response as received; empty once retention removed it
	CanQueue bool
}

// reviewOf finds the scan behind an undetermined verdict — the newest one
// that was classified — among a domain's scans, newest first.
func reviewOf(d model.Domain, scans []model.ScanResult, canQueue bool) *review {
	if d.LastVerdict != model.VerdictUndetermined {
		return nil
	}
	rv := &review{CanQueue: canQueue}
	for _, sc := range scans {
		if sc.Status == model.ScanOK {
			rv.Scan = sc
			break
		}
	}
	raw := rv.Scan.Raw
	var indented bytes.Buffer
	if rv.Scan.Source == model.SourceRDAP && json.Indent(&indented, raw, "", "  ") == nil {
		raw = indented.Bytes()
	}
	rv.Raw = string(raw)
	return rv
}

// requestsPage: the queue by state, with bulk actions.
func (s *Server) requestsPage(w http.ResponseWriter, r *http.Request) {
	state := model.RequestState(r.URL.Query().Get("state"))
	if state != "" && !slices.Contains(model.RequestStates, state) {
		s.consoleProblem(w, r, http.StatusBadRequest, fmt.Sprintf("%q is not a request state.", state))
		return
	}
	f := store.RequestFilter{State: state, Limit: 500}
	if state == "" {
		f.OpenOnly = true
	}
	reqs, err := s.deps.Store.Requests(r.Context(), f)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	counts, err := s.deps.Store.RequestCounts(r.Context())
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	s.renderConsole(w, r, http.StatusOK, "requests", map[string]any{"Title": "Requests", "Requests": reqs, "State": state,
		"States": model.RequestStates, "Counts": counts})
}

// actionResult is what a bulk action did for one item.
type actionResult struct {
	Item, Link string
	OK         bool
	Message    string
}

// requestsAction carries out a bulk action: queue requests for domains,
// resend approval mails, or cancel requests. Each item succeeds or fails on
// its own; a repeat finds the work done and says so.
func (s *Server) requestsAction(w http.ResponseWriter, r *http.Request) {
	if s.deps.Requests == nil {
		s.consoleProblem(w, r, http.StatusNotFound, "This server has no request flow.")
		return
	}
	ctx, by := r.Context(), actorOf(r)
	action := r.PostFormValue("action")
	var results []actionResult
	switch action {
	case "queue":
		domains := r.PostForm["domain"]
		if len(domains) == 0 {
			s.consoleProblem(w, r, http.StatusBadRequest, "Select at least one domain.")
			return
		}
		for _, d := range domains {
			res := actionResult{Item: model.DisplayDomainName(d), Link: "/staff/domains/" + url.PathEscape(d)}
			req, err := s.deps.Requests.Create(ctx, d, by, requests.CreateOptions{})
			if err != nil {
				res.Message = messageOf(err)
			} else {
				res.OK, res.Link = true, fmt.Sprintf("/staff/requests/%d", req.ID)
				res.Message = fmt.Sprintf("request %d queued (%s); the customer is mailed the quote", req.ID, req.State)
			}
			results = append(results, res)
		}
	case "queue_reviewed":
		// One domain whose last verdict is undetermined, queued after staff
		// read its response, with their reason for the audit trail.
		d := r.PostFormValue("domain")
		reason := strings.TrimSpace(r.PostFormValue("reviewed"))
		if d == "" {
			s.consoleProblem(w, r, http.StatusBadRequest, "Say which domain. Nothing was changed.")
			return
		}
		if reason == "" {
			s.consoleProblem(w, r, http.StatusBadRequest, "Say why you queue it: what personal data does the response show? Nothing was changed.")
			return
		}
		res := actionResult{Item: model.DisplayDomainName(d), Link: "/staff/domains/" + url.PathEscape(d)}
		req, err := s.deps.Requests.Create(ctx, d, by, requests.CreateOptions{Reviewed: reason})
		if err != nil {
			res.Message = messageOf(err)
		} else {
			res.OK, res.Link = true, fmt.Sprintf("/staff/requests/%d", req.ID)
			res.Message = fmt.Sprintf("request %d queued after your review (%s); the customer is mailed the quote", req.ID, req.State)
		}
		results = append(results, res)
	case "resend", "cancel":
		reason := strings.TrimSpace(r.PostFormValue("reason"))
		if action == "cancel" && reason == "" {
			s.consoleProblem(w, r, http.StatusBadRequest, "Say why the requests are cancelled. Nothing was changed.")
			return
		}
		ids := r.PostForm["id"]
		if len(ids) == 0 {
			s.consoleProblem(w, r, http.StatusBadRequest, "Select at least one request.")
			return
		}
		for _, text := range ids {
			id, err := strconv.ParseInt(text, 10, 64)
			res := actionResult{Item: "request " + text, Link: "/staff/requests/" + url.PathEscape(text)}
			switch {
			case err != nil:
				res.Message = "not a request id"
			case action == "resend":
				if err = s.deps.Requests.Resend(ctx, id, by); err == nil {
					res.OK, res.Message = true, "a new approval link was mailed"
				}
			default:
				if _, err = s.deps.Requests.Cancel(ctx, id, by, reason, false); err == nil {
					res.OK, res.Message = true, "cancelled"
				}
			}
			if err != nil && res.Message == "" {
				res.Message = messageOf(err)
			}
			results = append(results, res)
		}
	default:
		s.consoleProblem(w, r, http.StatusBadRequest, "Choose an action. Nothing was changed.")
		return
	}
	s.renderConsole(w, r, http.StatusOK, "results", map[string]any{"Title": "Done", "Results": results, "Back": "/staff/requests"})
}

// messageOf is an error as staff should read it; internal errors are not
// shown.
func messageOf(err error) string {
	if statusOf(err) == http.StatusInternalServerError {
		return "failed on our side (logged); try again"
	}
	return err.Error()
}

// requestPage: a request with its quote, audit trail, consent records and
// ledger entries.
func (s *Server) requestPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	if s.deps.Requests == nil {
		s.consoleProblem(w, r, http.StatusNotFound, "This server has no request flow.")
		return
	}
	ev, err := s.deps.Requests.Evidence(r.Context(), id)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	s.renderConsole(w, r, http.StatusOK, "request", map[string]any{"Title": fmt.Sprintf("Request %d", id), "E": ev,
		"CanResend": ev.Request.State == model.StateAwaitingApproval,
		"CanCancel": slices.Contains([]model.RequestState{model.StateQuoted, model.StateAwaitingApproval, model.StateApproved}, ev.Request.State)})
}

// month is one month's charges.
type month struct {
	Start         time.Time
	Label, Key    string
	Entries       int
	Net, VAT, Sum model.Cents
}

// chargesPage: the ledger by month, the chosen month's entries, and the
// CSV export.
func (s *Server) chargesPage(w http.ResponseWriter, r *http.Request) {
	now := s.deps.Store.Now().In(amsterdam)
	chosen := r.URL.Query().Get("month")
	if chosen == "" {
		chosen = now.Format("2006-01")
	}
	start, err := time.ParseInLocation("2006-01", chosen, amsterdam)
	if err != nil {
		s.consoleProblem(w, r, http.StatusBadRequest, fmt.Sprintf("%q is not a month (YYYY-MM).", chosen))
		return
	}
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, amsterdam).AddDate(0, -11, 0)
	all, err := s.deps.Store.LedgerEntries(r.Context(), store.LedgerFilter{From: first, To: first.AddDate(1, 0, 0)})
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	months := make([]month, 12)
	for i := range months {
		m := first.AddDate(0, 11-i, 0)
		months[i] = month{Start: m, Label: m.Format("January 2006"), Key: m.Format("2006-01")}
	}
	for _, e := range all {
		at := e.At.In(amsterdam)
		i := 11 - ((at.Year()-first.Year())*12 + int(at.Month()) - int(first.Month()))
		if i >= 0 && i < 12 {
			months[i].Entries++
			months[i].Net += e.Net
			months[i].VAT += e.VAT
			months[i].Sum += e.Gross
		}
	}
	entries, err := s.deps.Store.LedgerEntries(r.Context(), store.LedgerFilter{From: start, To: start.AddDate(0, 1, 0)})
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	last := start.AddDate(0, 1, -1)
	s.renderConsole(w, r, http.StatusOK, "charges", map[string]any{"Title": "Charges", "Months": months, "Entries": entries,
		"Chosen": start.Format("January 2006"), "From": start.Format(time.DateOnly), "To": last.Format(time.DateOnly)})
}

// chargesCSV: GET /staff/charges.csv?from=YYYY-MM-DD&to=YYYY-MM-DD, the
// same CSV as `afscherm charges export`.
func (s *Server) chargesCSV(w http.ResponseWriter, r *http.Request) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.deps.Limits.LongWriteTimeout)) // a long export
	from, to, err := ChargePeriod(r.URL.Query().Get("from"), r.URL.Query().Get("to"), amsterdam)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	entries, err := s.deps.Store.LedgerEntries(r.Context(), store.LedgerFilter{From: from, To: to})
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="charges-%s-%s.csv"`,
		r.URL.Query().Get("from"), r.URL.Query().Get("to")))
	if err := WriteChargesCSV(w, entries, amsterdam); err != nil {
		s.logError(r.Context(), "charges csv", err)
	}
}

// tasksPage: what staff must do where a party has no API, and what was
// done lately.
func (s *Server) tasksPage(w http.ResponseWriter, r *http.Request) {
	all, err := s.deps.Store.Tasks(r.Context(), false)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	var open, done []model.Task
	for _, t := range all {
		if t.Open() {
			open = append(open, t)
		} else if len(done) < 20 {
			done = append(done, t)
		}
	}
	s.renderConsole(w, r, http.StatusOK, "tasks", map[string]any{"Title": "Tasks", "Open": open, "Done": done})
}

// taskDone marks a task done with staff's note.
func (s *Server) taskDone(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.consoleProblem(w, r, http.StatusBadRequest, "That is not a task.")
		return
	}
	if s.deps.Requests == nil {
		s.consoleProblem(w, r, http.StatusNotFound, "This server has no request flow.")
		return
	}
	t, err := s.deps.Requests.TaskDone(r.Context(), id, actorOf(r), strings.TrimSpace(r.PostFormValue("note")))
	res := actionResult{Item: fmt.Sprintf("task %d", id), Link: "/staff/tasks"}
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError {
			s.consoleError(w, r, err)
			return
		}
		res.Message = messageOf(err)
		s.renderConsole(w, r, statusOf(err), "results", map[string]any{"Title": "Not done", "Results": []actionResult{res}, "Back": "/staff/tasks"})
		return
	}
	res.OK, res.Link = true, fmt.Sprintf("/staff/requests/%d", t.RequestID)
	res.Message = fmt.Sprintf("done; request %d moves on", t.RequestID)
	s.renderConsole(w, r, http.StatusOK, "results", map[string]any{"Title": "Done", "Results": []actionResult{res}, "Back": "/staff/tasks"})
}

// jobCount is how many jobs of a kind are in each state.
type jobCount struct {
	Kind   string
	States map[rivertype.JobState]int
}

var jobStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateCompleted, rivertype.JobStateDiscarded, rivertype.JobStateCancelled}

// jobsPage: the queue's depth per kind and state, and the jobs that failed
// for good. (River's own UI needs PostgreSQL; this page works on both.)
func (s *Server) jobsPage(w http.ResponseWriter, r *http.Request) {
	if s.deps.Jobs == nil {
		s.consoleProblem(w, r, http.StatusNotFound, "This server works no jobs; see a worker's console.")
		return
	}
	counts := map[string]map[rivertype.JobState]int{}
	var failed []*rivertype.JobRow
	for _, st := range jobStates {
		params := river.NewJobListParams().States(st).First(10000)
		res, err := s.deps.Jobs.JobList(r.Context(), params)
		if err != nil {
			s.consoleError(w, r, err)
			return
		}
		for _, j := range res.Jobs {
			if counts[j.Kind] == nil {
				counts[j.Kind] = map[rivertype.JobState]int{}
			}
			counts[j.Kind][st]++
			if st == rivertype.JobStateDiscarded && len(failed) < 50 {
				failed = append(failed, j)
			}
		}
	}
	var kinds []jobCount
	for k, c := range counts {
		kinds = append(kinds, jobCount{k, c})
	}
	slices.SortFunc(kinds, func(a, b jobCount) int { return strings.Compare(a.Kind, b.Kind) })
	type failure struct {
		ID       int64
		Kind     string
		At       time.Time
		Attempts int
		Error    string
	}
	var fs []failure
	for _, j := range failed {
		f := failure{ID: j.ID, Kind: j.Kind, Attempts: j.Attempt}
		if j.FinalizedAt != nil {
			f.At = *j.FinalizedAt
		}
		if n := len(j.Errors); n > 0 {
			f.Error = j.Errors[n-1].Error
		}
		fs = append(fs, f)
	}
	s.renderConsole(w, r, http.StatusOK, "jobs", map[string]any{"Title": "Jobs", "Kinds": kinds, "States": jobStates, "Failed": fs,
		"RiverUI": s.deps.RiverUI != nil})
}
