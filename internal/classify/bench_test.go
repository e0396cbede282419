package classify

import (
	"testing"

	whoisparser "github.com/likexian/whois-parser"

	"github.com/afscherm/afscherm/internal/model"
)

// The benchmarks classify every recorded response of one source per
// operation; BenchmarkWhoisParser parses the same WHOIS files with
// github.com/likexian/whois-parser, for comparison (it gives no verdict).
//
//	go test -run XXX -bench . -benchmem ./internal/classify/

func benchFiles(b *testing.B, source model.Source) ([]recording, [][]byte) {
	var rs []recording
	var bodies [][]byte
	for _, r := range recordings(b) {
		if r.source() == source {
			rs = append(rs, r)
			bodies = append(bodies, readRecording(b, r.file))
		}
	}
	return rs, bodies
}

func BenchmarkClassifyRDAP(b *testing.B) {
	rs, bodies := benchFiles(b, model.SourceRDAP)
	b.ReportAllocs()
	for b.Loop() {
		for i, r := range rs {
			if _, err := RDAP(r.domain, bodies[i], fuzzCustomer); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(rs)), "files/op")
}

func BenchmarkClassifyWHOIS(b *testing.B) {
	rs, bodies := benchFiles(b, model.SourceWHOIS)
	texts := make([]string, len(bodies))
	for i, body := range bodies {
		texts[i] = string(body)
	}
	b.ReportAllocs()
	for b.Loop() {
		for i, r := range rs {
			if _, err := WHOIS(r.domain, texts[i], fuzzCustomer); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(rs)), "files/op")
}

func BenchmarkWhoisParser(b *testing.B) {
	_, bodies := benchFiles(b, model.SourceWHOIS)
	texts := make([]string, len(bodies))
	for i, body := range bodies {
		texts[i] = string(body)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, t := range texts {
			// Errors ("domain not found", "reserved") are results too here:
			// whois-parser refuses some registries' formats.
			_, _ = whoisparser.Parse(t)
		}
	}
	b.ReportMetric(float64(len(texts)), "files/op")
}
