//! Stored payment methods: a provider token and what a person needs to recognise
//! the card. Never the card number or its security code.

use renewly_types::PaymentMethod;

use super::{Page, Scope};
use crate::args;
use crate::db::{Db, Tx};

#[derive(sqlx::FromRow)]
struct PaymentMethodRow {
    id: String,
    livemode: bool,
    customer_id: String,
    provider: String,
    brand: String,
    last4: String,
    exp_month: i64,
    exp_year: i64,
    created: String,
}

impl PaymentMethodRow {
    fn into_wire(self, default: Option<&str>) -> PaymentMethod {
        PaymentMethod {
            is_default: default == Some(self.id.as_str()),
            id: self.id,
            object: "payment_method".to_owned(),
            livemode: self.livemode,
            customer: self.customer_id,
            provider: self.provider,
            brand: self.brand,
            last4: self.last4,
            exp_month: u32::try_from(self.exp_month).unwrap_or_default(),
            exp_year: u32::try_from(self.exp_year).unwrap_or_default(),
            created: self.created,
        }
    }
}

/// What the payment provider needs to charge a payment method.
#[derive(Debug, Clone)]
pub struct ChargeSource {
    pub provider: String,
    pub token: String,
}

/// Stores a new payment method for its customer and makes it the customer's
/// default when `make_default` or when the customer has none yet. Returns whether
/// it became the default.
pub async fn attach(
    db: &Db,
    scope: &Scope,
    pm: &PaymentMethod,
    token: &str,
    make_default: bool,
) -> Result<bool, sqlx::Error> {
    let mut tx = Tx::begin(db).await?;
    tx.execute(
        "INSERT INTO payment_methods (id, merchant_id, livemode, customer_id, provider, \
         provider_token, brand, last4, exp_month, exp_year, detached, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, FALSE, $11)",
        &args![
            &pm.id,
            &scope.merchant_id,
            scope.livemode,
            &pm.customer,
            &pm.provider,
            token,
            &pm.brand,
            &pm.last4,
            i64::from(pm.exp_month),
            i64::from(pm.exp_year),
            &pm.created
        ],
    )
    .await?;
    tx.execute(
        "UPDATE customers SET default_payment_method = $4 \
         WHERE id = $1 AND merchant_id = $2 AND livemode = $3 \
         AND ($5 OR default_payment_method IS NULL)",
        &args![
            &pm.customer,
            &scope.merchant_id,
            scope.livemode,
            &pm.id,
            make_default
        ],
    )
    .await?;
    let default: Option<(Option<String>,)> = tx
        .fetch_optional(
            "SELECT default_payment_method FROM customers \
             WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
            &args![&pm.customer, &scope.merchant_id, scope.livemode],
        )
        .await?;
    tx.commit().await?;
    Ok(default.and_then(|(d,)| d).as_deref() == Some(pm.id.as_str()))
}

/// One attached payment method of this customer; `default` is the customer's
/// default payment method, to mark it.
pub async fn get(
    db: &Db,
    scope: &Scope,
    customer_id: &str,
    id: &str,
    default: Option<&str>,
) -> Result<Option<PaymentMethod>, sqlx::Error> {
    let row: Option<PaymentMethodRow> = db
        .fetch_optional(
            "SELECT * FROM payment_methods WHERE id = $1 AND customer_id = $2 \
             AND merchant_id = $3 AND livemode = $4 AND NOT detached",
            &args![id, customer_id, &scope.merchant_id, scope.livemode],
        )
        .await?;
    Ok(row.map(|r| r.into_wire(default)))
}

/// A page of the customer's attached payment methods, newest first.
pub async fn list(
    db: &Db,
    scope: &Scope,
    customer_id: &str,
    default: Option<&str>,
    page: &Page,
) -> Result<(Vec<PaymentMethod>, bool), sqlx::Error> {
    let rows: Vec<PaymentMethodRow> = db
        .fetch_all(
            "SELECT * FROM payment_methods WHERE customer_id = $1 AND merchant_id = $2 \
             AND livemode = $3 AND NOT detached AND id < $4 ORDER BY id DESC LIMIT $5",
            &args![
                customer_id,
                &scope.merchant_id,
                scope.livemode,
                page.cursor(),
                page.fetch()
            ],
        )
        .await?;
    Ok(page.finish(rows.into_iter().map(|r| r.into_wire(default)).collect()))
}

/// Makes an attached payment method the customer's default.
pub async fn set_default(
    db: &Db,
    scope: &Scope,
    customer_id: &str,
    id: &str,
) -> Result<(), sqlx::Error> {
    db.execute(
        "UPDATE customers SET default_payment_method = $4 \
         WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
        &args![customer_id, &scope.merchant_id, scope.livemode, id],
    )
    .await?;
    Ok(())
}

/// What [`detach`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detached {
    Done,
    /// Nothing attached under this id.
    NotFound,
    /// It is the default and other payment methods are attached: another one
    /// must become the default first.
    IsDefault,
}

/// Detaches a payment method (the row is kept for history). The default one is
/// detached only when it is the customer's last; the customer then has none.
pub async fn detach(
    db: &Db,
    scope: &Scope,
    customer_id: &str,
    id: &str,
) -> Result<Detached, sqlx::Error> {
    let mut tx = Tx::begin(db).await?;
    let attached: Vec<(String,)> = tx
        .fetch_all(
            "SELECT id FROM payment_methods WHERE customer_id = $1 AND merchant_id = $2 \
             AND livemode = $3 AND NOT detached",
            &args![customer_id, &scope.merchant_id, scope.livemode],
        )
        .await?;
    let default: Option<(Option<String>,)> = tx
        .fetch_optional(
            "SELECT default_payment_method FROM customers \
             WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
            &args![customer_id, &scope.merchant_id, scope.livemode],
        )
        .await?;
    let is_default = default.and_then(|(d,)| d).as_deref() == Some(id);
    let outcome = if !attached.iter().any(|(a,)| a == id) {
        Detached::NotFound
    } else if is_default && attached.len() > 1 {
        Detached::IsDefault
    } else {
        tx.execute(
            "UPDATE payment_methods SET detached = TRUE \
             WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
            &args![id, &scope.merchant_id, scope.livemode],
        )
        .await?;
        tx.execute(
            "UPDATE customers SET default_payment_method = NULL \
             WHERE id = $1 AND merchant_id = $2 AND livemode = $3 \
             AND default_payment_method = $4",
            &args![customer_id, &scope.merchant_id, scope.livemode, id],
        )
        .await?;
        Detached::Done
    };
    tx.commit().await?;
    Ok(outcome)
}

/// The provider and token of an attached payment method, to charge it.
pub async fn charge_source(
    db: &Db,
    scope: &Scope,
    id: &str,
) -> Result<Option<ChargeSource>, sqlx::Error> {
    let row: Option<(String, String)> = db
        .fetch_optional(
            "SELECT provider, provider_token FROM payment_methods \
             WHERE id = $1 AND merchant_id = $2 AND livemode = $3 AND NOT detached",
            &args![id, &scope.merchant_id, scope.livemode],
        )
        .await?;
    Ok(row.map(|(provider, token)| ChargeSource { provider, token }))
}

/// The customer a payment method of this merchant and mode belongs to.
pub async fn owner(db: &Db, scope: &Scope, id: &str) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = db
        .fetch_optional(
            "SELECT customer_id FROM payment_methods \
             WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
            &args![id, &scope.merchant_id, scope.livemode],
        )
        .await?;
    Ok(row.map(|(c,)| c))
}

/// Moves the customer's subscriptions charged on card `from` to card `to` (the
/// default; `None` when there is none).
pub async fn move_subscriptions(
    db: &Db,
    scope: &Scope,
    customer_id: &str,
    from: &str,
    to: Option<&str>,
) -> Result<(), sqlx::Error> {
    db.execute(
        "UPDATE subscriptions SET payment_method_id = $3 WHERE customer_id = $1 \
         AND payment_method_id = $2 AND merchant_id = $4 AND livemode = $5",
        &args![customer_id, from, to, &scope.merchant_id, scope.livemode],
    )
    .await?;
    Ok(())
}
