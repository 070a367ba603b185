//! A merchant's Stripe keys per mode (secrets sealed by [`crate::vault`]) and the
//! Stripe Customer of each Renewly customer.

use super::{Scope, now};
use crate::args;
use crate::db::Db;

/// A merchant mode's Stripe settings as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StripeConfig {
    pub publishable_key: String,
    pub secret_key_sealed: String,
    pub secret_key_last4: String,
    pub webhook_secret_sealed: Option<String>,
}

/// What a sealed field of a merchant mode is bound to: its merchant, mode and name.
pub fn context(scope: &Scope, field: &str) -> String {
    let mode = if scope.livemode { "live" } else { "test" };
    format!("{}/{mode}/stripe/{field}", scope.merchant_id)
}

/// The Stripe settings of the merchant mode, when set.
pub async fn get(db: &Db, scope: &Scope) -> Result<Option<StripeConfig>, sqlx::Error> {
    db.fetch_optional(
        "SELECT publishable_key, secret_key_sealed, secret_key_last4, webhook_secret_sealed \
         FROM merchant_stripe WHERE merchant_id = $1 AND livemode = $2",
        &args![&scope.merchant_id, scope.livemode],
    )
    .await
}

/// Sets (or replaces) the merchant mode's Stripe settings; cached answers of the
/// merchant's settings are renewed.
pub async fn save(db: &Db, scope: &Scope, c: &StripeConfig) -> Result<(), sqlx::Error> {
    db.execute(
        "INSERT INTO merchant_stripe (merchant_id, livemode, publishable_key, secret_key_sealed, \
         secret_key_last4, webhook_secret_sealed, updated) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (merchant_id, livemode) DO UPDATE SET \
         publishable_key = excluded.publishable_key, secret_key_sealed = excluded.secret_key_sealed, \
         secret_key_last4 = excluded.secret_key_last4, \
         webhook_secret_sealed = excluded.webhook_secret_sealed, updated = excluded.updated",
        &args![
            &scope.merchant_id,
            scope.livemode,
            &c.publishable_key,
            &c.secret_key_sealed,
            &c.secret_key_last4,
            &c.webhook_secret_sealed,
            now()
        ],
    )
    .await?;
    super::versions::bump(db, scope).await
}

/// Removes the merchant mode's Stripe settings.
pub async fn remove(db: &Db, scope: &Scope) -> Result<(), sqlx::Error> {
    db.execute(
        "DELETE FROM merchant_stripe WHERE merchant_id = $1 AND livemode = $2",
        &args![&scope.merchant_id, scope.livemode],
    )
    .await?;
    super::versions::bump(db, scope).await
}

/// The Stripe Customer of a customer, once made.
pub async fn customer_id(
    db: &Db,
    scope: &Scope,
    customer: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(Option<String>,)> = db
        .fetch_optional(
            "SELECT stripe_customer_id FROM customers \
             WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
            &args![customer, &scope.merchant_id, scope.livemode],
        )
        .await?;
    Ok(row.and_then(|(id,)| id))
}

/// Records the Stripe Customer of a customer unless one is recorded already;
/// returns the one that stands.
pub async fn set_customer_id(
    db: &Db,
    scope: &Scope,
    customer: &str,
    stripe_id: &str,
) -> Result<String, sqlx::Error> {
    db.execute(
        "UPDATE customers SET stripe_customer_id = $4 \
         WHERE id = $1 AND merchant_id = $2 AND livemode = $3 AND stripe_customer_id IS NULL",
        &args![customer, &scope.merchant_id, scope.livemode, stripe_id],
    )
    .await?;
    Ok(customer_id(db, scope, customer)
        .await?
        .unwrap_or_else(|| stripe_id.to_owned()))
}
