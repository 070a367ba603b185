//! Starting, previewing, closing, pausing and resuming subscriptions.

use chrono::{Days, NaiveDate};
use renewly_types::{CloseWhen, Customer, Invoice, Merchant, PaymentMode, Subscription};
use rust_decimal::Decimal;

use super::post::{self, NewInvoice, minor};
pub use super::pricing::bill_to;
use super::pricing::{
    Chosen, Lines, TaxContext, items_mrr, line_inputs, period_amount, stored_items,
};
use super::{BillingError, present};
use crate::db::{Db, Tx};
use crate::domain::invoice::{Totals, totals};
use crate::domain::money::from_minor;
use crate::domain::recurrence::period_start;
use crate::domain::subscription::{Event, Refused, Status, change};
use crate::ids::{Kind, new_id};
use crate::payments::{self, ChargeStatus, Provider};
use crate::store::billing::{self as bstore, SubscriptionRow};
use crate::store::charges::{self, Charge};
pub use crate::store::orders::Signature;
use crate::store::orders::{self, NewOrder};
use crate::store::subscriptions::{self, NewSubscription};
use crate::store::{Scope, customers, invoices, merchants, now, payment_methods};

/// The reason recorded on the MRR movement of a pause (churn reports group by it).
pub const PAUSED: &str = "paused";

/// What to subscribe a customer to.
#[derive(Debug, Clone)]
pub struct Order {
    pub customer: Customer,
    pub chosen: Chosen,
    pub payment_method: Option<String>,
    pub salesperson: Option<String>,
    pub start: NaiveDate,
    /// `api` or `checkout`.
    pub source: &'static str,
    pub signature: Option<Signature>,
    /// The first charge's idempotency key when the request can be retried (one
    /// derived from its `Idempotency-Key`): a retry finds the charge, pending or
    /// completed, and the invoice it pays, instead of charging again.
    pub charge_key: Option<String>,
}

/// The numbers of a subscription before it starts (checkout preview).
#[derive(Debug, Clone)]
pub struct Quote {
    /// The first invoice.
    pub totals: Totals,
    pub mrr: Decimal,
    pub first_invoice_date: NaiveDate,
    /// When the next (recurring) invoice follows.
    pub next_invoice_date: NaiveDate,
    pub trial_end: Option<NaiveDate>,
    pub period: (NaiveDate, NaiveDate),
    pub reverse_charge: bool,
    pub tax_note: Option<String>,
}

/// A started subscription.
#[derive(Debug, Clone)]
pub struct Created {
    pub subscription: Subscription,
    pub invoice: Option<Invoice>,
    /// A charge waiting for the card holder's authentication.
    pub pending_charge: Option<String>,
}

fn add_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(date)
}

/// Works out the first invoice and the dates, exactly as [`subscribe`] will.
pub async fn quote(
    db: &Db,
    scope: &Scope,
    merchant: &Merchant,
    customer: &Customer,
    chosen: &Chosen,
    start: NaiveDate,
) -> Result<Quote, BillingError> {
    let mut tax = TaxContext::new(merchant, customer);
    let trial_end = (chosen.plan.trial_days > 0).then(|| add_days(start, chosen.plan.trial_days));
    let anchor = trial_end.unwrap_or(start);
    let period_end = period_start(anchor, chosen.recurring, 1).ok_or_else(|| {
        BillingError::invalid("start_date", "The start date is too far in the future")
    })?;
    let which = if trial_end.is_some() {
        Lines::OneOffOnly
    } else {
        Lines::FirstOrder
    };
    let inputs = line_inputs(
        db,
        scope,
        &mut tax,
        &chosen.items,
        chosen.setup_fee.as_ref(),
        (anchor, period_end),
        which,
    )
    .await?;
    let worked = totals(&inputs, &chosen.currency);
    let mrr = items_mrr(
        db,
        scope,
        &mut tax,
        &chosen.items,
        chosen.recurring,
        &chosen.currency,
    )
    .await?;
    // A trial without one-off lines invoices nothing until it ends.
    let first_invoice_date = if worked.lines.is_empty() {
        anchor
    } else {
        start
    };
    Ok(Quote {
        totals: worked,
        mrr,
        first_invoice_date,
        next_invoice_date: if trial_end.is_some() {
            anchor
        } else {
            period_end
        },
        trial_end,
        period: (anchor, period_end),
        reverse_charge: tax.reverse_charge,
        tax_note: tax.note(),
    })
}

/// Starts a subscription: posts the first invoice and charges it. A declined card
/// leaves nothing behind (402); a card that needs authentication leaves a `draft`
/// subscription with an open invoice until [`confirm`] succeeds. The charge is
/// recorded (pending) before the provider is asked; a retry with the same
/// [`Order::charge_key`] resumes it, or answers the subscription it made.
pub async fn subscribe(
    db: &Db,
    provider: &Provider,
    scope: &Scope,
    order: Order,
) -> Result<Created, BillingError> {
    let invoice_id = first_invoice_id(db, scope, &order).await?;
    if let Some(made) = made_before(db, scope, &invoice_id).await? {
        return Ok(made);
    }
    let merchant = merchant_of(db, scope).await?;
    let c = &order.chosen;
    let q = quote(db, scope, &merchant, &order.customer, c, order.start).await?;
    let payment_method = payment_method_for(db, scope, &order).await?;
    let charge = match first_charge(&order, &q, payment_method.as_deref()) {
        Some((pm, amount)) => {
            let request = payments::ChargeRequest {
                payment_method_id: pm,
                amount,
                currency: c.currency.code(),
                idempotency_key: order.charge_key.as_deref().unwrap_or(&invoice_id),
                invoice_id: Some(&invoice_id),
            };
            Some(charge_first_invoice(db, provider, scope, &request).await?)
        }
        None => None,
    };
    let start = Start::new(&order, &q, &merchant, payment_method, charge, invoice_id);
    let mut tx = Tx::begin(db).await?;
    start.write(&mut tx, scope).await?;
    start.post_first_invoice(&mut tx, scope).await?;
    start.announce(&mut tx, scope).await?;
    tx.commit().await?;
    start.created(db, scope).await
}

/// The first invoice's id: the one a charge under the order's key was recorded
/// for (an earlier attempt of the same request), else a new one.
async fn first_invoice_id(db: &Db, scope: &Scope, order: &Order) -> Result<String, BillingError> {
    let Some(key) = &order.charge_key else {
        return Ok(new_id(Kind::Invoice));
    };
    let prior = charges::find_stored(db, scope, key).await?;
    Ok(prior
        .as_ref()
        .and_then(charges::Stored::invoice_id)
        .map_or_else(|| new_id(Kind::Invoice), str::to_owned))
}

/// The subscription an earlier attempt of the same request made, when its first
/// invoice exists: the retry answers it and changes nothing.
async fn made_before(
    db: &Db,
    scope: &Scope,
    invoice_id: &str,
) -> Result<Option<Created>, BillingError> {
    let Some(row) = invoices::get(db, scope, invoice_id).await? else {
        return Ok(None);
    };
    let Some(sub_id) = row.subscription_id else {
        return Ok(None);
    };
    let Some(subscription) = present::get_subscription(db, scope, &sub_id).await? else {
        return Ok(None);
    };
    let pending_charge = if subscription.status == renewly_types::SubscriptionStatus::Draft {
        charges::latest_for_invoice(db, scope, invoice_id)
            .await?
            .filter(|c| c.status == ChargeStatus::RequiresAction)
            .map(|c| c.id)
    } else {
        None
    };
    Ok(Some(Created {
        subscription,
        invoice: present::get_invoice(db, scope, invoice_id).await?,
        pending_charge,
    }))
}

/// The merchant of the scope.
async fn merchant_of(db: &Db, scope: &Scope) -> Result<Merchant, BillingError> {
    merchants::get_merchant(db, scope)
        .await?
        .ok_or_else(|| BillingError::NotFound {
            resource: "merchant",
            id: scope.merchant_id.clone(),
        })
}

/// The payment method an order is charged to: the given one or the customer's
/// default, which must exist when the plan charges automatically.
async fn payment_method_for(
    db: &Db,
    scope: &Scope,
    order: &Order,
) -> Result<Option<String>, BillingError> {
    if order.chosen.plan.payment_mode == PaymentMode::SendInvoice {
        return Ok(order.payment_method.clone());
    }
    let pm = order
        .payment_method
        .clone()
        .or_else(|| order.customer.default_payment_method.clone());
    let Some(pm) = pm else {
        return Err(BillingError::invalid(
            "payment_method",
            "The customer has no payment method; add one first or choose send_invoice",
        ));
    };
    if payment_methods::get(db, scope, &order.customer.id, &pm, None)
        .await?
        .is_none()
    {
        return Err(BillingError::invalid(
            "payment_method",
            format!("No such payment method of this customer: '{pm}'"),
        ));
    }
    Ok(Some(pm))
}

/// What the first invoice charges now, and to which payment method: only a
/// positive invoice of a plan that charges automatically.
fn first_charge<'a>(
    order: &Order,
    quote: &Quote,
    payment_method: Option<&'a str>,
) -> Option<(&'a str, Decimal)> {
    let charged = !quote.totals.lines.is_empty()
        && quote.totals.total > Decimal::ZERO
        && order.chosen.plan.payment_mode == PaymentMode::ChargeAutomatically;
    charged.then(|| (payment_method.unwrap_or_default(), quote.totals.total))
}

/// Charges the first invoice. A decline is a 402 and nothing is made; a charge
/// that needs authentication is returned.
async fn charge_first_invoice(
    db: &Db,
    provider: &Provider,
    scope: &Scope,
    request: &payments::ChargeRequest<'_>,
) -> Result<Charge, BillingError> {
    let c = payments::charge(db, provider, scope, request).await?;
    if c.status == ChargeStatus::Failed {
        let code = super::failure_code(c.failure_code.as_deref());
        return Err(BillingError::PaymentFailed {
            code,
            detail: format!(
                "The card was declined ({code}); nothing was charged and no subscription was made"
            ),
        });
    }
    Ok(c)
}

/// A subscription about to be written, with everything worked out before the
/// transaction.
struct Start<'a> {
    order: &'a Order,
    quote: &'a Quote,
    merchant: &'a Merchant,
    payment_method: Option<String>,
    charge: Option<Charge>,
    invoice_id: String,
    sub_id: String,
    order_id: String,
    /// `active`, or `draft` while the first charge waits for authentication.
    status: &'static str,
    base_mrr: i64,
    created: String,
}

impl<'a> Start<'a> {
    fn new(
        order: &'a Order,
        quote: &'a Quote,
        merchant: &'a Merchant,
        payment_method: Option<String>,
        charge: Option<Charge>,
        invoice_id: String,
    ) -> Self {
        let requires_action = charge
            .as_ref()
            .is_some_and(|c| c.status == ChargeStatus::RequiresAction);
        Self {
            order,
            quote,
            merchant,
            payment_method,
            charge,
            invoice_id,
            sub_id: new_id(Kind::Subscription),
            order_id: new_id(Kind::Order),
            status: if requires_action { "draft" } else { "active" },
            base_mrr: minor(quote.mrr, &order.chosen.currency),
            created: now(),
        }
    }

    fn has_invoice(&self) -> bool {
        !self.quote.totals.lines.is_empty()
    }

    /// The subscription, its items and the order.
    async fn write(&self, tx: &mut Tx, scope: &Scope) -> Result<(), sqlx::Error> {
        let (order, q) = (self.order, self.quote);
        let plan = &order.chosen.plan;
        let salesperson = order
            .salesperson
            .as_deref()
            .or(order.customer.salesperson.as_deref());
        let new = NewSubscription {
            id: &self.sub_id,
            customer_id: &order.customer.id,
            plan_id: &plan.id,
            status: self.status,
            currency: &order.chosen.currency,
            recurring: order.chosen.recurring,
            start_date: q.period.0,
            current_period: match q.trial_end {
                Some(t) => (order.start, t),
                None => q.period,
            },
            next_invoice_date: q.next_invoice_date,
            trial_end: q.trial_end,
            payment_mode: plan.payment_mode,
            invoice_due_days: plan.invoice_due_days,
            payment_method_id: self.payment_method.as_deref(),
            salesperson_id: salesperson,
            base_mrr_minor: self.base_mrr,
            created: &self.created,
        };
        subscriptions::insert(tx, scope, &new).await?;
        subscriptions::insert_items(tx, &self.sub_id, &stored_items(&order.chosen)).await?;
        let record = NewOrder {
            id: &self.order_id,
            customer_id: &order.customer.id,
            subscription_id: &self.sub_id,
            invoice_id: self.has_invoice().then_some(self.invoice_id.as_str()),
            plan_id: &plan.id,
            source: order.source,
            signature: order.signature.as_ref(),
            created: &self.created,
        };
        orders::insert(tx, scope, &record).await
    }

    /// Posts the first invoice, records its payment and sends it (an active
    /// subscription's receipt, or the invoice to pay in send_invoice mode).
    async fn post_first_invoice(&self, tx: &mut Tx, scope: &Scope) -> Result<(), sqlx::Error> {
        if !self.has_invoice() {
            return Ok(());
        }
        let (order, q) = (self.order, self.quote);
        let mode = order.chosen.plan.payment_mode;
        let due = match mode {
            PaymentMode::SendInvoice => add_days(order.start, order.chosen.plan.invoice_due_days),
            PaymentMode::ChargeAutomatically => order.start,
        };
        let billed = bill_to(&order.customer);
        let new = NewInvoice {
            id: self.invoice_id.clone(),
            customer_id: &order.customer.id,
            subscription_id: Some(&self.sub_id),
            billing_reason: "subscription_create",
            renewal_key: q
                .trial_end
                .is_none()
                .then(|| format!("{}:{}", self.sub_id, q.period.0)),
            currency: &order.chosen.currency,
            issue_date: order.start,
            due_date: due,
            period: q.trial_end.is_none().then_some(q.period),
            bill_to: &billed,
            totals: &q.totals,
            reverse_charge: q.reverse_charge,
            tax_note: q.tax_note.clone(),
            payment_mode: payment_mode_name(mode),
            payment_method_id: self.payment_method.as_deref(),
            next_attempt: None,
        };
        let Some(row) = post::post_invoice(tx, scope, &self.merchant.invoice_prefix, &new).await?
        else {
            return Ok(());
        };
        if self.charge.is_some() {
            invoices::set_attempt_count(tx, &row.id, 1).await?;
        }
        let paid = match &self.charge {
            Some(c) => c.status == ChargeStatus::Succeeded,
            None => q.totals.total.is_zero(),
        };
        if paid {
            let charge_id = self.charge.as_ref().map(|c| c.id.as_str());
            post::record_payment(tx, &row, order.start, charge_id).await?;
        }
        if self.status == "active" {
            super::notify::invoice(tx, &row, paid).await?;
        }
        Ok(())
    }

    /// The welcome message and the first MRR movement of an active subscription,
    /// and the event.
    async fn announce(&self, tx: &mut Tx, scope: &Scope) -> Result<(), sqlx::Error> {
        let (order, q) = (self.order, self.quote);
        let c = &order.chosen;
        if self.status == "active" {
            let welcome = super::notify::Welcome {
                customer: &order.customer,
                plan_name: &c.plan.name,
                amount: period_amount(&c.items, &c.currency),
                currency: c.currency.code(),
                recurring: c.recurring,
                start: order.start,
                trial_end: q.trial_end,
                next_invoice: q.next_invoice_date,
            };
            super::notify::subscribed(tx, scope, &welcome).await?;
        }
        if self.status == "active" && q.trial_end.is_none() {
            if let Some(row) = post::reload(tx, &self.sub_id).await? {
                post::set_mrr(tx, &row, self.base_mrr, order.start, None).await?;
            }
        }
        post::event(
            tx,
            scope,
            "subscription.created",
            &self.sub_id,
            &serde_json::json!({"status": self.status, "plan": c.plan.id}),
        )
        .await
    }

    /// What was made, as the API answers it.
    async fn created(self, db: &Db, scope: &Scope) -> Result<Created, BillingError> {
        let subscription = present::get_subscription(db, scope, &self.sub_id)
            .await?
            .ok_or_else(|| BillingError::NotFound {
                resource: "subscription",
                id: self.sub_id.clone(),
            })?;
        let invoice = match self.has_invoice() {
            true => present::get_invoice(db, scope, &self.invoice_id).await?,
            false => None,
        };
        Ok(Created {
            subscription,
            invoice,
            pending_charge: self
                .charge
                .filter(|c| c.status == ChargeStatus::RequiresAction)
                .map(|c| c.id),
        })
    }
}

/// Completes a `draft` subscription whose first charge needed authentication.
pub async fn confirm(
    db: &Db,
    provider: &Provider,
    scope: &Scope,
    sub_id: &str,
) -> Result<Subscription, BillingError> {
    let row = bstore::subscription_row(db, scope, sub_id)
        .await?
        .ok_or_else(|| not_found(sub_id))?;
    if row.state != Status::Draft {
        return current(db, scope, sub_id).await;
    }
    let nothing_to_confirm = || BillingError::Conflict {
        code: "nothing_to_confirm",
        detail: "No payment waits for confirmation".to_owned(),
    };
    let invoice_id = invoices::creation_invoice_id(db, sub_id)
        .await?
        .ok_or_else(nothing_to_confirm)?;
    let charge = charges::latest_for_invoice(db, scope, &invoice_id)
        .await?
        .ok_or_else(nothing_to_confirm)?;
    let charge = payments::confirm(db, provider, scope, &charge.id).await?;
    if charge.status != ChargeStatus::Succeeded {
        let code = super::failure_code(charge.failure_code.as_deref());
        return Err(BillingError::PaymentFailed {
            code,
            detail: format!("The payment was not confirmed ({code})"),
        });
    }
    let start = row.dates.current_period.0;
    let activation = change(row.state, Event::Activate)
        .map_err(|r| invalid_state("Only a draft subscription can be confirmed", r))?;
    let mut tx = Tx::begin(db).await?;
    if subscriptions::set_status(&mut tx, sub_id, activation).await? {
        activate(&mut tx, scope, sub_id, &invoice_id, &charge.id, start).await?;
    }
    tx.commit().await?;
    current(db, scope, sub_id).await
}

/// What follows the activation of a draft: its first invoice paid and sent, the
/// first MRR movement (unless in trial), the event.
async fn activate(
    tx: &mut Tx,
    scope: &Scope,
    sub_id: &str,
    invoice_id: &str,
    charge_id: &str,
    start: NaiveDate,
) -> Result<(), sqlx::Error> {
    if let Some(inv) = invoices::get_tx(tx, invoice_id).await? {
        post::record_payment(tx, &inv, start, Some(charge_id)).await?;
        super::notify::invoice(tx, &inv, true).await?;
    }
    if let Some(fresh) = post::reload(tx, sub_id).await? {
        if fresh.trial_end.is_none() {
            post::set_mrr(tx, &fresh, fresh.base_mrr_minor, start, None).await?;
        }
    }
    post::event(
        tx,
        scope,
        "subscription.activated",
        sub_id,
        &serde_json::json!({}),
    )
    .await
}

fn not_found(sub_id: &str) -> BillingError {
    BillingError::NotFound {
        resource: "subscription",
        id: sub_id.to_owned(),
    }
}

/// A 409 for a lifecycle change the subscription's status does not allow.
fn invalid_state(rule: &str, refused: Refused) -> BillingError {
    BillingError::Conflict {
        code: "invalid_state",
        detail: format!("{rule}; this one is {}", refused.from.as_str()),
    }
}

fn already_closed() -> BillingError {
    BillingError::Conflict {
        code: "subscription_closed",
        detail: "The subscription is already closed".to_owned(),
    }
}

/// The subscription as it is now, wire form.
async fn current(db: &Db, scope: &Scope, sub_id: &str) -> Result<Subscription, BillingError> {
    present::get_subscription(db, scope, sub_id)
        .await?
        .ok_or_else(|| not_found(sub_id))
}

/// Reads the subscription inside the transaction, so that the change made from
/// it is conditional on what it read.
async fn read_in_tx(
    tx: &mut Tx,
    scope: &Scope,
    sub_id: &str,
) -> Result<SubscriptionRow, BillingError> {
    subscriptions::get_in_scope_tx(tx, scope, sub_id)
        .await?
        .ok_or_else(|| not_found(sub_id))
}

/// A close reason as stored: one of the plan's close reasons (by name or id,
/// stored by name) or the free text given.
async fn close_reason(
    db: &Db,
    scope: &Scope,
    plan_id: &str,
    reason: &str,
) -> Result<String, BillingError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(BillingError::invalid(
            "reason",
            "Give a reason of 1 to 200 characters",
        ));
    }
    let plan = crate::store::plans::get_plan(db, scope, plan_id).await?;
    Ok(plan
        .and_then(|p| {
            p.close_reasons
                .into_iter()
                .find(|r| r.id == reason || r.name.eq_ignore_ascii_case(reason))
        })
        .map_or_else(|| reason.to_owned(), |r| r.name))
}

/// Closes a subscription now or at the end of its paid period, with a reason:
/// one of the plan's close reasons (by name or id, stored by name) or free text.
pub async fn close(
    db: &Db,
    scope: &Scope,
    sub_id: &str,
    reason: &str,
    when: CloseWhen,
    comment: Option<&str>,
    today: NaiveDate,
) -> Result<Subscription, BillingError> {
    let read = bstore::subscription_row(db, scope, sub_id)
        .await?
        .ok_or_else(|| not_found(sub_id))?;
    if read.state == Status::Closed {
        return Err(already_closed());
    }
    let reason = close_reason(db, scope, &read.plan_id, reason).await?;
    let mut tx = Tx::begin(db).await?;
    let row = read_in_tx(&mut tx, scope, sub_id).await?;
    if row.state == Status::Closed {
        return Err(already_closed());
    }
    if when == CloseWhen::PeriodEnd && row.state != Status::Draft {
        schedule_close(&mut tx, &row, &reason, comment).await?;
    } else if !close_in_tx(&mut tx, &row, today, &reason, comment).await? {
        return Err(already_closed());
    } else if row.state != Status::Draft {
        super::notify::cancelled(&mut tx, &row, &today.to_string(), &reason).await?;
    }
    tx.commit().await?;
    current(db, scope, sub_id).await
}

/// Schedules the close of `row` at the end of its paid period.
async fn schedule_close(
    tx: &mut Tx,
    row: &SubscriptionRow,
    reason: &str,
    comment: Option<&str>,
) -> Result<(), BillingError> {
    let end = (row.dates.next_invoice)
        .unwrap_or(row.dates.current_period.1)
        .to_string();
    if !subscriptions::schedule_cancel(tx, &row.id, &end, reason, comment).await? {
        return Err(BillingError::LostRace {
            resource: "subscription",
            id: row.id.clone(),
        });
    }
    post::event(
        tx,
        &row.scope(),
        "subscription.cancel_scheduled",
        &row.id,
        &serde_json::json!({"cancel_at": end, "reason": reason}),
    )
    .await?;
    super::notify::cancelled(tx, row, &end, reason).await?;
    Ok(())
}

/// Closes `row` on `date` inside a transaction: MRR to zero (the churn, when it
/// was the customer's last paying subscription, dated `date`). `false` when it
/// was closed meanwhile (by another worker or request): nothing is recorded twice.
pub async fn close_in_tx(
    tx: &mut Tx,
    row: &SubscriptionRow,
    date: NaiveDate,
    reason: &str,
    comment: Option<&str>,
) -> Result<bool, sqlx::Error> {
    if !subscriptions::close(tx, &row.id, date, reason, comment).await? {
        return Ok(false);
    }
    // The MRR as it is now (the row now locked), not as `row` was read.
    let current = post::reload(tx, &row.id)
        .await?
        .unwrap_or_else(|| row.clone());
    post::set_mrr(tx, &current, 0, date, Some(reason)).await?;
    post::event(
        tx,
        &row.scope(),
        "subscription.closed",
        &row.id,
        &serde_json::json!({"reason": reason, "closed_at": date.to_string()}),
    )
    .await?;
    Ok(true)
}

/// Pauses an active subscription: no invoices, MRR 0, until resumed. The row is
/// read and changed in one transaction, the change conditional on `active`: of
/// two pauses at once, one pauses (and records one movement), the other is a 409.
pub async fn pause(
    db: &Db,
    scope: &Scope,
    sub_id: &str,
    today: NaiveDate,
) -> Result<Subscription, BillingError> {
    let mut tx = Tx::begin(db).await?;
    let row = read_in_tx(&mut tx, scope, sub_id).await?;
    let pausing = change(row.state, Event::Pause)
        .map_err(|r| invalid_state("Only an active subscription can be paused", r))?;
    if !subscriptions::pause(&mut tx, sub_id, pausing, today).await? {
        return Err(BillingError::LostRace {
            resource: "subscription",
            id: sub_id.to_owned(),
        });
    }
    // The MRR as it is now that the row is locked, not as it was read.
    let paused = post::reload(&mut tx, sub_id).await?.unwrap_or(row);
    // A pause counts 0 MRR: a churn (or contraction) whose reason reads "paused".
    post::set_mrr(&mut tx, &paused, 0, today, Some(PAUSED)).await?;
    post::event(
        &mut tx,
        scope,
        "subscription.paused",
        sub_id,
        &serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    current(db, scope, sub_id).await
}

/// Resumes a paused subscription. Billing restarts today with a new anchor when
/// the paid period ran out while paused. Read and changed in one transaction,
/// conditional on `paused`, like [`pause`].
pub async fn resume(
    db: &Db,
    scope: &Scope,
    sub_id: &str,
    today: NaiveDate,
) -> Result<Subscription, BillingError> {
    let mut tx = Tx::begin(db).await?;
    let row = read_in_tx(&mut tx, scope, sub_id).await?;
    let resuming = change(row.state, Event::Resume)
        .map_err(|r| invalid_state("Only a paused subscription can be resumed", r))?;
    let next = row.dates.next_invoice;
    // The paid period ended during the pause: a new period starts today.
    let restart = next.is_none_or(|n| n < today).then_some(today);
    if !subscriptions::resume(&mut tx, sub_id, resuming, restart).await? {
        return Err(BillingError::LostRace {
            resource: "subscription",
            id: sub_id.to_owned(),
        });
    }
    let in_trial = row.dates.trial_end.is_some_and(|t| t > today);
    if !in_trial {
        let resumed = post::reload(&mut tx, sub_id).await?.unwrap_or(row);
        post::set_mrr(&mut tx, &resumed, resumed.base_mrr_minor, today, None).await?;
    }
    post::event(
        &mut tx,
        scope,
        "subscription.resumed",
        sub_id,
        &serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    current(db, scope, sub_id).await
}

pub use crate::store::subscriptions::{payment_mode_name, tax_behavior_name};

/// MRR in the subscription's currency as a decimal.
pub fn mrr_decimal(row: &SubscriptionRow) -> Decimal {
    from_minor(row.mrr_minor, &row.currency())
}

/// Looks up a customer or answers a 422 naming `param`.
pub async fn customer_for(
    db: &Db,
    scope: &Scope,
    id: &str,
    param: &str,
) -> Result<Customer, BillingError> {
    customers::get_customer(db, scope, id)
        .await?
        .ok_or_else(|| BillingError::invalid(param, format!("No such customer: '{id}'")))
}
