//! The report queries of [`crate::store::analytics`], with every amount
//! converted to the reported currency day by day, because exchange rates change
//! by the day.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::fx::{MissingRate, Rates};
use super::month::Month;
use super::series::{Bucket, Keyed};
use crate::db::Db;
use crate::domain::currency::Currency;
use crate::domain::money::from_minor;
use crate::store::analytics::{self as sql, EventSum, InvoiceAmount};
use crate::store::billing::parse_currency;

pub use crate::store::analytics::Filter;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    MissingRate(#[from] MissingRate),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Converts `minor` units of `code` dated `date` to the reported currency. A
/// stored code that is no currency is damaged data, reported as such.
fn convert(
    minor: i64,
    code: &str,
    date: NaiveDate,
    to: &Currency,
    rates: &Rates,
) -> Result<Decimal, ReportError> {
    let amount = from_minor(minor, &parse_currency("movement currency", code)?);
    Ok(amount * rates.rate(code, to.code(), date)?)
}

fn into_buckets(
    sums: Vec<EventSum>,
    f: &Filter,
    rates: &Rates,
) -> Result<Vec<Keyed<Option<String>>>, ReportError> {
    sums.into_iter()
        .map(|s| {
            let amount = convert(s.amount_minor, &s.currency, s.date, &f.currency, rates)?;
            Ok(Keyed {
                key: s.group,
                bucket: Bucket {
                    date: s.date,
                    kind: s.kind,
                    amount,
                    events: s.events,
                    subscriptions_started: s.started,
                    subscriptions_ended: s.ended,
                },
            })
        })
        .collect()
}

/// Every movement up to the end of `to`, per day and kind.
pub async fn movements(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    to: Month,
) -> Result<Vec<Bucket>, ReportError> {
    let sums = sql::movements(db, f, to).await?;
    Ok(into_buckets(sums, f, rates)?
        .into_iter()
        .map(|k| k.bucket)
        .collect())
}

/// Every movement up to the end of `to`, per salesperson, day (month in the
/// reported currency) and kind.
pub async fn by_salesperson(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    to: Month,
) -> Result<Vec<Keyed<Option<String>>>, ReportError> {
    into_buckets(sql::by_salesperson(db, f, to).await?, f, rates)
}

/// The movements in `[from, to]` that ended a subscription's MRR, per close reason.
pub async fn by_close_reason(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    from: Month,
    to: Month,
) -> Result<Vec<Keyed<Option<String>>>, ReportError> {
    into_buckets(sql::by_close_reason(db, f, from, to).await?, f, rates)
}

/// The movements up to the end of `to` of the customers whose first `new` movement
/// (per currency) is in `[from, to]`, per cohort, day (month in the reported
/// currency) and kind.
pub async fn by_cohort(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    from: Month,
    to: Month,
) -> Result<Vec<Keyed<Month>>, ReportError> {
    let sums = sql::by_cohort(db, f, from, to).await?;
    Ok(into_buckets(sums, f, rates)?
        .into_iter()
        .filter_map(|k| {
            let cohort = k.key.as_deref().and_then(Month::parse)?;
            Some(Keyed {
                key: cohort,
                bucket: k.bucket,
            })
        })
        .collect())
}

/// The invoice sums of `[from, to]` in the reported currency, per month.
async fn invoice_sums(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    from: Month,
    to: Month,
    amount: InvoiceAmount,
) -> Result<Vec<(Month, Decimal)>, ReportError> {
    let sums = sql::invoice_sums(db, f, from, to, amount).await?;
    let mut out = Vec::with_capacity(sums.len());
    for s in sums {
        let amount = convert(s.amount_minor, &s.currency, s.date, &f.currency, rates)?;
        out.push((Month::of(s.date), amount));
    }
    Ok(out)
}

/// Σ subtotal of the open and paid invoices issued in `[from, to]`, per month.
pub async fn net_revenue(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    from: Month,
    to: Month,
) -> Result<Vec<(Month, Decimal)>, ReportError> {
    invoice_sums(db, f, rates, from, to, InvoiceAmount::Subtotal).await
}

/// Σ net of the one-off and setup-fee lines of those invoices, per month.
pub async fn non_recurring_revenue(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    from: Month,
    to: Month,
) -> Result<Vec<(Month, Decimal)>, ReportError> {
    invoice_sums(db, f, rates, from, to, InvoiceAmount::NonRecurringLines).await
}
