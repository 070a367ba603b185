//! Subscriptions and their items: the rows, and every statement that reads or
//! changes them. Lifecycle changes are conditional on the status they expect, so
//! a change that lost a race to another request or worker changes nothing and
//! says so (`false`).

use chrono::NaiveDate;
use renewly_types::{Interval, PaymentMode, Recurring, TaxBehavior};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Scope;
use super::billing::{
    Filter, damaged, from_raw_row, parse_currency, parse_date, parse_decimal, parse_interval,
};
use crate::args;
use crate::db::{Db, Lock, Tx};
use crate::domain::currency::Currency;
use crate::domain::subscription::Change;
pub use crate::domain::subscription::Status;
use crate::ids::{Kind, new_id};

/// The columns of a subscription as stored.
#[derive(sqlx::FromRow)]
struct RawSubscription {
    id: String,
    merchant_id: String,
    livemode: bool,
    customer_id: String,
    plan_id: String,
    status: String,
    currency: String,
    recurring_interval: String,
    recurring_count: i64,
    start_date: String,
    current_period_start: String,
    current_period_end: String,
    next_invoice_date: Option<String>,
    trial_end: Option<String>,
    payment_mode: String,
    invoice_due_days: i64,
    payment_method_id: Option<String>,
    salesperson_id: Option<String>,
    mrr_minor: i64,
    base_mrr_minor: i64,
    health: String,
    cancel_at: Option<String>,
    close_reason: Option<String>,
    close_comment: Option<String>,
    closed_at: Option<String>,
    paused_at: Option<String>,
    past_due_since: Option<String>,
    pending_items: Option<String>,
    created: String,
}

/// A subscription row, checked and parsed once when it is read: an unknown
/// status or currency or a damaged date is a decode error, not a default.
///
/// The typed values ([`state`](Self::state), [`dates`](Self::dates),
/// [`currency()`](Self::currency)) are what billing uses; the text columns stay
/// for views that show them as stored.
#[derive(Debug, Clone)]
pub struct SubscriptionRow {
    pub id: String,
    pub merchant_id: String,
    pub livemode: bool,
    pub customer_id: String,
    pub plan_id: String,
    pub status: String,
    pub currency: String,
    pub recurring_interval: String,
    pub recurring_count: i64,
    pub start_date: String,
    pub current_period_start: String,
    pub current_period_end: String,
    pub next_invoice_date: Option<String>,
    pub trial_end: Option<String>,
    pub payment_mode: String,
    pub invoice_due_days: i64,
    pub payment_method_id: Option<String>,
    pub salesperson_id: Option<String>,
    pub mrr_minor: i64,
    pub base_mrr_minor: i64,
    pub health: String,
    pub cancel_at: Option<String>,
    pub close_reason: Option<String>,
    pub close_comment: Option<String>,
    pub closed_at: Option<String>,
    pub paused_at: Option<String>,
    pub past_due_since: Option<String>,
    pub pending_items: Option<String>,
    pub created: String,
    /// Where it is in its life.
    pub state: Status,
    /// Its dates.
    pub dates: Dates,
    cur: Currency,
}

/// A subscription's dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dates {
    /// The anchor every period counts from.
    pub start: NaiveDate,
    pub current_period: (NaiveDate, NaiveDate),
    /// When the next period is invoiced; none once closed.
    pub next_invoice: Option<NaiveDate>,
    pub trial_end: Option<NaiveDate>,
    /// A close scheduled for this day.
    pub cancel_at: Option<NaiveDate>,
    /// The first failed payment of the current dunning.
    pub past_due_since: Option<NaiveDate>,
}

impl TryFrom<RawSubscription> for SubscriptionRow {
    type Error = sqlx::Error;

    fn try_from(r: RawSubscription) -> Result<Self, Self::Error> {
        let what = |column: &str| format!("subscription {}: {column}", r.id);
        let date = |column: &str, raw: &str| parse_date(&what(column), raw);
        let optional = |column: &str, raw: &Option<String>| {
            raw.as_deref().map(|d| date(column, d)).transpose()
        };
        let state = Status::parse(&r.status).ok_or_else(|| damaged(&what("status"), &r.status))?;
        let dates = Dates {
            start: date("start_date", &r.start_date)?,
            current_period: (
                date("current_period_start", &r.current_period_start)?,
                date("current_period_end", &r.current_period_end)?,
            ),
            next_invoice: optional("next_invoice_date", &r.next_invoice_date)?,
            trial_end: optional("trial_end", &r.trial_end)?,
            cancel_at: optional("cancel_at", &r.cancel_at)?,
            past_due_since: optional("past_due_since", &r.past_due_since)?,
        };
        let cur = parse_currency(&what("currency"), &r.currency)?;
        Ok(Self {
            id: r.id,
            merchant_id: r.merchant_id,
            livemode: r.livemode,
            customer_id: r.customer_id,
            plan_id: r.plan_id,
            status: r.status,
            currency: r.currency,
            recurring_interval: r.recurring_interval,
            recurring_count: r.recurring_count,
            start_date: r.start_date,
            current_period_start: r.current_period_start,
            current_period_end: r.current_period_end,
            next_invoice_date: r.next_invoice_date,
            trial_end: r.trial_end,
            payment_mode: r.payment_mode,
            invoice_due_days: r.invoice_due_days,
            payment_method_id: r.payment_method_id,
            salesperson_id: r.salesperson_id,
            mrr_minor: r.mrr_minor,
            base_mrr_minor: r.base_mrr_minor,
            health: r.health,
            cancel_at: r.cancel_at,
            close_reason: r.close_reason,
            close_comment: r.close_comment,
            closed_at: r.closed_at,
            paused_at: r.paused_at,
            past_due_since: r.past_due_since,
            pending_items: r.pending_items,
            created: r.created,
            state,
            dates,
            cur,
        })
    }
}

from_raw_row!(SubscriptionRow, RawSubscription);

impl SubscriptionRow {
    /// The scope the row belongs to.
    pub fn scope(&self) -> Scope {
        Scope {
            merchant_id: self.merchant_id.clone(),
            livemode: self.livemode,
        }
    }

    /// How often it renews.
    pub fn recurring(&self) -> Recurring {
        Recurring {
            interval: parse_interval(&self.recurring_interval),
            interval_count: u32::try_from(self.recurring_count).unwrap_or(1),
        }
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.cur.clone()
    }

    /// Whether it is charged automatically (else invoices are sent to be paid).
    pub fn charges_automatically(&self) -> bool {
        self.payment_mode == "charge_automatically"
    }
}

/// The columns of a subscription item as stored.
#[derive(sqlx::FromRow)]
struct RawItem {
    id: String,
    subscription_id: String,
    position: i64,
    price_id: String,
    product_id: String,
    description: String,
    quantity: i64,
    unit_amount: String,
    discount: String,
    tax_behavior: String,
    tax_category: String,
    recurring: bool,
    addon: bool,
}

/// A subscription item row; its amounts are parsed once when read (a damaged
/// amount is a decode error).
#[derive(Debug, Clone)]
pub struct ItemRow {
    pub id: String,
    pub subscription_id: String,
    pub position: i64,
    pub price_id: String,
    pub product_id: String,
    pub description: String,
    pub quantity: i64,
    pub unit_amount: String,
    pub discount: String,
    pub tax_behavior: String,
    pub tax_category: String,
    pub recurring: bool,
    pub addon: bool,
    unit: Decimal,
    unit_discount: Decimal,
}

impl TryFrom<RawItem> for ItemRow {
    type Error = sqlx::Error;

    fn try_from(r: RawItem) -> Result<Self, Self::Error> {
        let what = |column: &str| format!("subscription item {}: {column}", r.id);
        let unit = parse_decimal(&what("unit_amount"), &r.unit_amount)?;
        let unit_discount = parse_decimal(&what("discount"), &r.discount)?;
        Ok(Self {
            id: r.id,
            subscription_id: r.subscription_id,
            position: r.position,
            price_id: r.price_id,
            product_id: r.product_id,
            description: r.description,
            quantity: r.quantity,
            unit_amount: r.unit_amount,
            discount: r.discount,
            tax_behavior: r.tax_behavior,
            tax_category: r.tax_category,
            recurring: r.recurring,
            addon: r.addon,
            unit,
            unit_discount,
        })
    }
}

from_raw_row!(ItemRow, RawItem);

impl ItemRow {
    /// The list price per unit.
    pub fn unit_amount(&self) -> Decimal {
        self.unit
    }

    /// The discount per unit.
    pub fn discount(&self) -> Decimal {
        self.unit_discount
    }
}

/// A subscription line to store, as it is written now or kept in
/// `pending_items` (JSON) until a scheduled change applies.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NewItem {
    pub price_id: String,
    pub product_id: String,
    pub description: String,
    pub quantity: i64,
    pub unit_amount: String,
    pub discount: String,
    pub tax_behavior: String,
    pub tax_category: String,
    pub recurring: bool,
    pub addon: bool,
}

/// A subscription to insert (with MRR 0 and health `good`).
#[derive(Debug, Clone)]
pub struct NewSubscription<'a> {
    pub id: &'a str,
    pub customer_id: &'a str,
    pub plan_id: &'a str,
    pub status: &'a str,
    pub currency: &'a Currency,
    pub recurring: Recurring,
    pub start_date: NaiveDate,
    pub current_period: (NaiveDate, NaiveDate),
    pub next_invoice_date: NaiveDate,
    pub trial_end: Option<NaiveDate>,
    pub payment_mode: PaymentMode,
    pub invoice_due_days: u32,
    pub payment_method_id: Option<&'a str>,
    pub salesperson_id: Option<&'a str>,
    pub base_mrr_minor: i64,
    pub created: &'a str,
}

/// The stored name of an interval.
pub fn interval_name(interval: Interval) -> &'static str {
    match interval {
        Interval::Day => "day",
        Interval::Week => "week",
        Interval::Month => "month",
        Interval::Year => "year",
    }
}

/// The stored name of a payment mode.
pub fn payment_mode_name(mode: PaymentMode) -> &'static str {
    match mode {
        PaymentMode::ChargeAutomatically => "charge_automatically",
        PaymentMode::SendInvoice => "send_invoice",
    }
}

/// The stored name of a tax behaviour.
pub fn tax_behavior_name(b: TaxBehavior) -> &'static str {
    match b {
        TaxBehavior::Exclusive => "exclusive",
        TaxBehavior::Inclusive => "inclusive",
    }
}

/// One subscription row in scope.
pub async fn get(db: &Db, scope: &Scope, id: &str) -> Result<Option<SubscriptionRow>, sqlx::Error> {
    db.fetch_optional(
        "SELECT * FROM subscriptions WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
        &args![id, &scope.merchant_id, scope.livemode],
    )
    .await
}

/// Re-reads a subscription row inside the transaction.
pub async fn get_tx(tx: &mut Tx, id: &str) -> Result<Option<SubscriptionRow>, sqlx::Error> {
    tx.fetch_optional("SELECT * FROM subscriptions WHERE id = $1", &args![id])
        .await
}

/// Reads a subscription row and, on PostgreSQL, locks it until the transaction
/// ends, so that a payment recovering it or a second worker closing it is seen.
pub async fn lock(tx: &mut Tx, id: &str) -> Result<Option<SubscriptionRow>, sqlx::Error> {
    tx.fetch_optional_locked(
        "SELECT * FROM subscriptions WHERE id = $1",
        Lock::Update,
        &args![id],
    )
    .await
}

/// The items of a subscription, in order.
pub async fn items(db: &Db, subscription_id: &str) -> Result<Vec<ItemRow>, sqlx::Error> {
    db.fetch_all(
        "SELECT * FROM subscription_items WHERE subscription_id = $1 ORDER BY position",
        &args![subscription_id],
    )
    .await
}

/// The items of a subscription, in order, inside a transaction.
pub async fn items_tx(tx: &mut Tx, subscription_id: &str) -> Result<Vec<ItemRow>, sqlx::Error> {
    tx.fetch_all(
        "SELECT * FROM subscription_items WHERE subscription_id = $1 ORDER BY position",
        &args![subscription_id],
    )
    .await
}

/// Filters of the subscription list.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionFilter {
    pub status: Option<String>,
    pub customer: Option<String>,
    pub plan: Option<String>,
}

/// A page of subscription rows in scope, newest first (one more than the page
/// holds, to learn whether more follow).
pub async fn list(
    db: &Db,
    scope: &Scope,
    f: &SubscriptionFilter,
    page: &super::Page,
) -> Result<Vec<SubscriptionRow>, sqlx::Error> {
    db.fetch_all(
        "SELECT * FROM subscriptions WHERE merchant_id = $1 AND livemode = $2 AND id < $3 \
         AND ($4 = '' OR status = $4) AND ($5 = '' OR customer_id = $5) \
         AND ($6 = '' OR plan_id = $6) ORDER BY id DESC LIMIT $7",
        &args![
            &scope.merchant_id,
            scope.livemode,
            page.cursor(),
            f.status.clone().unwrap_or_default(),
            f.customer.clone().unwrap_or_default(),
            f.plan.clone().unwrap_or_default(),
            page.fetch()
        ],
    )
    .await
}

/// How many subscriptions the scope has, in any status.
pub async fn count(db: &Db, scope: &Scope) -> Result<i64, sqlx::Error> {
    let n: Option<(i64,)> = db
        .fetch_optional(
            "SELECT COUNT(*) FROM subscriptions WHERE merchant_id = $1 AND livemode = $2",
            &args![&scope.merchant_id, scope.livemode],
        )
        .await?;
    Ok(n.map_or(0, |(n,)| n))
}

/// How many subscriptions are due for renewal on `day`, everywhere.
pub async fn due_count(db: &Db, day: NaiveDate) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = db
        .fetch_optional(
            "SELECT COUNT(*) FROM subscriptions WHERE next_invoice_date <= $1 \
             AND status IN ('active', 'past_due')",
            &args![day.to_string()],
        )
        .await?
        .unwrap_or((0,));
    Ok(n)
}

/// Up to `limit` subscriptions due for renewal on `day`, oldest due first. On
/// PostgreSQL they stay locked until the transaction ends and rows another
/// worker holds are skipped, so two workers never renew the same subscription.
pub async fn lock_due(
    tx: &mut Tx,
    filter: Filter<'_>,
    day: NaiveDate,
    limit: i64,
) -> Result<Vec<SubscriptionRow>, sqlx::Error> {
    let (merchant, scoped, livemode) = filter.parts();
    tx.fetch_all_locked(
        "SELECT * FROM subscriptions WHERE next_invoice_date <= $1 \
         AND status IN ('active', 'past_due') AND ($2 = 0 OR ($2 = 1 AND merchant_id = $3 AND livemode = $4) \
         OR ($2 = 2 AND (livemode OR merchant_id NOT IN (SELECT merchant_id FROM test_clocks)))) \
         ORDER BY next_invoice_date, id LIMIT $5",
        Lock::SkipLocked,
        &args![day.to_string(), scoped, &merchant, livemode, limit],
    )
    .await
}

/// The past-due subscriptions the filter covers, by id.
pub async fn past_due(db: &Db, filter: Filter<'_>) -> Result<Vec<SubscriptionRow>, sqlx::Error> {
    let (merchant, scoped, livemode) = filter.parts();
    db.fetch_all(
        "SELECT * FROM subscriptions WHERE status = 'past_due' AND past_due_since IS NOT NULL \
         AND ($1 = 0 OR ($1 = 1 AND merchant_id = $2 AND livemode = $3) \
         OR ($1 = 2 AND (livemode OR merchant_id NOT IN (SELECT merchant_id FROM test_clocks)))) ORDER BY id",
        &args![scoped, &merchant, livemode],
    )
    .await
}

/// Inserts a subscription.
pub async fn insert(
    tx: &mut Tx,
    scope: &Scope,
    s: &NewSubscription<'_>,
) -> Result<(), sqlx::Error> {
    tx.execute(
        "INSERT INTO subscriptions (id, merchant_id, livemode, customer_id, plan_id, status, \
         currency, recurring_interval, recurring_count, start_date, current_period_start, \
         current_period_end, next_invoice_date, trial_end, payment_mode, invoice_due_days, \
         payment_method_id, salesperson_id, mrr_minor, base_mrr_minor, health, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, 0, $19, 'good', $20)",
        &args![
            s.id,
            &scope.merchant_id,
            scope.livemode,
            s.customer_id,
            s.plan_id,
            s.status,
            s.currency.code(),
            interval_name(s.recurring.interval),
            s.recurring.interval_count,
            s.start_date.to_string(),
            s.current_period.0.to_string(),
            s.current_period.1.to_string(),
            s.next_invoice_date.to_string(),
            s.trial_end.map(|d| d.to_string()),
            payment_mode_name(s.payment_mode),
            s.invoice_due_days,
            s.payment_method_id,
            s.salesperson_id,
            s.base_mrr_minor,
            s.created
        ],
    )
    .await?;
    Ok(())
}

/// Appends `items` to a subscription's items, numbered from 0.
pub async fn insert_items(
    tx: &mut Tx,
    subscription_id: &str,
    items: &[NewItem],
) -> Result<(), sqlx::Error> {
    for (position, i) in items.iter().enumerate() {
        tx.execute(
            "INSERT INTO subscription_items (id, subscription_id, position, price_id, product_id, \
             description, quantity, unit_amount, discount, tax_behavior, tax_category, recurring, addon) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            &args![
                new_id(Kind::SubscriptionItem),
                subscription_id,
                position as i64,
                &i.price_id,
                &i.product_id,
                &i.description,
                i.quantity,
                &i.unit_amount,
                &i.discount,
                &i.tax_behavior,
                &i.tax_category,
                i.recurring,
                i.addon
            ],
        )
        .await?;
    }
    Ok(())
}

/// Replaces a subscription's items.
pub async fn replace_items(
    tx: &mut Tx,
    subscription_id: &str,
    items: &[NewItem],
) -> Result<(), sqlx::Error> {
    tx.execute(
        "DELETE FROM subscription_items WHERE subscription_id = $1",
        &args![subscription_id],
    )
    .await?;
    insert_items(tx, subscription_id, items).await
}

/// Switches to another plan and base MRR now, dropping any scheduled change.
pub async fn set_plan(
    tx: &mut Tx,
    id: &str,
    plan_id: &str,
    base_mrr_minor: i64,
) -> Result<(), sqlx::Error> {
    tx.execute(
        "UPDATE subscriptions SET plan_id = $2, base_mrr_minor = $3, pending_items = NULL WHERE id = $1",
        &args![id, plan_id, base_mrr_minor],
    )
    .await?;
    Ok(())
}

/// How many plan changes were applied to a subscription: read before the
/// subscription itself, a change worked out from the row claims this version.
pub async fn version(db: &Db, scope: &Scope, id: &str) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = db
        .fetch_optional(
            "SELECT version FROM subscriptions WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
            &args![id, &scope.merchant_id, scope.livemode],
        )
        .await?;
    Ok(row.map(|(v,)| v))
}

/// Claims a subscription for a plan change (committed before anything is
/// charged): only while it is still at `version` and no other change holds it
/// (a holder that started before `stale_before`, RFC 3339, is taken over; the
/// same `key`, a retry of the same request, takes its own claim again).
/// `false` when another change won.
pub async fn claim_change(
    db: &Db,
    scope: &Scope,
    id: &str,
    version: i64,
    key: &str,
    stale_before: &str,
) -> Result<bool, sqlx::Error> {
    let claimed = db
        .execute(
            "UPDATE subscriptions SET change_key = $5, change_started = $6 \
             WHERE id = $1 AND merchant_id = $2 AND livemode = $3 AND version = $4 \
             AND (change_key IS NULL OR change_key = $5 OR change_started < $7)",
            &args![
                id,
                &scope.merchant_id,
                scope.livemode,
                version,
                key,
                super::now(),
                stale_before
            ],
        )
        .await?;
    Ok(claimed == 1)
}

/// Ends the claim of a plan change that is applied, in its transaction: the
/// version moves on, so a change worked out before it is refused. `false` when
/// the claim is no longer held by `key`.
pub async fn finish_change(tx: &mut Tx, id: &str, key: &str) -> Result<bool, sqlx::Error> {
    let done = tx
        .execute(
            "UPDATE subscriptions SET version = version + 1, change_key = NULL, \
             change_started = NULL WHERE id = $1 AND change_key = $2",
            &args![id, key],
        )
        .await?;
    Ok(done == 1)
}

/// Gives up the claim of a plan change that changed nothing (a declined card).
pub async fn release_change(db: &Db, id: &str, key: &str) -> Result<(), sqlx::Error> {
    db.execute(
        "UPDATE subscriptions SET change_key = NULL, change_started = NULL \
         WHERE id = $1 AND change_key = $2",
        &args![id, key],
    )
    .await?;
    Ok(())
}

/// Keeps a change (as JSON) for the next renewal.
pub async fn schedule_change(tx: &mut Tx, id: &str, pending: &str) -> Result<(), sqlx::Error> {
    tx.execute(
        "UPDATE subscriptions SET pending_items = $2 WHERE id = $1",
        &args![id, pending],
    )
    .await?;
    Ok(())
}

/// Moves a subscription to its next period.
pub async fn advance_period(
    tx: &mut Tx,
    id: &str,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<(), sqlx::Error> {
    tx.execute(
        "UPDATE subscriptions SET current_period_start = $2, current_period_end = $3, \
         next_invoice_date = $3 WHERE id = $1",
        &args![id, start.to_string(), end.to_string()],
    )
    .await?;
    Ok(())
}

/// Sets a subscription's MRR.
pub async fn set_mrr(tx: &mut Tx, id: &str, mrr_minor: i64) -> Result<(), sqlx::Error> {
    tx.execute(
        "UPDATE subscriptions SET mrr_minor = $2 WHERE id = $1",
        &args![id, mrr_minor],
    )
    .await?;
    Ok(())
}

/// The MRR of every subscription of a customer in one currency, summed.
pub async fn customer_mrr(
    tx: &mut Tx,
    customer_id: &str,
    currency: &str,
) -> Result<i64, sqlx::Error> {
    let (sum,): (i64,) = tx
        .fetch_optional(
            "SELECT CAST(COALESCE(SUM(mrr_minor), 0) AS BIGINT) FROM subscriptions WHERE customer_id = $1 \
             AND currency = $2",
            &args![customer_id, currency],
        )
        .await?
        .unwrap_or((0,));
    Ok(sum)
}

/// Makes a status change (`draft` → `active` once the first payment is
/// confirmed); `false` when the subscription was not `change.from` any more.
pub async fn set_status(tx: &mut Tx, id: &str, change: Change) -> Result<bool, sqlx::Error> {
    let changed = tx
        .execute(
            "UPDATE subscriptions SET status = $3 WHERE id = $1 AND status = $2",
            &args![id, change.from.as_str(), change.to.as_str()],
        )
        .await?;
    Ok(changed == 1)
}

/// Back to active once its invoice is paid (`past_due` → `active`), dunning
/// over; `false` when it was not `change.from` any more.
pub async fn recover(tx: &mut Tx, id: &str, change: Change) -> Result<bool, sqlx::Error> {
    let changed = tx
        .execute(
            "UPDATE subscriptions SET status = $3, past_due_since = NULL WHERE id = $1 AND status = $2",
            &args![id, change.from.as_str(), change.to.as_str()],
        )
        .await?;
    Ok(changed == 1)
}

/// Past due after a failed payment (`active` → `past_due`), dunning counted from
/// the first failure on `since`; `false` when it was not `change.from`.
pub async fn mark_past_due(
    tx: &mut Tx,
    id: &str,
    change: Change,
    since: NaiveDate,
) -> Result<bool, sqlx::Error> {
    let changed = tx
        .execute(
            "UPDATE subscriptions SET status = $3, past_due_since = COALESCE(past_due_since, $4) \
             WHERE id = $1 AND status = $2",
            &args![
                id,
                change.from.as_str(),
                change.to.as_str(),
                since.to_string()
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// Closes a subscription on `date`; `false` when it was closed already.
pub async fn close(
    tx: &mut Tx,
    id: &str,
    date: NaiveDate,
    reason: &str,
    comment: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let changed = tx
        .execute(
            "UPDATE subscriptions SET status = 'closed', closed_at = $2, close_reason = $3, \
             close_comment = COALESCE($4, close_comment), next_invoice_date = NULL, cancel_at = NULL \
             WHERE id = $1 AND status <> 'closed'",
            &args![id, date.to_string(), reason, comment],
        )
        .await?;
    Ok(changed == 1)
}

/// Schedules a close on `cancel_at` with its reason; `false` when it was closed
/// meanwhile.
pub async fn schedule_cancel(
    tx: &mut Tx,
    id: &str,
    cancel_at: &str,
    reason: &str,
    comment: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let changed = tx
        .execute(
            "UPDATE subscriptions SET cancel_at = $2, close_reason = $3, close_comment = $4 \
             WHERE id = $1 AND status <> 'closed'",
            &args![id, cancel_at, reason, comment],
        )
        .await?;
    Ok(changed == 1)
}

/// Withdraws a scheduled close; `false` when none was scheduled or it was closed
/// meanwhile.
pub async fn unschedule_cancel(tx: &mut Tx, id: &str) -> Result<bool, sqlx::Error> {
    let changed = tx
        .execute(
            "UPDATE subscriptions SET cancel_at = NULL, close_reason = NULL, close_comment = NULL \
             WHERE id = $1 AND status <> 'closed' AND cancel_at IS NOT NULL",
            &args![id],
        )
        .await?;
    Ok(changed == 1)
}

/// Pauses on `date` (`active` → `paused`); `false` when it was not
/// `change.from` any more.
pub async fn pause(
    tx: &mut Tx,
    id: &str,
    change: Change,
    date: NaiveDate,
) -> Result<bool, sqlx::Error> {
    let changed = tx
        .execute(
            "UPDATE subscriptions SET status = $3, paused_at = $4 WHERE id = $1 AND status = $2",
            &args![
                id,
                change.from.as_str(),
                change.to.as_str(),
                date.to_string()
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// Resumes (`paused` → `active`); with `restart`, billing starts over on that
/// day with a new anchor. `false` when it was not `change.from` any more.
pub async fn resume(
    tx: &mut Tx,
    id: &str,
    change: Change,
    restart: Option<NaiveDate>,
) -> Result<bool, sqlx::Error> {
    let (from, to) = (change.from.as_str(), change.to.as_str());
    let changed = match restart {
        Some(day) => {
            tx.execute(
                "UPDATE subscriptions SET status = $3, paused_at = NULL, start_date = $4, \
                 next_invoice_date = $4 WHERE id = $1 AND status = $2",
                &args![id, from, to, day.to_string()],
            )
            .await?
        }
        None => {
            tx.execute(
                "UPDATE subscriptions SET status = $3, paused_at = NULL WHERE id = $1 AND status = $2",
                &args![id, from, to],
            )
            .await?
        }
    };
    Ok(changed == 1)
}

/// Makes `payment_method_id` the payment method of the customer's running
/// subscriptions that are charged automatically.
pub async fn set_payment_method_for_customer(
    db: &Db,
    customer_id: &str,
    payment_method_id: &str,
) -> Result<(), sqlx::Error> {
    db.execute(
        "UPDATE subscriptions SET payment_method_id = $2 WHERE customer_id = $1 AND status IN ('active', 'past_due') \
         AND payment_mode = 'charge_automatically'",
        &args![customer_id, payment_method_id],
    )
    .await?;
    Ok(())
}

/// The name of a plan, for messages about its subscriptions ("" when it is gone).
pub async fn plan_name(tx: &mut Tx, plan_id: &str) -> Result<String, sqlx::Error> {
    let plan: Option<(String,)> = tx
        .fetch_optional("SELECT name FROM plans WHERE id = $1", &args![plan_id])
        .await?;
    Ok(plan.map_or_else(String::new, |(n,)| n))
}

/// One subscription row in scope, read inside the transaction (on SQLite the
/// transaction already holds the write lock, so the row is current).
pub async fn get_in_scope_tx(
    tx: &mut Tx,
    scope: &Scope,
    id: &str,
) -> Result<Option<SubscriptionRow>, sqlx::Error> {
    tx.fetch_optional(
        "SELECT * FROM subscriptions WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
        &args![id, &scope.merchant_id, scope.livemode],
    )
    .await
}
