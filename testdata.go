// Package afscherm is the root of the module. The program is cmd/afscherm;
// this package only embeds the sample data under testdata/, so that the demo
// runs from any folder and tests in any package can read it.
package afscherm

import "embed"

// Testdata holds the sample import files, the price table, and the RDAP and
// WHOIS responses written here as unit tests of single classifier rules. The
// corpus of real captured responses (testdata/real) is read from disk by its
// test and stays out of the binary.
//
//go:embed testdata/import testdata/rdap testdata/whois testdata/expected-verdicts.tsv testdata/prices.csv
var Testdata embed.FS
