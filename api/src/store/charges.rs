//! Charges made through the payment provider, one per idempotency key.

use rust_decimal::Decimal;

use super::Scope;
use crate::db::Db;
use crate::payments::{ChargeOutcome, ChargeStatus};
use crate::with_db;

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
    let row: Option<ChargeRow> = with_db!(db, pool => sqlx::query_as(
        "SELECT * FROM charges WHERE merchant_id = $1 AND livemode = $2 AND idempotency_key = $3",
    )
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .bind(key)
    .fetch_optional(pool)
    .await?);
    row.map(Charge::try_from).transpose()
}

/// One charge of this merchant and mode.
pub async fn get(db: &Db, scope: &Scope, id: &str) -> Result<Option<Charge>, sqlx::Error> {
    let row: Option<ChargeRow> = with_db!(db, pool => sqlx::query_as(
        "SELECT * FROM charges WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
    )
    .bind(id)
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .fetch_optional(pool)
    .await?);
    row.map(Charge::try_from).transpose()
}

/// Records a charge unless one with its idempotency key exists, and returns the
/// one recorded under the key (the first wins).
pub async fn record(db: &Db, scope: &Scope, c: &NewCharge) -> Result<Charge, sqlx::Error> {
    with_db!(db, pool => sqlx::query(
        "INSERT INTO charges (id, merchant_id, livemode, payment_method_id, amount, currency, \
         idempotency_key, outcome, failure_code, provider_reference, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (merchant_id, livemode, idempotency_key) DO NOTHING",
    )
    .bind(&c.id)
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .bind(&c.payment_method_id)
    .bind(c.amount.to_string())
    .bind(&c.currency)
    .bind(&c.idempotency_key)
    .bind(c.outcome.status.as_str())
    .bind(&c.outcome.failure_code)
    .bind(&c.outcome.reference)
    .bind(&c.created)
    .execute(pool)
    .await?
    .rows_affected());
    find_by_key(db, scope, &c.idempotency_key)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// Stores the final outcome of a charge that required action; a charge that was
/// settled meanwhile is left alone.
pub async fn settle(
    db: &Db,
    scope: &Scope,
    id: &str,
    outcome: &ChargeOutcome,
) -> Result<(), sqlx::Error> {
    with_db!(db, pool => sqlx::query(
        "UPDATE charges SET outcome = $4, failure_code = $5 \
         WHERE id = $1 AND merchant_id = $2 AND livemode = $3 AND outcome = 'requires_action'",
    )
    .bind(id)
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .bind(outcome.status.as_str())
    .bind(&outcome.failure_code)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}
