//! Customer portal sessions: a 256-bit token per link, of which only the SHA-256
//! is stored, scoped to one customer of one merchant and mode, or, for a session
//! opened by a magic link, to every customer with the address the link proved.
//! Also the e-mail changes a customer asks for, which wait for the new address
//! to be confirmed.

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::billing::SubscriptionRow;
use super::{Page, Scope, now};
use crate::args;
use crate::db::{Db, Tx};
use crate::ids::{Kind, new_id, random_token};

/// Random bytes in a portal token (hex-encoded: 64 characters).
pub const TOKEN_BYTES: usize = 32;

/// A stored session (never the token itself).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub merchant_id: String,
    pub livemode: bool,
    pub customer_id: String,
    pub source: String,
    pub created: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    /// The address a magic link proved (sources `link` and `email`).
    pub email: Option<String>,
    /// When a magic link was exchanged for a session.
    pub used_at: Option<String>,
}

impl SessionRow {
    /// The scope the session opens.
    pub fn scope(&self) -> Scope {
        Scope {
            merchant_id: self.merchant_id.clone(),
            livemode: self.livemode,
        }
    }

    /// Whether the link still works at `at`: not revoked, not expired.
    pub fn is_valid_at(&self, at: chrono::DateTime<chrono::Utc>) -> bool {
        self.revoked_at.is_none()
            && chrono::DateTime::parse_from_rfc3339(&self.expires_at).is_ok_and(|e| e > at)
    }
}

/// How a session came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Made with the secret key, or by checkout.
    Direct,
    /// An e-mailed magic link: opens nothing itself, it is exchanged once for
    /// an [`Source::Email`] session.
    Link,
    /// The session a magic link was exchanged for: it covers every customer
    /// with the address the link was sent to.
    Email,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Link => "link",
            Self::Email => "email",
        }
    }
}

/// A new session with its token, which exists only in this value.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    pub token: String,
    pub created: String,
    pub expires_at: String,
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `raw` is shaped like a token (64 lower-case hex digits), so that
/// anything else is refused without a query.
pub fn is_token(raw: &str) -> bool {
    raw.len() == TOKEN_BYTES * 2 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Creates a session for `customer_id` inside the caller's transaction.
pub async fn insert_session(
    tx: &mut Tx,
    scope: &Scope,
    customer_id: &str,
    ttl: Duration,
    source: Source,
) -> Result<NewSession, sqlx::Error> {
    insert_with_email(tx, scope, customer_id, ttl, source, None).await
}

/// Creates a magic link (source `link`) for `customer_id`, who was mailed at
/// `email`, inside the caller's transaction.
pub async fn insert_link(
    tx: &mut Tx,
    scope: &Scope,
    customer_id: &str,
    email: &str,
    ttl: Duration,
) -> Result<NewSession, sqlx::Error> {
    insert_with_email(tx, scope, customer_id, ttl, Source::Link, Some(email)).await
}

async fn insert_with_email(
    tx: &mut Tx,
    scope: &Scope,
    customer_id: &str,
    ttl: Duration,
    source: Source,
    email: Option<&str>,
) -> Result<NewSession, sqlx::Error> {
    let id = new_id(Kind::PortalSession);
    let token = random_token(TOKEN_BYTES);
    let start = chrono::Utc::now();
    let ttl = chrono::Duration::from_std(ttl).unwrap_or_else(|_| chrono::Duration::hours(24));
    let created = timestamp(start);
    let expires_at = timestamp(start + ttl);
    tx.execute(
        "INSERT INTO portal_sessions (id, token_hash, merchant_id, livemode, customer_id, source, \
         created, expires_at, email) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &args![
            &id,
            hash_token(&token),
            &scope.merchant_id,
            scope.livemode,
            customer_id,
            source.as_str(),
            &created,
            &expires_at,
            email
        ],
    )
    .await?;
    Ok(NewSession {
        id,
        token,
        created,
        expires_at,
    })
}

/// Creates a portal session for a customer of this scope, valid for `ttl`, and
/// returns `(id, token, expires_at)`. The token is not stored: hand it out now.
pub async fn create_session(
    db: &Db,
    scope: &Scope,
    customer_id: &str,
    ttl: Duration,
) -> Result<(String, String, String), sqlx::Error> {
    let mut tx = Tx::begin(db).await?;
    let s = insert_session(&mut tx, scope, customer_id, ttl, Source::Direct).await?;
    tx.commit().await?;
    Ok((s.id, s.token, s.expires_at))
}

/// The session a token opens, whatever its state.
pub async fn find_by_token(db: &Db, token: &str) -> Result<Option<SessionRow>, sqlx::Error> {
    db.fetch_optional(
        "SELECT id, merchant_id, livemode, customer_id, source, created, expires_at, revoked_at, \
         email, used_at \
         FROM portal_sessions WHERE token_hash = $1",
        &args![hash_token(token)],
    )
    .await
}

/// One session of this scope.
pub async fn get_session(
    db: &Db,
    scope: &Scope,
    id: &str,
) -> Result<Option<SessionRow>, sqlx::Error> {
    db.fetch_optional(
        "SELECT id, merchant_id, livemode, customer_id, source, created, expires_at, revoked_at, \
         email, used_at \
         FROM portal_sessions WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
        &args![id, &scope.merchant_id, scope.livemode],
    )
    .await
}

/// Revokes a session (a second revoke keeps the first time); `None` when there
/// is no such session in this scope.
pub async fn revoke(db: &Db, scope: &Scope, id: &str) -> Result<Option<SessionRow>, sqlx::Error> {
    db.execute(
        "UPDATE portal_sessions SET revoked_at = $4 WHERE id = $1 AND merchant_id = $2 \
         AND livemode = $3 AND revoked_at IS NULL",
        &args![id, &scope.merchant_id, scope.livemode, now()],
    )
    .await?;
    get_session(db, scope, id).await
}

/// How many magic-link e-mails to this address were queued in this scope since
/// `since` (RFC 3339), inside the caller's transaction.
pub async fn links_sent_since(
    tx: &mut Tx,
    scope: &Scope,
    email: &str,
    since: &str,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = tx
        .fetch_optional(
            "SELECT COUNT(*) FROM outbox WHERE merchant_id = $1 AND livemode = $2 \
             AND template = 'magic_link' AND LOWER(to_email) = LOWER($3) AND created > $4",
            &args![&scope.merchant_id, scope.livemode, email, since],
        )
        .await?
        .unwrap_or((0,));
    Ok(n)
}

/// The customers a session covers: its own, and for a session opened by a magic
/// link every customer of its scope with the proven address (at most `limit`).
pub async fn covered_customers(
    db: &Db,
    session: &SessionRow,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let mut ids = vec![session.customer_id.clone()];
    let (Some(email), "email") = (&session.email, session.source.as_str()) else {
        return Ok(ids);
    };
    let rows: Vec<(String,)> = db
        .fetch_all(
            "SELECT id FROM customers WHERE merchant_id = $1 AND livemode = $2 \
             AND LOWER(email) = LOWER($3) ORDER BY id LIMIT $4",
            &args![&session.merchant_id, session.livemode, email, limit],
        )
        .await?;
    for (id,) in rows {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// What opening a magic link gave.
#[derive(Debug)]
pub enum Exchange {
    /// The token is not a magic link (or unknown): the caller treats it as an
    /// ordinary portal token.
    NotALink,
    /// A magic link that was used before, expired or was revoked.
    Spent,
    /// The link is used up now, and this session took its place.
    Opened(Box<Opened>),
}

/// The session a magic link was exchanged for: its token (only here) and row.
#[derive(Debug)]
pub struct Opened {
    pub session: NewSession,
    pub row: SessionRow,
}

/// What a token is, without using it up.
#[derive(Debug)]
pub enum LinkState {
    /// Not a magic link (or unknown): an ordinary portal token, if anything.
    NotALink,
    /// A magic link that was used before, expired or was revoked.
    Spent,
    /// A magic link that can still be exchanged.
    Usable(Box<SessionRow>),
}

/// Whether `token` is a magic link that can still be exchanged. Reading it does
/// not use it up: a mail scanner that follows the link leaves it working.
pub async fn link_state(db: &Db, token: &str) -> Result<LinkState, sqlx::Error> {
    let Some(link) = find_by_token(db, token).await? else {
        return Ok(LinkState::NotALink);
    };
    if link.source != Source::Link.as_str() {
        return Ok(LinkState::NotALink);
    }
    if link.used_at.is_some() || !link.is_valid_at(chrono::Utc::now()) {
        return Ok(LinkState::Spent);
    }
    Ok(LinkState::Usable(Box::new(link)))
}

/// Exchanges a magic link for a session of source `email` valid for `ttl`: the
/// link is marked used in the same transaction, with a conditional update, so
/// that of two concurrent exchanges only one opens a session.
pub async fn exchange_link(db: &Db, token: &str, ttl: Duration) -> Result<Exchange, sqlx::Error> {
    let link = match link_state(db, token).await? {
        LinkState::NotALink => return Ok(Exchange::NotALink),
        LinkState::Spent => return Ok(Exchange::Spent),
        LinkState::Usable(link) => link,
    };
    let scope = link.scope();
    let mut tx = Tx::begin(db).await?;
    let used = tx
        .execute(
            "UPDATE portal_sessions SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
            &args![&link.id, now()],
        )
        .await?;
    if used != 1 {
        return Ok(Exchange::Spent);
    }
    let session = insert_with_email(
        &mut tx,
        &scope,
        &link.customer_id,
        ttl,
        Source::Email,
        link.email.as_deref(),
    )
    .await?;
    tx.commit().await?;
    let row = find_by_token(db, &session.token)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    Ok(Exchange::Opened(Box::new(Opened { session, row })))
}

/// A new e-mail address waiting for confirmation.
#[derive(Debug, Clone)]
pub struct NewEmailChange<'a> {
    pub customer_id: &'a str,
    pub old_email: &'a str,
    pub new_email: &'a str,
    /// Every record with the old address changes, not only `customer_id`.
    pub every_record: bool,
    pub ttl: Duration,
}

/// Records an e-mail change (without a token: that is made when its message is
/// delivered) inside the caller's transaction; returns its id.
pub async fn insert_email_change(
    tx: &mut Tx,
    scope: &Scope,
    c: &NewEmailChange<'_>,
) -> Result<String, sqlx::Error> {
    let id = new_id(Kind::EmailChange);
    let start = chrono::Utc::now();
    let ttl = chrono::Duration::from_std(c.ttl).unwrap_or_else(|_| chrono::Duration::hours(24));
    tx.execute(
        "INSERT INTO customer_email_changes (id, merchant_id, livemode, customer_id, old_email, \
         new_email, every_record, created, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &args![
            &id,
            &scope.merchant_id,
            scope.livemode,
            c.customer_id,
            c.old_email,
            c.new_email,
            c.every_record,
            timestamp(start),
            timestamp(start + ttl)
        ],
    )
    .await?;
    Ok(id)
}

/// How many e-mail changes to `new_email`, or asked for by `customer_id`, this
/// scope recorded since `since`.
pub async fn email_changes_since(
    db: &Db,
    scope: &Scope,
    new_email: &str,
    customer_id: &str,
    since: &str,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = db
        .fetch_optional(
            "SELECT COUNT(*) FROM customer_email_changes WHERE merchant_id = $1 AND livemode = $2 \
             AND (LOWER(new_email) = LOWER($3) OR customer_id = $4) AND created > $5",
            &args![
                &scope.merchant_id,
                scope.livemode,
                new_email,
                customer_id,
                since
            ],
        )
        .await?
        .unwrap_or((0,));
    Ok(n)
}

/// The address a customer asked to change to and has not confirmed yet.
pub async fn pending_email(
    db: &Db,
    scope: &Scope,
    customer_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = db
        .fetch_optional(
            "SELECT new_email FROM customer_email_changes WHERE merchant_id = $1 AND livemode = $2 \
             AND customer_id = $3 AND confirmed_at IS NULL AND expires_at > $4 \
             ORDER BY created DESC, id DESC LIMIT 1",
            &args![&scope.merchant_id, scope.livemode, customer_id, now()],
        )
        .await?;
    Ok(row.map(|(e,)| e))
}

/// Gives a pending e-mail change a fresh token (its message is being delivered)
/// and returns it; `None` when the change is confirmed, expired or unknown.
pub async fn issue_email_change_token(db: &Db, id: &str) -> Result<Option<String>, sqlx::Error> {
    let token = random_token(TOKEN_BYTES);
    let n = db
        .execute(
            "UPDATE customer_email_changes SET token_hash = $2 WHERE id = $1 \
             AND confirmed_at IS NULL AND expires_at > $3",
            &args![id, hash_token(&token), now()],
        )
        .await?;
    Ok((n == 1).then_some(token))
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct EmailChangeRow {
    id: String,
    merchant_id: String,
    livemode: bool,
    customer_id: String,
    old_email: String,
    new_email: String,
    every_record: bool,
}

/// Confirms the e-mail change a token stands for, once: the customer (or every
/// record with the old address, and the sessions that proved it) takes the new
/// address. `None` when the token is unknown, used or expired.
/// The new address a confirmation link is waiting to confirm, if it still can
/// (read without confirming: a mail scanner that follows the link changes nothing).
pub async fn pending_email_change(db: &Db, token: &str) -> Result<Option<String>, sqlx::Error> {
    let found: Option<(String,)> = db
        .fetch_optional(
            "SELECT new_email FROM customer_email_changes WHERE token_hash = $1 \
             AND confirmed_at IS NULL AND expires_at > $2",
            &args![hash_token(token), now()],
        )
        .await?;
    Ok(found.map(|(email,)| email))
}

pub async fn confirm_email_change(db: &Db, token: &str) -> Result<Option<String>, sqlx::Error> {
    let mut tx = Tx::begin(db).await?;
    let found: Option<EmailChangeRow> = tx
        .fetch_optional(
            "SELECT id, merchant_id, livemode, customer_id, old_email, new_email, every_record \
             FROM customer_email_changes WHERE token_hash = $1 AND confirmed_at IS NULL \
             AND expires_at > $2",
            &args![hash_token(token), now()],
        )
        .await?;
    let Some(c) = found else {
        return Ok(None);
    };
    let done = tx
        .execute(
            "UPDATE customer_email_changes SET confirmed_at = $2 WHERE id = $1 \
             AND confirmed_at IS NULL",
            &args![&c.id, now()],
        )
        .await?;
    if done != 1 {
        return Ok(None);
    }
    if c.every_record {
        tx.execute(
            "UPDATE customers SET email = $4 WHERE merchant_id = $1 AND livemode = $2 \
             AND LOWER(email) = LOWER($3)",
            &args![&c.merchant_id, c.livemode, &c.old_email, &c.new_email],
        )
        .await?;
        tx.execute(
            "UPDATE portal_sessions SET email = $4 WHERE merchant_id = $1 AND livemode = $2 \
             AND LOWER(email) = LOWER($3)",
            &args![&c.merchant_id, c.livemode, &c.old_email, &c.new_email],
        )
        .await?;
    }
    tx.execute(
        "UPDATE customers SET email = $4 WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
        &args![&c.customer_id, &c.merchant_id, c.livemode, &c.new_email],
    )
    .await?;
    tx.commit().await?;
    Ok(Some(c.new_email))
}

/// The customers of this scope with this e-mail address (case-insensitive),
/// oldest first, at most `limit`: (id, email, name, locale).
pub async fn customers_with_email(
    tx: &mut Tx,
    scope: &Scope,
    email: &str,
    limit: i64,
) -> Result<Vec<(String, String, Option<String>, String)>, sqlx::Error> {
    tx.fetch_all(
        "SELECT id, email, name, locale FROM customers WHERE merchant_id = $1 AND livemode = $2 \
         AND LOWER(email) = LOWER($3) ORDER BY id LIMIT $4",
        &args![&scope.merchant_id, scope.livemode, email, limit],
    )
    .await
}

/// A checkout or merchant-made subscription of a customer, with the name of its
/// plan and the signature it carries.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub id: String,
    pub subscription_id: Option<String>,
    pub invoice_id: Option<String>,
    pub plan_id: Option<String>,
    pub plan_name: Option<String>,
    pub source: String,
    pub signature_name: Option<String>,
    pub signature_at: Option<String>,
    pub created: String,
}

/// One page of a customer's orders, newest first, and whether more follow.
pub async fn orders(
    db: &Db,
    scope: &Scope,
    customer_id: &str,
    page: &Page,
) -> Result<(Vec<OrderRow>, bool), sqlx::Error> {
    let rows: Vec<OrderRow> = db
        .fetch_all(
            "SELECT o.id, o.subscription_id, o.invoice_id, o.plan_id, p.name AS plan_name, o.source, \
             o.signature_name, o.signature_at, o.created FROM orders o \
             LEFT JOIN plans p ON p.id = o.plan_id \
             WHERE o.customer_id = $1 AND o.merchant_id = $2 AND o.livemode = $3 AND o.id < $4 \
             ORDER BY o.id DESC LIMIT $5",
            &args![
                customer_id,
                &scope.merchant_id,
                scope.livemode,
                page.cursor(),
                page.fetch()
            ],
        )
        .await?;
    Ok(page.finish(rows))
}

/// A customer's subscriptions, newest first, at most `limit`.
pub async fn subscriptions(
    db: &Db,
    scope: &Scope,
    customer_id: &str,
    limit: i64,
) -> Result<Vec<SubscriptionRow>, sqlx::Error> {
    db.fetch_all(
        "SELECT * FROM subscriptions WHERE customer_id = $1 AND merchant_id = $2 \
         AND livemode = $3 ORDER BY id DESC LIMIT $4",
        &args![customer_id, &scope.merchant_id, scope.livemode, limit],
    )
    .await
}

/// The failure code of the latest charge of an invoice (first attempt or retry),
/// if there was a charge.
pub async fn last_charge_failure(
    db: &Db,
    scope: &Scope,
    invoice_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let last: Option<(Option<String>,)> = db
        .fetch_optional(
            "SELECT failure_code FROM charges WHERE merchant_id = $1 AND livemode = $2 \
             AND (idempotency_key = $3 OR idempotency_key LIKE $4) ORDER BY created DESC, id DESC LIMIT 1",
            &args![
                &scope.merchant_id,
                scope.livemode,
                invoice_id,
                format!("{invoice_id}:%")
            ],
        )
        .await?;
    Ok(last.and_then(|(c,)| c))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn row(expires_at: &str, revoked_at: Option<&str>) -> SessionRow {
        SessionRow {
            id: "ps_x".to_owned(),
            merchant_id: "mer_x".to_owned(),
            livemode: false,
            customer_id: "cus_x".to_owned(),
            source: "direct".to_owned(),
            created: "2027-01-01T00:00:00.000Z".to_owned(),
            expires_at: expires_at.to_owned(),
            revoked_at: revoked_at.map(str::to_owned),
            email: None,
            used_at: None,
        }
    }

    #[test]
    fn a_session_works_until_it_expires_or_is_revoked() {
        let at = chrono::DateTime::parse_from_rfc3339("2027-01-01T12:00:00Z")
            .unwrap()
            .to_utc();
        assert!(row("2027-01-02T00:00:00.000Z", None).is_valid_at(at));
        assert!(!row("2027-01-01T11:59:59.999Z", None).is_valid_at(at));
        assert!(!row("2027-01-01T12:00:00.000Z", None).is_valid_at(at));
        assert!(!row("2027-01-02T00:00:00.000Z", Some("2027-01-01T10:00:00Z")).is_valid_at(at));
        assert!(!row("garbage", None).is_valid_at(at));
    }

    #[test]
    fn tokens_are_256_bits_of_hex_and_only_their_hash_is_kept() {
        let token = random_token(TOKEN_BYTES);
        assert!(is_token(&token));
        assert!(!is_token(&token[1..]));
        assert!(!is_token(
            &token
                .to_ascii_uppercase()
                .replace(|c: char| c.is_ascii_digit(), "A")
        ));
        assert_ne!(hash_token(&token), token);
        assert_eq!(hash_token(&token).len(), 64);
    }
}
