package classify

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"unicode"

	"github.com/afscherm/afscherm/internal/model"
)

// This file reads the registrar of record from a live record, apart from
// the registrant's classification: which registrar a domain is with is
// what decides who can shield it, and whether it is still with us.

// RegistrarRDAP returns the registrar an RDAP domain answer names: the
// entity with the role "registrar" (RFC 9083 §5.1, §10.2.4), at the top
// level or nested, the first found going down level by level. Its name is
// the vCard's fn (else org, else the entity's handle where that is not a
// number); its IANA Registrar ID is the publicIds entry of type "IANA
// Registrar ID" (ICANN's gTLD RDAP Response Profile). A body that is not
// JSON, or names no registrar, gives the zero Registrar.
func RegistrarRDAP(body []byte) model.Registrar {
	var doc struct {
		Entities []registrarEntity `json:"entities"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return model.Registrar{}
	}
	level := doc.Entities
	for depth := 0; len(level) > 0 && depth < 8; depth++ {
		var next []registrarEntity
		for _, e := range level {
			if e.hasRole("registrar") {
				return e.registrar()
			}
			next = append(next, e.Entities...)
		}
		level = next
	}
	return model.Registrar{}
}

// registrarEntity is as much of an RDAP entity as the registrar needs.
type registrarEntity struct {
	Handle     string            `json:"handle"`
	Roles      []string          `json:"roles"`
	VCardArray json.RawMessage   `json:"vcardArray"`
	PublicIDs  []json.RawMessage `json:"publicIds"`
	Entities   []registrarEntity `json:"entities"`
}

func (e registrarEntity) hasRole(role string) bool {
	for _, r := range e.Roles {
		if strings.EqualFold(strings.TrimSpace(r), role) {
			return true
		}
	}
	return false
}

func (e registrarEntity) registrar() model.Registrar {
	var r model.Registrar
	for _, raw := range e.PublicIDs {
		var id struct {
			Type       string          `json:"type"`
			Identifier json.RawMessage `json:"identifier"`
		}
		if json.Unmarshal(raw, &id) != nil || !strings.EqualFold(strings.TrimSpace(id.Type), "IANA Registrar ID") {
			continue
		}
		// The profile says a string; some servers send a number.
		v := strings.Trim(string(bytes.TrimSpace(id.Identifier)), `"`)
		if registrarDigits(v) {
			r.IANAID = v
			break
		}
	}
	fn, org := registrarVCard(e.VCardArray)
	for _, name := range []string{fn, org} {
		if n := cleanRegistrarName(name); n != "" {
			r.Name = n
			break
		}
	}
	if h := strings.TrimSpace(e.Handle); r.Name == "" && h != "" && !registrarDigits(h) {
		r.Name = h // CZ.NIC names its registrars by handle only: REG-…
	}
	return r
}

// registrarVCard reads fn and org from a jCard (RFC 7095):
// ["vcard", [[name, params, type, value…], …]].
func registrarVCard(raw json.RawMessage) (fn, org string) {
	var card []json.RawMessage
	if json.Unmarshal(raw, &card) != nil || len(card) < 2 {
		return "", ""
	}
	var props [][]json.RawMessage
	if json.Unmarshal(card[1], &props) != nil {
		return "", ""
	}
	for _, p := range props {
		if len(p) < 4 {
			continue
		}
		var name string
		if json.Unmarshal(p[0], &name) != nil {
			continue
		}
		value := registrarJCardText(p[3])
		switch strings.ToLower(name) {
		case "fn":
			if fn == "" {
				fn = value
			}
		case "org":
			if org == "" {
				org = value
			}
		}
	}
	return fn, org
}

// registrarJCardText is a jCard value as text: a string, or the first
// non-empty string of a structured value (org may be ["Name", "Unit"]).
func registrarJCardText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var list []any
	if json.Unmarshal(raw, &list) == nil {
		for _, v := range list {
			if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
				return strings.TrimSpace(s)
			}
		}
	}
	return ""
}

// RegistrarWHOIS returns the registrar a WHOIS answer names. It reads the
// labels gTLD registries and registrars use (Registrar:, Sponsoring
// Registrar:, Registrar Name:, Registrar Organization:, Registrar IANA ID:,
// Sponsoring Registrar IANA ID:) and the forms of ccTLD registries: a
// "Registrar" heading with the name on the next line (SIDN, Nominet, NASK,
// SWITCH) or in a Name:/Organization: line below it (EURid, CIRA, .it,
// .ee, .lv's [Registrar]); an RPSL "registrar:" object whose organization
// names it (.ua, .sk); Authorised Registrar:, Current Registar:, Domain
// registrar:, registrar_name: and registrar-name:. Labels about the
// registrar that are not its name (Registrar WHOIS Server, Registrar URL,
// Registrar Abuse Contact Email, …) are never taken for it. Where several
// labels name it, an organisation beats a name, which beats a bare
// Registrar: line (which is often a handle); among equals, the first wins.
func RegistrarWHOIS(text string) model.Registrar {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var r model.Registrar
	best := registrarCandidate{rank: registrarRankNone}
	offer := func(c registrarCandidate) {
		c.name = cleanRegistrarName(c.name)
		if c.rank == registrarRankHandle && registrarDigits(c.name) {
			return // a number says nothing about which registrar
		}
		if c.name != "" && c.rank < best.rank {
			best = c
		}
	}
	for i, line := range lines {
		if registrarComment(line) {
			continue
		}
		label, value, labelled := registrarSplit(line)
		key := registrarLabelKey(label)
		if labelled && r.IANAID == "" && registrarIANALabels[key] {
			if f := strings.Fields(value); len(f) > 0 && registrarDigits(f[0]) {
				r.IANAID = f[0]
			}
		}
		rank, names := registrarNameLabels[key]
		if !labelled {
			if !registrarHeadings[registrarLabelKey(strings.Trim(strings.TrimSpace(line), "[]:"))] {
				continue
			}
			offer(registrarBlock(lines, i+1))
			continue
		}
		if !names {
			continue
		}
		switch {
		case value == "" || strings.HasPrefix(value, "!"):
			// A heading (or a YAML tag, "!Registrar"): the name is below.
			if rank == registrarRankPlain {
				offer(registrarBlock(lines, i+1))
			}
		case rank == registrarRankPlain && registrarStartsObject(lines, i):
			// An RPSL-like object of its own ("registrar: ua.imena" then
			// "organization: …"): its value is a handle, its attributes
			// name it.
			if c := registrarAttributes(lines, i+1); c.name != "" {
				offer(c)
			} else {
				offer(registrarCandidate{rank: rank, name: value})
			}
		default:
			offer(registrarCandidate{rank: rank, name: value})
		}
	}
	r.Name = best.name
	return r
}

// The ranks of what names a registrar: lower wins.
const (
	registrarRankOrganisation = iota // Registrar Organization:, an organization: attribute
	registrarRankName                // Registrar Name:, a name: attribute, the line below a heading
	registrarRankPlain               // Registrar:, Sponsoring Registrar:, Authorised Registrar:, …
	registrarRankHandle              // Registrar ID:, Registrar Handle: (.museum, .cat, .no)
	registrarRankNone
)

type registrarCandidate struct {
	rank int
	name string
}

// registrarNameLabels are the labels (lower case, '_' and '-' as spaces)
// whose value names the registrar, with their rank.
var registrarNameLabels = map[string]int{
	"registrar organization": registrarRankOrganisation, "registrar organisation": registrarRankOrganisation,
	"sponsoring registrar organization": registrarRankOrganisation, "sponsoring registrar organisation": registrarRankOrganisation,
	"registrar name": registrarRankName, "sponsoring registrar name": registrarRankName,
	"registrar": registrarRankPlain, "sponsoring registrar": registrarRankPlain, "registrar of record": registrarRankPlain,
	"authorised registrar": registrarRankPlain, "authorized registrar": registrarRankPlain,
	"current registrar": registrarRankPlain, "current registar": registrarRankPlain, "domain registrar": registrarRankPlain,
	"registrar id": registrarRankHandle, "sponsoring registrar id": registrarRankHandle, "registrar handle": registrarRankHandle,
}

// registrarIANALabels carry the IANA Registrar ID.
var registrarIANALabels = map[string]bool{
	"registrar iana id": true, "sponsoring registrar iana id": true, "registrar iana": true,
}

// registrarHeadings are lines without a value that open a registrar block.
var registrarHeadings = map[string]bool{"registrar": true, "registrar information": true, "sponsoring registrar": true}

// registrarOrgAttributes and registrarNameAttributes name the registrar
// inside its block or object.
var (
	registrarOrgAttributes  = map[string]bool{"organization": true, "organisation": true, "org": true, "org name": true, "registrar organization": true}
	registrarNameAttributes = map[string]bool{"name": true, "registrar name": true, "registrar": true}
)

// registrarBlock reads the block below a registrar heading: its first line
// when that is no "label: value" line (SIDN, Nominet, NASK, SWITCH, .as),
// else its organisation or name attribute (EURid, CIRA, .it, .ee, .lv).
// One empty line may separate heading and block (.fi); the block ends at
// the next empty line or heading.
func registrarBlock(lines []string, from int) registrarCandidate {
	i := from
	if i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i >= len(lines) || strings.TrimSpace(lines[i]) == "" || registrarComment(lines[i]) {
		return registrarCandidate{rank: registrarRankNone}
	}
	if _, _, labelled := registrarSplit(lines[i]); !labelled {
		return registrarCandidate{rank: registrarRankName, name: lines[i]}
	}
	return registrarAttributes(lines, i)
}

// registrarAttributes finds the organisation or name among the "label:
// value" lines from a line on, up to an empty line or a heading.
func registrarAttributes(lines []string, from int) registrarCandidate {
	best := registrarCandidate{rank: registrarRankNone}
	for i := from; i < len(lines) && i < from+40; i++ {
		if strings.TrimSpace(lines[i]) == "" || registrarComment(lines[i]) {
			break
		}
		label, value, labelled := registrarSplit(lines[i])
		if !labelled {
			continue
		}
		if value == "" && i > from {
			break // the next section's heading
		}
		key := registrarLabelKey(label)
		switch {
		case registrarOrgAttributes[key] && cleanRegistrarName(value) != "":
			return registrarCandidate{rank: registrarRankOrganisation, name: value}
		case registrarNameAttributes[key] && best.name == "" && cleanRegistrarName(value) != "":
			best = registrarCandidate{rank: registrarRankName, name: value}
		}
	}
	return best
}

// registrarStartsObject reports whether line i opens an object of its own:
// the first attribute after an empty line, a comment or the start.
func registrarStartsObject(lines []string, i int) bool {
	return i == 0 || strings.TrimSpace(lines[i-1]) == "" || registrarComment(lines[i-1])
}

// registrarSplit splits "Label: value", "Label.....: value", "Label\t:
// value" and "Label\tvalue" (SWITCH), and .dz's "Label#. . . . value".
// A line whose "label" is the scheme of a URL is no label line.
func registrarSplit(line string) (label, value string, ok bool) {
	t := strings.TrimSpace(line)
	if i := strings.Index(t, "#."); i > 0 && !strings.Contains(t[:i], ":") {
		return t[:i], strings.TrimSpace(strings.TrimLeft(t[i+1:], ". ")), true
	}
	i := strings.IndexByte(t, ':')
	if i < 0 {
		if j := strings.IndexByte(t, '\t'); j > 0 {
			return strings.TrimSpace(t[:j]), strings.TrimSpace(t[j:]), true
		}
		return "", "", false
	}
	label, value = strings.TrimRight(t[:i], ". \t"), strings.TrimSpace(t[i+1:])
	if label == "" || strings.HasPrefix(value, "//") || len(label) > 60 {
		return "", "", false
	}
	for _, r := range label {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" \t-_/'.()[]", r) {
			return "", "", false
		}
	}
	return label, value, true
}

// registrarLabelKey is a label in the form the tables above use.
func registrarLabelKey(label string) string {
	label = strings.NewReplacer("_", " ", "-", " ", "\t", " ").Replace(strings.ToLower(label))
	return strings.Join(strings.Fields(label), " ")
}

func registrarComment(line string) bool {
	t := strings.TrimSpace(line)
	return strings.HasPrefix(t, "%") || strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";") || strings.HasPrefix(t, ">>>")
}

var (
	// Nominet's tag: "Markmonitor Inc. t/a MarkMonitor Inc. [Tag = MARKMONITOR]".
	registrarTag = regexp.MustCompile(`(?i)\s*\[\s*tag\s*=[^\]]*\]`)
	// A web address after the name: "MarkMonitor Inc. (http://www.markmonitor.com)".
	registrarURL = regexp.MustCompile(`(?i)\s*\(\s*(?:https?://|www\.)[^)]*\)\s*$`)
)

// registrarNone are values that say no registrar is named.
var registrarNone = []string{"no registrar", "not available", "not applicable", "n/a", "none", "redacted", "not disclosed",
	"http://", "https://"}

// cleanRegistrarName trims a name of tags and web addresses; it is empty
// when the value names no registrar.
func cleanRegistrarName(s string) string {
	s = registrarURL.ReplaceAllString(registrarTag.ReplaceAllString(s, ""), "")
	s = strings.Join(strings.Fields(s), " ")
	lower := strings.ToLower(s)
	for _, p := range registrarNone {
		if strings.HasPrefix(lower, p) {
			return ""
		}
	}
	if !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return ""
	}
	return s
}

func registrarDigits(s string) bool {
	if s == "" || len(s) > 10 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
