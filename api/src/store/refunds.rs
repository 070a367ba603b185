//! Refunds of paid invoices: what the provider gave back, the invoice's
//! `amount_refunded`, the ledger lines and the `invoice.refunded` event, in one
//! transaction.

use chrono::NaiveDate;

use super::{Scope, now};
use crate::args;
use crate::db::{Db, Tx};
use crate::domain::currency::Currency;
use crate::store::ledger::{self, NewEntry};

/// The succeeded charge that paid an invoice, with its provider.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaidCharge {
    pub id: String,
    pub provider_reference: String,
    pub provider: String,
}

/// The latest succeeded charge of the invoice, whatever became of its card.
pub async fn paid_charge(
    db: &Db,
    scope: &Scope,
    invoice: &str,
) -> Result<Option<PaidCharge>, sqlx::Error> {
    db.fetch_optional(
        "SELECT c.id, c.provider_reference, p.provider FROM charges c \
         JOIN payment_methods p ON p.id = c.payment_method_id \
         WHERE c.invoice_id = $1 AND c.merchant_id = $2 AND c.livemode = $3 \
         AND c.outcome = 'succeeded' ORDER BY c.id DESC LIMIT 1",
        &args![invoice, &scope.merchant_id, scope.livemode],
    )
    .await
}

/// A refund the provider made, to record.
#[derive(Debug, Clone)]
pub struct NewRefund<'a> {
    pub id: &'a str,
    pub invoice_id: &'a str,
    pub invoice_number: &'a str,
    pub charge_id: &'a str,
    pub amount_minor: i64,
    pub currency: &'a Currency,
    pub reason: Option<&'a str>,
    pub provider_reference: &'a str,
    pub idempotency_key: &'a str,
    pub date: NaiveDate,
}

/// Whether a refund was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Done,
    /// Recorded before under the same key (a retry).
    Already,
    /// More than what is left of the payment (another refund came first).
    TooLarge,
}

/// Records a refund: the row, the invoice's refunded amount (never above what was
/// paid), cash back out of the `refunds` account, and the event.
pub async fn record(db: &Db, scope: &Scope, r: &NewRefund<'_>) -> Result<Recorded, sqlx::Error> {
    let mut tx = Tx::begin(db).await?;
    let before: Option<(String,)> = tx
        .fetch_optional(
            "SELECT id FROM refunds WHERE merchant_id = $1 AND livemode = $2 \
             AND idempotency_key = $3",
            &args![&scope.merchant_id, scope.livemode, r.idempotency_key],
        )
        .await?;
    if before.is_some() {
        return Ok(Recorded::Already);
    }
    let updated = tx
        .execute(
            "UPDATE invoices SET amount_refunded_minor = amount_refunded_minor + $4 \
             WHERE id = $1 AND merchant_id = $2 AND livemode = $3 \
             AND amount_refunded_minor + $4 <= amount_paid_minor",
            &args![
                r.invoice_id,
                &scope.merchant_id,
                scope.livemode,
                r.amount_minor
            ],
        )
        .await?;
    if updated == 0 {
        return Ok(Recorded::TooLarge);
    }
    tx.execute(
        "INSERT INTO refunds (id, merchant_id, livemode, invoice_id, charge_id, amount_minor, \
         currency, reason, provider_reference, idempotency_key, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &args![
            r.id,
            &scope.merchant_id,
            scope.livemode,
            r.invoice_id,
            r.charge_id,
            r.amount_minor,
            r.currency.code(),
            r.reason,
            r.provider_reference,
            r.idempotency_key,
            now()
        ],
    )
    .await?;
    write_ledger(&mut tx, scope, r).await?;
    let data = serde_json::json!({
        "number": r.invoice_number,
        "refund": r.id,
        "amount": crate::domain::money::from_minor(r.amount_minor, r.currency).to_string(),
        "reason": r.reason,
    });
    super::events::insert(&mut tx, scope, "invoice.refunded", r.invoice_id, &data).await?;
    tx.commit().await?;
    Ok(Recorded::Done)
}

/// Debit `refunds` (a contra-revenue account), credit `cash`.
async fn write_ledger(tx: &mut Tx, scope: &Scope, r: &NewRefund<'_>) -> Result<(), sqlx::Error> {
    for (account, debit, credit) in [("refunds", r.amount_minor, 0), ("cash", 0, r.amount_minor)] {
        let entry = NewEntry {
            journal: "refund",
            invoice_id: r.invoice_id,
            date: r.date,
            account,
            debit_minor: debit,
            credit_minor: credit,
            currency: r.currency,
            memo: r.invoice_number,
        };
        ledger::insert(tx, scope, &entry).await?;
    }
    Ok(())
}
