//! VIES, the EU's register of VAT numbers: a client for its REST service and the
//! verification a customer's number goes through before it is reverse-charged.
//!
//! Live mode asks `RENEWLY_VIES_URL` and keeps the answer 30 days per merchant,
//! mode and number ([`crate::store::vat`]); when VIES cannot be reached the number
//! is `unverified` (VAT is charged) and asked again on its next use after
//! [`RETRY_AFTER_MINUTES`]. Test mode never asks VIES: a well-formed number is
//! verified, except [`TEST_INVALID`] and [`TEST_UNAVAILABLE`].

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use renewly_types::{VatVerification, VatVerificationStatus};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::db::Db;
use crate::domain::vat;
use crate::store::{Scope, now};

/// How long a `verified` or `invalid` answer is trusted.
pub const CACHE_DAYS: i64 = 30;
/// How soon an `unverified` number (VIES was down) is asked again.
pub const RETRY_AFTER_MINUTES: i64 = 5;
/// In test mode, the number VIES "says" is not registered.
pub const TEST_INVALID: &str = "DE111111117";
/// In test mode, the number for which VIES "cannot be reached".
pub const TEST_UNAVAILABLE: &str = "DE222222220";
/// Largest answer read from VIES.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// What VIES said about one number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Registered; with the consultation number when a requester was given.
    Valid { consultation_number: Option<String> },
    /// Not registered.
    Invalid { consultation_number: Option<String> },
    /// No answer: network, timeout, an error status or a member state offline.
    Unavailable,
}

/// A VIES client; cheap to clone.
#[derive(Clone)]
pub struct Vies {
    /// `None` when TLS could not be set up (logged): every number is then
    /// unverified and VAT is charged, which is the safe side.
    client: Option<Client<HttpsConnector<HttpConnector>, Full<Bytes>>>,
    url: Arc<str>,
    timeout: Duration,
}

impl std::fmt::Debug for Vies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vies").field("url", &self.url).finish()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Request<'a> {
    country_code: &'a str,
    vat_number: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    requester_member_state_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requester_number: Option<&'a str>,
}

/// The fields of VIES's answer Renewly reads (`valid` on the check-vat-number
/// endpoint, `isValid` on the per-state one; an `errorWrappers` list or a
/// `userError` other than VALID/INVALID when VIES could not answer).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reply {
    #[serde(alias = "isValid")]
    valid: Option<bool>,
    request_identifier: Option<String>,
    user_error: Option<String>,
    action_succeed: Option<bool>,
    #[serde(default)]
    error_wrappers: Vec<serde_json::Value>,
}

impl Vies {
    /// A client for `config.vies_url`. TLS uses the ring provider and the
    /// Mozilla roots given to this client alone: nothing depends on a
    /// process-wide default provider.
    pub fn new(config: &Config) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let client = match hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
        {
            Ok(b) => Some(
                Client::builder(TokioExecutor::new())
                    .build(b.https_or_http().enable_http1().build()),
            ),
            Err(e) => {
                tracing::error!(error = %e, "TLS for VIES could not be set up; VAT numbers stay unverified");
                None
            }
        };
        Self {
            client,
            url: Arc::from(config.vies_url.as_str()),
            timeout: config.vies_timeout,
        }
    }

    /// Asks VIES about `number` (`vies_parts` of a parsed number). `requester` is
    /// the merchant's own VAT number, which makes VIES issue a consultation number.
    pub async fn check(&self, number: (&str, &str), requester: Option<(&str, &str)>) -> Answer {
        let body = Request {
            country_code: number.0,
            vat_number: number.1,
            requester_member_state_code: requester.map(|r| r.0),
            requester_number: requester.map(|r| r.1),
        };
        match tokio::time::timeout(self.timeout, self.ask(&body)).await {
            Ok(Ok(reply)) => answer(reply),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "VIES could not be asked; the VAT number stays unverified");
                Answer::Unavailable
            }
            Err(_) => {
                tracing::warn!("VIES did not answer in time; the VAT number stays unverified");
                Answer::Unavailable
            }
        }
    }

    async fn ask(
        &self,
        body: &Request<'_>,
    ) -> Result<Reply, Box<dyn std::error::Error + Send + Sync>> {
        let json = serde_json::to_vec(body)?;
        let req = hyper::Request::post(&*self.url)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(hyper::header::ACCEPT, "application/json")
            .body(Full::new(Bytes::from(json)))?;
        let client = self.client.as_ref().ok_or("TLS for VIES is not set up")?;
        let res = client.request(req).await?;
        let status = res.status();
        let bytes = Limited::new(res.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await?
            .to_bytes();
        if !status.is_success() {
            return Err(format!("VIES answered {status}").into());
        }
        Ok(serde_json::from_slice(&bytes)?)
    }
}

fn answer(r: Reply) -> Answer {
    let failed = r.action_succeed == Some(false)
        || !r.error_wrappers.is_empty()
        || r.user_error
            .as_deref()
            .is_some_and(|e| !matches!(e, "VALID" | "INVALID"));
    let consultation_number = r.request_identifier.filter(|s| !s.trim().is_empty());
    match (failed, r.valid) {
        (false, Some(true)) => Answer::Valid {
            consultation_number,
        },
        (false, Some(false)) => Answer::Invalid {
            consultation_number,
        },
        (true, _) | (false, None) => Answer::Unavailable,
    }
}

/// Whether a stored answer can still be used at `at`.
pub fn is_fresh(v: &VatVerification, at: DateTime<Utc>) -> bool {
    let Ok(checked) = DateTime::parse_from_rfc3339(&v.checked_at) else {
        return false;
    };
    let age = at - checked.with_timezone(&Utc);
    match v.status {
        VatVerificationStatus::Verified | VatVerificationStatus::Invalid => {
            age < chrono::Duration::days(CACHE_DAYS)
        }
        VatVerificationStatus::Unverified => age < chrono::Duration::minutes(RETRY_AFTER_MINUTES),
    }
}

/// The answer of test mode, which never asks VIES.
fn test_answer(number: &str) -> Answer {
    match number {
        TEST_INVALID => Answer::Invalid {
            consultation_number: None,
        },
        TEST_UNAVAILABLE => Answer::Unavailable,
        _ => Answer::Valid {
            consultation_number: None,
        },
    }
}

/// When a kept answer is used instead of asking VIES.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reuse {
    /// While it is fresh: a number being used (checkout, pricing).
    Fresh,
    /// While it is fresh, except an outage, asked again at once: the merchant
    /// or the customer has just saved the number.
    FreshAnswer,
    /// Never: the answer is known to be stale.
    Never,
}

/// The verification of `vat_number` for this merchant and mode: the kept answer
/// when `reuse` allows, else a new one (kept). `None` for a number VIES does
/// not know (no EU prefix). `requester` is the merchant's VAT number.
pub async fn verify(
    db: &Db,
    vies: &Vies,
    scope: &Scope,
    requester: Option<&str>,
    vat_number: &str,
    reuse: Reuse,
) -> Result<Option<VatVerification>, sqlx::Error> {
    let Ok(Some(number)) = vat::parse(vat_number, None) else {
        return Ok(None);
    };
    let Some(parts) = number.vies_parts() else {
        return Ok(None);
    };
    if let Some(cached) = crate::store::vat::get(db, scope, number.as_str()).await? {
        let outage = cached.status == VatVerificationStatus::Unverified;
        let reusable = match reuse {
            Reuse::Fresh => true,
            Reuse::FreshAnswer => !outage,
            Reuse::Never => false,
        };
        if reusable && is_fresh(&cached, Utc::now()) {
            return Ok(Some(cached));
        }
    }
    let answer = if scope.livemode {
        let requester = requester
            .and_then(|r| vat::parse(r, None).ok().flatten())
            .filter(|r| r.vies_parts().is_some());
        vies.check(parts, requester.as_ref().and_then(|r| r.vies_parts()))
            .await
    } else {
        test_answer(number.as_str())
    };
    let (status, consultation_number) = match answer {
        Answer::Valid {
            consultation_number,
        } => (VatVerificationStatus::Verified, consultation_number),
        Answer::Invalid {
            consultation_number,
        } => (VatVerificationStatus::Invalid, consultation_number),
        Answer::Unavailable => (VatVerificationStatus::Unverified, None),
    };
    let v = VatVerification {
        status,
        checked_at: now(),
        consultation_number,
    };
    crate::store::vat::put(db, scope, number.as_str(), &v).await?;
    Ok(Some(v))
}

/// Most numbers asked again in one [`refresh_stale`] pass.
const REFRESH_BATCH: i64 = 50;

/// Asks VIES again about live numbers whose kept answer is stale (older than
/// [`CACHE_DAYS`], or an outage older than [`RETRY_AFTER_MINUTES`]), so that the
/// billing pass that follows prices renewals with a current answer. Runs
/// outside any transaction; stops at the first outage. Answers how many numbers
/// were asked.
pub async fn refresh_stale(db: &Db, vies: &Vies, at: DateTime<Utc>) -> Result<usize, sqlx::Error> {
    let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let expired = stamp(at - chrono::Duration::days(CACHE_DAYS));
    let retry = stamp(at - chrono::Duration::minutes(RETRY_AFTER_MINUTES));
    let due = crate::store::vat::stale(db, &expired, &retry, REFRESH_BATCH).await?;
    let mut asked = 0;
    for (scope, number) in due {
        let requester = crate::store::merchants::get_merchant(db, &scope)
            .await?
            .and_then(|m| m.vat_number);
        let v = verify(
            db,
            vies,
            &scope,
            requester.as_deref(),
            &number,
            Reuse::Never,
        )
        .await?;
        asked += 1;
        if v.is_some_and(|v| v.status == VatVerificationStatus::Unverified) {
            break;
        }
    }
    Ok(asked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(json: &str) -> Answer {
        answer(serde_json::from_str(json).unwrap())
    }

    #[test]
    fn vies_answers_are_read() {
        assert_eq!(
            reply(
                r#"{"countryCode":"DE","vatNumber":"136308783","requestDate":"2026-12-05T09:00:00.000Z","valid":true,"requestIdentifier":"WAPIAAAAZ1b2c3","name":"---","address":"---"}"#
            ),
            Answer::Valid {
                consultation_number: Some("WAPIAAAAZ1b2c3".to_owned())
            }
        );
        assert_eq!(
            reply(r#"{"valid":false,"requestIdentifier":""}"#),
            Answer::Invalid {
                consultation_number: None
            }
        );
        assert_eq!(
            reply(r#"{"isValid":true,"userError":"VALID"}"#),
            Answer::Valid {
                consultation_number: None
            }
        );
        assert_eq!(
            reply(r#"{"actionSucceed":false,"errorWrappers":[{"error":"MS_UNAVAILABLE"}]}"#),
            Answer::Unavailable
        );
        assert_eq!(
            reply(r#"{"isValid":false,"userError":"MS_MAX_CONCURRENT_REQ"}"#),
            Answer::Unavailable
        );
        assert_eq!(reply("{}"), Answer::Unavailable);
    }

    #[test]
    fn answers_are_kept_thirty_days_and_outages_a_few_minutes() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let v = |status| VatVerification {
            status,
            checked_at: "2026-01-01T00:00:00.000Z".to_owned(),
            consultation_number: None,
        };
        assert!(is_fresh(
            &v(VatVerificationStatus::Verified),
            at("2026-01-30T23:00:00Z")
        ));
        assert!(!is_fresh(
            &v(VatVerificationStatus::Verified),
            at("2026-01-31T00:00:00Z")
        ));
        assert!(is_fresh(
            &v(VatVerificationStatus::Unverified),
            at("2026-01-01T00:04:00Z")
        ));
        assert!(!is_fresh(
            &v(VatVerificationStatus::Unverified),
            at("2026-01-01T00:05:00Z")
        ));
    }

    #[tokio::test]
    async fn an_https_client_works_without_a_process_wide_tls_provider() {
        // No provider is installed in this process; building and using the client
        // must neither panic nor install one.
        let mut config = Config::for_database("sqlite::memory:");
        config.vies_url = "https://127.0.0.1:9/check-vat-number".to_owned();
        let vies = Vies::new(&config);
        assert!(vies.client.is_some());
        assert_eq!(
            vies.check(("DE", "136308783"), None).await,
            Answer::Unavailable
        );
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    }

    #[test]
    fn test_mode_has_magic_numbers() {
        assert!(matches!(vat::parse(TEST_INVALID, Some("DE")), Ok(Some(_))));
        assert!(matches!(
            vat::parse(TEST_UNAVAILABLE, Some("DE")),
            Ok(Some(_))
        ));
        assert_eq!(test_answer(TEST_UNAVAILABLE), Answer::Unavailable);
        assert!(matches!(test_answer("DE136308783"), Answer::Valid { .. }));
    }
}
