//! The e-mails the billing engine sends, queued in the outbox inside the same
//! transaction as the change that causes them (nothing is sent for a change that
//! rolls back, nothing is lost for one that commits). Links to the customer
//! portal are made when a message is delivered (`mail::PORTAL_LINK`).

use chrono::NaiveDate;
use renewly_types::{Customer, Recurring};
use rust_decimal::Decimal;

use crate::args;
use crate::db::Tx;
use crate::domain::money::from_minor;
use crate::mail::templates::{
    CancellationConfirmation, DunningReminder, InvoiceMessage, PaymentFailed,
    SubscriptionConfirmation,
};
use crate::mail::{self, NewMessage, PORTAL_LINK, Recipient};
use crate::store::Scope;
use crate::store::billing::{InvoiceRow, SubscriptionRow};

fn recipient(customer: &Customer) -> Recipient {
    Recipient::new(customer.email.clone(), customer.locale.clone())
}

fn display_name(customer: &Customer) -> Option<String> {
    customer.name.clone().or_else(|| customer.company.clone())
}

// Reads go through the transaction: a second pool connection while one is held
// could wait forever when the pool is busy.

async fn merchant_name(tx: &mut Tx, scope: &Scope) -> Result<String, sqlx::Error> {
    let row: Option<(String,)> = tx
        .fetch_optional(
            "SELECT name FROM merchants WHERE id = $1",
            &args![&scope.merchant_id],
        )
        .await?;
    Ok(row.map_or_else(String::new, |(n,)| n))
}

/// Who receives the message.
struct To {
    id: String,
    email: String,
    locale: String,
    name: Option<String>,
}

/// id, email, locale, name, company.
type ToRow = (String, String, String, Option<String>, Option<String>);

async fn customer(tx: &mut Tx, id: &str) -> Result<Option<To>, sqlx::Error> {
    let row: Option<ToRow> = tx
        .fetch_optional(
            "SELECT id, email, locale, name, company FROM customers WHERE id = $1",
            &args![id],
        )
        .await?;
    Ok(row.map(|(id, email, locale, name, company)| To {
        id,
        email,
        locale,
        name: name.or(company),
    }))
}

impl To {
    fn recipient(&self) -> Recipient {
        Recipient::new(self.email.clone(), self.locale.clone())
    }
}

/// "Welcome": the plan, what it costs per period (before tax), the dates and the
/// portal link.
#[allow(clippy::too_many_arguments)]
pub async fn subscribed(
    tx: &mut Tx,
    scope: &Scope,
    customer: &Customer,
    plan_name: &str,
    amount: Decimal,
    currency: &str,
    recurring: Recurring,
    start: NaiveDate,
    trial_end: Option<NaiveDate>,
    next_invoice: NaiveDate,
) -> Result<(), sqlx::Error> {
    let m = SubscriptionConfirmation {
        merchant_name: merchant_name(tx, scope).await?,
        customer_name: display_name(customer),
        plan_name: plan_name.to_owned(),
        amount,
        currency: currency.to_owned(),
        recurring,
        start_date: start.to_string(),
        trial_end: trial_end.map(|d| d.to_string()),
        next_invoice_date: Some(next_invoice.to_string()),
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
    let Some(customer) = customer(tx, &invoice.customer_id).await? else {
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
    let msg = NewMessage::invoice(&scope, &customer.recipient(), &invoice.id, &m)
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
    let Some(customer) = customer(tx, &invoice.customer_id).await? else {
        return Ok(());
    };
    let to = customer.recipient();
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
    let Some(customer) = customer(tx, &sub.customer_id).await? else {
        return Ok(());
    };
    let plan: Option<(String,)> = tx
        .fetch_optional("SELECT name FROM plans WHERE id = $1", &args![&sub.plan_id])
        .await?;
    let plan_name = plan.map_or_else(String::new, |(n,)| n);
    let m = CancellationConfirmation {
        merchant_name: merchant_name(tx, &scope).await?,
        customer_name: customer.name.clone(),
        plan_name,
        ends_on: ends_on.to_owned(),
        reason: Some(reason.to_owned()),
        portal_url: Some(PORTAL_LINK.to_owned()),
    };
    let msg = NewMessage::cancellation_confirmation(&scope, &customer.recipient(), &m)
        .for_customer(&customer.id);
    mail::enqueue(tx, &msg).await
}
