-- Magic links and e-mail changes. A magic link is a portal session of source
-- `link` that opens nothing by itself: the hosted page exchanges it once (it
-- gets `used_at`) for a session of source `email`, which covers every customer
-- of the merchant and mode with the address it proved (`email`).
ALTER TABLE portal_sessions ADD COLUMN email TEXT;
ALTER TABLE portal_sessions ADD COLUMN used_at TEXT;

-- A customer's new e-mail address, applied only once the link sent to it is
-- followed. The token is made when the message is delivered (only its SHA-256
-- is kept), so the outbox never holds a usable link.
CREATE TABLE customer_email_changes (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT UNIQUE,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    livemode    BOOLEAN NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    old_email   TEXT NOT NULL,
    new_email   TEXT NOT NULL,
    -- Whether every record with the old address changes (the request came from
    -- a magic-link session, which proved that address) or only `customer_id`.
    every_record BOOLEAN NOT NULL,
    -- RFC 3339 UTC, compared as text (one format everywhere).
    created      TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    confirmed_at TEXT
);
CREATE INDEX customer_email_changes_new ON customer_email_changes (merchant_id, livemode, new_email, created);

-- Test mode's e-mail goes to real SMTP only for these addresses (a JSON array).
ALTER TABLE merchant_test_settings ADD COLUMN test_email_recipients TEXT NOT NULL DEFAULT '[]';
