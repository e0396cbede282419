-- The price table lives in the database (issue 15), so that every process
-- quotes from the same table. Each import of a price table file is a new
-- version, numbered 1, 2, 3…; the newest is the one quotes use. A version
-- keeps who imported it, when, from which file, and the SHA-256 of its
-- rows in a canonical form (an import identical to the newest version
-- makes none). Versions and their rows are never changed or deleted.
CREATE TABLE IF NOT EXISTS price_tables (
    number           bigint PRIMARY KEY,
    imported_at      timestamptz NOT NULL,
    imported_by_kind text NOT NULL,
    imported_by_id   text NOT NULL,
    source_file      text NOT NULL,
    content_sha256   text NOT NULL
);

-- A version's prices, in cents without VAT; registrar '*' for any.
CREATE TABLE IF NOT EXISTS price_table_rows (
    version        bigint NOT NULL REFERENCES price_tables (number),
    tld            text NOT NULL,
    registrar      text NOT NULL,
    registrar_cost bigint NOT NULL CHECK (registrar_cost >= 0),
    service_fee    bigint NOT NULL CHECK (service_fee >= 0),
    PRIMARY KEY (version, tld, registrar)
);

DROP TRIGGER IF EXISTS price_tables_append_only ON price_tables;
CREATE TRIGGER price_tables_append_only BEFORE UPDATE ON price_tables
    FOR EACH ROW EXECUTE FUNCTION afscherm_append_only();

DROP TRIGGER IF EXISTS price_table_rows_append_only ON price_table_rows;
CREATE TRIGGER price_table_rows_append_only BEFORE UPDATE ON price_table_rows
    FOR EACH ROW EXECUTE FUNCTION afscherm_append_only();

-- The version a request's quote was priced from; NULL for the requests
-- quoted before, from a --price-table file.
ALTER TABLE privacy_requests ADD COLUMN IF NOT EXISTS price_table_version bigint REFERENCES price_tables (number);
