//! Remembered responses of POST requests sent with an `Idempotency-Key`.

use super::{Scope, now};
use crate::db::Db;
use crate::{args, with_db};

/// What happened when a request claimed its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new (or its earlier holder was abandoned): run the request.
    Fresh,
    /// The key was used with another request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
    /// The first request finished: answer its response again.
    Replay { status: u16, body: Vec<u8> },
}

#[derive(sqlx::FromRow)]
struct Row {
    request_hash: String,
    state: String,
    response_status: Option<i64>,
    response_body: Option<Vec<u8>>,
    created: String,
}

/// Claims `key` for a request with this hash. A pending claim older than
/// `abandon_after` (its server died mid-request) is taken over; a finished one
/// older than `ttl` is forgotten.
pub async fn claim(
    db: &Db,
    scope: &Scope,
    key: &str,
    request_hash: &str,
    abandon_after: chrono::Duration,
    ttl: chrono::Duration,
) -> Result<Claim, sqlx::Error> {
    let created = now();
    let inserted = db
        .execute(
            "INSERT INTO idempotency_keys (merchant_id, livemode, idem_key, request_hash, state, \
             created) VALUES ($1, $2, $3, $4, 'pending', $5) ON CONFLICT DO NOTHING",
            &args![
                &scope.merchant_id,
                scope.livemode,
                key,
                request_hash,
                &created
            ],
        )
        .await?;
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let row: Option<Row> = db
        .fetch_optional(
            "SELECT request_hash, state, response_status, response_body, created \
             FROM idempotency_keys WHERE merchant_id = $1 AND livemode = $2 AND idem_key = $3",
            &args![&scope.merchant_id, scope.livemode, key],
        )
        .await?;
    let Some(row) = row else {
        // Released between our insert and select: the caller may retry at once.
        return Ok(Claim::InProgress);
    };
    let age = chrono::DateTime::parse_from_rfc3339(&row.created)
        .map(|t| chrono::Utc::now().signed_duration_since(t))
        .unwrap_or_default();
    let expired = age > ttl;
    let abandoned = row.state == "pending" && age > abandon_after;
    if expired || abandoned {
        // Take the key over, unless another request did so first.
        let taken = db
            .execute(
                "UPDATE idempotency_keys SET request_hash = $4, state = 'pending', \
                 response_status = NULL, response_body = NULL, created = $5 \
                 WHERE merchant_id = $1 AND livemode = $2 AND idem_key = $3 AND created = $6",
                &args![
                    &scope.merchant_id,
                    scope.livemode,
                    key,
                    request_hash,
                    &created,
                    &row.created
                ],
            )
            .await?;
        return Ok(if taken == 1 {
            Claim::Fresh
        } else {
            Claim::InProgress
        });
    }
    if row.request_hash != request_hash {
        return Ok(Claim::Mismatch);
    }
    match (row.state.as_str(), row.response_status, row.response_body) {
        ("done", Some(status), Some(body)) => Ok(Claim::Replay {
            status: u16::try_from(status).unwrap_or(500),
            body,
        }),
        _ => Ok(Claim::InProgress),
    }
}

/// Stores the response of the request holding `key`.
pub async fn complete(
    db: &Db,
    scope: &Scope,
    key: &str,
    status: u16,
    body: &[u8],
) -> Result<(), sqlx::Error> {
    // A blob, which `Arg` does not carry: bound on the native pool.
    with_db!(db, pool => sqlx::query(
        "UPDATE idempotency_keys SET state = 'done', response_status = $4, response_body = $5 \
         WHERE merchant_id = $1 AND livemode = $2 AND idem_key = $3",
    )
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .bind(key)
    .bind(i64::from(status))
    .bind(body)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Forgets `key`, so that a corrected request may use it again.
pub async fn release(db: &Db, scope: &Scope, key: &str) -> Result<(), sqlx::Error> {
    db.execute(
        "DELETE FROM idempotency_keys WHERE merchant_id = $1 AND livemode = $2 AND idem_key = $3",
        &args![&scope.merchant_id, scope.livemode, key],
    )
    .await?;
    Ok(())
}

/// Deletes keys created before `cutoff` (RFC 3339); returns how many.
pub async fn purge(db: &Db, cutoff: &str) -> Result<u64, sqlx::Error> {
    db.execute(
        "DELETE FROM idempotency_keys WHERE created < $1",
        &args![cutoff],
    )
    .await
}
