-- Retention: when a scan's values were removed, and consent records whose
-- client hash and user agent may be removed (and nothing else changed).

ALTER TABLE scan_results ADD COLUMN values_removed_at TEXT;

DROP TRIGGER consent_records_append_only;

CREATE TRIGGER consent_records_append_only BEFORE UPDATE ON consent_records
WHEN NEW.id IS NOT OLD.id OR NEW.request_id IS NOT OLD.request_id OR NEW.customer_id IS NOT OLD.customer_id
  OR NEW.decision IS NOT OLD.decision OR NEW.quote_version IS NOT OLD.quote_version
  OR NEW.quote_sha256 IS NOT OLD.quote_sha256 OR NEW.currency IS NOT OLD.currency OR NEW.net IS NOT OLD.net
  OR NEW.vat IS NOT OLD.vat OR NEW.gross IS NOT OLD.gross OR NEW.at IS NOT OLD.at OR NEW.method IS NOT OLD.method
  OR (NEW.user_agent <> '' AND NEW.user_agent IS NOT OLD.user_agent)
  OR (NEW.client_hash <> '' AND NEW.client_hash IS NOT OLD.client_hash)
BEGIN
    SELECT RAISE(ABORT, 'consent records are append-only; only the client hash and user agent may be removed');
END;
