//! MRR movements: one row per change of a customer's monthly recurring revenue
//! (new, expansion, contraction, churn, reactivation).

use chrono::NaiveDate;

use super::billing::{from_raw_row, parse_currency};
use super::subscriptions::SubscriptionRow;
use super::{Scope, now};
use crate::args;
use crate::db::{Db, Tx};
use crate::domain::currency::Currency;
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

/// The columns of an MRR movement as listed.
#[derive(sqlx::FromRow)]
struct RawMovement {
    id: String,
    customer_id: String,
    subscription_id: String,
    salesperson_id: Option<String>,
    plan_id: Option<String>,
    event_date: String,
    kind: String,
    currency: String,
    delta_minor: i64,
    subscription_mrr_minor: i64,
    customer_mrr_minor: i64,
    close_reason: Option<String>,
}

/// An MRR movement; its currency is checked when read (an unknown one is an error).
#[derive(Debug, Clone)]
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
    pub cur: Currency,
}

impl TryFrom<RawMovement> for MovementRow {
    type Error = sqlx::Error;

    fn try_from(r: RawMovement) -> Result<Self, Self::Error> {
        let cur = parse_currency(&format!("MRR event {}: currency", r.id), &r.currency)?;
        Ok(Self {
            id: r.id,
            customer_id: r.customer_id,
            subscription_id: r.subscription_id,
            salesperson_id: r.salesperson_id,
            plan_id: r.plan_id,
            event_date: r.event_date,
            kind: r.kind,
            currency: r.currency,
            delta_minor: r.delta_minor,
            subscription_mrr_minor: r.subscription_mrr_minor,
            customer_mrr_minor: r.customer_mrr_minor,
            close_reason: r.close_reason,
            cur,
        })
    }
}

from_raw_row!(MovementRow, RawMovement);

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
