-- The customer's own reasons for a registry's opt-out (SIDN: full
-- withholding of a .nl registrant), where staff took them down; empty
-- otherwise. Personal data: purged with the request.

ALTER TABLE privacy_requests ADD COLUMN opt_out_reasons TEXT NOT NULL DEFAULT '';
