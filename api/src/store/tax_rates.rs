//! Tax rates per country (and region) and tax category, seeded per merchant from
//! the shipped EU VAT table and editable.

use renewly_types::TaxRate;
use rust_decimal::Decimal;

use super::{Page, Scope};
use crate::args;
use crate::db::Db;

#[derive(sqlx::FromRow)]
struct TaxRateRow {
    id: String,
    livemode: bool,
    country: String,
    region: Option<String>,
    tax_category: String,
    percentage: String,
    name: String,
    active: bool,
    created: String,
}

impl TryFrom<TaxRateRow> for TaxRate {
    type Error = sqlx::Error;

    fn try_from(r: TaxRateRow) -> Result<Self, Self::Error> {
        let percentage = r.percentage.parse::<Decimal>().map_err(|e| {
            sqlx::Error::Decode(format!("tax rate {}: percentage: {e}", r.id).into())
        })?;
        Ok(Self {
            id: r.id,
            object: "tax_rate".to_owned(),
            livemode: r.livemode,
            country: r.country,
            region: r.region,
            tax_category: r.tax_category,
            percentage,
            name: r.name,
            active: r.active,
            created: r.created,
        })
    }
}

/// Inserts a new tax rate.
pub async fn insert_tax_rate(db: &Db, scope: &Scope, t: &TaxRate) -> Result<(), sqlx::Error> {
    db.execute(
        "INSERT INTO tax_rates (id, merchant_id, livemode, country, region, tax_category, \
         percentage, name, active, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &args![
            &t.id,
            &scope.merchant_id,
            scope.livemode,
            &t.country,
            &t.region,
            &t.tax_category,
            t.percentage.normalize().to_string(),
            &t.name,
            t.active,
            &t.created
        ],
    )
    .await?;
    Ok(())
}

/// Writes the changeable fields of a tax rate (percentage, name, active) back.
pub async fn update_tax_rate(db: &Db, scope: &Scope, t: &TaxRate) -> Result<(), sqlx::Error> {
    db.execute(
        "UPDATE tax_rates SET percentage = $4, name = $5, active = $6 \
         WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
        &args![
            &t.id,
            &scope.merchant_id,
            scope.livemode,
            t.percentage.normalize().to_string(),
            &t.name,
            t.active
        ],
    )
    .await?;
    Ok(())
}

/// One tax rate of this merchant and mode.
pub async fn get_tax_rate(
    db: &Db,
    scope: &Scope,
    id: &str,
) -> Result<Option<TaxRate>, sqlx::Error> {
    let row: Option<TaxRateRow> = db
        .fetch_optional(
            "SELECT * FROM tax_rates WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
            &args![id, &scope.merchant_id, scope.livemode],
        )
        .await?;
    row.map(TaxRate::try_from).transpose()
}

/// Filters of a tax rate list; `None` does not filter.
#[derive(Debug, Clone, Default)]
pub struct TaxRateFilter {
    pub country: Option<String>,
    pub tax_category: Option<String>,
    pub active: Option<bool>,
}

/// A page of tax rates, newest first.
pub async fn list_tax_rates(
    db: &Db,
    scope: &Scope,
    filter: &TaxRateFilter,
    page: &Page,
) -> Result<(Vec<TaxRate>, bool), sqlx::Error> {
    let rows: Vec<TaxRateRow> = db
        .fetch_all(
            "SELECT * FROM tax_rates WHERE merchant_id = $1 AND livemode = $2 AND id < $3 \
             AND ($4 = 0 OR active = $5) AND ($6 IS NULL OR country = $6) \
             AND ($7 IS NULL OR tax_category = $7) ORDER BY id DESC LIMIT $8",
            &args![
                &scope.merchant_id,
                scope.livemode,
                page.cursor(),
                i64::from(filter.active.is_some()),
                filter.active.unwrap_or(true),
                &filter.country,
                &filter.tax_category,
                page.fetch()
            ],
        )
        .await?;
    let rates = rows
        .into_iter()
        .map(TaxRate::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.finish(rates))
}

/// The id of another active rate for the same country, region and category, if
/// one exists (two would make [`find_rate`] ambiguous).
pub async fn active_twin(
    db: &Db,
    scope: &Scope,
    t: &TaxRate,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = db
        .fetch_optional(
            "SELECT id FROM tax_rates WHERE merchant_id = $1 AND livemode = $2 AND country = $3 \
             AND tax_category = $4 AND ((region IS NULL AND $5 IS NULL) OR region = $5) \
             AND active = $6 AND id <> $7 LIMIT 1",
            &args![
                &scope.merchant_id,
                scope.livemode,
                &t.country,
                &t.tax_category,
                &t.region,
                true,
                &t.id
            ],
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

/// The active country-wide rate of `country` for `tax_category`, or the country's
/// `standard` rate when it has none for that category; `None` when neither exists.
pub async fn find_rate(
    db: &Db,
    scope: &Scope,
    country: &str,
    tax_category: &str,
) -> Result<Option<TaxRate>, sqlx::Error> {
    let row: Option<TaxRateRow> = db
        .fetch_optional(
            "SELECT * FROM tax_rates WHERE merchant_id = $1 AND livemode = $2 AND country = $3 \
             AND (tax_category = $4 OR tax_category = 'standard') AND region IS NULL \
             AND active = $5 ORDER BY CASE WHEN tax_category = $4 THEN 0 ELSE 1 END, id DESC LIMIT 1",
            &args![
                &scope.merchant_id,
                scope.livemode,
                country,
                tax_category,
                true
            ],
        )
        .await?;
    row.map(TaxRate::try_from).transpose()
}
