//! Stored exchange rates: one per merchant, mode, currency pair and first day.

use chrono::NaiveDate;
use renewly_types::ExchangeRate;
use rust_decimal::Decimal;

use super::{Page, Scope, now};
use crate::args;
use crate::db::Db;

#[derive(sqlx::FromRow)]
struct RateRow {
    id: String,
    livemode: bool,
    from_currency: String,
    to_currency: String,
    rate: String,
    rate_date: String,
    created: String,
}

impl RateRow {
    fn into_wire(self) -> ExchangeRate {
        ExchangeRate {
            id: self.id,
            object: "exchange_rate".to_owned(),
            livemode: self.livemode,
            from: self.from_currency,
            to: self.to_currency,
            rate: self.rate.parse().unwrap_or_default(),
            date: self.rate_date,
            created: self.created,
        }
    }
}

/// A new exchange-rate id, `xr_` and a lower-case ULID.
fn new_rate_id() -> String {
    format!(
        "xr_{}",
        ulid::Ulid::generate().to_string().to_ascii_lowercase()
    )
}

/// Sets the rate of a pair from a day on; the same pair and day again replaces the
/// rate. Returns the rate and whether it was new.
pub async fn upsert(
    db: &Db,
    scope: &Scope,
    from: &str,
    to: &str,
    rate: Decimal,
    date: NaiveDate,
) -> Result<(ExchangeRate, bool), sqlx::Error> {
    let id = new_rate_id();
    let row: Option<RateRow> = db
        .fetch_optional(
            "INSERT INTO exchange_rates (id, merchant_id, livemode, from_currency, to_currency, rate, \
             rate_date, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (merchant_id, livemode, from_currency, to_currency, rate_date) \
             DO UPDATE SET rate = excluded.rate \
             RETURNING id, livemode, from_currency, to_currency, rate, rate_date, created",
            &args![
                &id,
                &scope.merchant_id,
                scope.livemode,
                from,
                to,
                rate.normalize().to_string(),
                date.to_string(),
                now()
            ],
        )
        .await?;
    let row = row.ok_or(sqlx::Error::RowNotFound)?;
    let created = row.id == id;
    Ok((row.into_wire(), created))
}

/// One page of rates, newest first, optionally of one pair side.
pub async fn list(
    db: &Db,
    scope: &Scope,
    from: Option<&str>,
    to: Option<&str>,
    page: &Page,
) -> Result<(Vec<ExchangeRate>, bool), sqlx::Error> {
    let rows: Vec<RateRow> = db
        .fetch_all(
            "SELECT id, livemode, from_currency, to_currency, rate, rate_date, created \
             FROM exchange_rates WHERE merchant_id = $1 AND livemode = $2 AND id < $3 \
             AND ($4 IS NULL OR from_currency = $4) AND ($5 IS NULL OR to_currency = $5) \
             ORDER BY id DESC LIMIT $6",
            &args![
                &scope.merchant_id,
                scope.livemode,
                page.cursor(),
                from,
                to,
                page.fetch()
            ],
        )
        .await?;
    let (rows, more) = page.finish(rows);
    Ok((rows.into_iter().map(RateRow::into_wire).collect(), more))
}

/// A stored rate: units of `to` per unit of `from` from `date` on.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRate {
    pub from: String,
    pub to: String,
    pub date: NaiveDate,
    pub rate: Decimal,
}

/// Every rate of the merchant and mode, for a report; a damaged row is left out.
pub async fn all(db: &Db, scope: &Scope) -> Result<Vec<StoredRate>, sqlx::Error> {
    let rows: Vec<(String, String, String, String)> = db
        .fetch_all(
            "SELECT from_currency, to_currency, rate_date, rate FROM exchange_rates \
             WHERE merchant_id = $1 AND livemode = $2",
            &args![&scope.merchant_id, scope.livemode],
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(from, to, date, rate)| {
            Some(StoredRate {
                from,
                to,
                date: date.parse().ok()?,
                rate: rate.parse().ok()?,
            })
        })
        .collect())
}
