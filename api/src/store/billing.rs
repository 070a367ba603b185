//! Reading subscriptions, invoices, ledger entries, MRR and other events.
//! (Writes happen inside the billing engine's transactions: `crate::billing`.)

use renewly_types::{
    BillTo, Interval, Invoice, InvoiceLine, Recurring, Subscription, SubscriptionItem,
    SubscriptionStatus, TaxBreakdown,
};
use rust_decimal::Decimal;

use super::{Page, Scope, from_json_text};
use crate::args;
use crate::db::{Db, Tx};
use crate::domain::currency::Currency;
use crate::domain::money::from_minor;

/// A subscription row as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriptionRow {
    pub id: String,
    pub merchant_id: String,
    pub livemode: bool,
    pub customer_id: String,
    pub plan_id: String,
    pub status: String,
    pub currency: String,
    pub recurring_interval: String,
    pub recurring_count: i64,
    pub start_date: String,
    pub current_period_start: String,
    pub current_period_end: String,
    pub next_invoice_date: Option<String>,
    pub trial_end: Option<String>,
    pub payment_mode: String,
    pub invoice_due_days: i64,
    pub payment_method_id: Option<String>,
    pub salesperson_id: Option<String>,
    pub mrr_minor: i64,
    pub base_mrr_minor: i64,
    pub health: String,
    pub cancel_at: Option<String>,
    pub close_reason: Option<String>,
    pub close_comment: Option<String>,
    pub closed_at: Option<String>,
    pub paused_at: Option<String>,
    pub past_due_since: Option<String>,
    pub pending_items: Option<String>,
    pub created: String,
}

impl SubscriptionRow {
    /// The scope the row belongs to.
    pub fn scope(&self) -> Scope {
        Scope {
            merchant_id: self.merchant_id.clone(),
            livemode: self.livemode,
        }
    }

    /// How often it renews.
    pub fn recurring(&self) -> Recurring {
        Recurring {
            interval: parse_interval(&self.recurring_interval),
            interval_count: u32::try_from(self.recurring_count).unwrap_or(1),
        }
    }

    /// The currency (EUR when the stored code is somehow unknown).
    pub fn currency(&self) -> Currency {
        currency(&self.currency)
    }
}

/// A subscription item row as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub id: String,
    pub subscription_id: String,
    pub position: i64,
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

impl ItemRow {
    /// The list price per unit.
    pub fn unit_amount(&self) -> Decimal {
        self.unit_amount.parse().unwrap_or_default()
    }

    /// The discount per unit.
    pub fn discount(&self) -> Decimal {
        self.discount.parse().unwrap_or_default()
    }
}

/// An invoice row as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvoiceRow {
    pub id: String,
    pub merchant_id: String,
    pub livemode: bool,
    pub number: String,
    pub status: String,
    pub customer_id: String,
    pub subscription_id: Option<String>,
    pub billing_reason: String,
    pub renewal_key: Option<String>,
    pub currency: String,
    pub issue_date: String,
    pub due_date: String,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub bill_to: String,
    pub subtotal_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub amount_paid_minor: i64,
    pub reverse_charge: bool,
    pub tax_note: Option<String>,
    pub payment_mode: String,
    pub payment_method_id: Option<String>,
    pub attempt_count: i64,
    pub next_attempt_date: Option<String>,
    pub first_failure_date: Option<String>,
    pub hard_declined: bool,
    pub paid_at: Option<String>,
    pub created: String,
}

impl InvoiceRow {
    /// The scope the row belongs to.
    pub fn scope(&self) -> Scope {
        Scope {
            merchant_id: self.merchant_id.clone(),
            livemode: self.livemode,
        }
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        currency(&self.currency)
    }

    /// What is still to pay.
    pub fn amount_due(&self) -> Decimal {
        from_minor(self.total_minor - self.amount_paid_minor, &self.currency())
    }
}

/// An invoice line row as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LineRow {
    pub id: String,
    pub invoice_id: String,
    pub position: i64,
    pub kind: String,
    pub description: String,
    pub price_id: Option<String>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub quantity: i64,
    pub unit_amount: String,
    pub discount: String,
    pub tax_behavior: String,
    pub tax_rate: String,
    pub tax_name: String,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub amount_minor: i64,
}

/// A currency by code. Stored codes were validated on the way in; should one ever
/// be unknown, two minor units are assumed.
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

/// The stored name of an interval.
pub fn interval_name(interval: Interval) -> &'static str {
    match interval {
        Interval::Day => "day",
        Interval::Week => "week",
        Interval::Month => "month",
        Interval::Year => "year",
    }
}

/// The wire form of a subscription with its items.
pub fn subscription_wire(row: &SubscriptionRow, items: &[ItemRow]) -> Subscription {
    let cur = row.currency();
    Subscription {
        id: row.id.clone(),
        object: "subscription".to_owned(),
        livemode: row.livemode,
        status: SubscriptionStatus::parse(&row.status).unwrap_or(SubscriptionStatus::Draft),
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
            unit_amount: document_amount(l.unit_amount.parse().unwrap_or_default(), &cur),
            discount: document_amount(l.discount.parse().unwrap_or_default(), &cur),
            tax_behavior: l.tax_behavior.clone(),
            tax_rate: l.tax_rate.parse().unwrap_or_default(),
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
    db.fetch_optional(
        "SELECT * FROM subscriptions WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
        &args![id, &scope.merchant_id, scope.livemode],
    )
    .await
}

/// The items of a subscription, in order.
pub async fn items(db: &Db, subscription_id: &str) -> Result<Vec<ItemRow>, sqlx::Error> {
    db.fetch_all(
        "SELECT * FROM subscription_items WHERE subscription_id = $1 ORDER BY position",
        &args![subscription_id],
    )
    .await
}

/// The items of a subscription, in order, inside a transaction.
pub async fn items_tx(tx: &mut Tx, subscription_id: &str) -> Result<Vec<ItemRow>, sqlx::Error> {
    tx.fetch_all(
        "SELECT * FROM subscription_items WHERE subscription_id = $1 ORDER BY position",
        &args![subscription_id],
    )
    .await
}

/// One subscription in scope, wire form.
pub async fn get_subscription(
    db: &Db,
    scope: &Scope,
    id: &str,
) -> Result<Option<Subscription>, sqlx::Error> {
    let Some(row) = subscription_row(db, scope, id).await? else {
        return Ok(None);
    };
    let items = items(db, &row.id).await?;
    Ok(Some(subscription_wire(&row, &items)))
}

/// Filters of the subscription list.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionFilter {
    pub status: Option<String>,
    pub customer: Option<String>,
    pub plan: Option<String>,
}

/// A page of subscriptions, newest first.
pub async fn list_subscriptions(
    db: &Db,
    scope: &Scope,
    f: &SubscriptionFilter,
    page: &Page,
) -> Result<(Vec<Subscription>, bool), sqlx::Error> {
    let rows: Vec<SubscriptionRow> = db
        .fetch_all(
            "SELECT * FROM subscriptions WHERE merchant_id = $1 AND livemode = $2 AND id < $3 \
             AND ($4 = '' OR status = $4) AND ($5 = '' OR customer_id = $5) \
             AND ($6 = '' OR plan_id = $6) ORDER BY id DESC LIMIT $7",
            &args![
                &scope.merchant_id,
                scope.livemode,
                page.cursor(),
                f.status.clone().unwrap_or_default(),
                f.customer.clone().unwrap_or_default(),
                f.plan.clone().unwrap_or_default(),
                page.fetch()
            ],
        )
        .await?;
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
    db.fetch_optional(
        "SELECT * FROM invoices WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
        &args![id, &scope.merchant_id, scope.livemode],
    )
    .await
}

/// The lines of an invoice, in order.
pub async fn lines(db: &Db, invoice_id: &str) -> Result<Vec<LineRow>, sqlx::Error> {
    db.fetch_all(
        "SELECT * FROM invoice_lines WHERE invoice_id = $1 ORDER BY position",
        &args![invoice_id],
    )
    .await
}

/// One invoice in scope, wire form.
pub async fn get_invoice(db: &Db, scope: &Scope, id: &str) -> Result<Option<Invoice>, sqlx::Error> {
    let Some(row) = invoice_row(db, scope, id).await? else {
        return Ok(None);
    };
    let lines = lines(db, &row.id).await?;
    Ok(Some(invoice_wire(&row, &lines)))
}

/// Filters of the invoice list.
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    pub subscription: Option<String>,
    pub customer: Option<String>,
    pub status: Option<String>,
}

/// A page of invoices, newest first.
pub async fn list_invoices(
    db: &Db,
    scope: &Scope,
    f: &InvoiceFilter,
    page: &Page,
) -> Result<(Vec<Invoice>, bool), sqlx::Error> {
    let rows: Vec<InvoiceRow> = db
        .fetch_all(
            "SELECT * FROM invoices WHERE merchant_id = $1 AND livemode = $2 AND id < $3 \
             AND ($4 = '' OR subscription_id = $4) AND ($5 = '' OR customer_id = $5) \
             AND ($6 = '' OR status = $6) ORDER BY id DESC LIMIT $7",
            &args![
                &scope.merchant_id,
                scope.livemode,
                page.cursor(),
                f.subscription.clone().unwrap_or_default(),
                f.customer.clone().unwrap_or_default(),
                f.status.clone().unwrap_or_default(),
                page.fetch()
            ],
        )
        .await?;
    let (rows, more) = page.finish(rows);
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(invoice_wire(row, &lines(db, &row.id).await?));
    }
    Ok((out, more))
}
