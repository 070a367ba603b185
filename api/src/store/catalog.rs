//! Products, prices, plans, pricelists and tax rates.

use renewly_types::{Product, ProductKind};

use super::{Page, Scope};
use crate::args;
use crate::db::Db;

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: String,
    livemode: bool,
    name: String,
    description: Option<String>,
    kind: String,
    unit: String,
    tax_category: String,
    active: bool,
    created: String,
}

impl From<ProductRow> for Product {
    fn from(r: ProductRow) -> Self {
        Self {
            id: r.id,
            object: "product".to_owned(),
            livemode: r.livemode,
            name: r.name,
            description: r.description,
            kind: if r.kind == "one_off" {
                ProductKind::OneOff
            } else {
                ProductKind::Recurring
            },
            unit: r.unit,
            tax_category: r.tax_category,
            active: r.active,
            created: r.created,
        }
    }
}

fn kind_str(kind: ProductKind) -> &'static str {
    match kind {
        ProductKind::Recurring => "recurring",
        ProductKind::OneOff => "one_off",
    }
}

/// Inserts a new product.
pub async fn insert_product(db: &Db, scope: &Scope, p: &Product) -> Result<(), sqlx::Error> {
    db.execute(
        "INSERT INTO products (id, merchant_id, livemode, name, description, kind, unit, \
         tax_category, active, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &args![
            &p.id,
            &scope.merchant_id,
            scope.livemode,
            &p.name,
            &p.description,
            kind_str(p.kind),
            &p.unit,
            &p.tax_category,
            p.active,
            &p.created
        ],
    )
    .await?;
    super::versions::bump(db, scope).await
}

/// Writes the changeable fields of a product back.
pub async fn update_product(db: &Db, scope: &Scope, p: &Product) -> Result<(), sqlx::Error> {
    db.execute(
        "UPDATE products SET name = $4, description = $5, unit = $6, tax_category = $7, \
         active = $8 WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
        &args![
            &p.id,
            &scope.merchant_id,
            scope.livemode,
            &p.name,
            &p.description,
            &p.unit,
            &p.tax_category,
            p.active
        ],
    )
    .await?;
    super::versions::bump(db, scope).await
}

/// One product of this merchant and mode.
pub async fn get_product(db: &Db, scope: &Scope, id: &str) -> Result<Option<Product>, sqlx::Error> {
    let row: Option<ProductRow> = db
        .fetch_optional(
            "SELECT * FROM products WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
            &args![id, &scope.merchant_id, scope.livemode],
        )
        .await?;
    Ok(row.map(Product::from))
}

/// The products among `ids` that exist for this merchant and mode, by id.
pub async fn get_products(
    db: &Db,
    scope: &Scope,
    ids: &[&str],
) -> Result<std::collections::HashMap<String, Product>, sqlx::Error> {
    let rows: Vec<ProductRow> = super::rows_by_ids(db, "products", scope, ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let product = Product::from(row);
            (product.id.clone(), product)
        })
        .collect())
}

/// A page of products, newest first, optionally only active or archived ones.
pub async fn list_products(
    db: &Db,
    scope: &Scope,
    active: Option<bool>,
    page: &Page,
) -> Result<(Vec<Product>, bool), sqlx::Error> {
    let rows: Vec<ProductRow> = db
        .fetch_all(
            "SELECT * FROM products WHERE merchant_id = $1 AND livemode = $2 AND id < $3 \
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
    Ok(page.finish(rows.into_iter().map(Product::from).collect()))
}
