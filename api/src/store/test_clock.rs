//! Test clocks: the date a merchant's test mode lives on, once started.

use chrono::NaiveDate;

use crate::args;
use crate::db::Db;

/// The merchant's test clock, once started or advanced.
pub async fn get(db: &Db, merchant_id: &str) -> Result<Option<NaiveDate>, sqlx::Error> {
    let row: Option<(String,)> = db
        .fetch_optional(
            "SELECT now_date FROM test_clocks WHERE merchant_id = $1",
            &args![merchant_id],
        )
        .await?;
    Ok(row.and_then(|(d,)| d.parse().ok()))
}

/// Moves the merchant's test clock to `to` (starting it when needed).
pub async fn set(db: &Db, merchant_id: &str, to: NaiveDate) -> Result<(), sqlx::Error> {
    db.execute(
        "INSERT INTO test_clocks (merchant_id, now_date) VALUES ($1, $2) \
         ON CONFLICT (merchant_id) DO UPDATE SET now_date = excluded.now_date",
        &args![merchant_id, to.to_string()],
    )
    .await?;
    Ok(())
}
