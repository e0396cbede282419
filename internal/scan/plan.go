package scan

import (
	"slices"

	"github.com/afscherm/afscherm/internal/model"
)

// Interleave orders domains so that their TLDs take turns — nl, com, be,
// nl, com, be, … — so that scans spread over the registries' servers and
// no one server's rate limit holds up the others.
func Interleave(domains []model.Domain) []model.Domain {
	byTLD := map[string][]model.Domain{}
	var tlds []string
	for _, d := range domains {
		t := d.TLD()
		if _, ok := byTLD[t]; !ok {
			tlds = append(tlds, t)
		}
		byTLD[t] = append(byTLD[t], d)
	}
	// Most domains first, so that the largest queue starts earliest.
	slices.SortStableFunc(tlds, func(a, b string) int { return len(byTLD[b]) - len(byTLD[a]) })
	lists := make([][]model.Domain, len(tlds))
	for i, t := range tlds {
		lists[i] = byTLD[t]
	}
	return TakeTurns(lists)
}

// TakeTurns merges lists by taking one of each in turn: the first of every
// list, then the second of every list, and so on.
func TakeTurns[T any](lists [][]T) []T {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	out := make([]T, 0, n)
	for i := 0; len(out) < n; i++ {
		for _, l := range lists {
			if i < len(l) {
				out = append(out, l[i])
			}
		}
	}
	return out
}
