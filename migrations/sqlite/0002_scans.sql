-- Scan results, each domain's latest verdict, lookup workers, and digests.

CREATE TABLE scan_results (
    id             INTEGER PRIMARY KEY,
    domain_id      INTEGER NOT NULL REFERENCES domains (id),
    scanned_at     TEXT NOT NULL,
    source         TEXT NOT NULL DEFAULT '',
    server         TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('ok', 'not_registered', 'failed')),
    verdict        TEXT CHECK (verdict IN ('exposed', 'proxied', 'redacted', 'organisation', 'not_published')),
    failure_reason TEXT NOT NULL DEFAULT '',
    failure_detail TEXT NOT NULL DEFAULT '',
    fields         TEXT NOT NULL DEFAULT '{}',
    evidence       TEXT NOT NULL DEFAULT '[]',
    match          TEXT,
    raw            BLOB
) STRICT;

CREATE INDEX scan_results_domain ON scan_results (domain_id, id);
CREATE INDEX scan_results_raw ON scan_results (scanned_at) WHERE raw IS NOT NULL;

ALTER TABLE domains ADD COLUMN last_scan_id INTEGER REFERENCES scan_results (id);
ALTER TABLE domains ADD COLUMN last_verdict TEXT;
ALTER TABLE domains ADD COLUMN last_scanned_at TEXT;

CREATE INDEX domains_last_verdict ON domains (last_verdict);

CREATE TABLE lookup_workers (
    id         TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    seen_at    TEXT NOT NULL
) STRICT;

CREATE TABLE digests (
    id           INTEGER PRIMARY KEY,
    produced_at  TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end   TEXT NOT NULL,
    body         TEXT NOT NULL
) STRICT;
