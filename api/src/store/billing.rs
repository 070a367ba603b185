//! What the billing store modules share: which data a billing run covers, how
//! rows are checked when read, currency codes and interval names.
//! The statements live in [`subscriptions`], [`invoices`], [`ledger`](super::ledger),
//! [`events`](super::events) and [`mrr`](super::mrr).

use renewly_types::Interval;
use rust_decimal::Decimal;

pub use super::invoices::{InvoiceFilter, InvoiceRow, LineRow, lines};
pub use super::subscriptions::{
    ItemRow, SubscriptionFilter, SubscriptionRow, interval_name, items, items_tx,
};
use super::{Scope, invoices, subscriptions};
use crate::db::Db;
use crate::domain::currency::Currency;

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

/// `day` → [`Interval::Day`], etc.; `month` for anything unknown.
pub fn parse_interval(raw: &str) -> Interval {
    match raw {
        "day" => Interval::Day,
        "week" => Interval::Week,
        "year" => Interval::Year,
        _ => Interval::Month,
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

/// One invoice row in scope.
pub async fn invoice_row(
    db: &Db,
    scope: &Scope,
    id: &str,
) -> Result<Option<InvoiceRow>, sqlx::Error> {
    invoices::get(db, scope, id).await
}
