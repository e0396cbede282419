package scan

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
)

// Need says why a domain is scanned tonight; the smaller, the more needed.
type Need int

// The needs, most pressing first.
const (
	NeedNeverScanned Need = iota // imported, never looked at
	NeedFollowing                // a request waits for the party to complete it, or for its verification
	NeedVerdict                  // last seen exposed or undetermined, or its last scan failed
	NeedChanged                  // the import or the registry changed its registrar or status since
	NeedRound                    // its turn in the round, the longest unscanned first
	needs
)

var needNames = [needs]string{"never_scanned", "following", "verdict", "changed", "round"}

func (n Need) String() string {
	if n < 0 || n >= needs {
		return fmt.Sprintf("need(%d)", int(n))
	}
	return needNames[n]
}

// Needs lists the needs in order, for reports.
func Needs() []Need {
	out := make([]Need, needs)
	for i := range out {
		out[i] = Need(i)
	}
	return out
}

// Window is the time a night's scans have: from the nightly start to its
// end (--nightly-at to --nightly-until).
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Night is a daily scanning window in a time zone, such as 02:00 to 07:00
// in Amsterdam; an end at or before the start ends the next day.
type Night struct {
	StartHour, StartMinute int
	EndHour, EndMinute     int
	Location               *time.Location
}

// window returns the window that starts on t's calendar day.
func (n Night) window(t time.Time) Window {
	t = t.In(n.Location)
	start := time.Date(t.Year(), t.Month(), t.Day(), n.StartHour, n.StartMinute, 0, 0, n.Location)
	end := time.Date(t.Year(), t.Month(), t.Day(), n.EndHour, n.EndMinute, 0, 0, n.Location)
	if !end.After(start) {
		end = time.Date(t.Year(), t.Month(), t.Day()+1, n.EndHour, n.EndMinute, 0, 0, n.Location)
	}
	return Window{start, end}
}

// Tonight is the window that holds t, or else the next one to start.
func (n Night) Tonight(t time.Time) Window {
	for _, day := range []int{-1, 0, 1} {
		w := n.window(t.AddDate(0, 0, day))
		if t.Before(w.End) {
			return w
		}
	}
	return n.window(t.AddDate(0, 0, 2)) // not reached: the window of tomorrow ends after t
}

// Inside tells whether t is inside a window.
func (n Night) Inside(t time.Time) bool {
	w := n.Tonight(t)
	return !t.Before(w.Start)
}

// Length is the time a window gives, on a day without a clock change.
func (n Night) Length() time.Duration {
	d := time.Duration(n.EndHour-n.StartHour)*time.Hour + time.Duration(n.EndMinute-n.StartMinute)*time.Minute
	if d <= 0 {
		d += 24 * time.Hour
	}
	return d
}

// Planner decides which domains are scanned in a night, within each
// server's budget: the lookups its rate allows in the window, less a share
// kept free for retries and the verification of completed requests.
type Planner struct {
	// Server names the server that answers a domain's first lookup (its
	// registry's RDAP service, or its WHOIS server); "" when none is known.
	Server func(domain string) string
	// Rate is a server's configured requests per second, shared by every
	// process that scans.
	Rate func(server string) float64
	// Headroom is the share of the budget left free; DefaultHeadroom when 0.
	Headroom float64
	// ScanEvery is how long a domain may go unscanned; a server whose
	// round takes longer is reported.
	ScanEvery time.Duration
	// Fresh: a domain scanned less than this long ago is not due again
	// for its verdict or its round; FreshFor the window when 0.
	Fresh time.Duration
}

// DefaultHeadroom keeps a tenth of each night's lookups for retries of busy
// servers and for the re-scans that verify completed requests.
const DefaultHeadroom = 0.1

// FreshFor is how long a scan stays fresh for a plan of window w when the
// nightly schedule is not known: from the end of a window a day before, as
// long as w, to w's start; Night.Fresh knows better across clock changes.
// A domain scanned in the previous night is due again tonight (exposed
// domains every night), one scanned since — by a plan made twice in a day
// — is not looked up twice. At least an hour.
func FreshFor(w Window) time.Duration {
	return max(time.Hour, 24*time.Hour-w.End.Sub(w.Start))
}

// Fresh is FreshFor for this schedule: for one of its windows, the time
// from the end of the window of the day before — which a clock change
// makes 23 or 25 hours before, and one of its windows shorter or longer —
// to w's start; for a window of another start (a plan made at once), as
// FreshFor.
func (n Night) Fresh(w Window) time.Duration {
	if own := n.window(w.Start); !own.Start.Equal(w.Start) || !own.End.Equal(w.End) {
		return FreshFor(w)
	}
	prev := n.window(w.Start.In(n.Location).AddDate(0, 0, -1))
	return max(time.Hour, w.Start.Sub(prev.End))
}

// NoServer is the server of domains whose TLD has neither RDAP nor a WHOIS
// server; their scans fail at once and are planned like any other.
const NoServer = "-"

// Plan is a night's plan: the record kept of it, and the scans to queue.
type Plan struct {
	store.PlanRecord
	// Domains are the planned scans in the order to queue them: servers
	// taking turns, each server's most needed first.
	Domains []Planned
}

// Window is the plan's window.
func (p Plan) Window() Window { return Window{Start: p.WindowStart, End: p.WindowEnd} }

// Planned is one domain's place in the plan.
type Planned struct {
	Name   string
	Server string
	Need   Need
}

// need is why c would be scanned tonight, the most pressing of its needs;
// due is false when it need not be. A scan since the previous night
// (fresh) makes it wait, unless the import changed it since.
func (p Planner) need(c store.PlanCandidate, now time.Time, fresh time.Duration) (n Need, due bool) {
	if c.LastScanned.IsZero() {
		return NeedNeverScanned, true
	}
	if now.Sub(c.LastScanned) < fresh && !c.ChangedSinceScan() {
		return NeedRound, false
	}
	switch {
	case c.Following:
		return NeedFollowing, true
	case recurring(c):
		return NeedVerdict, true
	case c.ChangedSinceScan() || c.RegistrarMoved:
		return NeedChanged, true
	}
	return NeedRound, true
}

// recurring tells whether c is planned every night while it stays so: a
// request follows it, or its last verdict or lookup asks to look again.
func recurring(c store.PlanCandidate) bool {
	return c.Following || c.LastVerdict == model.VerdictExposed || c.LastVerdict == model.VerdictUndetermined ||
		c.LastStatus == model.ScanFailed
}

// Make plans the window w, as seen at now, for the active domains cands.
// A domain whose scan is still queued or running is not planned again, and
// its scan is paid from its server's budget first.
func (p Planner) Make(now time.Time, w Window, scanEvery time.Duration, cands []store.PlanCandidate) Plan {
	headroom := p.Headroom
	if headroom <= 0 || headroom >= 1 {
		headroom = DefaultHeadroom
	}
	type entry struct {
		c    *store.PlanCandidate
		need Need
	}
	byServer := map[string][]entry{}
	servers := map[string]*store.ServerPlan{}
	serverOf := map[string]string{} // by TLD: one bootstrap lookup per TLD
	nightly := map[string]int{}     // by server: domains planned every night
	start := w.Start
	if now.After(start) {
		start = now
	}
	seconds := max(0, w.End.Sub(start).Seconds())
	whole := max(0, w.End.Sub(w.Start).Seconds())
	fresh := cmp.Or(p.Fresh, FreshFor(w))
	for i := range cands {
		c := &cands[i]
		tld := c.Name[strings.LastIndexByte(c.Name, '.')+1:]
		srv, ok := serverOf[tld]
		if !ok {
			srv = cmp.Or(p.Server(c.Name), NoServer)
			serverOf[tld] = srv
		}
		sp := servers[srv]
		if sp == nil {
			rate := p.Rate(srv)
			sp = &store.ServerPlan{Server: srv, Rate: rate, Budget: int(math.Floor(rate * seconds * (1 - headroom))),
				NightBudget: int(math.Floor(rate * whole * (1 - headroom))), ByNeed: map[string]int{}}
			servers[srv] = sp
		}
		sp.Domains++
		if recurring(*c) {
			nightly[srv]++
		}
		if c.Waiting {
			sp.Waiting++
			continue
		}
		if n, due := p.need(*c, now, fresh); due {
			byServer[srv] = append(byServer[srv], entry{c, n})
		}
	}
	plan := Plan{PlanRecord: store.PlanRecord{PlannedAt: now.UTC(), WindowStart: w.Start.UTC(), WindowEnd: w.End.UTC(), ScanEvery: scanEvery}}
	lists := map[string][]Planned{}
	overdueBefore := now.Add(-scanEvery)
	for srv, sp := range servers {
		due := byServer[srv]
		slices.SortFunc(due, func(a, b entry) int {
			return cmp.Or(cmp.Compare(a.need, b.need), a.c.LastScanned.Compare(b.c.LastScanned), cmp.Compare(a.c.ID, b.c.ID))
		})
		room := max(0, sp.Budget-sp.Waiting)
		take := min(room, len(due))
		for _, e := range due[:take] {
			lists[srv] = append(lists[srv], Planned{Name: e.c.Name, Server: srv, Need: e.need})
			sp.ByNeed[e.need.String()]++
		}
		sp.Planned = take
		sp.Due = len(due) - take
		for _, e := range due[take:] {
			// Overdue: its last scan, or when it has none its import,
			// lies further back than scanEvery.
			since := e.c.LastScanned
			if since.IsZero() {
				since = e.c.Updated
			}
			if scanEvery > 0 && since.Before(overdueBefore) {
				sp.Overdue++
			}
		}
		// A round: the domains planned every night take their share of
		// each night's budget, the others share the rest.
		if every, rest := nightly[srv], sp.NightBudget-nightly[srv]; rest > 0 {
			sp.Round.Nights = max(1, (sp.Domains-every+rest-1)/rest)
		} else {
			sp.Round.Never = true
		}
		plan.Servers = append(plan.Servers, *sp)
	}
	slices.SortFunc(plan.Servers, func(a, b store.ServerPlan) int { return cmp.Compare(a.Server, b.Server) })
	// Servers take turns, so that every server's queue starts at once.
	turns := make([][]Planned, len(plan.Servers))
	for i, sp := range plan.Servers {
		turns[i] = lists[sp.Server]
	}
	plan.Domains = TakeTurns(turns)
	return plan
}

// PlanWarning says why a server cannot keep up, and what helps.
func PlanWarning(s store.ServerPlan, every time.Duration) string {
	var why []string
	if s.Round.Never {
		why = append(why, "its budget allows no lookup in the window")
	} else if time.Duration(s.Round.Nights)*24*time.Hour > every {
		why = append(why, fmt.Sprintf("a full round of its %d domains takes %d nights at %d lookups a night", s.Domains, s.Round.Nights, s.NightBudget))
	}
	if s.Overdue > 0 {
		why = append(why, fmt.Sprintf("%d domains not scanned in %s do not fit tonight", s.Overdue, store.AgeText(every)))
	}
	return fmt.Sprintf("%s cannot scan every domain every %s: %s; raise its --rate-limit if the registry allows, or widen --nightly-at/--nightly-until",
		s.Server, store.AgeText(every), strings.Join(why, "; "))
}
