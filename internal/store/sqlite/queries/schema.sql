-- name: CreateMigrationTable
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
) STRICT;

-- name: MigrationVersions
SELECT version FROM schema_migrations ORDER BY version;

-- name: RecordMigration
INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3);

-- name: MigrationTableExists
SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations';
