//! Charges made through the payment provider, one per idempotency key: each is
//! recorded `pending` (and committed) before the provider is asked, then completed
//! with its answer, so a retry finds it.

use rust_decimal::Decimal;

use super::Scope;
use crate::args;
use crate::db::{Db, Tx};
use crate::domain::charge::{ChargeOutcome, ChargeStatus};

/// A completed charge attempt: the provider answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub id: String,
    pub livemode: bool,
    pub payment_method: String,
    pub amount: Decimal,
    pub currency: String,
    pub idempotency_key: String,
    pub status: ChargeStatus,
    /// Why it failed (`card_declined`, …) when it did.
    pub failure_code: Option<String>,
    /// The provider's id of the charge.
    pub provider_reference: String,
    /// The invoice it pays, when it pays one.
    pub invoice_id: Option<String>,
    pub created: String,
}

/// A charge recorded before the provider was asked, not answered yet: the
/// process asking may still be running, or have died; a retry with the same key
/// asks the provider again, which answers with the same charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCharge {
    pub id: String,
    pub payment_method: String,
    pub amount: Decimal,
    pub currency: String,
    pub idempotency_key: String,
    pub invoice_id: Option<String>,
}

/// What is recorded under an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    Pending(PendingCharge),
    Done(Charge),
}

impl Stored {
    /// The invoice the charge pays, pending or not.
    pub fn invoice_id(&self) -> Option<&str> {
        match self {
            Self::Pending(p) => p.invoice_id.as_deref(),
            Self::Done(c) => c.invoice_id.as_deref(),
        }
    }

    /// Whether it charges this payment method this amount in this currency.
    pub fn is_for(&self, payment_method: &str, amount: Decimal, currency: &str) -> bool {
        let (pm, a, c) = match self {
            Self::Pending(p) => (&p.payment_method, p.amount, &p.currency),
            Self::Done(d) => (&d.payment_method, d.amount, &d.currency),
        };
        pm == payment_method && a == amount && c.eq_ignore_ascii_case(currency)
    }

    /// The payment method it charges.
    pub fn payment_method(&self) -> &str {
        match self {
            Self::Pending(p) => &p.payment_method,
            Self::Done(c) => &c.payment_method,
        }
    }

    /// The charge's id.
    pub fn id(&self) -> &str {
        match self {
            Self::Pending(p) => &p.id,
            Self::Done(c) => &c.id,
        }
    }
}

/// A charge to record as pending before the provider is asked.
#[derive(Debug, Clone)]
pub struct NewCharge {
    pub id: String,
    pub payment_method_id: String,
    pub amount: Decimal,
    pub currency: String,
    pub idempotency_key: String,
    pub invoice_id: Option<String>,
    pub created: String,
}

#[derive(sqlx::FromRow)]
struct ChargeRow {
    id: String,
    livemode: bool,
    payment_method_id: String,
    amount: String,
    currency: String,
    idempotency_key: String,
    outcome: String,
    failure_code: Option<String>,
    provider_reference: String,
    invoice_id: Option<String>,
    created: String,
}

impl TryFrom<ChargeRow> for Stored {
    type Error = sqlx::Error;

    fn try_from(r: ChargeRow) -> Result<Self, Self::Error> {
        let damaged =
            |what: &str| sqlx::Error::Decode(format!("charge {}: bad {what}", r.id).into());
        let amount = r.amount.parse().map_err(|_| damaged("amount"))?;
        if r.outcome == PENDING {
            return Ok(Self::Pending(PendingCharge {
                id: r.id,
                payment_method: r.payment_method_id,
                amount,
                currency: r.currency,
                idempotency_key: r.idempotency_key,
                invoice_id: r.invoice_id,
            }));
        }
        Ok(Self::Done(Charge {
            amount,
            status: ChargeStatus::parse(&r.outcome).ok_or_else(|| damaged("outcome"))?,
            id: r.id,
            livemode: r.livemode,
            payment_method: r.payment_method_id,
            currency: r.currency,
            idempotency_key: r.idempotency_key,
            failure_code: r.failure_code,
            provider_reference: r.provider_reference,
            invoice_id: r.invoice_id,
            created: r.created,
        }))
    }
}

/// The stored outcome of a charge not answered yet.
const PENDING: &str = "pending";

/// Whatever is recorded under this idempotency key, pending or completed.
pub async fn find_stored(db: &Db, scope: &Scope, key: &str) -> Result<Option<Stored>, sqlx::Error> {
    let row: Option<ChargeRow> = db
        .fetch_optional(
            "SELECT * FROM charges WHERE merchant_id = $1 AND livemode = $2 AND idempotency_key = $3",
            &args![&scope.merchant_id, scope.livemode, key],
        )
        .await?;
    row.map(Stored::try_from).transpose()
}

/// The completed charge of this merchant and mode with this id.
pub async fn get(db: &Db, scope: &Scope, id: &str) -> Result<Option<Charge>, sqlx::Error> {
    let row: Option<ChargeRow> = db
        .fetch_optional(
            "SELECT * FROM charges WHERE id = $1 AND merchant_id = $2 AND livemode = $3 \
             AND outcome <> 'pending'",
            &args![id, &scope.merchant_id, scope.livemode],
        )
        .await?;
    done(row)
}

/// The latest completed charge made for an invoice.
pub async fn latest_for_invoice(
    db: &Db,
    scope: &Scope,
    invoice_id: &str,
) -> Result<Option<Charge>, sqlx::Error> {
    let row: Option<ChargeRow> = db
        .fetch_optional(
            "SELECT * FROM charges WHERE invoice_id = $1 AND merchant_id = $2 AND livemode = $3 \
             AND outcome <> 'pending' ORDER BY created DESC, id DESC LIMIT 1",
            &args![invoice_id, &scope.merchant_id, scope.livemode],
        )
        .await?;
    done(row)
}

/// A row read as completed (the queries exclude pending ones).
fn done(row: Option<ChargeRow>) -> Result<Option<Charge>, sqlx::Error> {
    match row.map(Stored::try_from).transpose()? {
        Some(Stored::Done(c)) => Ok(Some(c)),
        Some(Stored::Pending(p)) => Err(sqlx::Error::Decode(
            format!("charge {}: still pending", p.id).into(),
        )),
        None => Ok(None),
    }
}

/// Records a charge as pending and commits it, unless something is recorded
/// under its key already; returns what is recorded under the key (the first
/// wins). Called before the provider is asked.
pub async fn begin(db: &Db, scope: &Scope, c: &NewCharge) -> Result<Stored, sqlx::Error> {
    db.execute(
        "INSERT INTO charges (id, merchant_id, livemode, payment_method_id, amount, currency, \
         idempotency_key, outcome, provider_reference, invoice_id, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', '', $8, $9) \
         ON CONFLICT (merchant_id, livemode, idempotency_key) DO NOTHING",
        &args![
            &c.id,
            &scope.merchant_id,
            scope.livemode,
            &c.payment_method_id,
            c.amount.normalize().to_string(),
            &c.currency,
            &c.idempotency_key,
            c.invoice_id.clone(),
            &c.created
        ],
    )
    .await?;
    find_stored(db, scope, &c.idempotency_key)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

const COMPLETE: &str = "UPDATE charges SET outcome = $4, failure_code = $5, provider_reference = $6 \
     WHERE merchant_id = $1 AND livemode = $2 AND idempotency_key = $3 AND outcome = 'pending'";

/// The values of [`COMPLETE`].
fn complete_args(scope: &Scope, key: &str, outcome: &ChargeOutcome) -> [crate::db::Arg; 6] {
    args![
        &scope.merchant_id,
        scope.livemode,
        key,
        outcome.status.as_str(),
        outcome.failure_code.clone(),
        &outcome.reference
    ]
}

/// Completes the pending charge under `key` with the provider's answer and
/// returns the charge as recorded: when another caller completed it first, its
/// answer stands (the provider gave both the same one).
pub async fn complete(
    db: &Db,
    scope: &Scope,
    key: &str,
    outcome: &ChargeOutcome,
) -> Result<Charge, sqlx::Error> {
    db.execute(COMPLETE, &complete_args(scope, key, outcome))
        .await?;
    match find_stored(db, scope, key).await? {
        Some(Stored::Done(c)) => Ok(c),
        Some(Stored::Pending(_)) | None => Err(sqlx::Error::RowNotFound),
    }
}

/// What a charge recorded under an idempotency key came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub id: String,
    pub status: ChargeStatus,
    pub failure_code: Option<String>,
}

/// Completes the pending charge under `key` inside the transaction and returns
/// the outcome recorded under the key: when it was completed before (a worker
/// that ran before), that outcome stands. An outcome stored in a form this
/// version does not know counts as failed.
pub async fn complete_tx(
    tx: &mut Tx,
    scope: &Scope,
    key: &str,
    outcome: &ChargeOutcome,
) -> Result<Option<Recorded>, sqlx::Error> {
    tx.execute(COMPLETE, &complete_args(scope, key, outcome))
        .await?;
    let recorded: Option<(String, String, Option<String>)> = tx
        .fetch_optional(
            "SELECT id, outcome, failure_code FROM charges WHERE merchant_id = $1 \
             AND livemode = $2 AND idempotency_key = $3",
            &args![&scope.merchant_id, scope.livemode, key],
        )
        .await?;
    Ok(recorded.map(|(id, outcome, failure_code)| Recorded {
        id,
        status: ChargeStatus::parse(&outcome).unwrap_or(ChargeStatus::Failed),
        failure_code,
    }))
}

/// Stores the final outcome of a charge that required action; a charge that was
/// settled meanwhile is left alone.
pub async fn settle(
    db: &Db,
    scope: &Scope,
    id: &str,
    outcome: &ChargeOutcome,
) -> Result<(), sqlx::Error> {
    db.execute(
        "UPDATE charges SET outcome = $4, failure_code = $5 \
         WHERE id = $1 AND merchant_id = $2 AND livemode = $3 AND outcome = 'requires_action'",
        &args![
            id,
            &scope.merchant_id,
            scope.livemode,
            outcome.status.as_str(),
            outcome.failure_code.clone()
        ],
    )
    .await?;
    Ok(())
}

/// Keeps the SHA-256 (hex) of the secret a checkout handed out with a charge
/// that needs the card holder's confirmation.
pub async fn set_client_secret(
    db: &Db,
    scope: &Scope,
    charge_id: &str,
    secret_hash: &str,
) -> Result<(), sqlx::Error> {
    db.execute(
        "UPDATE charges SET client_secret_hash = $1 WHERE id = $2 AND merchant_id = $3 AND livemode = $4",
        &args![secret_hash, charge_id, &scope.merchant_id, scope.livemode],
    )
    .await
    .map(|_| ())
}

/// Whether `secret_hash` is the one kept with the first charge of this
/// subscription (the charge of its creation invoice).
pub async fn client_secret_matches(
    db: &Db,
    scope: &Scope,
    subscription_id: &str,
    secret_hash: &str,
) -> Result<bool, sqlx::Error> {
    let found: Option<(String,)> = db
        .fetch_optional(
            "SELECT c.id FROM charges c JOIN invoices i ON i.id = c.invoice_id \
             WHERE i.subscription_id = $1 AND i.billing_reason = 'subscription_create' \
             AND c.merchant_id = $2 AND c.livemode = $3 AND c.client_secret_hash = $4",
            &args![
                subscription_id,
                &scope.merchant_id,
                scope.livemode,
                secret_hash
            ],
        )
        .await?;
    Ok(found.is_some())
}

/// One charge attempt as listed, with the provider of its payment method.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: String,
    pub invoice_id: Option<String>,
    pub amount: String,
    pub currency: String,
    pub outcome: String,
    pub provider: String,
    pub provider_reference: String,
    pub failure_code: Option<String>,
    pub payment_method_id: String,
    pub created: String,
    /// What was refunded of it, in minor units.
    pub refunded_minor: i64,
}

/// The scope's charge attempts, newest first, of one invoice or all; at most
/// `limit` and whether there are more.
pub async fn list_payments(
    db: &Db,
    scope: &Scope,
    invoice: Option<&str>,
    limit: i64,
) -> Result<(Vec<PaymentRow>, bool), sqlx::Error> {
    let mut rows: Vec<PaymentRow> = db
        .fetch_all(
            "SELECT c.id, c.invoice_id, c.amount, c.currency, c.outcome, p.provider, \
             c.provider_reference, c.failure_code, c.payment_method_id, c.created, \
             CAST((SELECT COALESCE(SUM(r.amount_minor), 0) FROM refunds r \
             WHERE r.charge_id = c.id) AS BIGINT) AS refunded_minor \
             FROM charges c JOIN payment_methods p ON p.id = c.payment_method_id \
             WHERE c.merchant_id = $1 AND c.livemode = $2 \
             AND ($3 = '' OR c.invoice_id = $3) \
             ORDER BY c.id DESC LIMIT $4",
            &args![
                &scope.merchant_id,
                scope.livemode,
                invoice.unwrap_or(""),
                limit + 1
            ],
        )
        .await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(0);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok((rows, more))
}
