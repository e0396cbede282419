-- Privacy requests, their approval links, consent records, the ledger, the
-- mail outbox, staff API tokens and the keys afscherm makes for itself.

CREATE TABLE privacy_requests (
    id              INTEGER PRIMARY KEY,
    domain_id       INTEGER NOT NULL REFERENCES domains (id),
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    state           TEXT NOT NULL CHECK (state IN ('quoted', 'awaiting_approval', 'approved', 'submitting',
                        'submitted', 'completed', 'verified', 'declined', 'expired', 'cancelled', 'failed')),
    reason          TEXT NOT NULL DEFAULT '',
    currency        TEXT NOT NULL,
    price           TEXT NOT NULL,
    net             INTEGER NOT NULL,
    vat             INTEGER NOT NULL,
    gross           INTEGER NOT NULL,
    quote_version   TEXT NOT NULL,
    quote_language  TEXT NOT NULL,
    quote_text      TEXT NOT NULL,
    quote_sha256    TEXT NOT NULL,
    scan_id         INTEGER REFERENCES scan_results (id),
    expires_at      TEXT,
    created_by_kind TEXT NOT NULL,
    created_by_id   TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

-- One open request per domain.
CREATE UNIQUE INDEX privacy_requests_open_domain ON privacy_requests (domain_id)
    WHERE state IN ('quoted', 'awaiting_approval', 'approved', 'submitting', 'submitted', 'completed');
CREATE INDEX privacy_requests_state ON privacy_requests (state, id);
CREATE INDEX privacy_requests_customer ON privacy_requests (customer_id);

CREATE TABLE approval_tokens (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES privacy_requests (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
) STRICT;

CREATE INDEX approval_tokens_request ON approval_tokens (request_id);

CREATE TABLE consent_records (
    id            INTEGER PRIMARY KEY,
    request_id    INTEGER NOT NULL REFERENCES privacy_requests (id),
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    decision      TEXT NOT NULL CHECK (decision IN ('approved', 'declined', 'withdrawn')),
    quote_version TEXT NOT NULL,
    quote_sha256  TEXT NOT NULL,
    currency      TEXT NOT NULL,
    net           INTEGER NOT NULL,
    vat           INTEGER NOT NULL,
    gross         INTEGER NOT NULL,
    at            TEXT NOT NULL,
    method        TEXT NOT NULL,
    user_agent    TEXT NOT NULL DEFAULT '',
    client_hash   TEXT NOT NULL DEFAULT ''
) STRICT;

-- One decision on a quote: the second click of a double click finds it taken.
CREATE UNIQUE INDEX consent_records_one_decision ON consent_records (request_id)
    WHERE decision IN ('approved', 'declined');

CREATE TRIGGER consent_records_append_only BEFORE UPDATE ON consent_records
BEGIN
    SELECT RAISE(ABORT, 'consent records are append-only');
END;

CREATE TABLE ledger_entries (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER NOT NULL REFERENCES privacy_requests (id),
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    domain_id       INTEGER NOT NULL REFERENCES domains (id),
    kind            TEXT NOT NULL CHECK (kind IN ('charge', 'reversal')),
    description     TEXT NOT NULL,
    currency        TEXT NOT NULL,
    net             INTEGER NOT NULL,
    vat             INTEGER NOT NULL,
    gross           INTEGER NOT NULL,
    at              TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE
) STRICT;

CREATE INDEX ledger_entries_at ON ledger_entries (at);

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are append-only');
END;

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    request_id  INTEGER REFERENCES privacy_requests (id),
    customer_id INTEGER REFERENCES customers (id),
    to_address  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body_text   TEXT NOT NULL,
    body_html   TEXT NOT NULL DEFAULT '',
    message_id  TEXT NOT NULL UNIQUE,
    sent_at     TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

CREATE TABLE staff_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT;

CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
