package scan_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/scan"
	"github.com/afscherm/afscherm/internal/store"
)

var amsterdam, _ = time.LoadLocation("Europe/Amsterdam")

// planNow is when the tests below plan: a window of an hour from then.
var planNow = time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)

// serverByTLD is the planner's view of the registries: .nl and .be each
// have a server, .example none.
func serverByTLD(name string) string {
	switch name[strings.LastIndexByte(name, '.')+1:] {
	case "nl":
		return "rdap.sidn.nl"
	case "be":
		return "rdap.dns.be"
	}
	return ""
}

func planner(rate float64) scan.Planner {
	return scan.Planner{Server: serverByTLD, Rate: func(string) float64 { return rate }}
}

// ago is a candidate last scanned d before planNow with verdict v.
func ago(id int64, name string, d time.Duration, v model.Verdict) store.PlanCandidate {
	return store.PlanCandidate{ID: id, Name: name, LastScanned: planNow.Add(-d), LastStatus: model.ScanOK, LastVerdict: v,
		Updated: planNow.AddDate(-1, 0, 0)}
}

func names(ps []scan.Planned) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// TestPlanOrderOfNeed: with room for every due domain, the plan lists them
// in the order of need — never scanned, following a request, a verdict to
// watch (exposed, undetermined, failed), changed (by the import after the
// last scan, or a registrar of record seen moving), then the round, the
// longest unscanned first — and leaves out what was scanned in the last
// 20 hours unless it was never scanned or changed since.
func TestPlanOrderOfNeed(t *testing.T) {
	day := 24 * time.Hour
	never := store.PlanCandidate{ID: 1, Name: "never.nl", Updated: planNow.AddDate(0, -1, 0)}
	following := ago(2, "following.nl", 2*day, model.VerdictRedacted)
	following.Following = true
	exposed := ago(3, "exposed.nl", 1*day, model.VerdictExposed)
	undetermined := ago(4, "undetermined.nl", 3*day, model.VerdictUndetermined)
	failed := ago(5, "failed.nl", 2*day, "")
	failed.LastStatus = model.ScanFailed
	changed := ago(6, "changed.nl", 5*day, model.VerdictRedacted)
	changed.Updated = planNow.Add(-day) // the import moved it after its last scan
	moved := ago(7, "moved.nl", 4*day, model.VerdictRedacted)
	moved.RegistrarMoved = true
	old := ago(8, "old.nl", 10*day, model.VerdictRedacted)
	older := ago(9, "older.nl", 30*day, model.VerdictNotPublished)
	recent := ago(10, "recent.nl", 2*day, model.VerdictOrganisation)
	fresh := ago(11, "fresh.nl", time.Hour, model.VerdictRedacted)
	freshExposed := ago(12, "fresh-exposed.nl", 19*time.Hour, model.VerdictExposed)
	freshFollowing := ago(13, "fresh-following.nl", time.Hour, model.VerdictRedacted)
	freshFollowing.Following = true
	freshChanged := ago(14, "fresh-changed.nl", time.Hour, model.VerdictRedacted)
	freshChanged.Updated = planNow.Add(-30 * time.Minute)
	w := scan.Window{Start: planNow, End: planNow.Add(4 * time.Hour)}
	// Exactly as long ago as the previous night's window ended: due.
	justStale := ago(15, "just-stale.nl", scan.FreshFor(w), model.VerdictExposed)

	cands := []store.PlanCandidate{recent, fresh, older, freshExposed, moved, old, changed, failed, undetermined,
		exposed, following, never, freshFollowing, freshChanged, justStale}
	plan := planner(1).Make(planNow, w, 7*day, cands)

	want := []string{"never.nl",
		"following.nl",
		"undetermined.nl", "failed.nl", "exposed.nl", "just-stale.nl", // the verdicts, longest unscanned first
		"changed.nl", "moved.nl", "fresh-changed.nl",
		"older.nl", "old.nl", "recent.nl"}
	if got := names(plan.Domains); !slices.Equal(got, want) {
		t.Errorf("planned\n got %v\nwant %v", got, want)
	}
	wantNeed := map[string]scan.Need{"never.nl": scan.NeedNeverScanned, "following.nl": scan.NeedFollowing,
		"exposed.nl": scan.NeedVerdict, "failed.nl": scan.NeedVerdict, "changed.nl": scan.NeedChanged,
		"moved.nl": scan.NeedChanged, "fresh-changed.nl": scan.NeedChanged, "old.nl": scan.NeedRound}
	for _, p := range plan.Domains {
		if n, ok := wantNeed[p.Name]; ok && p.Need != n {
			t.Errorf("%s planned for %s, want %s", p.Name, p.Need, n)
		}
		if p.Server != "rdap.sidn.nl" {
			t.Errorf("%s planned on server %q", p.Name, p.Server)
		}
	}
	if len(plan.Servers) != 1 {
		t.Fatalf("servers: %+v", plan.Servers)
	}
	sp := plan.Servers[0]
	wantBy := map[string]int{"never_scanned": 1, "following": 1, "verdict": 4, "changed": 3, "round": 3}
	if sp.Domains != len(cands) || sp.Planned != len(want) || sp.Due != 0 || sp.Overdue != 0 || sp.Waiting != 0 ||
		!mapsEqual(sp.ByNeed, wantBy) {
		t.Errorf("server plan: %+v, want by need %v", sp, wantBy)
	}
	if !plan.PlannedAt.Equal(planNow) || !plan.WindowStart.Equal(w.Start) || !plan.WindowEnd.Equal(w.End) ||
		plan.ScanEvery != 7*day {
		t.Errorf("plan record: %+v", plan.PlanRecord)
	}
}

func mapsEqual(a, b map[string]int) bool {
	for k, v := range a {
		if v != 0 && b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// TestPlanWithinBudget: with fewer lookups than due domains the most
// needed are planned; the rest are Due, and Overdue when their last scan
// (or, never scanned, their import) lies further back than scanEvery. A
// domain whose scan still waits is not planned and is paid from the budget
// first.
func TestPlanWithinBudget(t *testing.T) {
	day := 24 * time.Hour
	var cands []store.PlanCandidate
	add := func(c store.PlanCandidate) { cands = append(cands, c) }
	add(store.PlanCandidate{ID: 1, Name: "new-old.nl", Updated: planNow.Add(-30 * day)}) // never scanned, imported long ago
	add(store.PlanCandidate{ID: 2, Name: "new.nl", Updated: planNow.Add(-day)})
	add(ago(3, "exposed.nl", 2*day, model.VerdictExposed))
	for i := range 6 { // the round: 9, 8, ... 4 days unscanned
		add(ago(int64(10+i), "round"+string(rune('a'+i))+".nl", time.Duration(9-i)*day, model.VerdictRedacted))
	}
	waiting := ago(20, "waiting.nl", 30*day, model.VerdictRedacted)
	waiting.Waiting = true
	waitingExposed := ago(21, "waiting-exposed.nl", 2*day, model.VerdictExposed)
	waitingExposed.Waiting = true
	add(waiting)
	add(waitingExposed)

	// Room for 6 lookups a night; 2 scans still wait, so 4 are planned.
	p := planner(1)
	p.Headroom = 0.5
	w := scan.Window{Start: planNow, End: planNow.Add(12 * time.Second)}
	plan := p.Make(planNow, w, 7*day, cands)
	want := []string{"new-old.nl", "new.nl", "exposed.nl", "rounda.nl"}
	if got := names(plan.Domains); !slices.Equal(got, want) {
		t.Errorf("planned %v, want %v", got, want)
	}
	sp := plan.Servers[0]
	// Due: roundb (8 days), c (7), d (6), e (5), f (4); overdue: more than
	// 7 days, so b only. The round: the two exposed domains take 2 of the
	// 6 lookups every night, the other 9 domains share 4: 3 nights.
	if sp.Budget != 6 || sp.NightBudget != 6 || sp.Waiting != 2 || sp.Planned != 4 || sp.Due != 5 || sp.Overdue != 1 ||
		sp.Domains != 11 || sp.Round.Nights != 3 {
		t.Errorf("server plan: %+v", sp)
	}

	// More waiting than the budget: nothing is planned, nothing breaks.
	for i := range cands {
		cands[i].Waiting = i%2 == 0
	}
	plan = p.Make(planNow, w, 7*day, cands)
	if sp := plan.Servers[0]; len(plan.Domains) != 0 || sp.Planned != 0 || sp.Waiting != 6 || sp.Due != 5 {
		t.Errorf("with the budget spent on waiting scans: %v, %+v", names(plan.Domains), sp)
	}

	// Without room, a never-scanned domain imported more than scanEvery
	// ago is overdue; one imported yesterday is not.
	p.Headroom = 0
	unscanned := []store.PlanCandidate{{ID: 1, Name: "new-old.nl", Updated: planNow.Add(-30 * day)},
		{ID: 2, Name: "new.nl", Updated: planNow.Add(-day)}}
	plan = p.Make(planNow, scan.Window{Start: planNow, End: planNow}, 7*day, unscanned)
	if sp := plan.Servers[0]; sp.Budget != 0 || sp.Due != 2 || sp.Overdue != 1 || !sp.Round.Never {
		t.Errorf("without budget: %+v", sp)
	}
}

// TestPlanBudget: the budget is the rate times the window less the
// headroom; planned mid-window, only what is left of it; before the
// window, all of it. The round is the server's domains over the night's
// budget, rounded up.
func TestPlanBudget(t *testing.T) {
	start := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	w := scan.Window{Start: start, End: start.Add(8 * time.Hour)}
	cands := make([]store.PlanCandidate, 50000)
	for i := range cands {
		cands[i] = store.PlanCandidate{ID: int64(i + 1), Name: "d" + string(rune('a'+i%26)) + ".nl",
			LastScanned: start.AddDate(0, 0, -1-i%10), Updated: start.AddDate(-1, 0, 0), LastStatus: model.ScanOK}
	}
	for _, tc := range []struct {
		name                 string
		at                   time.Time
		rate                 float64
		budget, night, round int
	}{
		{"before the window", start.Add(-time.Hour), 1, 25920, 25920, 2},
		{"at its start", start, 1, 25920, 25920, 2},
		{"half way", start.Add(4 * time.Hour), 1, 12960, 25920, 2},
		{"after its end", start.Add(9 * time.Hour), 1, 0, 25920, 2},
		{"a slow server", start, 0.25, 6480, 6480, 8},
		{"a fast server", start, 5, 129600, 129600, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := planner(tc.rate).Make(tc.at, w, 7*24*time.Hour, cands)
			sp := plan.Servers[0]
			if sp.Budget != tc.budget || sp.NightBudget != tc.night || sp.Round.Nights != tc.round || sp.Round.Never {
				t.Errorf("budget %d, night %d, round %+v; want %d, %d, %d", sp.Budget, sp.NightBudget, sp.Round,
					tc.budget, tc.night, tc.round)
			}
			if sp.Planned != min(tc.budget, len(cands)) || len(plan.Domains) != sp.Planned || sp.Rate != tc.rate {
				t.Errorf("planned %d (%d listed) at rate %v", sp.Planned, len(plan.Domains), sp.Rate)
			}
		})
	}
}

// TestPlanWarnings: a server is reported when its round takes longer than
// scanEvery, when domains that did not fit are overdue, or when its budget
// allows no lookup at all; the others are not.
func TestPlanWarnings(t *testing.T) {
	day := 24 * time.Hour
	var cands []store.PlanCandidate
	for i := range 20 { // .nl: 20 domains, last scanned 1 to 20 days ago
		cands = append(cands, ago(int64(i+1), "nl"+string(rune('a'+i))+".nl", time.Duration(i+1)*day, model.VerdictRedacted))
	}
	for i := range 3 { // .be: 3 domains, fresh enough
		cands = append(cands, ago(int64(100+i), "be"+string(rune('a'+i))+".be", 2*day, model.VerdictRedacted))
	}
	cands = append(cands, ago(200, "x.example", 2*day, model.VerdictRedacted)) // no server
	w := scan.Window{Start: planNow, End: planNow.Add(10 * time.Second)}
	rates := map[string]float64{"rdap.sidn.nl": 0.5, "rdap.dns.be": 1, scan.NoServer: 0}
	p := scan.Planner{Server: serverByTLD, Rate: func(s string) float64 { return rates[s] }, Headroom: 0.5}

	plan := p.Make(planNow, w, 7*day, cands)
	got := map[string]store.ServerPlan{}
	for _, s := range plan.Servers {
		got[s.Server] = s
	}
	// .nl: 2 lookups a night, 10 nights a round; the two longest
	// unscanned planned, 18 left over of which 11 (8 to 18 days) overdue. .be: 5 a night, a round in one. No
	// server: no lookups.
	if s := got["rdap.sidn.nl"]; s.NightBudget != 2 || s.Round.Nights != 10 || s.Due != 18 || s.Overdue != 11 {
		t.Errorf(".nl: %+v", s)
	}
	if s := got["rdap.dns.be"]; s.NightBudget != 5 || s.Round.Nights != 1 || s.Due != 0 || s.Overdue != 0 {
		t.Errorf(".be: %+v", s)
	}
	if s := got[scan.NoServer]; !s.Round.Never || s.Due != 1 {
		t.Errorf("no server: %+v", s)
	}
	var warned []string
	for _, s := range plan.Warnings() {
		warned = append(warned, s.Server)
	}
	if want := []string{scan.NoServer, "rdap.sidn.nl"}; !slices.Equal(warned, want) {
		t.Errorf("warnings for %v, want %v", warned, want)
	}

	// A round longer than scanEvery warns even without overdue domains;
	// with no scanEvery only the overdue or a zero budget do.
	nl := got["rdap.sidn.nl"]
	nl.Overdue = 0
	if !nl.Warn(7*day) || nl.Warn(11*day) || nl.Warn(0) {
		t.Errorf("Warn with a round of %d nights: 7 days %v, 11 days %v, none %v", nl.Round.Nights,
			nl.Warn(7*day), nl.Warn(11*day), nl.Warn(0))
	}
}

// TestPlanServersTakeTurns: the queue order alternates between servers,
// each server's most needed first, so that every server starts at once.
func TestPlanServersTakeTurns(t *testing.T) {
	day := 24 * time.Hour
	cands := []store.PlanCandidate{
		ago(1, "a.nl", 3*day, model.VerdictRedacted),
		ago(2, "b.nl", 5*day, model.VerdictRedacted),
		ago(3, "c.nl", 2*day, model.VerdictExposed),
		ago(4, "d.nl", 4*day, model.VerdictRedacted),
		ago(5, "a.be", 3*day, model.VerdictRedacted),
		ago(6, "b.be", 9*day, model.VerdictRedacted),
		ago(7, "a.example", 3*day, model.VerdictRedacted),
	}
	plan := planner(1).Make(planNow, scan.Window{Start: planNow, End: planNow.Add(time.Hour)}, 7*day, cands)
	// Servers by name: "-" (none), rdap.dns.be, rdap.sidn.nl.
	want := []string{"a.example", "b.be", "c.nl", "a.be", "b.nl", "d.nl", "a.nl"}
	if got := names(plan.Domains); !slices.Equal(got, want) {
		t.Errorf("queue order %v, want %v", got, want)
	}
	var servers []string
	for _, s := range plan.Servers {
		servers = append(servers, s.Server)
	}
	if want := []string{scan.NoServer, "rdap.dns.be", "rdap.sidn.nl"}; !slices.Equal(servers, want) {
		t.Errorf("servers %v, want %v", servers, want)
	}
}

func TestNeedNames(t *testing.T) {
	var got []string
	for _, n := range scan.Needs() {
		got = append(got, n.String())
	}
	if want := []string{"never_scanned", "following", "verdict", "changed", "round"}; !slices.Equal(got, want) {
		t.Errorf("needs %v", got)
	}
	if s := scan.Need(9).String(); s != "need(9)" {
		t.Errorf("Need(9) = %s", s)
	}
}

// TestNightWindows: the window that holds a time or the next to start, for
// a night across midnight and for the default 02:00–07:00, on ordinary
// days and across the clock changes in Amsterdam (2026-03-29: 02:00 CET
// becomes 03:00 CEST; 2026-10-25: 03:00 CEST becomes 02:00 CET).
func TestNightWindows(t *testing.T) {
	late := scan.Night{StartHour: 22, EndHour: 6, Location: amsterdam}
	early := scan.Night{StartHour: 2, EndHour: 7, Location: amsterdam}
	for _, tc := range []struct {
		name       string
		night      scan.Night
		at         string // UTC
		start, end string // UTC
		inside     bool
	}{
		{"late: in the evening", late, "2026-11-24T22:00:00Z", "2026-11-24T21:00:00Z", "2026-11-25T05:00:00Z", true},
		{"late: after midnight", late, "2026-11-25T02:00:00Z", "2026-11-24T21:00:00Z", "2026-11-25T05:00:00Z", true},
		{"late: at its start", late, "2026-11-24T21:00:00Z", "2026-11-24T21:00:00Z", "2026-11-25T05:00:00Z", true},
		{"late: at its end, the next", late, "2026-11-25T05:00:00Z", "2026-11-25T21:00:00Z", "2026-11-26T05:00:00Z", false},
		{"late: in the afternoon", late, "2026-11-25T13:00:00Z", "2026-11-25T21:00:00Z", "2026-11-26T05:00:00Z", false},
		{"late: a minute before", late, "2026-11-25T20:59:00Z", "2026-11-25T21:00:00Z", "2026-11-26T05:00:00Z", false},
		{"late: summer", late, "2026-07-01T23:00:00Z", "2026-07-01T20:00:00Z", "2026-07-02T04:00:00Z", true},
		// Spring forward: 22:00 CET to 06:00 CEST, seven hours.
		{"late: spring", late, "2026-03-28T22:00:00Z", "2026-03-28T21:00:00Z", "2026-03-29T04:00:00Z", true},
		{"late: spring, the next", late, "2026-03-29T12:00:00Z", "2026-03-29T20:00:00Z", "2026-03-30T04:00:00Z", false},
		// Fall back: 22:00 CEST to 06:00 CET, nine hours.
		{"late: autumn", late, "2026-10-25T04:30:00Z", "2026-10-24T20:00:00Z", "2026-10-25T05:00:00Z", true},
		{"late: autumn, the next", late, "2026-10-25T05:00:00Z", "2026-10-25T21:00:00Z", "2026-10-26T05:00:00Z", false},
		{"early: before", early, "2026-11-25T00:30:00Z", "2026-11-25T01:00:00Z", "2026-11-25T06:00:00Z", false},
		{"early: inside", early, "2026-11-25T03:00:00Z", "2026-11-25T01:00:00Z", "2026-11-25T06:00:00Z", true},
		{"early: after", early, "2026-11-25T07:00:00Z", "2026-11-26T01:00:00Z", "2026-11-26T06:00:00Z", false},
		// 02:00 does not exist on 2026-03-29: the window opens at 03:00
		// CEST, the same instant, and has four hours.
		{"early: spring", early, "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T05:00:00Z", false},
		{"early: spring, inside", early, "2026-03-29T02:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T05:00:00Z", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := mustTime(t, tc.at)
			w := tc.night.Tonight(at)
			if !w.Start.Equal(mustTime(t, tc.start)) || !w.End.Equal(mustTime(t, tc.end)) {
				t.Errorf("Tonight(%s) = %s – %s, want %s – %s", tc.at, w.Start.UTC().Format(time.RFC3339),
					w.End.UTC().Format(time.RFC3339), tc.start, tc.end)
			}
			if got := tc.night.Inside(at); got != tc.inside {
				t.Errorf("Inside(%s) = %v", tc.at, got)
			}
		})
	}
	// 02:00 happens twice on 2026-10-25; whichever the window takes, it
	// ends at 07:00 CET and holds the second 02:30.
	w := early.Tonight(mustTime(t, "2026-10-25T01:30:00Z"))
	if !w.End.Equal(mustTime(t, "2026-10-25T06:00:00Z")) || w.Start.After(mustTime(t, "2026-10-25T01:30:00Z")) ||
		!early.Inside(mustTime(t, "2026-10-25T01:30:00Z")) {
		t.Errorf("autumn, early: %s – %s", w.Start.UTC(), w.End.UTC())
	}
	if late.Length() != 8*time.Hour || early.Length() != 5*time.Hour {
		t.Errorf("Length: late %s, early %s", late.Length(), early.Length())
	}
	if n := (scan.Night{StartHour: 2, EndHour: 2, Location: amsterdam}); n.Length() != 24*time.Hour {
		t.Errorf("a window that ends when it starts lasts %s", n.Length())
	}
	if n := (scan.Night{StartHour: 23, StartMinute: 30, EndHour: 0, EndMinute: 15, Location: amsterdam}); n.Length() != 45*time.Minute {
		t.Errorf("23:30–00:15 lasts %s", n.Length())
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestNeedMostPressing: a domain the import changed takes the most
// pressing of its needs — a request to follow, an exposed verdict — not
// "changed", and the change lets it through although scanned lately.
func TestNeedMostPressing(t *testing.T) {
	exposed := ago(1, "exposed-moved.nl", 2*time.Hour, model.VerdictExposed)
	exposed.Updated = planNow.Add(-time.Hour)
	following := ago(2, "following-moved.nl", 2*24*time.Hour, model.VerdictRedacted)
	following.Following, following.Updated = true, planNow.Add(-time.Hour)
	changed := ago(3, "moved.nl", 2*24*time.Hour, model.VerdictRedacted)
	changed.Updated = planNow.Add(-time.Hour)
	w := scan.Window{Start: planNow, End: planNow.Add(5 * time.Hour)}
	plan := planner(1).Make(planNow, w, 7*24*time.Hour, []store.PlanCandidate{changed, exposed, following})
	got := map[string]scan.Need{}
	for _, p := range plan.Domains {
		got[p.Name] = p.Need
	}
	want := map[string]scan.Need{"following-moved.nl": scan.NeedFollowing, "exposed-moved.nl": scan.NeedVerdict, "moved.nl": scan.NeedChanged}
	if !maps.Equal(got, want) || names(plan.Domains)[0] != "following-moved.nl" {
		t.Errorf("needs %v, want %v (order %v)", got, want, names(plan.Domains))
	}
}

// TestFreshAcrossClockChanges: a scan is fresh from the end of the
// previous night's window, also when a clock change made that window or
// tonight's shorter or longer; a window that is not the schedule's (a plan
// made at once) counts a day back from its own length.
func TestFreshAcrossClockChanges(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	night := scan.Night{StartHour: 2, EndHour: 7, Location: ams}
	for _, c := range []struct {
		day  time.Time
		want time.Duration
	}{
		{time.Date(2026, 12, 6, 12, 0, 0, 0, ams), 19 * time.Hour},
		// 2027-03-28: 02:00 does not exist, the window opens at 03:00;
		// last night's ended at 07:00 CET, 19 hours (of 24 on the clock,
		// one skipped) before.
		{time.Date(2027, 3, 28, 1, 0, 0, 0, ams), 19 * time.Hour},
		// 2026-10-25: 02:00 comes twice; last night's window ended 20
		// hours before tonight's start.
		{time.Date(2026, 10, 25, 1, 0, 0, 0, ams), 20 * time.Hour},
	} {
		w := night.Tonight(c.day)
		if got := night.Fresh(w); got != c.want {
			t.Errorf("window %s–%s: fresh %s, want %s", w.Start, w.End, got, c.want)
		}
	}
	now := time.Date(2026, 12, 6, 14, 0, 0, 0, ams)
	if got := night.Fresh(scan.Window{Start: now, End: now.Add(5 * time.Hour)}); got != 19*time.Hour {
		t.Errorf("a window made at once: fresh %s, want 19h", got)
	}
}
