//! The e-mails the billing engine sends, queued in the outbox inside the same
//! transaction as the change that causes them (nothing is sent for a change that
//! rolls back, nothing is lost for one that commits). Links to the customer
//! portal are made when a message is delivered (`mail::PORTAL_LINK`).

use chrono::NaiveDate;
use renewly_types::{Customer, Recurring};
use rust_decimal::Decimal;

use crate::db::Tx;
use crate::domain::money::from_minor;
use crate::mail::templates::{
    CancellationConfirmation, DunningReminder, InvoiceMessage, PaymentFailed,
    SubscriptionConfirmation,
};
use crate::mail::{self, NewMessage, PORTAL_LINK, Recipient};
use crate::store::billing::{InvoiceRow, SubscriptionRow};
use crate::store::customers::{Contact, contact_tx};
use crate::store::{Scope, merchants, subscriptions};

fn recipient(customer: &Customer) -> Recipient {
    Recipient::new(customer.email.clone(), customer.locale.clone())
}

fn display_name(customer: &Customer) -> Option<String> {
    customer.name.clone().or_else(|| customer.company.clone())
}

// Reads go through the transaction: a second pool connection while one is held
// could wait forever when the pool is busy.

async fn merchant_name(tx: &mut Tx, scope: &Scope) -> Result<String, sqlx::Error> {
    merchants::name_tx(tx, scope).await
}

fn contact_recipient(to: &Contact) -> Recipient {
    Recipient::new(to.email.clone(), to.locale.clone())
}

/// What the welcome message of a new subscription says.
#[derive(Debug, Clone, Copy)]
pub struct Welcome<'a> {
    pub customer: &'a Customer,
    pub plan_name: &'a str,
    /// What it costs per period, before tax.
    pub amount: Decimal,
    pub currency: &'a str,
    pub recurring: Recurring,
    pub start: NaiveDate,
    pub trial_end: Option<NaiveDate>,
    pub next_invoice: NaiveDate,
}

/// "Welcome": the plan, what it costs per period (before tax), the dates and the
/// portal link.
pub async fn subscribed(tx: &mut Tx, scope: &Scope, w: &Welcome<'_>) -> Result<(), sqlx::Error> {
    let customer = w.customer;
    let m = SubscriptionConfirmation {
        merchant_name: merchant_name(tx, scope).await?,
        customer_name: display_name(customer),
        plan_name: w.plan_name.to_owned(),
        amount: w.amount,
        currency: w.currency.to_owned(),
        recurring: w.recurring,
        start_date: w.start.to_string(),
        trial_end: w.trial_end.map(|d| d.to_string()),
        next_invoice_date: Some(w.next_invoice.to_string()),
        portal_url: PORTAL_LINK.to_owned(),
    };
    let msg = NewMessage::subscription_confirmation(scope, &recipient(customer), &m)
        .for_customer(&customer.id);
    mail::enqueue(tx, &msg).await
}

/// An invoice with its PDF: a receipt when paid, else the amount due and a link
/// to pay it in the portal.
pub async fn invoice(tx: &mut Tx, invoice: &InvoiceRow, paid: bool) -> Result<(), sqlx::Error> {
    let scope = invoice.scope();
    let Some(customer) = contact_tx(tx, &invoice.customer_id).await? else {
        return Ok(());
    };
    let cur = invoice.currency();
    let m = InvoiceMessage {
        merchant_name: merchant_name(tx, &scope).await?,
        customer_name: customer.name.clone(),
        invoice_number: invoice.number.clone(),
        total: from_minor(invoice.total_minor, &cur),
        amount_due: if paid {
            Decimal::ZERO
        } else {
            invoice.amount_due()
        },
        currency: invoice.currency.clone(),
        issue_date: invoice.issue_date.clone(),
        due_date: invoice.due_date.clone(),
        pay_url: (!paid).then(|| PORTAL_LINK.to_owned()),
    };
    let msg = NewMessage::invoice(&scope, &contact_recipient(&customer), &invoice.id, &m)
        .for_customer(&customer.id);
    mail::enqueue(tx, &msg).await
}

/// A failed charge: the first one says so, the later ones remind, each with a link
/// to update the payment method.
pub async fn payment_failed(
    tx: &mut Tx,
    invoice: &InvoiceRow,
    attempt: i64,
    reason: Option<&str>,
    next_attempt: Option<NaiveDate>,
    closes_on: Option<NaiveDate>,
) -> Result<(), sqlx::Error> {
    let scope = invoice.scope();
    let Some(customer) = contact_tx(tx, &invoice.customer_id).await? else {
        return Ok(());
    };
    let to = contact_recipient(&customer);
    let merchant_name = merchant_name(tx, &scope).await?;
    let msg = if attempt <= 1 {
        NewMessage::payment_failed(
            &scope,
            &to,
            &PaymentFailed {
                merchant_name,
                customer_name: customer.name.clone(),
                invoice_number: invoice.number.clone(),
                amount_due: invoice.amount_due(),
                currency: invoice.currency.clone(),
                reason: reason.map(str::to_owned),
                next_attempt: next_attempt.map(|d| d.to_string()),
                update_payment_url: PORTAL_LINK.to_owned(),
            },
        )
    } else {
        NewMessage::dunning_reminder(
            &scope,
            &to,
            &DunningReminder {
                merchant_name,
                customer_name: customer.name.clone(),
                invoice_number: invoice.number.clone(),
                amount_due: invoice.amount_due(),
                currency: invoice.currency.clone(),
                due_date: invoice.due_date.clone(),
                closes_on: closes_on.map(|d| d.to_string()),
                update_payment_url: PORTAL_LINK.to_owned(),
            },
        )
    };
    mail::enqueue(tx, &msg.for_customer(&customer.id)).await
}

/// A close, now or scheduled: when it ends and why.
pub async fn cancelled(
    tx: &mut Tx,
    sub: &SubscriptionRow,
    ends_on: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    let scope = sub.scope();
    let Some(customer) = contact_tx(tx, &sub.customer_id).await? else {
        return Ok(());
    };
    let plan_name = subscriptions::plan_name(tx, &sub.plan_id).await?;
    let m = CancellationConfirmation {
        merchant_name: merchant_name(tx, &scope).await?,
        customer_name: customer.name.clone(),
        plan_name,
        ends_on: ends_on.to_owned(),
        reason: Some(reason.to_owned()),
        portal_url: Some(PORTAL_LINK.to_owned()),
    };
    let msg = NewMessage::cancellation_confirmation(&scope, &contact_recipient(&customer), &m)
        .for_customer(&customer.id);
    mail::enqueue(tx, &msg).await
}
