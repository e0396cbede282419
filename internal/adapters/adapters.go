// Package adapters chooses the registrar adapter for a domain, by its TLD
// and our registrar of record, from the adapters configuration sets up.
package adapters

import (
	"fmt"
	"slices"

	"github.com/afscherm/afscherm/registrars"
)

// Route sends the domains of some TLDs and registrars of record to one
// adapter; "*" matches any.
type Route struct {
	TLDs       []string
	Registrars []string
	Adapter    registrars.Adapter
}

func (r Route) matches(d registrars.Domain) bool {
	match := func(list []string, v string) bool { return slices.Contains(list, "*") || slices.Contains(list, v) }
	return match(r.TLDs, d.TLD()) && match(r.Registrars, d.Registrar)
}

// Router holds the routes, first match first.
type Router struct{ routes []Route }

// NewRouter returns a router over the routes, in order.
func NewRouter(routes ...Route) *Router { return &Router{routes: routes} }

// Choose returns the adapter for a domain and what it says about it: the
// first route that matches and whose adapter serves the domain; or, when
// none does, the first matching adapter's reason (or that none matched).
// No adapter serves a TLD whose registry forbids privacy services.
func (r *Router) Choose(d registrars.Domain) (registrars.Adapter, registrars.Support) {
	if reason, forbidden := registrars.PrivacyForbidden(d.TLD()); forbidden {
		return nil, registrars.Support{Reason: reason}
	}
	var first *registrars.Support
	for _, route := range r.routes {
		if !route.matches(d) {
			continue
		}
		s := route.Adapter.Serves(d)
		if s.OK {
			return route.Adapter, s
		}
		if first == nil {
			first = &s
		}
	}
	if first != nil {
		return nil, *first
	}
	return nil, registrars.Support{Reason: fmt.Sprintf("no registrar adapter is set up for .%s at registrar %s", d.TLD(), d.Registrar)}
}

// Adapter returns the adapter of the given name.
func (r *Router) Adapter(name string) (registrars.Adapter, bool) {
	for _, route := range r.routes {
		if route.Adapter.Name() == name {
			return route.Adapter, true
		}
	}
	return nil, false
}
