package quote

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden quote texts")

func TestRenderIsStableAndHashed(t *testing.T) {
	for _, lang := range []model.Language{model.LanguageDutch, model.LanguageEnglish} {
		in := Input{Domain: "bücher.nl", Customer: "K1001", Language: lang,
			Visible: []model.Field{model.FieldName, model.FieldPostalCode, model.FieldEmail},
			Price:   model.NewPrice(495, 1250), ExpiresOn: model.NewDate(2026, 12, 9)}
		q, err := Render(in)
		if err != nil {
			t.Fatal(err)
		}
		if q.Version != Version || q.Language != lang || q.SHA256 != Hash(q.Text) || len(q.SHA256) != 64 {
			t.Errorf("quote %+v", q)
		}
		again, _ := Render(in)
		if again.Text != q.Text {
			t.Error("the same input gave another text")
		}
		path := filepath.Join("testdata", "quote."+string(lang)+".txt")
		if *update {
			os.WriteFile(path, []byte(q.Text), 0o644)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test -update writes it)", err)
		}
		if string(want) != q.Text {
			t.Errorf("%s differs (go test -update rewrites it):\n%s", path, q.Text)
		}
	}
}

func TestFieldList(t *testing.T) {
	fs := []model.Field{model.FieldName, model.FieldCity, model.FieldEmail}
	if got := FieldList(fs, model.LanguageDutch); got != "uw naam, uw woonplaats en uw e-mailadres" {
		t.Errorf("nl: %q", got)
	}
	if got := FieldList(fs[:1], model.LanguageEnglish); got != "your name" {
		t.Errorf("en: %q", got)
	}
}

func TestPriceTable(t *testing.T) {
	pt, err := ReadPriceTable(strings.NewReader("tld;registrar;registrar_cost;service_fee\nnl;*;0;12,50\n.com;openprovider;4.95;12.50\n"), "p.csv")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := pt.Price("nl", "sidn"); err != nil || p.Lines[0].Net != 0 || p.Lines[1].Net != 1250 {
		t.Errorf("nl: %+v, %v", p, err)
	}
	if p, err := pt.Price("com", "openprovider"); err != nil || p.Lines[0].Net != 495 {
		t.Errorf("com: %+v, %v", p, err)
	}
	if _, err := pt.Price("com", "other"); !model.IsKind(err, model.KindInvalid) || !strings.Contains(err.Error(), "no price for .com") {
		t.Errorf("missing: %v", err)
	}
	var none *PriceTable
	if _, err := none.Price("nl", "x"); err == nil || !strings.Contains(err.Error(), "afscherm prices import") {
		t.Errorf("no table: %v", err)
	}
	_, err = ReadPriceTable(strings.NewReader("tld,registrar,registrar_cost,service_fee\nnl,*,abc,1\nnl,*,1,1\nnl,*,1,1\n,x,1,1\n"), "bad.csv")
	if err == nil || !strings.Contains(err.Error(), "bad.csv:2: registrar_cost") || !strings.Contains(err.Error(), "bad.csv:4: a second price") ||
		!strings.Contains(err.Error(), "bad.csv:5: tld") {
		t.Errorf("bad table: %v", err)
	}
}

// TestPriceTableContent: the hash is of the prices, not of the file's
// layout; a table made from a version's rows prices as the file did and
// hashes the same; another price is another hash.
func TestPriceTableContent(t *testing.T) {
	a, err := ReadPriceTable(strings.NewReader("tld,registrar,registrar_cost,service_fee\nnl,*,0.00,12.50\ncom,openprovider,4.95,12.50\n"), "a.csv")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadPriceTable(strings.NewReader("registrar;tld;service_fee;registrar_cost\nOpenprovider;.com;12,50;4,95\n*;NL;12,5;0\n"), "b.csv")
	if err != nil {
		t.Fatal(err)
	}
	if a.SHA256() != b.SHA256() || len(a.SHA256()) != 64 {
		t.Errorf("same prices, different hashes: %s %s", a.SHA256(), b.SHA256())
	}
	c, err := ReadPriceTable(strings.NewReader("tld,registrar,registrar_cost,service_fee\nnl,*,0.00,12.51\ncom,openprovider,4.95,12.50\n"), "c.csv")
	if err != nil {
		t.Fatal(err)
	}
	if c.SHA256() == a.SHA256() {
		t.Error("a different fee has the same hash")
	}
	rows := a.Rows()
	if len(rows) != 2 || rows[0] != (model.PriceRow{TLD: "com", Registrar: "openprovider", RegistrarCost: 495, ServiceFee: 1250}) {
		t.Errorf("rows: %+v", rows)
	}
	v := NewPriceTable(7, rows)
	if v.Version != 7 || v.SHA256() != a.SHA256() {
		t.Errorf("from rows: version %d, %s", v.Version, v.SHA256())
	}
	if fee, err := v.ServiceFee("nl", "sidn"); err != nil || fee != 1250 {
		t.Errorf("nl fee: %v %v", fee, err)
	}
	if _, err := v.Price("de", "x"); err == nil || !strings.Contains(err.Error(), "price table version 7 has no price for .de") {
		t.Errorf("missing in a version: %v", err)
	}
}
