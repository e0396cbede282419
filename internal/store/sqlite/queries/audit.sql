-- name: InsertAuditEvent
INSERT INTO audit_events (at, actor_kind, actor_id, action, subject_kind, subject_id,
                          from_state, to_state, reason, details)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
RETURNING id;

-- name: ListAuditEvents
SELECT id, at, actor_kind, actor_id, action, subject_kind, subject_id, from_state, to_state,
       reason, details
FROM (
    SELECT * FROM audit_events
    WHERE (?1 = '' OR subject_kind = ?1)
      AND (?2 = '' OR subject_id = ?2)
      AND (?3 = '' OR action = ?3)
      AND at >= ?5
    ORDER BY id DESC
    LIMIT ?4
)
ORDER BY id;
