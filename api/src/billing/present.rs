//! Subscriptions and invoices as the API shows them: rows to wire types, amounts
//! with the currency's minor units.

use renewly_types::{BillTo, Invoice, InvoiceLine, Subscription, SubscriptionItem, TaxBreakdown};
use rust_decimal::Decimal;

use crate::db::Db;
use crate::domain::currency::Currency;
use crate::domain::money::from_minor;
use crate::store::billing::{
    InvoiceFilter, InvoiceRow, ItemRow, LineRow, SubscriptionFilter, SubscriptionRow, items, lines,
};
use crate::store::{Page, Scope, from_json_text, invoices, subscriptions};

/// An amount as a document shows it: with at least the currency's minor units
/// (`29` → `29.00`), more when a unit price has them (`8.991` stays).
pub fn document_amount(amount: Decimal, currency: &Currency) -> Decimal {
    let mut shown = amount;
    if shown.scale() < currency.minor_units() {
        shown.rescale(currency.minor_units());
    }
    shown
}

/// The wire form of a subscription with its items.
pub fn subscription_wire(row: &SubscriptionRow, items: &[ItemRow]) -> Subscription {
    let cur = row.currency();
    Subscription {
        id: row.id.clone(),
        object: "subscription".to_owned(),
        livemode: row.livemode,
        status: row.state,
        customer: row.customer_id.clone(),
        plan: row.plan_id.clone(),
        items: items
            .iter()
            .map(|i| SubscriptionItem {
                id: i.id.clone(),
                price: i.price_id.clone(),
                product: i.product_id.clone(),
                description: i.description.clone(),
                quantity: u32::try_from(i.quantity).unwrap_or(0),
                unit_amount: document_amount(i.unit_amount(), &cur),
                discount: document_amount(i.discount(), &cur),
                recurring: i.recurring.then(|| row.recurring()),
                addon: i.addon,
            })
            .collect(),
        currency: row.currency.clone(),
        recurring: row.recurring(),
        start_date: row.start_date.clone(),
        current_period_start: row.current_period_start.clone(),
        current_period_end: row.current_period_end.clone(),
        next_invoice_date: row.next_invoice_date.clone(),
        trial_end: row.trial_end.clone(),
        payment_mode: row.payment_mode.clone(),
        payment_method: row.payment_method_id.clone(),
        salesperson: row.salesperson_id.clone(),
        mrr: from_minor(row.mrr_minor, &cur),
        health: row.health.clone(),
        cancel_at: row.cancel_at.clone(),
        close_reason: row.close_reason.clone(),
        closed_at: row.closed_at.clone(),
        created: row.created.clone(),
    }
}

/// The wire form of an invoice with its lines.
pub fn invoice_wire(row: &InvoiceRow, lines: &[LineRow]) -> Invoice {
    let cur = row.currency();
    let wire_lines: Vec<InvoiceLine> = lines
        .iter()
        .map(|l| InvoiceLine {
            kind: l.kind.clone(),
            description: l.description.clone(),
            price: l.price_id.clone(),
            period_start: l.period_start.clone(),
            period_end: l.period_end.clone(),
            quantity: u32::try_from(l.quantity).unwrap_or(0),
            unit_amount: document_amount(l.amounts.unit_amount, &cur),
            discount: document_amount(l.amounts.discount, &cur),
            tax_behavior: l.tax_behavior.clone(),
            tax_rate: l.amounts.tax_rate,
            net: from_minor(l.net_minor, &cur),
            tax: from_minor(l.tax_minor, &cur),
            amount: from_minor(l.amount_minor, &cur),
        })
        .collect();
    let mut breakdown: Vec<TaxBreakdown> = Vec::new();
    for (l, w) in lines.iter().zip(&wire_lines) {
        match breakdown
            .iter_mut()
            .find(|b| b.rate == w.tax_rate && b.name == l.tax_name)
        {
            Some(b) => {
                b.net += w.net;
                b.tax += w.tax;
            }
            None => breakdown.push(TaxBreakdown {
                rate: w.tax_rate,
                name: l.tax_name.clone(),
                net: w.net,
                tax: w.tax,
            }),
        }
    }
    Invoice {
        id: row.id.clone(),
        object: "invoice".to_owned(),
        livemode: row.livemode,
        number: row.number.clone(),
        status: row.status.clone(),
        customer: row.customer_id.clone(),
        subscription: row.subscription_id.clone(),
        billing_reason: row.billing_reason.clone(),
        currency: row.currency.clone(),
        issue_date: row.issue_date.clone(),
        due_date: row.due_date.clone(),
        period_start: row.period_start.clone(),
        period_end: row.period_end.clone(),
        bill_to: from_json_text::<BillTo>(&row.bill_to),
        lines: wire_lines,
        subtotal: from_minor(row.subtotal_minor, &cur),
        tax: from_minor(row.tax_minor, &cur),
        total: from_minor(row.total_minor, &cur),
        amount_paid: from_minor(row.amount_paid_minor, &cur),
        amount_refunded: from_minor(row.amount_refunded_minor, &cur),
        amount_due: row.amount_due(),
        tax_breakdown: breakdown,
        reverse_charge: row.reverse_charge,
        tax_note: row.tax_note.clone(),
        attempt_count: u32::try_from(row.attempt_count).unwrap_or(0),
        next_payment_attempt: row.next_attempt_date.clone(),
        paid_at: row.paid_at.clone(),
        created: row.created.clone(),
    }
}

/// One subscription in scope, wire form.
pub async fn get_subscription(
    db: &Db,
    scope: &Scope,
    id: &str,
) -> Result<Option<Subscription>, sqlx::Error> {
    let Some(row) = subscriptions::get(db, scope, id).await? else {
        return Ok(None);
    };
    let items = items(db, &row.id).await?;
    Ok(Some(subscription_wire(&row, &items)))
}

/// A page of subscriptions, newest first.
pub async fn list_subscriptions(
    db: &Db,
    scope: &Scope,
    f: &SubscriptionFilter,
    page: &Page,
) -> Result<(Vec<Subscription>, bool), sqlx::Error> {
    let rows = subscriptions::list(db, scope, f, page).await?;
    let (rows, more) = page.finish(rows);
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(subscription_wire(row, &items(db, &row.id).await?));
    }
    Ok((out, more))
}

/// One invoice in scope, wire form.
pub async fn get_invoice(db: &Db, scope: &Scope, id: &str) -> Result<Option<Invoice>, sqlx::Error> {
    let Some(row) = invoices::get(db, scope, id).await? else {
        return Ok(None);
    };
    let lines = lines(db, &row.id).await?;
    Ok(Some(invoice_wire(&row, &lines)))
}

/// A page of invoices, newest first.
pub async fn list_invoices(
    db: &Db,
    scope: &Scope,
    f: &InvoiceFilter,
    page: &Page,
) -> Result<(Vec<Invoice>, bool), sqlx::Error> {
    let rows = invoices::list(db, scope, f, page).await?;
    let (rows, more) = page.finish(rows);
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(invoice_wire(row, &lines(db, &row.id).await?));
    }
    Ok((out, more))
}
