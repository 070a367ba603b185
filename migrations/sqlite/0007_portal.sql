-- Customer portal sessions: a link (`/portal/{token}`) that lets one customer of
-- one merchant and mode manage their contract without an account. Only the
-- SHA-256 of the 256-bit token is stored, so a copy of the database opens nothing.

CREATE TABLE portal_sessions (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    livemode    BOOLEAN NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    -- direct (made with the secret key or by checkout) | link (e-mailed magic link)
    source      TEXT NOT NULL,
    -- RFC 3339 UTC, compared as text (one format everywhere).
    created     TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX portal_sessions_customer ON portal_sessions (merchant_id, livemode, customer_id, created);
