package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// priceFile writes a file in a fresh folder and returns its path.
func priceFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// priceTableShown is what `prices show --json` prints.
type priceTableShown struct {
	Version       int64  `json:"version"`
	ImportedBy    string `json:"imported_by"`
	SourceFile    string `json:"source_file"`
	ContentSHA256 string `json:"content_sha256"`
	Rows          []struct {
		TLD           string `json:"tld"`
		Registrar     string `json:"registrar"`
		RegistrarCost int64  `json:"registrar_cost_cents"`
		ServiceFee    int64  `json:"service_fee_cents"`
	} `json:"rows"`
}

func showPrices(t *testing.T, url string, args ...string) priceTableShown {
	t.Helper()
	r := afscherm(t, nil, "", append([]string{"prices", "show", "--database-url", url, "--json"}, args...)...)
	if r.code != exitOK {
		t.Fatalf("prices show: %+v", r)
	}
	var p priceTableShown
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("prices show --json: %v: %q", err, r.stdout)
	}
	return p
}

// TestPricesCommands: show before any import fails clearly; a bad file
// writes nothing; an import is version 1, audited; the same prices in
// another layout make no version; show prints a version's facts and rows.
func TestPricesCommands(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		none := afscherm(t, nil, "", "prices", "show", "--database-url", url)
		if none.code != exitFailed || !strings.Contains(none.stderr, "no price table has been imported yet: run 'afscherm prices import FILE'") {
			t.Errorf("show without a table: %+v", none)
		}

		bad := priceFile(t, "bad.csv", "tld,registrar,registrar_cost,service_fee\nnl,*,0.00,12.50\ncom,openprovider,four,12.50\n")
		r := afscherm(t, nil, "", "prices", "import", "--database-url", url, bad)
		if r.code != exitFailed || !strings.Contains(r.stderr, "bad.csv:3: registrar_cost") {
			t.Errorf("bad file: %+v", r)
		}
		if r := afscherm(t, nil, "", "prices", "show", "--database-url", url); r.code != exitFailed {
			t.Errorf("a bad file left a table: %+v", r)
		}

		r = afscherm(t, nil, "", "prices", "import", "--database-url", url, "--as", "Anna", prices)
		if r.code != exitOK || r.stdout != "imported "+prices+" as price table version 1: 6 prices\n" {
			t.Fatalf("import: %+v", r)
		}
		// The same prices, reordered, semicolons, decimal commas.
		same := priceFile(t, "same.csv", "registrar;tld;service_fee;registrar_cost\n*;cz;12,50;2\nOpenprovider;.net;12,5;4,95\n"+
			"openprovider;org;12.50;4.95\nopenprovider;be;12.50;6.50\nopenprovider;com;12.50;4.95\n*;nl;12.50;0\n")
		r = afscherm(t, nil, "", "prices", "import", "--database-url", url, "--as", "bert", same)
		if r.code != exitOK || !strings.Contains(r.stdout, "current version 1 (6 prices) already: no new version") {
			t.Errorf("identical import: %+v", r)
		}
		p := showPrices(t, url)
		if p.Version != 1 || p.ImportedBy != "staff:anna" || p.SourceFile != prices || len(p.ContentSHA256) != 64 || len(p.Rows) != 6 {
			t.Errorf("after an identical import: %+v", p)
		}
		if p.Rows[0].TLD != "be" || p.Rows[0].Registrar != "openprovider" || p.Rows[0].RegistrarCost != 650 || p.Rows[0].ServiceFee != 1250 {
			t.Errorf("first row: %+v", p.Rows[0])
		}
		text := afscherm(t, nil, "", "prices", "show", "--database-url", url)
		for _, want := range []string{"Price table version 1\n", "by staff:anna", "from:     " + prices, "SHA-256:  " + p.ContentSHA256,
			"cz   *             € 2,00          € 12,50"} {
			if !strings.Contains(text.stdout, want) {
				t.Errorf("show lacks %q:\n%s", want, text.stdout)
			}
		}

		higher := priceFile(t, "2027.csv", "tld,registrar,registrar_cost,service_fee\nnl,*,0.00,15.00\n")
		if r := afscherm(t, nil, "", "prices", "import", "--database-url", url, "--as", "bert", higher); r.code != exitOK ||
			!strings.Contains(r.stdout, "as price table version 2: 1 prices") {
			t.Errorf("second import: %+v", r)
		}
		if p := showPrices(t, url); p.Version != 2 || p.ImportedBy != "staff:bert" || len(p.Rows) != 1 || p.Rows[0].ServiceFee != 1500 {
			t.Errorf("current after the second import: %+v", p)
		}
		if p := showPrices(t, url, "--version", "1"); p.Version != 1 || len(p.Rows) != 6 {
			t.Errorf("version 1: %+v", p)
		}
		if r := afscherm(t, nil, "", "prices", "show", "--database-url", url, "--version", "3"); r.code != exitFailed ||
			!strings.Contains(r.stderr, "price table version 3 not found") {
			t.Errorf("unknown version: %+v", r)
		}
	})
}

// TestPriceTableFlagImports: --price-table imports its file when its prices
// differ from the current version, and each request records the version
// its quote was priced from; an older request keeps its price and version.
func TestPriceTableFlagImports(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		scannedDB(t, url)
		registrarsFile := priceFile(t, "registrars.json", string(sandbox.ManualConfig()))
		flow := []string{"--database-url", url, "--as", "anna", "--mail-dir", filepath.Join(t.TempDir(), "mail"), "--registrars", registrarsFile}
		create := func(domain, table string) map[string]any {
			t.Helper()
			r := afscherm(t, nil, "", append([]string{"request", "create", "--domain", domain, "--json", "--price-table", table}, flow...)...)
			lines := jsonLines(t, r.stdout)
			if r.code != exitOK || len(lines) != 1 {
				t.Fatalf("create %s: %+v", domain, r)
			}
			return lines[0]
		}
		first := create("janvandenheuvel.nl", prices)
		if first["price_table_version"] != 1.0 || first["gross_cents"] != 1513.0 { // € 12,50 + 21% VAT
			t.Errorf("first request: %v", first)
		}
		dearer := priceFile(t, "dearer.csv", "tld,registrar,registrar_cost,service_fee\nnl,*,0.00,20.00\n")
		second := create("anoukdeboer.nl", dearer)
		if second["price_table_version"] != 2.0 || second["gross_cents"] != 2420.0 {
			t.Errorf("request after the flag's import: %v", second)
		}
		if p := showPrices(t, url); p.Version != 2 || p.SourceFile != dearer || p.ImportedBy != "staff:anna" {
			t.Errorf("the flag's import: %+v", p)
		}
		// The same file again makes no new version (and the domain's open
		// request gets no second one).
		if r := afscherm(t, nil, "", append([]string{"request", "create", "--domain", "janvandenheuvel.nl", "--price-table", dearer}, flow...)...); r.code != exitFailed {
			t.Errorf("a second open request: %+v", r)
		}
		if p := showPrices(t, url); p.Version != 2 {
			t.Errorf("the same file made version %d", p.Version)
		}

		// serve imports its --price-table too, before it works a job.
		cheaper := priceFile(t, "cheaper.csv", "tld,registrar,registrar_cost,service_fee\nnl,*,0.00,10.00\n")
		startServe(t, url, []string{"--price-table", cheaper, "--mail-dir", filepath.Join(t.TempDir(), "mail"), "--registrars", registrarsFile})
		if p := showPrices(t, url); p.Version != 3 || p.SourceFile != cheaper || p.Rows[0].ServiceFee != 1000 {
			t.Errorf("serve's import: %+v", p)
		}

		id := strconv.Itoa(int(first["id"].(float64)))
		show := afscherm(t, nil, "", "request", "show", "--database-url", url, id)
		if !strings.Contains(show.stdout, "€ 15,13 incl. VAT, from price table version 1\n") {
			t.Errorf("the older request:\n%s", show.stdout)
		}
		js := afscherm(t, nil, "", "request", "show", "--database-url", url, "--json", id)
		if lines := jsonLines(t, js.stdout); len(lines) != 1 || lines[0]["price_table_version"] != 1.0 || lines[0]["gross_cents"] != 1513.0 {
			t.Errorf("the older request as JSON: %s", js.stdout)
		}
	})
}
