package csvimport

import (
	"strings"
	"testing"
)

// TestFieldLimitFollowsTheCSV: the limit counts fields as encoding/csv
// parses them — delimiters and line ends inside quotes, doubled quotes,
// CRLF, blank lines, a bad quote that spoils one row only — so that it
// refuses what is too large and nothing else.
func TestFieldLimitFollowsTheCSV(t *testing.T) {
	cols := []string{"a", "b"}
	exact := strings.Repeat("x", maxFieldSize)
	quotedCommas := `"` + strings.Repeat(`,;""`+"\n", 100) + `"` // 100 commas and lines, quoted: one field of 501 bytes
	for _, c := range []struct {
		name, in string
		rows     int
		problem  string // "" for none
	}{
		{"a field of exactly the limit", "a,b\n" + exact + ",1\n", 1, ""},
		{"one byte more", "a,b\n" + exact + "x,1\n", 0, "t.csv:2: a: is longer than 1024 bytes; nothing after it was read"},
		{"one byte more, quoted", "a,b\n1,\"" + exact + "\"\n", 0, "t.csv:2: b: is longer than 1024 bytes"},
		{"delimiters and lines in quotes", "a,b\r\n" + quotedCommas + ",1\r\n2,3\r\n", 2, ""},
		{"blank lines do not count as rows", "a,b\n" + strings.Repeat("\n\r\n", 100) + "1,2\n", 1, ""},
		{"64 fields", "a,b\n1" + strings.Repeat(",", maxFields-1) + "\n", 0, "t.csv:2: has 64 fields where the header has 2"},
		{"65 fields", "a,b\n1" + strings.Repeat(",", maxFields) + "\n1,2\n", 0, "t.csv:2: has more than 64 fields; nothing after it was read"},
		{"a bad quote spoils its row only", "a,b\n\"x\"y,1\n" + exact + ",2\n", 1, `t.csv:2: extraneous or missing " in quoted-field`},
		{"a bare quote spoils its row only", "a,b\nx\"y,1\n" + exact + ",2\n", 1, `t.csv:2: bare " in non-quoted-field`},
		{"the header's width", strings.Repeat("a,", maxFields) + "b\n", 0, "t.csv:1: the header has more than 64 columns"},
		{"only blank lines", "\n\n  \n", 0, "t.csv: is empty"},
	} {
		rows, errs := ReadTable(strings.NewReader(c.in), "t.csv", cols)
		got := ""
		if len(errs) > 0 {
			got = errs[0].String()
		}
		if len(rows) != c.rows || (c.problem == "") != (len(errs) == 0) || !strings.HasPrefix(got, c.problem) {
			t.Errorf("%s: %d rows, problems %v; want %d rows and %q", c.name, len(rows), errs, c.rows, c.problem)
		}
	}
}

func TestExcerpt(t *testing.T) {
	for in, want := range map[string]string{
		"K1001":                  `"K1001"`,
		"a\x1b[2Jb":              `"a\x1b[2Jb"`,
		strings.Repeat("é", 40):  `"` + strings.Repeat("é", 32) + `"…`,
		"\u202eevil":             `"\u202eevil"`,
		strings.Repeat("k", 100): `"` + strings.Repeat("k", 32) + `"…`,
	} {
		if got := excerpt(in); got != want {
			t.Errorf("excerpt(%q) = %s, want %s", in, got, want)
		}
	}
	if codeExcerpt("K1001") != "K1001" || codeExcerpt("K 1") != `"K 1"` {
		t.Error("codeExcerpt")
	}
}
