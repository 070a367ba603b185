-- Customers: case-insensitive e-mail lookups; charges made through the payment
-- provider, at most one per idempotency key and mode.

CREATE INDEX customers_email_ci ON customers (merchant_id, livemode, LOWER(email));

CREATE TABLE charges (
    id                 TEXT PRIMARY KEY,
    merchant_id        TEXT NOT NULL REFERENCES merchants (id),
    livemode           BOOLEAN NOT NULL,
    payment_method_id  TEXT NOT NULL REFERENCES payment_methods (id),
    amount             TEXT NOT NULL,
    currency           TEXT NOT NULL,
    idempotency_key    TEXT NOT NULL,
    outcome            TEXT NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'requires_action')),
    failure_code       TEXT,
    provider_reference TEXT NOT NULL,
    created            TEXT NOT NULL,
    UNIQUE (merchant_id, livemode, idempotency_key)
);
CREATE INDEX charges_payment_method ON charges (payment_method_id, id);
