-- Clients blocked for misbehaving, by the keyed hash of their address
-- (never the address): one row per hash, under each client key in use.

CREATE TABLE abuse_blocks (
    id          INTEGER PRIMARY KEY,
    client_hash TEXT NOT NULL UNIQUE,
    reason      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
) STRICT;
