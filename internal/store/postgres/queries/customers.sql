-- name: InsertCustomer
INSERT INTO customers (number, name, kind, email, phone, street, postal_code, city, country,
                       language, relationship_end, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
RETURNING id;

-- name: UpdateCustomer
UPDATE customers
SET name = $2, kind = $3, email = $4, phone = $5, street = $6, postal_code = $7, city = $8,
    country = $9, language = $10, relationship_end = $11, updated_at = $12
WHERE number = $1;

-- name: CustomerByNumber
SELECT id, number, name, kind, email, phone, street, postal_code, city, country, language,
       relationship_end, created_at, updated_at
FROM customers
WHERE number = $1;

-- name: ListCustomers
SELECT id, number, name, kind, email, phone, street, postal_code, city, country, language,
       relationship_end, created_at, updated_at
FROM customers
ORDER BY number;

-- name: CountCustomers
SELECT count(*) FROM customers;
