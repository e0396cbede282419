-- Retention and erasure.

-- name: CountRawBefore
SELECT count(*) FROM scan_results WHERE raw IS NOT NULL AND scanned_at < ?1;

-- name: ScansToStrip
SELECT s.id, s.fields, s.evidence
FROM scan_results s JOIN domains d ON d.id = s.domain_id
WHERE d.removed_on IS NOT NULL AND d.removed_on < ?1 AND s.values_removed_at IS NULL
ORDER BY s.id
LIMIT ?2;

-- name: CountScansToStrip
SELECT count(*)
FROM scan_results s JOIN domains d ON d.id = s.domain_id
WHERE d.removed_on IS NOT NULL AND d.removed_on < ?1 AND s.values_removed_at IS NULL;

-- name: StripScan
UPDATE scan_results SET fields = ?2, evidence = ?3, raw = NULL, values_removed_at = ?4 WHERE id = ?1;

-- name: MailsToStrip
SELECT id, kind FROM outbox
WHERE to_address <> '' AND COALESCE(sent_at, created_at) < ?1
ORDER BY id
LIMIT ?2;

-- name: CountMailsToStrip
SELECT count(*) FROM outbox WHERE to_address <> '' AND COALESCE(sent_at, created_at) < ?1;

-- name: StripMail
UPDATE outbox SET to_address = '', subject = '', body_text = '', body_html = '' WHERE id = ?1;

-- name: StripClientHashes
UPDATE consent_records SET client_hash = '', user_agent = '' WHERE at < ?1 AND (client_hash <> '' OR user_agent <> '');

-- name: CountClientHashes
SELECT count(*) FROM consent_records WHERE at < ?1 AND (client_hash <> '' OR user_agent <> '');

-- name: DeleteOldSignInFailures
DELETE FROM sign_in_failures WHERE at < ?1;

-- name: CountOldSignInFailures
SELECT count(*) FROM sign_in_failures WHERE at < ?1;

-- name: DeleteOldDigests
DELETE FROM digests WHERE produced_at < ?1;

-- name: CountOldDigests
SELECT count(*) FROM digests WHERE produced_at < ?1;

-- name: CustomersPastTerm
SELECT number FROM customers
WHERE relationship_end IS NOT NULL AND relationship_end < ?1
ORDER BY number
LIMIT ?2;

-- name: CustomerOutbox
SELECT id, kind FROM outbox
WHERE customer_id = ?1 OR request_id IN (SELECT id FROM privacy_requests WHERE customer_id = ?1)
ORDER BY id;

-- name: CustomerRequestIDs
SELECT id FROM privacy_requests WHERE customer_id = ?1 ORDER BY id;

-- name: CustomerDomainNames
SELECT name FROM domains WHERE customer_id = ?1 ORDER BY name;

-- name: EraseApprovalTokens
DELETE FROM approval_tokens WHERE request_id IN (SELECT id FROM privacy_requests WHERE customer_id = ?1);

-- name: EraseTasks
DELETE FROM tasks WHERE request_id IN (SELECT id FROM privacy_requests WHERE customer_id = ?1);

-- name: EraseConsent
DELETE FROM consent_records WHERE customer_id = ?1;

-- name: EraseLedger
DELETE FROM ledger_entries WHERE customer_id = ?1;

-- name: EraseOutbox
DELETE FROM outbox WHERE customer_id = ?1 OR request_id IN (SELECT id FROM privacy_requests WHERE customer_id = ?1);

-- name: EraseAudit
DELETE FROM audit_events
WHERE (subject_kind = 'customer' AND subject_id = ?2)
   OR (actor_kind = 'customer' AND actor_id = ?2)
   OR (subject_kind = 'domain' AND subject_id IN (SELECT name FROM domains WHERE customer_id = ?1))
   OR (subject_kind = 'request' AND subject_id IN (SELECT CAST(id AS TEXT) FROM privacy_requests WHERE customer_id = ?1));

-- name: EraseUnlinkScans
UPDATE domains SET last_scan_id = NULL WHERE customer_id = ?1;

-- name: EraseScans
DELETE FROM scan_results WHERE domain_id IN (SELECT id FROM domains WHERE customer_id = ?1);

-- name: EraseRequests
DELETE FROM privacy_requests WHERE customer_id = ?1;

-- name: EraseDomains
DELETE FROM domains WHERE customer_id = ?1;

-- name: ErasePlanRest
DELETE FROM scan_plan_rest WHERE domain IN (SELECT name FROM domains WHERE customer_id = ?1);

-- name: EraseCustomer
DELETE FROM customers WHERE id = ?1;

-- name: ListDigestBodies
SELECT id, body FROM digests ORDER BY id;

-- name: SetDigestBody
UPDATE digests SET body = ?2 WHERE id = ?1;
