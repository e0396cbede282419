-- Where each request is at its party, and tasks for staff where a party has
-- no API.

ALTER TABLE privacy_requests ADD COLUMN adapter TEXT NOT NULL DEFAULT '';
ALTER TABLE privacy_requests ADD COLUMN party_reference TEXT NOT NULL DEFAULT '';
ALTER TABLE privacy_requests ADD COLUMN party_detail TEXT NOT NULL DEFAULT '';
ALTER TABLE privacy_requests ADD COLUMN party_deadline TEXT;
ALTER TABLE privacy_requests ADD COLUMN partial INTEGER NOT NULL DEFAULT 0;

CREATE TABLE tasks (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL UNIQUE REFERENCES privacy_requests (id),
    registrar  TEXT NOT NULL,
    title      TEXT NOT NULL,
    steps      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    done_at    TEXT,
    done_by    TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    cancelled_at TEXT
) STRICT;

CREATE INDEX tasks_open ON tasks (id) WHERE done_at IS NULL AND cancelled_at IS NULL;
