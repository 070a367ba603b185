//! Writes inside a billing transaction: invoices with gapless numbers and their
//! ledger lines, payments, MRR movements and events.

use chrono::NaiveDate;
use renewly_types::BillTo;
use rust_decimal::Decimal;

use crate::args;
use crate::db::Tx;
use crate::domain::currency::Currency;
use crate::domain::invoice::Totals;
use crate::domain::money::to_minor;
use crate::domain::mrr::classify;
use crate::domain::revenue::schedule;
use crate::ids::{Kind, new_id};
use crate::store::billing::{InvoiceRow, SubscriptionRow};
use crate::store::{Scope, json_text, now};

/// Minor units of an amount (0 when out of range, which validation prevents).
pub fn minor(amount: Decimal, currency: &Currency) -> i64 {
    to_minor(amount, currency).unwrap_or(0)
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

/// Posts an invoice (status `open`): number, lines, and the ledger lines
/// receivable / revenue (or deferred revenue with its monthly recognition) /
/// tax payable. Returns `None` when an invoice with the same renewal key exists:
/// the period was already invoiced.
pub async fn post_invoice(
    tx: &mut Tx,
    scope: &Scope,
    prefix: &str,
    inv: &NewInvoice<'_>,
) -> Result<Option<InvoiceRow>, sqlx::Error> {
    use chrono::Datelike;
    if let Some(key) = &inv.renewal_key {
        let exists: Option<(String,)> = tx
            .fetch_optional(
                "SELECT id FROM invoices WHERE renewal_key = $1",
                &args![key],
            )
            .await?;
        if exists.is_some() {
            return Ok(None);
        }
    }
    let cur = inv.currency;
    let number = next_number(tx, scope, prefix, inv.issue_date.year()).await?;
    let created = now();
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
            &number,
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
            &created
        ],
    )
    .await?;
    for (position, line) in inv.totals.lines.iter().enumerate() {
        let tax_name = inv
            .totals
            .breakdown
            .iter()
            .find(|b| b.rate == line.tax_rate)
            .map(|b| b.name.clone())
            .unwrap_or_default();
        tx.execute(
            "INSERT INTO invoice_lines (id, invoice_id, position, kind, description, price_id, \
             period_start, period_end, quantity, unit_amount, discount, tax_behavior, tax_rate, \
             tax_name, net_minor, tax_minor, amount_minor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            &args![
                new_id(Kind::InvoiceLine),
                &inv.id,
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
    }
    // Ledger: receivable = revenue (now or deferred) + tax payable.
    let date = inv.issue_date;
    let total = minor(inv.totals.total, cur);
    if total != 0 {
        ledger(
            tx,
            scope,
            "invoice",
            &inv.id,
            date,
            "receivable",
            total,
            0,
            cur,
            &number,
        )
        .await?;
    }
    let tax = minor(inv.totals.tax, cur);
    if tax != 0 {
        ledger(
            tx,
            scope,
            "invoice",
            &inv.id,
            date,
            "tax_payable",
            0,
            tax,
            cur,
            &number,
        )
        .await?;
    }
    for line in &inv.totals.lines {
        let net = minor(line.net, cur);
        if net == 0 {
            continue;
        }
        let period = line
            .period_start
            .as_deref()
            .zip(line.period_end.as_deref())
            .and_then(|(s, e)| Some((s.parse::<NaiveDate>().ok()?, e.parse::<NaiveDate>().ok()?)));
        let plan = match period {
            Some((s, e)) => schedule(line.net, s, e, cur),
            None => vec![(date, line.net)],
        };
        if plan.len() == 1 {
            ledger(
                tx,
                scope,
                "invoice",
                &inv.id,
                date,
                "revenue",
                0,
                net,
                cur,
                &line.description,
            )
            .await?;
            continue;
        }
        ledger(
            tx,
            scope,
            "invoice",
            &inv.id,
            date,
            "deferred_revenue",
            0,
            net,
            cur,
            &line.description,
        )
        .await?;
        for (month_start, amount) in plan {
            let amount = minor(amount, cur);
            let memo = format!("{} — recognised from {month_start}", line.description);
            ledger(
                tx,
                scope,
                "recognition",
                &inv.id,
                month_start,
                "deferred_revenue",
                amount,
                0,
                cur,
                &memo,
            )
            .await?;
            ledger(
                tx,
                scope,
                "recognition",
                &inv.id,
                month_start,
                "revenue",
                0,
                amount,
                cur,
                &memo,
            )
            .await?;
        }
    }
    event(
        tx,
        scope,
        "invoice.finalized",
        &inv.id,
        &serde_json::json!({"number": number}),
    )
    .await?;
    let row: Option<InvoiceRow> = tx
        .fetch_optional("SELECT * FROM invoices WHERE id = $1", &args![&inv.id])
        .await?;
    Ok(row)
}

/// Writes one ledger line.
#[allow(clippy::too_many_arguments)]
pub async fn ledger(
    tx: &mut Tx,
    scope: &Scope,
    journal: &str,
    invoice_id: &str,
    date: NaiveDate,
    account: &str,
    debit: i64,
    credit: i64,
    currency: &Currency,
    memo: &str,
) -> Result<(), sqlx::Error> {
    tx.execute(
        "INSERT INTO ledger_entries (id, merchant_id, livemode, journal, invoice_id, entry_date, \
         account, debit_minor, credit_minor, currency, memo, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &args![
            new_id(Kind::LedgerEntry),
            &scope.merchant_id,
            scope.livemode,
            journal,
            invoice_id,
            date.to_string(),
            account,
            debit,
            credit,
            currency.code(),
            memo,
            now()
        ],
    )
    .await?;
    Ok(())
}

/// Marks an open invoice paid on `date` and writes cash / receivable. `false`
/// when it was not open any more (another worker got there first).
pub async fn record_payment(
    tx: &mut Tx,
    invoice: &InvoiceRow,
    date: NaiveDate,
    charge_id: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let scope = invoice.scope();
    let changed = tx
        .execute(
            "UPDATE invoices SET status = 'paid', amount_paid_minor = total_minor, paid_at = $2, \
             next_attempt_date = NULL WHERE id = $1 AND status = 'open'",
            &args![&invoice.id, date.to_string()],
        )
        .await?;
    if changed == 0 {
        return Ok(false);
    }
    let due = invoice.total_minor - invoice.amount_paid_minor;
    if due != 0 {
        let cur = invoice.currency();
        ledger(
            tx,
            &scope,
            "payment",
            &invoice.id,
            date,
            "cash",
            due,
            0,
            &cur,
            &invoice.number,
        )
        .await?;
        ledger(
            tx,
            &scope,
            "payment",
            &invoice.id,
            date,
            "receivable",
            0,
            due,
            &cur,
            &invoice.number,
        )
        .await?;
    }
    event(
        tx,
        &scope,
        "invoice.paid",
        &invoice.id,
        &serde_json::json!({"number": invoice.number, "charge": charge_id}),
    )
    .await?;
    Ok(true)
}

/// Sets a subscription's MRR (minor units) from `date` and writes the customer's
/// MRR movement, if any: new, expansion, contraction, churn or reactivation.
pub async fn set_mrr(
    tx: &mut Tx,
    sub: &SubscriptionRow,
    new_mrr: i64,
    date: NaiveDate,
    close_reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    let old = sub.mrr_minor;
    if old == new_mrr {
        return Ok(());
    }
    let (before,): (i64,) = tx
        .fetch_optional(
            "SELECT CAST(COALESCE(SUM(mrr_minor), 0) AS BIGINT) FROM subscriptions WHERE customer_id = $1 \
             AND currency = $2",
            &args![&sub.customer_id, &sub.currency],
        )
        .await?
        .unwrap_or((0,));
    let (paid_before,): (i64,) = tx
        .fetch_optional(
            "SELECT COUNT(*) FROM mrr_events WHERE customer_id = $1 AND currency = $2",
            &args![&sub.customer_id, &sub.currency],
        )
        .await?
        .unwrap_or((0,));
    let after = before - old + new_mrr;
    tx.execute(
        "UPDATE subscriptions SET mrr_minor = $2 WHERE id = $1",
        &args![&sub.id, new_mrr],
    )
    .await?;
    let Some(kind) = classify(Decimal::from(before), Decimal::from(after), paid_before > 0) else {
        return Ok(());
    };
    let scope = sub.scope();
    tx.execute(
        "INSERT INTO mrr_events (id, merchant_id, livemode, customer_id, subscription_id, \
         salesperson_id, plan_id, event_date, kind, currency, delta_minor, \
         subscription_mrr_minor, customer_mrr_minor, close_reason, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        &args![
            new_id(Kind::MrrEvent),
            &scope.merchant_id,
            scope.livemode,
            &sub.customer_id,
            &sub.id,
            sub.salesperson_id.clone(),
            &sub.plan_id,
            date.to_string(),
            kind.as_str(),
            &sub.currency,
            new_mrr - old,
            new_mrr,
            after,
            close_reason,
            now()
        ],
    )
    .await?;
    Ok(())
}

/// Records an event (`GET /v1/events`, and later outbound webhooks).
pub async fn event(
    tx: &mut Tx,
    scope: &Scope,
    kind: &str,
    object_id: &str,
    data: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    tx.execute(
        "INSERT INTO events (id, merchant_id, livemode, type, object_id, data, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &args![
            new_id(Kind::Event),
            &scope.merchant_id,
            scope.livemode,
            kind,
            object_id,
            data.to_string(),
            now()
        ],
    )
    .await?;
    Ok(())
}

/// Re-reads a subscription row inside the transaction.
pub async fn reload(tx: &mut Tx, id: &str) -> Result<Option<SubscriptionRow>, sqlx::Error> {
    tx.fetch_optional("SELECT * FROM subscriptions WHERE id = $1", &args![id])
        .await
}
