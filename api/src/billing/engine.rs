//! Starting, previewing, closing, pausing and resuming subscriptions.

use chrono::{Days, NaiveDate};
use renewly_types::{BillTo, CloseWhen, Customer, Invoice, Merchant, PaymentMode, Subscription};
use rust_decimal::Decimal;

use super::BillingError;
use super::post::{self, NewInvoice, minor};
use super::pricing::{Chosen, Lines, TaxContext, items_mrr, line_inputs};
use crate::args;
use crate::db::{Db, Tx};
use crate::domain::invoice::{Totals, totals};
use crate::domain::money::from_minor;
use crate::domain::recurrence::period_start;
use crate::ids::{Kind, new_id};
use crate::payments::{self, ChargeStatus, Provider};
use crate::store::billing::{self as bstore, SubscriptionRow, interval_name};
use crate::store::{Scope, charges, customers, merchants, now, payment_methods};

/// The reason recorded on the MRR movement of a pause (churn reports group by it).
pub const PAUSED: &str = "paused";

/// A signature given at checkout.
#[derive(Debug, Clone)]
pub struct Signature {
    pub name: String,
    pub signed_at: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub terms_sha256: String,
}

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
    pub order_id: String,
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

/// The customer as billed today.
pub fn bill_to(customer: &Customer) -> BillTo {
    BillTo {
        email: customer.email.clone(),
        name: customer.name.clone(),
        company: customer.company.clone(),
        vat_number: customer.vat_number.clone(),
        address: customer.address.clone(),
    }
}

/// Starts a subscription: posts the first invoice and charges it. A declined card
/// leaves nothing behind (402); a card that needs authentication leaves a `draft`
/// subscription with an open invoice until [`confirm`] succeeds.
pub async fn subscribe(
    db: &Db,
    provider: &Provider,
    scope: &Scope,
    order: Order,
) -> Result<Created, BillingError> {
    let merchant =
        merchants::get_merchant(db, scope)
            .await?
            .ok_or_else(|| BillingError::NotFound {
                resource: "merchant",
                id: scope.merchant_id.clone(),
            })?;
    let plan = &order.chosen.plan;
    let q = quote(
        db,
        scope,
        &merchant,
        &order.customer,
        &order.chosen,
        order.start,
    )
    .await?;
    let cur = &order.chosen.currency;
    let mode = plan.payment_mode;
    let payment_method = match mode {
        PaymentMode::SendInvoice => order.payment_method.clone(),
        PaymentMode::ChargeAutomatically => {
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
            Some(pm)
        }
    };
    let has_invoice = !q.totals.lines.is_empty();
    let invoice_id = new_id(Kind::Invoice);
    let mut charge = None;
    if has_invoice && q.totals.total > Decimal::ZERO && mode == PaymentMode::ChargeAutomatically {
        let pm = payment_method.as_deref().unwrap_or_default();
        let c = payments::charge(
            db,
            provider,
            scope,
            pm,
            q.totals.total,
            cur.code(),
            &invoice_id,
        )
        .await?;
        if c.status == ChargeStatus::Failed {
            let code = super::failure_code(c.failure_code.as_deref());
            return Err(BillingError::PaymentFailed {
                code,
                detail: format!(
                    "The card was declined ({code}); nothing was charged and no subscription was made"
                ),
            });
        }
        charge = Some(c);
    }
    let requires_action = charge
        .as_ref()
        .is_some_and(|c| c.status == ChargeStatus::RequiresAction);
    let sub_id = new_id(Kind::Subscription);
    let order_id = new_id(Kind::Order);
    let anchor = q.period.0;
    let base_mrr = minor(q.mrr, cur);
    let status = if requires_action { "draft" } else { "active" };
    let (current_start, current_end) = match q.trial_end {
        Some(t) => (order.start, t),
        None => q.period,
    };
    let created = now();
    let mut tx = Tx::begin(db).await?;
    tx.execute(
        "INSERT INTO subscriptions (id, merchant_id, livemode, customer_id, plan_id, status, \
         currency, recurring_interval, recurring_count, start_date, current_period_start, \
         current_period_end, next_invoice_date, trial_end, payment_mode, invoice_due_days, \
         payment_method_id, salesperson_id, mrr_minor, base_mrr_minor, health, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, 0, $19, 'good', $20)",
        &args![
            &sub_id,
            &scope.merchant_id,
            scope.livemode,
            &order.customer.id,
            &plan.id,
            status,
            cur.code(),
            interval_name(order.chosen.recurring.interval),
            order.chosen.recurring.interval_count,
            anchor.to_string(),
            current_start.to_string(),
            current_end.to_string(),
            q.next_invoice_date.to_string(),
            q.trial_end.map(|d| d.to_string()),
            payment_mode_name(mode),
            plan.invoice_due_days,
            payment_method.clone(),
            order
                .salesperson
                .clone()
                .or_else(|| order.customer.salesperson.clone()),
            base_mrr,
            &created
        ],
    )
    .await?;
    for (position, item) in order.chosen.items.iter().enumerate() {
        tx.execute(
            "INSERT INTO subscription_items (id, subscription_id, position, price_id, product_id, \
             description, quantity, unit_amount, discount, tax_behavior, tax_category, \
             recurring, addon) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            &args![
                new_id(Kind::SubscriptionItem),
                &sub_id,
                position as i64,
                &item.price.id,
                &item.product.id,
                item.description(),
                item.quantity,
                item.unit_amount.normalize().to_string(),
                item.unit_discount.normalize().to_string(),
                tax_behavior_name(item.price.tax_behavior),
                &item.product.tax_category,
                item.recurring(),
                item.addon
            ],
        )
        .await?;
    }
    let sig = order.signature.as_ref();
    tx.execute(
        "INSERT INTO orders (id, merchant_id, livemode, customer_id, subscription_id, invoice_id, \
         plan_id, source, signature_name, signature_at, signature_ip, signature_user_agent, \
         terms_sha256, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        &args![
            &order_id,
            &scope.merchant_id,
            scope.livemode,
            &order.customer.id,
            &sub_id,
            has_invoice.then(|| invoice_id.clone()),
            &plan.id,
            order.source,
            sig.map(|s| s.name.clone()),
            sig.map(|s| s.signed_at.clone()),
            sig.and_then(|s| s.ip.clone()),
            sig.and_then(|s| s.user_agent.clone()),
            sig.map(|s| s.terms_sha256.clone()),
            &created
        ],
    )
    .await?;
    let mut invoice = None;
    if has_invoice {
        let due = match mode {
            PaymentMode::SendInvoice => add_days(order.start, plan.invoice_due_days),
            PaymentMode::ChargeAutomatically => order.start,
        };
        let billed = bill_to(&order.customer);
        let new = NewInvoice {
            id: invoice_id.clone(),
            customer_id: &order.customer.id,
            subscription_id: Some(&sub_id),
            billing_reason: "subscription_create",
            renewal_key: q.trial_end.is_none().then(|| format!("{sub_id}:{anchor}")),
            currency: cur,
            issue_date: order.start,
            due_date: due,
            period: q.trial_end.is_none().then_some(q.period),
            bill_to: &billed,
            totals: &q.totals,
            reverse_charge: q.reverse_charge,
            tax_note: q.tax_note.clone(),
            payment_mode: payment_mode_name(mode),
            payment_method_id: payment_method.as_deref(),
            next_attempt: None,
        };
        let row = post::post_invoice(&mut tx, scope, &merchant.invoice_prefix, &new).await?;
        if let Some(row) = row {
            if charge.is_some() {
                tx.execute(
                    "UPDATE invoices SET attempt_count = 1 WHERE id = $1",
                    &args![&row.id],
                )
                .await?;
            }
            let paid = match &charge {
                Some(c) => c.status == ChargeStatus::Succeeded,
                None => q.totals.total.is_zero(),
            };
            if paid {
                post::record_payment(
                    &mut tx,
                    &row,
                    order.start,
                    charge.as_ref().map(|c| c.id.as_str()),
                )
                .await?;
            }
            if status == "active" {
                // A receipt, or the invoice to pay (send_invoice).
                super::notify::invoice(&mut tx, &row, paid).await?;
            }
        }
    }
    if status == "active" {
        super::notify::subscribed(
            &mut tx,
            scope,
            &order.customer,
            &plan.name,
            super::change::period_amount(&order.chosen.items, cur),
            cur.code(),
            order.chosen.recurring,
            order.start,
            q.trial_end,
            q.next_invoice_date,
        )
        .await?;
    }
    if status == "active" && q.trial_end.is_none() {
        if let Some(row) = post::reload(&mut tx, &sub_id).await? {
            post::set_mrr(&mut tx, &row, base_mrr, order.start, None).await?;
        }
    }
    post::event(
        &mut tx,
        scope,
        "subscription.created",
        &sub_id,
        &serde_json::json!({"status": status, "plan": plan.id}),
    )
    .await?;
    tx.commit().await?;
    let subscription = bstore::get_subscription(db, scope, &sub_id)
        .await?
        .ok_or_else(|| BillingError::NotFound {
            resource: "subscription",
            id: sub_id.clone(),
        })?;
    if has_invoice {
        invoice = bstore::get_invoice(db, scope, &invoice_id).await?;
    }
    Ok(Created {
        subscription,
        invoice,
        order_id,
        pending_charge: charge
            .filter(|c| c.status == ChargeStatus::RequiresAction)
            .map(|c| c.id),
    })
}

/// Completes a `draft` subscription whose first charge needed authentication.
pub async fn confirm(
    db: &Db,
    provider: &Provider,
    scope: &Scope,
    sub_id: &str,
) -> Result<Subscription, BillingError> {
    let not_found = || BillingError::NotFound {
        resource: "subscription",
        id: sub_id.to_owned(),
    };
    let row = bstore::subscription_row(db, scope, sub_id)
        .await?
        .ok_or_else(not_found)?;
    if row.status != "draft" {
        return bstore::get_subscription(db, scope, sub_id)
            .await?
            .ok_or_else(not_found);
    }
    let invoice: Option<(String,)> = db
        .fetch_optional(
            "SELECT id FROM invoices WHERE subscription_id = $1 AND billing_reason = 'subscription_create'",
            &args![sub_id],
        )
        .await?;
    let Some((invoice_id,)) = invoice else {
        return Err(BillingError::Conflict {
            code: "nothing_to_confirm",
            detail: "No payment waits for confirmation".to_owned(),
        });
    };
    let charge = charges::find_by_key(db, scope, &invoice_id)
        .await?
        .ok_or_else(|| BillingError::Conflict {
            code: "nothing_to_confirm",
            detail: "No payment waits for confirmation".to_owned(),
        })?;
    let charge = payments::confirm(db, provider, scope, &charge.id).await?;
    if charge.status != ChargeStatus::Succeeded {
        let code = super::failure_code(charge.failure_code.as_deref());
        return Err(BillingError::PaymentFailed {
            code,
            detail: format!("The payment was not confirmed ({code})"),
        });
    }
    let start: NaiveDate = row
        .current_period_start
        .parse()
        .unwrap_or_else(|_| super::clock::calendar_today());
    let mut tx = Tx::begin(db).await?;
    let changed = tx
        .execute(
            "UPDATE subscriptions SET status = 'active' WHERE id = $1 AND status = 'draft'",
            &args![sub_id],
        )
        .await?;
    if changed == 1 {
        let inv: Option<bstore::InvoiceRow> = tx
            .fetch_optional("SELECT * FROM invoices WHERE id = $1", &args![&invoice_id])
            .await?;
        if let Some(inv) = inv {
            post::record_payment(&mut tx, &inv, start, Some(&charge.id)).await?;
            super::notify::invoice(&mut tx, &inv, true).await?;
        }
        if let Some(fresh) = post::reload(&mut tx, sub_id).await? {
            if fresh.trial_end.is_none() {
                post::set_mrr(&mut tx, &fresh, fresh.base_mrr_minor, start, None).await?;
            }
        }
        post::event(
            &mut tx,
            scope,
            "subscription.activated",
            sub_id,
            &serde_json::json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    bstore::get_subscription(db, scope, sub_id)
        .await?
        .ok_or_else(not_found)
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
    let not_found = || BillingError::NotFound {
        resource: "subscription",
        id: sub_id.to_owned(),
    };
    let row = bstore::subscription_row(db, scope, sub_id)
        .await?
        .ok_or_else(not_found)?;
    if row.status == "closed" {
        return Err(BillingError::Conflict {
            code: "subscription_closed",
            detail: "The subscription is already closed".to_owned(),
        });
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(BillingError::invalid(
            "reason",
            "Give a reason of 1 to 200 characters",
        ));
    }
    let plan = crate::store::plans::get_plan(db, scope, &row.plan_id).await?;
    let reason = plan
        .and_then(|p| {
            p.close_reasons
                .into_iter()
                .find(|r| r.id == reason || r.name.eq_ignore_ascii_case(reason))
        })
        .map_or_else(|| reason.to_owned(), |r| r.name);
    let mut tx = Tx::begin(db).await?;
    let at_period_end = when == CloseWhen::PeriodEnd && row.status != "draft";
    if at_period_end {
        let end = row
            .next_invoice_date
            .clone()
            .unwrap_or_else(|| row.current_period_end.clone());
        tx.execute(
            "UPDATE subscriptions SET cancel_at = $2, close_reason = $3, close_comment = $4 WHERE id = $1",
            &args![sub_id, &end, &reason, comment],
        )
        .await?;
        post::event(
            &mut tx,
            scope,
            "subscription.cancel_scheduled",
            sub_id,
            &serde_json::json!({"cancel_at": end, "reason": reason}),
        )
        .await?;
        super::notify::cancelled(&mut tx, &row, &end, &reason).await?;
    } else if !close_in_tx(&mut tx, &row, today, &reason, comment).await? {
        return Err(BillingError::Conflict {
            code: "subscription_closed",
            detail: "The subscription is already closed".to_owned(),
        });
    } else if row.status != "draft" {
        super::notify::cancelled(&mut tx, &row, &today.to_string(), &reason).await?;
    }
    tx.commit().await?;
    bstore::get_subscription(db, scope, sub_id)
        .await?
        .ok_or_else(not_found)
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
    let changed = tx
        .execute(
            "UPDATE subscriptions SET status = 'closed', closed_at = $2, close_reason = $3, \
             close_comment = COALESCE($4, close_comment), next_invoice_date = NULL, cancel_at = NULL \
             WHERE id = $1 AND status <> 'closed'",
            &args![&row.id, date.to_string(), reason, comment],
        )
        .await?;
    if changed == 0 {
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

/// Pauses an active subscription: no invoices, MRR 0, until resumed.
pub async fn pause(
    db: &Db,
    scope: &Scope,
    sub_id: &str,
    today: NaiveDate,
) -> Result<Subscription, BillingError> {
    let not_found = || BillingError::NotFound {
        resource: "subscription",
        id: sub_id.to_owned(),
    };
    let row = bstore::subscription_row(db, scope, sub_id)
        .await?
        .ok_or_else(not_found)?;
    if row.status != "active" {
        return Err(BillingError::Conflict {
            code: "invalid_state",
            detail: format!(
                "Only an active subscription can be paused; this one is {}",
                row.status
            ),
        });
    }
    let mut tx = Tx::begin(db).await?;
    tx.execute(
        "UPDATE subscriptions SET status = 'paused', paused_at = $2 WHERE id = $1",
        &args![sub_id, today.to_string()],
    )
    .await?;
    // A pause counts 0 MRR: a churn (or contraction) whose reason reads "paused".
    post::set_mrr(&mut tx, &row, 0, today, Some(PAUSED)).await?;
    post::event(
        &mut tx,
        scope,
        "subscription.paused",
        sub_id,
        &serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    bstore::get_subscription(db, scope, sub_id)
        .await?
        .ok_or_else(not_found)
}

/// Resumes a paused subscription. Billing restarts today with a new anchor when
/// the paid period ran out while paused.
pub async fn resume(
    db: &Db,
    scope: &Scope,
    sub_id: &str,
    today: NaiveDate,
) -> Result<Subscription, BillingError> {
    let not_found = || BillingError::NotFound {
        resource: "subscription",
        id: sub_id.to_owned(),
    };
    let row = bstore::subscription_row(db, scope, sub_id)
        .await?
        .ok_or_else(not_found)?;
    if row.status != "paused" {
        return Err(BillingError::Conflict {
            code: "invalid_state",
            detail: format!(
                "Only a paused subscription can be resumed; this one is {}",
                row.status
            ),
        });
    }
    let next = row
        .next_invoice_date
        .as_deref()
        .and_then(|d| d.parse::<NaiveDate>().ok());
    let mut tx = Tx::begin(db).await?;
    if next.is_none_or(|n| n < today) {
        // The paid period ended during the pause: a new period starts today.
        tx.execute(
            "UPDATE subscriptions SET status = 'active', paused_at = NULL, start_date = $2, \
             next_invoice_date = $2 WHERE id = $1",
            &args![sub_id, today.to_string()],
        )
        .await?;
    } else {
        tx.execute(
            "UPDATE subscriptions SET status = 'active', paused_at = NULL WHERE id = $1",
            &args![sub_id],
        )
        .await?;
    }
    let in_trial = row
        .trial_end
        .as_deref()
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .is_some_and(|t| t > today);
    if !in_trial {
        post::set_mrr(&mut tx, &row, row.base_mrr_minor, today, None).await?;
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
    bstore::get_subscription(db, scope, sub_id)
        .await?
        .ok_or_else(not_found)
}

/// The stored name of a payment mode.
pub fn payment_mode_name(mode: PaymentMode) -> &'static str {
    match mode {
        PaymentMode::ChargeAutomatically => "charge_automatically",
        PaymentMode::SendInvoice => "send_invoice",
    }
}

/// The stored name of a tax behaviour.
pub fn tax_behavior_name(b: renewly_types::TaxBehavior) -> &'static str {
    match b {
        renewly_types::TaxBehavior::Exclusive => "exclusive",
        renewly_types::TaxBehavior::Inclusive => "inclusive",
    }
}

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
