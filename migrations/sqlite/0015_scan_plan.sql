-- The latest nightly plan: each server's budget, what was planned and what
-- did not fit, for the digest, the console and the metrics. One row, the
-- latest; the audit events keep what each night planned.

CREATE TABLE scan_plan (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    planned_at   TEXT NOT NULL,
    window_start TEXT NOT NULL,
    window_end   TEXT NOT NULL,
    scan_every   INTEGER NOT NULL, -- seconds
    servers      TEXT NOT NULL     -- JSON array of the servers' shares
) STRICT;
