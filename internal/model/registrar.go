package model

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Registrar is the registrar of record as a live RDAP or WHOIS record names
// it: its name and, for ICANN-accredited registrars, its IANA Registrar ID.
// Either may be empty; both are empty when the record names none.
type Registrar struct {
	Name   string `json:"name"`
	IANAID string `json:"iana_id"`
}

// Known reports whether the record named a registrar at all.
func (r Registrar) Known() bool { return r.Name != "" || r.IANAID != "" }

// String is the registrar for people: "MarkMonitor Inc. (IANA ID 292)".
func (r Registrar) String() string {
	switch {
	case r.Name != "" && r.IANAID != "":
		return r.Name + " (IANA ID " + r.IANAID + ")"
	case r.Name != "":
		return r.Name
	case r.IANAID != "":
		return "IANA ID " + r.IANAID
	}
	return "none named"
}

// RegistrarNamesMatch reports whether a registrar's published name and any
// of the given names (an imported key such as "openprovider", or names
// from the configuration) name the same registrar. Names are compared in a
// normal form: case, punctuation and legal forms (B.V., Inc., LLC, GmbH, …)
// do not count, and each trade name counts on its own, so that
// "openprovider" matches "Hosting Concepts B.V. d/b/a Openprovider" and
// "Openprovider".
func RegistrarNamesMatch(published string, names ...string) bool {
	forms := RegistrarNameForms(published)
	for _, n := range names {
		for _, f := range RegistrarNameForms(n) {
			if slices.Contains(forms, f) {
				return true
			}
		}
	}
	return false
}

// tradeName splits a name at "d/b/a", "t/a", "trading as" and the like.
var tradeName = regexp.MustCompile(`(?i)\s+(?:d/b/a|d\.b\.a\.?|dba|t/a|trading as|doing business as|a/k/a|aka)\s+`)

// bracketed finds parenthesised and bracketed parts: "(d/b/a joker.com)",
// "[Tag = MARKMONITOR]".
var bracketed = regexp.MustCompile(`\s*[(\[]([^)\]]*)[)\]]`)

// legalForms end company names without telling registrars apart.
var legalForms = map[string]bool{
	"inc": true, "incorporated": true, "llc": true, "ltd": true, "limited": true, "plc": true, "corp": true,
	"corporation": true, "co": true, "company": true, "lp": true, "llp": true, "pty": true, "pte": true,
	"bv": true, "nv": true, "vof": true, "bvba": true, "vzw": true, "gmbh": true, "ag": true, "kg": true,
	"ug": true, "ev": true, "sa": true, "sas": true, "sarl": true, "sl": true, "srl": true, "spa": true,
	"ab": true, "oy": true, "as": true, "asa": true, "aps": true, "sro": true, "doo": true, "zoo": true,
	"sp": true, "kk": true, "and": true, "&": true,
}

// RegistrarNameForms returns the normal forms a registrar's name is known
// by: the whole name and each trade name, lower-case, without punctuation
// and trailing legal forms; a name that is a domain ("Registrar.eu") also
// counts without its TLD.
func RegistrarNameForms(name string) []string {
	var inner []string
	rest := bracketed.ReplaceAllStringFunc(name, func(m string) string {
		in := bracketed.FindStringSubmatch(m)[1]
		if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(in)), "tag") {
			inner = append(inner, in)
		}
		return " "
	})
	parts := append(tradeName.Split(rest, -1), inner...)
	var forms []string
	add := func(f string) {
		if f != "" && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	for _, p := range parts {
		p = tradeName.ReplaceAllString(" "+p, "")
		f := normalRegistrarName(p)
		add(f)
		if !strings.Contains(f, " ") {
			if i := strings.IndexByte(f, '.'); i > 2 {
				add(f[:i])
			}
		}
	}
	return forms
}

// normalRegistrarName lower-cases a name, drops punctuation (dots between
// letters of an abbreviation such as "B.V." go, the dots of a domain name
// stay) and the legal forms at its end.
func normalRegistrarName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-':
			b.WriteRune(r)
		case r == '.':
			// Keep a dot inside a word of two letters or more on each side
			// (registrar.eu); drop it in abbreviations (b.v., s.r.o.).
			if i > 1 && i+2 < len(rs) && isWordRune(rs[i-1]) && isWordRune(rs[i-2]) && isWordRune(rs[i+1]) && isWordRune(rs[i+2]) {
				b.WriteRune(r)
			}
		case r == '&':
			b.WriteString(" & ")
		default:
			b.WriteRune(' ')
		}
	}
	words := strings.Fields(b.String())
	for len(words) > 1 && legalForms[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	for i, w := range words {
		words[i] = strings.Trim(w, "-.")
	}
	return strings.Join(slices.DeleteFunc(words, func(w string) bool { return w == "" }), " ")
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
