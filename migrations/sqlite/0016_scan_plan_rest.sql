-- The rest of the latest nightly plan: the scans it planned that are not
-- queued yet, in the plan's order. The plan queues a wave — each server's
-- next minutes of lookups — and a job tops the queue up from here as it
-- drains, so that the queue holds minutes of work instead of the night's,
-- and queueing a large night does not hold the database for seconds.
-- Replaced by the next plan; host names and domain names only.

CREATE TABLE scan_plan_rest (
    position INTEGER PRIMARY KEY, -- in the plan's order
    domain   TEXT NOT NULL,
    server   TEXT NOT NULL
) STRICT;

CREATE INDEX scan_plan_rest_server ON scan_plan_rest (server, position);
