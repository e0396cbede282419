-- The sixth verdict, undetermined: a registration record whose registrant
-- data the classifier could not place, for staff to review.
--
-- SQLite cannot change a CHECK constraint, so scan_results is rebuilt with
-- the same columns, in the same order, and its indexes. Migrations run in a
-- transaction, where foreign keys cannot be switched off; they are deferred
-- to the commit instead. Dropping the table leaves the rows of domains and
-- privacy_requests that point at a scan dangling for a moment, and putting
-- the scans back under the same ids mends them before the commit checks.

PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE scan_results_copy AS SELECT * FROM scan_results;

DROP TABLE scan_results;

CREATE TABLE scan_results (
    id                INTEGER PRIMARY KEY,
    domain_id         INTEGER NOT NULL REFERENCES domains (id),
    scanned_at        TEXT NOT NULL,
    source            TEXT NOT NULL DEFAULT '',
    server            TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL CHECK (status IN ('ok', 'not_registered', 'failed')),
    verdict           TEXT CHECK (verdict IN ('exposed', 'undetermined', 'proxied', 'redacted', 'organisation', 'not_published')),
    failure_reason    TEXT NOT NULL DEFAULT '',
    failure_detail    TEXT NOT NULL DEFAULT '',
    fields            TEXT NOT NULL DEFAULT '{}',
    evidence          TEXT NOT NULL DEFAULT '[]',
    match             TEXT,
    raw               BLOB,
    values_removed_at TEXT
) STRICT;

INSERT INTO scan_results (id, domain_id, scanned_at, source, server, status, verdict, failure_reason,
                          failure_detail, fields, evidence, match, raw, values_removed_at)
SELECT id, domain_id, scanned_at, source, server, status, verdict, failure_reason,
       failure_detail, fields, evidence, match, raw, values_removed_at
FROM scan_results_copy;

DROP TABLE scan_results_copy;

CREATE INDEX scan_results_domain ON scan_results (domain_id, id);
CREATE INDEX scan_results_raw ON scan_results (scanned_at) WHERE raw IS NOT NULL;
