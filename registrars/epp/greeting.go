package epp

import (
	"fmt"
	"strings"
	"time"

	"github.com/afscherm/afscherm/registrars/epp/internal/xmltree"
)

// Greeting is what a server says of itself on connect and on <hello>.
type Greeting struct {
	ServerID   string
	ServerDate time.Time
	Versions   []string
	Langs      []string
	ObjURIs    []string
	ExtURIs    []string
	DCP        DCP
}

// DCP is the server's data collection policy (RFC 5730 section 2.4).
type DCP struct {
	// Access is the name of the <access> child: "all", "none", "null",
	// "other", "personal" or "personalAndOther".
	Access     string
	Statements []DCPStatement
	// Expiry is the <absolute> date-time or <relative> duration as given.
	Expiry string
}

// DCPStatement is one <statement> of a policy.
type DCPStatement struct {
	Purposes   []string // admin, contact, other, prov
	Recipients []string // other, ours, public, same, unrelated
	Retention  string   // business, indefinite, legal, none, stated
}

// HidesByDefault reports a policy of disclosing no collected data to third
// parties, as FRED's "hide" (<access><none/></access>).
func (d DCP) HidesByDefault() bool { return d.Access == "none" || d.Access == "null" }

// Offers reports whether the greeting lists the object or extension URI.
func (g Greeting) Offers(uri string) bool {
	for _, u := range g.ObjURIs {
		if u == uri {
			return true
		}
	}
	for _, u := range g.ExtURIs {
		if u == uri {
			return true
		}
	}
	return false
}

func parseGreeting(b []byte) (Greeting, error) {
	root, err := xmltree.Parse(b)
	if err != nil {
		return Greeting{}, fmt.Errorf("%w: greeting is not XML: %w", ErrProtocol, err)
	}
	g := root.Child(NSEPP, "greeting")
	if !root.Is(NSEPP, "epp") || g == nil {
		return Greeting{}, fmt.Errorf("%w: expected <epp><greeting>, got <%s>", ErrProtocol, root.Name.Local)
	}
	out := Greeting{ServerID: g.Child(NSEPP, "svID").Value()}
	if d := g.Child(NSEPP, "svDate").Value(); d != "" {
		out.ServerDate, _ = time.Parse(time.RFC3339, d) // informative only
	}
	menu := g.Child(NSEPP, "svcMenu")
	if menu == nil {
		return Greeting{}, fmt.Errorf("%w: greeting has no svcMenu", ErrProtocol)
	}
	for _, c := range menu.Children {
		switch {
		case c.Is(NSEPP, "version"):
			out.Versions = append(out.Versions, c.Value())
		case c.Is(NSEPP, "lang"):
			out.Langs = append(out.Langs, c.Value())
		case c.Is(NSEPP, "objURI"):
			out.ObjURIs = append(out.ObjURIs, c.Value())
		case c.Is(NSEPP, "svcExtension"):
			for _, e := range c.All(NSEPP, "extURI") {
				out.ExtURIs = append(out.ExtURIs, e.Value())
			}
		}
	}
	if dcp := g.Child(NSEPP, "dcp"); dcp != nil {
		out.DCP.Access = firstChildName(dcp.Child(NSEPP, "access"))
		for _, st := range dcp.All(NSEPP, "statement") {
			out.DCP.Statements = append(out.DCP.Statements, DCPStatement{
				Purposes:   childNames(st.Child(NSEPP, "purpose")),
				Recipients: childNames(st.Child(NSEPP, "recipient")),
				Retention:  firstChildName(st.Child(NSEPP, "retention")),
			})
		}
		if ex := dcp.Child(NSEPP, "expiry"); ex != nil && len(ex.Children) > 0 {
			out.DCP.Expiry = ex.Children[0].Value()
		}
	}
	return out, nil
}

func childNames(e *xmltree.Element) []string {
	if e == nil {
		return nil
	}
	var out []string
	for _, c := range e.Children {
		out = append(out, c.Name.Local)
	}
	return out
}

func firstChildName(e *xmltree.Element) string {
	if e == nil || len(e.Children) == 0 {
		return ""
	}
	return e.Children[0].Name.Local
}

// pickURI chooses the namespace for an object: the IETF one if offered,
// else the first offered URI with the prefix.
func pickURI(offered []string, ietf, prefix string) string {
	for _, u := range offered {
		if u == ietf {
			return u
		}
	}
	for _, u := range offered {
		if strings.HasPrefix(u, prefix) {
			return u
		}
	}
	return ""
}
