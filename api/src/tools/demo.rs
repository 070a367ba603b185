//! `renewly demo`: a demo merchant with a believable catalog, the API, and the demo
//! merchant site on a second origin that embeds the widget.
//!
//! The catalog, and the history of [`history`], are created through the public
//! HTTP API (in process, [`Api`]), so the demo exercises exactly what a developer
//! would call.

pub mod client;
pub mod history;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use renewly_types::{BillingSummary, TestClock};
use serde_json::json;

use crate::app;
use crate::billing::clock;
use crate::config::Config;
use crate::db::Db;
use crate::store::Scope;
use crate::store::merchants::{self, NewMerchant};

pub use client::{Api, ApiKey};
use history::HistoryOptions;

/// Where the demo keeps the keys it made (they are stored hashed in the database).
const KEYS_FILE: &str = "renewly-demo.json";

/// The demo merchant's id and test keys.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DemoKeys {
    pub merchant: String,
    pub secret_key: String,
    pub publishable_key: String,
    #[serde(default)]
    pub plans: Vec<String>,
}

/// Seeds (once) and serves the demo: API on `config.listen`, site on `site`.
/// With `history`, a new demo merchant also gets about two years of customers
/// and billing ([`history`]).
pub async fn run(
    config: Config,
    site: SocketAddr,
    site_dir: PathBuf,
    history: bool,
) -> anyhow::Result<()> {
    let db = app::open_database(&config).await?;
    let site_origin = format!("http://{site}");
    let keys = ensure_seeded(&db, &config, &site_origin, history).await?;
    db.close().await;

    let running = app::spawn(config).await?;
    // Renewals due in real time and e-mails (to `.eml` files by default) go out
    // as in `renewly serve`.
    let background = app::Background::start(&running);
    let api = running.url();
    let site_listener = tokio::net::TcpListener::bind(site).await?;
    let site_state = SiteState {
        dir: site_dir,
        api: api.clone(),
        keys: keys.clone(),
    };
    let site_app = Router::new()
        .fallback(serve_site_file)
        .with_state(site_state);
    let site_task = tokio::spawn(async move { axum::serve(site_listener, site_app).await });

    println!();
    println!("  Renewly demo is running");
    println!("  ───────────────────────");
    println!("  Merchant site (embeds the widget):  {site_origin}/");
    println!("  API:                                {api}/v1");
    println!("  API docs:                           {api}/docs");
    println!("  Revenue dashboard (sign in with the secret key): {api}/dashboard");
    println!("  Merchant id:                        {}", keys.merchant);
    println!("  Secret key (test):                  {}", keys.secret_key);
    println!(
        "  Publishable key (test):             {}",
        keys.publishable_key
    );
    println!();
    println!(
        "  Try: curl -s {api}/v1/plans -H 'Authorization: Bearer {}'",
        keys.secret_key
    );
    println!("  Stop with Ctrl-C.");
    println!();

    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        r = site_task => { r??; }
    }
    background.stop();
    running.stop().await;
    Ok(())
}

/// Creates the demo merchant, its catalog and (with `history`) its past unless
/// the keys file names one that exists; an existing one has its test clock
/// brought up to today, so that renewals due meanwhile happen.
async fn ensure_seeded(
    db: &Db,
    config: &Config,
    site_origin: &str,
    history: bool,
) -> anyhow::Result<DemoKeys> {
    if let Ok(raw) = std::fs::read_to_string(KEYS_FILE) {
        if let Ok(keys) = serde_json::from_str::<DemoKeys>(&raw) {
            if merchants::merchant_exists(db, &keys.merchant).await? {
                let api = Api::for_database(db, config, &keys.secret_key, &keys.publishable_key);
                catch_up(&api).await?;
                return Ok(keys);
            }
        }
    }
    let new = NewMerchant {
        name: "Northwind Cloud".to_owned(),
        country: "NL".to_owned(),
        currency: "EUR".to_owned(),
    };
    let (merchant, made) = merchants::create_merchant(db, &new, false).await?;
    let key = |kind: &str| {
        made.iter()
            .find(|k| k.kind == kind)
            .map(|k| k.key.clone())
            .ok_or_else(|| anyhow::anyhow!("no {kind} key was made"))
    };
    let mut keys = DemoKeys {
        merchant: merchant.clone(),
        secret_key: key("secret")?,
        publishable_key: key("publishable")?,
        plans: Vec::new(),
    };
    let api = Api::for_database(db, config, &keys.secret_key, &keys.publishable_key);
    keys.plans = seed_catalog(&api, site_origin).await?;
    if history {
        let started = std::time::Instant::now();
        println!("  Seeding two years of demo history (renewly demo --no-history skips it)…");
        let made = history::seed_history(&api, HistoryOptions::default()).await?;
        println!(
            "  History {} → {}: {} customers, {} subscriptions, {} invoices, {} failed payments ({:.1} s)",
            made.from,
            made.to,
            made.customers,
            made.subscriptions,
            made.invoices,
            made.failed_payments,
            started.elapsed().as_secs_f64()
        );
    }
    let scope = Scope {
        merchant_id: merchant,
        livemode: false,
    };
    if merchants::get_merchant(db, &scope).await?.is_none() {
        anyhow::bail!("the demo merchant vanished while seeding");
    }
    std::fs::write(KEYS_FILE, serde_json::to_string_pretty(&keys)?)?;
    Ok(keys)
}

/// Moves the demo merchant's test clock (when it runs one) forward to the
/// calendar today, running the billing days in between.
async fn catch_up(api: &Api) -> anyhow::Result<()> {
    let clock: TestClock = api.get_as("/v1/test_clock").await?;
    let today = clock::calendar_today();
    let now: chrono::NaiveDate = clock.now.parse()?;
    if now >= today {
        return Ok(());
    }
    let ran: BillingSummary = serde_json::from_value(
        api.call(
            "POST",
            "/v1/test_clock/advance",
            json!({"to": today.to_string()}),
        )
        .await?,
    )?;
    println!(
        "  Test clock moved from {now} to {today}: {} invoices, {} charges, {} failed",
        ran.invoices_created, ran.charges_succeeded, ran.charges_failed
    );
    Ok(())
}

/// The demo catalog: three plans with monthly and yearly prices, add-ons, a setup
/// fee and a plan that requires a signature. Returns the plan ids in display order.
pub async fn seed_catalog(api: &Api, site_origin: &str) -> anyhow::Result<Vec<String>> {
    api.call(
        "PATCH",
        "/v1/merchant",
        json!({
            "allowed_origins": [site_origin],
            "vat_number": "NL004495445B01",
            "timezone": "Europe/Amsterdam",
            "address": {"line1": "Keizersgracht 1", "city": "Amsterdam", "postal_code": "1015 CC", "country": "NL"}
        }),
    )
    .await?;
    for (name, email) in [
        ("Alice de Vries", "alice@northwind.example"),
        ("Bram Jansen", "bram@northwind.example"),
    ] {
        api.id("/v1/users", json!({"name": name, "email": email}))
            .await?;
    }
    let extras = Extras::create(api).await?;
    let mut plans = Vec::new();
    for tier in TIERS {
        plans.push(tier.create(api, &extras).await?);
    }
    Ok(plans)
}

/// The demo's add-on (monthly and yearly) and setup fee.
struct Extras {
    storage_monthly: String,
    storage_yearly: String,
    setup_fee: String,
}

fn every(interval: &str) -> serde_json::Value {
    json!({"interval": interval, "interval_count": 1})
}

impl Extras {
    async fn create(api: &Api) -> anyhow::Result<Self> {
        let storage = api
            .id(
                "/v1/products",
                json!({"name": "Extra storage", "description": "100 GB more", "unit": "GB"}),
            )
            .await?;
        let storage_monthly = api
            .id("/v1/prices", json!({"product": storage, "unit_amount": "5.00", "recurring": every("month"), "nickname": "Monthly"}))
            .await?;
        let storage_yearly = api
            .id("/v1/prices", json!({"product": storage, "unit_amount": "50.00", "recurring": every("year"), "nickname": "Yearly"}))
            .await?;
        let onboarding = api
            .id(
                "/v1/products",
                json!({"name": "Onboarding session", "kind": "one_off", "unit": "session"}),
            )
            .await?;
        let setup_fee = api
            .id(
                "/v1/prices",
                json!({"product": onboarding, "unit_amount": "49.00"}),
            )
            .await?;
        Ok(Self {
            storage_monthly,
            storage_yearly,
            setup_fee,
        })
    }
}

/// One of the demo's plans.
struct Tier {
    name: &'static str,
    description: &'static str,
    monthly: &'static str,
    yearly: &'static str,
    signature: bool,
    features: &'static [&'static str],
}

const TIERS: [Tier; 3] = [
    Tier {
        name: "Starter",
        description: "For freelancers getting started",
        monthly: "9.00",
        yearly: "90.00",
        signature: false,
        features: &["1 user", "10 GB storage", "Email support"],
    },
    Tier {
        name: "Pro",
        description: "For growing teams",
        monthly: "29.00",
        yearly: "290.00",
        signature: false,
        features: &[
            "Up to 10 users",
            "100 GB storage",
            "Priority support",
            "Add-ons available",
        ],
    },
    Tier {
        name: "Business",
        description: "For companies that need a contract",
        monthly: "99.00",
        yearly: "990.00",
        signature: true,
        features: &[
            "Unlimited users",
            "1 TB storage",
            "Dedicated manager",
            "Signed agreement",
        ],
    },
];

impl Tier {
    /// Its product, monthly and yearly prices and plan; returns the plan's id.
    async fn create(&self, api: &Api, extras: &Extras) -> anyhow::Result<String> {
        let Self {
            name,
            description,
            monthly,
            yearly,
            signature,
            features,
        } = *self;
        let product = api
            .id(
                "/v1/products",
                json!({"name": name, "description": description, "unit": "seat"}),
            )
            .await?;
        let m = api
            .id("/v1/prices", json!({"product": product, "unit_amount": monthly, "recurring": every("month"), "nickname": "Monthly"}))
            .await?;
        let y = api
            .id("/v1/prices", json!({"product": product, "unit_amount": yearly, "recurring": every("year"), "nickname": "Yearly"}))
            .await?;
        let mut plan = json!({
            "name": name,
            "description": description,
            "prices": [m, y],
            "features": features,
            "published": true,
            "trial_days": 0,
            "require_signature": signature,
            "terms": format!("Northwind Cloud {name} terms of service: the subscription renews automatically until cancelled; cancellation takes effect at the end of the paid period."),
            "close_reasons": [
                {"name": "Too expensive", "retention_offer": "Stay and get 20% off your next three months."},
                {"name": "Missing features"},
                {"name": "Switching to another product"},
                {"name": "No longer needed"}
            ],
            "customer_rights": {"change": "upgrade_downgrade", "can_close": true, "can_pause": name != "Business", "can_change_quantity": true}
        });
        if name != "Starter" {
            plan["addons"] = json!([extras.storage_monthly, extras.storage_yearly]);
        }
        if name == "Pro" {
            plan["setup_fee"] = json!(extras.setup_fee);
        }
        api.id("/v1/plans", plan).await
    }
}

#[derive(Clone)]
struct SiteState {
    dir: PathBuf,
    api: String,
    keys: DemoKeys,
}

/// Serves the demo site's files, filling in the API origin, key and plan ids.
async fn serve_site_file(State(state): State<SiteState>, req: Request<Body>) -> Response {
    let path = req.uri().path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    if path
        .split('/')
        .any(|seg| seg == ".." || seg.starts_with('.'))
    {
        return StatusCode::NOT_FOUND.into_response();
    }
    let file = state.dir.join(path);
    let Ok(bytes) = tokio::fs::read(&file).await else {
        return (StatusCode::NOT_FOUND, Html("<h1>Not found</h1>")).into_response();
    };
    let content_type = content_type(&file);
    if content_type.starts_with("text/html") {
        let html = String::from_utf8_lossy(&bytes)
            .replace("{{API}}", &state.api)
            .replace("{{PUBLISHABLE_KEY}}", &state.keys.publishable_key)
            .replace("{{PLANS}}", &state.keys.plans.join(" "));
        return ([(header::CONTENT_TYPE, content_type)], html).into_response();
    }
    ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}
