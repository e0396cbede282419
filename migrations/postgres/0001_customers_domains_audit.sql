-- Customers, their domains, and the audit trail.

CREATE TABLE customers (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number           text NOT NULL UNIQUE,
    name             text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('person', 'organisation')),
    email            text NOT NULL,
    phone            text NOT NULL DEFAULT '',
    street           text NOT NULL DEFAULT '',
    postal_code      text NOT NULL DEFAULT '',
    city             text NOT NULL DEFAULT '',
    country          text NOT NULL DEFAULT '',
    language         text NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en')),
    relationship_end date,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);

CREATE TABLE domains (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    customer_id bigint NOT NULL REFERENCES customers (id),
    registrar   text NOT NULL,
    added_on    date NOT NULL,
    removed_on  date,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE INDEX domains_customer ON domains (customer_id);

CREATE TABLE audit_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor_kind   text NOT NULL CHECK (actor_kind IN ('staff', 'customer', 'system')),
    actor_id     text NOT NULL,
    action       text NOT NULL,
    subject_kind text NOT NULL,
    subject_id   text NOT NULL,
    from_state   text NOT NULL DEFAULT '',
    to_state     text NOT NULL DEFAULT '',
    reason       text NOT NULL DEFAULT '',
    details      jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_events_subject ON audit_events (subject_kind, subject_id, id);
CREATE INDEX audit_events_action ON audit_events (action, id);
