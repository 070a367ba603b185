//! What "today" is: the calendar date in live mode and in test mode until the
//! merchant starts a test clock; the test clock's date from then on.

use chrono::NaiveDate;

use crate::db::Db;
use crate::store::{Scope, test_clock};

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
    test_clock::get(db, merchant_id).await
}

/// Moves the merchant's test clock to `to`.
pub async fn set_test_clock(db: &Db, merchant_id: &str, to: NaiveDate) -> Result<(), sqlx::Error> {
    test_clock::set(db, merchant_id, to).await
}
