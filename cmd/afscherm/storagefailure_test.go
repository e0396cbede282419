package main

import (
	"context"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// diskFull makes every write of a scan result fail as a full disk makes it
// fail: SQLite's "database or disk is full", PostgreSQL's disk_full
// (53100). A trigger in the real database raises it, so the store and its
// transactions see the database's own error.
var diskFull = map[string][]string{
	"sqlite": {`CREATE TRIGGER scan_results_disk_full BEFORE INSERT ON scan_results
		BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`},
	"postgres": {`CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'could not extend file "base/16384/16412": No space left on device' USING ERRCODE = 'disk_full'; END $$`,
		`CREATE TRIGGER scan_results_disk_full BEFORE INSERT ON scan_results FOR EACH ROW EXECUTE FUNCTION disk_full()`},
}

// TestScanStopsAtTheFirstStorageError: with the disk full, `scan --all`
// ends at the first scan it cannot store, with exit 1 and the database's
// own words, after a handful of lookups rather than one per domain.
func TestScanStopsAtTheFirstStorageError(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			url := storetest.NewURL(t, backend)
			importedDB(t, url)
			world, flags := sandboxFlags(t, url, sandbox.Limits{})
			ctx := context.Background()
			st := storetest.Open(t, url, nil)
			for _, sql := range diskFull[backend] {
				if err := storetest.Exec(ctx, st, sql); err != nil {
					t.Fatal(err)
				}
			}
			domains, err := st.CountDomains(ctx)
			if err != nil {
				t.Fatal(err)
			}
			r := afscherm(t, nil, "", append([]string{"scan", "--database-url", url, "--all", "--parallel", "2"}, flags...)...)
			want := map[string]string{"sqlite": "database or disk is full", "postgres": "No space left on device"}[backend]
			if r.code != exitFailed || !strings.Contains(r.stderr, "scan stopped at the first storage error") ||
				!strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			if strings.Contains(r.stderr, "roll") {
				t.Errorf("a rollback's message in:\n%s", r.stderr)
			}
			// Two scans under way when the first failed, each RDAP and
			// perhaps WHOIS or a registrar's RDAP: a few lookups, not one
			// per domain.
			if n := world.Lookups(); n > 8 {
				t.Errorf("%d lookups for %d domains after the first storage error", n, domains)
			}
		})
	}
}
