-- name: InsertDomain
INSERT INTO domains (name, customer_id, registrar, added_on, removed_on, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id;

-- name: UpdateDomain
UPDATE domains
SET customer_id = $2, registrar = $3, added_on = $4, removed_on = $5, updated_at = $6
WHERE name = $1;

-- name: DomainByName
SELECT d.id, d.name, d.customer_id, c.number, d.registrar, d.added_on, d.removed_on,
       d.last_verdict, d.last_scanned_at, d.created_at, d.updated_at
FROM domains d
JOIN customers c ON c.id = d.customer_id
WHERE d.name = $1;

-- name: ListDomains
SELECT d.id, d.name, d.customer_id, c.number, d.registrar, d.added_on, d.removed_on,
       d.last_verdict, d.last_scanned_at, d.created_at, d.updated_at
FROM domains d
JOIN customers c ON c.id = d.customer_id
WHERE ($1 = '' OR c.number = $1)
  AND (NOT $2::boolean OR d.removed_on IS NULL)
  AND ($3 = '' OR d.last_verdict = $3)
ORDER BY d.name;

-- name: CountDomains
SELECT count(*) FROM domains;

-- name: SearchDomains
SELECT d.id, d.name, d.customer_id, c.number, d.registrar, d.added_on, d.removed_on,
       d.last_verdict, d.last_scanned_at, d.created_at, d.updated_at
FROM domains d
JOIN customers c ON c.id = d.customer_id
WHERE ($1 = '' OR c.number = $1)
  AND ($2 = '' OR d.last_verdict = $2)
  AND ($3 = '' OR d.name LIKE '%.' || $3)
  AND ($4 = '' OR d.name LIKE '%' || $4 || '%' ESCAPE '\')
  AND d.removed_on IS NULL
ORDER BY d.name
LIMIT $5 OFFSET $6;

-- name: CountSearchDomains
SELECT count(*)
FROM domains d
JOIN customers c ON c.id = d.customer_id
WHERE ($1 = '' OR c.number = $1)
  AND ($2 = '' OR d.last_verdict = $2)
  AND ($3 = '' OR d.name LIKE '%.' || $3)
  AND ($4 = '' OR d.name LIKE '%' || $4 || '%' ESCAPE '\')
  AND d.removed_on IS NULL;

-- name: ExposedPerDay
SELECT domain_id, scanned_at, last_seen_at
FROM scan_results
WHERE last_seen_at >= $1 AND verdict = 'exposed'
ORDER BY domain_id, scanned_at;
