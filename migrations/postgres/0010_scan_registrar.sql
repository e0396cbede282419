-- The registrar of record each scan found in the live record: its name and,
-- for ICANN-accredited registrars, its IANA Registrar ID. Empty when the
-- record names none (DENIC) or the scan read no record.

ALTER TABLE scan_results
    ADD COLUMN IF NOT EXISTS registrar_name text NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS registrar_iana_id text NOT NULL DEFAULT '';
