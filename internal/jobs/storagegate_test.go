package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/afscherm/afscherm/internal/jobs"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// diskFull makes every write of a scan result fail as on a full disk
// (SQLite's "database or disk is full", PostgreSQL's disk_full), by a
// trigger in the real database; undo takes it away.
func diskFull(url string) (sql []string, undo string) {
	if strings.HasPrefix(url, "postgres") {
		return []string{`CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`,
				`CREATE TRIGGER scan_results_disk_full BEFORE INSERT ON scan_results FOR EACH ROW EXECUTE FUNCTION disk_full()`},
			`DROP TRIGGER scan_results_disk_full ON scan_results`
	}
	return []string{`CREATE TRIGGER scan_results_disk_full BEFORE INSERT ON scan_results
		BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`}, `DROP TRIGGER scan_results_disk_full`
}

// TestStorageFailurePausesScanJobs: with the store failing, the night's
// scan jobs stop making lookups after the first failures and wait, none
// of them failed or discarded; once the store works, they all complete.
func TestStorageFailurePausesScanJobs(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		st := storetest.Open(t, url, nil)
		f := newFixture(t, st, sandbox.Limits{})
		f.deps.Settings.ScanWorkers = 4
		f.deps.Settings.StoragePause = 2 * time.Second
		fail, undo := diskFull(url)
		for _, sql := range fail {
			if err := storetest.Exec(ctx, st, sql); err != nil {
				t.Fatal(err)
			}
		}
		client := f.startClient(t)
		if _, err := client.Insert(ctx, jobs.NightlyScanArgs{Day: "2026-11-25", Now: true}, nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond) // within the first pause
		// The scans under way when the first failed (4 workers), each
		// RDAP and perhaps WHOIS or a registrar's RDAP.
		if n := f.world.Lookups(); n == 0 || n > 12 {
			t.Errorf("%d lookups for 117 domains while the store failed", n)
		}
		res, err := client.JobList(ctx, river.NewJobListParams().Kinds("scan_domain").First(1000))
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range res.Jobs {
			if j.State == rivertype.JobStateDiscarded || j.State == rivertype.JobStateCancelled || j.State == rivertype.JobStateCompleted {
				t.Fatalf("job %d (%s) %s while the store failed", j.ID, j.EncodedArgs, j.State)
			}
		}
		if err := storetest.Exec(ctx, st, undo); err != nil {
			t.Fatal(err)
		}
		if done := waitForScans(t, client); len(done) != 117 {
			t.Errorf("%d scan jobs, want 117", len(done))
		}
		counts, _ := st.VerdictCounts(ctx)
		if counts[""] != 0 || counts[model.VerdictExposed] == 0 {
			t.Errorf("verdicts after the store recovered: %v", counts)
		}
	})
}
