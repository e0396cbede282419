-- name: InsertScanResult
INSERT INTO scan_results (domain_id, scanned_at, source, server, status, verdict, failure_reason,
                          failure_detail, fields, evidence, match, raw, registrar_name, registrar_iana_id,
                          last_seen_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?2)
RETURNING id;

-- name: LatestScanOfDomain
SELECT s.id, s.domain_id, '', s.scanned_at, s.source, s.server, s.status, s.verdict,
       s.failure_reason, s.failure_detail, s.fields, s.evidence, s.match, NULL,
       s.registrar_name, s.registrar_iana_id, s.last_seen_at, s.seen_count, s.values_removed_at IS NOT NULL
FROM scan_results s
WHERE s.domain_id = ?1
ORDER BY s.id DESC
LIMIT 1;

-- name: ExtendScanResult
UPDATE scan_results SET last_seen_at = ?2, seen_count = seen_count + 1 WHERE id = ?1 RETURNING seen_count;

-- name: SetDomainVerdict
UPDATE domains SET last_scan_id = ?2, last_verdict = ?3, last_scanned_at = ?4 WHERE id = ?1;

-- name: ListScans
SELECT s.id, s.domain_id, d.name, s.scanned_at, s.source, s.server, s.status, s.verdict,
       s.failure_reason, s.failure_detail, s.fields, s.evidence, s.match, s.raw,
       s.registrar_name, s.registrar_iana_id, s.last_seen_at, s.seen_count, s.values_removed_at IS NOT NULL
FROM scan_results s
JOIN domains d ON d.id = s.domain_id
WHERE d.name = ?1
ORDER BY s.id DESC
LIMIT ?2;

-- name: LatestScansOfDomains
-- The newest scan of each domain of a JSON array of ids, without the raw
-- response.
SELECT s.id, s.domain_id, d.name, s.scanned_at, s.source, s.server, s.status, s.verdict,
       s.failure_reason, s.failure_detail, s.fields, s.evidence, s.match, NULL,
       s.registrar_name, s.registrar_iana_id, s.last_seen_at, s.seen_count, s.values_removed_at IS NOT NULL
FROM scan_results s
JOIN domains d ON d.id = s.domain_id
WHERE s.id IN (SELECT max(id) FROM scan_results WHERE domain_id IN (SELECT value FROM json_each(?1)) GROUP BY domain_id);

-- name: CountVerdicts
SELECT last_verdict, count(*) FROM domains WHERE removed_on IS NULL GROUP BY last_verdict;

-- name: PurgeRaw
UPDATE scan_results SET raw = NULL
WHERE id IN (SELECT id FROM scan_results WHERE raw IS NOT NULL AND scanned_at < ?1 ORDER BY id LIMIT ?2);

-- name: CountRaw
SELECT count(*) FROM scan_results WHERE raw IS NOT NULL;

-- name: UpsertWorker
INSERT INTO lookup_workers (id, started_at, seen_at) VALUES (?1, ?2, ?2)
ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at;

-- name: DeleteStaleWorkers
DELETE FROM lookup_workers WHERE seen_at < ?1;

-- name: DeleteWorker
DELETE FROM lookup_workers WHERE id = ?1;

-- name: CountWorkers
SELECT count(*) FROM lookup_workers;

-- name: InsertDigest
INSERT INTO digests (produced_at, period_start, period_end, body) VALUES (?1, ?2, ?3, ?4) RETURNING id;

-- name: LatestDigest
SELECT id, produced_at, period_start, period_end, body FROM digests ORDER BY id DESC LIMIT 1;

-- name: ScanOutcomes
SELECT status, verdict, failure_reason, count(*) FROM scan_results
WHERE last_seen_at >= ?1 AND last_seen_at < ?2
GROUP BY status, verdict, failure_reason;

-- name: DomainRegistrars
SELECT d.name, c.number, d.registrar, s.registrar_name, s.registrar_iana_id
FROM domains d
JOIN customers c ON c.id = d.customer_id
JOIN scan_results s ON s.id = d.last_scan_id
WHERE d.removed_on IS NULL AND (s.registrar_name <> '' OR s.registrar_iana_id <> '')
ORDER BY d.name;

-- name: ActiveRegistrars
-- Every active domain's name (for its TLD), imported registrar and latest
-- scan's registrar; the store folds them into pairs.
SELECT d.name, d.registrar, coalesce(s.registrar_name, ''), coalesce(s.registrar_iana_id, '')
FROM domains d
LEFT JOIN scan_results s ON s.id = d.last_scan_id
WHERE d.removed_on IS NULL;

-- name: ScanCoverage
-- Grouped by what follows the first dot, which is cheap; the store folds
-- the groups into TLDs and totals.
SELECT substr(name, instr(name, '.') + 1) AS suffix, count(*),
       count(CASE WHEN last_scanned_at >= ?1 THEN 1 END),
       count(CASE WHEN last_scanned_at >= ?2 THEN 1 END),
       count(CASE WHEN last_scanned_at >= ?3 THEN 1 END),
       count(CASE WHEN last_scanned_at IS NULL THEN 1 END),
       min(last_scanned_at)
FROM domains WHERE removed_on IS NULL
GROUP BY suffix;

-- name: PlanCandidates
-- Every active domain with its last scan (also a failed one, which does not
-- move last_scan_id), the import's last change, whether
-- its last scan saw a new registrar of record (first sighting), and whether
-- a request waits for completion or verification.
SELECT d.id, d.name, d.last_scanned_at, s.status, d.last_verdict, d.updated_at,
       coalesce(s.seen_count = 1 AND (s.registrar_name <> '' OR s.registrar_iana_id <> '') AND EXISTS (
           SELECT 1 FROM scan_results p
           WHERE p.id = (SELECT max(id) FROM scan_results WHERE domain_id = d.id AND id < s.id)
             AND (p.registrar_name <> '' OR p.registrar_iana_id <> '')
             AND (p.registrar_name <> s.registrar_name OR p.registrar_iana_id <> s.registrar_iana_id)), 0),
       f.domain_id IS NOT NULL
FROM domains d
LEFT JOIN scan_results s ON s.id = (SELECT max(id) FROM scan_results WHERE domain_id = d.id)
LEFT JOIN (SELECT DISTINCT domain_id FROM privacy_requests WHERE state IN ('submitted', 'completed')) f ON f.domain_id = d.id
WHERE d.removed_on IS NULL
ORDER BY d.id;

-- name: WaitingScans
SELECT json_extract(args, '$.domain') FROM river_job
WHERE kind = 'scan_domain' AND state IN ('available', 'pending', 'retryable', 'running', 'scheduled');

-- name: SaveScanPlan
INSERT INTO scan_plan (id, planned_at, window_start, window_end, scan_every, servers)
VALUES (1, ?1, ?2, ?3, ?4, ?5)
ON CONFLICT (id) DO UPDATE SET planned_at = excluded.planned_at, window_start = excluded.window_start,
    window_end = excluded.window_end, scan_every = excluded.scan_every, servers = excluded.servers;

-- name: LatestScanPlan
SELECT planned_at, window_start, window_end, scan_every, servers FROM scan_plan WHERE id = 1;

-- name: ClearPlanRest
DELETE FROM scan_plan_rest;

-- name: InsertPlanRest
INSERT INTO scan_plan_rest (position, domain, server)
SELECT key, value ->> 0, value ->> 1 FROM json_each(?1);

-- name: PlanRest
SELECT server, count(*) FROM scan_plan_rest GROUP BY server ORDER BY server;

-- name: PlanRestHead
SELECT r.position, r.domain, d.last_scanned_at, d.id IS NOT NULL AND d.removed_on IS NULL
FROM scan_plan_rest r LEFT JOIN domains d ON d.name = r.domain
WHERE r.server = ?1 ORDER BY r.position LIMIT ?2;

-- name: DeletePlanRestHead
DELETE FROM scan_plan_rest WHERE server = ?1 AND position <= ?2;

-- name: LockScanPlan
SELECT planned_at, window_start, window_end FROM scan_plan WHERE id = 1;
