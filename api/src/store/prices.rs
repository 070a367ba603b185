//! Prices: what a product costs, once or per period.

use std::collections::HashMap;

use renewly_types::{Interval, Price, Recurring, TaxBehavior};
use rust_decimal::Decimal;

use super::{Page, Scope};
use crate::args;
use crate::db::Db;

#[derive(sqlx::FromRow)]
struct PriceRow {
    id: String,
    livemode: bool,
    product_id: String,
    currency: String,
    unit_amount: String,
    recurring_interval: Option<String>,
    recurring_interval_count: Option<i64>,
    tax_behavior: String,
    nickname: Option<String>,
    active: bool,
    created: String,
}

impl TryFrom<PriceRow> for Price {
    type Error = sqlx::Error;

    fn try_from(r: PriceRow) -> Result<Self, Self::Error> {
        let unit_amount = r
            .unit_amount
            .parse::<Decimal>()
            .map_err(|e| sqlx::Error::Decode(format!("price {}: unit_amount: {e}", r.id).into()))?;
        let recurring = match (r.recurring_interval.as_deref(), r.recurring_interval_count) {
            (Some(interval), Some(count)) => Some(Recurring {
                interval: interval_from_str(interval).ok_or_else(|| {
                    sqlx::Error::Decode(format!("price {}: interval '{interval}'", r.id).into())
                })?,
                interval_count: u32::try_from(count).unwrap_or(1),
            }),
            _ => None,
        };
        Ok(Self {
            id: r.id,
            object: "price".to_owned(),
            livemode: r.livemode,
            product: r.product_id,
            currency: r.currency,
            unit_amount,
            recurring,
            tax_behavior: if r.tax_behavior == "inclusive" {
                TaxBehavior::Inclusive
            } else {
                TaxBehavior::Exclusive
            },
            nickname: r.nickname,
            active: r.active,
            created: r.created,
        })
    }
}

/// The stored name of an interval.
pub fn interval_str(interval: Interval) -> &'static str {
    match interval {
        Interval::Day => "day",
        Interval::Week => "week",
        Interval::Month => "month",
        Interval::Year => "year",
    }
}

fn interval_from_str(raw: &str) -> Option<Interval> {
    match raw {
        "day" => Some(Interval::Day),
        "week" => Some(Interval::Week),
        "month" => Some(Interval::Month),
        "year" => Some(Interval::Year),
        _ => None,
    }
}

fn tax_behavior_str(t: TaxBehavior) -> &'static str {
    match t {
        TaxBehavior::Exclusive => "exclusive",
        TaxBehavior::Inclusive => "inclusive",
    }
}

/// Inserts a new price.
pub async fn insert_price(db: &Db, scope: &Scope, p: &Price) -> Result<(), sqlx::Error> {
    db.execute(
        "INSERT INTO prices (id, merchant_id, livemode, product_id, currency, unit_amount, \
         recurring_interval, recurring_interval_count, tax_behavior, nickname, active, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &args![
            &p.id,
            &scope.merchant_id,
            scope.livemode,
            &p.product,
            &p.currency,
            p.unit_amount.to_string(),
            p.recurring.map(|r| interval_str(r.interval)),
            p.recurring.map(|r| i64::from(r.interval_count)),
            tax_behavior_str(p.tax_behavior),
            &p.nickname,
            p.active,
            &p.created
        ],
    )
    .await?;
    super::versions::bump(db, scope).await
}

/// Writes the changeable fields of a price (nickname, active) back.
pub async fn update_price(db: &Db, scope: &Scope, p: &Price) -> Result<(), sqlx::Error> {
    db.execute(
        "UPDATE prices SET nickname = $4, active = $5 \
         WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
        &args![
            &p.id,
            &scope.merchant_id,
            scope.livemode,
            &p.nickname,
            p.active
        ],
    )
    .await?;
    super::versions::bump(db, scope).await
}

/// One price of this merchant and mode.
pub async fn get_price(db: &Db, scope: &Scope, id: &str) -> Result<Option<Price>, sqlx::Error> {
    let row: Option<PriceRow> = db
        .fetch_optional(
            "SELECT * FROM prices WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
            &args![id, &scope.merchant_id, scope.livemode],
        )
        .await?;
    row.map(Price::try_from).transpose()
}

/// The prices among `ids` that exist for this merchant and mode, by id.
pub async fn get_prices(
    db: &Db,
    scope: &Scope,
    ids: &[String],
) -> Result<HashMap<String, Price>, sqlx::Error> {
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let rows: Vec<PriceRow> = super::rows_by_ids(db, "prices", scope, &ids).await?;
    rows.into_iter()
        .map(|row| Price::try_from(row).map(|price| (price.id.clone(), price)))
        .collect()
}

/// Filters of a price list; `None` does not filter.
#[derive(Debug, Clone, Default)]
pub struct PriceFilter {
    pub product: Option<String>,
    pub active: Option<bool>,
    pub currency: Option<String>,
}

/// A page of prices, newest first.
pub async fn list_prices(
    db: &Db,
    scope: &Scope,
    filter: &PriceFilter,
    page: &Page,
) -> Result<(Vec<Price>, bool), sqlx::Error> {
    let rows: Vec<PriceRow> = db
        .fetch_all(
            "SELECT * FROM prices WHERE merchant_id = $1 AND livemode = $2 AND id < $3 \
             AND ($4 = 0 OR active = $5) AND ($6 IS NULL OR product_id = $6) \
             AND ($7 IS NULL OR currency = $7) ORDER BY id DESC LIMIT $8",
            &args![
                &scope.merchant_id,
                scope.livemode,
                page.cursor(),
                i64::from(filter.active.is_some()),
                filter.active.unwrap_or(true),
                &filter.product,
                &filter.currency,
                page.fetch()
            ],
        )
        .await?;
    let prices = rows
        .into_iter()
        .map(Price::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.finish(prices))
}
