-- What VIES answered for a VAT number, per merchant and mode (test mode never
-- asks VIES). `status` is `verified`, `invalid` or `unverified` (VIES could not
-- be reached); a `verified` or `invalid` answer is kept 30 days, an
-- `unverified` one is asked again after a few minutes. `consultation_number` is
-- VIES's proof of the check.
CREATE TABLE vat_verifications (
    merchant_id         TEXT NOT NULL REFERENCES merchants (id),
    livemode            BOOLEAN NOT NULL,
    vat_number          TEXT NOT NULL,
    status              TEXT NOT NULL,
    consultation_number TEXT,
    checked_at          TEXT NOT NULL,
    PRIMARY KEY (merchant_id, livemode, vat_number)
);
