package classify

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/afscherm/afscherm"
	"github.com/afscherm/afscherm/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// recording is one recorded response with the verdict it must get.
type recording struct {
	file, domain string
	verdict      model.Verdict
	note         string
}

func (r recording) source() model.Source {
	if strings.HasPrefix(r.file, "rdap/") {
		return model.SourceRDAP
	}
	return model.SourceWHOIS
}

func recordings(t testing.TB) []recording {
	t.Helper()
	f, err := afscherm.Testdata.Open("testdata/expected-verdicts.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []recording
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		if first || strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 3 {
			t.Fatalf("expected-verdicts.tsv: bad line %q", sc.Text())
		}
		v, err := model.ParseVerdict(cols[2])
		if err != nil {
			t.Fatalf("expected-verdicts.tsv: %v", err)
		}
		r := recording{file: cols[0], domain: cols[1], verdict: v}
		if len(cols) > 3 {
			r.note = cols[3]
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		t.Fatal("no recordings")
	}
	return out
}

func readRecording(t testing.TB, file string) []byte {
	t.Helper()
	b, err := fs.ReadFile(afscherm.Testdata, "testdata/"+file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func classifyRecording(r recording, body []byte, ours *model.Customer) (model.Classification, error) {
	if r.source() == model.SourceRDAP {
		return RDAP(r.domain, body, ours)
	}
	return WHOIS(r.domain, string(body), ours)
}

// TestRecordedVerdicts classifies every recorded response and compares the
// verdict with the manifest and the whole result with its golden file.
func TestRecordedVerdicts(t *testing.T) {
	for _, r := range recordings(t) {
		t.Run(r.file, func(t *testing.T) {
			got, err := classifyRecording(r, readRecording(t, r.file), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Verdict != r.verdict {
				t.Errorf("verdict %s, want %s (%s)\nevidence: %s\nfields: %v", got.Verdict, r.verdict, r.note,
					strings.Join(got.Evidence, "; "), got.Fields)
			}
			checkGolden(t, r.file, got)
		})
	}
}

func checkGolden(t *testing.T, file string, got model.Classification) {
	t.Helper()
	path := filepath.Join("testdata", "golden", strings.TrimSuffix(file, filepath.Ext(file))+".json")
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(want, b) {
		t.Errorf("result differs from %s (go test -update rewrites it):\n%s", path, b)
	}
}
