-- Abuse blocks.

-- name: InsertAbuseBlock
INSERT INTO abuse_blocks (client_hash, reason, created_at, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT (client_hash) DO NOTHING;

-- name: DeleteAbuseBlock
DELETE FROM abuse_blocks WHERE client_hash = $1;

-- name: ListAbuseBlocks
SELECT id, client_hash, reason, created_at, created_by FROM abuse_blocks ORDER BY id;
