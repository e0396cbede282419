-- The price table lives in the database (issue 15), so that every process
-- quotes from the same table. Each import of a price table file is a new
-- version, numbered 1, 2, 3…; the newest is the one quotes use. A version
-- keeps who imported it, when, from which file, and the SHA-256 of its
-- rows in a canonical form (an import identical to the newest version
-- makes none). Versions and their rows are never changed or deleted.
CREATE TABLE price_tables (
    number           INTEGER PRIMARY KEY,
    imported_at      TEXT NOT NULL,
    imported_by_kind TEXT NOT NULL,
    imported_by_id   TEXT NOT NULL,
    source_file      TEXT NOT NULL,
    content_sha256   TEXT NOT NULL
) STRICT;

-- A version's prices, in cents without VAT; registrar '*' for any.
CREATE TABLE price_table_rows (
    version        INTEGER NOT NULL REFERENCES price_tables (number),
    tld            TEXT NOT NULL,
    registrar      TEXT NOT NULL,
    registrar_cost INTEGER NOT NULL CHECK (registrar_cost >= 0),
    service_fee    INTEGER NOT NULL CHECK (service_fee >= 0),
    PRIMARY KEY (version, tld, registrar)
) STRICT;

CREATE TRIGGER price_tables_append_only BEFORE UPDATE ON price_tables
BEGIN
    SELECT RAISE(ABORT, 'price tables are append-only');
END;

CREATE TRIGGER price_table_rows_append_only BEFORE UPDATE ON price_table_rows
BEGIN
    SELECT RAISE(ABORT, 'price table rows are append-only');
END;

-- The version a request's quote was priced from; NULL for the requests
-- quoted before, from a --price-table file.
ALTER TABLE privacy_requests ADD COLUMN price_table_version INTEGER REFERENCES price_tables (number);
