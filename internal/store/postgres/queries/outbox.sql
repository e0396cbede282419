-- name: InsertMail
INSERT INTO outbox (created_at, kind, request_id, customer_id, to_address, subject, body_text, body_html, message_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id;

-- name: MailByID
SELECT id, created_at, kind, request_id, customer_id, to_address, subject, body_text, body_html, message_id, sent_at, attempts, last_error FROM outbox WHERE id = $1;

-- name: ListMail
SELECT id, created_at, kind, request_id, customer_id, to_address, subject, body_text, body_html, message_id, sent_at, attempts, last_error FROM outbox
WHERE ($1 = 0 OR request_id = $1) AND (NOT $2::boolean OR sent_at IS NULL)
ORDER BY id;

-- name: MarkMailSent
UPDATE outbox SET sent_at = $2, attempts = attempts + 1, last_error = '' WHERE id = $1;

-- name: MarkMailFailed
UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1;

-- name: SecretByName
SELECT value FROM secrets WHERE name = $1;

-- name: InsertSecret
INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING;

-- name: InsertStaffToken
INSERT INTO staff_tokens (name, token_hash, created_at) VALUES ($1, $2, $3) RETURNING id;

-- name: StaffTokenByHash
SELECT id, name, token_hash, created_at, last_used_at, revoked_at FROM staff_tokens WHERE token_hash = $1;

-- name: TouchStaffToken
UPDATE staff_tokens SET last_used_at = $2 WHERE id = $1;

-- name: ListStaffTokens
SELECT id, name, token_hash, created_at, last_used_at, revoked_at FROM staff_tokens ORDER BY id;

-- name: RevokeStaffToken
UPDATE staff_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL;
