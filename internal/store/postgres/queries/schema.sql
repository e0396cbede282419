-- name: CreateMigrationTable
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL
);

-- name: MigrationVersions
SELECT version FROM schema_migrations ORDER BY version;

-- name: RecordMigration
INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3);

-- name: MigrationTableExists
SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations';
