-- Sign-in attempts, counted before the password is checked. SQLite runs
-- one write transaction at a time (BEGIN IMMEDIATE on one connection), so
-- a key needs no lock of its own: LockSignInKey only names the step.

-- name: LockSignInKey
SELECT 1 WHERE ?1 IS NOT NULL;

-- name: InsertSignInAttempt
INSERT INTO sign_in_failures (key, at) VALUES (?1, ?2) RETURNING id;

-- name: DeleteSignInAttempt
DELETE FROM sign_in_failures WHERE id = ?1;
