package check_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/check"
	"github.com/afscherm/afscherm/internal/database"
	"github.com/afscherm/afscherm/internal/lookup/rdap"
	"github.com/afscherm/afscherm/internal/quote"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

func TestRunAndOutput(t *testing.T) {
	items := []check.Item{
		check.One(func(context.Context) check.Result { return check.Pass("database", "reachable, schema 13 of 13") }),
		func(context.Context) []check.Result {
			return []check.Result{check.Warning("public URL", "not https", "give --public-url https://…"),
				check.Failure("price table", "no price for\n.eu at openprovider", "add a row")}
		},
		check.One(func(ctx context.Context) check.Result {
			if _, ok := ctx.Deadline(); !ok {
				return check.Failure("timeout", "the item has no deadline", "")
			}
			return check.Pass("timeout", "bounded")
		}),
	}
	rs := check.Run(context.Background(), time.Second, items...)
	if len(rs) != 4 || !check.Failed(rs) || check.Failed(rs[:2]) {
		t.Fatalf("results %+v", rs)
	}
	var text bytes.Buffer
	if err := check.WriteText(&text, rs); err != nil {
		t.Fatal(err)
	}
	want := `ok    database: reachable, schema 13 of 13
warn  public URL: not https
      fix: give --public-url https://…
fail  price table: no price for .eu at openprovider
      fix: add a row
ok    timeout: bounded
`
	if text.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", text.String(), want)
	}
	var js bytes.Buffer
	if err := check.WriteJSON(&js, rs); err != nil {
		t.Fatal(err)
	}
	var back []map[string]string
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != 4 || back[2]["item"] != "price table" || back[2]["status"] != "fail" || back[2]["fix"] != "add a row" {
		t.Errorf("json: %s", js.String())
	}
	if _, ok := back[0]["fix"]; !ok {
		t.Errorf("an ok result lacks the fix member: %s", js.String())
	}
}

// TestDatabase reads the schema's state on both backends without changing
// it: migrated, empty, and migrated by a newer afscherm.
func TestDatabase(t *testing.T) {
	ctx := context.Background()
	storetest.EachURL(t, func(t *testing.T, url string) {
		if !strings.HasPrefix(url, "postgres") { // Inspect opens only an existing file
			st, err := database.Open(ctx, url, database.Options{NoMigrate: true})
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
		}
		st, err := database.Open(ctx, url, database.Options{Inspect: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		r := check.Database(ctx, st)
		if r.Status != check.Fail || !strings.Contains(r.Detail, "schema 0 of") || !strings.Contains(r.Fix, "afscherm migrate") {
			t.Errorf("empty database: %+v", r)
		}
		if r := check.Database(ctx, st); r.Status != check.Fail {
			t.Errorf("checking twice migrated it: %+v", r)
		}
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if r := check.Database(ctx, st); r.Status != check.OK || !strings.HasSuffix(r.Detail, fmt.Sprintf("schema %d of %[1]d", st.SchemaVersion())) {
			t.Errorf("migrated: %+v", r)
		}
		if err := storetest.Exec(ctx, st, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', CURRENT_TIMESTAMP)"); err != nil {
			t.Fatal(err)
		}
		if r := check.Database(ctx, st); r.Status != check.Fail || !strings.Contains(r.Detail, fmt.Sprintf("schema 99 of %d", st.SchemaVersion())) ||
			!strings.Contains(r.Detail, "newer than this afscherm") {
			t.Errorf("newer: %+v", r)
		}
	})
}

func TestPrices(t *testing.T) {
	table, err := quote.ReadPriceTable(strings.NewReader("tld,registrar,registrar_cost,service_fee\nnl,*,0,12.50\ncom,openprovider,4.95,12.50\n"), "p.csv")
	if err != nil {
		t.Fatal(err)
	}
	pairs := []check.Pair{{TLD: "nl", Registrar: "sidn", Domains: 3}, {TLD: "com", Registrar: "openprovider", Domains: 2}}
	if r := check.Prices(table, pairs); r.Status != check.OK || !strings.Contains(r.Detail, "5 active domains (2 pairs)") {
		t.Errorf("covered: %+v", r)
	}
	r := check.Prices(table, append(pairs, check.Pair{TLD: "com", Registrar: "rrpproxy", Domains: 4}))
	if r.Status != check.Fail || r.Detail != "no price for .com at rrpproxy (4 domains)" {
		t.Errorf("missing: %+v", r)
	}
	if r := check.Prices(nil, pairs); r.Status != check.Fail || !strings.Contains(r.Fix, "--price-table") {
		t.Errorf("no table: %+v", r)
	}
}

func TestMailDir(t *testing.T) {
	dir := t.TempDir()
	if r := check.MailDir(dir); r.Status != check.OK {
		t.Errorf("folder: %+v", r)
	}
	if r := check.MailDir(filepath.Join(dir, "outbox", "new")); r.Status != check.OK || !strings.Contains(r.Detail, "made with the first mail") {
		t.Errorf("folder to be made: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "outbox")); !os.IsNotExist(err) {
		t.Errorf("check made the folder: %v", err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := check.MailDir(file); r.Status != check.Fail {
		t.Errorf("a file: %+v", r)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("check left files: %v", entries)
	}
}

// TestBootstrap: a given file by its age; a downloaded one by its kept
// copy, downloaded only with Online.
func TestBootstrap(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := []byte(`{"version":"1.0","publication":"2026-01-01T00:00:00Z","services":[[["nl"],["https://rdap.sidn.nl/"]]]}`)
	file := filepath.Join(dir, "dns.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, tc := range []struct {
		age  time.Duration
		want check.Status
	}{{time.Hour, check.OK}, {10 * 24 * time.Hour, check.Warn}, {40 * 24 * time.Hour, check.Fail}} {
		if err := os.Chtimes(file, now.Add(-tc.age), now.Add(-tc.age)); err != nil {
			t.Fatal(err)
		}
		if r := (check.Bootstrap{Source: file}).Check(ctx); r.Status != tc.want {
			t.Errorf("%s old: %+v", tc.age, r)
		}
	}
	if err := os.WriteFile(file, []byte("not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := (check.Bootstrap{Source: file}).Check(ctx); r.Status != check.Fail || !strings.Contains(r.Detail, "does not parse") {
		t.Errorf("garbage: %+v", r)
	}

	var downloads atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		downloads.Add(1)
		w.Write(data)
	}))
	defer srv.Close()
	cache := filepath.Join(dir, "cache")
	b := check.Bootstrap{Source: srv.URL + "/dns.json", CacheDir: cache, Client: srv.Client()}
	if r := b.Check(ctx); r.Status != check.Warn || downloads.Load() != 0 {
		t.Errorf("no copy yet, offline: %+v, %d downloads", r, downloads.Load())
	}
	b.Online = true
	if r := b.Check(ctx); r.Status != check.OK || downloads.Load() != 1 {
		t.Errorf("online: %+v, %d downloads", r, downloads.Load())
	}
	kept := rdap.CachePath(b.Source, cache)
	old := now.Add(-40 * 24 * time.Hour)
	if err := os.Chtimes(kept, old, old); err != nil {
		t.Fatal(err)
	}
	b.Online = false
	if r := b.Check(ctx); r.Status != check.Fail || downloads.Load() != 1 || !strings.Contains(r.Fix, "--online") {
		t.Errorf("stale copy, offline: %+v, %d downloads", r, downloads.Load())
	}
	srv.Close()
	b.Online = true
	if r := b.Check(ctx); r.Status != check.Fail {
		t.Errorf("online, source gone: %+v", r)
	}
}

func TestClientKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "client-key")
	if r := check.ClientKey("", path, database.CheckClientKeys); r.Status != check.Fail || !strings.Contains(r.Detail, "does not exist") {
		t.Errorf("missing: %+v", r)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("check made the key file: %v", err)
	}
	if _, _, err := database.ReadClientKeys(path); err != nil {
		t.Fatal(err)
	}
	if r := check.ClientKey("", path, database.CheckClientKeys); r.Status != check.OK {
		t.Errorf("present: %+v", r)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := check.ClientKey("", path, database.CheckClientKeys); r.Status != check.Fail || r.Fix != "run 'chmod 600 "+path+"'" {
		t.Errorf("shared: %+v", r)
	}
	if r := check.ClientKey("given by --client-key", "", nil); r.Status != check.OK {
		t.Errorf("given: %+v", r)
	}
}
