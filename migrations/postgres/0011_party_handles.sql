-- The handles a party gave to our own contacts: SIDN assigns contact
-- handles itself, so the role contact's handle is known only from the
-- answer to the contact:create that made it, and is kept here for every
-- later request (REGISTRIES.md, SIDN). Keyed by the adapter (party) and
-- what the contact is for (purpose). No personal data: the company's own
-- role contact.

CREATE TABLE party_handles (
    party      text NOT NULL,
    purpose    text NOT NULL,
    handle     text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (party, purpose)
);
