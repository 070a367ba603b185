//! The double-entry ledger: one row per debit or credit of an account.

use chrono::NaiveDate;

use super::billing::{from_raw_row, parse_currency};
use super::{Page, Scope, now};
use crate::args;
use crate::db::{Db, Tx};
use crate::domain::currency::Currency;
use crate::ids::{Kind, new_id};

/// A ledger line to write.
#[derive(Debug, Clone, Copy)]
pub struct NewEntry<'a> {
    /// `invoice`, `recognition`, `payment` or `write_off`.
    pub journal: &'a str,
    pub invoice_id: &'a str,
    pub date: NaiveDate,
    pub account: &'a str,
    pub debit_minor: i64,
    pub credit_minor: i64,
    pub currency: &'a Currency,
    pub memo: &'a str,
}

/// The columns of a ledger line as listed.
#[derive(sqlx::FromRow)]
struct RawEntry {
    id: String,
    journal: String,
    invoice_id: Option<String>,
    entry_date: String,
    account: String,
    debit_minor: i64,
    credit_minor: i64,
    currency: String,
    memo: String,
}

/// A ledger line; its currency is checked when read (an unknown one is an error).
#[derive(Debug, Clone)]
pub struct EntryRow {
    pub id: String,
    pub journal: String,
    pub invoice_id: Option<String>,
    pub entry_date: String,
    pub account: String,
    pub debit_minor: i64,
    pub credit_minor: i64,
    /// The code as stored.
    pub currency: String,
    pub memo: String,
    pub cur: Currency,
}

impl TryFrom<RawEntry> for EntryRow {
    type Error = sqlx::Error;

    fn try_from(r: RawEntry) -> Result<Self, Self::Error> {
        let cur = parse_currency(&format!("ledger entry {}: currency", r.id), &r.currency)?;
        Ok(Self {
            id: r.id,
            journal: r.journal,
            invoice_id: r.invoice_id,
            entry_date: r.entry_date,
            account: r.account,
            debit_minor: r.debit_minor,
            credit_minor: r.credit_minor,
            currency: r.currency,
            memo: r.memo,
            cur,
        })
    }
}

from_raw_row!(EntryRow, RawEntry);

/// One account's sums in one currency.
#[derive(Debug, Clone)]
pub struct AccountSums {
    pub account: String,
    /// The code as stored.
    pub currency: String,
    pub debit_minor: i64,
    pub credit_minor: i64,
    pub cur: Currency,
}

/// Filters of the ledger.
#[derive(Debug, Clone)]
pub struct EntryFilter {
    /// Only entries dated on or before this day.
    pub as_of: NaiveDate,
    pub invoice: Option<String>,
    pub account: Option<String>,
}

/// Writes one ledger line.
pub async fn insert(tx: &mut Tx, scope: &Scope, e: &NewEntry<'_>) -> Result<(), sqlx::Error> {
    tx.execute(
        "INSERT INTO ledger_entries (id, merchant_id, livemode, journal, invoice_id, entry_date, \
         account, debit_minor, credit_minor, currency, memo, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &args![
            new_id(Kind::LedgerEntry),
            &scope.merchant_id,
            scope.livemode,
            e.journal,
            e.invoice_id,
            e.date.to_string(),
            e.account,
            e.debit_minor,
            e.credit_minor,
            e.currency.code(),
            e.memo,
            now()
        ],
    )
    .await?;
    Ok(())
}

/// A page of ledger lines in scope, newest first (one more than the page holds,
/// to learn whether more follow).
pub async fn list(
    db: &Db,
    scope: &Scope,
    f: &EntryFilter,
    page: &Page,
) -> Result<Vec<EntryRow>, sqlx::Error> {
    db.fetch_all(
        "SELECT id, journal, invoice_id, entry_date, account, debit_minor, credit_minor, currency, memo \
         FROM ledger_entries WHERE merchant_id = $1 AND livemode = $2 AND id < $3 AND entry_date <= $4 \
         AND ($5 = '' OR invoice_id = $5) AND ($6 = '' OR account = $6) ORDER BY id DESC LIMIT $7",
        &args![
            &scope.merchant_id,
            scope.livemode,
            page.cursor(),
            f.as_of.to_string(),
            f.invoice.clone().unwrap_or_default(),
            f.account.clone().unwrap_or_default(),
            page.fetch()
        ],
    )
    .await
}

/// Every account's debits and credits per currency up to `as_of`, by account.
pub async fn sums(
    db: &Db,
    scope: &Scope,
    as_of: NaiveDate,
) -> Result<Vec<AccountSums>, sqlx::Error> {
    let rows: Vec<(String, String, i64, i64)> = db
        .fetch_all(
            "SELECT account, currency, CAST(SUM(debit_minor) AS BIGINT), CAST(SUM(credit_minor) AS BIGINT) \
             FROM ledger_entries WHERE merchant_id = $1 AND livemode = $2 AND entry_date <= $3 \
             GROUP BY account, currency ORDER BY account, currency",
            &args![&scope.merchant_id, scope.livemode, as_of.to_string()],
        )
        .await?;
    rows.into_iter()
        .map(|(account, currency, debit_minor, credit_minor)| {
            let cur = parse_currency(&format!("ledger account {account}: currency"), &currency)?;
            Ok(AccountSums {
                account,
                currency,
                debit_minor,
                credit_minor,
                cur,
            })
        })
        .collect()
}
