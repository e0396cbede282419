-- Scan results, each domain's latest verdict, lookup workers, and digests.

CREATE TABLE scan_results (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain_id      bigint NOT NULL REFERENCES domains (id),
    scanned_at     timestamptz NOT NULL,
    source         text NOT NULL DEFAULT '',
    server         text NOT NULL DEFAULT '',
    status         text NOT NULL CHECK (status IN ('ok', 'not_registered', 'failed')),
    verdict        text CHECK (verdict IN ('exposed', 'proxied', 'redacted', 'organisation', 'not_published')),
    failure_reason text NOT NULL DEFAULT '',
    failure_detail text NOT NULL DEFAULT '',
    fields         jsonb NOT NULL DEFAULT '{}',
    evidence       jsonb NOT NULL DEFAULT '[]',
    match          jsonb,
    raw            bytea
);

CREATE INDEX scan_results_domain ON scan_results (domain_id, id);
CREATE INDEX scan_results_raw ON scan_results (scanned_at) WHERE raw IS NOT NULL;

ALTER TABLE domains ADD COLUMN last_scan_id bigint REFERENCES scan_results (id);
ALTER TABLE domains ADD COLUMN last_verdict text;
ALTER TABLE domains ADD COLUMN last_scanned_at timestamptz;

CREATE INDEX domains_last_verdict ON domains (last_verdict);

CREATE TABLE lookup_workers (
    id         text PRIMARY KEY,
    started_at timestamptz NOT NULL,
    seen_at    timestamptz NOT NULL
);

CREATE TABLE digests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    produced_at  timestamptz NOT NULL,
    period_start timestamptz NOT NULL,
    period_end   timestamptz NOT NULL,
    body         jsonb NOT NULL
);
