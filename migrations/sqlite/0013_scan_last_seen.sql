-- History that stays small: a scan that finds what the domain's latest scan
-- found (the same verdict, field states and values, match, registrar and
-- status; for a failure, the same reason) moves that scan's last_seen_at
-- and counts it in seen_count instead of adding a row. scanned_at stays
-- the first time the result was seen; a change adds a row as before.

ALTER TABLE scan_results ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '';
ALTER TABLE scan_results ADD COLUMN seen_count INTEGER NOT NULL DEFAULT 1;

UPDATE scan_results SET last_seen_at = scanned_at;

-- The digest counts the scans last seen in its period; the overview's
-- chart reads the exposed results seen in the last 90 days.
CREATE INDEX scan_results_last_seen ON scan_results (last_seen_at);
CREATE INDEX scan_results_exposed ON scan_results (last_seen_at, domain_id, scanned_at) WHERE verdict = 'exposed';

-- The overview counts the active domains by verdict from this index alone.
CREATE INDEX domains_active_verdict ON domains (last_verdict) WHERE removed_on IS NULL;
