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
use crate::payments::{self, ChargeStatus, Provider};
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

/// Which data a run covers: one merchant's mode, or everything.
#[derive(Debug, Clone, Copy)]
pub enum Filter<'a> {
    Scope(&'a Scope),
    All,
}

impl Filter<'_> {
    fn parts(&self) -> (String, i64, bool) {
        match self {
            Self::Scope(s) => (s.merchant_id.clone(), 1, s.livemode),
            Self::All => (String::new(), 0, false),
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
    let mut summary = Summary::default();
    let mut cache = Cache::default();
    loop {
        let batch = renew_batch(db, filter, day, &mut cache).await?;
        summary.add(&batch.0);
        if !batch.1 {
            break;
        }
    }
    summary.add(&attempt_payments(db, provider, filter, day, &mut cache).await?);
    summary.add(&dunning_closes(db, filter, day, &mut cache).await?);
    Ok(summary)
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
}

impl Cache {
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
         AND status IN ('active', 'past_due') AND ($2 = 0 OR (merchant_id = $3 AND livemode = $4)) \
         ORDER BY next_invoice_date, id LIMIT $5 FOR UPDATE SKIP LOCKED";
    let due_sql_sqlite = "SELECT * FROM subscriptions WHERE next_invoice_date <= $1 \
         AND status IN ('active', 'past_due') AND ($2 = 0 OR (merchant_id = $3 AND livemode = $4)) \
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
    let items = items_tx(tx, &sub.id).await?;
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
            close_in_tx(tx, &row, cancel.unwrap_or(next), &reason, None).await?;
            summary.subscriptions_closed += 1;
            break;
        }
        let Some((_, start, end)) = period_containing(anchor, every, next) else {
            break;
        };
        let start = start.max(next);
        let mut tax = TaxContext::new(&merchant, &customer);
        let mut inputs = Vec::new();
        for item in items.iter().filter(|i| i.recurring) {
            inputs.push(item_line(
                item,
                (start, end),
                tax.choice(db, &scope, &item.tax_category).await?,
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

/// Charges every open invoice whose attempt is due.
async fn attempt_payments(
    db: &Db,
    provider: &Provider,
    filter: Filter<'_>,
    day: NaiveDate,
    cache: &mut Cache,
) -> Result<Summary, sqlx::Error> {
    let (merchant, scoped, livemode) = filter.parts();
    let mut summary = Summary::default();
    let mut after = String::new();
    loop {
        let due: Vec<InvoiceRow> = db
            .fetch_all(
                "SELECT * FROM invoices WHERE status = 'open' AND payment_mode = 'charge_automatically' \
                 AND next_attempt_date <= $1 AND NOT hard_declined AND id > $2 \
                 AND ($3 = 0 OR (merchant_id = $4 AND livemode = $5)) ORDER BY id LIMIT $6",
                &args![day.to_string(), &after, scoped, &merchant, livemode, BATCH],
            )
            .await?;
        for inv in &due {
            attempt(db, provider, inv, day, cache, &mut summary).await?;
        }
        match due.last() {
            Some(last) if due.len() as i64 == BATCH => after = last.id.clone(),
            _ => break,
        }
    }
    Ok(summary)
}

/// One payment attempt of one invoice.
pub async fn attempt_invoice(
    db: &Db,
    provider: &Provider,
    inv: &InvoiceRow,
    day: NaiveDate,
) -> Result<Summary, sqlx::Error> {
    let mut summary = Summary::default();
    attempt(db, provider, inv, day, &mut Cache::default(), &mut summary).await?;
    Ok(summary)
}

async fn attempt(
    db: &Db,
    provider: &Provider,
    inv: &InvoiceRow,
    day: NaiveDate,
    cache: &mut Cache,
    summary: &mut Summary,
) -> Result<(), sqlx::Error> {
    let scope = inv.scope();
    let sub: Option<SubscriptionRow> = match &inv.subscription_id {
        Some(id) => {
            db.fetch_optional("SELECT * FROM subscriptions WHERE id = $1", &args![id])
                .await?
        }
        None => None,
    };
    if sub
        .as_ref()
        .is_some_and(|s| s.status == "closed" || s.status == "paused")
    {
        return Ok(());
    }
    let customer = customers::get_customer(db, &scope, &inv.customer_id).await?;
    let pm = sub
        .as_ref()
        .and_then(|s| s.payment_method_id.clone())
        .or_else(|| inv.payment_method_id.clone())
        .or_else(|| customer.and_then(|c| c.default_payment_method));
    // The first attempt uses the invoice id as idempotency key, retries add their number.
    let key = if inv.attempt_count == 0 {
        inv.id.clone()
    } else {
        format!("{}:{}", inv.id, inv.attempt_count + 1)
    };
    let outcome = match &pm {
        Some(pm) => match payments::charge(
            db,
            provider,
            &scope,
            pm,
            inv.amount_due(),
            &inv.currency,
            &key,
        )
        .await
        {
            Ok(c) => Some((c.status, c.failure_code.clone(), Some(c.id))),
            Err(payments::ChargeError::Db(e)) => return Err(e),
            Err(e) => {
                tracing::warn!(invoice = %inv.id, error = %e, "charge could not be made");
                Some((
                    ChargeStatus::Failed,
                    Some("processing_error".to_owned()),
                    None,
                ))
            }
        },
        None => None,
    };
    let (status, code, charge_id) = outcome.unwrap_or((
        ChargeStatus::Failed,
        Some("no_payment_method".to_owned()),
        None,
    ));
    let mut tx = Tx::begin(db).await?;
    // Only the worker that still sees the attempt it charged may record it.
    let current: Option<InvoiceRow> = tx
        .fetch_optional(
            "SELECT * FROM invoices WHERE id = $1 AND status = 'open' AND attempt_count = $2",
            &args![&inv.id, inv.attempt_count],
        )
        .await?;
    let Some(current) = current else {
        tx.commit().await?;
        return Ok(());
    };
    let attempts = current.attempt_count + 1;
    if status == ChargeStatus::Succeeded {
        tx.execute(
            "UPDATE invoices SET attempt_count = $2 WHERE id = $1",
            &args![&inv.id, attempts],
        )
        .await?;
        post::record_payment(&mut tx, &current, day, charge_id.as_deref()).await?;
        summary.charges_succeeded += 1;
        if let Some(s) = &sub {
            if let Some(fresh) = post::reload(&mut tx, &s.id).await? {
                if fresh.status == "past_due" {
                    tx.execute(
                        "UPDATE subscriptions SET status = 'active', past_due_since = NULL WHERE id = $1 AND status = 'past_due'",
                        &args![&fresh.id],
                    )
                    .await?;
                    post::event(
                        &mut tx,
                        &scope,
                        "subscription.recovered",
                        &fresh.id,
                        &serde_json::json!({}),
                    )
                    .await?;
                }
                if fresh.mrr_minor == 0 && fresh.base_mrr_minor > 0 && fresh.status != "paused" {
                    // The first paid period after a trial.
                    post::set_mrr(&mut tx, &fresh, fresh.base_mrr_minor, day, None).await?;
                }
            }
        }
    } else {
        let first = current
            .first_failure_date
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .unwrap_or(day);
        let hard = super::is_hard_decline(code.as_deref());
        let dunning = match &sub {
            Some(s) => cache.dunning(db, &scope, &s.plan_id).await?,
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
            &args![&inv.id, attempts, first.to_string(), next.map(|d| d.to_string()), hard],
        )
        .await?;
        post::event(
            &mut tx,
            &scope,
            "invoice.payment_failed",
            &inv.id,
            &serde_json::json!({"code": code, "attempt": attempts, "next_payment_attempt": next.map(|d| d.to_string())}),
        )
        .await?;
        summary.charges_failed += 1;
        if let Some(s) = &sub {
            let changed = tx
                .execute(
                    "UPDATE subscriptions SET status = 'past_due', past_due_since = COALESCE(past_due_since, $2) \
                     WHERE id = $1 AND status = 'active'",
                    &args![&s.id, first.to_string()],
                )
                .await?;
            if changed == 1 {
                post::event(
                    &mut tx,
                    &scope,
                    "subscription.past_due",
                    &s.id,
                    &serde_json::json!({"invoice": inv.id}),
                )
                .await?;
            }
        }
    }
    tx.commit().await
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
             AND ($1 = 0 OR (merchant_id = $2 AND livemode = $3)) ORDER BY id",
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
        let fresh = post::reload(&mut tx, &sub.id).await?;
        if let Some(fresh) = fresh.filter(|s| s.status == "past_due") {
            close_in_tx(&mut tx, &fresh, close_on, "payment_failed", None).await?;
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
        summary.add(&attempt_invoice(db, provider, &inv, today).await?);
    }
    Ok(summary)
}
