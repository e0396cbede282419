-- Where each request is at its party, and tasks for staff where a party has
-- no API.

ALTER TABLE privacy_requests ADD COLUMN adapter text NOT NULL DEFAULT '';
ALTER TABLE privacy_requests ADD COLUMN party_reference text NOT NULL DEFAULT '';
ALTER TABLE privacy_requests ADD COLUMN party_detail text NOT NULL DEFAULT '';
ALTER TABLE privacy_requests ADD COLUMN party_deadline timestamptz;
ALTER TABLE privacy_requests ADD COLUMN partial boolean NOT NULL DEFAULT false;

CREATE TABLE tasks (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id   bigint NOT NULL UNIQUE REFERENCES privacy_requests (id),
    registrar    text NOT NULL,
    title        text NOT NULL,
    steps        text NOT NULL,
    created_at   timestamptz NOT NULL,
    done_at      timestamptz,
    done_by      text NOT NULL DEFAULT '',
    note         text NOT NULL DEFAULT '',
    cancelled_at timestamptz
);

CREATE INDEX tasks_open ON tasks (id) WHERE done_at IS NULL AND cancelled_at IS NULL;
