package model

import "testing"

func TestRegistrarNamesMatch(t *testing.T) {
	tests := []struct {
		published string
		names     []string
		want      bool
	}{
		{"Openprovider", []string{"openprovider"}, true},
		{"Hosting Concepts B.V. d/b/a Openprovider", []string{"openprovider"}, true},
		{"Hosting Concepts B.V. d/b/a Registrar.eu", []string{"Hosting Concepts"}, true},
		{"Hosting Concepts B.V. d/b/a Registrar.eu", []string{"registrar.eu"}, true},
		{"Hosting Concepts B.V. d/b/a Registrar.eu", []string{"openprovider"}, false},
		{"MarkMonitor, Inc.", []string{"MARKMONITOR Inc."}, true},
		{"MarkMonitor International Limited", []string{"markmonitor"}, false},
		{"GoDaddy.com, LLC", []string{"godaddy"}, true},
		{"GoDaddy.com, LLC", []string{"openprovider"}, false},
		{"CSL Computer Service Langenbach GmbH (d/b/a joker.com)", []string{"joker"}, true},
		{"Markmonitor Inc. t/a Markmonitor [Tag = MARKMONITOR]", []string{"markmonitor"}, true},
		{"Openprovider (sandbox)", []string{"openprovider"}, true},
		{"INWX GmbH & Co. KG", []string{"inwx"}, true},
		{"Key-Systems GmbH", []string{"key-systems"}, true},
		{"Key-Systems GmbH", []string{"rrpproxy"}, false},
		{"Hosting Voorbeeld B.V.", []string{"sidn"}, false},
		{"", []string{"sidn"}, false},
		{"Tucows", []string{""}, false},
	}
	for _, tc := range tests {
		if got := RegistrarNamesMatch(tc.published, tc.names...); got != tc.want {
			t.Errorf("RegistrarNamesMatch(%q, %q) = %v; forms %q", tc.published, tc.names, got, RegistrarNameForms(tc.published))
		}
	}
}

func TestRegistrarString(t *testing.T) {
	for r, want := range map[Registrar]string{
		{Name: "MarkMonitor Inc.", IANAID: "292"}: "MarkMonitor Inc. (IANA ID 292)",
		{Name: "REG-INTERNET-CZ"}:                 "REG-INTERNET-CZ",
		{IANAID: "1647"}:                          "IANA ID 1647",
		{}:                                        "none named",
	} {
		if got := r.String(); got != want {
			t.Errorf("%+v: %q, want %q", r, got, want)
		}
	}
}
