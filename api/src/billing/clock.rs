//! What "today" is: the calendar date in live mode and in test mode until the
//! merchant starts a test clock; the test clock's date from then on.

use chrono::NaiveDate;

use crate::args;
use crate::db::Db;
use crate::store::Scope;

/// The calendar date (UTC).
pub fn calendar_today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Today for this scope.
pub async fn today(db: &Db, scope: &Scope) -> Result<NaiveDate, sqlx::Error> {
    let real = calendar_today();
    if scope.livemode {
        return Ok(real);
    }
    Ok(test_clock(db, &scope.merchant_id).await?.unwrap_or(real))
}

/// The merchant's test clock, once started or advanced.
pub async fn test_clock(db: &Db, merchant_id: &str) -> Result<Option<NaiveDate>, sqlx::Error> {
    let row: Option<(String,)> = db
        .fetch_optional(
            "SELECT now_date FROM test_clocks WHERE merchant_id = $1",
            &args![merchant_id],
        )
        .await?;
    Ok(row.and_then(|(d,)| d.parse().ok()))
}

/// Moves the merchant's test clock to `to`.
pub async fn set_test_clock(db: &Db, merchant_id: &str, to: NaiveDate) -> Result<(), sqlx::Error> {
    db.execute(
        "INSERT INTO test_clocks (merchant_id, now_date) VALUES ($1, $2) \
         ON CONFLICT (merchant_id) DO UPDATE SET now_date = excluded.now_date",
        &args![merchant_id, to.to_string()],
    )
    .await?;
    Ok(())
}
