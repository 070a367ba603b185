//! Changing a subscription's plan, prices, quantities and add-ons (SPEC §3
//! "Proration"): an upgrade applies now and charges
//! `(new − old) × remaining_days ÷ period_days` on an invoice of its own (plus
//! tax); a downgrade or removal is scheduled for the next renewal, never refunded.

use chrono::NaiveDate;
use renewly_types::{ChangeRight, Customer, ItemInput, Merchant, Plan, TaxBehavior};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::post::{self, NewInvoice, minor};
use super::pricing::{
    Chosen, Lines, PricedItem, TaxContext, bill_to, choose, line_inputs, mrr_of, period_amount,
    stored_items,
};
use super::{BillingError, present};
use crate::db::{Db, Tx};
use crate::domain::currency::Currency;
use crate::domain::invoice::{LineInput, TaxChoice, Totals, totals};
use crate::domain::money::round;
use crate::domain::recurrence::days_between;
use crate::domain::subscription::can_change;
use crate::ids::{Kind, new_id};
use crate::payments::{self, ChargeStatus, Provider};
use crate::store::billing::{self as bstore, ItemRow, SubscriptionRow};
use crate::store::{Scope, charges, customers, invoices, merchants, plans, subscriptions};

/// A subscription line as it will be after a scheduled change.
pub use crate::store::subscriptions::NewItem as PendingItem;

/// A change that waits for the next renewal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PendingChange {
    pub plan: String,
    pub items: Vec<PendingItem>,
    pub base_mrr_minor: i64,
}

/// Whether a change raises or lowers what the customer pays per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Upgrade,
    Downgrade,
    Unchanged,
}

/// What a change does, shown before it is made (and made exactly so).
#[derive(Debug, Clone)]
pub struct ChangePlan {
    pub direction: Direction,
    /// When the new lines take effect.
    pub effective_date: NaiveDate,
    /// The proration invoice charged now (upgrades).
    pub proration: Option<Totals>,
    pub old_period_amount: Decimal,
    pub new_period_amount: Decimal,
    pub remaining_days: i64,
    pub period_days: i64,
    pub new_mrr: Decimal,
    /// What every later period costs, tax included.
    pub new_recurring_total: Decimal,
    pub chosen: Chosen,
}

/// Who asks: the merchant may do anything; a customer only what the plan allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Merchant,
    Customer,
}

/// Who asks for a change, and the charge key a retry of the same request
/// derives again (from its `Idempotency-Key`), if it can be retried.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub actor: Actor,
    pub charge_key: Option<&'a str>,
}

/// How long a plan change may hold its subscription before another change may
/// take it over (its process died between claiming and applying).
const STALE_CLAIM: chrono::Duration = chrono::Duration::minutes(10);

/// A claim on a subscription for one plan change: the version it was worked
/// out from and the key its charge is made under.
struct Claim {
    version: i64,
    key: String,
    invoice_id: String,
}

/// The 409 of a change that lost to another one.
fn change_conflict() -> BillingError {
    BillingError::Conflict {
        code: "change_in_progress",
        detail: "Another change of this subscription was made or is being made; \
                 read it again and retry"
            .to_owned(),
    }
}

fn current_amount(items: &[ItemRow], currency: &Currency) -> Decimal {
    items
        .iter()
        .filter(|i| i.recurring)
        .map(|i| {
            let qty = Decimal::from(i.quantity);
            round(i.unit_amount() * qty, currency) - round(i.discount() * qty, currency)
        })
        .sum()
}

/// Works out a change of `sub` to `items` (of `plan_id`, default its plan) on
/// `today`, checking the customer's rights when the customer asks.
pub async fn plan_change(
    db: &Db,
    scope: &Scope,
    sub: &SubscriptionRow,
    plan_id: Option<&str>,
    items: &[ItemInput],
    today: NaiveDate,
    actor: Actor,
) -> Result<ChangePlan, BillingError> {
    ensure_changeable(sub)?;
    let (current_plan, plan) = plans_of(db, scope, sub, plan_id, actor).await?;
    let (merchant, customer) = parties(db, scope, sub).await?;
    let chosen = choose(db, scope, &plan, items, customer.pricelist.as_deref()).await?;
    ensure_same_schedule(sub, &chosen)?;
    let cur = sub.currency();
    let current_items = bstore::items(db, &sub.id).await?;
    let old_amount = current_amount(&current_items, &cur);
    let new_amount = period_amount(&chosen.items, &cur);
    let direction = Direction::of(old_amount, new_amount);
    if actor == Actor::Customer {
        let quantity_only = plan.id == current_plan.id
            && chosen.items.len() == current_items.len()
            && (chosen.items.iter().zip(&current_items)).all(|(a, b)| a.price.id == b.price_id);
        customer_may(&current_plan, quantity_only, direction)?;
    }
    let span = Span::of(sub, today);
    let mut tax = TaxContext::new(&merchant, &customer);
    let period = (span.start, span.end);
    let which = Lines::RecurringOnly;
    let recurring = line_inputs(db, scope, &mut tax, &chosen.items, None, period, which).await?;
    let recurring_totals = totals(&recurring, &cur);
    let in_trial = sub.dates.trial_end.is_some_and(|t| t > today);
    let prorated =
        direction == Direction::Upgrade && !in_trial && span.days > 0 && span.remaining > 0;
    let proration = match prorated {
        true => {
            let main = &chosen.items[0];
            let choice = tax.choice(db, scope, &main.product.tax_category).await?;
            let line = proration_line(&plan, main, &span, new_amount - old_amount, choice, &cur);
            Some(totals(&[line], &cur))
        }
        false => None,
    };
    let effective_date = match direction {
        Direction::Downgrade if !in_trial => sub.dates.next_invoice.unwrap_or(span.end),
        _ => today,
    };
    Ok(ChangePlan {
        direction,
        effective_date,
        proration,
        old_period_amount: old_amount,
        new_period_amount: new_amount,
        remaining_days: span.remaining,
        period_days: span.days,
        new_mrr: mrr_of(&recurring_totals, chosen.recurring, &cur),
        new_recurring_total: recurring_totals.total,
        chosen,
    })
}

impl Direction {
    /// Up, down or neither, by what a period costs before and after.
    fn of(old_amount: Decimal, new_amount: Decimal) -> Self {
        match new_amount.cmp(&old_amount) {
            std::cmp::Ordering::Greater => Self::Upgrade,
            std::cmp::Ordering::Less => Self::Downgrade,
            std::cmp::Ordering::Equal => Self::Unchanged,
        }
    }
}

/// The merchant and the subscription's customer.
async fn parties(
    db: &Db,
    scope: &Scope,
    sub: &SubscriptionRow,
) -> Result<(Merchant, Customer), BillingError> {
    let merchant =
        merchants::get_merchant(db, scope)
            .await?
            .ok_or_else(|| BillingError::NotFound {
                resource: "merchant",
                id: scope.merchant_id.clone(),
            })?;
    let customer = customers::get_customer(db, scope, &sub.customer_id)
        .await?
        .ok_or_else(|| BillingError::NotFound {
            resource: "customer",
            id: sub.customer_id.clone(),
        })?;
    Ok((merchant, customer))
}

/// Only a running subscription can change.
fn ensure_changeable(sub: &SubscriptionRow) -> Result<(), BillingError> {
    if can_change(sub.state) {
        return Ok(());
    }
    Err(BillingError::Conflict {
        code: "invalid_state",
        detail: format!(
            "Only an active subscription can be changed; this one is {}",
            sub.status
        ),
    })
}

/// The subscription's plan and the plan it changes to (the same one unless
/// another is asked for; a customer may only pick a published one).
async fn plans_of(
    db: &Db,
    scope: &Scope,
    sub: &SubscriptionRow,
    plan_id: Option<&str>,
    actor: Actor,
) -> Result<(Plan, Plan), BillingError> {
    let current_plan = plans::get_plan(db, scope, &sub.plan_id)
        .await?
        .ok_or_else(|| BillingError::NotFound {
            resource: "plan",
            id: sub.plan_id.clone(),
        })?;
    let plan: Plan = match plan_id {
        Some(id) if id != sub.plan_id => plans::get_plan(db, scope, id)
            .await?
            .filter(|p| p.active && (actor == Actor::Merchant || p.published))
            .ok_or_else(|| BillingError::invalid("plan", format!("No such active plan: '{id}'")))?,
        _ => current_plan.clone(),
    };
    Ok((current_plan, plan))
}

/// The new prices renew like the subscription: same schedule, same currency, no
/// one-off lines.
fn ensure_same_schedule(sub: &SubscriptionRow, chosen: &Chosen) -> Result<(), BillingError> {
    if chosen.recurring != sub.recurring() || chosen.currency.code() != sub.currency {
        return Err(BillingError::invalid(
            "items",
            "The new prices must renew on the same schedule and in the same currency as the subscription",
        ));
    }
    if chosen.items.iter().any(|i| !i.recurring()) {
        return Err(BillingError::invalid(
            "items",
            "Only recurring prices can be part of a change",
        ));
    }
    Ok(())
}

/// Whether the plan lets its customers make this change themselves.
fn customer_may(
    current_plan: &Plan,
    quantity_only: bool,
    direction: Direction,
) -> Result<(), BillingError> {
    let rights = &current_plan.customer_rights;
    let allowed = match (quantity_only, rights.change, direction) {
        (true, _, _) => rights.can_change_quantity || direction == Direction::Unchanged,
        (false, ChangeRight::None, _) => false,
        (false, ChangeRight::UpgradeOnly, Direction::Downgrade) => false,
        (false, ChangeRight::UpgradeOnly | ChangeRight::UpgradeDowngrade, _) => true,
    };
    if allowed {
        return Ok(());
    }
    let detail = match (quantity_only, rights.change) {
        (true, _) => "This plan does not let customers change quantities".to_owned(),
        (false, ChangeRight::None) => "This plan does not let customers change it".to_owned(),
        (false, _) => "This plan allows upgrades only".to_owned(),
    };
    Err(BillingError::Conflict {
        code: "change_not_allowed",
        detail,
    })
}

/// The current period as a change sees it on `today`.
struct Span {
    start: NaiveDate,
    end: NaiveDate,
    /// Days in the period.
    days: i64,
    /// Days left from today (or the period's start) to its end.
    remaining: i64,
    /// Where the prorated part starts: today, or the period's start.
    from: NaiveDate,
}

impl Span {
    fn of(sub: &SubscriptionRow, today: NaiveDate) -> Self {
        let (start, end) = sub.dates.current_period;
        let days = days_between(start, end);
        let from = today.max(start);
        Self {
            start,
            end,
            days,
            remaining: days_between(from, end).clamp(0, days),
            from,
        }
    }
}

/// The proration line of an upgrade: `(new − old) × remaining ÷ period days`,
/// on the main price.
fn proration_line(
    plan: &Plan,
    main: &PricedItem,
    span: &Span,
    difference: Decimal,
    tax: TaxChoice,
    cur: &Currency,
) -> LineInput {
    let (remaining, days) = (span.remaining, span.days);
    let net = round(
        difference * Decimal::from(remaining) / Decimal::from(days),
        cur,
    );
    LineInput {
        kind: "proration",
        description: format!(
            "Change to {} for {remaining} of {days} days ({} – {})",
            plan.name, span.from, span.end
        ),
        price: Some(main.price.id.clone()),
        period: Some((span.from, span.end)),
        quantity: 1,
        unit_amount: net,
        unit_discount: Decimal::ZERO,
        tax_behavior: if main.price.tax_behavior == TaxBehavior::Inclusive {
            TaxBehavior::Inclusive
        } else {
            TaxBehavior::Exclusive
        },
        tax,
    }
}

/// Applies a scheduled change at the renewal on `date` (called by the worker
/// before it invoices the new period).
pub async fn apply_pending(
    tx: &mut Tx,
    sub: &SubscriptionRow,
    date: NaiveDate,
) -> Result<(), sqlx::Error> {
    let Some(raw) = &sub.pending_items else {
        return Ok(());
    };
    let Ok(change) = serde_json::from_str::<PendingChange>(raw) else {
        return Ok(());
    };
    subscriptions::replace_items(tx, &sub.id, &change.items).await?;
    subscriptions::set_plan(tx, &sub.id, &change.plan, change.base_mrr_minor).await?;
    if let Some(fresh) = post::reload(tx, &sub.id).await? {
        if fresh.mrr_minor != 0 {
            post::set_mrr(tx, &fresh, change.base_mrr_minor, date, None).await?;
        }
    }
    post::event(
        tx,
        &sub.scope(),
        "subscription.updated",
        &sub.id,
        &serde_json::json!({"applied": "scheduled_change", "plan": change.plan}),
    )
    .await?;
    Ok(())
}

/// Makes a change worked out by [`plan_change`]: an upgrade is charged now (a
/// declined card answers 402 and changes nothing) and applied; a downgrade is
/// scheduled for the next renewal. Returns the proration invoice id, if any.
///
/// The subscription is claimed first (committed, conditional on the version the
/// change was worked out from), so of two concurrent changes only one charges:
/// the other gets 409. The claim ends in the transaction that applies the
/// change. A retry of the same request finds the charge it recorded, and the
/// invoice when the change was applied.
async fn apply(
    db: &Db,
    provider: &Provider,
    scope: &Scope,
    sub: &SubscriptionRow,
    change: &ChangePlan,
    today: NaiveDate,
    claim: &Claim,
) -> Result<Option<String>, BillingError> {
    if invoices::get(db, scope, &claim.invoice_id).await?.is_some() {
        return Ok(Some(claim.invoice_id.clone()));
    }
    let stale =
        (chrono::Utc::now() - STALE_CLAIM).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let claimed =
        subscriptions::claim_change(db, scope, &sub.id, claim.version, &claim.key, &stale).await?;
    if !claimed {
        return Err(change_conflict());
    }
    let applied = apply_claimed(db, provider, scope, sub, change, today, claim).await;
    if applied.is_err() {
        // Nothing was changed (a declined card, a lost claim): let others change it.
        if let Err(e) = subscriptions::release_change(db, &sub.id, &claim.key).await {
            tracing::warn!(subscription = %sub.id, error = %e, "a change claim stays until it is stale");
        }
    }
    applied
}

/// [`apply`] once the subscription is claimed.
async fn apply_claimed(
    db: &Db,
    provider: &Provider,
    scope: &Scope,
    sub: &SubscriptionRow,
    change: &ChangePlan,
    today: NaiveDate,
    claim: &Claim,
) -> Result<Option<String>, BillingError> {
    let scheduled = change.direction == Direction::Downgrade && change.effective_date > today;
    let invoice_id = claim.invoice_id.clone();
    let charge = charge_upgrade(db, provider, scope, sub, change, claim).await?;
    // Read before the transaction: a second pool connection while one is held
    // could wait forever when the pool is busy.
    let proration = match (&change.proration, scheduled) {
        (Some(totals), false) => {
            Some(Proration::read(db, scope, sub, totals, invoice_id, charge).await?)
        }
        _ => None,
    };
    let mut tx = Tx::begin(db).await?;
    if !subscriptions::finish_change(&mut tx, &sub.id, &claim.key).await? {
        return Err(change_conflict());
    }
    let posted = if scheduled {
        schedule(&mut tx, scope, sub, change).await?;
        None
    } else {
        apply_now(&mut tx, sub, change, today).await?;
        let posted = match proration {
            Some(p) => p.post(&mut tx, scope, sub, today).await?,
            None => None,
        };
        let json =
            serde_json::json!({"plan": change.chosen.plan.id, "direction": change.direction});
        post::event(&mut tx, scope, "subscription.updated", &sub.id, &json).await?;
        posted
    };
    tx.commit().await?;
    Ok(posted)
}

/// Charges the proration of an upgrade now, when the subscription is charged
/// automatically and there is something to pay: the charge id and payment
/// method. Anything but success is a 402 and nothing changes.
async fn charge_upgrade(
    db: &Db,
    provider: &Provider,
    scope: &Scope,
    sub: &SubscriptionRow,
    change: &ChangePlan,
    claim: &Claim,
) -> Result<Option<(String, String)>, BillingError> {
    let Some(p) = &change.proration else {
        return Ok(None);
    };
    if !sub.charges_automatically() || p.total <= Decimal::ZERO {
        return Ok(None);
    }
    let customer = customers::get_customer(db, scope, &sub.customer_id).await?;
    let pm = sub
        .payment_method_id
        .clone()
        .or_else(|| customer.and_then(|c| c.default_payment_method));
    let Some(pm) = pm else {
        return Err(BillingError::invalid(
            "payment_method",
            "The customer has no payment method to pay the upgrade",
        ));
    };
    let cur = sub.currency();
    let request = payments::ChargeRequest {
        payment_method_id: &pm,
        amount: p.total,
        currency: cur.code(),
        idempotency_key: &claim.key,
        invoice_id: Some(&claim.invoice_id),
    };
    let c = payments::charge(db, provider, scope, &request).await?;
    if c.status == ChargeStatus::Succeeded {
        return Ok(Some((c.id, pm)));
    }
    let fallback = if c.status == ChargeStatus::RequiresAction {
        "authentication_required"
    } else {
        "card_declined"
    };
    let code = super::failure_code(c.failure_code.as_deref().or(Some(fallback)));
    Err(BillingError::PaymentFailed {
        code,
        detail: format!("The upgrade could not be charged ({code}); nothing was changed"),
    })
}

/// Keeps a downgrade for the next renewal.
async fn schedule(
    tx: &mut Tx,
    scope: &Scope,
    sub: &SubscriptionRow,
    change: &ChangePlan,
) -> Result<(), sqlx::Error> {
    let plan_id = &change.chosen.plan.id;
    let pending = PendingChange {
        plan: plan_id.clone(),
        items: stored_items(&change.chosen),
        base_mrr_minor: minor(change.new_mrr, &sub.currency()),
    };
    let raw = serde_json::to_string(&pending).unwrap_or_default();
    subscriptions::schedule_change(tx, &sub.id, &raw).await?;
    let json =
        serde_json::json!({"effective_date": change.effective_date.to_string(), "plan": plan_id});
    post::event(tx, scope, "subscription.change_scheduled", &sub.id, &json).await
}

/// Replaces the items and plan now, with the MRR movement (unless the
/// subscription counts no MRR now, as in a trial).
async fn apply_now(
    tx: &mut Tx,
    sub: &SubscriptionRow,
    change: &ChangePlan,
    today: NaiveDate,
) -> Result<(), sqlx::Error> {
    let base_mrr = minor(change.new_mrr, &sub.currency());
    subscriptions::replace_items(tx, &sub.id, &stored_items(&change.chosen)).await?;
    subscriptions::set_plan(tx, &sub.id, &change.chosen.plan.id, base_mrr).await?;
    if let Some(fresh) = post::reload(tx, &sub.id).await? {
        if fresh.mrr_minor != 0 {
            post::set_mrr(tx, &fresh, base_mrr, today, None).await?;
        }
    }
    Ok(())
}

/// The proration invoice of an upgrade applied now, with what posting it needs.
struct Proration<'a> {
    totals: &'a Totals,
    invoice_id: String,
    /// The charge made for it, and its payment method.
    charge: Option<(String, String)>,
    merchant: Merchant,
    customer: Customer,
}

impl<'a> Proration<'a> {
    async fn read(
        db: &Db,
        scope: &Scope,
        sub: &SubscriptionRow,
        totals: &'a Totals,
        invoice_id: String,
        charge: Option<(String, String)>,
    ) -> Result<Self, BillingError> {
        let (merchant, customer) = parties(db, scope, sub).await?;
        Ok(Self {
            totals,
            invoice_id,
            charge,
            merchant,
            customer,
        })
    }

    /// Posts the invoice, records its payment (charged, or nothing to pay) and
    /// sends it; its id.
    async fn post(
        self,
        tx: &mut Tx,
        scope: &Scope,
        sub: &SubscriptionRow,
        today: NaiveDate,
    ) -> Result<Option<String>, sqlx::Error> {
        let cur = sub.currency();
        let tax = TaxContext::new(&self.merchant, &self.customer);
        let billed = bill_to(&self.customer);
        let period_end = sub.dates.current_period.1;
        let due = if sub.charges_automatically() {
            today
        } else {
            today + chrono::Days::new(u64::try_from(sub.invoice_due_days).unwrap_or(0))
        };
        let new = NewInvoice {
            id: self.invoice_id.clone(),
            customer_id: &sub.customer_id,
            subscription_id: Some(&sub.id),
            billing_reason: "subscription_update",
            renewal_key: None,
            currency: &cur,
            issue_date: today,
            due_date: due,
            period: Some((today, period_end)),
            bill_to: &billed,
            totals: self.totals,
            reverse_charge: tax.reverse_charge,
            tax_note: tax.note(),
            payment_mode: &sub.payment_mode,
            payment_method_id: self.charge.as_ref().map(|(_, pm)| pm.as_str()),
            next_attempt: None,
        };
        let prefix = &self.merchant.invoice_prefix;
        let Some(row) = post::post_invoice(tx, scope, prefix, &new).await? else {
            return Ok(None);
        };
        if let Some((charge_id, _)) = &self.charge {
            invoices::set_attempt_count(tx, &row.id, 1).await?;
            post::record_payment(tx, &row, today, Some(charge_id)).await?;
        } else if self.totals.total.is_zero() {
            post::record_payment(tx, &row, today, None).await?;
        }
        let paid = self.charge.is_some() || self.totals.total.is_zero();
        super::notify::invoice(tx, &row, paid).await?;
        Ok(Some(row.id))
    }
}

/// The wire form of a change plan.
pub fn preview_wire(change: &ChangePlan, cur: &Currency) -> renewly_types::ChangePreview {
    let (lines, total, tax) = match &change.proration {
        Some(p) => (p.lines.clone(), p.total, p.tax),
        None => (Vec::new(), Decimal::ZERO, Decimal::ZERO),
    };
    // Every amount with the currency's minor units, as documents show them
    // (a period amount summed from stored items may come as `40`).
    let shown = |amount: Decimal| present::document_amount(amount, cur);
    renewly_types::ChangePreview {
        direction: match change.direction {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
            Direction::Unchanged => "unchanged",
        }
        .to_owned(),
        effective_date: change.effective_date.to_string(),
        currency: cur.code().to_owned(),
        old_period_amount: shown(change.old_period_amount),
        new_period_amount: shown(change.new_period_amount),
        remaining_days: change.remaining_days,
        period_days: change.period_days,
        proration_lines: lines,
        amount_due_now: shown(total),
        tax_due_now: shown(tax),
        new_recurring_total: shown(change.new_recurring_total),
        new_mrr: change.new_mrr,
    }
}

/// Previews or makes a change, as both the merchant API and the portal offer it.
pub async fn change(
    db: &Db,
    provider: &Provider,
    scope: &Scope,
    sub_id: &str,
    request: &renewly_types::ChangeSubscription,
    today: NaiveDate,
    caller: Caller<'_>,
) -> Result<renewly_types::ChangeResult, BillingError> {
    let not_found = || BillingError::NotFound {
        resource: "subscription",
        id: sub_id.to_owned(),
    };
    // The version first: a change applied between the two reads makes the
    // claim fail rather than charge from a stale row.
    let version = subscriptions::version(db, scope, sub_id)
        .await?
        .ok_or_else(not_found)?;
    let sub = bstore::subscription_row(db, scope, sub_id)
        .await?
        .ok_or_else(not_found)?;
    let plan = plan_change(
        db,
        scope,
        &sub,
        request.plan.as_deref(),
        &request.items,
        today,
        caller.actor,
    )
    .await?;
    let preview = preview_wire(&plan, &sub.currency());
    let invoice_id = if request.preview {
        None
    } else {
        let claim = claim_for(db, scope, version, caller.charge_key).await?;
        apply(db, provider, scope, &sub, &plan, today, &claim).await?
    };
    let subscription = present::get_subscription(db, scope, sub_id)
        .await?
        .ok_or_else(not_found)?;
    let invoice = match invoice_id {
        Some(id) => present::get_invoice(db, scope, &id).await?,
        None => None,
    };
    Ok(renewly_types::ChangeResult {
        preview,
        applied: !request.preview,
        subscription,
        invoice,
    })
}

/// The claim of a change: under the request's charge key (and the invoice an
/// earlier attempt recorded with its charge), or a new invoice id as key.
async fn claim_for(
    db: &Db,
    scope: &Scope,
    version: i64,
    charge_key: Option<&str>,
) -> Result<Claim, BillingError> {
    let Some(key) = charge_key else {
        let invoice_id = new_id(Kind::Invoice);
        return Ok(Claim {
            version,
            key: invoice_id.clone(),
            invoice_id,
        });
    };
    let prior = charges::find_stored(db, scope, key).await?;
    let invoice_id = prior
        .as_ref()
        .and_then(|p| p.invoice_id())
        .map_or_else(|| new_id(Kind::Invoice), str::to_owned);
    Ok(Claim {
        version,
        key: key.to_owned(),
        invoice_id,
    })
}
