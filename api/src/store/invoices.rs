//! Invoices and their lines: the rows, gapless numbering, and every statement
//! that reads or changes them. Status changes are conditional on the status they
//! expect (`false`: another worker or request got there first).

use chrono::NaiveDate;
use renewly_types::{BillTo, InvoiceLine};
use rust_decimal::Decimal;

use super::billing::{Filter, from_raw_row, parse_currency, parse_date, parse_decimal};
use super::{Scope, json_text};
use crate::args;
use crate::db::{Db, Lock, Tx};
use crate::domain::currency::Currency;
use crate::domain::invoice::Totals;
use crate::domain::money::{from_minor, to_minor};
use crate::ids::{Kind, new_id};

/// The columns of an invoice as stored.
#[derive(sqlx::FromRow)]
struct RawInvoice {
    id: String,
    merchant_id: String,
    livemode: bool,
    number: String,
    status: String,
    customer_id: String,
    subscription_id: Option<String>,
    billing_reason: String,
    renewal_key: Option<String>,
    currency: String,
    issue_date: String,
    due_date: String,
    period_start: Option<String>,
    period_end: Option<String>,
    bill_to: String,
    subtotal_minor: i64,
    tax_minor: i64,
    total_minor: i64,
    amount_paid_minor: i64,
    #[sqlx(default)]
    amount_refunded_minor: i64,
    reverse_charge: bool,
    tax_note: Option<String>,
    payment_mode: String,
    payment_method_id: Option<String>,
    attempt_count: i64,
    next_attempt_date: Option<String>,
    first_failure_date: Option<String>,
    hard_declined: bool,
    paid_at: Option<String>,
    created: String,
}

/// An invoice row, checked and parsed once when it is read: an unknown currency
/// or a damaged date is a decode error, not a default.
///
/// The typed values ([`currency()`](Self::currency), [`dates`](Self::dates)) are
/// what billing uses; the text columns stay for views that show them as stored.
#[derive(Debug, Clone)]
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
    /// What was given back of what was paid.
    pub amount_refunded_minor: i64,
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
    /// Its dates.
    pub dates: InvoiceDates,
    cur: Currency,
}

/// An invoice's dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvoiceDates {
    pub issue: NaiveDate,
    pub due: NaiveDate,
    /// The first failed payment attempt.
    pub first_failure: Option<NaiveDate>,
}

impl TryFrom<RawInvoice> for InvoiceRow {
    type Error = sqlx::Error;

    fn try_from(r: RawInvoice) -> Result<Self, Self::Error> {
        let what = |column: &str| format!("invoice {}: {column}", r.id);
        let dates = InvoiceDates {
            issue: parse_date(&what("issue_date"), &r.issue_date)?,
            due: parse_date(&what("due_date"), &r.due_date)?,
            first_failure: (r.first_failure_date.as_deref())
                .map(|d| parse_date(&what("first_failure_date"), d))
                .transpose()?,
        };
        let cur = parse_currency(&what("currency"), &r.currency)?;
        Ok(Self {
            id: r.id,
            merchant_id: r.merchant_id,
            livemode: r.livemode,
            number: r.number,
            status: r.status,
            customer_id: r.customer_id,
            subscription_id: r.subscription_id,
            billing_reason: r.billing_reason,
            renewal_key: r.renewal_key,
            currency: r.currency,
            issue_date: r.issue_date,
            due_date: r.due_date,
            period_start: r.period_start,
            period_end: r.period_end,
            bill_to: r.bill_to,
            subtotal_minor: r.subtotal_minor,
            tax_minor: r.tax_minor,
            total_minor: r.total_minor,
            amount_paid_minor: r.amount_paid_minor,
            amount_refunded_minor: r.amount_refunded_minor,
            reverse_charge: r.reverse_charge,
            tax_note: r.tax_note,
            payment_mode: r.payment_mode,
            payment_method_id: r.payment_method_id,
            attempt_count: r.attempt_count,
            next_attempt_date: r.next_attempt_date,
            first_failure_date: r.first_failure_date,
            hard_declined: r.hard_declined,
            paid_at: r.paid_at,
            created: r.created,
            dates,
            cur,
        })
    }
}

from_raw_row!(InvoiceRow, RawInvoice);

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
        self.cur.clone()
    }

    /// What is still to pay.
    pub fn amount_due(&self) -> Decimal {
        from_minor(self.total_minor - self.amount_paid_minor, &self.cur)
    }
}

/// The columns of an invoice line as stored.
#[derive(sqlx::FromRow)]
struct RawLine {
    id: String,
    invoice_id: String,
    position: i64,
    kind: String,
    description: String,
    price_id: Option<String>,
    period_start: Option<String>,
    period_end: Option<String>,
    quantity: i64,
    unit_amount: String,
    discount: String,
    tax_behavior: String,
    tax_rate: String,
    tax_name: String,
    net_minor: i64,
    tax_minor: i64,
    amount_minor: i64,
}

/// An invoice line row; its amounts and rate are parsed once when read (a
/// damaged one is a decode error).
#[derive(Debug, Clone)]
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
    /// The parsed amounts.
    pub amounts: LineAmounts,
}

/// An invoice line's unit amount, discount and tax rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineAmounts {
    pub unit_amount: Decimal,
    pub discount: Decimal,
    /// Percentage, e.g. 21.
    pub tax_rate: Decimal,
}

impl TryFrom<RawLine> for LineRow {
    type Error = sqlx::Error;

    fn try_from(r: RawLine) -> Result<Self, Self::Error> {
        let what = |column: &str| format!("invoice line {}: {column}", r.id);
        let amounts = LineAmounts {
            unit_amount: parse_decimal(&what("unit_amount"), &r.unit_amount)?,
            discount: parse_decimal(&what("discount"), &r.discount)?,
            tax_rate: parse_decimal(&what("tax_rate"), &r.tax_rate)?,
        };
        Ok(Self {
            id: r.id,
            invoice_id: r.invoice_id,
            position: r.position,
            kind: r.kind,
            description: r.description,
            price_id: r.price_id,
            period_start: r.period_start,
            period_end: r.period_end,
            quantity: r.quantity,
            unit_amount: r.unit_amount,
            discount: r.discount,
            tax_behavior: r.tax_behavior,
            tax_rate: r.tax_rate,
            tax_name: r.tax_name,
            net_minor: r.net_minor,
            tax_minor: r.tax_minor,
            amount_minor: r.amount_minor,
            amounts,
        })
    }
}

from_raw_row!(LineRow, RawLine);

/// An open invoice due for a payment attempt, with what charging it needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueInvoice {
    #[sqlx(flatten)]
    pub inv: InvoiceRow,
    pub sub_status: Option<String>,
    pub sub_plan: Option<String>,
    pub pm_id: Option<String>,
    pub pm_token: Option<String>,
    pub pm_provider: Option<String>,
}

/// An invoice to post.
#[derive(Debug, Clone)]
pub struct NewInvoice<'a> {
    pub id: String,
    pub customer_id: &'a str,
    pub subscription_id: Option<&'a str>,
    pub billing_reason: &'static str,
    pub renewal_key: Option<String>,
    pub currency: &'a Currency,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub bill_to: &'a BillTo,
    pub totals: &'a Totals,
    pub reverse_charge: bool,
    pub tax_note: Option<String>,
    pub payment_mode: &'a str,
    pub payment_method_id: Option<&'a str>,
    /// When the first charge is due (`None`: not charged automatically).
    pub next_attempt: Option<NaiveDate>,
}

/// Minor units of an amount (0 when out of range, which validation prevents).
pub fn minor(amount: Decimal, currency: &Currency) -> i64 {
    to_minor(amount, currency).unwrap_or(0)
}

/// One invoice row in scope.
pub async fn get(db: &Db, scope: &Scope, id: &str) -> Result<Option<InvoiceRow>, sqlx::Error> {
    db.fetch_optional(
        "SELECT * FROM invoices WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
        &args![id, &scope.merchant_id, scope.livemode],
    )
    .await
}

/// One invoice row, inside the transaction.
pub async fn get_tx(tx: &mut Tx, id: &str) -> Result<Option<InvoiceRow>, sqlx::Error> {
    tx.fetch_optional("SELECT * FROM invoices WHERE id = $1", &args![id])
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

/// Filters of the invoice list.
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    pub subscription: Option<String>,
    pub customer: Option<String>,
    pub status: Option<String>,
}

/// A page of invoice rows in scope, newest first (one more than the page holds,
/// to learn whether more follow).
pub async fn list(
    db: &Db,
    scope: &Scope,
    f: &InvoiceFilter,
    page: &super::Page,
) -> Result<Vec<InvoiceRow>, sqlx::Error> {
    db.fetch_all(
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
    .await
}

/// The id of the invoice that started a subscription, if it had one.
pub async fn creation_invoice_id(
    db: &Db,
    subscription_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = db
        .fetch_optional(
            "SELECT id FROM invoices WHERE subscription_id = $1 AND billing_reason = 'subscription_create'",
            &args![subscription_id],
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

/// The next invoice number of this merchant, mode and year: `PREFIX/YYYY/00001`.
/// The counter row stays locked until the transaction ends, so numbers have no
/// gaps and no duplicates, also under concurrency.
pub async fn next_number(
    tx: &mut Tx,
    scope: &Scope,
    prefix: &str,
    year: i32,
) -> Result<String, sqlx::Error> {
    let (n,): (i64,) = tx
        .fetch_optional(
            "INSERT INTO invoice_counters (merchant_id, livemode, year, last_number) \
             VALUES ($1, $2, $3, 1) ON CONFLICT (merchant_id, livemode, year) \
             DO UPDATE SET last_number = invoice_counters.last_number + 1 RETURNING last_number",
            &args![&scope.merchant_id, scope.livemode, i64::from(year)],
        )
        .await?
        .unwrap_or((1,));
    Ok(format!("{prefix}/{year}/{n:05}"))
}

/// Whether an invoice with this renewal key (subscription and period) exists.
pub async fn renewal_key_taken(tx: &mut Tx, key: &str) -> Result<bool, sqlx::Error> {
    let exists: Option<(String,)> = tx
        .fetch_optional(
            "SELECT id FROM invoices WHERE renewal_key = $1",
            &args![key],
        )
        .await?;
    Ok(exists.is_some())
}

/// Inserts an invoice as `open` under `number`.
pub async fn insert(
    tx: &mut Tx,
    scope: &Scope,
    number: &str,
    inv: &NewInvoice<'_>,
) -> Result<(), sqlx::Error> {
    let cur = inv.currency;
    tx.execute(
        "INSERT INTO invoices (id, merchant_id, livemode, number, status, customer_id, \
         subscription_id, billing_reason, renewal_key, currency, issue_date, due_date, \
         period_start, period_end, bill_to, subtotal_minor, tax_minor, total_minor, \
         amount_paid_minor, reverse_charge, tax_note, payment_mode, payment_method_id, \
         attempt_count, next_attempt_date, hard_declined, created) \
         VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
         $17, 0, $18, $19, $20, $21, 0, $22, FALSE, $23)",
        &args![
            &inv.id,
            &scope.merchant_id,
            scope.livemode,
            number,
            inv.customer_id,
            inv.subscription_id,
            inv.billing_reason,
            inv.renewal_key.clone(),
            cur.code(),
            inv.issue_date.to_string(),
            inv.due_date.to_string(),
            inv.period.map(|(s, _)| s.to_string()),
            inv.period.map(|(_, e)| e.to_string()),
            json_text(inv.bill_to),
            minor(inv.totals.subtotal, cur),
            minor(inv.totals.tax, cur),
            minor(inv.totals.total, cur),
            inv.reverse_charge,
            inv.tax_note.clone(),
            inv.payment_mode,
            inv.payment_method_id,
            inv.next_attempt.map(|d| d.to_string()),
            super::now()
        ],
    )
    .await?;
    Ok(())
}

/// Inserts the lines of an invoice, each named by the tax of its rate.
pub async fn insert_lines(
    tx: &mut Tx,
    invoice_id: &str,
    totals: &Totals,
    cur: &Currency,
) -> Result<(), sqlx::Error> {
    for (position, line) in totals.lines.iter().enumerate() {
        let tax_name = totals
            .breakdown
            .iter()
            .find(|b| b.rate == line.tax_rate)
            .map(|b| b.name.clone())
            .unwrap_or_default();
        insert_line(tx, invoice_id, position, line, &tax_name, cur).await?;
    }
    Ok(())
}

async fn insert_line(
    tx: &mut Tx,
    invoice_id: &str,
    position: usize,
    line: &InvoiceLine,
    tax_name: &str,
    cur: &Currency,
) -> Result<(), sqlx::Error> {
    tx.execute(
        "INSERT INTO invoice_lines (id, invoice_id, position, kind, description, price_id, \
         period_start, period_end, quantity, unit_amount, discount, tax_behavior, tax_rate, \
         tax_name, net_minor, tax_minor, amount_minor) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        &args![
            new_id(Kind::InvoiceLine),
            invoice_id,
            position as i64,
            &line.kind,
            &line.description,
            line.price.clone(),
            line.period_start.clone(),
            line.period_end.clone(),
            line.quantity,
            line.unit_amount.normalize().to_string(),
            line.discount.to_string(),
            &line.tax_behavior,
            line.tax_rate.to_string(),
            tax_name,
            minor(line.net, cur),
            minor(line.tax, cur),
            minor(line.amount, cur)
        ],
    )
    .await?;
    Ok(())
}

/// Sets how many payment attempts an invoice has had.
pub async fn set_attempt_count(tx: &mut Tx, id: &str, attempts: i64) -> Result<(), sqlx::Error> {
    tx.execute(
        "UPDATE invoices SET attempt_count = $2 WHERE id = $1",
        &args![id, attempts],
    )
    .await?;
    Ok(())
}

/// `open` → `paid` in full on `date`; `false` when it was not open any more.
pub async fn mark_paid(tx: &mut Tx, id: &str, date: NaiveDate) -> Result<bool, sqlx::Error> {
    let changed = tx
        .execute(
            "UPDATE invoices SET status = 'paid', amount_paid_minor = total_minor, paid_at = $2, \
             next_attempt_date = NULL WHERE id = $1 AND status = 'open'",
            &args![id, date.to_string()],
        )
        .await?;
    Ok(changed == 1)
}

/// A failed payment attempt to record.
#[derive(Debug, Clone, Copy)]
pub struct Failure {
    pub attempts: i64,
    pub first_failure: NaiveDate,
    /// The next retry; none once the schedule ran out or for a hard decline.
    pub next_attempt: Option<NaiveDate>,
    pub hard_declined: bool,
}

/// Records a failed payment attempt.
pub async fn record_failure(tx: &mut Tx, id: &str, f: &Failure) -> Result<(), sqlx::Error> {
    tx.execute(
        "UPDATE invoices SET attempt_count = $2, first_failure_date = $3, next_attempt_date = $4, \
         hard_declined = $5 WHERE id = $1",
        &args![
            id,
            f.attempts,
            f.first_failure.to_string(),
            f.next_attempt.map(|d| d.to_string()),
            f.hard_declined
        ],
    )
    .await?;
    Ok(())
}

/// `open` → `uncollectible`: no more attempts.
pub async fn mark_uncollectible(tx: &mut Tx, id: &str) -> Result<(), sqlx::Error> {
    tx.execute(
        "UPDATE invoices SET status = 'uncollectible', next_attempt_date = NULL WHERE id = $1",
        &args![id],
    )
    .await?;
    Ok(())
}

/// The open invoices of a subscription.
pub async fn open_of_subscription(
    tx: &mut Tx,
    subscription_id: &str,
) -> Result<Vec<InvoiceRow>, sqlx::Error> {
    tx.fetch_all(
        "SELECT * FROM invoices WHERE subscription_id = $1 AND status = 'open'",
        &args![subscription_id],
    )
    .await
}

/// An open invoice still at `attempts` attempts. On PostgreSQL the row stays
/// locked, so a second worker that charged the same attempt waits and then no
/// longer matches (SQLite's `BEGIN IMMEDIATE` already serialises).
pub async fn lock_open_at_attempt(
    tx: &mut Tx,
    id: &str,
    attempts: i64,
) -> Result<Option<InvoiceRow>, sqlx::Error> {
    tx.fetch_optional_locked(
        "SELECT * FROM invoices WHERE id = $1 AND status = 'open' AND attempt_count = $2",
        Lock::Update,
        &args![id, attempts],
    )
    .await
}

/// The ids of every open invoice whose payment attempt is due on `day`.
pub async fn due_for_payment_ids(
    db: &Db,
    filter: Filter<'_>,
    day: NaiveDate,
) -> Result<Vec<String>, sqlx::Error> {
    let (merchant, scoped, livemode) = filter.parts();
    let ids: Vec<(String,)> = db
        .fetch_all(
            "SELECT id FROM invoices WHERE status = 'open' AND payment_mode = 'charge_automatically' \
             AND next_attempt_date <= $1 AND NOT hard_declined \
             AND ($2 = 0 OR ($2 = 1 AND merchant_id = $3 AND livemode = $4) \
             OR ($2 = 2 AND (livemode OR merchant_id NOT IN (SELECT merchant_id FROM test_clocks)))) \
             ORDER BY id",
            &args![day.to_string(), scoped, &merchant, livemode],
        )
        .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// The invoices due for a payment attempt on `day` with ids from `first` through
/// `last` (a primary-key range scan), with what charging them needs.
pub async fn due_for_payment_between(
    db: &Db,
    day: NaiveDate,
    first: &str,
    last: &str,
) -> Result<Vec<DueInvoice>, sqlx::Error> {
    db.fetch_all(
        "SELECT i.*, s.status AS sub_status, s.plan_id AS sub_plan, p.id AS pm_id, \
         p.provider_token AS pm_token, p.provider AS pm_provider FROM invoices i \
         LEFT JOIN subscriptions s ON s.id = i.subscription_id \
         JOIN customers c ON c.id = i.customer_id \
         LEFT JOIN payment_methods p ON p.id = COALESCE(s.payment_method_id, i.payment_method_id, \
         c.default_payment_method) AND NOT p.detached \
         WHERE i.id >= $2 AND i.id <= $3 AND i.status = 'open' \
         AND i.payment_mode = 'charge_automatically' AND i.next_attempt_date <= $1 \
         AND NOT i.hard_declined ORDER BY i.id",
        &args![day.to_string(), first, last],
    )
    .await
}

/// One open invoice charged automatically, with what charging it needs.
pub async fn due_for_payment(db: &Db, id: &str) -> Result<Vec<DueInvoice>, sqlx::Error> {
    db.fetch_all(
        "SELECT i.*, s.status AS sub_status, s.plan_id AS sub_plan, p.id AS pm_id, \
         p.provider_token AS pm_token, p.provider AS pm_provider FROM invoices i \
         LEFT JOIN subscriptions s ON s.id = i.subscription_id \
         JOIN customers c ON c.id = i.customer_id \
         LEFT JOIN payment_methods p ON p.id = COALESCE(s.payment_method_id, i.payment_method_id, \
         c.default_payment_method) AND NOT p.detached \
         WHERE i.id = $1 AND i.status = 'open' AND i.payment_mode = 'charge_automatically'",
        &args![id],
    )
    .await
}

/// Retries the customer's failed open invoices on `today` with a new payment
/// method (hard declines included).
pub async fn retry_with_method(
    db: &Db,
    customer_id: &str,
    payment_method_id: &str,
    today: NaiveDate,
) -> Result<(), sqlx::Error> {
    db.execute(
        "UPDATE invoices SET next_attempt_date = $3, hard_declined = FALSE, payment_method_id = $2 \
         WHERE customer_id = $1 AND status = 'open' AND payment_mode = 'charge_automatically' AND attempt_count > 0",
        &args![customer_id, payment_method_id, today.to_string()],
    )
    .await?;
    Ok(())
}

/// The customer's open invoices charged automatically whose attempt is due by `today`.
pub async fn due_of_customer(
    db: &Db,
    scope: &Scope,
    customer_id: &str,
    today: NaiveDate,
) -> Result<Vec<InvoiceRow>, sqlx::Error> {
    db.fetch_all(
        "SELECT * FROM invoices WHERE customer_id = $1 AND merchant_id = $2 AND livemode = $3 \
         AND status = 'open' AND payment_mode = 'charge_automatically' AND next_attempt_date <= $4 ORDER BY id",
        &args![customer_id, &scope.merchant_id, scope.livemode, today.to_string()],
    )
    .await
}
