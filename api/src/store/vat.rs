//! What VIES answered for a VAT number, per merchant and mode: the cache that
//! keeps Renewly from asking VIES again for 30 days, and the proof (the
//! consultation number) of each check.

use renewly_types::{VatVerification, VatVerificationStatus};

use super::Scope;
use crate::db::Db;
use crate::with_db;

/// The name of a status in the database and on the wire.
pub fn status_name(s: VatVerificationStatus) -> &'static str {
    match s {
        VatVerificationStatus::Verified => "verified",
        VatVerificationStatus::Invalid => "invalid",
        VatVerificationStatus::Unverified => "unverified",
    }
}

/// A stored status; anything unknown counts as not verified.
pub fn status_of(name: &str) -> VatVerificationStatus {
    match name {
        "verified" => VatVerificationStatus::Verified,
        "invalid" => VatVerificationStatus::Invalid,
        _ => VatVerificationStatus::Unverified,
    }
}

/// A stored answer from its columns.
pub fn verification(
    status: Option<String>,
    checked_at: Option<String>,
    consultation_number: Option<String>,
) -> Option<VatVerification> {
    Some(VatVerification {
        status: status_of(&status?),
        checked_at: checked_at?,
        consultation_number,
    })
}

/// The last answer for `vat_number`, if any.
pub async fn get(
    db: &Db,
    scope: &Scope,
    vat_number: &str,
) -> Result<Option<VatVerification>, sqlx::Error> {
    let row: Option<(String, String, Option<String>)> = with_db!(db, pool => sqlx::query_as(
        "SELECT status, checked_at, consultation_number FROM vat_verifications \
         WHERE merchant_id = $1 AND livemode = $2 AND vat_number = $3",
    )
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .bind(vat_number)
    .fetch_optional(pool)
    .await?);
    Ok(row.and_then(|(s, at, n)| verification(Some(s), Some(at), n)))
}

/// Keeps `v` as the answer for `vat_number`, replacing an older one.
pub async fn put(
    db: &Db,
    scope: &Scope,
    vat_number: &str,
    v: &VatVerification,
) -> Result<(), sqlx::Error> {
    with_db!(db, pool => sqlx::query(
        "INSERT INTO vat_verifications \
         (merchant_id, livemode, vat_number, status, consultation_number, checked_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (merchant_id, livemode, vat_number) DO UPDATE SET \
         status = excluded.status, consultation_number = excluded.consultation_number, \
         checked_at = excluded.checked_at",
    )
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .bind(vat_number)
    .bind(status_name(v.status))
    .bind(&v.consultation_number)
    .bind(&v.checked_at)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}

/// Live numbers whose kept answer is due again: `verified` or `invalid` checked
/// before `expired_before`, `unverified` before `retry_before`, and still the
/// number of one of the merchant's customers; oldest first.
pub async fn stale(
    db: &Db,
    expired_before: &str,
    retry_before: &str,
    limit: i64,
) -> Result<Vec<(Scope, String)>, sqlx::Error> {
    let rows: Vec<(String, String)> = with_db!(db, pool => sqlx::query_as(
        "SELECT v.merchant_id, v.vat_number FROM vat_verifications v \
         WHERE v.livemode = $1 \
         AND ((v.status = 'unverified' AND v.checked_at < $3) \
           OR (v.status <> 'unverified' AND v.checked_at < $2)) \
         AND EXISTS (SELECT 1 FROM customers c WHERE c.merchant_id = v.merchant_id \
           AND c.livemode = v.livemode AND c.vat_number = v.vat_number) \
         ORDER BY v.checked_at LIMIT $4",
    )
    .bind(true)
    .bind(expired_before)
    .bind(retry_before)
    .bind(limit)
    .fetch_all(pool)
    .await?);
    Ok(rows
        .into_iter()
        .map(|(merchant_id, number)| {
            (
                Scope {
                    merchant_id,
                    livemode: true,
                },
                number,
            )
        })
        .collect())
}

/// Forgets answers checked before `before` for numbers that are no customer's
/// (left by checkout previews and abandoned checkouts); a customer's answer is
/// kept as the proof of its check.
pub async fn purge_unused(db: &Db, before: &str) -> Result<u64, sqlx::Error> {
    Ok(with_db!(db, pool => sqlx::query(
        "DELETE FROM vat_verifications WHERE checked_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.merchant_id = vat_verifications.merchant_id \
           AND c.livemode = vat_verifications.livemode AND c.vat_number = vat_verifications.vat_number)",
    )
    .bind(before)
    .execute(pool)
    .await?
    .rows_affected()))
}
