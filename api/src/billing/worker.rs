//! The renewal and dunning worker.
//!
//! One billing day does, in order: renewals (a period's invoice, issued on its
//! start date; scheduled closes and trial ends), payment attempts (first charge
//! and retries per the plan's dunning schedule) and dunning closes. Every step is
//! idempotent: an invoice is unique per subscription and period, a charge per
//! invoice and attempt, and each state change is conditional on the state it
//! expects. Two workers at once, a worker killed mid-run, or a day run twice never
//! invoice or charge a period twice.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use renewly_types::{Dunning, Merchant, TaxBehavior};

use super::engine::{bill_to, close_in_tx};
use super::post::{self, NewInvoice};
use super::pricing::TaxContext;
use crate::args;
use crate::db::{Db, Tx};
use crate::domain::invoice::{LineInput, totals};
use crate::domain::recurrence::period_containing;
use crate::ids::{Kind, new_id};
use crate::payments::{ChargeOutcome, ChargeStatus, PaymentProvider, Provider};
use crate::store::billing::{InvoiceRow, ItemRow, SubscriptionRow, items_tx};
use crate::store::{Scope, customers, merchants, plans};

/// Subscriptions renewed in one transaction.
const BATCH: i64 = 200;

/// What a billing run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub invoices_created: u64,
    pub charges_succeeded: u64,
    pub charges_failed: u64,
    pub subscriptions_closed: u64,
}

impl Summary {
    fn add(&mut self, other: &Self) {
        self.invoices_created += other.invoices_created;
        self.charges_succeeded += other.charges_succeeded;
        self.charges_failed += other.charges_failed;
        self.subscriptions_closed += other.subscriptions_closed;
    }
}

/// Which data a run covers.
#[derive(Debug, Clone, Copy)]
pub enum Filter<'a> {
    /// One merchant's mode (the test clock).
    Scope(&'a Scope),
    /// Everything.
    All,
    /// What runs on the calendar: live data, and test data of merchants that do
    /// not drive their test mode with a test clock.
    RealTime,
}

impl Filter<'_> {
    fn parts(&self) -> (String, i64, bool) {
        match self {
            Self::Scope(s) => (s.merchant_id.clone(), 1, s.livemode),
            Self::All => (String::new(), 0, false),
            Self::RealTime => (String::new(), 2, false),
        }
    }
}

/// Runs billing day `day` for the filter.
pub async fn run_day(
    db: &Db,
    provider: &Provider,
    filter: Filter<'_>,
    day: NaiveDate,
) -> Result<Summary, sqlx::Error> {
    run_day_with_progress(db, provider, filter, day, &mut |_| {}).await
}

/// [`run_day`], reporting the running totals after every batch.
pub async fn run_day_with_progress(
    db: &Db,
    provider: &Provider,
    filter: Filter<'_>,
    day: NaiveDate,
    progress: &mut (dyn FnMut(&Summary) + Send),
) -> Result<Summary, sqlx::Error> {
    let mut summary = Summary::default();
    let mut cache = Cache::default();
    loop {
        let batch = renew_batch(db, filter, day, &mut cache).await?;
        summary.add(&batch.0);
        progress(&summary);
        if !batch.1 {
            break;
        }
    }
    summary.add(&attempt_payments(db, provider, filter, day, &mut cache).await?);
    progress(&summary);
    summary.add(&dunning_closes(db, filter, day, &mut cache).await?);
    progress(&summary);
    Ok(summary)
}

/// How many subscriptions are due for renewal on `day` (for progress bars).
pub async fn due_count(db: &Db, day: NaiveDate) -> Result<u64, sqlx::Error> {
    let (n,): (i64,) = db
        .fetch_optional(
            "SELECT COUNT(*) FROM subscriptions WHERE next_invoice_date <= $1 \
             AND status IN ('active', 'past_due')",
            &args![day.to_string()],
        )
        .await?
        .unwrap_or((0,));
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Runs every day from `from` through `to` in order.
pub async fn run_days(
    db: &Db,
    provider: &Provider,
    filter: Filter<'_>,
    from: NaiveDate,
    to: NaiveDate,
    mut progress: impl FnMut(NaiveDate, &Summary),
) -> Result<Summary, sqlx::Error> {
    let mut summary = Summary::default();
    let mut day = from;
    while day <= to {
        let s = run_day(db, provider, filter, day).await?;
        summary.add(&s);
        progress(day, &summary);
        day = day.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX);
    }
    Ok(summary)
}

#[derive(Default)]
struct Cache {
    merchants: HashMap<(String, bool), Merchant>,
    dunning: HashMap<String, Dunning>,
    /// Tax per merchant, mode, country and category for this run.
    taxes: HashMap<(String, bool, String, String), crate::domain::invoice::TaxChoice>,
}

impl Cache {
    async fn tax(
        &mut self,
        db: &Db,
        scope: &Scope,
        ctx: &mut TaxContext,
        category: &str,
    ) -> Result<crate::domain::invoice::TaxChoice, sqlx::Error> {
        if ctx.reverse_charge {
            return ctx.choice(db, scope, category).await;
        }
        let key = (
            scope.merchant_id.clone(),
            scope.livemode,
            ctx.country.clone(),
            category.to_owned(),
        );
        if let Some(c) = self.taxes.get(&key) {
            return Ok(c.clone());
        }
        let c = ctx.choice(db, scope, category).await?;
        self.taxes.insert(key, c.clone());
        Ok(c)
    }

    async fn merchant(&mut self, db: &Db, scope: &Scope) -> Result<Option<Merchant>, sqlx::Error> {
        let key = (scope.merchant_id.clone(), scope.livemode);
        if let Some(m) = self.merchants.get(&key) {
            return Ok(Some(m.clone()));
        }
        let m = merchants::get_merchant(db, scope).await?;
        if let Some(m) = &m {
            self.merchants.insert(key, m.clone());
        }
        Ok(m)
    }

    async fn dunning(
        &mut self,
        db: &Db,
        scope: &Scope,
        plan_id: &str,
    ) -> Result<Dunning, sqlx::Error> {
        if let Some(d) = self.dunning.get(plan_id) {
            return Ok(d.clone());
        }
        let d = plans::get_plan(db, scope, plan_id)
            .await?
            .map(|p| p.dunning)
            .unwrap_or_default();
        self.dunning.insert(plan_id.to_owned(), d.clone());
        Ok(d)
    }
}

/// Renews up to [`BATCH`] due subscriptions in one transaction; the flag tells
/// whether more may be due.
async fn renew_batch(
    db: &Db,
    filter: Filter<'_>,
    day: NaiveDate,
    cache: &mut Cache,
) -> Result<(Summary, bool), sqlx::Error> {
    let (merchant, scoped, livemode) = filter.parts();
    let mut tx = Tx::begin(db).await?;
    let due_sql_pg = "SELECT * FROM subscriptions WHERE next_invoice_date <= $1 \
         AND status IN ('active', 'past_due') AND ($2 = 0 OR ($2 = 1 AND merchant_id = $3 AND livemode = $4) \
         OR ($2 = 2 AND (livemode OR merchant_id NOT IN (SELECT merchant_id FROM test_clocks)))) \
         ORDER BY next_invoice_date, id LIMIT $5 FOR UPDATE SKIP LOCKED";
    let due_sql_sqlite = "SELECT * FROM subscriptions WHERE next_invoice_date <= $1 \
         AND status IN ('active', 'past_due') AND ($2 = 0 OR ($2 = 1 AND merchant_id = $3 AND livemode = $4) \
         OR ($2 = 2 AND (livemode OR merchant_id NOT IN (SELECT merchant_id FROM test_clocks)))) \
         ORDER BY next_invoice_date, id LIMIT $5";
    let sql = if tx.is_postgres() {
        due_sql_pg
    } else {
        due_sql_sqlite
    };
    let due: Vec<SubscriptionRow> = tx
        .fetch_all(
            sql,
            &args![day.to_string(), scoped, &merchant, livemode, BATCH],
        )
        .await?;
    let mut summary = Summary::default();
    for sub in &due {
        renew(&mut tx, db, sub, day, cache, &mut summary).await?;
    }
    tx.commit().await?;
    Ok((summary, due.len() as i64 == BATCH))
}

/// Brings one subscription up to `day`: every period that started by then gets its
/// invoice; a scheduled close on a period boundary closes it instead.
async fn renew(
    tx: &mut Tx,
    db: &Db,
    sub: &SubscriptionRow,
    day: NaiveDate,
    cache: &mut Cache,
    summary: &mut Summary,
) -> Result<(), sqlx::Error> {
    let scope = sub.scope();
    let Some(merchant) = cache.merchant(db, &scope).await? else {
        return Ok(());
    };
    let Some(customer) = customers::get_customer(db, &scope, &sub.customer_id).await? else {
        return Ok(());
    };
    let mut items = items_tx(tx, &sub.id).await?;
    let cur = sub.currency();
    let every = sub.recurring();
    let Ok(anchor) = sub.start_date.parse::<NaiveDate>() else {
        return Ok(());
    };
    let mut row = sub.clone();
    while let Some(next) = row
        .next_invoice_date
        .as_deref()
        .and_then(|d| d.parse::<NaiveDate>().ok())
    {
        if next > day {
            break;
        }
        let cancel = row
            .cancel_at
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok());
        if cancel.is_some_and(|c| c <= next) {
            let reason = row
                .close_reason
                .clone()
                .unwrap_or_else(|| "cancelled".to_owned());
            if close_in_tx(tx, &row, cancel.unwrap_or(next), &reason, None).await? {
                summary.subscriptions_closed += 1;
            }
            break;
        }
        let Some((_, start, end)) = period_containing(anchor, every, next) else {
            break;
        };
        let start = start.max(next);
        if row.pending_items.is_some() {
            // A scheduled downgrade takes effect with this period.
            super::change::apply_pending(tx, &row, start).await?;
            items = items_tx(tx, &row.id).await?;
            if let Some(fresh) = post::reload(tx, &row.id).await? {
                row = fresh;
            }
        }
        let mut tax = TaxContext::new(&merchant, &customer);
        let mut inputs = Vec::new();
        for item in items.iter().filter(|i| i.recurring) {
            inputs.push(item_line(
                item,
                (start, end),
                cache.tax(db, &scope, &mut tax, &item.tax_category).await?,
            ));
        }
        let worked = totals(&inputs, &cur);
        let charge_auto = row.payment_mode == "charge_automatically";
        let due = if charge_auto {
            start
        } else {
            start
                .checked_add_days(Days::new(u64::try_from(row.invoice_due_days).unwrap_or(0)))
                .unwrap_or(start)
        };
        let billed = bill_to(&customer);
        let new = NewInvoice {
            id: new_id(Kind::Invoice),
            customer_id: &row.customer_id,
            subscription_id: Some(&row.id),
            billing_reason: "subscription_cycle",
            renewal_key: Some(format!("{}:{start}", row.id)),
            currency: &cur,
            issue_date: start,
            due_date: due,
            period: Some((start, end)),
            bill_to: &billed,
            totals: &worked,
            reverse_charge: tax.reverse_charge,
            tax_note: tax.note(),
            payment_mode: &row.payment_mode,
            payment_method_id: row.payment_method_id.as_deref(),
            next_attempt: (charge_auto && worked.total > rust_decimal::Decimal::ZERO)
                .then_some(start),
        };
        if let Some(inv) = post::post_invoice(tx, &scope, &merchant.invoice_prefix, &new).await? {
            summary.invoices_created += 1;
            if worked.total.is_zero() {
                post::record_payment(tx, &inv, start, None).await?;
            } else if !charge_auto {
                // send_invoice: the invoice goes out with a link to pay it.
                super::notify::invoice(tx, &inv, false).await?;
            }
            if !charge_auto && row.mrr_minor == 0 && row.base_mrr_minor > 0 {
                // A trial ends with its first invoice in send_invoice mode.
                post::set_mrr(tx, &row, row.base_mrr_minor, start, None).await?;
            }
        }
        tx.execute(
            "UPDATE subscriptions SET current_period_start = $2, current_period_end = $3, \
             next_invoice_date = $3 WHERE id = $1",
            &args![&row.id, start.to_string(), end.to_string()],
        )
        .await?;
        match post::reload(tx, &row.id).await? {
            Some(fresh) => row = fresh,
            None => break,
        }
    }
    Ok(())
}

/// A recurring subscription item as an invoice line of `period`.
fn item_line(
    item: &ItemRow,
    period: (NaiveDate, NaiveDate),
    tax: crate::domain::invoice::TaxChoice,
) -> LineInput {
    LineInput {
        kind: "recurring",
        description: item.description.clone(),
        price: Some(item.price_id.clone()),
        period: Some(period),
        quantity: u32::try_from(item.quantity).unwrap_or(0),
        unit_amount: item.unit_amount(),
        unit_discount: item.discount(),
        tax_behavior: if item.tax_behavior == "inclusive" {
            TaxBehavior::Inclusive
        } else {
            TaxBehavior::Exclusive
        },
        tax,
    }
}

/// An open invoice due for a payment attempt, with what charging it needs.
#[derive(sqlx::FromRow)]
struct DueInvoice {
    #[sqlx(flatten)]
    inv: InvoiceRow,
    sub_status: Option<String>,
    sub_plan: Option<String>,
    pm_id: Option<String>,
    pm_token: Option<String>,
    pm_provider: Option<String>,
}

/// Charges every open invoice whose attempt is due, a page at a time: the provider
/// is asked first (with the invoice id, plus the attempt number for retries, as
/// idempotency key), then the page's charges and their outcomes are recorded in
/// one transaction.
async fn attempt_payments(
    db: &Db,
    provider: &Provider,
    filter: Filter<'_>,
    day: NaiveDate,
    cache: &mut Cache,
) -> Result<Summary, sqlx::Error> {
    let (merchant, scoped, livemode) = filter.parts();
    let mut summary = Summary::default();
    // Which invoices are due, once (an index lookup); then each page by its id
    // range, a primary-key range scan.
    let due_ids: Vec<(String,)> = db
        .fetch_all(
            "SELECT id FROM invoices WHERE status = 'open' AND payment_mode = 'charge_automatically' \
             AND next_attempt_date <= $1 AND NOT hard_declined \
             AND ($2 = 0 OR ($2 = 1 AND merchant_id = $3 AND livemode = $4) \
             OR ($2 = 2 AND (livemode OR merchant_id NOT IN (SELECT merchant_id FROM test_clocks)))) \
             ORDER BY id",
            &args![day.to_string(), scoped, &merchant, livemode],
        )
        .await?;
    for chunk in due_ids.chunks(usize::try_from(BATCH).unwrap_or(200)) {
        let (Some((first,)), Some((last,))) = (chunk.first(), chunk.last()) else {
            continue;
        };
        let due: Vec<DueInvoice> = db
            .fetch_all(
                "SELECT i.*, s.status AS sub_status, s.plan_id AS sub_plan, p.id AS pm_id, \
                 p.provider_token AS pm_token, p.provider AS pm_provider FROM invoices i \
                 LEFT JOIN subscriptions s ON s.id = i.subscription_id \
                 JOIN customers c ON c.id = i.customer_id \
                 LEFT JOIN payment_methods p ON p.id = COALESCE(s.payment_method_id, i.payment_method_id, \
                 c.default_payment_method) AND NOT p.detached \
                 WHERE i.id >= $2 AND i.id <= $3 AND i.status = 'open' \
                 AND i.payment_mode = 'charge_automatically' AND i.next_attempt_date <= $1 \
                 AND NOT i.hard_declined ORDER BY i.id",
                &args![day.to_string(), first, last],
            )
            .await?;
        let wanted: std::collections::HashSet<&str> =
            chunk.iter().map(|(id,)| id.as_str()).collect();
        let due: Vec<DueInvoice> = due
            .into_iter()
            .filter(|d| wanted.contains(d.inv.id.as_str()))
            .collect();
        attempt_page(db, provider, &due, day, cache, &mut summary).await?;
    }
    Ok(summary)
}

/// One payment attempt of one open invoice, now.
pub async fn attempt_invoice(
    db: &Db,
    provider: &Provider,
    invoice_id: &str,
    day: NaiveDate,
) -> Result<Summary, sqlx::Error> {
    let due: Vec<DueInvoice> = db
        .fetch_all(
            "SELECT i.*, s.status AS sub_status, s.plan_id AS sub_plan, p.id AS pm_id, \
             p.provider_token AS pm_token, p.provider AS pm_provider FROM invoices i \
             LEFT JOIN subscriptions s ON s.id = i.subscription_id \
             JOIN customers c ON c.id = i.customer_id \
             LEFT JOIN payment_methods p ON p.id = COALESCE(s.payment_method_id, i.payment_method_id, \
             c.default_payment_method) AND NOT p.detached \
             WHERE i.id = $1 AND i.status = 'open' AND i.payment_mode = 'charge_automatically'",
            &args![invoice_id],
        )
        .await?;
    let mut summary = Summary::default();
    attempt_page(db, provider, &due, day, &mut Cache::default(), &mut summary).await?;
    Ok(summary)
}

/// The provider's answer for one invoice: status, failure code, and the charge
/// to record (payment method, outcome) when a charge was made.
type Answer = (
    ChargeStatus,
    Option<String>,
    Option<(String, ChargeOutcome)>,
);

async fn attempt_page(
    db: &Db,
    provider: &Provider,
    due: &[DueInvoice],
    day: NaiveDate,
    cache: &mut Cache,
    summary: &mut Summary,
) -> Result<(), sqlx::Error> {
    let mut answers: Vec<(&DueInvoice, String, Answer)> = Vec::with_capacity(due.len());
    for d in due {
        if matches!(d.sub_status.as_deref(), Some("closed" | "paused" | "draft")) {
            continue;
        }
        let inv = &d.inv;
        // The first attempt uses the invoice id as idempotency key, retries add their number.
        let key = if inv.attempt_count == 0 {
            inv.id.clone()
        } else {
            format!("{}:{}", inv.id, inv.attempt_count + 1)
        };
        let answer = match (&d.pm_id, &d.pm_token, &d.pm_provider) {
            (Some(pm), Some(token), Some(name)) if name == provider.name() => {
                match provider
                    .charge(token, inv.amount_due(), &inv.currency, &key)
                    .await
                {
                    Ok(o) => (o.status, o.failure_code.clone(), Some((pm.clone(), o))),
                    Err(e) => {
                        tracing::warn!(invoice = %inv.id, error = %e, "charge could not be made");
                        (
                            ChargeStatus::Failed,
                            Some("processing_error".to_owned()),
                            None,
                        )
                    }
                }
            }
            _ => (
                ChargeStatus::Failed,
                Some("no_payment_method".to_owned()),
                None,
            ),
        };
        answers.push((d, key, answer));
    }
    if answers.is_empty() {
        return Ok(());
    }
    let mut tx = Tx::begin(db).await?;
    for (d, key, (status, code, charge)) in answers {
        let inv = &d.inv;
        let scope = inv.scope();
        // Record the charge; when one is recorded under this key already (a worker
        // that ran before), its outcome stands.
        let (mut status, mut code, mut charge_id) = (status, code, None);
        if let Some((pm, outcome)) = charge {
            let id = new_id(Kind::Charge);
            let inserted = tx
                .execute(
                    "INSERT INTO charges (id, merchant_id, livemode, payment_method_id, amount, currency, \
                     idempotency_key, outcome, failure_code, provider_reference, created) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                     ON CONFLICT (merchant_id, livemode, idempotency_key) DO NOTHING",
                    &args![
                        &id,
                        &scope.merchant_id,
                        scope.livemode,
                        &pm,
                        inv.amount_due().normalize().to_string(),
                        &inv.currency,
                        &key,
                        outcome.status.as_str(),
                        outcome.failure_code.clone(),
                        &outcome.reference,
                        crate::store::now()
                    ],
                )
                .await?;
            if inserted == 1 {
                charge_id = Some(id);
            } else {
                let recorded: Option<(String, String, Option<String>)> = tx
                    .fetch_optional(
                        "SELECT id, outcome, failure_code FROM charges WHERE merchant_id = $1 \
                         AND livemode = $2 AND idempotency_key = $3",
                        &args![&scope.merchant_id, scope.livemode, &key],
                    )
                    .await?;
                if let Some((id, o, c)) = recorded {
                    status = ChargeStatus::parse(&o).unwrap_or(ChargeStatus::Failed);
                    code = c;
                    charge_id = Some(id);
                }
            }
        }
        settle(&mut tx, db, d, status, code, charge_id, day, cache, summary).await?;
    }
    tx.commit().await
}

/// Records the outcome of an attempt: paid (and the subscription back to active),
/// or failed with the next retry per the plan's dunning schedule.
#[allow(clippy::too_many_arguments)]
async fn settle(
    tx: &mut Tx,
    db: &Db,
    d: &DueInvoice,
    status: ChargeStatus,
    code: Option<String>,
    charge_id: Option<String>,
    day: NaiveDate,
    cache: &mut Cache,
    summary: &mut Summary,
) -> Result<(), sqlx::Error> {
    let inv = &d.inv;
    let scope = inv.scope();
    // Only the worker that still sees the attempt it charged may record it. On
    // PostgreSQL the row is locked, so a second worker waits and then no longer
    // matches (SQLite's BEGIN IMMEDIATE already serialises the transactions).
    let sql = if tx.is_postgres() {
        "SELECT * FROM invoices WHERE id = $1 AND status = 'open' AND attempt_count = $2 FOR UPDATE"
    } else {
        "SELECT * FROM invoices WHERE id = $1 AND status = 'open' AND attempt_count = $2"
    };
    let current: Option<InvoiceRow> = tx
        .fetch_optional(sql, &args![&inv.id, inv.attempt_count])
        .await?;
    let Some(current) = current else {
        return Ok(());
    };
    let attempts = current.attempt_count + 1;
    if status == ChargeStatus::Succeeded {
        tx.execute(
            "UPDATE invoices SET attempt_count = $2 WHERE id = $1",
            &args![&inv.id, attempts],
        )
        .await?;
        post::record_payment(tx, &current, day, charge_id.as_deref()).await?;
        super::notify::invoice(tx, &current, true).await?;
        summary.charges_succeeded += 1;
        if let Some(sub_id) = &inv.subscription_id {
            if let Some(fresh) = post::reload(tx, sub_id).await? {
                if fresh.status == "past_due" {
                    tx.execute(
                        "UPDATE subscriptions SET status = 'active', past_due_since = NULL WHERE id = $1 AND status = 'past_due'",
                        &args![&fresh.id],
                    )
                    .await?;
                    post::event(
                        tx,
                        &scope,
                        "subscription.recovered",
                        &fresh.id,
                        &serde_json::json!({}),
                    )
                    .await?;
                }
                if fresh.mrr_minor == 0 && fresh.base_mrr_minor > 0 && fresh.status != "paused" {
                    // The first paid period after a trial.
                    post::set_mrr(tx, &fresh, fresh.base_mrr_minor, day, None).await?;
                }
            }
        }
        return Ok(());
    }
    let first = current
        .first_failure_date
        .as_deref()
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .unwrap_or(day);
    let hard = super::is_hard_decline(code.as_deref());
    let dunning = match &d.sub_plan {
        Some(plan) => cache.dunning(db, &scope, plan).await?,
        None => Dunning::default(),
    };
    // The next retry is the first day of the schedule (counted from the first
    // failure) after today; none once it ran out, or for a hard decline.
    let next = if hard {
        None
    } else {
        dunning
            .retry_days
            .iter()
            .filter_map(|d| first.checked_add_days(Days::new(u64::from(*d))))
            .find(|d| *d > day)
    };
    tx.execute(
        "UPDATE invoices SET attempt_count = $2, first_failure_date = $3, next_attempt_date = $4, \
         hard_declined = $5 WHERE id = $1",
        &args![
            &inv.id,
            attempts,
            first.to_string(),
            next.map(|d| d.to_string()),
            hard
        ],
    )
    .await?;
    post::event(
        tx,
        &scope,
        "invoice.payment_failed",
        &inv.id,
        &serde_json::json!({"code": code, "attempt": attempts, "next_payment_attempt": next.map(|d| d.to_string())}),
    )
    .await?;
    summary.charges_failed += 1;
    let closes_on = first.checked_add_days(Days::new(u64::from(dunning.close_after_days)));
    super::notify::payment_failed(tx, &current, attempts, code.as_deref(), next, closes_on).await?;
    if let Some(sub_id) = &inv.subscription_id {
        let changed = tx
            .execute(
                "UPDATE subscriptions SET status = 'past_due', past_due_since = COALESCE(past_due_since, $2) \
                 WHERE id = $1 AND status = 'active'",
                &args![sub_id, first.to_string()],
            )
            .await?;
        if changed == 1 {
            post::event(
                tx,
                &scope,
                "subscription.past_due",
                sub_id,
                &serde_json::json!({"invoice": inv.id}),
            )
            .await?;
        }
    }
    Ok(())
}

/// Closes past-due subscriptions whose dunning schedule ran out, on the day it ran
/// out, with reason `payment_failed`; their open invoices become uncollectible.
async fn dunning_closes(
    db: &Db,
    filter: Filter<'_>,
    day: NaiveDate,
    cache: &mut Cache,
) -> Result<Summary, sqlx::Error> {
    let (merchant, scoped, livemode) = filter.parts();
    let past_due: Vec<SubscriptionRow> = db
        .fetch_all(
            "SELECT * FROM subscriptions WHERE status = 'past_due' AND past_due_since IS NOT NULL \
             AND ($1 = 0 OR ($1 = 1 AND merchant_id = $2 AND livemode = $3) \
         OR ($1 = 2 AND (livemode OR merchant_id NOT IN (SELECT merchant_id FROM test_clocks)))) ORDER BY id",
            &args![scoped, &merchant, livemode],
        )
        .await?;
    let mut summary = Summary::default();
    for sub in past_due {
        let scope = sub.scope();
        let dunning = cache.dunning(db, &scope, &sub.plan_id).await?;
        let Some(since) = sub
            .past_due_since
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok())
        else {
            continue;
        };
        let Some(close_on) = since.checked_add_days(Days::new(u64::from(dunning.close_after_days)))
        else {
            continue;
        };
        if close_on > day {
            continue;
        }
        let mut tx = Tx::begin(db).await?;
        // Locked on PostgreSQL, so that a payment recovering it or a second worker
        // closing it is seen (SQLite's BEGIN IMMEDIATE already serialises).
        let sql = if tx.is_postgres() {
            "SELECT * FROM subscriptions WHERE id = $1 FOR UPDATE"
        } else {
            "SELECT * FROM subscriptions WHERE id = $1"
        };
        let fresh: Option<SubscriptionRow> = tx.fetch_optional(sql, &args![&sub.id]).await?;
        if let Some(fresh) = fresh.filter(|s| s.status == "past_due") {
            if !close_in_tx(&mut tx, &fresh, close_on, "payment_failed", None).await? {
                tx.commit().await?;
                continue;
            }
            super::notify::cancelled(&mut tx, &fresh, &close_on.to_string(), "payment_failed")
                .await?;
            let open: Vec<InvoiceRow> = tx
                .fetch_all(
                    "SELECT * FROM invoices WHERE subscription_id = $1 AND status = 'open'",
                    &args![&fresh.id],
                )
                .await?;
            for inv in open {
                tx.execute(
                    "UPDATE invoices SET status = 'uncollectible', next_attempt_date = NULL WHERE id = $1",
                    &args![&inv.id],
                )
                .await?;
                let due = inv.total_minor - inv.amount_paid_minor;
                if due != 0 {
                    let cur = inv.currency();
                    post::ledger(
                        &mut tx,
                        &scope,
                        "write_off",
                        &inv.id,
                        close_on,
                        "bad_debt",
                        due,
                        0,
                        &cur,
                        &inv.number,
                    )
                    .await?;
                    post::ledger(
                        &mut tx,
                        &scope,
                        "write_off",
                        &inv.id,
                        close_on,
                        "receivable",
                        0,
                        due,
                        &cur,
                        &inv.number,
                    )
                    .await?;
                }
                post::event(
                    &mut tx,
                    &scope,
                    "invoice.marked_uncollectible",
                    &inv.id,
                    &serde_json::json!({}),
                )
                .await?;
            }
            summary.subscriptions_closed += 1;
        }
        tx.commit().await?;
    }
    Ok(summary)
}

/// A customer's new default payment method during dunning: open invoices of their
/// subscriptions are retried at once with it (hard declines included).
pub async fn retry_with_new_method(
    db: &Db,
    provider: &Provider,
    scope: &Scope,
    customer_id: &str,
    payment_method_id: &str,
    today: NaiveDate,
) -> Result<Summary, sqlx::Error> {
    db.execute(
        "UPDATE subscriptions SET payment_method_id = $2 WHERE customer_id = $1 AND status IN ('active', 'past_due') \
         AND payment_mode = 'charge_automatically'",
        &args![customer_id, payment_method_id],
    )
    .await?;
    db.execute(
        "UPDATE invoices SET next_attempt_date = $3, hard_declined = FALSE, payment_method_id = $2 \
         WHERE customer_id = $1 AND status = 'open' AND payment_mode = 'charge_automatically' AND attempt_count > 0",
        &args![customer_id, payment_method_id, today.to_string()],
    )
    .await?;
    let open: Vec<InvoiceRow> = db
        .fetch_all(
            "SELECT * FROM invoices WHERE customer_id = $1 AND merchant_id = $2 AND livemode = $3 \
             AND status = 'open' AND payment_mode = 'charge_automatically' AND next_attempt_date <= $4 ORDER BY id",
            &args![customer_id, &scope.merchant_id, scope.livemode, today.to_string()],
        )
        .await?;
    let mut summary = Summary::default();
    for inv in open {
        summary.add(&attempt_invoice(db, provider, &inv.id, today).await?);
    }
    Ok(summary)
}
