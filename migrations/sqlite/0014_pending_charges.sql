-- A charge is recorded as `pending` (with its idempotency key, amount, currency
-- and payment method) and committed before the provider is asked; the provider's
-- answer completes it. A retry, or a worker started after a crash, finds the
-- pending row and asks the provider again with the same key, which the provider
-- answers with the same charge. `invoice_id` names the invoice the charge pays
-- (a checkout's pending charge comes before its invoice, so it is no foreign key).
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt.
CREATE TABLE charges_new (
    id                 TEXT PRIMARY KEY,
    merchant_id        TEXT NOT NULL REFERENCES merchants (id),
    livemode           BOOLEAN NOT NULL,
    payment_method_id  TEXT NOT NULL REFERENCES payment_methods (id),
    amount             TEXT NOT NULL,
    currency           TEXT NOT NULL,
    idempotency_key    TEXT NOT NULL,
    outcome            TEXT NOT NULL CHECK (outcome IN ('pending', 'succeeded', 'failed', 'requires_action')),
    failure_code       TEXT,
    provider_reference TEXT NOT NULL,
    created            TEXT NOT NULL,
    client_secret_hash TEXT,
    invoice_id         TEXT,
    UNIQUE (merchant_id, livemode, idempotency_key)
);
INSERT INTO charges_new (id, merchant_id, livemode, payment_method_id, amount, currency,
    idempotency_key, outcome, failure_code, provider_reference, created, client_secret_hash,
    invoice_id)
SELECT id, merchant_id, livemode, payment_method_id, amount, currency, idempotency_key,
    outcome, failure_code, provider_reference, created, client_secret_hash,
    CASE WHEN idempotency_key IN (SELECT id FROM invoices) THEN idempotency_key END
FROM charges;
DROP TABLE charges;
ALTER TABLE charges_new RENAME TO charges;
CREATE INDEX charges_payment_method ON charges (payment_method_id, id);
CREATE INDEX charges_invoice ON charges (invoice_id);
CREATE INDEX charges_pending ON charges (created) WHERE outcome = 'pending';

-- A plan change claims its subscription before it charges: `change_key` holds
-- the charge key of the change in flight (taken over only when `change_started`
-- is stale), and `version` counts applied plan changes, so a change worked out
-- from an older state is refused instead of charged.
ALTER TABLE subscriptions ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN change_key TEXT;
ALTER TABLE subscriptions ADD COLUMN change_started TEXT;
