-- A charge is recorded as `pending` (with its idempotency key, amount, currency
-- and payment method) and committed before the provider is asked; the provider's
-- answer completes it. A retry, or a worker started after a crash, finds the
-- pending row and asks the provider again with the same key, which the provider
-- answers with the same charge. `invoice_id` names the invoice the charge pays
-- (a checkout's pending charge comes before its invoice, so it is no foreign key).
ALTER TABLE charges DROP CONSTRAINT charges_outcome_check;
ALTER TABLE charges ADD CONSTRAINT charges_outcome_check
    CHECK (outcome IN ('pending', 'succeeded', 'failed', 'requires_action'));
ALTER TABLE charges ADD COLUMN invoice_id TEXT;
UPDATE charges SET invoice_id = idempotency_key
    WHERE idempotency_key IN (SELECT id FROM invoices);
CREATE INDEX charges_invoice ON charges (invoice_id);
CREATE INDEX charges_pending ON charges (created) WHERE outcome = 'pending';

-- A plan change claims its subscription before it charges: `change_key` holds
-- the charge key of the change in flight (taken over only when `change_started`
-- is stale), and `version` counts applied plan changes, so a change worked out
-- from an older state is refused instead of charged.
ALTER TABLE subscriptions ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN change_key TEXT;
ALTER TABLE subscriptions ADD COLUMN change_started TEXT;
