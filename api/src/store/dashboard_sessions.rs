//! Dashboard sessions: a random token in an HttpOnly cookie, stored only as its
//! SHA-256, tied to the secret key that opened it (revoking the key ends it) and
//! valid for [`SESSION_HOURS`] hours.

use super::merchants::{KeyKind, hash_key};
use super::{Scope, now};
use crate::args;
use crate::db::Db;
use crate::ids::random_token;

/// How long a dashboard session lasts.
pub const SESSION_HOURS: i64 = 12;

/// Why a sign-in was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInError {
    /// No active key matches.
    UnknownKey,
    /// A publishable key: it may not read analytics.
    NotSecret,
}

fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Opens a session for a secret key; returns the cookie token (shown once).
pub async fn sign_in(db: &Db, key: &str) -> Result<Result<String, SignInError>, sqlx::Error> {
    let found: Option<(String, String, bool, String)> = db
        .fetch_optional(
            "SELECT id, merchant_id, livemode, kind FROM api_keys \
             WHERE key_hash = $1 AND revoked_at IS NULL",
            &args![hash_key(key.trim())],
        )
        .await?;
    let Some((key_id, merchant_id, livemode, kind)) = found else {
        return Ok(Err(SignInError::UnknownKey));
    };
    if KeyKind::from_stored(&kind) != KeyKind::Secret {
        return Ok(Err(SignInError::NotSecret));
    }
    let now_at = chrono::Utc::now();
    db.execute(
        "DELETE FROM dashboard_sessions WHERE expires_at <= $1",
        &args![stamp(now_at)],
    )
    .await?;
    let token = random_token(32);
    db.execute(
        "INSERT INTO dashboard_sessions (token_hash, key_id, merchant_id, livemode, expires_at, created) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        &args![
            hash_key(&token),
            key_id,
            merchant_id,
            livemode,
            stamp(now_at + chrono::Duration::hours(SESSION_HOURS)),
            now()
        ],
    )
    .await?;
    Ok(Ok(token))
}

/// The scope of a live session.
pub async fn scope_of(db: &Db, token: &str) -> Result<Option<Scope>, sqlx::Error> {
    let row: Option<(String, bool)> = db
        .fetch_optional(
            "SELECT s.merchant_id, s.livemode FROM dashboard_sessions s \
             JOIN api_keys k ON k.id = s.key_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND k.revoked_at IS NULL",
            &args![hash_key(token), stamp(chrono::Utc::now())],
        )
        .await?;
    Ok(row.map(|(merchant_id, livemode)| Scope {
        merchant_id,
        livemode,
    }))
}

/// Ends a session.
pub async fn sign_out(db: &Db, token: &str) -> Result<(), sqlx::Error> {
    db.execute(
        "DELETE FROM dashboard_sessions WHERE token_hash = $1",
        &args![hash_key(token)],
    )
    .await?;
    Ok(())
}
