-- Versions of the price table. SQLite runs one write transaction at a time
-- (BEGIN IMMEDIATE on one connection), so LockPriceTables only names the
-- step.

-- name: LockPriceTables
SELECT 1;

-- name: InsertPriceTable
INSERT INTO price_tables (number, imported_at, imported_by_kind, imported_by_id, source_file, content_sha256)
SELECT coalesce(max(number), 0) + 1, ?1, ?2, ?3, ?4, ?5 FROM price_tables
RETURNING number;

-- name: InsertPriceTableRow
INSERT INTO price_table_rows (version, tld, registrar, registrar_cost, service_fee) VALUES (?1, ?2, ?3, ?4, ?5);

-- name: CurrentPriceTable
SELECT number, imported_at, imported_by_kind, imported_by_id, source_file, content_sha256
FROM price_tables ORDER BY number DESC LIMIT 1;

-- name: PriceTableByVersion
SELECT number, imported_at, imported_by_kind, imported_by_id, source_file, content_sha256
FROM price_tables WHERE number = ?1;

-- name: PriceTableRows
SELECT tld, registrar, registrar_cost, service_fee FROM price_table_rows WHERE version = ?1 ORDER BY tld, registrar;
