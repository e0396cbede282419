-- The schema catalogue.

-- name: CatalogueColumns
SELECT table_name, column_name, data_type
FROM information_schema.columns
WHERE table_schema = current_schema()
ORDER BY table_name, ordinal_position;
