package adapters

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/afscherm/afscherm/internal/model"
)

// RegistrarOfRecord says how live RDAP and WHOIS records name one of our
// registrars of record — the names the import's registrar column and the
// adapters' "registrars" lists use ("openprovider", "sidn"): by IANA
// Registrar ID, or by name. In the configuration file it is an entry of
// "registrars_of_record".
type RegistrarOfRecord struct {
	Registrar string   `json:"registrar"`
	IANAIDs   []string `json:"iana_ids,omitempty"`
	Names     []string `json:"names,omitempty"`
}

// Registrars tells which of our registrars of record a live record names.
// Besides the configured entries, every registrar an adapter lists counts
// as named by itself: "openprovider" is the registrar whose published name
// is, or trades as, Openprovider.
//
// The rules, decided once here for request create and the digest alike:
//   - a live record that names no registrar contradicts nothing;
//   - where the live record gives an IANA ID and the imported registrar has
//     IANA IDs configured, the IDs decide;
//   - a live IANA ID configured for another registrar is that registrar;
//   - otherwise the names decide: the live name matches the imported
//     registrar's own name or a configured one, in a normal form without
//     case, punctuation or legal form, each trade name (d/b/a, t/a) on its
//     own (model.RegistrarNamesMatch).
type Registrars struct {
	known []RegistrarOfRecord
}

// NewRegistrars checks the configured entries and adds the registrars the
// adapters list (keys; "*" is none).
func NewRegistrars(entries []RegistrarOfRecord, keys ...string) (*Registrars, error) {
	rs := &Registrars{}
	claimed := map[string]string{}
	for i, e := range entries {
		key, err := model.NormalizeRegistrar(e.Registrar)
		if err != nil {
			return nil, fmt.Errorf("registrars_of_record %d: %v", i+1, err)
		}
		if rs.entry(key) != nil {
			return nil, fmt.Errorf("registrars_of_record %d: %s is there already", i+1, key)
		}
		if len(e.IANAIDs) == 0 && len(e.Names) == 0 {
			return nil, fmt.Errorf("registrars_of_record %d (%s): give iana_ids or names", i+1, key)
		}
		out := RegistrarOfRecord{Registrar: key}
		for _, id := range e.IANAIDs {
			id = strings.TrimSpace(id)
			if id == "" || strings.Trim(id, "0123456789") != "" {
				return nil, fmt.Errorf("registrars_of_record %d (%s): IANA ID %q is not a number", i+1, key, id)
			}
			if other, ok := claimed[id]; ok {
				return nil, fmt.Errorf("registrars_of_record %d (%s): IANA ID %s is %s's already", i+1, key, id, other)
			}
			claimed[id] = key
			out.IANAIDs = append(out.IANAIDs, id)
		}
		for _, n := range e.Names {
			if len(model.RegistrarNameForms(n)) == 0 {
				return nil, fmt.Errorf("registrars_of_record %d (%s): name %q names nothing", i+1, key, n)
			}
			out.Names = append(out.Names, strings.TrimSpace(n))
		}
		rs.known = append(rs.known, out)
	}
	for _, k := range keys {
		if k != "*" && k != "" && rs.entry(k) == nil {
			rs.known = append(rs.known, RegistrarOfRecord{Registrar: k})
		}
	}
	return rs, nil
}

// LoadRegistrars reads only the registrars of record (and the registrars
// the adapters list) from a configuration file, without building the
// adapters: for commands that compare registrars but reach no party.
func LoadRegistrars(path string) (*Registrars, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, model.Errorf(model.KindInvalid, "registrar configuration: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, model.Errorf(model.KindInvalid, "registrar configuration %s: %v", path, err)
	}
	var keys []string
	for _, a := range f.Adapters {
		keys = append(keys, lower(a.Registrars)...)
	}
	rs, err := NewRegistrars(f.RegistrarsOfRecord, keys...)
	if err != nil {
		return nil, model.Errorf(model.KindInvalid, "registrar configuration %s: %v", path, err)
	}
	return rs, nil
}

func (rs *Registrars) entry(key string) *RegistrarOfRecord {
	if rs == nil {
		return nil
	}
	for i := range rs.known {
		if rs.known[i].Registrar == key {
			return &rs.known[i]
		}
	}
	return nil
}

func (rs *Registrars) claimant(ianaID string) (string, bool) {
	if rs != nil {
		for _, e := range rs.known {
			if slices.Contains(e.IANAIDs, ianaID) {
				return e.Registrar, true
			}
		}
	}
	return "", false
}

// SameRegistrar reports whether the live registrar of record is the
// imported one (a registrar-of-record name such as "openprovider"). It
// is true when either is unknown: only a record that names another
// registrar contradicts the import.
func (rs *Registrars) SameRegistrar(imported string, live model.Registrar) bool {
	if imported == "" || !live.Known() {
		return true
	}
	e := rs.entry(imported)
	if e == nil {
		e = &RegistrarOfRecord{Registrar: imported}
	}
	if live.IANAID != "" {
		if len(e.IANAIDs) > 0 {
			return slices.Contains(e.IANAIDs, live.IANAID)
		}
		if other, ok := rs.claimant(live.IANAID); ok {
			return other == imported
		}
	}
	if live.Name == "" {
		return true // an IANA ID nobody configured, and no name: nothing to compare
	}
	return model.RegistrarNamesMatch(live.Name, append([]string{imported}, e.Names...)...)
}

// Identify finds which of our registrars of record the live record names:
// by IANA ID first, then by name. ok is false when it is none we know.
func (rs *Registrars) Identify(live model.Registrar) (registrar string, ok bool) {
	if rs == nil || !live.Known() {
		return "", false
	}
	if live.IANAID != "" {
		if k, ok := rs.claimant(live.IANAID); ok {
			return k, true
		}
	}
	if live.Name == "" {
		return "", false
	}
	for _, e := range rs.known {
		if (live.IANAID == "" || len(e.IANAIDs) == 0) && model.RegistrarNamesMatch(live.Name, append([]string{e.Registrar}, e.Names...)...) {
			return e.Registrar, true
		}
	}
	return "", false
}

// RegistrarKey makes a registrar-of-record name from a live registrar
// nobody configured — its name's first normal form ("MarkMonitor, Inc."
// gives "markmonitor"), else "iana-" and its IANA ID — so that routes for
// any registrar ("*") and the price table's "*" rows can serve it.
func RegistrarKey(live model.Registrar) string {
	for _, f := range model.RegistrarNameForms(live.Name) {
		var b strings.Builder
		for _, r := range f {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
				b.WriteRune(r)
			case r == ' ' || r == '_':
				b.WriteByte('-')
			}
		}
		key := strings.Trim(b.String(), "-._")
		if len(key) > 64 {
			key = strings.Trim(key[:64], "-._")
		}
		if k, err := model.NormalizeRegistrar(key); err == nil {
			return k
		}
	}
	if live.IANAID != "" {
		return "iana-" + live.IANAID
	}
	return ""
}
