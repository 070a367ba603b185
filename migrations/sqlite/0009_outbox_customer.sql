-- Messages know their customer, so that a portal link can be made when they are sent.
ALTER TABLE outbox ADD COLUMN customer_id TEXT;
