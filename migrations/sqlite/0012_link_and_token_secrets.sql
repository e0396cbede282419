-- Secrets the database must not keep alive (issue 13).
--
-- Approval links: the outbox keeps each customer's mail with a placeholder
-- where the link's token goes (mail.LinkPlaceholder); the token is made as
-- the mail is sent and only its hash is stored. Mails queued before lose
-- their token here: one that was sent has it in the customer's hands
-- already; one still waiting gets a fresh link when it is sent. A mail
-- carries one token, in its text and in its HTML.
UPDATE outbox
SET body_html = replace(body_html, substr(body_text, instr(body_text, '/approve/') + 9, 43), 'TOKEN-ADDED-WHEN-SENT'),
    body_text = replace(body_text, substr(body_text, instr(body_text, '/approve/') + 9, 43), 'TOKEN-ADDED-WHEN-SENT')
WHERE kind IN ('approval', 'reminder') AND instr(body_text, '/approve/') > 0
  AND length(substr(body_text, instr(body_text, '/approve/') + 9, 43)) = 43;

-- Staff API tokens belong to an account, end when it is disabled, and
-- expire. Tokens made before: tied to the account of their name, expiring
-- 90 days after they were made; those of a name without an account, or of
-- a disabled one, are revoked. Times are written as the store writes them
-- (fixed width, UTC), so that text order stays time order. A token without
-- an expiry (NULL) never matches.
ALTER TABLE staff_tokens ADD COLUMN user_id INTEGER REFERENCES staff_users (id);
ALTER TABLE staff_tokens ADD COLUMN expires_at TEXT;

UPDATE staff_tokens SET user_id = (SELECT u.id FROM staff_users u WHERE u.name = staff_tokens.name);
UPDATE staff_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%S', created_at, '+90 days') || substr(created_at, 20);
UPDATE staff_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000Z'
WHERE revoked_at IS NULL
  AND (user_id IS NULL OR user_id IN (SELECT id FROM staff_users WHERE disabled_at IS NOT NULL));

CREATE INDEX staff_tokens_user ON staff_tokens (user_id);
