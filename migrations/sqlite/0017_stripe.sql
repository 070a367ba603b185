-- Stripe as a merchant's payment provider, per mode. The secret key and the
-- webhook signing secret are sealed (ChaCha20-Poly1305 under the server's master
-- key, bound to the merchant, mode and field); the publishable key is public and
-- the secret key's last four characters are kept to show which key is set.
CREATE TABLE merchant_stripe (
    merchant_id            TEXT NOT NULL REFERENCES merchants (id),
    livemode               BOOLEAN NOT NULL,
    publishable_key        TEXT NOT NULL,
    secret_key_sealed      TEXT NOT NULL,
    secret_key_last4       TEXT NOT NULL,
    webhook_secret_sealed  TEXT,
    updated                TEXT NOT NULL,
    PRIMARY KEY (merchant_id, livemode)
);

-- The Stripe Customer of a Renewly customer, made when first needed.
ALTER TABLE customers ADD COLUMN stripe_customer_id TEXT;

-- Refunds of paid invoices, through the provider that took the payment.
ALTER TABLE invoices ADD COLUMN amount_refunded_minor BIGINT NOT NULL DEFAULT 0;
CREATE TABLE refunds (
    id                 TEXT PRIMARY KEY,
    merchant_id        TEXT NOT NULL REFERENCES merchants (id),
    livemode           BOOLEAN NOT NULL,
    invoice_id         TEXT NOT NULL REFERENCES invoices (id),
    charge_id          TEXT NOT NULL REFERENCES charges (id),
    amount_minor       BIGINT NOT NULL,
    currency           TEXT NOT NULL,
    reason             TEXT,
    provider_reference TEXT NOT NULL,
    idempotency_key    TEXT NOT NULL,
    created            TEXT NOT NULL,
    UNIQUE (merchant_id, livemode, idempotency_key)
);
CREATE INDEX refunds_invoice ON refunds (invoice_id, id);
