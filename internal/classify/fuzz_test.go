package classify

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/model"
)

var fuzzCustomer = &model.Customer{Name: "Jan de Vries", Kind: model.CustomerPerson, Email: "jan@example.nl",
	PostalCode: "1234 AB", Phone: "+31 6 1234 5678"}

// checkResult holds for every classification, whatever the input.
func checkResult(t *testing.T, c model.Classification) {
	t.Helper()
	if _, err := model.ParseVerdict(string(c.Verdict)); err != nil {
		t.Fatalf("verdict %q", c.Verdict)
	}
	for _, f := range model.Fields {
		v, ok := c.Fields[f]
		if !ok {
			t.Fatalf("field %s missing", f)
		}
		if (v.State == model.FieldVisible) != (v.Value != "") {
			t.Fatalf("field %s: state %s with value %q", f, v.State, v.Value)
		}
	}
	if c.Verdict == model.VerdictExposed && len(c.Evidence) == 0 {
		t.Fatal("exposed without evidence")
	}
}

func FuzzRDAP(f *testing.F) {
	for _, r := range recordings(f) {
		if r.source() == model.SourceRDAP {
			f.Add(readRecording(f, r.file))
		}
	}
	f.Add([]byte(`{"objectClassName":"domain","entities":[{"roles":"registrant","vcardArray":["vcard",[["fn",{},"text",["x",["y"]]]]]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := RDAP("example.com", body, fuzzCustomer)
		if err == nil {
			checkResult(t, c)
		}
	})
}

func FuzzWHOIS(f *testing.F) {
	for _, r := range recordings(f) {
		if r.source() == model.SourceWHOIS {
			f.Add(string(readRecording(f, r.file)))
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := WHOIS("example.com", text, fuzzCustomer)
		if err == nil {
			checkResult(t, c)
		}
	})
}

func TestBadInput(t *testing.T) {
	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	huge := strings.Repeat("Registrant Name: x\n", MaxResponseSize/18+1)
	rdapCases := map[string]string{
		"empty":         "",
		"not JSON":      "<html>Service Unavailable</html>",
		"JSON array":    `[1,2,3]`,
		"null":          `null`,
		"error object":  `{"errorCode":429,"title":"Too Many Requests"}`,
		"entity object": `{"objectClassName":"entity","handle":"X"}`,
		"binary":        string(garbage),
		"truncated":     `{"objectClassName":"domain","entities":[{"roles":["registrant"],"vcardArray":["vcard",[["fn",{},"te`,
		"too large":     `{"objectClassName":"domain","x":"` + strings.Repeat("a", MaxResponseSize) + `"}`,
	}
	for name, body := range rdapCases {
		if _, err := RDAP("example.com", []byte(body), nil); err == nil {
			t.Errorf("RDAP %s: no error", name)
		}
	}
	oddShapes := map[string]string{
		"vcard not an array":   `{"objectClassName":"domain","entities":[{"roles":["registrant"],"vcardArray":"vcard"}]}`,
		"properties not lists": `{"objectClassName":"domain","entities":[{"roles":["registrant"],"vcardArray":["vcard",[1,"fn",{}]]}]}`,
		"roles a string":       `{"objectClassName":"domain","entities":[{"roles":"registrant","vcardArray":["vcard",[["fn",{},"text","Jan de Vries"]]]}]}`,
		"entities an object":   `{"objectClassName":"domain","entities":{"roles":["registrant"]}}`,
		"deep nesting":         `{"objectClassName":"domain","entities":[` + strings.Repeat(`{"roles":["technical"],"entities":[`, 50) + strings.Repeat(`]}`, 50) + `]}`,
	}
	for name, body := range oddShapes {
		c, err := RDAP("example.com", []byte(body), nil)
		if err != nil {
			t.Errorf("RDAP %s: %v (an odd shape should still give a verdict)", name, err)
			continue
		}
		checkResult(t, c)
	}
	if c, _ := RDAP("example.com", []byte(oddShapes["roles a string"]), nil); c.Verdict != model.VerdictExposed {
		t.Errorf("roles as a string: %s", c.Verdict)
	}
	for name, text := range map[string]string{"binary": string(garbage), "NUL bytes": "Registrant Name: a\x00b\n", "too large": huge} {
		if _, err := WHOIS("example.com", text, nil); err == nil {
			t.Errorf("WHOIS %s: no error", name)
		}
	}
}
