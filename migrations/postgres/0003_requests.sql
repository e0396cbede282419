-- Privacy requests, their approval links, consent records, the ledger, the
-- mail outbox, staff API tokens and the keys afscherm makes for itself.

CREATE TABLE privacy_requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain_id       bigint NOT NULL REFERENCES domains (id),
    customer_id     bigint NOT NULL REFERENCES customers (id),
    state           text NOT NULL CHECK (state IN ('quoted', 'awaiting_approval', 'approved', 'submitting',
                        'submitted', 'completed', 'verified', 'declined', 'expired', 'cancelled', 'failed')),
    reason          text NOT NULL DEFAULT '',
    currency        text NOT NULL,
    price           jsonb NOT NULL,
    net             bigint NOT NULL,
    vat             bigint NOT NULL,
    gross           bigint NOT NULL,
    quote_version   text NOT NULL,
    quote_language  text NOT NULL,
    quote_text      text NOT NULL,
    quote_sha256    text NOT NULL,
    scan_id         bigint REFERENCES scan_results (id),
    expires_at      timestamptz,
    created_by_kind text NOT NULL,
    created_by_id   text NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- One open request per domain.
CREATE UNIQUE INDEX privacy_requests_open_domain ON privacy_requests (domain_id)
    WHERE state IN ('quoted', 'awaiting_approval', 'approved', 'submitting', 'submitted', 'completed');
CREATE INDEX privacy_requests_state ON privacy_requests (state, id);
CREATE INDEX privacy_requests_customer ON privacy_requests (customer_id);

CREATE TABLE approval_tokens (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id bigint NOT NULL REFERENCES privacy_requests (id),
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX approval_tokens_request ON approval_tokens (request_id);

CREATE TABLE consent_records (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id    bigint NOT NULL REFERENCES privacy_requests (id),
    customer_id   bigint NOT NULL REFERENCES customers (id),
    decision      text NOT NULL CHECK (decision IN ('approved', 'declined', 'withdrawn')),
    quote_version text NOT NULL,
    quote_sha256  text NOT NULL,
    currency      text NOT NULL,
    net           bigint NOT NULL,
    vat           bigint NOT NULL,
    gross         bigint NOT NULL,
    at            timestamptz NOT NULL,
    method        text NOT NULL,
    user_agent    text NOT NULL DEFAULT '',
    client_hash   text NOT NULL DEFAULT ''
);

-- One decision on a quote: the second click of a double click finds it taken.
CREATE UNIQUE INDEX consent_records_one_decision ON consent_records (request_id)
    WHERE decision IN ('approved', 'declined');

CREATE FUNCTION afscherm_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;

CREATE TRIGGER consent_records_append_only BEFORE UPDATE ON consent_records
    FOR EACH ROW EXECUTE FUNCTION afscherm_append_only();

CREATE TABLE ledger_entries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id      bigint NOT NULL REFERENCES privacy_requests (id),
    customer_id     bigint NOT NULL REFERENCES customers (id),
    domain_id       bigint NOT NULL REFERENCES domains (id),
    kind            text NOT NULL CHECK (kind IN ('charge', 'reversal')),
    description     text NOT NULL,
    currency        text NOT NULL,
    net             bigint NOT NULL,
    vat             bigint NOT NULL,
    gross           bigint NOT NULL,
    at              timestamptz NOT NULL,
    idempotency_key text NOT NULL UNIQUE
);

CREATE INDEX ledger_entries_at ON ledger_entries (at);

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION afscherm_append_only();

CREATE TABLE outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL,
    kind        text NOT NULL,
    request_id  bigint REFERENCES privacy_requests (id),
    customer_id bigint REFERENCES customers (id),
    to_address  text NOT NULL,
    subject     text NOT NULL,
    body_text   text NOT NULL,
    body_html   text NOT NULL DEFAULT '',
    message_id  text NOT NULL UNIQUE,
    sent_at     timestamptz,
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text NOT NULL DEFAULT ''
);

CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

CREATE TABLE staff_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL,
    token_hash   text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

CREATE TABLE secrets (
    name       text PRIMARY KEY,
    value      text NOT NULL,
    created_at timestamptz NOT NULL
);
