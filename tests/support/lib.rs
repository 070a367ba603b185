//! Test support: the real Renewly server on a fresh SQLite or PostgreSQL database,
//! and a small HTTP client for it.
//!
//! Every scenario written with [`scenarios!`] runs twice, as `…::sqlite` and
//! `…::postgres`. PostgreSQL is reached at `RENEWLY_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each test gets its own database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod cluster;
pub mod fixtures;
pub mod localstripe;
pub mod tools;

use renewly::app::{Running, spawn};
use renewly::config::Config;
use renewly::store::merchants::{NewMerchant, create_merchant};
use serde_json::Value;

/// Which database a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A merchant's id and test keys.
#[derive(Debug, Clone)]
pub struct Keys {
    pub merchant: String,
    pub sk: String,
    pub pk: String,
    pub live_sk: Option<String>,
    pub live_pk: Option<String>,
}

/// A running server with one merchant ("Acme", NL, EUR) already created.
pub struct TestApp {
    pub backend: Backend,
    pub url: String,
    pub client: reqwest::Client,
    /// The first merchant, with test and live keys.
    pub keys: Keys,
    /// The database the server runs on (for a second process to share it).
    pub database_url: String,
    /// Where the test provider notes every charge request (for a second process
    /// too: `RENEWLY_TEST_PROVIDER_LEDGER`); see [`TestApp::provider_charges`].
    pub provider_ledger: std::path::PathBuf,
    running: Option<Running>,
    /// Taken by [`TestApp::finish`]; what is left is done by `Drop`.
    cleanup: Option<Cleanup>,
}

/// What a test leaves behind: its SQLite file or its PostgreSQL database.
enum Cleanup {
    File(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

impl Cleanup {
    async fn run(self) {
        match self {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Database { admin_url, name } => {
                use sqlx::Connection;
                // No panic here: this also runs while a failed test unwinds.
                let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await else {
                    return;
                };
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await;
                let _ = admin.close().await;
            }
        }
    }
}

/// A test that panics never reaches [`TestApp::finish`]: the server is stopped
/// (dropping it sends its shutdown signal) and the database removed here. Drop
/// cannot await, and the test's own runtime may be the one unwinding, so the
/// database is dropped from a thread with a runtime of its own.
impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.running.take());
        let _ = std::fs::remove_file(&self.provider_ledger);
        let Some(cleanup) = self.cleanup.take() else {
            return;
        };
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(cleanup.run());
            }
        })
        .join();
    }
}

/// What the test provider was asked under one idempotency key: it charges once
/// per key, so each entry is one charge at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderCharge {
    pub amount: String,
    pub currency: String,
    pub outcome: String,
    /// How many requests carried the key (retries answered with the same charge).
    pub requests: u32,
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: Value,
}

impl Resp {
    /// The header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json answer with this status, code and (when given) param.
    pub fn assert_problem(&self, status: u16, code: &str, param: Option<&str>) {
        assert_eq!(self.status, status, "status of {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "content type of {}",
            self.text
        );
        assert_eq!(self.body["code"], code, "code of {}", self.text);
        assert_eq!(self.body["status"], status, "status field of {}", self.text);
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
        match param {
            Some(p) => assert_eq!(self.body["param"], p, "param of {}", self.text),
            None => assert!(
                self.body.get("param").is_none(),
                "unexpected param in {}",
                self.text
            ),
        }
    }
}

/// The PostgreSQL server the tests make their databases on (`RENEWLY_TEST_PG_URL`).
pub fn pg_admin_url() -> String {
    std::env::var("RENEWLY_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn unique() -> String {
    ulid::Ulid::generate().to_string().to_ascii_lowercase()
}

impl TestApp {
    /// Starts the server on a fresh database of `backend` and creates the first
    /// merchant.
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    /// Like [`Self::start`], with settings changed by `configure` first (e.g.
    /// rate limits, which scenarios run without).
    pub async fn start_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Self {
        Self::start_at(backend, pg_admin_url(), configure).await
    }

    /// Starts the server on a fresh database of the PostgreSQL server at
    /// `admin_url` (such as a private [`cluster::Cluster`]).
    pub async fn start_on_postgres(admin_url: &str) -> Self {
        Self::start_at(Backend::Postgres, admin_url.to_owned(), |_| {}).await
    }

    async fn start_at(
        backend: Backend,
        admin_url: String,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("renewly-test-{}.db", unique()));
                (format!("sqlite://{}", path.display()), Cleanup::File(path))
            }
            Backend::Postgres => {
                let name = format!("renewly_t_{}", unique());
                let mut admin = admin_connection(&admin_url).await;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .expect("create the test database");
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b)
                    .unwrap_or(&admin_url);
                (
                    format!("{base}/{name}"),
                    Cleanup::Database { admin_url, name },
                )
            }
        };
        let mut config = Config::for_database(&url);
        let provider_ledger =
            std::env::temp_dir().join(format!("renewly-provider-{}.tsv", unique()));
        config.test_provider_ledger = Some(provider_ledger.clone());
        // Stripe secrets are sealed under a master key; PostgreSQL needs it set.
        config.master_key = Some(renewly::config::MasterKey::new([42; 32]));
        configure(&mut config);
        let running = spawn(config).await.expect("start the server");
        let database_url = url.clone();
        let new = NewMerchant {
            name: "Acme".to_owned(),
            country: "NL".to_owned(),
            currency: "EUR".to_owned(),
        };
        let keys = merchant_keys(&running, &new, true).await;
        Self {
            backend,
            url: running.url(),
            client: reqwest::Client::new(),
            keys,
            database_url,
            provider_ledger,
            running: Some(running),
            cleanup: Some(cleanup),
        }
    }

    /// Creates another merchant (test keys only).
    pub async fn new_merchant(&self, name: &str, country: &str, currency: &str) -> Keys {
        let new = NewMerchant {
            name: name.to_owned(),
            country: country.to_owned(),
            currency: currency.to_owned(),
        };
        merchant_keys(self.running(), &new, false).await
    }

    fn running(&self) -> &Running {
        self.running.as_ref().expect("server running")
    }

    /// The server's database pool, for assertions on stored rows.
    pub fn db(&self) -> &renewly::db::Db {
        &self.running().db
    }

    /// The charges the test provider made, by idempotency key. Every request
    /// under one key must have asked for the same amount.
    pub fn provider_charges(&self) -> std::collections::BTreeMap<String, ProviderCharge> {
        provider_charges_in(&self.provider_ledger)
    }

    /// Sends a request with the given key (or none) and optional JSON body.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.client.request(method, format!("{}{}", self.url, path));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        read(req.send().await.expect("request sent")).await
    }

    /// `GET` with the first merchant's secret test key.
    pub async fn get(&self, path: &str) -> Resp {
        self.send(reqwest::Method::GET, path, Some(&self.keys.sk), None, &[])
            .await
    }

    /// `POST` JSON with the first merchant's secret test key.
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(
            reqwest::Method::POST,
            path,
            Some(&self.keys.sk),
            Some(&body),
            &[],
        )
        .await
    }

    /// `PATCH` JSON with the first merchant's secret test key.
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.send(
            reqwest::Method::PATCH,
            path,
            Some(&self.keys.sk),
            Some(&body),
            &[],
        )
        .await
    }

    /// `GET` with another key.
    pub async fn get_as(&self, key: &str, path: &str) -> Resp {
        self.send(reqwest::Method::GET, path, Some(key), None, &[])
            .await
    }

    /// `POST` JSON with another key.
    pub async fn post_as(&self, key: &str, path: &str, body: Value) -> Resp {
        self.send(reqwest::Method::POST, path, Some(key), Some(&body), &[])
            .await
    }

    /// `PATCH` JSON with another key.
    pub async fn patch_as(&self, key: &str, path: &str, body: Value) -> Resp {
        self.send(reqwest::Method::PATCH, path, Some(key), Some(&body), &[])
            .await
    }

    /// `POST` a raw body (not necessarily JSON) with the secret key.
    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> Resp {
        let key = Some(self.keys.sk.as_str());
        self.send_text(reqwest::Method::POST, path, key, body, &[])
            .await
    }

    /// Sends a body as given, labelled JSON, as a client that writes its own
    /// JSON sends it.
    pub async fn send_text(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        body: impl Into<reqwest::Body>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.url, path))
            .header("content-type", "application/json")
            .body(body);
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        read(req.send().await.expect("request sent")).await
    }

    /// Stops the server and drops the database.
    pub async fn finish(mut self) {
        if let Some(running) = self.running.take() {
            let db = running.db.clone();
            running.stop().await;
            db.close().await;
        }
        if let Some(cleanup) = self.cleanup.take() {
            cleanup.run().await;
        }
    }
}

/// The charges the test provider noted in the ledger file at `path`
/// (`RENEWLY_TEST_PROVIDER_LEDGER`), by idempotency key. Every request under one
/// key must have asked for the same amount.
pub fn provider_charges_in(
    path: &std::path::Path,
) -> std::collections::BTreeMap<String, ProviderCharge> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut charges = std::collections::BTreeMap::<String, ProviderCharge>::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 4, "ledger line {line:?}");
        let entry = charges.entry(f[0].to_owned()).or_insert(ProviderCharge {
            amount: f[1].to_owned(),
            currency: f[2].to_owned(),
            outcome: f[3].to_owned(),
            requests: 0,
        });
        assert_eq!(
            (entry.amount.as_str(), entry.currency.as_str()),
            (f[1], f[2]),
            "one key, one charge: {line:?}"
        );
        entry.requests += 1;
    }
    charges
}

async fn admin_connection(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(url).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is needed for the postgres scenarios ({e}). Start it \
             (pg_ctlcluster $(ls /etc/postgresql) main start) or set RENEWLY_TEST_PG_URL."
        )
    })
}

async fn merchant_keys(running: &Running, new: &NewMerchant, live: bool) -> Keys {
    let (merchant, keys) = create_merchant(&running.db, new, live)
        .await
        .expect("create merchant");
    let find = |kind: &str, livemode: bool| {
        keys.iter()
            .find(|k| k.kind == kind && k.livemode == livemode)
            .map(|k| k.key.clone())
    };
    Keys {
        merchant,
        sk: find("secret", false).expect("secret key"),
        pk: find("publishable", false).expect("publishable key"),
        live_sk: find("secret", true),
        live_pk: find("publishable", true),
    }
}

async fn read(resp: reqwest::Response) -> Resp {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body read");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        body,
    }
}

/// Declares scenarios that each run on SQLite and on PostgreSQL:
///
/// ```ignore
/// scenarios! {
///     async fn a_product_can_be_created(app) {
///         let r = app.post("/v1/products", json!({"name": "Pro"})).await;
///         assert_eq!(r.status, 201);
///     }
/// }
/// ```
#[macro_export]
macro_rules! scenarios {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: &$crate::TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $crate::TestApp::start($crate::Backend::Sqlite).await;
                    run(&app).await;
                    app.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let app = $crate::TestApp::start($crate::Backend::Postgres).await;
                    run(&app).await;
                    app.finish().await;
                }
            }
        )*
    };
}

/// Like [`scenarios!`], with something started before the server (such as a
/// stand-in for an outside service) that changes the server's settings:
/// `$setup().await` makes it, `$configure(&it, &mut config)` applies it, and
/// each scenario receives it as its second argument.
///
/// ```ignore
/// scenarios_with! { StandIn::start => StandIn, StandIn::configure;
///     async fn vies_is_asked_once(app, vies) {
///         assert_eq!(vies.calls(), 0);
///     }
/// }
/// ```
#[macro_export]
macro_rules! scenarios_with {
    ($setup:path => $ty:ty, $configure:path;
     $(async fn $name:ident($app:ident, $ctx:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: &$crate::TestApp, $ctx: &$ty) $body

                async fn on(backend: $crate::Backend) {
                    let ctx: $ty = $setup().await;
                    let app = $crate::TestApp::start_with(backend, |c| $configure(&ctx, c)).await;
                    run(&app, &ctx).await;
                    app.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    on($crate::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    on($crate::Backend::Postgres).await;
                }
            }
        )*
    };
}
