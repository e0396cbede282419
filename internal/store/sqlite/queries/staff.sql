-- Staff accounts, sessions and failed sign-ins.

-- name: InsertStaffUser
INSERT INTO staff_users (name, password_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) RETURNING id;

-- name: StaffUserByName
SELECT id, name, password_hash, created_at, disabled_at FROM staff_users WHERE name = ?1;

-- name: ListStaffUsers
SELECT id, name, password_hash, created_at, disabled_at FROM staff_users ORDER BY name;

-- name: SetStaffPassword
UPDATE staff_users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1;

-- name: DisableStaffUser
UPDATE staff_users SET disabled_at = ?2, updated_at = ?2 WHERE id = ?1 AND disabled_at IS NULL;

-- name: InsertSession
INSERT INTO staff_sessions (token_hash, user_id, created_at, expires_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?3) RETURNING id;

-- name: SessionByHash
SELECT s.id, s.user_id, u.name, s.created_at, s.expires_at, s.last_seen_at
FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id
WHERE s.token_hash = ?1 AND u.disabled_at IS NULL AND s.expires_at > ?2;

-- name: TouchSession
UPDATE staff_sessions SET last_seen_at = ?2 WHERE id = ?1;

-- name: DeleteSession
DELETE FROM staff_sessions WHERE token_hash = ?1;

-- name: DeleteUserSessions
DELETE FROM staff_sessions WHERE user_id = ?1;

-- name: DeleteExpiredSessions
DELETE FROM staff_sessions WHERE expires_at <= ?1;

-- name: InsertSignInFailure
INSERT INTO sign_in_failures (key, at) VALUES (?1, ?2);

-- name: CountSignInFailures
SELECT count(*) FROM sign_in_failures WHERE key = ?1 AND at >= ?2;

-- name: ClearSignInFailures
DELETE FROM sign_in_failures WHERE key = ?1 OR at < ?2;
