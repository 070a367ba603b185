//! The mail worker: claims due messages from the outbox, builds them (with the
//! invoice PDF when one is attached), and hands them to SMTP or writes them as
//! `.eml` files. Test-mode messages go to SMTP only for the addresses the
//! merchant listed in `test_email_recipients`; the rest are written as `.eml`
//! files even when SMTP is configured. A failed delivery is retried with exponential backoff
//! (1 min, 2, 4, … at most 1 h); after [`MAX_ATTEMPTS`] the message is marked
//! `failed` and kept.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::billing::present as billing;
use crate::config::Config;
use crate::db::{Db, Tx};
use crate::pdf;
use crate::store::outbox::{self, ClaimedMessage as Claimed, Retry};
use crate::store::portal as pstore;
use crate::store::{Scope, merchants, now};

/// Deliveries tried before a message is marked `failed`.
pub const MAX_ATTEMPTS: i64 = 10;
/// Messages claimed by one pass.
const BATCH: i64 = 50;
/// How long a claimed message is left alone by other workers while it is being
/// sent. A worker killed mid-send makes it due again after this.
const LEASE: Duration = Duration::from_secs(10 * 60);
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60 * 60);

/// A pass that could not run (the database); a message that cannot be
/// delivered is not an error of the pass, it is retried.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Why one message was not delivered.
enum Failure {
    /// Worth trying again later (server down, refused, timeout, disk).
    Transient(String),
    /// Will never work (an address that does not parse).
    Permanent(String),
}

/// Delivers every message whose time has come; returns how many were sent.
pub async fn deliver_due(db: &Db, config: &Config) -> Result<usize, DeliveryError> {
    let claimed = claim(db).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let transport = config.smtp_url.as_ref().map(|url| {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
            .map(|b| b.timeout(Some(Duration::from_secs(20))).build())
            .map_err(|e| e.to_string())
    });
    let mut sent = 0;
    for msg in claimed {
        let outcome = match build(db, config, &msg).await {
            Ok((message, may_use_smtp)) => match transport.as_ref().filter(|_| may_use_smtp) {
                Some(Ok(smtp)) => smtp
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| Failure::Transient(format!("smtp: {e}"))),
                Some(Err(e)) => Err(Failure::Transient(format!("smtp: {e}"))),
                None => write_eml(&config.outbox_dir, &msg.id, message.formatted())
                    .await
                    .map_err(|e| {
                        Failure::Transient(format!("{}: {e}", config.outbox_dir.display()))
                    }),
            },
            Err(failure) => Err(failure),
        };
        match outcome {
            Ok(()) => {
                outbox::mark_sent(db, &msg.id).await?;
                sent += 1;
                tracing::info!(message = %msg.id, template = %msg.template, "email delivered");
            }
            Err(failure) => mark_failed(db, &msg, failure).await?,
        }
    }
    Ok(sent)
}

/// Runs [`deliver_due`] every `every` until the process ends.
pub fn spawn_worker(db: Db, config: Arc<Config>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = deliver_due(&db, &config).await {
                tracing::error!(error = %e, "email delivery pass failed");
            }
            tokio::time::sleep(every).await;
        }
    })
}

fn timestamp_in(delay: Duration) -> String {
    let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::zero());
    (Utc::now() + delay).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The wait after the `attempts`-th failure: 1 min, 2, 4, … capped at 1 h.
pub fn backoff(attempts: i64) -> Duration {
    let exponent = attempts.clamp(1, 16) - 1;
    Duration::from_secs(60 << exponent).min(MAX_BACKOFF)
}

/// Takes due messages for this worker by moving them a lease into the future,
/// so that two workers never send the same message at once.
async fn claim(db: &Db) -> Result<Vec<Claimed>, sqlx::Error> {
    outbox::claim_due(db, &now(), &timestamp_in(LEASE), BATCH).await
}

async fn mark_failed(db: &Db, msg: &Claimed, failure: Failure) -> Result<(), sqlx::Error> {
    let attempts = msg.attempts + 1;
    let (permanent, error) = match failure {
        Failure::Transient(e) => (false, e),
        Failure::Permanent(e) => (true, e),
    };
    let error: String = error.chars().take(500).collect();
    let retry = if permanent || attempts >= MAX_ATTEMPTS {
        Retry::Never
    } else {
        Retry::Later
    };
    tracing::warn!(message = %msg.id, template = %msg.template, attempts, status = retry.as_str(), error = %error,
        "email not delivered");
    let next = timestamp_in(backoff(attempts));
    outbox::mark_failed(db, &msg.id, attempts, retry, &next, &error).await
}

/// The public base URL of links.
fn base_url(config: &Config) -> String {
    config
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.listen))
}

/// The bodies with their placeholders replaced by live links, made now so that
/// no usable token ever sits in the outbox: [`super::PORTAL_LINK`] by a fresh
/// portal link for the message's customer (valid 7 days), [`super::MAGIC_LINK`]
/// by a one-time magic link for the customer and the address the message goes
/// to, and [`super::EMAIL_CHANGE_LINK`]`{id}` by the confirmation link of that
/// e-mail change.
async fn with_links(
    db: &Db,
    config: &Config,
    scope: &Scope,
    msg: &Claimed,
) -> Result<(String, String), Failure> {
    let db_error = |e: sqlx::Error| Failure::Transient(format!("database: {e}"));
    let mut text = msg.text_body.clone();
    let mut html = msg.html_body.clone();
    let has = |p: &str| text.contains(p) || html.contains(p);
    let base = base_url(config);
    let needs_portal = has(super::PORTAL_LINK);
    let needs_magic = has(super::MAGIC_LINK);
    if let (true, Some(customer)) = (needs_portal || needs_magic, &msg.customer_id) {
        let mut tx = Tx::begin(db).await.map_err(db_error)?;
        let portal = if needs_portal {
            let s = pstore::insert_session(
                &mut tx,
                scope,
                customer,
                Duration::from_secs(7 * 24 * 3600),
                pstore::Source::Direct,
            )
            .await
            .map_err(db_error)?;
            Some(s.token)
        } else {
            None
        };
        let magic = if needs_magic {
            let s = pstore::insert_link(
                &mut tx,
                scope,
                customer,
                &msg.to_email,
                config.portal_session_ttl,
            )
            .await
            .map_err(db_error)?;
            Some(s.token)
        } else {
            None
        };
        tx.commit().await.map_err(db_error)?;
        for (placeholder, token) in [(super::PORTAL_LINK, portal), (super::MAGIC_LINK, magic)] {
            if let Some(token) = token {
                let link = format!("{base}/portal/{token}");
                replace(&mut text, &mut html, placeholder, &link);
            }
        }
    }
    for id in change_ids(&text) {
        let placeholder = super::email_change_link(&id);
        let link = match pstore::issue_email_change_token(db, &id)
            .await
            .map_err(db_error)?
        {
            Some(token) => format!("{base}/portal/email/{token}"),
            // Confirmed or expired meanwhile: the message says so by linking
            // to a page that tells the link is spent.
            None => format!("{base}/portal/email/expired"),
        };
        replace(&mut text, &mut html, &placeholder, &link);
    }
    Ok((text, html))
}

/// Replaces a placeholder in both parts (in HTML also as escaped).
fn replace(text: &mut String, html: &mut String, placeholder: &str, link: &str) {
    *text = text.replace(placeholder, link);
    *html = html
        .replace(placeholder, link)
        .replace(&placeholder.replace('/', "&#x2f;"), link);
}

/// The ids of the e-mail change placeholders in a text part.
fn change_ids(text: &str) -> Vec<String> {
    text.match_indices(super::EMAIL_CHANGE_LINK)
        .map(|(at, p)| {
            text[at + p.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|id| !id.is_empty())
        .collect()
}

/// The RFC 5322 message (text and HTML alternatives, plus the invoice PDF), and
/// whether it may go to SMTP: a test-mode message only when its merchant listed
/// the recipient in `test_email_recipients`.
async fn build(db: &Db, config: &Config, msg: &Claimed) -> Result<(Message, bool), Failure> {
    let scope = Scope {
        merchant_id: msg.merchant_id.clone(),
        livemode: msg.livemode,
    };
    let merchant = merchants::get_merchant(db, &scope)
        .await
        .map_err(|e| Failure::Transient(format!("database: {e}")))?
        .ok_or_else(|| Failure::Permanent("the merchant no longer exists".to_owned()))?;
    let from_address = config
        .mail_from
        .parse()
        .map_err(|e| Failure::Transient(format!("RENEWLY_MAIL_FROM: {e}")))?;
    let may_use_smtp = msg.livemode
        || merchant
            .test_email_recipients
            .iter()
            .any(|r| r.eq_ignore_ascii_case(msg.to_email.trim()));
    let to: Mailbox = msg
        .to_email
        .parse()
        .map_err(|e| Failure::Permanent(format!("recipient address: {e}")))?;
    let domain = config.mail_from.rsplit('@').next().unwrap_or("localhost");
    let builder = Message::builder()
        .from(Mailbox::new(Some(merchant.name.clone()), from_address))
        .to(to)
        .subject(msg.subject.clone())
        // Stable, so a message re-sent after a crash can be recognised.
        .message_id(Some(format!("<{}@{domain}>", msg.id)))
        .date_now();
    let (text, html) = with_links(db, config, &scope, msg).await?;
    let alternative = MultiPart::alternative_plain_html(text, html);
    let body = match &msg.attachment_invoice_id {
        None => alternative,
        Some(invoice_id) => {
            let invoice = billing::get_invoice(db, &scope, invoice_id)
                .await
                .map_err(|e| Failure::Transient(format!("database: {e}")))?
                .ok_or_else(|| Failure::Permanent(format!("invoice {invoice_id} not found")))?;
            let filename = pdf::invoice_filename(&invoice.number);
            let lang = pdf::Lang::from_locale(&msg.locale);
            let bytes =
                tokio::task::spawn_blocking(move || pdf::invoice_pdf_in(&merchant, &invoice, lang))
                    .await
                    .map_err(|e| Failure::Transient(format!("pdf: {e}")))?
                    .map_err(|e| Failure::Transient(format!("pdf: {e}")))?;
            let content_type = ContentType::parse("application/pdf")
                .map_err(|e| Failure::Permanent(format!("pdf: {e}")))?;
            MultiPart::mixed()
                .multipart(alternative)
                .singlepart(Attachment::new(filename).body(bytes, content_type))
        }
    };
    builder
        .multipart(body)
        .map(|m| (m, may_use_smtp))
        .map_err(|e| Failure::Permanent(format!("message: {e}")))
}

/// Writes `<dir>/<id>.eml` whole or not at all.
async fn write_eml(dir: &Path, id: &str, bytes: Vec<u8>) -> std::io::Result<()> {
    let dir = dir.to_path_buf();
    let id = id.to_owned();
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)?;
        let partial = dir.join(format!(".{id}.eml.partial"));
        std::fs::write(&partial, bytes)?;
        std::fs::rename(&partial, dir.join(format!("{id}.eml")))
    })
    .await
    .map_err(std::io::Error::other)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_minute_up_to_an_hour() {
        let minutes: Vec<u64> = (1..=10).map(|n| backoff(n).as_secs() / 60).collect();
        assert_eq!(minutes, vec![1, 2, 4, 8, 16, 32, 60, 60, 60, 60]);
        assert_eq!(backoff(0).as_secs(), 60);
        assert_eq!(backoff(1000).as_secs(), 3600);
    }
}
