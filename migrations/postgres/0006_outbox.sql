-- Emails: written in the same transaction as the change that causes them, then
-- delivered by the mail worker (SMTP or .eml files) with retries. Rows are kept
-- after delivery as the record of what was sent.

CREATE TABLE outbox (
    id                    TEXT PRIMARY KEY,
    merchant_id           TEXT NOT NULL REFERENCES merchants (id),
    livemode              BOOLEAN NOT NULL,
    to_email              TEXT NOT NULL,
    locale                TEXT NOT NULL,
    template              TEXT NOT NULL,
    subject               TEXT NOT NULL,
    text_body             TEXT NOT NULL,
    html_body             TEXT NOT NULL,
    -- Rendered as a PDF when the message is delivered.
    attachment_invoice_id TEXT,
    -- pending | sent | failed
    status                TEXT NOT NULL DEFAULT 'pending',
    attempts              BIGINT NOT NULL DEFAULT 0,
    -- RFC 3339 UTC, compared as text (one format everywhere).
    next_attempt_at       TEXT NOT NULL,
    last_error            TEXT,
    created               TEXT NOT NULL,
    sent_at               TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_scope ON outbox (merchant_id, livemode, id);
