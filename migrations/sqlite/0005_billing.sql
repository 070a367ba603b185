-- Billing: subscriptions and their items, orders, invoices and lines, gapless
-- invoice numbers, the ledger, MRR movements, events and test clocks.
-- Amounts that SQL sums are BIGINT minor units; unit prices are decimal strings.

CREATE TABLE subscriptions (
    id                     TEXT PRIMARY KEY,
    merchant_id            TEXT NOT NULL REFERENCES merchants (id),
    livemode               BOOLEAN NOT NULL,
    customer_id            TEXT NOT NULL REFERENCES customers (id),
    plan_id                TEXT NOT NULL REFERENCES plans (id),
    status                 TEXT NOT NULL,
    currency               TEXT NOT NULL,
    recurring_interval     TEXT NOT NULL,
    recurring_count        BIGINT NOT NULL,
    start_date             TEXT NOT NULL,
    current_period_start   TEXT NOT NULL,
    current_period_end     TEXT NOT NULL,
    next_invoice_date      TEXT,
    trial_end              TEXT,
    payment_mode           TEXT NOT NULL,
    invoice_due_days       BIGINT NOT NULL,
    payment_method_id      TEXT REFERENCES payment_methods (id),
    salesperson_id         TEXT REFERENCES users (id),
    mrr_minor              BIGINT NOT NULL DEFAULT 0,
    base_mrr_minor         BIGINT NOT NULL DEFAULT 0,
    health                 TEXT NOT NULL DEFAULT 'neutral',
    cancel_at              TEXT,
    close_reason           TEXT,
    close_comment          TEXT,
    closed_at              TEXT,
    paused_at              TEXT,
    past_due_since         TEXT,
    pending_items          TEXT,
    created                TEXT NOT NULL
);
CREATE INDEX subscriptions_scope ON subscriptions (merchant_id, livemode, id);
CREATE INDEX subscriptions_due ON subscriptions (next_invoice_date, status);
CREATE INDEX subscriptions_customer ON subscriptions (customer_id);

CREATE TABLE subscription_items (
    id              TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    position        BIGINT NOT NULL,
    price_id        TEXT NOT NULL REFERENCES prices (id),
    product_id      TEXT NOT NULL REFERENCES products (id),
    description     TEXT NOT NULL,
    quantity        BIGINT NOT NULL,
    unit_amount     TEXT NOT NULL,
    discount        TEXT NOT NULL,
    tax_behavior    TEXT NOT NULL,
    tax_category    TEXT NOT NULL,
    recurring       BOOLEAN NOT NULL,
    addon           BOOLEAN NOT NULL
);
CREATE INDEX subscription_items_subscription ON subscription_items (subscription_id, position);

CREATE TABLE orders (
    id                   TEXT PRIMARY KEY,
    merchant_id          TEXT NOT NULL REFERENCES merchants (id),
    livemode             BOOLEAN NOT NULL,
    customer_id          TEXT NOT NULL REFERENCES customers (id),
    subscription_id      TEXT REFERENCES subscriptions (id),
    invoice_id           TEXT,
    plan_id              TEXT,
    source               TEXT NOT NULL,
    signature_name       TEXT,
    signature_at         TEXT,
    signature_ip         TEXT,
    signature_user_agent TEXT,
    terms_sha256         TEXT,
    created              TEXT NOT NULL
);
CREATE INDEX orders_scope ON orders (merchant_id, livemode, id);

CREATE TABLE invoice_counters (
    merchant_id TEXT NOT NULL,
    livemode    BOOLEAN NOT NULL,
    year        BIGINT NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, livemode, year)
);

CREATE TABLE invoices (
    id                 TEXT PRIMARY KEY,
    merchant_id        TEXT NOT NULL REFERENCES merchants (id),
    livemode           BOOLEAN NOT NULL,
    number             TEXT NOT NULL,
    status             TEXT NOT NULL,
    customer_id        TEXT NOT NULL REFERENCES customers (id),
    subscription_id    TEXT REFERENCES subscriptions (id),
    billing_reason     TEXT NOT NULL,
    renewal_key        TEXT UNIQUE,
    currency           TEXT NOT NULL,
    issue_date         TEXT NOT NULL,
    due_date           TEXT NOT NULL,
    period_start       TEXT,
    period_end         TEXT,
    bill_to            TEXT NOT NULL,
    subtotal_minor     BIGINT NOT NULL,
    tax_minor          BIGINT NOT NULL,
    total_minor        BIGINT NOT NULL,
    amount_paid_minor  BIGINT NOT NULL DEFAULT 0,
    reverse_charge     BOOLEAN NOT NULL,
    tax_note           TEXT,
    payment_mode       TEXT NOT NULL,
    payment_method_id  TEXT,
    attempt_count      BIGINT NOT NULL DEFAULT 0,
    next_attempt_date  TEXT,
    first_failure_date TEXT,
    hard_declined      BOOLEAN NOT NULL DEFAULT FALSE,
    paid_at            TEXT,
    created            TEXT NOT NULL,
    UNIQUE (merchant_id, livemode, number)
);
CREATE INDEX invoices_scope ON invoices (merchant_id, livemode, id);
CREATE INDEX invoices_subscription ON invoices (subscription_id);
CREATE INDEX invoices_attempts ON invoices (status, next_attempt_date);

CREATE TABLE invoice_lines (
    id             TEXT PRIMARY KEY,
    invoice_id     TEXT NOT NULL REFERENCES invoices (id),
    position       BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    description    TEXT NOT NULL,
    price_id       TEXT,
    period_start   TEXT,
    period_end     TEXT,
    quantity       BIGINT NOT NULL,
    unit_amount    TEXT NOT NULL,
    discount       TEXT NOT NULL,
    tax_behavior   TEXT NOT NULL,
    tax_rate       TEXT NOT NULL,
    tax_name       TEXT NOT NULL,
    net_minor      BIGINT NOT NULL,
    tax_minor      BIGINT NOT NULL,
    amount_minor   BIGINT NOT NULL
);
CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id, position);

CREATE TABLE ledger_entries (
    id           TEXT PRIMARY KEY,
    merchant_id  TEXT NOT NULL REFERENCES merchants (id),
    livemode     BOOLEAN NOT NULL,
    journal      TEXT NOT NULL,
    invoice_id   TEXT,
    entry_date   TEXT NOT NULL,
    account      TEXT NOT NULL,
    debit_minor  BIGINT NOT NULL,
    credit_minor BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    memo         TEXT NOT NULL,
    created      TEXT NOT NULL
);
CREATE INDEX ledger_scope ON ledger_entries (merchant_id, livemode, entry_date);
CREATE INDEX ledger_invoice ON ledger_entries (invoice_id);

CREATE TABLE mrr_events (
    id              TEXT PRIMARY KEY,
    merchant_id     TEXT NOT NULL REFERENCES merchants (id),
    livemode        BOOLEAN NOT NULL,
    customer_id     TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    salesperson_id  TEXT,
    plan_id         TEXT,
    event_date      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    currency        TEXT NOT NULL,
    delta_minor     BIGINT NOT NULL,
    subscription_mrr_minor BIGINT NOT NULL,
    customer_mrr_minor     BIGINT NOT NULL,
    close_reason    TEXT,
    created         TEXT NOT NULL
);
CREATE INDEX mrr_events_scope ON mrr_events (merchant_id, livemode, event_date);
CREATE INDEX mrr_events_subscription ON mrr_events (subscription_id, id);
CREATE INDEX mrr_events_customer ON mrr_events (customer_id, id);

CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    livemode    BOOLEAN NOT NULL,
    type        TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    data        TEXT NOT NULL,
    created     TEXT NOT NULL
);
CREATE INDEX events_scope ON events (merchant_id, livemode, id);

CREATE TABLE test_clocks (
    merchant_id TEXT PRIMARY KEY REFERENCES merchants (id),
    now_date    TEXT NOT NULL
);
