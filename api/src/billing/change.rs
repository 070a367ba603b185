//! Changing a subscription's plan, prices, quantities and add-ons (SPEC §3
//! "Proration"): an upgrade applies now and charges
//! `(new − old) × remaining_days ÷ period_days` on an invoice of its own (plus
//! tax); a downgrade or removal is scheduled for the next renewal, never refunded.

use chrono::NaiveDate;
use renewly_types::{ChangeRight, ItemInput, Plan, TaxBehavior};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::BillingError;
use super::engine::{bill_to, tax_behavior_name};
use super::post::{self, NewInvoice, minor};
use super::pricing::{Chosen, Lines, PricedItem, TaxContext, choose, line_inputs, mrr_of};
use crate::args;
use crate::db::{Db, Tx};
use crate::domain::currency::Currency;
use crate::domain::invoice::{LineInput, Totals, totals};
use crate::domain::money::round;
use crate::domain::recurrence::days_between;
use crate::ids::{Kind, new_id};
use crate::payments::{self, ChargeStatus, Provider};
use crate::store::billing::{self as bstore, ItemRow, SubscriptionRow};
use crate::store::{Scope, customers, merchants, plans};

/// A subscription line as it will be after a scheduled change.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PendingItem {
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

/// What `items` cost per period before tax (list minus discounts, rounded per line).
pub fn period_amount(items: &[PricedItem], currency: &Currency) -> Decimal {
    items
        .iter()
        .filter(|i| i.recurring())
        .map(|i| {
            let qty = Decimal::from(i.quantity);
            round(i.unit_amount * qty, currency) - round(i.unit_discount * qty, currency)
        })
        .sum()
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
    if !matches!(sub.status.as_str(), "active" | "past_due") {
        return Err(BillingError::Conflict {
            code: "invalid_state",
            detail: format!(
                "Only an active subscription can be changed; this one is {}",
                sub.status
            ),
        });
    }
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
    let customer = customers::get_customer(db, scope, &sub.customer_id)
        .await?
        .ok_or_else(|| BillingError::NotFound {
            resource: "customer",
            id: sub.customer_id.clone(),
        })?;
    let chosen = choose(db, scope, &plan, items, customer.pricelist.as_deref()).await?;
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
    let cur = sub.currency();
    let current_items = bstore::items(db, &sub.id).await?;
    let old_amount = current_amount(&current_items, &cur);
    let new_amount = period_amount(&chosen.items, &cur);
    let direction = match new_amount.cmp(&old_amount) {
        std::cmp::Ordering::Greater => Direction::Upgrade,
        std::cmp::Ordering::Less => Direction::Downgrade,
        std::cmp::Ordering::Equal => Direction::Unchanged,
    };
    if actor == Actor::Customer {
        let rights = current_plan.customer_rights;
        let quantity_only = plan.id == current_plan.id
            && chosen.items.len() == current_items.len()
            && chosen
                .items
                .iter()
                .zip(&current_items)
                .all(|(a, b)| a.price.id == b.price_id);
        let allowed = match (quantity_only, rights.change, direction) {
            (true, _, _) => rights.can_change_quantity || direction == Direction::Unchanged,
            (false, ChangeRight::None, _) => false,
            (false, ChangeRight::UpgradeOnly, Direction::Downgrade) => false,
            (false, ChangeRight::UpgradeOnly | ChangeRight::UpgradeDowngrade, _) => true,
        };
        if !allowed {
            let detail = match (quantity_only, rights.change) {
                (true, _) => "This plan does not let customers change quantities".to_owned(),
                (false, ChangeRight::None) => {
                    "This plan does not let customers change it".to_owned()
                }
                (false, _) => "This plan allows upgrades only".to_owned(),
            };
            return Err(BillingError::Conflict {
                code: "change_not_allowed",
                detail,
            });
        }
    }
    let period_start: NaiveDate = sub.current_period_start.parse().unwrap_or(today);
    let period_end: NaiveDate = sub.current_period_end.parse().unwrap_or(today);
    let period_days = days_between(period_start, period_end);
    let remaining_days = days_between(today.max(period_start), period_end).clamp(0, period_days);
    let merchant =
        merchants::get_merchant(db, scope)
            .await?
            .ok_or_else(|| BillingError::NotFound {
                resource: "merchant",
                id: scope.merchant_id.clone(),
            })?;
    let mut tax = TaxContext::new(&merchant, &customer);
    let recurring = line_inputs(
        db,
        scope,
        &mut tax,
        &chosen.items,
        None,
        (period_start, period_end),
        Lines::RecurringOnly,
    )
    .await?;
    let recurring_totals = totals(&recurring, &cur);
    let new_mrr = mrr_of(&recurring_totals, chosen.recurring, &cur);
    let in_trial = sub
        .trial_end
        .as_deref()
        .and_then(|t| t.parse::<NaiveDate>().ok())
        .is_some_and(|t| t > today);
    let proration =
        if direction == Direction::Upgrade && !in_trial && period_days > 0 && remaining_days > 0 {
            let main = &chosen.items[0];
            let net = round(
                (new_amount - old_amount) * Decimal::from(remaining_days)
                    / Decimal::from(period_days),
                &cur,
            );
            let input = LineInput {
                kind: "proration",
                description: format!(
                    "Change to {} for {remaining_days} of {period_days} days ({} – {})",
                    plan.name,
                    today.max(period_start),
                    period_end
                ),
                price: Some(main.price.id.clone()),
                period: Some((today.max(period_start), period_end)),
                quantity: 1,
                unit_amount: net,
                unit_discount: Decimal::ZERO,
                tax_behavior: if main.price.tax_behavior == TaxBehavior::Inclusive {
                    TaxBehavior::Inclusive
                } else {
                    TaxBehavior::Exclusive
                },
                tax: tax.choice(db, scope, &main.product.tax_category).await?,
            };
            Some(totals(&[input], &cur))
        } else {
            None
        };
    let effective_date = match direction {
        Direction::Downgrade if !in_trial => sub
            .next_invoice_date
            .as_deref()
            .and_then(|d| d.parse().ok())
            .unwrap_or(period_end),
        _ => today,
    };
    Ok(ChangePlan {
        direction,
        effective_date,
        proration,
        old_period_amount: old_amount,
        new_period_amount: new_amount,
        remaining_days,
        period_days,
        new_mrr,
        new_recurring_total: recurring_totals.total,
        chosen,
    })
}

fn pending_items(chosen: &Chosen) -> Vec<PendingItem> {
    chosen
        .items
        .iter()
        .map(|i| PendingItem {
            price_id: i.price.id.clone(),
            product_id: i.product.id.clone(),
            description: i.description(),
            quantity: i64::from(i.quantity),
            unit_amount: i.unit_amount.normalize().to_string(),
            discount: i.unit_discount.normalize().to_string(),
            tax_behavior: tax_behavior_name(i.price.tax_behavior).to_owned(),
            tax_category: i.product.tax_category.clone(),
            recurring: i.recurring(),
            addon: i.addon,
        })
        .collect()
}

/// Replaces a subscription's items (inside the transaction).
pub async fn replace_items(
    tx: &mut Tx,
    sub_id: &str,
    items: &[PendingItem],
) -> Result<(), sqlx::Error> {
    tx.execute(
        "DELETE FROM subscription_items WHERE subscription_id = $1",
        &args![sub_id],
    )
    .await?;
    for (position, i) in items.iter().enumerate() {
        tx.execute(
            "INSERT INTO subscription_items (id, subscription_id, position, price_id, product_id, \
             description, quantity, unit_amount, discount, tax_behavior, tax_category, recurring, addon) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            &args![
                new_id(Kind::SubscriptionItem),
                sub_id,
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
    replace_items(tx, &sub.id, &change.items).await?;
    tx.execute(
        "UPDATE subscriptions SET plan_id = $2, base_mrr_minor = $3, pending_items = NULL WHERE id = $1",
        &args![&sub.id, &change.plan, change.base_mrr_minor],
    )
    .await?;
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
pub async fn apply(
    db: &Db,
    provider: &Provider,
    scope: &Scope,
    sub: &SubscriptionRow,
    change: &ChangePlan,
    today: NaiveDate,
) -> Result<Option<String>, BillingError> {
    let cur = sub.currency();
    let items = pending_items(&change.chosen);
    let base_mrr = minor(change.new_mrr, &cur);
    let plan_id = change.chosen.plan.id.clone();
    let invoice_id = new_id(Kind::Invoice);
    let mut charge = None;
    let charge_auto = sub.payment_mode == "charge_automatically";
    if let Some(p) = &change.proration {
        if charge_auto && p.total > Decimal::ZERO {
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
            let c = payments::charge(db, provider, scope, &pm, p.total, cur.code(), &invoice_id)
                .await?;
            if c.status != ChargeStatus::Succeeded {
                let code = super::failure_code(c.failure_code.as_deref().or(Some(
                    if c.status == ChargeStatus::RequiresAction {
                        "authentication_required"
                    } else {
                        "card_declined"
                    },
                )));
                return Err(BillingError::PaymentFailed {
                    code,
                    detail: format!(
                        "The upgrade could not be charged ({code}); nothing was changed"
                    ),
                });
            }
            charge = Some((c.id, pm));
        }
    }
    let mut tx = Tx::begin(db).await?;
    let mut posted = None;
    match change.direction {
        Direction::Downgrade if change.effective_date > today => {
            let pending = PendingChange {
                plan: plan_id.clone(),
                items,
                base_mrr_minor: base_mrr,
            };
            tx.execute(
                "UPDATE subscriptions SET pending_items = $2 WHERE id = $1",
                &args![&sub.id, serde_json::to_string(&pending).unwrap_or_default()],
            )
            .await?;
            post::event(&mut tx, scope, "subscription.change_scheduled", &sub.id, &serde_json::json!({"effective_date": change.effective_date.to_string(), "plan": plan_id}))
                .await?;
        }
        _ => {
            replace_items(&mut tx, &sub.id, &items).await?;
            tx.execute(
                "UPDATE subscriptions SET plan_id = $2, base_mrr_minor = $3, pending_items = NULL WHERE id = $1",
                &args![&sub.id, &plan_id, base_mrr],
            )
            .await?;
            if let Some(fresh) = post::reload(&mut tx, &sub.id).await? {
                if fresh.mrr_minor != 0 {
                    post::set_mrr(&mut tx, &fresh, base_mrr, today, None).await?;
                }
            }
            if let Some(p) = &change.proration {
                let merchant = merchants::get_merchant(db, scope).await?.ok_or_else(|| {
                    BillingError::NotFound {
                        resource: "merchant",
                        id: scope.merchant_id.clone(),
                    }
                })?;
                let customer = customers::get_customer(db, scope, &sub.customer_id)
                    .await?
                    .ok_or_else(|| BillingError::NotFound {
                        resource: "customer",
                        id: sub.customer_id.clone(),
                    })?;
                let tax = TaxContext::new(&merchant, &customer);
                let billed = bill_to(&customer);
                let period_end: NaiveDate = sub.current_period_end.parse().unwrap_or(today);
                let due = if charge_auto {
                    today
                } else {
                    today + chrono::Days::new(u64::try_from(sub.invoice_due_days).unwrap_or(0))
                };
                let new = NewInvoice {
                    id: invoice_id.clone(),
                    customer_id: &sub.customer_id,
                    subscription_id: Some(&sub.id),
                    billing_reason: "subscription_update",
                    renewal_key: None,
                    currency: &cur,
                    issue_date: today,
                    due_date: due,
                    period: Some((today, period_end)),
                    bill_to: &billed,
                    totals: p,
                    reverse_charge: tax.reverse_charge,
                    tax_note: tax.note(),
                    payment_mode: &sub.payment_mode,
                    payment_method_id: charge.as_ref().map(|(_, pm)| pm.as_str()),
                    next_attempt: None,
                };
                if let Some(row) =
                    post::post_invoice(&mut tx, scope, &merchant.invoice_prefix, &new).await?
                {
                    if let Some((charge_id, _)) = &charge {
                        tx.execute(
                            "UPDATE invoices SET attempt_count = 1 WHERE id = $1",
                            &args![&row.id],
                        )
                        .await?;
                        post::record_payment(&mut tx, &row, today, Some(charge_id)).await?;
                    } else if p.total.is_zero() {
                        post::record_payment(&mut tx, &row, today, None).await?;
                    }
                    let paid = charge.is_some() || p.total.is_zero();
                    super::notify::invoice(&mut tx, &row, paid).await?;
                    posted = Some(row.id);
                }
            }
            post::event(
                &mut tx,
                scope,
                "subscription.updated",
                &sub.id,
                &serde_json::json!({"plan": plan_id, "direction": change.direction}),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(posted)
}

/// The wire form of a change plan.
pub fn preview_wire(change: &ChangePlan, currency: &str) -> renewly_types::ChangePreview {
    let (lines, total, tax) = match &change.proration {
        Some(p) => (p.lines.clone(), p.total, p.tax),
        None => (Vec::new(), Decimal::ZERO, Decimal::ZERO),
    };
    // Every amount with the currency's minor units, as documents show them
    // (a period amount summed from stored items may come as `40`).
    let cur = bstore::currency(currency);
    let shown = |amount: Decimal| bstore::document_amount(amount, &cur);
    renewly_types::ChangePreview {
        direction: match change.direction {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
            Direction::Unchanged => "unchanged",
        }
        .to_owned(),
        effective_date: change.effective_date.to_string(),
        currency: currency.to_owned(),
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
    actor: Actor,
) -> Result<renewly_types::ChangeResult, BillingError> {
    let not_found = || BillingError::NotFound {
        resource: "subscription",
        id: sub_id.to_owned(),
    };
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
        actor,
    )
    .await?;
    let preview = preview_wire(&plan, &sub.currency);
    let invoice_id = if request.preview {
        None
    } else {
        apply(db, provider, scope, &sub, &plan, today).await?
    };
    let subscription = bstore::get_subscription(db, scope, sub_id)
        .await?
        .ok_or_else(not_found)?;
    let invoice = match invoice_id {
        Some(id) => bstore::get_invoice(db, scope, &id).await?,
        None => None,
    };
    Ok(renewly_types::ChangeResult {
        preview,
        applied: !request.preview,
        subscription,
        invoice,
    })
}
