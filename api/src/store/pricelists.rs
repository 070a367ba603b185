//! Pricelists: special prices per currency and customer group. Rules are stored
//! as JSON text.

use renewly_types::Pricelist;

use super::{Page, Scope, from_json_text, json_text};
use crate::args;
use crate::db::Db;

#[derive(sqlx::FromRow)]
struct PricelistRow {
    id: String,
    livemode: bool,
    name: String,
    currency: String,
    items: String,
    active: bool,
    created: String,
}

impl From<PricelistRow> for Pricelist {
    fn from(r: PricelistRow) -> Self {
        Self {
            id: r.id,
            object: "pricelist".to_owned(),
            livemode: r.livemode,
            name: r.name,
            currency: r.currency,
            items: from_json_text(&r.items),
            active: r.active,
            created: r.created,
        }
    }
}

/// Inserts a new pricelist.
pub async fn insert_pricelist(db: &Db, scope: &Scope, p: &Pricelist) -> Result<(), sqlx::Error> {
    db.execute(
        "INSERT INTO pricelists (id, merchant_id, livemode, name, currency, items, active, \
         created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &args![
            &p.id,
            &scope.merchant_id,
            scope.livemode,
            &p.name,
            &p.currency,
            json_text(&p.items),
            p.active,
            &p.created
        ],
    )
    .await?;
    Ok(())
}

/// Writes the changeable fields of a pricelist back (its currency never changes).
pub async fn update_pricelist(db: &Db, scope: &Scope, p: &Pricelist) -> Result<(), sqlx::Error> {
    db.execute(
        "UPDATE pricelists SET name = $4, items = $5, active = $6 \
         WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
        &args![
            &p.id,
            &scope.merchant_id,
            scope.livemode,
            &p.name,
            json_text(&p.items),
            p.active
        ],
    )
    .await?;
    Ok(())
}

/// One pricelist of this merchant and mode.
pub async fn get_pricelist(
    db: &Db,
    scope: &Scope,
    id: &str,
) -> Result<Option<Pricelist>, sqlx::Error> {
    let row: Option<PricelistRow> = db
        .fetch_optional(
            "SELECT * FROM pricelists WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
            &args![id, &scope.merchant_id, scope.livemode],
        )
        .await?;
    Ok(row.map(Pricelist::from))
}

/// A page of pricelists, newest first, optionally only active or archived ones.
pub async fn list_pricelists(
    db: &Db,
    scope: &Scope,
    active: Option<bool>,
    page: &Page,
) -> Result<(Vec<Pricelist>, bool), sqlx::Error> {
    let rows: Vec<PricelistRow> = db
        .fetch_all(
            "SELECT * FROM pricelists WHERE merchant_id = $1 AND livemode = $2 AND id < $3 \
             AND ($4 = 0 OR active = $5) ORDER BY id DESC LIMIT $6",
            &args![
                &scope.merchant_id,
                scope.livemode,
                page.cursor(),
                i64::from(active.is_some()),
                active.unwrap_or(true),
                page.fetch()
            ],
        )
        .await?;
    Ok(page.finish(rows.into_iter().map(Pricelist::from).collect()))
}
