-- A counter per merchant and mode that moves on with every change to what the
-- public endpoints answer (products, prices, plans, the merchant's settings).
-- A server keeps those answers in memory and compares this counter to know they
-- are still current, also when another process made the change.
CREATE TABLE answer_versions (
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    livemode    BOOLEAN NOT NULL,
    version     BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, livemode)
);
