// Package adapters chooses the registrar adapter for a domain, by its TLD
// and our registrar of record, from the adapters configuration sets up.
package adapters

import (
	"fmt"
	"slices"

	"github.com/afscherm/afscherm/internal/model"
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

// Router holds the routes, first match first, and knows the registrars of
// record they name.
type Router struct {
	routes     []Route
	registrars *Registrars
}

// NewRouter returns a router over the routes, in order.
func NewRouter(routes ...Route) *Router {
	r := &Router{routes: routes}
	r.registrars, _ = NewRegistrars(nil, r.keys()...) // without entries, nothing to refuse
	return r
}

// WithRegistrars returns the router with configured registrars of record.
func (r *Router) WithRegistrars(entries ...RegistrarOfRecord) (*Router, error) {
	rs, err := NewRegistrars(entries, r.keys()...)
	if err != nil {
		return nil, err
	}
	return &Router{routes: r.routes, registrars: rs}, nil
}

// keys are the registrars of record the routes name.
func (r *Router) keys() []string {
	var keys []string
	for _, route := range r.routes {
		keys = append(keys, route.Registrars...)
	}
	return keys
}

// Registrars tells which of our registrars of record a live record names.
func (r *Router) Registrars() *Registrars { return r.registrars }

// SameRegistrar reports whether the live registrar of record is the
// imported one; see Registrars.
func (r *Router) SameRegistrar(imported string, live model.Registrar) bool {
	return r.registrars.SameRegistrar(imported, live)
}

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
