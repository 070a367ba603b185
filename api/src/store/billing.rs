//! Subscriptions and invoices in wire form, and what the billing store modules
//! share: which data a billing run covers, currency codes and interval names.
//! The statements live in [`subscriptions`], [`invoices`], [`ledger`](super::ledger),
//! [`events`](super::events) and [`mrr`](super::mrr).

use renewly_types::{
    BillTo, Interval, Invoice, InvoiceLine, Subscription, SubscriptionItem, TaxBreakdown,
};
use rust_decimal::Decimal;

pub use super::invoices::{InvoiceFilter, InvoiceRow, LineRow, lines};
pub use super::subscriptions::{
    ItemRow, SubscriptionFilter, SubscriptionRow, interval_name, items, items_tx,
};
use super::{Page, Scope, from_json_text, invoices, subscriptions};
use crate::db::Db;
use crate::domain::currency::Currency;
use crate::domain::money::from_minor;

/// Which data a billing run covers.
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
    /// The bound values of the filter's SQL condition: merchant, which case
    /// (0 all, 1 one scope, 2 real time) and mode.
    pub(crate) fn parts(&self) -> (String, i64, bool) {
        match self {
            Self::Scope(s) => (s.merchant_id.clone(), 1, s.livemode),
            Self::All => (String::new(), 0, false),
            Self::RealTime => (String::new(), 2, false),
        }
    }
}

/// Reads a row type through its raw columns (`$raw`, a `FromRow`) and a
/// `TryFrom<$raw>` that checks and parses them, on both backends.
macro_rules! from_raw_row {
    ($typed:ty, $raw:ty) => {
        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $typed {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
                <$raw as sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>>::from_row(row)?.try_into()
            }
        }
        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $typed {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                <$raw as sqlx::FromRow<'r, sqlx::postgres::PgRow>>::from_row(row)?.try_into()
            }
        }
    };
}
pub(crate) use from_raw_row;

/// The decode error of a column that holds what no valid write stores.
pub(crate) fn damaged(what: &str, raw: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("{what}: unexpected value '{raw}'").into())
}

/// A stored date (`YYYY-MM-DD`).
pub(crate) fn parse_date(what: &str, raw: &str) -> Result<chrono::NaiveDate, sqlx::Error> {
    raw.parse().map_err(|_| damaged(what, raw))
}

/// A stored currency code; an unknown one is an error, not two minor units.
pub(crate) fn parse_currency(what: &str, raw: &str) -> Result<Currency, sqlx::Error> {
    Currency::parse(raw).ok_or_else(|| damaged(what, raw))
}

/// A stored decimal amount.
pub(crate) fn parse_decimal(what: &str, raw: &str) -> Result<Decimal, sqlx::Error> {
    raw.parse().map_err(|_| damaged(what, raw))
}

/// A currency by code, two minor units assumed for an unknown one. Billing
/// rows check their currency when read instead (an unknown one is an error);
/// this stays for the views that still read codes themselves.
pub fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap_or_else(|| Currency::with_minor_units(code, 2))
}

/// An amount as a document shows it: with at least the currency's minor units
/// (`29` → `29.00`), more when a unit price has them (`8.991` stays).
pub fn document_amount(amount: Decimal, currency: &Currency) -> Decimal {
    let mut shown = amount;
    if shown.scale() < currency.minor_units() {
        shown.rescale(currency.minor_units());
    }
    shown
}

/// `day` → [`Interval::Day`], etc.; `month` for anything unknown.
pub fn parse_interval(raw: &str) -> Interval {
    match raw {
        "day" => Interval::Day,
        "week" => Interval::Week,
        "year" => Interval::Year,
        _ => Interval::Month,
    }
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

/// One subscription row in scope.
pub async fn subscription_row(
    db: &Db,
    scope: &Scope,
    id: &str,
) -> Result<Option<SubscriptionRow>, sqlx::Error> {
    subscriptions::get(db, scope, id).await
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

/// One invoice row in scope.
pub async fn invoice_row(
    db: &Db,
    scope: &Scope,
    id: &str,
) -> Result<Option<InvoiceRow>, sqlx::Error> {
    invoices::get(db, scope, id).await
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
