//! Writes inside a billing transaction: invoices with gapless numbers and their
//! ledger lines, payments, MRR movements and events.

use chrono::NaiveDate;
use renewly_types::InvoiceLine;
use rust_decimal::Decimal;

use crate::db::Tx;
use crate::domain::currency::Currency;
use crate::domain::mrr::classify;
use crate::domain::revenue::schedule;
use crate::store::billing::{InvoiceRow, SubscriptionRow};
pub use crate::store::invoices::{NewInvoice, minor, next_number};
use crate::store::ledger::NewEntry;
use crate::store::{Scope, events, invoices, ledger, mrr, subscriptions};

/// One ledger line of a posting, before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub journal: &'static str,
    pub date: NaiveDate,
    pub account: &'static str,
    pub debit_minor: i64,
    pub credit_minor: i64,
    pub memo: String,
}

impl Posting {
    fn debit(
        journal: &'static str,
        date: NaiveDate,
        account: &'static str,
        amount: i64,
        memo: &str,
    ) -> Self {
        Self {
            journal,
            date,
            account,
            debit_minor: amount,
            credit_minor: 0,
            memo: memo.to_owned(),
        }
    }

    fn credit(
        journal: &'static str,
        date: NaiveDate,
        account: &'static str,
        amount: i64,
        memo: &str,
    ) -> Self {
        Self {
            journal,
            date,
            account,
            debit_minor: 0,
            credit_minor: amount,
            memo: memo.to_owned(),
        }
    }
}

/// The ledger lines of posting an invoice, in the order they are written:
/// receivable = revenue (now, or deferred with its monthly recognition) + tax
/// payable.
pub fn invoice_postings(inv: &NewInvoice<'_>, number: &str) -> Vec<Posting> {
    let cur = inv.currency;
    let date = inv.issue_date;
    let mut out = Vec::new();
    let total = minor(inv.totals.total, cur);
    if total != 0 {
        out.push(Posting::debit("invoice", date, "receivable", total, number));
    }
    let tax = minor(inv.totals.tax, cur);
    if tax != 0 {
        out.push(Posting::credit("invoice", date, "tax_payable", tax, number));
    }
    for line in &inv.totals.lines {
        out.extend(revenue_postings(line, date, cur));
    }
    out
}

/// The revenue of one invoice line: recognised on the invoice date, or (a line
/// whose period spans several months) deferred and recognised month by month.
fn revenue_postings(line: &InvoiceLine, date: NaiveDate, cur: &Currency) -> Vec<Posting> {
    let net = minor(line.net, cur);
    if net == 0 {
        return Vec::new();
    }
    let memo = &line.description;
    let period = (line.period_start.as_deref())
        .zip(line.period_end.as_deref())
        .and_then(|(s, e)| Some((s.parse::<NaiveDate>().ok()?, e.parse::<NaiveDate>().ok()?)));
    let plan = match period {
        Some((s, e)) => schedule(line.net, s, e, cur),
        None => vec![(date, line.net)],
    };
    if plan.len() == 1 {
        return vec![Posting::credit("invoice", date, "revenue", net, memo)];
    }
    let mut out = vec![Posting::credit(
        "invoice",
        date,
        "deferred_revenue",
        net,
        memo,
    )];
    for (month, amount) in plan {
        let amount = minor(amount, cur);
        let memo = format!("{memo} — recognised from {month}");
        out.push(Posting::debit(
            "recognition",
            month,
            "deferred_revenue",
            amount,
            &memo,
        ));
        out.push(Posting::credit(
            "recognition",
            month,
            "revenue",
            amount,
            &memo,
        ));
    }
    out
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
        if invoices::renewal_key_taken(tx, key).await? {
            return Ok(None);
        }
    }
    let number = invoices::next_number(tx, scope, prefix, inv.issue_date.year()).await?;
    invoices::insert(tx, scope, &number, inv).await?;
    invoices::insert_lines(tx, &inv.id, inv.totals, inv.currency).await?;
    for p in invoice_postings(inv, &number) {
        write(tx, scope, &inv.id, inv.currency, &p).await?;
    }
    event(
        tx,
        scope,
        "invoice.finalized",
        &inv.id,
        &serde_json::json!({"number": number}),
    )
    .await?;
    invoices::get_tx(tx, &inv.id).await
}

/// Writes one ledger line of an invoice.
pub async fn write(
    tx: &mut Tx,
    scope: &Scope,
    invoice_id: &str,
    currency: &Currency,
    p: &Posting,
) -> Result<(), sqlx::Error> {
    let entry = NewEntry {
        journal: p.journal,
        invoice_id,
        date: p.date,
        account: p.account,
        debit_minor: p.debit_minor,
        credit_minor: p.credit_minor,
        currency,
        memo: &p.memo,
    };
    ledger::insert(tx, scope, &entry).await
}

/// Moves what is still due on an invoice from receivable to `account` (`cash`
/// for a payment, `bad_debt` for a write-off) on `date`; nothing when nothing is due.
pub async fn settle_receivable(
    tx: &mut Tx,
    invoice: &InvoiceRow,
    journal: &'static str,
    account: &'static str,
    date: NaiveDate,
) -> Result<(), sqlx::Error> {
    let due = invoice.total_minor - invoice.amount_paid_minor;
    if due == 0 {
        return Ok(());
    }
    let scope = invoice.scope();
    let cur = invoice.currency();
    let memo = &invoice.number;
    for p in [
        Posting::debit(journal, date, account, due, memo),
        Posting::credit(journal, date, "receivable", due, memo),
    ] {
        write(tx, &scope, &invoice.id, &cur, &p).await?;
    }
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
    if !invoices::mark_paid(tx, &invoice.id, date).await? {
        return Ok(false);
    }
    settle_receivable(tx, invoice, "payment", "cash", date).await?;
    event(
        tx,
        &invoice.scope(),
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
    let before = subscriptions::customer_mrr(tx, &sub.customer_id, &sub.currency).await?;
    let paid_before = mrr::count_of_customer(tx, &sub.customer_id, &sub.currency).await?;
    let after = before - old + new_mrr;
    subscriptions::set_mrr(tx, &sub.id, new_mrr).await?;
    let Some(kind) = classify(Decimal::from(before), Decimal::from(after), paid_before > 0) else {
        return Ok(());
    };
    let movement = mrr::NewMovement {
        subscription: sub,
        date,
        kind: kind.as_str(),
        delta_minor: new_mrr - old,
        subscription_mrr_minor: new_mrr,
        customer_mrr_minor: after,
        close_reason,
    };
    mrr::insert(tx, &movement).await
}

/// Records an event (`GET /v1/events`, and later outbound webhooks).
pub async fn event(
    tx: &mut Tx,
    scope: &Scope,
    kind: &str,
    object_id: &str,
    data: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    events::insert(tx, scope, kind, object_id, data).await
}

/// Re-reads a subscription row inside the transaction.
pub async fn reload(tx: &mut Tx, id: &str) -> Result<Option<SubscriptionRow>, sqlx::Error> {
    subscriptions::get_tx(tx, id).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use renewly_types::{BillTo, TaxBehavior};
    use rust_decimal_macros::dec;

    use super::*;
    use crate::domain::invoice::{LineInput, TaxChoice, totals};

    fn day(raw: &str) -> NaiveDate {
        raw.parse().unwrap()
    }

    fn postings(period: (&str, &str)) -> Vec<Posting> {
        let eur = Currency::parse("EUR").unwrap();
        let line = LineInput {
            kind: "recurring",
            description: "Pro".to_owned(),
            price: Some("price_1".to_owned()),
            period: Some((day(period.0), day(period.1))),
            quantity: 1,
            unit_amount: dec!(120),
            unit_discount: Decimal::ZERO,
            tax_behavior: TaxBehavior::Exclusive,
            tax: TaxChoice {
                rate: dec!(21),
                name: "VAT 21%".to_owned(),
            },
        };
        let worked = totals(&[line], &eur);
        let billed = BillTo::default();
        let inv = NewInvoice {
            id: "inv_1".to_owned(),
            customer_id: "cus_1",
            subscription_id: None,
            billing_reason: "subscription_cycle",
            renewal_key: None,
            currency: &eur,
            issue_date: day(period.0),
            due_date: day(period.0),
            period: None,
            bill_to: &billed,
            totals: &worked,
            reverse_charge: false,
            tax_note: None,
            payment_mode: "charge_automatically",
            payment_method_id: None,
            next_attempt: None,
        };
        invoice_postings(&inv, "INV/2025/00001")
    }

    fn balance(postings: &[Posting]) -> i64 {
        postings
            .iter()
            .map(|p| p.debit_minor - p.credit_minor)
            .sum()
    }

    #[test]
    fn a_monthly_invoice_books_receivable_tax_and_revenue_at_once() {
        let p = postings(("2025-01-01", "2025-02-01"));
        let accounts: Vec<_> = p
            .iter()
            .map(|p| (p.account, p.debit_minor, p.credit_minor))
            .collect();
        assert_eq!(
            accounts,
            [
                ("receivable", 14520, 0),
                ("tax_payable", 0, 2520),
                ("revenue", 0, 12000)
            ]
        );
        assert_eq!(balance(&p), 0);
    }

    #[test]
    fn a_yearly_invoice_defers_revenue_and_recognises_it_month_by_month() {
        let p = postings(("2025-01-01", "2026-01-01"));
        assert_eq!(
            (p[2].account, p[2].credit_minor),
            ("deferred_revenue", 12000)
        );
        let recognised: Vec<_> = p[3..].iter().filter(|p| p.account == "revenue").collect();
        assert_eq!(recognised.len(), 12);
        assert_eq!(
            recognised.iter().map(|p| p.credit_minor).sum::<i64>(),
            12000
        );
        assert_eq!(recognised[1].date, day("2025-02-01"));
        assert!(recognised.iter().all(|p| p.journal == "recognition"));
        assert_eq!(balance(&p), 0);
    }
}
