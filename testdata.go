// Package afscherm is the root of the module. The program is cmd/afscherm;
// this package only embeds the sample data under testdata/, so that the demo
// runs from any folder and tests in any package can read it.
package afscherm

import "embed"

// Testdata holds testdata/: the sample import files, and the recorded RDAP
// and WHOIS responses with the verdicts they must get.
//
//go:embed testdata
var Testdata embed.FS
