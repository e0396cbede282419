package model

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeDomainName(t *testing.T) {
	good := []struct{ in, want, display string }{
		{"example.nl", "example.nl", "example.nl"},
		{"  Example.NL. ", "example.nl", "example.nl"},
		{"Bücher.nl", "xn--bcher-kva.nl", "bücher.nl"},
		{"xn--bcher-kva.nl", "xn--bcher-kva.nl", "bücher.nl"},
		{"ÉCOLE.fr", "xn--cole-9oa.fr", "école.fr"},
		{"shop.example.co.uk", "shop.example.co.uk", "shop.example.co.uk"},
		{"example.xn--p1ai", "example.xn--p1ai", "example.рф"},
	}
	for _, tc := range good {
		got, err := NormalizeDomainName(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeDomainName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			continue
		}
		if d := DisplayDomainName(got); d != tc.display {
			t.Errorf("DisplayDomainName(%q) = %q, want %q", got, d, tc.display)
		}
	}
	bad := []string{"", ".", "localhost", "a..nl", "-a.nl", "a-.nl", "a_b.nl", "ex ample.nl",
		"1.2.3.4", "example.123", "xn--zz.nl", "http://example.nl", "example.nl/path",
		string([]byte{0xff, 0xfe}) + ".nl", "a." + string(make([]byte, 300)) + ".nl"}
	for _, in := range bad {
		if got, err := NormalizeDomainName(in); err == nil || !errors.Is(err, ErrDomainName) {
			t.Errorf("NormalizeDomainName(%q) = %q, %v; want an ErrDomainName", in, got, err)
		}
	}
}

func TestTLD(t *testing.T) {
	for in, want := range map[string]string{"example.nl": "nl", "a.b.co.uk": "uk", "xn--bcher-kva.nl": "nl"} {
		if got := TLD(in); got != want {
			t.Errorf("TLD(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeRegistrar(t *testing.T) {
	if got, err := NormalizeRegistrar(" OpenProvider "); err != nil || got != "openprovider" {
		t.Errorf("NormalizeRegistrar = %q, %v", got, err)
	}
	for _, in := range []string{"", "open provider", "sidn!", "-x"} {
		if _, err := NormalizeRegistrar(in); err == nil {
			t.Errorf("NormalizeRegistrar(%q) accepted", in)
		}
	}
}

// TestNormalizeDomainNameRefusesWhatMappingHides: invisible characters and
// names that IDNA mapping would turn into another are refused, saying why
// without repeating the name.
func TestNormalizeDomainNameRefusesWhatMappingHides(t *testing.T) {
	for in, want := range map[string]string{
		"pay\u200bpal.com":      "invisible or direction-changing character (U+200B)",
		"pay\u200dpal.com":      "(U+200D)",
		"pay\u00adpal.com":      "(U+00AD)",
		"pay\u034fpal.com":      "(U+034F)",
		"\u202emoc.lapyap.com":  "(U+202E)",
		"ｐａｙｐａｌ.com":            "changes under IDNA mapping",
		"paypal\u3002com":       "changes under IDNA mapping",
		"\u210cello.com":        "changes under IDNA mapping",
		"ﬁnance.nl":             "changes under IDNA mapping",
		"jan..nl":               "empty label",
		"-jan.nl":               "hyphen",
		"jan de vries.nl":       "not allowed in domain names (U+0020)",
		"janvandenheuvel":       "has no top-level domain",
		"janvandenheuvel.12345": "has no valid top-level domain",
	} {
		_, err := NormalizeDomainName(in)
		if err == nil || !errors.Is(err, ErrDomainName) || !strings.Contains(err.Error(), want) {
			t.Errorf("NormalizeDomainName(%q) = %v, want %q", in, err, want)
			continue
		}
		for _, part := range []string{"pay", "pal", "ello", "nance", "jan"} {
			if strings.Contains(err.Error(), part) {
				t.Errorf("NormalizeDomainName(%q): %v repeats the name", in, err)
			}
		}
	}
	// A change of case or of Unicode normalisation form is no change.
	for in, want := range map[string]string{"PayPal.COM": "paypal.com", "bu\u0308cher.nl": "xn--bcher-kva.nl", "SCHÖN.nl": "xn--schn-7qa.nl"} {
		if got, err := NormalizeDomainName(in); err != nil || got != want {
			t.Errorf("NormalizeDomainName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
