package migrations_test

import (
	"context"
	"database/sql"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"

	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/migrations"
)

// upTo applies a backend's migrations numbered from first to last, each in
// a transaction, as the store does.
func upTo(t *testing.T, db *sql.DB, fsys fs.FS, first, last int) {
	t.Helper()
	files, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	for _, f := range files {
		v, _ := strconv.Atoi(f[:4])
		if v < first || v > last {
			continue
		}
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(string(b)); err != nil {
			tx.Rollback()
			t.Fatalf("%s: %v", f, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatalf("%s: commit: %v", f, err)
		}
	}
}

// TestUpgradeAllowsUndetermined: a database at schema version 8, holding
// scans that a domain and a request point at, takes migration 0009 (on
// SQLite a rebuild of scan_results): every scan and every reference to one
// is kept, undetermined is allowed and nothing else new is, the foreign
// key still holds, and the later migrations still apply.
func TestUpgradeAllowsUndetermined(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			url := storetest.NewURL(t, backend)
			var db *sql.DB
			var err error
			var fsys fs.FS
			raw := `X'486f6c6465723a204a2e204a616e73656e0a'` // "Holder: J. Jansen\n"
			if backend == "sqlite" {
				db, err = sql.Open("sqlite", "file:"+url+"?_foreign_keys=1&_txlock=immediate")
				fsys = migrations.SQLite()
			} else {
				db, err = sql.Open("pgx", url)
				fsys = migrations.Postgres()
				raw = `'\x486f6c6465723a204a2e204a616e73656e0a'::bytea`
			}
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			exec := func(q string) error {
				_, err := db.ExecContext(context.Background(), q)
				return err
			}
			must := func(q string) {
				t.Helper()
				if err := exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			const at = `'2026-11-01T02:00:00.000000Z'`
			scan := func(verdict, domain string) string {
				return `INSERT INTO scan_results (domain_id, scanned_at, status, verdict) SELECT id, ` + at + `, 'ok', ` +
					verdict + ` FROM domains WHERE name = '` + domain + `'`
			}

			upTo(t, db, fsys, 1, 8)
			must(`INSERT INTO customers (number, name, kind, email, created_at, updated_at) VALUES ('U1', 'Jan Jansen', 'person', 'jan@example.nl', ` + at + `, ` + at + `)`)
			for _, name := range []string{"a.nl", "b.nl"} {
				must(`INSERT INTO domains (name, customer_id, registrar, added_on, created_at, updated_at) SELECT '` + name + `', id, 'sidn', '2026-01-01', ` + at + `, ` + at + ` FROM customers`)
			}
			must(`INSERT INTO scan_results (domain_id, scanned_at, source, server, status, verdict, fields, evidence, raw) SELECT id, ` + at +
				`, 'whois', 'whois.example', 'ok', 'exposed', '{"name": {"state": "visible"}}', '["because"]', ` + raw + ` FROM domains WHERE name = 'a.nl'`)
			must(`INSERT INTO scan_results (domain_id, scanned_at, status, failure_reason) SELECT id, ` + at + `, 'failed', 'timeout' FROM domains WHERE name = 'a.nl'`)
			must(`UPDATE domains SET last_scan_id = (SELECT min(id) FROM scan_results), last_verdict = 'exposed', last_scanned_at = ` + at + ` WHERE name = 'a.nl'`)
			must(`INSERT INTO privacy_requests (domain_id, customer_id, state, currency, price, net, vat, gross, quote_version, quote_language,
				quote_text, quote_sha256, scan_id, created_by_kind, created_by_id, created_at, updated_at)
				SELECT id, customer_id, 'quoted', 'EUR', '{}', 1250, 263, 1513, 'v1', 'nl', 'q', 'h', last_scan_id, 'staff', 'anna', ` + at + `, ` + at + `
				FROM domains WHERE name = 'a.nl'`)
			if err := exec(scan("'undetermined'", "b.nl")); err == nil {
				t.Fatal("version 8 took the verdict undetermined")
			}

			upTo(t, db, fsys, 9, 9)
			var scans, referenced int
			var rawBack []byte
			var fields, evidence string
			err = db.QueryRow(`SELECT (SELECT count(*) FROM scan_results),
				(SELECT count(*) FROM domains d JOIN privacy_requests r ON r.scan_id = d.last_scan_id JOIN scan_results s ON s.id = d.last_scan_id
				 WHERE s.verdict = 'exposed' AND s.server = 'whois.example'),
				s.raw, s.fields, s.evidence FROM scan_results s WHERE s.verdict = 'exposed'`).Scan(&scans, &referenced, &rawBack, &fields, &evidence)
			if err != nil || scans != 2 || referenced != 1 || string(rawBack) != "Holder: J. Jansen\n" ||
				!strings.Contains(fields, "visible") || !strings.Contains(evidence, "because") {
				t.Errorf("after 0009: %d scans, %d referenced, raw %q, fields %s, evidence %s, %v", scans, referenced, rawBack, fields, evidence, err)
			}
			if backend == "sqlite" {
				var problems int
				if err := db.QueryRow(`SELECT count(*) FROM pragma_foreign_key_check`).Scan(&problems); err != nil || problems != 0 {
					t.Errorf("foreign key check: %d problems, %v", problems, err)
				}
				var indexes string
				if err := db.QueryRow(`SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master
					WHERE type = 'index' AND tbl_name = 'scan_results' ORDER BY name)`).Scan(&indexes); err != nil ||
					indexes != "scan_results_domain scan_results_raw" {
					t.Errorf("indexes of scan_results: %q, %v", indexes, err)
				}
			}
			if err := exec(scan("'undetermined'", "b.nl")); err != nil {
				t.Errorf("undetermined after 0009: %v", err)
			}
			if err := exec(scan("'unknown'", "b.nl")); err == nil {
				t.Error("a verdict outside the list was stored")
			}
			if err := exec(`INSERT INTO scan_results (domain_id, scanned_at, status) VALUES (999999, ` + at + `, 'failed')`); err == nil {
				t.Error("a scan of a domain that does not exist was stored")
			}

			upTo(t, db, fsys, 10, 9999)
		})
	}
}
