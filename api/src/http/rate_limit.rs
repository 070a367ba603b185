//! Rate limits on everything reachable without a secret key: per client address
//! (IPv4, or the /64 of an IPv6 address) for each kind of request, and per
//! publishable key for all of `/v1/public/*`. A request over a limit gets 429
//! `rate_limited` with `Retry-After`.
//!
//! Anonymous checkouts are also limited per e-mail address, merchant and mode
//! ([`check_checkout_email`]), whatever client sends them, so that nobody can
//! hammer one shopper's address from many clients.
//!
//! The client address is the TCP peer, or the first `X-Forwarded-For` hop when
//! the peer is one of `RENEWLY_TRUSTED_PROXIES`: a header from anyone else is
//! ignored, since anyone can send one.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;
use sha2::{Digest, Sha256};

use crate::config::{Limit, RateLimits};
use crate::error::{ApiError, problem_response};
use crate::store::Scope;

/// Past this many tracked clients a limiter forgets those whose allowance has
/// fully recovered, so memory stays bounded by the clients active in a window.
const RETAIN_ABOVE: usize = 50_000;

/// The kinds of request that are limited per client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bucket {
    Checkout,
    Preview,
    Confirm,
    PortalPay,
    Portal,
    Login,
}

/// Which bucket a request falls in, if any.
fn bucket(method: &Method, path: &str) -> Option<Bucket> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let post = method == Method::POST;
    match segments.as_slice() {
        ["", "v1", "public", "checkout"] if post => Some(Bucket::Checkout),
        ["", "v1", "public", "checkout", "preview"] if post => Some(Bucket::Preview),
        ["", "v1", "public", "checkout", _, "confirm"] if post => Some(Bucket::Confirm),
        ["", "v1", "portal", _, "invoices", _, "pay"] if post => Some(Bucket::PortalPay),
        ["", "v1", "portal", ..] if method != Method::OPTIONS => Some(Bucket::Portal),
        ["", "dashboard", "login"] if post => Some(Bucket::Login),
        _ => None,
    }
}

/// A client as the limits count it: an IPv4 address, or an IPv6 /64 (one
/// subscriber's allocation, so rotating through it gains nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(u128);

impl ClientKey {
    /// The key of an address.
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self(u128::from(u32::from(v4))),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(u128::from(u32::from(v4))),
                None => Self(u128::from(v6) & !((1_u128 << 64) - 1) | (1 << 32)),
            },
        }
    }
}

/// The client's address: the peer, or the first `X-Forwarded-For` hop when the
/// peer is a trusted proxy.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    if !trusted.iter().any(|net| net.contains(&peer)) {
        return peer;
    }
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|v| v.trim().parse::<IpAddr>().ok())
        .unwrap_or(peer)
}

/// Whether the client's request came over https: Renewly is served at an
/// `https://` base URL, or a trusted proxy (see [`client_ip`]) says so with
/// `X-Forwarded-Proto: https`.
pub fn over_https(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: &[IpNet],
    base_url: Option<&str>,
) -> bool {
    if base_url.is_some_and(|u| u.starts_with("https://")) {
        return true;
    }
    trusted.iter().any(|net| net.contains(&peer))
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// [`over_https`] of the request, as an extractor.
#[derive(Debug, Clone, Copy)]
pub struct Https(pub bool);

impl axum::extract::FromRequestParts<crate::http::AppState> for Https {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &crate::http::AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        Ok(Self(over_https(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
            state.config.base_url.as_deref(),
        )))
    }
}

/// One limiter per bucket and one per publishable key.
pub struct Limiters {
    trusted: Vec<IpNet>,
    per_client: Vec<(Bucket, DefaultKeyedRateLimiter<ClientKey>)>,
    per_key: Option<DefaultKeyedRateLimiter<[u8; 32]>>,
}

fn limiter<K: std::hash::Hash + Eq + Clone>(limit: Limit) -> Option<DefaultKeyedRateLimiter<K>> {
    let Limit::Every { count, period } = limit else {
        return None;
    };
    let count = NonZeroU32::new(count)?;
    let quota = Quota::with_period(period / count.get())?.allow_burst(count);
    Some(RateLimiter::keyed(quota))
}

impl Limiters {
    /// The limiters for these settings.
    pub fn new(limits: &RateLimits, trusted: &[IpNet]) -> Self {
        let per_client = [
            (Bucket::Checkout, limits.checkout),
            (Bucket::Preview, limits.preview),
            (Bucket::Confirm, limits.confirm),
            (Bucket::PortalPay, limits.portal_pay),
            (Bucket::Portal, limits.portal),
            (Bucket::Login, limits.login),
        ]
        .into_iter()
        .filter_map(|(b, l)| limiter(l).map(|lim| (b, lim)))
        .collect();
        Self {
            trusted: trusted.to_vec(),
            per_client,
            per_key: limiter(limits.publishable_key),
        }
    }

    /// `Err(wait)` when the request is over one of its limits.
    fn check(
        &self,
        method: &Method,
        path: &str,
        peer: IpAddr,
        headers: &HeaderMap,
    ) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        if let Some(b) = bucket(method, path) {
            if let Some((_, lim)) = self.per_client.iter().find(|(k, _)| *k == b) {
                let key = ClientKey::of(client_ip(peer, headers, &self.trusted));
                if lim.len() > RETAIN_ABOVE {
                    lim.retain_recent();
                }
                lim.check_key(&key).map_err(|n| n.wait_time_from(now))?;
            }
        }
        if path.starts_with("/v1/public/") && method != Method::OPTIONS {
            if let (Some(lim), Some(key)) = (&self.per_key, publishable_key(headers)) {
                if lim.len() > RETAIN_ABOVE {
                    lim.retain_recent();
                }
                lim.check_key(&key).map_err(|n| n.wait_time_from(now))?;
            }
        }
        Ok(())
    }
}

/// The per-address checkout limiters, one per setting in use (a process serves
/// one setting; tests start apps with different ones), keyed by a digest of
/// merchant, mode and lower-cased address: the address itself is not kept.
static CHECKOUT_EMAILS: LazyLock<Mutex<HashMap<Limit, DefaultKeyedRateLimiter<[u8; 32]>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Counts an anonymous checkout for `email` in `scope`: 429 `rate_limited` once
/// the address is over `limits.checkout_email`. Known and unknown addresses are
/// counted alike, so the answer says nothing about who is a customer.
pub fn check_checkout_email(
    limits: &RateLimits,
    scope: &Scope,
    email: &str,
) -> Result<(), ApiError> {
    let setting = limits.checkout_email;
    let Ok(mut all) = CHECKOUT_EMAILS.lock() else {
        return Ok(());
    };
    let lim = match all.entry(setting) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::hash_map::Entry::Vacant(e) => match limiter(setting) {
            Some(lim) => e.insert(lim),
            None => return Ok(()),
        },
    };
    if lim.len() > RETAIN_ABOVE {
        lim.retain_recent();
    }
    let mut digest = Sha256::new();
    digest.update(scope.merchant_id.as_bytes());
    digest.update([u8::from(scope.livemode)]);
    digest.update(email.trim().to_lowercase().as_bytes());
    let key: [u8; 32] = digest.finalize().into();
    lim.check_key(&key).map_err(|_| ApiError::RateLimited)
}

/// A digest of the publishable key the request names (the key itself is not
/// kept, not even in memory).
fn publishable_key(headers: &HeaderMap) -> Option<[u8; 32]> {
    let raw = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let key = raw.strip_prefix("Bearer ")?.trim();
    key.starts_with("pk_")
        .then(|| Sha256::digest(key.as_bytes()).into())
}

/// The middleware: 429 problem+json with `Retry-After` (whole seconds, at
/// least 1) for a request over a limit.
pub async fn limit(State(limiters): State<Arc<Limiters>>, req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    match limiters.check(req.method(), req.uri().path(), peer, req.headers()) {
        Ok(()) => next.run(req).await,
        Err(wait) => too_many(wait),
    }
}

fn too_many(wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let problem = renewly_types::Problem {
        kind: "https://renewly.dev/problems/rate_limited".to_owned(),
        title: "Too many requests".to_owned(),
        status: 429,
        detail: format!("Too many requests from this client; try again in {seconds} s"),
        code: "rate_limited".to_owned(),
        param: None,
    };
    let mut response = problem_response(&problem).into_response();
    if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    #[test]
    fn checkouts_are_limited_per_address_merchant_and_mode() {
        let limits = RateLimits {
            checkout_email: Limit::Every {
                count: 2,
                period: Duration::from_secs(3600),
            },
            ..RateLimits::default()
        };
        let scope = |m: &str, livemode| Scope {
            merchant_id: m.to_owned(),
            livemode,
        };
        let me = scope("mer_email_limit_a", false);
        assert!(check_checkout_email(&limits, &me, "a@example.com").is_ok());
        assert!(check_checkout_email(&limits, &me, "A@Example.com ").is_ok());
        assert!(check_checkout_email(&limits, &me, "a@example.com").is_err());
        assert!(check_checkout_email(&limits, &me, "b@example.com").is_ok());
        let live = scope("mer_email_limit_a", true);
        assert!(check_checkout_email(&limits, &live, "a@example.com").is_ok());
        let other = scope("mer_email_limit_b", false);
        assert!(check_checkout_email(&limits, &other, "a@example.com").is_ok());
        let off = RateLimits::off();
        for _ in 0..5 {
            assert!(check_checkout_email(&off, &me, "a@example.com").is_ok());
        }
    }

    #[test]
    fn requests_fall_in_their_buckets() {
        let post = Method::POST;
        assert_eq!(bucket(&post, "/v1/public/checkout"), Some(Bucket::Checkout));
        assert_eq!(
            bucket(&post, "/v1/public/checkout/preview"),
            Some(Bucket::Preview)
        );
        assert_eq!(
            bucket(&post, "/v1/public/checkout/sub_1/confirm"),
            Some(Bucket::Confirm)
        );
        assert_eq!(
            bucket(&post, "/v1/portal/abc/invoices/inv_1/pay"),
            Some(Bucket::PortalPay)
        );
        assert_eq!(bucket(&Method::GET, "/v1/portal/abc"), Some(Bucket::Portal));
        assert_eq!(bucket(&Method::OPTIONS, "/v1/portal/abc"), None);
        assert_eq!(bucket(&post, "/dashboard/login"), Some(Bucket::Login));
        assert_eq!(bucket(&Method::GET, "/v1/public/plans"), None);
        assert_eq!(bucket(&post, "/v1/customers"), None);
    }

    #[test]
    fn ipv6_clients_count_per_64_and_ipv4_per_address() {
        let a: Ipv6Addr = "2001:db8:1:2:aaaa::1"
            .parse()
            .unwrap_or(Ipv6Addr::LOCALHOST);
        let b: Ipv6Addr = "2001:db8:1:2:ffff::9"
            .parse()
            .unwrap_or(Ipv6Addr::LOCALHOST);
        let c: Ipv6Addr = "2001:db8:1:3::1".parse().unwrap_or(Ipv6Addr::LOCALHOST);
        assert_eq!(ClientKey::of(a.into()), ClientKey::of(b.into()));
        assert_ne!(ClientKey::of(a.into()), ClientKey::of(c.into()));
        let v4 = Ipv4Addr::new(192, 0, 2, 1);
        assert_ne!(
            ClientKey::of(v4.into()),
            ClientKey::of(Ipv4Addr::new(192, 0, 2, 2).into())
        );
        assert_eq!(
            ClientKey::of(v4.into()),
            ClientKey::of(v4.to_ipv6_mapped().into())
        );
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 10.0.0.1"),
        );
        let proxy: IpAddr = Ipv4Addr::new(10, 0, 0, 1).into();
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap_or_else(|_| IpNet::default())];
        assert_eq!(
            client_ip(proxy, &headers, &trusted),
            IpAddr::from([203, 0, 113, 9])
        );
        let stranger: IpAddr = Ipv4Addr::new(198, 51, 100, 7).into();
        assert_eq!(client_ip(stranger, &headers, &trusted), stranger);
        assert_eq!(client_ip(proxy, &headers, &[]), proxy);
    }

    #[test]
    fn a_client_over_its_limit_waits_and_others_do_not() {
        let limits = RateLimits {
            checkout: Limit::Every {
                count: 2,
                period: Duration::from_secs(60),
            },
            ..RateLimits::default()
        };
        let l = Limiters::new(&limits, &[]);
        let me: IpAddr = Ipv4Addr::new(192, 0, 2, 1).into();
        let other: IpAddr = Ipv4Addr::new(192, 0, 2, 2).into();
        let h = HeaderMap::new();
        let path = "/v1/public/checkout";
        assert!(l.check(&Method::POST, path, me, &h).is_ok());
        assert!(l.check(&Method::POST, path, me, &h).is_ok());
        let wait = l.check(&Method::POST, path, me, &h).err();
        assert!(
            wait.is_some_and(|w| w > Duration::from_secs(20)),
            "{wait:?}"
        );
        assert!(l.check(&Method::POST, path, other, &h).is_ok());
        assert!(
            l.check(&Method::POST, "/v1/public/checkout/preview", me, &h)
                .is_ok()
        );
    }
}
