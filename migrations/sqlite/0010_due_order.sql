-- The renewal worker walks due subscriptions in (next_invoice_date, id) order.
CREATE INDEX subscriptions_due_order ON subscriptions (next_invoice_date, id);
