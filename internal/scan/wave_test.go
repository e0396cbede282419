package scan

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/store"
)

func TestAhead(t *testing.T) {
	for _, c := range []struct {
		rate float64
		lead time.Duration
		want int
	}{
		{1, 10 * time.Minute, 600},
		{0.5, 10 * time.Minute, 300},
		{0.01, 10 * time.Minute, LeadMin}, // 6 lookups: too few to bridge two waves
		{1000, 10 * time.Minute, WaveMax},
		{1, time.Second, LeadMin},
	} {
		if got := Ahead(c.rate, c.lead); got != c.want {
			t.Errorf("Ahead(%g, %s) = %d, want %d", c.rate, c.lead, got, c.want)
		}
	}
}

func TestWaveShares(t *testing.T) {
	lead := 10 * time.Minute
	got := WaveShares([]WaveServer{
		{Server: "a", Rate: 1, Waiting: 100, Left: 1000}, // 600 ahead, 100 waiting
		{Server: "b", Rate: 0.01, Left: 5},               // fewer left than ahead
		{Server: "c", Rate: 1, Waiting: 700, Left: 50},   // more waiting than ahead
	}, lead)
	if want := map[string]int{"a": 500, "b": 5, "c": 0}; !maps.Equal(got, want) {
		t.Errorf("shares %v, want %v", got, want)
	}

	// More wanted than a wave holds: the small want (all 40 left of a
	// server that could take 60) is met, the others share the rest
	// evenly, WaveMax in all.
	got = WaveShares([]WaveServer{
		{Server: "fast1", Rate: 100, Left: 20000},
		{Server: "slow", Rate: 0.1, Left: 40},
		{Server: "fast2", Rate: 100, Left: 20000},
		{Server: "fast3", Rate: 100, Left: 20000},
	}, lead)
	total := 0
	for _, n := range got {
		total += n
	}
	if got["slow"] != 40 || total != WaveMax || got["fast1"] < 1653 || got["fast2"] < 1653 || got["fast3"] < 1653 {
		t.Errorf("shares over the cap %v (%d in all)", got, total)
	}
}

func TestNextWave(t *testing.T) {
	lead := 10 * time.Minute
	servers := []WaveServer{
		{Server: "a", Rate: 1, Waiting: 100, Left: 1000},
		{Server: "b", Rate: 2, Waiting: 0, Left: 1000},
		{Server: "done", Rate: 0.001, Waiting: 3, Left: 4},
	}
	// a holds 100+200 = 300 s of lookups, b 400/2 = 200 s; "done" has
	// nothing left to queue and does not count.
	if got := NextWave(servers, map[string]int{"a": 200, "b": 400, "done": 4}, lead); got != 100*time.Second {
		t.Errorf("next wave in %s, want 100s (half of b's 200 s)", got)
	}
	if got := NextWave(servers[:1], map[string]int{"a": 900}, lead); got != lead/2 {
		t.Errorf("next wave in %s, want at most half the lead", got)
	}
	if got := NextWave([]WaveServer{{Server: "fast", Rate: 500, Left: 100}}, map[string]int{"fast": 20}, lead); got != time.Second {
		t.Errorf("next wave in %s, want at least a second", got)
	}
	if got := NextWave(servers, map[string]int{"a": 1000, "b": 1000, "done": 4}, lead); got != 0 {
		t.Errorf("next wave in %s with nothing left, want 0", got)
	}
}

func TestPlanWave(t *testing.T) {
	var lists [][]Planned
	servers := []store.ServerPlan{{Server: "rdap.a.test", Rate: 0.05, Waiting: 5}, {Server: "rdap.b.test", Rate: 0.02}}
	for _, s := range servers {
		var l []Planned
		for i := range 40 {
			l = append(l, Planned{Name: fmt.Sprintf("d%02d.%s", i, s.Server), Server: s.Server, Need: Need(i / 10)})
		}
		lists = append(lists, l)
	}
	plan := Plan{PlanRecord: store.PlanRecord{Servers: servers}, Domains: TakeTurns(lists)}
	now, rest, next := plan.Wave(10 * time.Minute)
	// a: 30 ahead at 0.05/s less 5 waiting; b: LeadMin.
	per := map[string]int{}
	for _, p := range now {
		per[p.Server]++
	}
	if per["rdap.a.test"] != 25 || per["rdap.b.test"] != LeadMin {
		t.Errorf("the wave holds %v", per)
	}
	if len(now)+len(rest) != len(plan.Domains) {
		t.Errorf("%d now and %d later of %d", len(now), len(rest), len(plan.Domains))
	}
	// Each server's most needed first, in the plan's order, none twice.
	order := func(l []Planned) []Planned {
		return slices.DeleteFunc(slices.Clone(plan.Domains), func(p Planned) bool { return !slices.Contains(l, p) })
	}
	if !slices.Equal(order(now), now) || !slices.Equal(order(rest), rest) {
		t.Error("the wave or the rest is out of the plan's order")
	}
	for _, p := range rest {
		if slices.Contains(now, p) {
			t.Errorf("%s both now and later", p.Name)
		}
	}
	if first := rest[0]; first.Name != "d20.rdap.b.test" { // b's 21st comes before a's 26th
		t.Errorf("the rest starts with %+v", first)
	}
	// b holds 20 lookups at 0.02/s, 1000 s; a 30 at 0.05/s, 600 s: half of
	// that, capped at half the lead.
	if next != 5*time.Minute {
		t.Errorf("next wave in %s", next)
	}
}
