-- Sign-in attempts, counted before the password is checked. A transaction
-- takes each key's advisory lock (class 1634104163, "afsc", apart from the
-- one-number locks River takes) before counting, so concurrent attempts
-- under one key count one after another; the lock ends with the
-- transaction.

-- name: LockSignInKey
SELECT pg_advisory_xact_lock(1634104163, hashtext($1));

-- name: InsertSignInAttempt
INSERT INTO sign_in_failures (key, at) VALUES ($1, $2) RETURNING id;

-- name: DeleteSignInAttempt
DELETE FROM sign_in_failures WHERE id = $1;
