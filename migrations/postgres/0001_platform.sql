-- Platform: merchants, API keys, idempotency, catalog, customers.
-- Ids are prefixed ULID strings; timestamps RFC 3339 UTC text; dates YYYY-MM-DD;
-- unit amounts decimal strings; nested settings JSON text.

CREATE TABLE merchants (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    country            TEXT NOT NULL,
    default_currency   TEXT NOT NULL,
    reporting_currency TEXT NOT NULL,
    vat_number         TEXT,
    address            TEXT NOT NULL DEFAULT '{}',
    timezone           TEXT NOT NULL DEFAULT 'UTC',
    invoice_prefix     TEXT NOT NULL DEFAULT 'INV',
    allowed_origins    TEXT NOT NULL DEFAULT '[]',
    created            TEXT NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    livemode    BOOLEAN NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('secret', 'publishable')),
    key_hash    TEXT NOT NULL UNIQUE,
    key_hint    TEXT NOT NULL,
    created     TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX api_keys_merchant ON api_keys (merchant_id);

CREATE TABLE idempotency_keys (
    merchant_id     TEXT NOT NULL,
    livemode        BOOLEAN NOT NULL,
    idem_key        TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    response_status BIGINT,
    response_body   BYTEA,
    created         TEXT NOT NULL,
    PRIMARY KEY (merchant_id, livemode, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created);

CREATE TABLE products (
    id           TEXT PRIMARY KEY,
    merchant_id  TEXT NOT NULL REFERENCES merchants (id),
    livemode     BOOLEAN NOT NULL,
    name         TEXT NOT NULL,
    description  TEXT,
    kind         TEXT NOT NULL,
    unit         TEXT NOT NULL,
    tax_category TEXT NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created      TEXT NOT NULL
);
CREATE INDEX products_scope ON products (merchant_id, livemode, id);

CREATE TABLE prices (
    id                       TEXT PRIMARY KEY,
    merchant_id              TEXT NOT NULL REFERENCES merchants (id),
    livemode                 BOOLEAN NOT NULL,
    product_id               TEXT NOT NULL REFERENCES products (id),
    currency                 TEXT NOT NULL,
    unit_amount              TEXT NOT NULL,
    recurring_interval       TEXT,
    recurring_interval_count BIGINT,
    tax_behavior             TEXT NOT NULL,
    nickname                 TEXT,
    active                   BOOLEAN NOT NULL DEFAULT TRUE,
    created                  TEXT NOT NULL
);
CREATE INDEX prices_scope ON prices (merchant_id, livemode, id);
CREATE INDEX prices_product ON prices (product_id);

CREATE TABLE plans (
    id                TEXT PRIMARY KEY,
    merchant_id       TEXT NOT NULL REFERENCES merchants (id),
    livemode          BOOLEAN NOT NULL,
    name              TEXT NOT NULL,
    description       TEXT,
    currency          TEXT NOT NULL,
    prices            TEXT NOT NULL,
    addons            TEXT NOT NULL,
    setup_fee         TEXT,
    trial_days        BIGINT NOT NULL,
    payment_mode      TEXT NOT NULL,
    invoice_due_days  BIGINT NOT NULL,
    customer_rights   TEXT NOT NULL,
    close_reasons     TEXT NOT NULL,
    dunning           TEXT NOT NULL,
    terms             TEXT,
    require_signature BOOLEAN NOT NULL,
    features          TEXT NOT NULL,
    published         BOOLEAN NOT NULL,
    active            BOOLEAN NOT NULL DEFAULT TRUE,
    created           TEXT NOT NULL
);
CREATE INDEX plans_scope ON plans (merchant_id, livemode, id);

CREATE TABLE pricelists (
    id          TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    livemode    BOOLEAN NOT NULL,
    name        TEXT NOT NULL,
    currency    TEXT NOT NULL,
    items       TEXT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created     TEXT NOT NULL
);
CREATE INDEX pricelists_scope ON pricelists (merchant_id, livemode, id);

CREATE TABLE tax_rates (
    id           TEXT PRIMARY KEY,
    merchant_id  TEXT NOT NULL REFERENCES merchants (id),
    livemode     BOOLEAN NOT NULL,
    country      TEXT NOT NULL,
    region       TEXT,
    tax_category TEXT NOT NULL,
    percentage   TEXT NOT NULL,
    name         TEXT NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created      TEXT NOT NULL
);
CREATE INDEX tax_rates_scope ON tax_rates (merchant_id, livemode, id);
CREATE INDEX tax_rates_lookup ON tax_rates (merchant_id, livemode, country, tax_category);

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    livemode    BOOLEAN NOT NULL,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created     TEXT NOT NULL
);
CREATE INDEX users_scope ON users (merchant_id, livemode, id);

CREATE TABLE customers (
    id                     TEXT PRIMARY KEY,
    merchant_id            TEXT NOT NULL REFERENCES merchants (id),
    livemode               BOOLEAN NOT NULL,
    email                  TEXT NOT NULL,
    name                   TEXT,
    company                TEXT,
    vat_number             TEXT,
    address                TEXT NOT NULL DEFAULT '{}',
    locale                 TEXT NOT NULL DEFAULT 'en',
    pricelist_id           TEXT REFERENCES pricelists (id),
    salesperson_id         TEXT REFERENCES users (id),
    default_payment_method TEXT,
    created                TEXT NOT NULL
);
CREATE INDEX customers_scope ON customers (merchant_id, livemode, id);
CREATE INDEX customers_email ON customers (merchant_id, livemode, email);

CREATE TABLE payment_methods (
    id             TEXT PRIMARY KEY,
    merchant_id    TEXT NOT NULL REFERENCES merchants (id),
    livemode       BOOLEAN NOT NULL,
    customer_id    TEXT NOT NULL REFERENCES customers (id),
    provider       TEXT NOT NULL,
    provider_token TEXT NOT NULL,
    brand          TEXT NOT NULL,
    last4          TEXT NOT NULL,
    exp_month      BIGINT NOT NULL,
    exp_year       BIGINT NOT NULL,
    detached       BOOLEAN NOT NULL DEFAULT FALSE,
    created        TEXT NOT NULL
);
CREATE INDEX payment_methods_customer ON payment_methods (customer_id, id);
