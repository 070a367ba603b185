-- Analytics: exchange rates for reporting in one currency, dashboard sign-in
-- sessions, and covering indexes so that reports sum the MRR log and invoices
-- without reading whole rows.

CREATE TABLE exchange_rates (
    id            TEXT PRIMARY KEY,
    merchant_id   TEXT NOT NULL REFERENCES merchants (id),
    livemode      BOOLEAN NOT NULL,
    from_currency TEXT NOT NULL,
    to_currency   TEXT NOT NULL,
    -- Units of to_currency per unit of from_currency, a decimal string.
    rate          TEXT NOT NULL,
    -- First day (YYYY-MM-DD) the rate applies; it applies until a later one.
    rate_date     TEXT NOT NULL,
    created       TEXT NOT NULL,
    UNIQUE (merchant_id, livemode, from_currency, to_currency, rate_date)
);
CREATE INDEX exchange_rates_scope ON exchange_rates (merchant_id, livemode, id);

-- The token itself is only in the browser's cookie; a session ends with its key.
CREATE TABLE dashboard_sessions (
    token_hash  TEXT PRIMARY KEY,
    key_id      TEXT NOT NULL REFERENCES api_keys (id),
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    livemode    BOOLEAN NOT NULL,
    -- RFC 3339 UTC, compared as text.
    expires_at  TEXT NOT NULL,
    created     TEXT NOT NULL
);
CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);

-- Reports sum the MRR log per day in the order of this index (movements,
-- salespeople, close reasons) ...
CREATE INDEX mrr_events_analytics ON mrr_events (merchant_id, livemode, event_date, kind,
    currency, salesperson_id, delta_minor, subscription_mrr_minor, plan_id, customer_id);
-- ... and per customer through this one (cohorts).
CREATE INDEX mrr_events_customers ON mrr_events (merchant_id, livemode, customer_id, currency,
    kind, event_date, delta_minor, subscription_mrr_minor, plan_id, salesperson_id);
-- Revenue per day of issue; non-recurring lines are found by their kind.
CREATE INDEX invoices_analytics ON invoices (merchant_id, livemode, issue_date, currency,
    status, subtotal_minor, subscription_id, customer_id);
CREATE INDEX invoice_lines_kind ON invoice_lines (kind, invoice_id, net_minor);
-- The country filter.
CREATE INDEX customers_country ON customers (merchant_id, livemode,
    (address::json ->> 'country'));
