-- The latest nightly plan: each server's budget, what was planned and what
-- did not fit, for the digest, the console and the metrics. One row, the
-- latest; the audit events keep what each night planned.

CREATE TABLE IF NOT EXISTS scan_plan (
    id           integer PRIMARY KEY CHECK (id = 1),
    planned_at   timestamptz NOT NULL,
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    scan_every   bigint NOT NULL, -- seconds
    servers      jsonb NOT NULL   -- the servers' shares
);
