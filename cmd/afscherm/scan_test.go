package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/database"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// importedDB imports the sample files into a fresh database at url.
func importedDB(t *testing.T, url string) {
	t.Helper()
	root := filepath.Join("..", "..", "testdata", "import")
	r := afscherm(t, nil, "", "import", "--database-url", url,
		"--customers", filepath.Join(root, "customers.csv"), "--domains", filepath.Join(root, "domains.csv"))
	if r.code != exitOK {
		t.Fatalf("import: %+v", r)
	}
}

// sandboxFlags starts the demo's registries, reachable by address from any
// process, registers the sample domains, and returns the lookup flags that
// reach them.
func sandboxFlags(t *testing.T, url string, limits sandbox.Limits) (*sandbox.World, []string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	w, err := sandbox.Standard(dir, sandbox.ByAddress, limits)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	st, err := database.Open(ctx, url, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	customers, _ := st.Customers(ctx)
	domains, _ := st.Domains(ctx, store.DomainFilter{})
	st.Close()
	w.Register(customers, domains)
	flags := worldFlags(t, w, dir)
	return w, flags
}

func TestScanCommand(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		importedDB(t, url)
		_, flags := sandboxFlags(t, url, sandbox.Limits{})

		flags = append(flags, "--rate-limit", "200")
		r := afscherm(t, nil, "", append([]string{"scan", "--database-url", url, "--all", "--json"}, flags...)...)
		if r.code != exitOK {
			t.Fatalf("scan --all: %+v", r)
		}
		lines := 0
		verdicts := map[string]int{}
		sc := bufio.NewScanner(strings.NewReader(r.stdout))
		for sc.Scan() {
			var line struct {
				Domain, Verdict, Status string
				Registrar               *struct {
					Name   string `json:"name"`
					IANAID string `json:"iana_id"`
				} `json:"registrar"`
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("not a JSON line: %q", sc.Text())
			}
			if line.Domain == "" || line.Status != "ok" || line.Registrar == nil {
				t.Errorf("line %s", sc.Text())
			}
			// The live registrar of record: Openprovider's IANA ID for a
			// .com, the company's name at SIDN for a .nl, none at DENIC.
			switch {
			case line.Registrar == nil:
			case line.Domain == "janvandenheuvel.com" && (line.Registrar.Name != "Hosting Concepts B.V. d/b/a Openprovider" || line.Registrar.IANAID != "1647"),
				line.Domain == "janvandenheuvel.nl" && (line.Registrar.Name != sandbox.HostingRegistrar || line.Registrar.IANAID != ""),
				strings.HasSuffix(line.Domain, ".de") && (line.Registrar.Name != "" || line.Registrar.IANAID != ""):
				t.Errorf("registrar of record: %s", sc.Text())
			}
			verdicts[line.Verdict]++
			lines++
		}
		if lines != 117 || verdicts["exposed"] == 0 || verdicts["not_published"] != 10 {
			t.Errorf("%d lines, verdicts %v", lines, verdicts)
		}
		if !strings.Contains(r.stderr, "verdicts:") || !strings.Contains(r.stderr, "scanned 117/117") {
			t.Errorf("no summary or progress on stderr:\n%s", r.stderr)
		}

		one := afscherm(t, nil, "", append([]string{"scan", "--database-url", url, "Bäckerei-Müller.DE"}, flags...)...)
		if one.code != exitOK || !strings.Contains(one.stderr, "not_published 1") {
			t.Errorf("scan one IDN: %+v", one)
		}
		unknown := afscherm(t, nil, "", append([]string{"scan", "--database-url", url, "example.com"}, flags...)...)
		if unknown.code != exitFailed || !strings.Contains(unknown.stderr, "not our domains") {
			t.Errorf("scan an unknown domain: %+v", unknown)
		}
		both := afscherm(t, nil, "", "scan", "--database-url", url, "--all", "--customer", "K1001")
		if both.code != exitUsage {
			t.Errorf("two selections: %+v", both)
		}

		d := afscherm(t, nil, "", "digest", "--database-url", url, "--produce")
		if d.code != exitOK || !strings.Contains(d.stdout, "Newly exposed: ") {
			t.Errorf("digest --produce: %+v", d)
		}
		dj := afscherm(t, nil, "", "digest", "--database-url", url, "--json")
		var dg struct {
			NewlyExposed []struct{ Domain, Customer string } `json:"newly_exposed"`
		}
		if dj.code != exitOK || json.Unmarshal([]byte(dj.stdout), &dg) != nil || len(dg.NewlyExposed) != verdicts["exposed"] {
			t.Errorf("digest --json: %+v", dj)
		}

		// By name only, the .nl domains' live registrar (the company, as
		// SIDN names it) is not "sidn"; the registrars file says it is.
		var mismatches struct {
			List []struct{ Domain, Imported string } `json:"registrar_mismatches"`
		}
		if json.Unmarshal([]byte(dj.stdout), &mismatches) != nil || len(mismatches.List) == 0 || mismatches.List[0].Imported != "sidn" {
			t.Errorf("digest by name only: %+v", mismatches)
		}
		registrarsFile := filepath.Join(t.TempDir(), "registrars.json")
		if err := os.WriteFile(registrarsFile, sandbox.ManualConfig(), 0o600); err != nil {
			t.Fatal(err)
		}
		dr := afscherm(t, nil, "", "digest", "--database-url", url, "--produce", "--registrars", registrarsFile)
		if dr.code != exitOK || strings.Contains(dr.stdout, "Registrar of record differs") {
			t.Errorf("digest --registrars: %+v", dr)
		}
	})
}

func TestScanFailuresAreCountedAndExitOne(t *testing.T) {
	url := filepath.Join(t.TempDir(), "a.db")
	importedDB(t, url)
	world, flags := sandboxFlags(t, url, sandbox.Limits{})
	world.Net.Close() // every server gone
	r := afscherm(t, nil, "", append([]string{"scan", "--database-url", url, "--customer", "K1001", "--lookup-timeout", "1s"}, flags...)...)
	if r.code != exitFailed || !strings.Contains(r.stderr, "failed:") || !strings.Contains(r.stderr, "connection") {
		t.Errorf("%+v", r)
	}
	ctx := context.Background()
	st := storetest.Open(t, url, nil)
	scans, _ := st.Scans(ctx, "janvandenheuvel.nl", 0)
	if len(scans) != 1 || scans[0].Status != model.ScanFailed {
		t.Errorf("failure not recorded: %+v", scans)
	}
}

func TestServeHealthAndShutdown(t *testing.T) {
	url := filepath.Join(t.TempDir(), "a.db")
	importedDB(t, url)
	_, flags := sandboxFlags(t, url, sandbox.Limits{})
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--database-url", url, "--addr", "127.0.0.1:0", "--trust-forwarded-for",
			"--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "127.0.0.1", "--max-connections", "16"}, flags...),
			testGetenv(nil), strings.NewReader(""), &out, &errOut)
	}()
	addr := waitFor(t, &out, "listening on http://")
	for _, path := range []string{"/healthz", "/readyz"} {
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, err := http.Get(addr + path)
			if err == nil && resp.StatusCode == http.StatusOK {
				resp.Body.Close()
				break
			}
			if resp != nil {
				resp.Body.Close()
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never answered 200: %v", path, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	cancel() // as SIGTERM does through main's signal context
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("serve ended with %d: %s", code, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if _, err := os.Stat(url); err != nil {
		t.Error(err)
	}
}
