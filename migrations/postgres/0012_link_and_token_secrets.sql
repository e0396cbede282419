-- Secrets the database must not keep alive (issue 13).
--
-- Approval links: the outbox keeps each customer's mail with a placeholder
-- where the link's token goes (mail.LinkPlaceholder); the token is made as
-- the mail is sent and only its hash is stored. Mails queued before lose
-- their token here: one that was sent has it in the customer's hands
-- already; one still waiting gets a fresh link when it is sent.
UPDATE outbox
SET body_text = regexp_replace(body_text, '/approve/[A-Za-z0-9_-]{43}', '/approve/TOKEN-ADDED-WHEN-SENT', 'g'),
    body_html = regexp_replace(body_html, '/approve/[A-Za-z0-9_-]{43}', '/approve/TOKEN-ADDED-WHEN-SENT', 'g')
WHERE kind IN ('approval', 'reminder')
  AND (body_text ~ '/approve/[A-Za-z0-9_-]{43}' OR body_html ~ '/approve/[A-Za-z0-9_-]{43}');

-- Staff API tokens belong to an account, end when it is disabled, and
-- expire. Tokens made before: tied to the account of their name, expiring
-- 90 days after they were made; those of a name without an account, or of
-- a disabled one, are revoked.
ALTER TABLE staff_tokens ADD COLUMN user_id bigint REFERENCES staff_users (id);
ALTER TABLE staff_tokens ADD COLUMN expires_at timestamptz;

UPDATE staff_tokens t SET user_id = u.id FROM staff_users u WHERE u.name = t.name;
UPDATE staff_tokens SET expires_at = created_at + interval '90 days';
ALTER TABLE staff_tokens ALTER COLUMN expires_at SET NOT NULL;
UPDATE staff_tokens SET revoked_at = now()
WHERE revoked_at IS NULL
  AND (user_id IS NULL OR user_id IN (SELECT id FROM staff_users WHERE disabled_at IS NOT NULL));

CREATE INDEX staff_tokens_user ON staff_tokens (user_id);
