//! What the worker forgets, once an hour: idempotency keys older than
//! `RENEWLY_IDEMPOTENCY_HOURS` (a retry after that is a new request), and the
//! bodies of e-mails delivered more than [`DELIVERED_BODY_DAYS`] days ago, and
//! VIES answers older than [`VAT_CHECK_DAYS`] days for numbers that are no
//! customer's (a checkout preview's).

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::db::Db;
use crate::store::{idempotency, outbox, vat};

/// How often `serve` sweeps.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// How long a delivered e-mail keeps its body.
pub const DELIVERED_BODY_DAYS: i64 = 30;

/// How long a VIES answer for a number that is no customer's is kept: as long
/// as it would be trusted.
pub const VAT_CHECK_DAYS: i64 = crate::vies::CACHE_DAYS;

/// What one pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub idempotency_keys: u64,
    pub email_bodies: u64,
    pub vat_checks: u64,
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Removes what has outlived its purpose as of `now`.
pub async fn sweep(db: &Db, config: &Config, now: DateTime<Utc>) -> Result<Swept, sqlx::Error> {
    let keys_ttl = chrono::Duration::from_std(config.idempotency_ttl)
        .unwrap_or_else(|_| chrono::Duration::hours(48));
    let idempotency_keys = idempotency::purge(db, &stamp(now - keys_ttl)).await?;
    let bodies_cutoff = now - chrono::Duration::days(DELIVERED_BODY_DAYS);
    let email_bodies = outbox::purge_delivered_bodies(db, &stamp(bodies_cutoff)).await?;
    let vat_cutoff = now - chrono::Duration::days(VAT_CHECK_DAYS);
    let vat_checks = vat::purge_unused(db, &stamp(vat_cutoff)).await?;
    Ok(Swept {
        idempotency_keys,
        email_bodies,
        vat_checks,
    })
}
