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
	if _, err := none.Price("nl", "x"); err == nil || !strings.Contains(err.Error(), "--price-table") {
		t.Errorf("no table: %v", err)
	}
	_, err = ReadPriceTable(strings.NewReader("tld,registrar,registrar_cost,service_fee\nnl,*,abc,1\nnl,*,1,1\nnl,*,1,1\n,x,1,1\n"), "bad.csv")
	if err == nil || !strings.Contains(err.Error(), "bad.csv:2: registrar_cost") || !strings.Contains(err.Error(), "bad.csv:4: a second price") ||
		!strings.Contains(err.Error(), "bad.csv:5: tld") {
		t.Errorf("bad table: %v", err)
	}
}
