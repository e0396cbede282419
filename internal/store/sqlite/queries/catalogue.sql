-- The schema catalogue.

-- name: CatalogueColumns
SELECT m.name, p.name, p.type
FROM sqlite_master m, pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
ORDER BY m.name, p.cid;
