-- Test mode's own settings. The merchants row holds live mode's; a test key
-- reads and changes only this row, so it never changes what live mode uses.
-- Existing merchants start with a copy of today's values.
CREATE TABLE merchant_test_settings (
    merchant_id        TEXT PRIMARY KEY REFERENCES merchants (id),
    name               TEXT NOT NULL,
    country            TEXT NOT NULL,
    default_currency   TEXT NOT NULL,
    reporting_currency TEXT NOT NULL,
    vat_number         TEXT,
    address            TEXT NOT NULL,
    timezone           TEXT NOT NULL,
    invoice_prefix     TEXT NOT NULL,
    allowed_origins    TEXT NOT NULL
);

INSERT INTO merchant_test_settings (merchant_id, name, country, default_currency,
    reporting_currency, vat_number, address, timezone, invoice_prefix, allowed_origins)
SELECT id, name, country, default_currency, reporting_currency, vat_number, address,
    timezone, invoice_prefix, allowed_origins
FROM merchants;
