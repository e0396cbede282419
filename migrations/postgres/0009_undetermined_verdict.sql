-- The sixth verdict, undetermined: a registration record whose registrant
-- data the classifier could not place, for staff to review.

ALTER TABLE scan_results DROP CONSTRAINT scan_results_verdict_check;

ALTER TABLE scan_results ADD CONSTRAINT scan_results_verdict_check
    CHECK (verdict IN ('exposed', 'undetermined', 'proxied', 'redacted', 'organisation', 'not_published'));
