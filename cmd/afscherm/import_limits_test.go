package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/store/storetest"
)

const customersHeader = "customer_number;name;kind;email;phone;street;postal_code;city;country;language;relationship_end\n"

// writeFile writes parts to a new file in dir, streaming, and returns its path.
func writeFile(t *testing.T, dir, name string, parts ...func(w *bufio.Writer)) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for _, p := range parts {
		p(w)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func text(s string) func(*bufio.Writer) { return func(w *bufio.Writer) { w.WriteString(s) } }

func repeat(s string, n int) func(*bufio.Writer) {
	return func(w *bufio.Writer) {
		for range n {
			w.WriteString(s)
		}
	}
}

// TestImportRefusesOversizedInputBriefly: a 50 MB field, a 50 MB quoted
// field over many lines and a header of a million columns are refused with
// a message of a line or two that quotes none of it.
func TestImportRefusesOversizedInputBriefly(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "limits.db")
	for _, c := range []struct {
		name, flag, file string
		says             string
	}{
		{"50 MB name", "--customers", writeFile(t, dir, "customers-field.csv", text(customersHeader+"K1;"),
			repeat("Abcdefghij", 5<<20), text(";person;a@example.nl;;;;;NL;nl;\n")),
			"customers-field.csv:2: name: is longer than 1024 bytes; nothing after it was read"},
		{"50 MB quoted street over many lines", "--customers", writeFile(t, dir, "customers-lines.csv",
			text(customersHeader+"K1;Piet;person;p@example.nl;;\""), repeat("Straatnaam 1\n", 4<<20), text("\";;;NL;nl;\n")),
			"customers-lines.csv:2: street: is longer than 1024 bytes"},
		{"50 MB domain", "--domains", writeFile(t, dir, "domains-field.csv", text("domain,customer_number,registrar\n"),
			repeat("abcdefghij", 5<<20), text(".nl,K1,sidn\n")),
			"domains-field.csv:2: domain: is longer than 1024 bytes"},
		{"a million columns", "--customers", writeFile(t, dir, "customers-wide.csv", text(strings.TrimSuffix(customersHeader, "\n")),
			repeat(";extra", 1_000_000), text("\n")),
			"customers-wide.csv:1: the header has more than 64 columns"},
		{"a 50 MB column name", "--domains", writeFile(t, dir, "domains-name.csv", text("domain,customer_number,"),
			repeat("registrar", 6<<20), text("\nexample.nl,K1,sidn\n")),
			"domains-name.csv:1: the header's column 3 is longer than 1024 bytes"},
	} {
		r := afscherm(t, nil, "", "import", "--database-url", db, c.flag, c.file)
		if r.code != exitFailed || !strings.Contains(r.stderr, c.says) {
			t.Errorf("%s: exit %d, stderr %.500q, want %q", c.name, r.code, r.stderr, c.says)
		}
		if len(r.stderr) > 400 {
			t.Errorf("%s: a message of %d bytes", c.name, len(r.stderr))
		}
	}
}

// TestImportRefusesInvisibleCharactersAndIDNAChanges, on both backends:
// bidirectional overrides and zero-width characters in names, addresses,
// e-mail and domain names are refused, and so is a domain name that IDNA
// mapping would change; the messages name the column, the line and the
// character, never the value.
func TestImportRefusesInvisibleCharactersAndIDNAChanges(t *testing.T) {
	dir := t.TempDir()
	customers := writeFile(t, dir, "customers.csv", text(customersHeader+
		"K1;Zwartkop\u202eGnirts;person;z@example.nl;;;;;NL;nl;\n"+ // right-to-left override
		"K2;Blauwkop;person;b@example.nl;;Kerk\u200bstraat 1;;;NL;nl;\n"+ // zero-width space
		"K3;Groenkop;person;g@example.nl;;;;Ut\u2066recht;NL;nl;\n"+ // left-to-right isolate
		"K4;Roodkop;person;rood\u200d@example.nl;;;;;NL;nl;\n"+ // zero-width joiner
		"K5;Geelkop;person;geel@example.nl;;;;;NL;nl;\n"))
	domains := writeFile(t, dir, "domains.csv", text("domain,customer_number,registrar\n"+
		"pay\u200bpal.com,K5,\n"+ // zero-width space
		"pay\u00adpal.com,K5,\n"+ // soft hyphen
		"ｐａｙｐａｌ.com,K5,\n"+ // full-width letters
		"paypal\u3002com,K5,\n"+ // ideographic full stop
		"\u210cello.com,K5,\n"+ // black-letter H
		"bu\u0308cher.nl,K5,\n"+ // decomposed ü: the same name, accepted
		"SCH\u00d6N.nl,K5,\n"+ // capitals: a change of case only, accepted
		"Geelkop.nl,K5,\n"))
	storetest.EachURL(t, func(t *testing.T, url string) {
		r := afscherm(t, nil, "", "import", "--database-url", url, "--customers", customers, "--domains", domains)
		if r.code != exitFailed {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		for _, want := range []string{
			"customers.csv:2: name: contains an invisible or direction-changing character (U+202E)",
			"customers.csv:3: street: contains an invisible or direction-changing character (U+200B)",
			"customers.csv:4: city: contains an invisible or direction-changing character (U+2066)",
			"customers.csv:5: email: contains an invisible or direction-changing character (U+200D)",
			"domains.csv:2: domain: contains an invisible or direction-changing character (U+200B)",
			"domains.csv:3: domain: contains an invisible or direction-changing character (U+00AD)",
			"domains.csv:4: domain: changes under IDNA mapping",
			"domains.csv:5: domain: changes under IDNA mapping",
			"domains.csv:6: domain: changes under IDNA mapping",
		} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
			}
		}
		for _, line := range []string{"customers.csv:6", "domains.csv:7", "domains.csv:8", "domains.csv:9"} {
			if strings.Contains(r.stderr, line+":") {
				t.Errorf("a good row was refused: %s", r.stderr)
			}
		}
		for _, value := range []string{"Zwartkop", "Gnirts", "Blauwkop", "Kerk", "Groenkop", "recht", "rood", "pay", "ello"} {
			if strings.Contains(r.stderr, value) {
				t.Errorf("stderr repeats %q:\n%s", value, r.stderr)
			}
		}
		if n := strings.Count(r.stderr, "\n"); n != 10 {
			t.Errorf("%d lines; want the count and nine problems:\n%s", n, r.stderr)
		}
	})
}

// TestImportQuotesOnlyShortExcerptsOfCodes: a customer number, which holds
// no personal data, is quoted in part, escaped.
func TestImportQuotesOnlyShortExcerptsOfCodes(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "codes.db")
	long := "K" + strings.Repeat("9", 900)
	domains := writeFile(t, dir, "domains.csv", text("domain,customer_number,registrar\nexample.nl,"+long+",\nexample.com,\"K1\x1b[2J\",\n"))
	r := afscherm(t, nil, "", "import", "--database-url", db, "--domains", domains)
	if r.code != exitFailed || !strings.Contains(r.stderr, `domains.csv:2: customer_number: no customer "K9999999999999999999999999999999"… in`) ||
		!strings.Contains(r.stderr, `domains.csv:3: customer_number: no customer "K1\x1b[2J" in`) || strings.Contains(r.stderr, "\x1b") {
		t.Errorf("exit %d:\n%s", r.code, r.stderr)
	}
}
