-- Retention: when a scan's values were removed, and consent records whose
-- client hash and user agent may be removed (and nothing else changed).

ALTER TABLE scan_results ADD COLUMN values_removed_at timestamptz;

CREATE FUNCTION afscherm_consent_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.request_id, NEW.customer_id, NEW.decision, NEW.quote_version, NEW.quote_sha256, NEW.currency,
        NEW.net, NEW.vat, NEW.gross, NEW.at, NEW.method)
       IS DISTINCT FROM (OLD.id, OLD.request_id, OLD.customer_id, OLD.decision, OLD.quote_version, OLD.quote_sha256,
        OLD.currency, OLD.net, OLD.vat, OLD.gross, OLD.at, OLD.method)
       OR (NEW.user_agent <> '' AND NEW.user_agent IS DISTINCT FROM OLD.user_agent)
       OR (NEW.client_hash <> '' AND NEW.client_hash IS DISTINCT FROM OLD.client_hash) THEN
        RAISE EXCEPTION 'consent records are append-only; only the client hash and user agent may be removed';
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER consent_records_append_only ON consent_records;

CREATE TRIGGER consent_records_append_only BEFORE UPDATE ON consent_records
    FOR EACH ROW EXECUTE FUNCTION afscherm_consent_guard();
