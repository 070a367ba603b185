//! Remembered responses of POST requests sent with an `Idempotency-Key`.
//!
//! A response may hold a secret (a checkout's portal token and client secret),
//! so neither the key nor the response is kept in clear: the row is found by
//! the SHA-256 of the key, and the response is sealed with ChaCha20-Poly1305
//! under a key derived from the Idempotency-Key itself, which only the client
//! holds. Someone who reads the database cannot replay or read an answer.

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use sha2::{Digest, Sha256};

use super::{Scope, now};
use crate::db::Db;
use crate::{args, with_db};

/// What the `idem_key` column holds for a client's key.
fn stored_key(key: &str) -> String {
    hex::encode(Sha256::digest(format!("renewly idempotency key\0{key}")))
}

/// The sealing key of the responses to `key` in this scope.
fn sealing_key(scope: &Scope, key: &str) -> LessSafeKey {
    let mut h = Sha256::new();
    h.update(b"renewly idempotent response\0");
    h.update(scope.merchant_id.as_bytes());
    h.update(if scope.livemode {
        b"\0live\0"
    } else {
        b"\0test\0"
    });
    h.update(key.as_bytes());
    let bytes = h.finalize();
    // A 32-byte key always fits ChaCha20-Poly1305.
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &bytes).unwrap_or_else(|_| unreachable!());
    LessSafeKey::new(unbound)
}

/// `nonce ‖ ciphertext ‖ tag` of a response body.
fn seal(scope: &Scope, key: &str, body: &[u8]) -> Vec<u8> {
    let nonce_bytes: [u8; NONCE_LEN] = rand::random();
    let mut sealed = body.to_vec();
    let nonce = Nonce::assume_unique_for_key(nonce_bytes);
    // Sealing fails only for inputs over 256 GiB.
    if sealing_key(scope, key)
        .seal_in_place_append_tag(nonce, Aad::empty(), &mut sealed)
        .is_err()
    {
        return Vec::new();
    }
    let mut out = nonce_bytes.to_vec();
    out.extend_from_slice(&sealed);
    out
}

/// The body [`seal`] sealed, or `None` when it was not sealed with this key.
fn open(scope: &Scope, key: &str, stored: &[u8]) -> Option<Vec<u8>> {
    let (nonce, sealed) = stored.split_at_checked(NONCE_LEN)?;
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut buf = sealed.to_vec();
    let body = sealing_key(scope, key)
        .open_in_place(nonce, Aad::empty(), &mut buf)
        .ok()?;
    Some(body.to_vec())
}

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
    let client_key = key;
    let key = &stored_key(client_key);
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
        ("done", Some(status), Some(sealed)) => {
            let body = open(scope, client_key, &sealed).ok_or_else(|| {
                sqlx::Error::Decode("a stored response that does not open with its key".into())
            })?;
            Ok(Claim::Replay {
                status: u16::try_from(status).unwrap_or(500),
                body,
            })
        }
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
    let sealed = seal(scope, key, body);
    let key = stored_key(key);
    // A blob, which `Arg` does not carry: bound on the native pool.
    with_db!(db, pool => sqlx::query(
        "UPDATE idempotency_keys SET state = 'done', response_status = $4, response_body = $5 \
         WHERE merchant_id = $1 AND livemode = $2 AND idem_key = $3",
    )
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .bind(&key)
    .bind(i64::from(status))
    .bind(&sealed)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Forgets `key`, so that a corrected request may use it again.
pub async fn release(db: &Db, scope: &Scope, key: &str) -> Result<(), sqlx::Error> {
    db.execute(
        "DELETE FROM idempotency_keys WHERE merchant_id = $1 AND livemode = $2 AND idem_key = $3",
        &args![&scope.merchant_id, scope.livemode, stored_key(key)],
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

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(merchant: &str, livemode: bool) -> Scope {
        Scope {
            merchant_id: merchant.to_owned(),
            livemode,
        }
    }

    #[test]
    fn a_sealed_response_opens_only_with_its_key_and_scope() {
        let a = scope("mer_a", false);
        let body = br#"{"portal_token":"secret"}"#;
        let sealed = seal(&a, "k-1", body);
        assert!(!sealed.windows(6).any(|w| w == b"secret"), "not in clear");
        assert_eq!(open(&a, "k-1", &sealed).as_deref(), Some(&body[..]));
        assert_eq!(open(&a, "k-2", &sealed), None);
        assert_eq!(open(&scope("mer_b", false), "k-1", &sealed), None);
        assert_eq!(open(&scope("mer_a", true), "k-1", &sealed), None);
        assert_eq!(open(&a, "k-1", &sealed[..5]), None);
        assert_ne!(seal(&a, "k-1", body), sealed, "a fresh nonce each time");
        assert_ne!(stored_key("k-1"), "k-1");
        assert_eq!(stored_key("k-1").len(), 64);
    }
}
