-- Customers, their domains, and the audit trail.
-- Times are UTC text, 2006-01-02T15:04:05.000000Z, so that they sort as text;
-- dates are YYYY-MM-DD text.

CREATE TABLE customers (
    id               INTEGER PRIMARY KEY,
    number           TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('person', 'organisation')),
    email            TEXT NOT NULL,
    phone            TEXT NOT NULL DEFAULT '',
    street           TEXT NOT NULL DEFAULT '',
    postal_code      TEXT NOT NULL DEFAULT '',
    city             TEXT NOT NULL DEFAULT '',
    country          TEXT NOT NULL DEFAULT '',
    language         TEXT NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en')),
    relationship_end TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;

CREATE TABLE domains (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    registrar   TEXT NOT NULL,
    added_on    TEXT NOT NULL,
    removed_on  TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE INDEX domains_customer ON domains (customer_id);

CREATE TABLE audit_events (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor_kind   TEXT NOT NULL CHECK (actor_kind IN ('staff', 'customer', 'system')),
    actor_id     TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    from_state   TEXT NOT NULL DEFAULT '',
    to_state     TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    details      TEXT NOT NULL DEFAULT '{}'
) STRICT;

CREATE INDEX audit_events_subject ON audit_events (subject_kind, subject_id, id);
CREATE INDEX audit_events_action ON audit_events (action, id);
