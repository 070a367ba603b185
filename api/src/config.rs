//! Every setting of Renewly, read once from the environment.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;

/// A value that must never be printed: `Debug` shows `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The server's 32-byte master key (`RENEWLY_MASTER_KEY`): `Debug` shows `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    /// Wraps a key.
    pub fn new(key: [u8; 32]) -> Self {
        Self(key)
    }

    /// The key itself, for the vault.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// 32 bytes written as 64 hex digits or as base64.
pub fn parse_master_key(raw: &str) -> Option<[u8; 32]> {
    let raw = raw.trim();
    let bytes = if raw.len() == 64 {
        hex::decode(raw).ok()?
    } else {
        base64::engine::general_purpose::STANDARD.decode(raw).ok()?
    };
    bytes.try_into().ok()
}

/// The typed configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://…` or `postgres://…` (`DATABASE_URL`; default `sqlite://renewly.db`).
    pub database_url: Secret,
    /// Where `renewly serve` listens (`RENEWLY_LISTEN`; default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// The public base URL of the API, for links in emails and portal URLs
    /// (`RENEWLY_BASE_URL`; default `http://` + the listen address).
    pub base_url: Option<String>,
    /// Largest accepted request body in bytes (`RENEWLY_MAX_BODY_BYTES`; default 1 MiB).
    pub max_body_bytes: usize,
    /// Connections in the database pool (`RENEWLY_DB_MAX_CONNECTIONS`; default 10).
    pub db_max_connections: u32,
    /// Log filter in `tracing` syntax (`RENEWLY_LOG`; default `info`).
    pub log: String,
    /// Seconds between two passes of the billing worker inside `serve`
    /// (`RENEWLY_BILLING_TICK_SECONDS`; default 60).
    pub billing_tick: Duration,
    /// Where the built widget (`renewly.js`, glue, wasm) is served from
    /// (`RENEWLY_WIDGET_DIR`; default `widget/dist`).
    pub widget_dir: PathBuf,
    /// How long idempotency keys are remembered (`RENEWLY_IDEMPOTENCY_HOURS`; default 48).
    pub idempotency_ttl: Duration,
    /// How often a kept answer of the public endpoints (and a key's grant) is
    /// checked against the database, which is how long a change made by another
    /// process takes to show (`RENEWLY_ANSWER_RECHECK_MS`, 0 to 60 000; default
    /// 1 000). Changes made through this server show at once.
    pub answer_recheck: Duration,
    /// Where emails go: an SMTP server (`RENEWLY_SMTP_URL`, e.g. `smtp://127.0.0.1:2525`,
    /// `smtps://user:pass@mail.example.com`, `smtp://host?tls=required`). Plain
    /// `smtp://` is accepted for a loopback host only. Unset: `.eml` files in `outbox_dir`.
    pub smtp_url: Option<Secret>,
    /// Where `.eml` files are written when no SMTP server is set
    /// (`RENEWLY_OUTBOX_DIR`; default `outbox`).
    pub outbox_dir: PathBuf,
    /// The sender address of emails; the merchant's name is shown with it
    /// (`RENEWLY_MAIL_FROM`; default `billing@localhost`).
    pub mail_from: String,
    /// How long a customer portal link works (`RENEWLY_PORTAL_SESSION_HOURS`; default 24).
    pub portal_session_ttl: Duration,
    /// Limits on requests made without a secret key (`RENEWLY_RATE_LIMITS`; see
    /// [`RateLimits`]).
    pub rate_limits: RateLimits,
    /// Proxies whose `X-Forwarded-For` names the client (`RENEWLY_TRUSTED_PROXIES`:
    /// comma-separated addresses or CIDR networks; default none).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// A file where the built-in test provider appends one line for every charge
    /// request it answers (idempotency key, amount, currency, outcome), so the
    /// charges the provider saw can be counted against Renewly's records
    /// (`RENEWLY_TEST_PROVIDER_LEDGER`; default none).
    pub test_provider_ledger: Option<PathBuf>,
    /// Where live-mode VAT numbers are verified: the VIES REST service's
    /// check-vat-number endpoint (`RENEWLY_VIES_URL`; default [`VIES_URL`]). Plain
    /// `http://` is accepted for a loopback host only.
    pub vies_url: String,
    /// How long one VIES request may take before the number counts as unverified
    /// for now (`RENEWLY_VIES_TIMEOUT_SECONDS`; default 10, at most 60).
    pub vies_timeout: Duration,
    /// The key that seals merchants' Stripe secrets at rest (`RENEWLY_MASTER_KEY`:
    /// 32 bytes as 64 hex digits or base64). Unset on SQLite: a key file
    /// `<database file>.master-key` beside the database; required on PostgreSQL
    /// to set Stripe keys (see [`crate::vault`]).
    pub master_key: Option<MasterKey>,
    /// Where Stripe's API is reached, for every merchant (`RENEWLY_STRIPE_API_BASE`;
    /// default [`STRIPE_API_BASE`]). Plain `http://` is accepted for a loopback
    /// host only (a stand-in for Stripe in tests).
    pub stripe_api_base: String,
}

/// Stripe's API.
pub const STRIPE_API_BASE: &str = "https://api.stripe.com/";

/// The European Commission's VIES REST endpoint.
pub const VIES_URL: &str = "https://ec.europa.eu/taxation_customs/vies/rest-api/check-vat-number";

/// How many requests one client may make in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// At most `count` in any `period` (as a burst; the allowance refills evenly).
    Every { count: u32, period: Duration },
    /// No limit.
    Off,
}

impl Limit {
    const fn per_minute(count: u32) -> Self {
        Self::Every {
            count,
            period: Duration::from_secs(60),
        }
    }

    /// `30/min`, `5/s`, `100/hour` or `off`.
    fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw == "off" {
            return Some(Self::Off);
        }
        let (count, unit) = raw.split_once('/')?;
        let count: u32 = count.trim().parse().ok().filter(|c| *c > 0)?;
        let period = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return None,
        };
        Some(Self::Every { count, period })
    }
}

/// Rate limits on what is reachable without a secret key: per client address
/// (an IPv4 address or an IPv6 /64) for each kind of request, and per
/// publishable key for everything under `/v1/public/`. The defaults are far
/// above what one honest shopper does; `RENEWLY_RATE_LIMITS` overrides any of
/// them, e.g. `checkout=10/min,preview=off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// `POST /v1/public/checkout` per client (`checkout`; default 20/min).
    pub checkout: Limit,
    /// `POST /v1/public/checkout/preview` per client (`preview`; default 300/min).
    pub preview: Limit,
    /// `POST /v1/public/checkout/{id}/confirm` per client (`confirm`; default 20/min).
    pub confirm: Limit,
    /// `POST /v1/portal/{token}/invoices/{id}/pay` per client (`portal_pay`; default 20/min).
    pub portal_pay: Limit,
    /// Every other `/v1/portal/{token}/…` request per client (`portal`; default 600/min).
    pub portal: Limit,
    /// `POST /dashboard/login` per client (`login`; default 10/min).
    pub login: Limit,
    /// Every `/v1/public/…` request per publishable key (`publishable_key`;
    /// default 30000/min, 500 a second, for the whole shop).
    pub publishable_key: Limit,
    /// Anonymous checkouts per e-mail address, merchant and mode
    /// (`checkout_email`; default 10/hour), whatever client sends them.
    pub checkout_email: Limit,
    /// E-mail changes asked for in the portal per new address, and per
    /// customer (`email_change`; default 3/hour), counted in the database.
    pub email_change: Limit,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            checkout: Limit::per_minute(20),
            preview: Limit::per_minute(300),
            confirm: Limit::per_minute(20),
            portal_pay: Limit::per_minute(20),
            portal: Limit::per_minute(600),
            login: Limit::per_minute(10),
            publishable_key: Limit::per_minute(30_000),
            checkout_email: Limit::Every {
                count: 10,
                period: Duration::from_secs(3600),
            },
            email_change: Limit::Every {
                count: 3,
                period: Duration::from_secs(3600),
            },
        }
    }
}

impl RateLimits {
    /// No limits at all: for tests, benchmarks and the demo's history, which
    /// make far more requests from one address than any client would.
    pub fn off() -> Self {
        Self {
            checkout: Limit::Off,
            preview: Limit::Off,
            confirm: Limit::Off,
            portal_pay: Limit::Off,
            portal: Limit::Off,
            login: Limit::Off,
            publishable_key: Limit::Off,
            checkout_email: Limit::Off,
            email_change: Limit::Off,
        }
    }

    /// The defaults with `name=limit,…` overrides applied.
    fn parse(raw: &str) -> Result<Self, String> {
        let mut limits = Self::default();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("'{part}' is not name=limit"))?;
            let limit = Limit::parse(value)
                .ok_or_else(|| format!("'{value}' is not a limit such as 30/min, 5/s or off"))?;
            let slot = match name.trim() {
                "checkout" => &mut limits.checkout,
                "preview" => &mut limits.preview,
                "confirm" => &mut limits.confirm,
                "portal_pay" => &mut limits.portal_pay,
                "portal" => &mut limits.portal,
                "login" => &mut limits.login,
                "publishable_key" => &mut limits.publishable_key,
                "checkout_email" => &mut limits.checkout_email,
                "email_change" => &mut limits.email_change,
                other => return Err(format!("unknown limit '{other}'")),
            };
            *slot = limit;
        }
        Ok(limits)
    }
}

/// A setting that could not be understood.
#[derive(Debug, thiserror::Error)]
#[error("{variable}={value:?} is not valid: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub value: String,
    pub reason: String,
}

/// The `RENEWLY_*` variables Renewly reads; any other one is reported as unknown.
pub const KNOWN_VARIABLES: &[&str] = &[
    "RENEWLY_LISTEN",
    "RENEWLY_BASE_URL",
    "RENEWLY_MAX_BODY_BYTES",
    "RENEWLY_DB_MAX_CONNECTIONS",
    "RENEWLY_LOG",
    "RENEWLY_BILLING_TICK_SECONDS",
    "RENEWLY_WIDGET_DIR",
    "RENEWLY_IDEMPOTENCY_HOURS",
    "RENEWLY_TEST_PG_URL",
    "RENEWLY_SMTP_URL",
    "RENEWLY_OUTBOX_DIR",
    "RENEWLY_MAIL_FROM",
    "RENEWLY_PORTAL_SESSION_HOURS",
    "RENEWLY_RATE_LIMITS",
    "RENEWLY_TRUSTED_PROXIES",
    "RENEWLY_TEST_PROVIDER_LEDGER",
    "RENEWLY_VIES_URL",
    "RENEWLY_VIES_TIMEOUT_SECONDS",
    "RENEWLY_MASTER_KEY",
    "RENEWLY_STRIPE_API_BASE",
];

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars().collect())
    }

    /// Reads the configuration from the given variables (tests pass their own).
    pub fn from_vars(vars: BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let get = |name: &str| vars.get(name).filter(|v| !v.trim().is_empty()).cloned();
        let database_url = get("DATABASE_URL").unwrap_or_else(|| "sqlite://renewly.db".to_owned());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError {
                variable: "DATABASE_URL",
                value: redact_url(&database_url),
                reason: "expected sqlite://FILE or postgres://USER@HOST/DB".to_owned(),
            });
        }
        let listen = parse("RENEWLY_LISTEN", get("RENEWLY_LISTEN"), "127.0.0.1:8080")?;
        let base_url = match get("RENEWLY_BASE_URL") {
            Some(v) => {
                let parsed = url::Url::parse(&v).map_err(|e| ConfigError {
                    variable: "RENEWLY_BASE_URL",
                    value: v.clone(),
                    reason: e.to_string(),
                })?;
                Some(parsed.as_str().trim_end_matches('/').to_owned())
            }
            None => None,
        };
        let max_body_bytes = parse(
            "RENEWLY_MAX_BODY_BYTES",
            get("RENEWLY_MAX_BODY_BYTES"),
            "1048576",
        )?;
        let db_max_connections: u32 = parse(
            "RENEWLY_DB_MAX_CONNECTIONS",
            get("RENEWLY_DB_MAX_CONNECTIONS"),
            "10",
        )?;
        if db_max_connections == 0 {
            return Err(ConfigError {
                variable: "RENEWLY_DB_MAX_CONNECTIONS",
                value: "0".to_owned(),
                reason: "must be at least 1".to_owned(),
            });
        }
        let tick: u64 = parse(
            "RENEWLY_BILLING_TICK_SECONDS",
            get("RENEWLY_BILLING_TICK_SECONDS"),
            "60",
        )?;
        let ttl_hours: u64 = parse(
            "RENEWLY_IDEMPOTENCY_HOURS",
            get("RENEWLY_IDEMPOTENCY_HOURS"),
            "48",
        )?;
        if ttl_hours < 24 {
            return Err(ConfigError {
                variable: "RENEWLY_IDEMPOTENCY_HOURS",
                value: ttl_hours.to_string(),
                reason: "idempotency keys are kept at least 24 hours".to_owned(),
            });
        }
        let portal_hours: u64 = parse(
            "RENEWLY_PORTAL_SESSION_HOURS",
            get("RENEWLY_PORTAL_SESSION_HOURS"),
            "24",
        )?;
        if !(1..=720).contains(&portal_hours) {
            return Err(ConfigError {
                variable: "RENEWLY_PORTAL_SESSION_HOURS",
                value: portal_hours.to_string(),
                reason: "must be from 1 to 720 hours".to_owned(),
            });
        }
        let vies_timeout: u64 = parse(
            "RENEWLY_VIES_TIMEOUT_SECONDS",
            get("RENEWLY_VIES_TIMEOUT_SECONDS"),
            "10",
        )?;
        if !(1..=60).contains(&vies_timeout) {
            return Err(ConfigError {
                variable: "RENEWLY_VIES_TIMEOUT_SECONDS",
                value: vies_timeout.to_string(),
                reason: "must be from 1 to 60 seconds".to_owned(),
            });
        }
        let answer_recheck: u64 = parse(
            "RENEWLY_ANSWER_RECHECK_MS",
            get("RENEWLY_ANSWER_RECHECK_MS"),
            "1000",
        )?;
        if answer_recheck > 60_000 {
            return Err(ConfigError {
                variable: "RENEWLY_ANSWER_RECHECK_MS",
                value: answer_recheck.to_string(),
                reason: "must be from 0 to 60000 milliseconds".to_owned(),
            });
        }
        let master_key = match get("RENEWLY_MASTER_KEY") {
            Some(v) => Some(MasterKey::new(parse_master_key(&v).ok_or_else(|| {
                ConfigError {
                    variable: "RENEWLY_MASTER_KEY",
                    value: "[redacted]".to_owned(),
                    reason: "expected 32 bytes as 64 hex digits or base64".to_owned(),
                }
            })?)),
            None => None,
        };
        Ok(Self {
            master_key,
            stripe_api_base: loopback_or_https(
                "RENEWLY_STRIPE_API_BASE",
                get("RENEWLY_STRIPE_API_BASE")
                    .as_deref()
                    .unwrap_or(STRIPE_API_BASE),
            )?,
            answer_recheck: Duration::from_millis(answer_recheck),
            vies_url: vies_url(get("RENEWLY_VIES_URL").as_deref().unwrap_or(VIES_URL))?,
            vies_timeout: Duration::from_secs(vies_timeout),
            database_url: Secret::new(database_url),
            listen,
            base_url,
            max_body_bytes,
            db_max_connections,
            log: get("RENEWLY_LOG").unwrap_or_else(|| "info".to_owned()),
            billing_tick: Duration::from_secs(tick.max(1)),
            widget_dir: get("RENEWLY_WIDGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("widget/dist")),
            idempotency_ttl: Duration::from_secs(ttl_hours * 3600),
            smtp_url: get("RENEWLY_SMTP_URL").map(|v| smtp_url(&v)).transpose()?,
            outbox_dir: get("RENEWLY_OUTBOX_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("outbox")),
            test_provider_ledger: get("RENEWLY_TEST_PROVIDER_LEDGER").map(PathBuf::from),
            mail_from: match get("RENEWLY_MAIL_FROM") {
                Some(v) => mail_from(&v)?,
                None => "billing@localhost".to_owned(),
            },
            portal_session_ttl: Duration::from_secs(portal_hours * 3600),
            rate_limits: match get("RENEWLY_RATE_LIMITS") {
                Some(v) => RateLimits::parse(&v).map_err(|reason| ConfigError {
                    variable: "RENEWLY_RATE_LIMITS",
                    value: v.clone(),
                    reason,
                })?,
                None => RateLimits::default(),
            },
            trusted_proxies: match get("RENEWLY_TRUSTED_PROXIES") {
                Some(v) => trusted_proxies(&v)?,
                None => Vec::new(),
            },
        })
    }

    /// `RENEWLY_*` variables that Renewly does not know (probably typos).
    pub fn unknown_variables(vars: &BTreeMap<String, String>) -> Vec<String> {
        vars.keys()
            .filter(|k| k.starts_with("RENEWLY_") && !KNOWN_VARIABLES.contains(&k.as_str()))
            .cloned()
            .collect()
    }

    /// A configuration for tests and embedding: the given database, port 0.
    pub fn for_database(database_url: &str) -> Self {
        Self {
            database_url: Secret::new(database_url),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            base_url: None,
            max_body_bytes: 1024 * 1024,
            db_max_connections: 5,
            log: "warn".to_owned(),
            billing_tick: Duration::from_secs(60),
            widget_dir: PathBuf::from("widget/dist"),
            idempotency_ttl: Duration::from_secs(48 * 3600),
            answer_recheck: Duration::from_secs(1),
            smtp_url: None,
            outbox_dir: PathBuf::from("outbox"),
            test_provider_ledger: None,
            mail_from: "billing@localhost".to_owned(),
            portal_session_ttl: Duration::from_secs(24 * 3600),
            rate_limits: RateLimits::off(),
            trusted_proxies: Vec::new(),
            // Nothing listens on the discard port: tests reach no outside VIES.
            vies_url: "http://127.0.0.1:9/check-vat-number".to_owned(),
            vies_timeout: Duration::from_secs(2),
            master_key: None,
            // Nothing listens on the discard port: tests reach no outside Stripe.
            stripe_api_base: "http://127.0.0.1:9/".to_owned(),
        }
    }
}

/// An https URL, or http to this machine only: the answer decides whether VAT
/// is charged, so it must not be open to tampering on the way.
fn vies_url(raw: &str) -> Result<String, ConfigError> {
    loopback_or_https("RENEWLY_VIES_URL", raw)
}

/// An https URL, or http to this machine only.
fn loopback_or_https(variable: &'static str, raw: &str) -> Result<String, ConfigError> {
    let fail = |reason: String| ConfigError {
        variable,
        value: raw.to_owned(),
        reason,
    };
    let url = url::Url::parse(raw).map_err(|e| fail(e.to_string()))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url.into()),
        "http" if loopback => Ok(url.into()),
        _ => Err(fail(
            "expected an https:// URL (http:// only to 127.0.0.1 or localhost)".to_owned(),
        )),
    }
}

/// `10.0.0.1, 192.168.0.0/16, ::1`: single addresses or networks.
fn trusted_proxies(raw: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| ConfigError {
                    variable: "RENEWLY_TRUSTED_PROXIES",
                    value: raw.to_owned(),
                    reason: format!("'{p}' is not an address or a network such as 10.0.0.0/8"),
                })
        })
        .collect()
}

fn parse<T: std::str::FromStr>(
    variable: &'static str,
    value: Option<String>,
    default: &str,
) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    let raw = value.unwrap_or_else(|| default.to_owned());
    raw.trim().parse().map_err(|e: T::Err| ConfigError {
        variable,
        value: raw.clone(),
        reason: e.to_string(),
    })
}

/// An SMTP URL lettre understands; plaintext only to this machine, since
/// emails carry portal and payment links.
fn smtp_url(raw: &str) -> Result<Secret, ConfigError> {
    let fail = |reason: &str| ConfigError {
        variable: "RENEWLY_SMTP_URL",
        value: redact_url(raw),
        reason: reason.to_owned(),
    };
    let url = url::Url::parse(raw).map_err(|e| fail(&e.to_string()))?;
    let tls = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let loopback = match url.host() {
        // `smtp:` is not a special scheme: its host stays text, even an IP.
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost")
                || d.trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(fail("expected smtp://HOST:PORT or smtps://USER:PASS@HOST")),
    };
    match (url.scheme(), tls.as_deref()) {
        ("smtps", _) | ("smtp", Some("required" | "opportunistic")) => Ok(Secret::new(raw)),
        ("smtp", None) if loopback => Ok(Secret::new(raw)),
        ("smtp", None) => Err(fail(
            "plaintext SMTP is only allowed to localhost; use smtps:// or add ?tls=required",
        )),
        _ => Err(fail(
            "expected smtp://HOST:PORT, smtp://HOST?tls=required or smtps://USER:PASS@HOST",
        )),
    }
}

/// A bare sender address (`billing@example.com`).
fn mail_from(raw: &str) -> Result<String, ConfigError> {
    let value = raw.trim();
    let ok = value
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && !value.contains(char::is_whitespace)
        && !value.contains(['<', '>', ',']);
    if ok {
        Ok(value.to_owned())
    } else {
        Err(ConfigError {
            variable: "RENEWLY_MAIL_FROM",
            value: raw.to_owned(),
            reason: "expected an address like billing@example.com".to_owned(),
        })
    }
}

/// The URL with any password replaced, safe to print.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_master_key_and_the_stripe_base_are_checked_and_the_key_never_echoed() {
        let c = Config::from_vars(BTreeMap::new()).unwrap();
        assert_eq!(c.stripe_api_base, STRIPE_API_BASE);
        assert_eq!(c.master_key, None);
        let hex_key = "ab".repeat(32);
        let c = Config::from_vars(vars(&[("RENEWLY_MASTER_KEY", &hex_key)])).unwrap();
        assert_eq!(c.master_key, Some(MasterKey::new([0xab; 32])));
        assert!(!format!("{c:?}").contains(&hex_key));
        let e = Config::from_vars(vars(&[("RENEWLY_MASTER_KEY", "not-a-key-0123")])).unwrap_err();
        assert_eq!(e.variable, "RENEWLY_MASTER_KEY");
        assert!(!e.value.contains("not-a-key"));
        let local = vars(&[("RENEWLY_STRIPE_API_BASE", "http://127.0.0.1:8420/")]);
        assert_eq!(
            Config::from_vars(local).unwrap().stripe_api_base,
            "http://127.0.0.1:8420/"
        );
        let plain = vars(&[("RENEWLY_STRIPE_API_BASE", "http://stripe.example.com/")]);
        assert_eq!(
            Config::from_vars(plain).unwrap_err().variable,
            "RENEWLY_STRIPE_API_BASE"
        );
    }

    #[test]
    fn defaults_work_on_a_fresh_machine() {
        let c = Config::from_vars(BTreeMap::new()).unwrap();
        assert_eq!(c.database_url.expose(), "sqlite://renewly.db");
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.max_body_bytes, 1024 * 1024);
    }

    #[test]
    fn a_bad_listen_address_names_the_variable() {
        let e = Config::from_vars(vars(&[("RENEWLY_LISTEN", "nowhere")])).unwrap_err();
        assert_eq!(e.variable, "RENEWLY_LISTEN");
        assert!(e.to_string().contains("RENEWLY_LISTEN=\"nowhere\""));
    }

    #[test]
    fn an_unsupported_database_is_refused_without_printing_its_password() {
        let e = Config::from_vars(vars(&[("DATABASE_URL", "mysql://u:hunter2@h/db")])).unwrap_err();
        assert_eq!(e.variable, "DATABASE_URL");
        assert!(!e.to_string().contains("hunter2"));
    }

    #[test]
    fn unknown_renewly_variables_are_reported() {
        let v = vars(&[
            ("RENEWLY_LISEN", "x"),
            ("RENEWLY_LOG", "debug"),
            ("HOME", "/root"),
        ]);
        assert_eq!(
            Config::unknown_variables(&v),
            vec!["RENEWLY_LISEN".to_owned()]
        );
    }

    #[test]
    fn vies_is_https_or_this_machine() {
        let ok = |v: &str| Config::from_vars(vars(&[("RENEWLY_VIES_URL", v)])).map(|c| c.vies_url);
        assert_eq!(
            Config::from_vars(BTreeMap::new()).unwrap().vies_url,
            VIES_URL
        );
        assert!(ok("http://127.0.0.1:8099/check").is_ok());
        assert!(ok("https://vies.example.com/check").is_ok());
        let e = ok("http://vies.example.com/check").unwrap_err();
        assert_eq!(e.variable, "RENEWLY_VIES_URL");
        let t = |v: &str| Config::from_vars(vars(&[("RENEWLY_VIES_TIMEOUT_SECONDS", v)]));
        assert_eq!(t("5").unwrap().vies_timeout, Duration::from_secs(5));
        assert!(t("0").is_err());
    }

    #[test]
    fn smtp_is_plaintext_only_to_this_machine() {
        let ok = |v: &str| Config::from_vars(vars(&[("RENEWLY_SMTP_URL", v)])).map(|c| c.smtp_url);
        assert!(ok("smtp://127.0.0.1:2525").unwrap().is_some());
        assert!(ok("smtp://localhost:25").unwrap().is_some());
        assert!(ok("smtp://[::1]:25").unwrap().is_some());
        assert!(ok("smtp://127.0.0.1.example.com:25").is_err());
        assert!(ok("smtps://u:hunter2@mail.example.com").unwrap().is_some());
        assert!(
            ok("smtp://mail.example.com:587?tls=required")
                .unwrap()
                .is_some()
        );
        let e = ok("smtp://u:hunter2@mail.example.com:25").unwrap_err();
        assert_eq!(e.variable, "RENEWLY_SMTP_URL");
        assert!(!e.to_string().contains("hunter2"));
        assert!(ok("http://127.0.0.1").is_err());
        let c = Config::from_vars(BTreeMap::new()).unwrap();
        assert!(c.smtp_url.is_none());
        assert_eq!(c.outbox_dir, PathBuf::from("outbox"));
        assert!(Config::from_vars(vars(&[("RENEWLY_MAIL_FROM", "Billing <b@x>")])).is_err());
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let c = Config::from_vars(vars(&[("DATABASE_URL", "postgres://u:hunter2@h/db")])).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
