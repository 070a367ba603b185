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
use renewly_types::{Customer, Dunning, Merchant, TaxBehavior};
use rust_decimal::Decimal;

use super::engine::close_in_tx;
use super::post::{self, NewInvoice};
use super::pricing::{TaxContext, bill_to};
use crate::db::{Db, Tx};
use crate::domain::currency::Currency;
use crate::domain::invoice::{LineInput, totals};
use crate::domain::recurrence::period_containing;
use crate::domain::subscription::{Event, Status, change, is_billed};
use crate::ids::{Kind, new_id};
use crate::payments::{ChargeOutcome, ChargeStatus, PaymentProvider, Provider, ProviderError};
use crate::store::billing::{InvoiceRow, ItemRow, SubscriptionRow, items_tx};
use crate::store::charges::{self, NewCharge, Stored};
use crate::store::invoices::{self, DueInvoice, Failure};
use crate::store::{Scope, customers, merchants, plans, subscriptions};

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

pub use crate::store::billing::Filter;

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
    let n = subscriptions::due_count(db, day).await?;
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
    let mut tx = Tx::begin(db).await?;
    let due = subscriptions::lock_due(&mut tx, filter, day, BATCH).await?;
    let mut summary = Summary::default();
    for sub in &due {
        renew(&mut tx, db, sub, day, cache, &mut summary).await?;
    }
    tx.commit().await?;
    Ok((summary, due.len() as i64 == BATCH))
}

/// What renewing one subscription needs besides the row.
struct Renewal<'a> {
    db: &'a Db,
    scope: Scope,
    merchant: Merchant,
    customer: Customer,
    cur: Currency,
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
    let anchor = sub.dates.start;
    let every = sub.recurring();
    let r = Renewal {
        db,
        scope,
        merchant,
        customer,
        cur: sub.currency(),
    };
    let mut items = items_tx(tx, &sub.id).await?;
    let mut row = sub.clone();
    while let Some(next) = row.dates.next_invoice {
        if next > day {
            break;
        }
        if let Some(cancel) = row.dates.cancel_at.filter(|c| *c <= next) {
            let reason = row.close_reason.clone();
            let reason = reason.as_deref().unwrap_or("cancelled");
            if close_in_tx(tx, &row, cancel, reason, None).await? {
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
        if invoice_period(tx, &r, &row, &items, (start, end), cache).await? {
            summary.invoices_created += 1;
        }
        subscriptions::advance_period(tx, &row.id, start, end).await?;
        match post::reload(tx, &row.id).await? {
            Some(fresh) => row = fresh,
            None => break,
        }
    }
    Ok(())
}

/// Posts the invoice of one period (`false`: it was invoiced before), pays it
/// when there is nothing to pay, sends it in send_invoice mode, and ends a
/// trial's zero MRR with the first invoice in send_invoice mode.
async fn invoice_period(
    tx: &mut Tx,
    r: &Renewal<'_>,
    row: &SubscriptionRow,
    items: &[ItemRow],
    (start, end): (NaiveDate, NaiveDate),
    cache: &mut Cache,
) -> Result<bool, sqlx::Error> {
    let mut tax = TaxContext::new(&r.merchant, &r.customer);
    let mut inputs = Vec::new();
    for item in items.iter().filter(|i| i.recurring) {
        let choice = cache
            .tax(r.db, &r.scope, &mut tax, &item.tax_category)
            .await?;
        inputs.push(item_line(item, (start, end), choice));
    }
    let worked = totals(&inputs, &r.cur);
    let charge_auto = row.charges_automatically();
    let due = if charge_auto {
        start
    } else {
        start
            .checked_add_days(Days::new(u64::try_from(row.invoice_due_days).unwrap_or(0)))
            .unwrap_or(start)
    };
    let billed = bill_to(&r.customer);
    let new = NewInvoice {
        id: new_id(Kind::Invoice),
        customer_id: &row.customer_id,
        subscription_id: Some(&row.id),
        billing_reason: "subscription_cycle",
        renewal_key: Some(format!("{}:{start}", row.id)),
        currency: &r.cur,
        issue_date: start,
        due_date: due,
        period: Some((start, end)),
        bill_to: &billed,
        totals: &worked,
        reverse_charge: tax.reverse_charge,
        tax_note: tax.note(),
        payment_mode: &row.payment_mode,
        payment_method_id: row.payment_method_id.as_deref(),
        next_attempt: (charge_auto && worked.total > Decimal::ZERO).then_some(start),
    };
    let Some(inv) = post::post_invoice(tx, &r.scope, &r.merchant.invoice_prefix, &new).await?
    else {
        return Ok(false);
    };
    if worked.total.is_zero() {
        post::record_payment(tx, &inv, start, None).await?;
    } else if !charge_auto {
        // send_invoice: the invoice goes out with a link to pay it.
        super::notify::invoice(tx, &inv, false).await?;
    }
    if !charge_auto && row.mrr_minor == 0 && row.base_mrr_minor > 0 {
        // A trial ends with its first invoice in send_invoice mode.
        post::set_mrr(tx, row, row.base_mrr_minor, start, None).await?;
    }
    Ok(true)
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
    let mut summary = Summary::default();
    // Which invoices are due, once (an index lookup); then each page by its id
    // range, a primary-key range scan.
    let due_ids = invoices::due_for_payment_ids(db, filter, day).await?;
    for chunk in due_ids.chunks(usize::try_from(BATCH).unwrap_or(200)) {
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
            continue;
        };
        let due = invoices::due_for_payment_between(db, day, first, last).await?;
        let wanted: std::collections::HashSet<&str> = chunk.iter().map(String::as_str).collect();
        let due: Vec<DueInvoice> = due
            .into_iter()
            .filter(|d| wanted.contains(d.inv.id.as_str()))
            .collect();
        let mut run = Run {
            db,
            day,
            cache: &mut *cache,
            summary: &mut summary,
        };
        attempt_page(provider, &due, &mut run).await?;
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
    let due = invoices::due_for_payment(db, invoice_id).await?;
    let mut summary = Summary::default();
    let mut cache = Cache::default();
    let mut run = Run {
        db,
        day,
        cache: &mut cache,
        summary: &mut summary,
    };
    attempt_page(provider, &due, &mut run).await?;
    Ok(summary)
}

/// A payment run on one billing day: where it writes and what it counts.
struct Run<'a> {
    db: &'a Db,
    day: NaiveDate,
    cache: &'a mut Cache,
    summary: &'a mut Summary,
}

/// The provider's answer for one invoice: status, failure code, and the charge
/// to record (payment method, outcome) when a charge was made.
struct Answer {
    status: ChargeStatus,
    code: Option<String>,
    charge: Option<(String, ChargeOutcome)>,
}

impl Answer {
    fn failed(code: &str) -> Self {
        Self {
            status: ChargeStatus::Failed,
            code: Some(code.to_owned()),
            charge: None,
        }
    }
}

/// The idempotency key of an invoice's next attempt: the invoice id for the first
/// attempt, the id and the attempt's number for retries.
fn attempt_key(inv: &InvoiceRow) -> String {
    if inv.attempt_count == 0 {
        inv.id.clone()
    } else {
        format!("{}:{}", inv.id, inv.attempt_count + 1)
    }
}

/// Asks the provider to charge one invoice (outside any transaction), after
/// recording the charge as pending under its key: a worker killed after this
/// point finds the pending charge on its next run (the invoice is still at the
/// same attempt, so the key is the same) and asks again; the provider answers
/// with the same charge. A charge completed before is not asked again. The
/// payment method is charged through the provider it belongs to.
///
/// Only the provider's answers are the attempt's outcome. `Ok(None)` when the
/// provider could not be reached: the charge stays pending and the invoice at
/// its attempt, for the next run to ask again with the same key. A database
/// error ends the run: it says nothing about the card, and recording it as a
/// failed attempt would push the customer into dunning.
async fn ask_provider(
    db: &Db,
    provider: &Provider,
    d: &DueInvoice,
    key: &str,
) -> Result<Option<Answer>, sqlx::Error> {
    let inv = &d.inv;
    let (Some(pm), Some(token), Some(name)) = (&d.pm_id, &d.pm_token, &d.pm_provider) else {
        return Ok(Some(Answer::failed("no_payment_method")));
    };
    let scope = inv.scope();
    let pending = NewCharge {
        id: new_id(Kind::Charge),
        payment_method_id: pm.clone(),
        amount: inv.amount_due().normalize(),
        currency: inv.currency.clone(),
        idempotency_key: key.to_owned(),
        invoice_id: Some(inv.id.clone()),
        created: crate::store::now(),
    };
    let asked = match charges::begin(db, &scope, &pending).await? {
        Stored::Done(c) => Ok(ChargeOutcome {
            status: c.status,
            failure_code: c.failure_code,
            reference: c.provider_reference,
        }),
        Stored::Pending(_) => match provider.named(db, &scope, name).await {
            Ok(p) => {
                p.charge(token, inv.amount_due(), &inv.currency, key, Some(&inv.id))
                    .await
            }
            Err(ProviderError::UnknownReference) => {
                return Ok(Some(Answer::failed("no_payment_method")));
            }
            Err(e) => Err(e),
        },
    };
    Ok(match asked {
        Ok(o) => Some(Answer {
            status: o.status,
            code: o.failure_code.clone(),
            charge: Some((pm.clone(), o)),
        }),
        Err(ProviderError::UnknownReference) => {
            tracing::warn!(invoice = %inv.id, "the provider does not know the payment method");
            Some(Answer::failed("processing_error"))
        }
        Err(e @ ProviderError::Unavailable(_)) => {
            tracing::warn!(invoice = %inv.id, error = %e,
                "charge could not be made; it stays pending for the next run");
            None
        }
    })
}

async fn attempt_page(
    provider: &Provider,
    due: &[DueInvoice],
    run: &mut Run<'_>,
) -> Result<(), sqlx::Error> {
    let mut answers: Vec<(&DueInvoice, String, Answer)> = Vec::with_capacity(due.len());
    for d in due {
        // A subscription that is not billed (any more) is not charged.
        let sub_status = d.sub_status.as_deref().and_then(Status::parse);
        if sub_status.is_some_and(|s| !is_billed(s)) {
            continue;
        }
        let key = attempt_key(&d.inv);
        if let Some(answer) = ask_provider(run.db, provider, d, &key).await? {
            answers.push((d, key, answer));
        }
    }
    if answers.is_empty() {
        return Ok(());
    }
    let mut tx = Tx::begin(run.db).await?;
    for (d, key, answer) in answers {
        let attempt = record_charge(&mut tx, d, key, answer).await?;
        settle(&mut tx, run, &attempt).await?;
    }
    tx.commit().await
}

/// An attempt's outcome as recorded.
struct Attempt<'a> {
    due: &'a DueInvoice,
    status: ChargeStatus,
    code: Option<String>,
    charge_id: Option<String>,
}

/// Completes the pending charge of an answer; when it was completed under this
/// key already (a worker that ran before), its outcome stands.
async fn record_charge<'a>(
    tx: &mut Tx,
    d: &'a DueInvoice,
    key: String,
    answer: Answer,
) -> Result<Attempt<'a>, sqlx::Error> {
    let mut attempt = Attempt {
        due: d,
        status: answer.status,
        code: answer.code,
        charge_id: None,
    };
    let Some((_, outcome)) = answer.charge else {
        return Ok(attempt);
    };
    if let Some(recorded) = charges::complete_tx(tx, &d.inv.scope(), &key, &outcome).await? {
        attempt.status = recorded.status;
        attempt.code = recorded.failure_code;
        attempt.charge_id = Some(recorded.id);
    }
    Ok(attempt)
}

/// Records the outcome of an attempt: paid (and the subscription back to active),
/// or failed with the next retry per the plan's dunning schedule.
async fn settle(tx: &mut Tx, run: &mut Run<'_>, a: &Attempt<'_>) -> Result<(), sqlx::Error> {
    let inv = &a.due.inv;
    // Only the worker that still sees the attempt it charged may record it.
    let Some(current) = invoices::lock_open_at_attempt(tx, &inv.id, inv.attempt_count).await?
    else {
        return Ok(());
    };
    if a.status == ChargeStatus::Succeeded {
        settle_paid(tx, run, &current, a).await
    } else {
        settle_failed(tx, run, &current, a).await
    }
}

async fn settle_paid(
    tx: &mut Tx,
    run: &mut Run<'_>,
    current: &InvoiceRow,
    a: &Attempt<'_>,
) -> Result<(), sqlx::Error> {
    invoices::set_attempt_count(tx, &current.id, current.attempt_count + 1).await?;
    post::record_payment(tx, current, run.day, a.charge_id.as_deref()).await?;
    super::notify::invoice(tx, current, true).await?;
    run.summary.charges_succeeded += 1;
    let Some(sub_id) = &current.subscription_id else {
        return Ok(());
    };
    let Some(fresh) = post::reload(tx, sub_id).await? else {
        return Ok(());
    };
    let recovery = change(fresh.state, Event::Recover);
    if let Ok(recovery) = recovery
        && subscriptions::recover(tx, &fresh.id, recovery).await?
    {
        post::event(
            tx,
            &current.scope(),
            "subscription.recovered",
            &fresh.id,
            &serde_json::json!({}),
        )
        .await?;
    }
    if fresh.mrr_minor == 0 && fresh.base_mrr_minor > 0 && fresh.state != Status::Paused {
        // The first paid period after a trial.
        post::set_mrr(tx, &fresh, fresh.base_mrr_minor, run.day, None).await?;
    }
    Ok(())
}

/// The next retry after a failure on `day`: the first day of the schedule
/// (counted from the first failure) after today; none once it ran out, or for a
/// hard decline.
fn next_retry(
    dunning: &Dunning,
    first: NaiveDate,
    day: NaiveDate,
    hard: bool,
) -> Option<NaiveDate> {
    if hard {
        return None;
    }
    dunning
        .retry_days
        .iter()
        .filter_map(|d| first.checked_add_days(Days::new(u64::from(*d))))
        .find(|d| *d > day)
}

async fn settle_failed(
    tx: &mut Tx,
    run: &mut Run<'_>,
    current: &InvoiceRow,
    a: &Attempt<'_>,
) -> Result<(), sqlx::Error> {
    let scope = current.scope();
    let day = run.day;
    let first = current.dates.first_failure.unwrap_or(day);
    let hard = super::is_hard_decline(a.code.as_deref());
    let dunning = match &a.due.sub_plan {
        Some(plan) => run.cache.dunning(run.db, &scope, plan).await?,
        None => Dunning::default(),
    };
    let failure = Failure {
        attempts: current.attempt_count + 1,
        first_failure: first,
        next_attempt: next_retry(&dunning, first, day, hard),
        hard_declined: hard,
    };
    let next = failure.next_attempt.map(|d| d.to_string());
    invoices::record_failure(tx, &current.id, &failure).await?;
    post::event(
        tx,
        &scope,
        "invoice.payment_failed",
        &current.id,
        &serde_json::json!({"code": a.code, "attempt": failure.attempts, "next_payment_attempt": next}),
    )
    .await?;
    run.summary.charges_failed += 1;
    let closes_on = first.checked_add_days(Days::new(u64::from(dunning.close_after_days)));
    let code = a.code.as_deref();
    super::notify::payment_failed(
        tx,
        current,
        failure.attempts,
        code,
        failure.next_attempt,
        closes_on,
    )
    .await?;
    if let Some(sub_id) = &current.subscription_id {
        // Only an active subscription falls behind; a past-due one stays so.
        let Ok(falling_behind) = change(Status::Active, Event::PaymentFailed) else {
            return Ok(());
        };
        if subscriptions::mark_past_due(tx, sub_id, falling_behind, first).await? {
            post::event(
                tx,
                &scope,
                "subscription.past_due",
                sub_id,
                &serde_json::json!({"invoice": current.id}),
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
    let mut summary = Summary::default();
    for sub in subscriptions::past_due(db, filter).await? {
        let dunning = cache.dunning(db, &sub.scope(), &sub.plan_id).await?;
        let Some(since) = sub.dates.past_due_since else {
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
        if close_for_failed_payment(&mut tx, &sub.id, close_on).await? {
            summary.subscriptions_closed += 1;
        }
        tx.commit().await?;
    }
    Ok(summary)
}

/// Closes one past-due subscription on `close_on` (`false`: it was recovered or
/// closed meanwhile) and writes its open invoices off.
async fn close_for_failed_payment(
    tx: &mut Tx,
    sub_id: &str,
    close_on: NaiveDate,
) -> Result<bool, sqlx::Error> {
    // Locked on PostgreSQL, so that a payment recovering it or a second worker
    // closing it is seen (SQLite's BEGIN IMMEDIATE already serialises).
    let Some(fresh) = subscriptions::lock(tx, sub_id).await? else {
        return Ok(false);
    };
    if fresh.state != Status::PastDue
        || !close_in_tx(tx, &fresh, close_on, "payment_failed", None).await?
    {
        return Ok(false);
    }
    super::notify::cancelled(tx, &fresh, &close_on.to_string(), "payment_failed").await?;
    for inv in invoices::open_of_subscription(tx, &fresh.id).await? {
        invoices::mark_uncollectible(tx, &inv.id).await?;
        post::settle_receivable(tx, &inv, "write_off", "bad_debt", close_on).await?;
        post::event(
            tx,
            &inv.scope(),
            "invoice.marked_uncollectible",
            &inv.id,
            &serde_json::json!({}),
        )
        .await?;
    }
    Ok(true)
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
    subscriptions::set_payment_method_for_customer(db, customer_id, payment_method_id).await?;
    invoices::retry_with_method(db, customer_id, payment_method_id, today).await?;
    let mut summary = Summary::default();
    for inv in invoices::due_of_customer(db, scope, customer_id, today).await? {
        summary.add(&attempt_invoice(db, provider, &inv.id, today).await?);
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn day(raw: &str) -> NaiveDate {
        raw.parse().unwrap()
    }

    #[test]
    fn a_soft_decline_is_retried_on_the_next_day_of_the_schedule_and_a_hard_one_never() {
        let dunning = Dunning {
            retry_days: vec![3, 5, 7],
            close_after_days: 14,
        };
        let first = day("2025-03-01");
        let next = |today: &str, hard| next_retry(&dunning, first, day(today), hard);
        assert_eq!(next("2025-03-01", false), Some(day("2025-03-04")));
        assert_eq!(next("2025-03-04", false), Some(day("2025-03-06")));
        assert_eq!(next("2025-03-08", false), None);
        assert_eq!(next("2025-03-01", true), None);
    }
}
