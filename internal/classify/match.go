package classify

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/afscherm/afscherm/internal/model"
)

// match compares the visible fields with our customer's own data.
func match(fields map[model.Field]model.FieldValue, ours *model.Customer) model.Match {
	visible := func(f model.Field) string {
		if v := fields[f]; v.State == model.FieldVisible {
			return v.Value
		}
		return ""
	}
	var m model.Match
	if name := visible(model.FieldName); name != "" && ours.Name != "" {
		m.Name = sameName(name, ours.Name)
	}
	if org := visible(model.FieldOrganisation); !m.Name && org != "" && ours.Name != "" {
		m.Name = sameName(org, ours.Name) || (ours.Kind == model.CustomerPerson && containsName(org, ours.Name))
	}
	if email := visible(model.FieldEmail); email != "" && ours.Email != "" {
		m.Email = strings.EqualFold(strings.TrimSpace(email), ours.Email)
	}
	if pc := visible(model.FieldPostalCode); pc != "" && ours.PostalCode != "" {
		m.PostalCode = compact(pc) == compact(ours.PostalCode)
	}
	if phone := visible(model.FieldPhone); phone != "" && ours.Phone != "" {
		m.Phone = samePhone(phone, ours.Phone)
	}
	return m
}

func matchList(m model.Match) string {
	var s []string
	for _, f := range []struct {
		ok   bool
		name string
	}{{m.Name, "name"}, {m.Email, "e-mail"}, {m.PostalCode, "postal code"}, {m.Phone, "phone"}} {
		if f.ok {
			s = append(s, f.name)
		}
	}
	return strings.Join(s, ", ")
}

// nameKey reduces a name to lower-case letters and digits without accents,
// one space between words, for comparing.
func nameKey(s string) string {
	words := strings.FieldsFunc(strings.ToLower(withoutAccents(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	return strings.Join(words, " ")
}

// withoutAccents removes the accents from s and keeps all else: "S.à.r.l."
// reads as "S.a.r.l.".
func withoutAccents(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
			if p, _, err := transform.String(t, s); err == nil {
				return p
			}
			return s
		}
	}
	return s
}

func sameName(a, b string) bool {
	ka, kb := nameKey(a), nameKey(b)
	return ka != "" && ka == kb
}

// containsName reports whether the words of name appear, in order, in s.
func containsName(s, name string) bool {
	ks, kn := " "+nameKey(s)+" ", nameKey(name)
	return kn != "" && strings.Contains(ks, " "+kn+" ")
}

// compact upper-cases and removes spaces and dashes: "1234 ab" = "1234AB".
func compact(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}

// samePhone compares the last nine digits, which survive every way of
// writing the country code (+31.6…, 0031 6…, 06…).
func samePhone(a, b string) bool {
	da, db := digits(a), digits(b)
	if len(da) < 6 || len(db) < 6 {
		return false
	}
	n := min(9, len(da), len(db))
	return da[len(da)-n:] == db[len(db)-n:]
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
