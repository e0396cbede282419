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
	out := make([]model.Domain, 0, len(domains))
	for i := 0; len(out) < len(domains); i++ {
		for _, t := range tlds {
			if i < len(byTLD[t]) {
				out = append(out, byTLD[t][i])
			}
		}
	}
	return out
}
