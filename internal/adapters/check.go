package adapters

import (
	"fmt"
	"os"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/registrars"
)

// Checked is one adapter of a configuration file as CheckFile found it.
type Checked struct {
	// Name is the adapter's name ("sidn", "cznic"), or its type and place
	// in the file when it has neither.
	Name    string
	Adapter registrars.Adapter // nil when Err is set
	Err     error
}

// CheckFile reads a configuration file as Load does, but builds every
// adapter on its own, so that each broken one is reported, not only the
// first (afscherm check). It contacts no party: an adapter that builds has
// its credentials present (the environment variables and files the file
// names exist and are not empty). The error is for the file as a whole:
// unreadable, not JSON, no adapters, or — when every adapter builds —
// what only the whole shows (a name used twice, registrars of record that
// the adapters do not name).
func CheckFile(path string, d Deps) ([]Checked, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, model.Errorf(model.KindInvalid, "registrar configuration: %v", err)
	}
	f, err := decode(b, path)
	if err != nil {
		return nil, err
	}
	if d.Getenv == nil {
		d.Getenv = os.Getenv
	}
	var out []Checked
	broken := false
	for i, c := range f.Adapters {
		name := c.Name
		if name == "" {
			name = c.Type
		}
		if name == "" {
			name = fmt.Sprintf("adapter %d", i+1)
		}
		a, err := buildAt(path, i, c, d)
		broken = broken || err != nil
		out = append(out, Checked{Name: name, Adapter: a, Err: err})
	}
	if !broken {
		if _, err := Parse(b, path, d); err != nil {
			return out, err
		}
	}
	return out, nil
}

// Adapters lists the router's adapters, in the order of its routes.
func (r *Router) Adapters() []registrars.Adapter {
	var out []registrars.Adapter
	for _, route := range r.routes {
		out = append(out, route.Adapter)
	}
	return out
}
