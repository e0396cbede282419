package migrations_test

import (
	"testing"

	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestUpgradeKeepsRequestsWithoutPriceVersion: a database at schema
// version 13 holding a request takes migration 0014; the request is kept
// and names no price table version (NULL), a version must exist to be
// named, and versions are append-only.
func TestUpgradeKeepsRequestsWithoutPriceVersion(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			db, fsys, must := rawDatabase(t, backend)
			const at = `'2026-11-01T02:00:00.000000Z'`

			upTo(t, db, fsys, 1, 13)
			must(`INSERT INTO customers (number, name, kind, email, created_at, updated_at) VALUES ('U1', 'Jan Jansen', 'person', 'jan@example.nl', ` + at + `, ` + at + `)`)
			must(`INSERT INTO domains (name, customer_id, registrar, added_on, created_at, updated_at) SELECT 'a.nl', id, 'sidn', '2026-01-01', ` + at + `, ` + at + ` FROM customers`)
			must(`INSERT INTO privacy_requests (domain_id, customer_id, state, currency, price, net, vat, gross, quote_version, quote_language,
				quote_text, quote_sha256, created_by_kind, created_by_id, created_at, updated_at)
				SELECT id, customer_id, 'quoted', 'EUR', '{}', 1250, 263, 1513, 'v1', 'nl', 'q', 'h', 'staff', 'anna', ` + at + `, ` + at + `
				FROM domains WHERE name = 'a.nl'`)

			upTo(t, db, fsys, 14, 14)
			var requests, without int
			if err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE price_table_version IS NULL) FROM privacy_requests`).Scan(&requests, &without); err != nil ||
				requests != 1 || without != 1 {
				t.Errorf("after 0014: %d requests, %d without a price table version, %v", requests, without, err)
			}
			if _, err := db.Exec(`UPDATE privacy_requests SET price_table_version = 1`); err == nil {
				t.Error("a request named a price table version that does not exist")
			}
			must(`INSERT INTO price_tables (number, imported_at, imported_by_kind, imported_by_id, source_file, content_sha256)
				VALUES (1, ` + at + `, 'staff', 'anna', 'prices.csv', 'abc')`)
			must(`INSERT INTO price_table_rows (version, tld, registrar, registrar_cost, service_fee) VALUES (1, 'nl', '*', 0, 1250)`)
			must(`UPDATE privacy_requests SET price_table_version = 1`)
			if _, err := db.Exec(`UPDATE price_table_rows SET service_fee = 1`); err == nil {
				t.Error("a price was changed")
			}
			if _, err := db.Exec(`INSERT INTO price_table_rows (version, tld, registrar, registrar_cost, service_fee) VALUES (1, 'com', '*', -1, 1250)`); err == nil {
				t.Error("a negative cost was stored")
			}
			upTo(t, db, fsys, 15, 9999)
		})
	}
}
