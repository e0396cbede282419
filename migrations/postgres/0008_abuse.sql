-- Clients blocked for misbehaving, by the keyed hash of their address
-- (never the address): one row per hash, under each client key in use.

CREATE TABLE abuse_blocks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_hash text NOT NULL UNIQUE,
    reason      text NOT NULL,
    created_at  timestamptz NOT NULL,
    created_by  text NOT NULL
);
