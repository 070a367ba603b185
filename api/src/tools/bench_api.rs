//! `renewly bench api`: the real server on a fresh database and a merchant with a
//! small catalog made through the API; then C keep-alive clients on loopback send
//! `GET /v1/public/plans`, and next `POST /v1/public/checkout` (a new customer per
//! request, the test card), for S seconds each, the way the widget calls them.
//! Prints throughput and latency percentiles per endpoint (`--json`: one object),
//! with the same bytes served by a bare axum handler in the same run as the
//! baseline of the plans, and fails unless every checkout answered 201 left
//! exactly one active subscription.
//!
//! Client and server share the process and its cores, so the figures are a floor
//! for what a separate machine would measure.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use renewly_types::{
    AddonInput, Address, CardDetails, CheckoutCustomer, CheckoutPayment, CheckoutRequest,
};
use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN};
use reqwest::{Client, Method, RequestBuilder};
use serde_json::{Value, json};

use super::bench::{Backend, fresh_database};
use crate::app;
use crate::config::Config;
use crate::store::merchants::{NewMerchant, create_merchant};
use crate::store::tooling;

/// The merchant's site; every request carries it as `Origin`, as a browser would.
const SITE: &str = "https://shop.bench.example";
/// The test provider's card that always succeeds.
const TEST_CARD: &str = "4242 4242 4242 4242";
/// A request slower than this counts as an error rather than hanging the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const PLANS: &str = "GET /v1/public/plans";
const CHECKOUT: &str = "POST /v1/public/checkout";

/// Figures of one endpoint under load.
#[derive(Debug, Clone)]
pub struct Phase {
    /// Method and path, e.g. `GET /v1/public/plans`.
    pub endpoint: &'static str,
    /// Requests answered 2xx.
    pub ok: u64,
    /// Requests answered otherwise, or not answered at all.
    pub errors: u64,
    /// The first error, for the report.
    pub first_error: Option<String>,
    /// From the first request sent to the last answer received.
    pub elapsed: Duration,
    /// Time to the full response body of every answered request, sorted.
    latencies: Vec<Duration>,
}

impl Phase {
    /// Requests sent.
    pub fn requests(&self) -> u64 {
        self.ok + self.errors
    }

    /// Requests sent per second of the phase.
    pub fn per_second(&self) -> f64 {
        self.requests() as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// The latency that `pct` percent of answered requests stayed within (nearest
    /// rank); zero when nothing was answered.
    pub fn percentile(&self, pct: f64) -> Duration {
        let n = self.latencies.len();
        if n == 0 {
            return Duration::ZERO;
        }
        let rank = ((pct / 100.0) * n as f64).ceil() as usize;
        self.latencies[rank.clamp(1, n) - 1]
    }

    /// The slowest answer.
    pub fn max(&self) -> Duration {
        self.latencies.last().copied().unwrap_or_default()
    }
}

/// What one run measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// Concurrent clients.
    pub concurrency: usize,
    /// `GET /v1/public/plans`.
    pub plans: Phase,
    /// The same bytes and headers from a bare axum handler, in the same run:
    /// what the framework, the clients and the machine allow.
    pub bare_plans: Phase,
    /// `POST /v1/public/checkout`.
    pub checkout: Phase,
    /// Subscriptions in the database after the checkout phase.
    pub subscriptions: i64,
    /// Of those, the active ones.
    pub active_subscriptions: i64,
}

/// Runs the API benchmark and prints its figures; fails when the database does not
/// hold one active subscription per successful checkout.
pub async fn api(
    backend: Backend,
    seconds: u64,
    concurrency: usize,
    pg_admin_url: &str,
    json: bool,
) -> anyhow::Result<()> {
    let per_phase = Duration::from_secs(seconds);
    if json {
        let report = measure(backend, pg_admin_url, per_phase, concurrency).await?;
        println!("{}", serde_json::to_string_pretty(&report.json())?);
        return check(&report);
    }
    println!(
        "renewly bench api: {concurrency} keep-alive clients on 127.0.0.1, {seconds} s per endpoint ({})",
        match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    );
    let report = measure(backend, pg_admin_url, per_phase, concurrency).await?;
    println!(
        "  {:<26} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7}",
        "endpoint", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"
    );
    for phase in [&report.plans, &report.bare_plans, &report.checkout] {
        println!(
            "  {:<26} {:>9} {:>9.0} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>7}",
            phase.endpoint,
            phase.requests(),
            phase.per_second(),
            ms(phase.percentile(50.0)),
            ms(phase.percentile(90.0)),
            ms(phase.percentile(99.0)),
            ms(phase.max()),
            phase.errors
        );
    }
    for phase in [&report.plans, &report.checkout] {
        if let Some(first) = &phase.first_error {
            println!("  first error of {}: {first}", phase.endpoint);
        }
    }
    println!(
        "  {PLANS}: {:.0} % of the bare handler's throughput",
        100.0 * report.plans.per_second() / report.bare_plans.per_second().max(f64::EPSILON)
    );
    println!(
        "  checkouts answered 201: {}; subscriptions in the database: {} ({} active)",
        report.checkout.ok, report.subscriptions, report.active_subscriptions
    );
    check(&report)
}

impl Report {
    /// The figures as one JSON object, for other tools.
    pub fn json(&self) -> Value {
        let endpoint = |p: &Phase, baseline: Option<&Phase>| {
            json!({
                "name": p.endpoint,
                "requests": p.requests(),
                "rps": round1(p.per_second()),
                "p50_ms": round1(ms(p.percentile(50.0))),
                "p90_ms": round1(ms(p.percentile(90.0))),
                "p99_ms": round1(ms(p.percentile(99.0))),
                "max_ms": round1(ms(p.max())),
                "errors": p.errors,
                "baseline_rps": baseline.map(|b| round1(b.per_second())),
            })
        };
        json!({
            "database": self.backend,
            "concurrency": self.concurrency,
            "endpoints": [
                endpoint(&self.plans, Some(&self.bare_plans)),
                endpoint(&self.checkout, None),
            ],
            "checkouts_ok": self.checkout.ok,
            "subscriptions": self.subscriptions,
            "active_subscriptions": self.active_subscriptions,
        })
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// One active subscription per successful checkout, and nothing else.
fn check(report: &Report) -> anyhow::Result<()> {
    let ok = i64::try_from(report.checkout.ok)?;
    if report.subscriptions != ok || report.active_subscriptions != ok {
        anyhow::bail!(
            "{ok} checkouts succeeded but the database holds {} subscriptions ({} active)",
            report.subscriptions,
            report.active_subscriptions
        );
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Starts the server on a fresh database of `backend`, seeds the catalog, loads
/// each endpoint for `per_phase` with `concurrency` clients, and removes the
/// database again.
pub async fn measure(
    backend: Backend,
    pg_admin_url: &str,
    per_phase: Duration,
    concurrency: usize,
) -> anyhow::Result<Report> {
    let (url, cleanup) = fresh_database(backend, pg_admin_url).await?;
    let mut config = Config::for_database(&url);
    // The pool `renewly serve` has by default.
    config.db_max_connections = 10;
    let result = match app::spawn(config).await {
        Ok(running) => {
            let result = load(&running, per_phase, concurrency.max(1)).await;
            let db = running.db.clone();
            running.stop().await;
            db.close().await;
            result
        }
        Err(e) => Err(e),
    };
    cleanup.run(pg_admin_url).await;
    result
}

async fn load(
    running: &app::Running,
    per_phase: Duration,
    concurrency: usize,
) -> anyhow::Result<Report> {
    let new = NewMerchant {
        name: "Bench Shop".to_owned(),
        country: "NL".to_owned(),
        currency: "EUR".to_owned(),
    };
    let (_, keys) = create_merchant(&running.db, &new, false).await?;
    let key = |kind: &str| {
        keys.iter()
            .find(|k| k.kind == kind && !k.livemode)
            .map(|k| k.key.clone())
            .ok_or_else(|| anyhow::anyhow!("no {kind} test key was made"))
    };
    let (secret, publishable) = (key("secret")?, key("publishable")?);
    let client = Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let base = running.url();
    let catalog = seed_catalog(&Setup {
        client: &client,
        base: &base,
        key: &secret,
    })
    .await?;
    let target = Target {
        client,
        base,
        key: publishable,
    };
    warm_up(&target, concurrency).await?;

    let plans_target = target.clone();
    let plans = run_phase(PLANS, concurrency, per_phase, move |_| {
        plans_target.request(Method::GET, "/v1/public/plans")
    })
    .await?;
    let bare_plans = bare_baseline(&target, concurrency, per_phase).await?;

    let checkout_target = target.clone();
    let checkout = run_phase(CHECKOUT, concurrency, per_phase, move |n| {
        checkout_target
            .request(Method::POST, "/v1/public/checkout")
            .header("idempotency-key", format!("bench-checkout-{n}"))
            .json(&catalog.checkout(n))
    })
    .await?;

    let (subscriptions, active_subscriptions) = tooling::subscription_counts(&running.db).await?;
    Ok(Report {
        backend: running.db.backend(),
        concurrency,
        plans,
        bare_plans,
        checkout,
        subscriptions,
        active_subscriptions,
    })
}

const BARE: &str = "GET bare axum, same bytes";

/// Loads a bare axum handler that answers the bytes and headers Renewly
/// answered for `GET /v1/public/plans` (status, content type, CORS, ETag),
/// on its own loopback port, with the same clients for as long.
async fn bare_baseline(
    target: &Target,
    concurrency: usize,
    per_phase: Duration,
) -> anyhow::Result<Phase> {
    let answer = target
        .request(Method::GET, "/v1/public/plans")
        .send()
        .await?;
    let mut headers = axum::http::HeaderMap::new();
    for name in [
        reqwest::header::CONTENT_TYPE,
        reqwest::header::ACCESS_CONTROL_ALLOW_ORIGIN,
        reqwest::header::ACCESS_CONTROL_EXPOSE_HEADERS,
        reqwest::header::VARY,
        reqwest::header::ETAG,
        reqwest::header::CACHE_CONTROL,
    ] {
        for value in answer.headers().get_all(&name) {
            headers.append(name.clone(), value.clone());
        }
    }
    let body = answer.bytes().await?;
    let handler = move || {
        let (headers, body) = (headers.clone(), body.clone());
        async move { (headers, body) }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let router = axum::Router::new().route("/v1/public/plans", axum::routing::get(handler));
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let bare = Target {
        client: target.client.clone(),
        base,
        key: target.key.clone(),
    };
    warm_up(&bare, concurrency).await?;
    let phase = run_phase(BARE, concurrency, per_phase, move |_| {
        bare.request(Method::GET, "/v1/public/plans")
    })
    .await;
    server.abort();
    phase
}

/// The merchant's secret key, for seeding the catalog.
struct Setup<'a> {
    client: &'a Client,
    base: &'a str,
    key: &'a str,
}

impl Setup<'_> {
    async fn call(&self, method: Method, path: &str, body: Value) -> anyhow::Result<Value> {
        let resp = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(self.key)
            .json(&body)
            .send()
            .await?;
        let status = resp.status();
        let value: Value = resp.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            anyhow::bail!("seeding {method} {path} failed: {status} {value}");
        }
        Ok(value)
    }

    async fn id(&self, path: &str, body: Value) -> anyhow::Result<String> {
        let value = self.call(Method::POST, path, body).await?;
        value["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("no id from {path}"))
    }
}

/// The plan a shopper checks out, with its prices.
struct Catalog {
    plan: String,
    monthly: String,
    yearly: String,
    addon_monthly: String,
    addon_yearly: String,
}

impl Catalog {
    /// Checkout `n`: a new customer taking, in turn, the monthly price with an
    /// add-on, the yearly price, the monthly price, the yearly price with an add-on.
    fn checkout(&self, n: u64) -> CheckoutRequest {
        let addon = |price: &String| {
            vec![AddonInput {
                price: price.clone(),
                quantity: 1,
            }]
        };
        let (price, addons) = match n % 4 {
            0 => (&self.monthly, addon(&self.addon_monthly)),
            1 => (&self.yearly, Vec::new()),
            2 => (&self.monthly, Vec::new()),
            _ => (&self.yearly, addon(&self.addon_yearly)),
        };
        CheckoutRequest {
            plan: self.plan.clone(),
            price: Some(price.clone()),
            quantity: 1,
            addons,
            customer: CheckoutCustomer {
                email: Some(format!("shopper-{n}@bench.example")),
                name: Some(format!("Shopper {n}")),
                address: Some(Address {
                    line1: Some("Keizersgracht 1".to_owned()),
                    city: Some("Amsterdam".to_owned()),
                    postal_code: Some("1015 CC".to_owned()),
                    country: Some("NL".to_owned()),
                    ..Address::default()
                }),
                ..CheckoutCustomer::default()
            },
            signature: None,
            payment_method: Some(CheckoutPayment {
                card: Some(CardDetails {
                    number: TEST_CARD.to_owned(),
                    exp_month: 12,
                    exp_year: 2034,
                    cvc: "123".to_owned(),
                }),
                stripe_payment_method: None,
            }),
        }
    }
}

/// Allows the bench site's origin and makes a product with monthly and yearly
/// prices, an add-on with both, and a published plan offering them.
async fn seed_catalog(api: &Setup<'_>) -> anyhow::Result<Catalog> {
    api.call(
        Method::PATCH,
        "/v1/merchant",
        json!({"allowed_origins": [SITE]}),
    )
    .await?;
    let price = |product: &str, amount: &str, interval: &str| {
        let recurring = json!({"interval": interval, "interval_count": 1});
        json!({"product": product, "unit_amount": amount, "recurring": recurring})
    };
    let pro = api
        .id(
            "/v1/products",
            json!({"name": "Pro", "description": "For growing teams", "unit": "seat"}),
        )
        .await?;
    let monthly = api.id("/v1/prices", price(&pro, "29.00", "month")).await?;
    let yearly = api.id("/v1/prices", price(&pro, "290.00", "year")).await?;
    let storage = api
        .id(
            "/v1/products",
            json!({"name": "Extra storage", "description": "100 GB more", "unit": "GB"}),
        )
        .await?;
    let addon_monthly = api
        .id("/v1/prices", price(&storage, "5.00", "month"))
        .await?;
    let addon_yearly = api
        .id("/v1/prices", price(&storage, "50.00", "year"))
        .await?;
    let plan = api
        .id(
            "/v1/plans",
            json!({
                "name": "Pro",
                "description": "For growing teams",
                "prices": [monthly, yearly],
                "addons": [addon_monthly, addon_yearly],
                "features": ["Up to 10 users", "100 GB storage", "Priority support"],
                "published": true,
                "trial_days": 0
            }),
        )
        .await?;
    Ok(Catalog {
        plan,
        monthly,
        yearly,
        addon_monthly,
        addon_yearly,
    })
}

/// The public API as the widget on the merchant's site calls it.
#[derive(Clone)]
struct Target {
    client: Client,
    base: String,
    key: String,
}

impl Target {
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header(ORIGIN, SITE)
    }
}

/// Opens the clients' connections with one unmeasured request each, and checks
/// that the merchant's site is an allowed origin.
async fn warm_up(target: &Target, concurrency: usize) -> anyhow::Result<()> {
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let request = target.request(Method::GET, "/v1/public/plans");
        tasks.push(tokio::spawn(async move {
            let resp = request.send().await?;
            let status = resp.status();
            let allowed = resp.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).cloned();
            let body = resp.text().await?;
            if !status.is_success() {
                anyhow::bail!("warm-up: {PLANS} answered {status}: {body}");
            }
            if allowed.as_ref().and_then(|v| v.to_str().ok()) != Some(SITE) {
                anyhow::bail!("warm-up: {SITE} is not answered as an allowed origin");
            }
            Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(())
}

/// What one client saw during a phase.
#[derive(Default)]
struct Tally {
    ok: u64,
    errors: u64,
    first_error: Option<String>,
    latencies: Vec<Duration>,
}

impl Tally {
    fn error(&mut self, what: String) {
        self.errors += 1;
        self.first_error.get_or_insert(what);
    }
}

/// `concurrency` clients send the request `make(n)` (n counts the phase's
/// requests from 0) back to back until `per_phase` has passed; requests under
/// way then finish and count.
async fn run_phase<F>(
    endpoint: &'static str,
    concurrency: usize,
    per_phase: Duration,
    make: F,
) -> anyhow::Result<Phase>
where
    F: Fn(u64) -> RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + per_phase;
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (make, next) = (Arc::clone(&make), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            while Instant::now() < deadline {
                let request = make(next.fetch_add(1, Ordering::Relaxed));
                let sent = Instant::now();
                match request.send().await {
                    Ok(resp) => {
                        let status = resp.status();
                        let body = resp.bytes().await;
                        tally.latencies.push(sent.elapsed());
                        match body {
                            Ok(_) if status.is_success() => tally.ok += 1,
                            Ok(body) => tally.error(format!(
                                "{status} {}",
                                String::from_utf8_lossy(&body)
                                    .chars()
                                    .take(300)
                                    .collect::<String>()
                            )),
                            Err(e) => tally.error(format!("{status}, body not read: {e}")),
                        }
                    }
                    Err(e) => tally.error(format!("not answered: {e}")),
                }
            }
            tally
        }));
    }
    let mut phase = Phase {
        endpoint,
        ok: 0,
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for task in tasks {
        let tally = task.await?;
        phase.ok += tally.ok;
        phase.errors += tally.errors;
        if phase.first_error.is_none() {
            phase.first_error = tally.first_error;
        }
        phase.latencies.extend(tally.latencies);
    }
    phase.elapsed = started.elapsed();
    phase.latencies.sort_unstable();
    Ok(phase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(latencies_ms: &[u64]) -> Phase {
        Phase {
            endpoint: PLANS,
            ok: latencies_ms.len() as u64,
            errors: 0,
            first_error: None,
            elapsed: Duration::from_secs(1),
            latencies: latencies_ms
                .iter()
                .map(|&m| Duration::from_millis(m))
                .collect(),
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let p = phase(&(1..=100).collect::<Vec<_>>());
        assert_eq!(p.percentile(50.0), Duration::from_millis(50));
        assert_eq!(p.percentile(99.0), Duration::from_millis(99));
        assert_eq!(p.percentile(100.0), Duration::from_millis(100));
        assert_eq!(p.max(), Duration::from_millis(100));
        assert_eq!(phase(&[7]).percentile(1.0), Duration::from_millis(7));
        assert_eq!(phase(&[]).percentile(99.0), Duration::ZERO);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_short_run_on_sqlite_answers_every_request_and_stores_every_checkout() {
        let report = measure(Backend::Sqlite, "", Duration::from_secs(1), 4)
            .await
            .unwrap();
        for phase in [&report.plans, &report.bare_plans, &report.checkout] {
            assert!(phase.ok > 0, "{}: nothing succeeded", phase.endpoint);
            assert_eq!(
                phase.errors, 0,
                "{}: {:?}",
                phase.endpoint, phase.first_error
            );
        }
        assert_eq!(report.backend, "sqlite");
        assert_eq!(report.subscriptions, report.checkout.ok as i64);
        check(&report).unwrap();
        let json = report.json();
        assert_eq!(json["database"], "sqlite");
        assert_eq!(json["endpoints"][0]["name"], PLANS);
        assert!(
            json["endpoints"][0]["baseline_rps"].as_f64().unwrap() > 0.0,
            "{json}"
        );
        assert_eq!(json["endpoints"][1]["name"], CHECKOUT);
        assert_eq!(json["endpoints"][1]["baseline_rps"], Value::Null);
        assert_eq!(json["endpoints"][1]["errors"], 0);
    }
}
