//! Charges made through the payment provider, one per idempotency key.

use rust_decimal::Decimal;

use super::Scope;
use crate::args;
use crate::db::{Db, Tx};
use crate::domain::charge::{ChargeOutcome, ChargeStatus};

/// A recorded charge attempt.
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
    pub created: String,
}

/// A charge to record, with the provider's answer.
#[derive(Debug, Clone)]
pub struct NewCharge {
    pub id: String,
    pub payment_method_id: String,
    pub amount: Decimal,
    pub currency: String,
    pub idempotency_key: String,
    pub outcome: ChargeOutcome,
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
    created: String,
}

impl TryFrom<ChargeRow> for Charge {
    type Error = sqlx::Error;

    fn try_from(r: ChargeRow) -> Result<Self, Self::Error> {
        let damaged =
            |what: &str| sqlx::Error::Decode(format!("charge {}: bad {what}", r.id).into());
        Ok(Self {
            amount: r.amount.parse().map_err(|_| damaged("amount"))?,
            status: ChargeStatus::parse(&r.outcome).ok_or_else(|| damaged("outcome"))?,
            id: r.id,
            livemode: r.livemode,
            payment_method: r.payment_method_id,
            currency: r.currency,
            idempotency_key: r.idempotency_key,
            failure_code: r.failure_code,
            provider_reference: r.provider_reference,
            created: r.created,
        })
    }
}

/// The charge recorded under this idempotency key, if any.
pub async fn find_by_key(db: &Db, scope: &Scope, key: &str) -> Result<Option<Charge>, sqlx::Error> {
    let row: Option<ChargeRow> = db
        .fetch_optional(
            "SELECT * FROM charges WHERE merchant_id = $1 AND livemode = $2 AND idempotency_key = $3",
            &args![&scope.merchant_id, scope.livemode, key],
        )
        .await?;
    row.map(Charge::try_from).transpose()
}

/// One charge of this merchant and mode.
pub async fn get(db: &Db, scope: &Scope, id: &str) -> Result<Option<Charge>, sqlx::Error> {
    let row: Option<ChargeRow> = db
        .fetch_optional(
            "SELECT * FROM charges WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
            &args![id, &scope.merchant_id, scope.livemode],
        )
        .await?;
    row.map(Charge::try_from).transpose()
}

const INSERT: &str = "INSERT INTO charges (id, merchant_id, livemode, payment_method_id, amount, currency, \
     idempotency_key, outcome, failure_code, provider_reference, created) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
     ON CONFLICT (merchant_id, livemode, idempotency_key) DO NOTHING";

/// The values of [`INSERT`] for a charge.
fn insert_args(scope: &Scope, c: &NewCharge) -> [crate::db::Arg; 11] {
    args![
        &c.id,
        &scope.merchant_id,
        scope.livemode,
        &c.payment_method_id,
        c.amount.to_string(),
        &c.currency,
        &c.idempotency_key,
        c.outcome.status.as_str(),
        c.outcome.failure_code.clone(),
        &c.outcome.reference,
        &c.created
    ]
}

/// Records a charge unless one with its idempotency key exists, and returns the
/// one recorded under the key (the first wins).
pub async fn record(db: &Db, scope: &Scope, c: &NewCharge) -> Result<Charge, sqlx::Error> {
    db.execute(INSERT, &insert_args(scope, c)).await?;
    find_by_key(db, scope, &c.idempotency_key)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// What a charge recorded under an idempotency key came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub id: String,
    pub status: ChargeStatus,
    pub failure_code: Option<String>,
}

/// Records a charge inside the transaction unless one with its idempotency key
/// exists, and returns the one recorded under the key: the first wins, so the
/// outcome of a worker that ran before stands. An outcome stored in a form this
/// version does not know counts as failed.
pub async fn record_tx(
    tx: &mut Tx,
    scope: &Scope,
    c: &NewCharge,
) -> Result<Option<Recorded>, sqlx::Error> {
    let inserted = tx.execute(INSERT, &insert_args(scope, c)).await?;
    if inserted == 1 {
        return Ok(Some(Recorded {
            id: c.id.clone(),
            status: c.outcome.status,
            failure_code: c.outcome.failure_code.clone(),
        }));
    }
    let recorded: Option<(String, String, Option<String>)> = tx
        .fetch_optional(
            "SELECT id, outcome, failure_code FROM charges WHERE merchant_id = $1 \
             AND livemode = $2 AND idempotency_key = $3",
            &args![&scope.merchant_id, scope.livemode, &c.idempotency_key],
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
            "SELECT c.id FROM charges c JOIN invoices i ON i.id = c.idempotency_key \
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
