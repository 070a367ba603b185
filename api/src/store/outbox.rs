//! The e-mail outbox: messages written in the transaction of the change that
//! causes them, then claimed, sent and marked by the mail worker.

use super::now;
use crate::args;
use crate::db::{Db, Lock, Tx};
use crate::ids::{Kind, new_id};

/// A message to put in the outbox.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub merchant_id: String,
    pub livemode: bool,
    pub to_email: String,
    pub locale: String,
    /// Which template made it, e.g. `payment_failed`.
    pub template: &'static str,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// An invoice rendered as PDF and attached when the message is delivered.
    pub attachment_invoice_id: Option<String>,
    /// The customer the message is about: the mail module's `PORTAL_LINK` in its bodies becomes
    /// fresh portal link for this customer when it is sent.
    pub customer_id: Option<String>,
}

/// A message taken by a worker for delivery.
#[derive(Debug, sqlx::FromRow)]
pub struct ClaimedMessage {
    pub id: String,
    pub merchant_id: String,
    pub livemode: bool,
    pub to_email: String,
    pub locale: String,
    pub template: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attachment_invoice_id: Option<String>,
    pub attempts: i64,
    pub customer_id: Option<String>,
}

/// Where a message stands after a delivery that did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Tried again at `next_attempt_at`.
    Later,
    /// Given up on; kept for the record.
    Never,
}

impl Retry {
    /// The stored status: `pending` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Later => "pending",
            Self::Never => "failed",
        }
    }
}

/// Puts a message in the outbox inside the caller's transaction; returns its id.
pub async fn insert(tx: &mut Tx, msg: &NewMessage) -> Result<String, sqlx::Error> {
    let id = new_id(Kind::Message);
    let created = now();
    tx.execute(
        "INSERT INTO outbox (id, merchant_id, livemode, to_email, locale, template, subject, \
         text_body, html_body, attachment_invoice_id, status, attempts, next_attempt_at, created, \
         customer_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', 0, $11, $11, $12)",
        &args![
            &id,
            &msg.merchant_id,
            msg.livemode,
            &msg.to_email,
            &msg.locale,
            msg.template,
            &msg.subject,
            &msg.text_body,
            &msg.html_body,
            &msg.attachment_invoice_id,
            &created,
            &msg.customer_id
        ],
    )
    .await?;
    Ok(id)
}

/// Takes at most `limit` messages due at `now` by moving them to `lease_until`,
/// so that two workers never send the same message at once; sorted by id. On
/// PostgreSQL the due rows are read `FOR UPDATE SKIP LOCKED`, so a second worker
/// takes other messages instead of waiting; SQLite has one writer at a time.
pub async fn claim_due(
    db: &Db,
    now: &str,
    lease_until: &str,
    limit: i64,
) -> Result<Vec<ClaimedMessage>, sqlx::Error> {
    let mut tx = Tx::begin(db).await?;
    let due: Vec<(String,)> = tx
        .fetch_all_locked(
            "SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2",
            Lock::SkipLocked,
            &args![now, limit],
        )
        .await?;
    let mut rows = Vec::with_capacity(due.len());
    for (id,) in &due {
        let claimed: Option<ClaimedMessage> = tx
            .fetch_optional(
                "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 \
                 RETURNING id, merchant_id, livemode, to_email, locale, template, subject, \
                 text_body, html_body, attachment_invoice_id, attempts, customer_id",
                &args![lease_until, id],
            )
            .await?;
        rows.extend(claimed);
    }
    tx.commit().await?;
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(rows)
}

/// Records a delivery.
pub async fn mark_sent(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    db.execute(
        "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = $1, \
         last_error = NULL WHERE id = $2",
        &args![now(), id],
    )
    .await
    .map(|_| ())
}

/// Records a failed delivery: the attempts so far, the error, and whether and
/// when it is tried again.
pub async fn mark_failed(
    db: &Db,
    id: &str,
    attempts: i64,
    retry: Retry,
    next_attempt_at: &str,
    error: &str,
) -> Result<(), sqlx::Error> {
    db.execute(
        "UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4 \
         WHERE id = $5",
        &args![retry.as_str(), attempts, next_attempt_at, error, id],
    )
    .await
    .map(|_| ())
}

/// Empties the bodies of messages delivered before `cutoff` (RFC 3339): the
/// recipient has them, and they may hold links that should not stay at rest.
/// The envelope (recipient, template, subject, dates) stays for the record.
pub async fn purge_delivered_bodies(db: &Db, cutoff: &str) -> Result<u64, sqlx::Error> {
    db.execute(
        "UPDATE outbox SET text_body = '', html_body = '' \
         WHERE status = 'sent' AND sent_at < $1 AND (text_body <> '' OR html_body <> '')",
        &args![cutoff],
    )
    .await
}
