-- name: InsertRequest
INSERT INTO privacy_requests (domain_id, customer_id, state, reason, currency, price, net, vat, gross,
                              quote_version, quote_language, quote_text, quote_sha256, scan_id, expires_at,
                              created_by_kind, created_by_id, created_at, updated_at, adapter, partial, opt_out_reasons,
                              price_table_version)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, $19, $20, $21, $22)
RETURNING id;

-- name: RequestByID
SELECT r.id, d.name, r.domain_id, c.number, r.customer_id, r.state, r.reason, r.currency, r.price::text,
       r.quote_version, r.quote_language, r.quote_text, r.quote_sha256, r.scan_id, r.expires_at,
       r.created_by_kind, r.created_by_id, r.created_at, r.updated_at,
       r.adapter, r.partial, r.party_reference, r.party_detail, r.party_deadline, r.opt_out_reasons,
       r.price_table_version
FROM privacy_requests r
JOIN domains d ON d.id = r.domain_id
JOIN customers c ON c.id = r.customer_id
WHERE r.id = $1;

-- name: RequestByIDForUpdate
SELECT r.id, d.name, r.domain_id, c.number, r.customer_id, r.state, r.reason, r.currency, r.price::text,
       r.quote_version, r.quote_language, r.quote_text, r.quote_sha256, r.scan_id, r.expires_at,
       r.created_by_kind, r.created_by_id, r.created_at, r.updated_at,
       r.adapter, r.partial, r.party_reference, r.party_detail, r.party_deadline, r.opt_out_reasons,
       r.price_table_version
FROM privacy_requests r
JOIN domains d ON d.id = r.domain_id
JOIN customers c ON c.id = r.customer_id
WHERE r.id = $1 FOR UPDATE OF r;

-- name: ListRequests
SELECT r.id, d.name, r.domain_id, c.number, r.customer_id, r.state, r.reason, r.currency, r.price::text,
       r.quote_version, r.quote_language, r.quote_text, r.quote_sha256, r.scan_id, r.expires_at,
       r.created_by_kind, r.created_by_id, r.created_at, r.updated_at,
       r.adapter, r.partial, r.party_reference, r.party_detail, r.party_deadline, r.opt_out_reasons,
       r.price_table_version
FROM privacy_requests r
JOIN domains d ON d.id = r.domain_id
JOIN customers c ON c.id = r.customer_id
WHERE ($1 = '' OR r.state = $1)
  AND ($2 = '' OR c.number = $2)
  AND ($3 = '' OR d.name = $3)
  AND (NOT $4::boolean OR r.state IN ('quoted', 'awaiting_approval', 'approved', 'submitting', 'submitted', 'completed'))
ORDER BY r.id DESC
LIMIT CASE WHEN $5::bigint < 0 THEN NULL ELSE $5::bigint END;

-- name: OpenRequestOfDomain
-- The states are those of the partial index privacy_requests_open_domain,
-- word for word, so that the index answers this on both backends.
SELECT r.id, d.name, r.domain_id, c.number, r.customer_id, r.state, r.reason, r.currency, r.price::text,
       r.quote_version, r.quote_language, r.quote_text, r.quote_sha256, r.scan_id, r.expires_at,
       r.created_by_kind, r.created_by_id, r.created_at, r.updated_at,
       r.adapter, r.partial, r.party_reference, r.party_detail, r.party_deadline, r.opt_out_reasons,
       r.price_table_version
FROM privacy_requests r
JOIN domains d ON d.id = r.domain_id
JOIN customers c ON c.id = r.customer_id
WHERE r.domain_id = $1
  AND r.state IN ('quoted', 'awaiting_approval', 'approved', 'submitting', 'submitted', 'completed');

-- name: OpenRequestsOfDomains
-- OpenRequestOfDomain for a JSON array of domain ids.
-- The states are those of the partial index privacy_requests_open_domain,
-- word for word, so that the index answers this on both backends.
SELECT r.id, d.name, r.domain_id, c.number, r.customer_id, r.state, r.reason, r.currency, r.price::text,
       r.quote_version, r.quote_language, r.quote_text, r.quote_sha256, r.scan_id, r.expires_at,
       r.created_by_kind, r.created_by_id, r.created_at, r.updated_at,
       r.adapter, r.partial, r.party_reference, r.party_detail, r.party_deadline, r.opt_out_reasons,
       r.price_table_version
FROM privacy_requests r
JOIN domains d ON d.id = r.domain_id
JOIN customers c ON c.id = r.customer_id
WHERE r.domain_id IN (SELECT value::bigint FROM jsonb_array_elements_text($1::jsonb))
  AND r.state IN ('quoted', 'awaiting_approval', 'approved', 'submitting', 'submitted', 'completed');

-- name: CountRequests
SELECT state, count(*) FROM privacy_requests GROUP BY state;

-- name: UpdateRequestState
UPDATE privacy_requests SET state = $3, reason = $4, updated_at = $5
WHERE id = $1 AND state = $2;

-- name: SetRequestExpiry
UPDATE privacy_requests SET expires_at = $2, updated_at = $3 WHERE id = $1;

-- name: ExpiredRequests
SELECT r.id, d.name, r.domain_id, c.number, r.customer_id, r.state, r.reason, r.currency, r.price::text,
       r.quote_version, r.quote_language, r.quote_text, r.quote_sha256, r.scan_id, r.expires_at,
       r.created_by_kind, r.created_by_id, r.created_at, r.updated_at,
       r.adapter, r.partial, r.party_reference, r.party_detail, r.party_deadline, r.opt_out_reasons,
       r.price_table_version
FROM privacy_requests r
JOIN domains d ON d.id = r.domain_id
JOIN customers c ON c.id = r.customer_id
WHERE r.state = $1 AND r.expires_at IS NOT NULL AND r.expires_at < $2
ORDER BY r.id;

-- name: InsertApprovalToken
INSERT INTO approval_tokens (request_id, token_hash, created_at, expires_at)
VALUES ($1, $2, $3, $4)
RETURNING id;

-- name: ApprovalTokenByHash
SELECT id, request_id, token_hash, expires_at, used_at FROM approval_tokens WHERE token_hash = $1;

-- name: UseApprovalToken
UPDATE approval_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL;

-- name: InsertConsent
INSERT INTO consent_records (request_id, customer_id, decision, quote_version, quote_sha256, currency,
                             net, vat, gross, at, method, user_agent, client_hash)
SELECT r.id, r.customer_id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
FROM privacy_requests r WHERE r.id = $1
RETURNING id;

-- name: ListConsent
SELECT k.id, k.request_id, c.number, d.name, k.decision, k.quote_version, k.quote_sha256, k.currency,
       k.net, k.vat, k.gross, k.at, k.method, k.user_agent, k.client_hash
FROM consent_records k
JOIN privacy_requests r ON r.id = k.request_id
JOIN customers c ON c.id = k.customer_id
JOIN domains d ON d.id = r.domain_id
WHERE k.request_id = $1
ORDER BY k.id;

-- name: InsertLedgerEntry
INSERT INTO ledger_entries (request_id, customer_id, domain_id, kind, description, currency, net, vat, gross,
                            at, idempotency_key)
SELECT r.id, r.customer_id, r.domain_id, $2, $3, $4, $5, $6, $7, $8, $9
FROM privacy_requests r WHERE r.id = $1
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id;

-- name: ListLedger
SELECT e.id, e.request_id, c.number, d.name, e.kind, e.description, e.currency, e.net, e.vat, e.gross,
       e.at, e.idempotency_key
FROM ledger_entries e
JOIN customers c ON c.id = e.customer_id
JOIN domains d ON d.id = e.domain_id
WHERE ($1 = 0 OR e.request_id = $1) AND e.at >= $2 AND e.at < $3
ORDER BY e.id;

-- name: SetRequestParty
UPDATE privacy_requests SET adapter = $2, party_reference = $3, party_detail = $4, party_deadline = $5, updated_at = $6
WHERE id = $1;

-- name: EnsureTask
INSERT INTO tasks (request_id, registrar, title, steps, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (request_id) DO NOTHING;

-- name: TaskByRequest
SELECT t.id, t.request_id, d.name, t.registrar, t.title, t.steps, t.created_at, t.done_at, t.done_by, t.note, t.cancelled_at
FROM tasks t JOIN privacy_requests r ON r.id = t.request_id JOIN domains d ON d.id = r.domain_id
WHERE t.request_id = $1;

-- name: TaskByID
SELECT t.id, t.request_id, d.name, t.registrar, t.title, t.steps, t.created_at, t.done_at, t.done_by, t.note, t.cancelled_at
FROM tasks t JOIN privacy_requests r ON r.id = t.request_id JOIN domains d ON d.id = r.domain_id
WHERE t.id = $1;

-- name: ListTasks
SELECT t.id, t.request_id, d.name, t.registrar, t.title, t.steps, t.created_at, t.done_at, t.done_by, t.note, t.cancelled_at
FROM tasks t JOIN privacy_requests r ON r.id = t.request_id JOIN domains d ON d.id = r.domain_id
WHERE NOT $1::boolean OR (t.done_at IS NULL AND t.cancelled_at IS NULL)
ORDER BY t.id;

-- name: CompleteTask
UPDATE tasks SET done_at = $2, done_by = $3, note = $4
WHERE id = $1 AND done_at IS NULL AND cancelled_at IS NULL;

-- name: CancelTask
UPDATE tasks SET cancelled_at = $2 WHERE id = $1 AND done_at IS NULL AND cancelled_at IS NULL;
