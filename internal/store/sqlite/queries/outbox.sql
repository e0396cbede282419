-- name: InsertMail
INSERT INTO outbox (created_at, kind, request_id, customer_id, to_address, subject, body_text, body_html, message_id)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
RETURNING id;

-- name: MailByID
SELECT id, created_at, kind, request_id, customer_id, to_address, subject, body_text, body_html, message_id, sent_at, attempts, last_error FROM outbox WHERE id = ?1;

-- name: ListMail
SELECT id, created_at, kind, request_id, customer_id, to_address, subject, body_text, body_html, message_id, sent_at, attempts, last_error FROM outbox
WHERE (?1 = 0 OR request_id = ?1) AND (NOT ?2 OR sent_at IS NULL)
ORDER BY id;

-- name: MarkMailSent
UPDATE outbox SET sent_at = ?2, attempts = attempts + 1, last_error = '' WHERE id = ?1;

-- name: MarkMailFailed
UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1;

-- name: SecretByName
SELECT value FROM secrets WHERE name = ?1;

-- name: InsertSecret
INSERT INTO secrets (name, value, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING;

-- name: InsertStaffToken
INSERT INTO staff_tokens (name, token_hash, created_at, user_id, expires_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id;

-- name: StaffTokenByHash
SELECT t.id, t.user_id, u.name, t.token_hash, t.created_at, t.expires_at, t.last_used_at, t.revoked_at
FROM staff_tokens t JOIN staff_users u ON u.id = t.user_id
WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL AND t.expires_at > ?2;

-- name: TouchStaffToken
UPDATE staff_tokens SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?3);

-- name: ListStaffTokens
SELECT t.id, t.user_id, t.name, t.token_hash, t.created_at, t.expires_at, t.last_used_at, t.revoked_at
FROM staff_tokens t ORDER BY t.id;

-- name: RevokeUserStaffTokens
UPDATE staff_tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL;

-- name: RevokeStaffToken
UPDATE staff_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL;
