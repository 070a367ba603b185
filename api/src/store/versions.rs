//! The answer version of a merchant and mode: a counter that every change to
//! what the public endpoints answer (products, prices, plans, the merchant's
//! settings) moves on, after the change is written. A process that keeps such
//! answers in memory reads it before building one, so an answer it keeps is
//! never older than the version it is kept under.

use super::Scope;
use crate::args;
use crate::db::Db;

/// The current version (0 before the first change).
pub async fn get(db: &Db, scope: &Scope) -> Result<i64, sqlx::Error> {
    let row: Option<(i64,)> = db
        .fetch_optional(
            "SELECT version FROM answer_versions WHERE merchant_id = $1 AND livemode = $2",
            &args![&scope.merchant_id, scope.livemode],
        )
        .await?;
    Ok(row.map_or(0, |(v,)| v))
}

/// Moves the version on, after a change was written.
pub async fn bump(db: &Db, scope: &Scope) -> Result<(), sqlx::Error> {
    db.execute(
        "INSERT INTO answer_versions (merchant_id, livemode, version) VALUES ($1, $2, 1) \
         ON CONFLICT (merchant_id, livemode) DO UPDATE SET version = answer_versions.version + 1",
        &args![&scope.merchant_id, scope.livemode],
    )
    .await?;
    Ok(())
}
