//! MRR movements: one row per change of a customer's monthly recurring revenue
//! (new, expansion, contraction, churn, reactivation).

use chrono::NaiveDate;

use super::subscriptions::SubscriptionRow;
use super::{Scope, now};
use crate::args;
use crate::db::{Db, Tx};
use crate::ids::{Kind, new_id};

/// An MRR movement to record for a subscription.
#[derive(Debug, Clone, Copy)]
pub struct NewMovement<'a> {
    pub subscription: &'a SubscriptionRow,
    pub date: NaiveDate,
    /// `new`, `expansion`, `contraction`, `churn` or `reactivation`.
    pub kind: &'a str,
    pub delta_minor: i64,
    pub subscription_mrr_minor: i64,
    pub customer_mrr_minor: i64,
    pub close_reason: Option<&'a str>,
}

/// An MRR movement as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MovementRow {
    pub id: String,
    pub customer_id: String,
    pub subscription_id: String,
    pub salesperson_id: Option<String>,
    pub plan_id: Option<String>,
    pub event_date: String,
    pub kind: String,
    pub currency: String,
    pub delta_minor: i64,
    pub subscription_mrr_minor: i64,
    pub customer_mrr_minor: i64,
    pub close_reason: Option<String>,
}

/// How many movements a customer has in one currency (none: never paid).
pub async fn count_of_customer(
    tx: &mut Tx,
    customer_id: &str,
    currency: &str,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = tx
        .fetch_optional(
            "SELECT COUNT(*) FROM mrr_events WHERE customer_id = $1 AND currency = $2",
            &args![customer_id, currency],
        )
        .await?
        .unwrap_or((0,));
    Ok(n)
}

/// Records a movement.
pub async fn insert(tx: &mut Tx, m: &NewMovement<'_>) -> Result<(), sqlx::Error> {
    let sub = m.subscription;
    tx.execute(
        "INSERT INTO mrr_events (id, merchant_id, livemode, customer_id, subscription_id, \
         salesperson_id, plan_id, event_date, kind, currency, delta_minor, \
         subscription_mrr_minor, customer_mrr_minor, close_reason, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        &args![
            new_id(Kind::MrrEvent),
            &sub.merchant_id,
            sub.livemode,
            &sub.customer_id,
            &sub.id,
            sub.salesperson_id.clone(),
            &sub.plan_id,
            m.date.to_string(),
            m.kind,
            &sub.currency,
            m.delta_minor,
            m.subscription_mrr_minor,
            m.customer_mrr_minor,
            m.close_reason,
            now()
        ],
    )
    .await?;
    Ok(())
}

/// One subscription's movements in scope, oldest first.
pub async fn of_subscription(
    db: &Db,
    scope: &Scope,
    subscription_id: &str,
) -> Result<Vec<MovementRow>, sqlx::Error> {
    db.fetch_all(
        "SELECT id, customer_id, subscription_id, salesperson_id, plan_id, event_date, kind, currency, \
         delta_minor, subscription_mrr_minor, customer_mrr_minor, close_reason FROM mrr_events \
         WHERE subscription_id = $1 AND merchant_id = $2 AND livemode = $3 ORDER BY id",
        &args![subscription_id, &scope.merchant_id, scope.livemode],
    )
    .await
}
