-- name: InsertAuditEvent
INSERT INTO audit_events (at, actor_kind, actor_id, action, subject_kind, subject_id,
                          from_state, to_state, reason, details)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
RETURNING id;

-- name: ListAuditEvents
SELECT id, at, actor_kind, actor_id, action, subject_kind, subject_id, from_state, to_state,
       reason, details::text
FROM (
    SELECT * FROM audit_events
    WHERE ($1 = '' OR subject_kind = $1)
      AND ($2 = '' OR subject_id = $2)
      AND ($3 = '' OR action = $3)
      AND at >= $5
    ORDER BY id DESC
    LIMIT CASE WHEN $4::bigint < 0 THEN NULL ELSE $4::bigint END
) e
ORDER BY id;
