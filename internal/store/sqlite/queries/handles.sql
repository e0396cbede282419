-- The handles parties gave to our own contacts (SIDN's role contact).

-- name: PartyHandle
SELECT handle FROM party_handles WHERE party = ?1 AND purpose = ?2;

-- name: PutPartyHandle
INSERT INTO party_handles (party, purpose, handle, created_at, updated_at) VALUES (?1, ?2, ?4, ?5, ?5)
ON CONFLICT (party, purpose) DO UPDATE SET handle = excluded.handle, updated_at = excluded.updated_at
WHERE party_handles.handle = ?3;
