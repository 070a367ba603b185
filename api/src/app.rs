//! Builds the router and serves it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Request, Uri};
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::db::Db;
use crate::error::ApiError;
use crate::http::{AppState, health, middleware, openapi, rate_limit};

/// The full application router for this state.
pub fn router(state: AppState) -> Router {
    let (v1, portal, api_doc) = openapi::routers(Some(&state));
    let v1 = v1
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::idempotency,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::answers::forget_after_writes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::authenticate,
        ));
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    Router::new()
        .merge(v1)
        .merge(portal)
        .merge(SwaggerUi::new("/docs").url("/v1/openapi.json", api_doc))
        .nest_service("/widget", widget_assets(&state.config.widget_dir))
        .merge(crate::http::dashboard::routes())
        .merge(crate::http::hosted::routes().layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::hosted_page_headers,
        )))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(|uri: Uri| async move { ApiError::RouteNotFound(uri.path().to_owned()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(rate_limit::Limiters::new(
                &state.config.rate_limits,
                &state.config.trusted_proxies,
            )),
            rate_limit::limit,
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req
                .extensions()
                .get::<RequestId>()
                .and_then(|r| r.header_value().to_str().ok())
                .unwrap_or_default()
                .to_owned();
            tracing::info_span!("request", method = %req.method(), path = %loggable_path(req.uri()), request_id = %id)
        }).on_response(DefaultOnResponse::new().level(tracing::Level::INFO)))
        .layer(SetRequestIdLayer::new(request_id, UlidRequestId))
        .with_state(state)
}

/// The built widget (`renewly.js`, glue and wasm), loadable from any origin: the
/// API calls it makes are what the merchant's `allowed_origins` guard. The glue and
/// the wasm carry a content hash in their names and are cached for a year; the
/// loader, the URL merchants embed, for five minutes. Browsers that accept brotli
/// or gzip get the files compressed at build time.
fn widget_assets(dir: &std::path::Path) -> Router {
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([axum::http::Method::GET]);
    let files = tower_http::services::ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(widget_cache_headers))
        .layer(cors)
}

async fn widget_cache_headers(
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let hashed = is_content_hashed(req.uri().path());
    let mut resp = next.run(req).await;
    let status = resp.status();
    if status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED {
        let value = if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=300"
        };
        resp.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static(value),
        );
    }
    resp
}

/// `name-<16 hex>.ext`, as `cargo xtask widget` publishes the glue and the wasm.
fn is_content_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let Some((stem, _ext)) = file.rsplit_once('.') else {
        return false;
    };
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        hash.len() == 16
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The path with long segments (portal and quote tokens) masked, for logs.
fn loggable_path(uri: &Uri) -> String {
    uri.path()
        .split('/')
        .map(|seg| if seg.len() > 40 { "***" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

#[derive(Clone)]
struct UlidRequestId;

impl MakeRequestId for UlidRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let id = format!(
            "req_{}",
            ulid::Ulid::generate().to_string().to_ascii_lowercase()
        );
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// Connects to the database and applies pending migrations.
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(config.database_url.expose(), config.db_max_connections)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
    db.migrate()
        .await
        .map_err(|e| anyhow::anyhow!("cannot migrate the database: {e}"))?;
    Ok(db)
}

/// A running server, as tests and `renewly demo` use it.
pub struct Running {
    pub addr: SocketAddr,
    pub db: Db,
    /// The settings it runs with (`base_url` filled in with the bound address).
    pub config: Arc<Config>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, finishes running requests, and waits.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), &mut self.task).await;
    }
}

/// Opens the database, binds `config.listen` (port 0 picks a free one) and serves
/// in the background.
pub async fn spawn(config: Config) -> anyhow::Result<Running> {
    let db = open_database(&config).await?;
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let mut config = config;
    // Links (portal, e-mails) point at the address actually bound (port 0 in tests).
    config
        .base_url
        .get_or_insert_with(|| format!("http://{addr}"));
    let config = Arc::new(config);
    let state = AppState::new(db.clone(), config.clone());
    let app = router(state);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = rx.await;
        })
        .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "server stopped");
        }
    });
    Ok(Running {
        addr,
        db,
        config,
        shutdown: Some(tx),
        task,
    })
}

/// The work a server does besides answering requests: the billing pass on
/// every tick (with the hourly housekeeping) and the delivery of e-mails.
pub struct Background {
    billing: tokio::task::JoinHandle<()>,
    mailer: tokio::task::JoinHandle<()>,
}

impl Background {
    /// Starts both for a running server, with its settings.
    pub fn start(running: &Running) -> Self {
        let config = running.config.clone();
        let provider = crate::payments::Provider::for_config(&config);
        let billing = tokio::spawn(billing_ticker(
            running.db.clone(),
            provider,
            config.billing_tick,
            config.clone(),
        ));
        let mailer = crate::mail::spawn_worker(running.db.clone(), config, Duration::from_secs(10));
        Self { billing, mailer }
    }

    /// Stops both; each pass is idempotent, so one cut short is finished later.
    pub fn stop(self) {
        self.billing.abort();
        self.mailer.abort();
    }
}

/// Serves until Ctrl-C or SIGTERM, then drains running requests.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let running = spawn(config).await?;
    tracing::info!(url = %running.url(), database = running.db.backend(), "Renewly is listening");
    if let Some(reason) = crate::vault::Vault::for_config(&running.config).unavailable() {
        tracing::warn!("{reason}; until then no merchant can set Stripe keys");
    }
    let background = Background::start(&running);
    shutdown_signal().await;
    background.stop();
    tracing::info!("shutting down");
    running.stop().await;
    Ok(())
}

/// The housekeeping sweep, logged.
async fn housekeeping(db: &Db, config: &Config) {
    match crate::housekeeping::sweep(db, config, chrono::Utc::now()).await {
        Ok(s) if s != crate::housekeeping::Swept::default() => tracing::info!(
            idempotency_keys = s.idempotency_keys,
            email_bodies = s.email_bodies,
            vat_checks = s.vat_checks,
            "housekeeping"
        ),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "housekeeping failed; retrying within the hour"),
    }
}

/// Stale VIES answers asked again before a billing pass, logged.
async fn refresh_vat_numbers(db: &Db, vies: &crate::vies::Vies) {
    match crate::vies::refresh_stale(db, vies, chrono::Utc::now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(numbers = n, "VAT numbers verified again with VIES"),
        Err(e) => tracing::error!(error = %e, "VAT numbers could not be verified again"),
    }
}

/// Runs a billing pass for today on every tick (after asking VIES again about
/// VAT numbers whose answer is stale), and the housekeeping once an
/// hour. Each pass is idempotent, so an interrupted one is simply finished by the next.
async fn billing_ticker(
    db: Db,
    provider: crate::payments::Provider,
    tick: Duration,
    config: Arc<Config>,
) {
    let vies = crate::vies::Vies::new(&config);
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The sweep scans delivered e-mails: once an hour is soon enough for limits
    // counted in hours and days, and keeps it off every billing tick.
    let mut swept_at: Option<std::time::Instant> = None;
    loop {
        interval.tick().await;
        if swept_at.is_none_or(|at| at.elapsed() >= crate::housekeeping::EVERY) {
            swept_at = Some(std::time::Instant::now());
            housekeeping(&db, &config).await;
        }
        refresh_vat_numbers(&db, &vies).await;
        let today = crate::billing::clock::calendar_today();
        match crate::billing::worker::run_day(
            &db,
            &provider,
            crate::billing::worker::Filter::RealTime,
            today,
        )
        .await
        {
            Ok(s) if s != crate::billing::worker::Summary::default() => tracing::info!(
                invoices = s.invoices_created,
                charged = s.charges_succeeded,
                failed = s.charges_failed,
                closed = s.subscriptions_closed,
                "billing pass"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "billing pass failed; retrying on the next tick"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use tower::ServiceExt;

    use super::*;

    #[test]
    fn content_hashed_names_are_recognised() {
        assert!(is_content_hashed(
            "/renewly_widget_bg-0123456789abcdef.wasm"
        ));
        assert!(is_content_hashed("/renewly_widget-fedcba9876543210.js"));
        assert!(!is_content_hashed("/renewly.js"));
        assert!(!is_content_hashed(
            "/renewly_widget_bg-0123456789ABCDEF.wasm"
        ));
        assert!(!is_content_hashed("/renewly_widget_bg-0123.wasm"));
        assert!(!is_content_hashed("/renewly_widget_bg-0123456789abcdef"));
    }

    async fn get(dir: &std::path::Path, path: &str, encoding: &str) -> axum::response::Response {
        let req = Request::builder()
            .uri(path)
            .header(header::ACCEPT_ENCODING, encoding)
            .header(header::ORIGIN, "https://shop.example")
            .body(Body::empty())
            .unwrap();
        widget_assets(dir).oneshot(req).await.unwrap()
    }

    #[tokio::test]
    async fn widget_files_carry_cache_headers_types_and_compressed_bodies() {
        let dir = std::env::temp_dir().join(format!("renewly-widget-{}", ulid::Ulid::generate()));
        std::fs::create_dir_all(&dir).unwrap();
        let wasm = "renewly_widget_bg-0123456789abcdef.wasm";
        std::fs::write(dir.join(wasm), b"\0asm-raw").unwrap();
        std::fs::write(dir.join(format!("{wasm}.gz")), b"gzipped").unwrap();
        std::fs::write(dir.join(format!("{wasm}.br")), b"brotli").unwrap();
        std::fs::write(dir.join("renewly.js"), b"// loader").unwrap();

        let r = get(&dir, &format!("/{wasm}"), "gzip, br").await;
        assert_eq!(r.status(), StatusCode::OK);
        let h = r.headers();
        assert_eq!(h[header::CONTENT_TYPE], "application/wasm");
        assert_eq!(
            h[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(h[header::CONTENT_ENCODING], "br");
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        let body = axum::body::to_bytes(r.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"brotli");

        let r = get(&dir, &format!("/{wasm}"), "gzip").await;
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
        let r = get(&dir, &format!("/{wasm}"), "identity").await;
        assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
        let body = axum::body::to_bytes(r.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"\0asm-raw");

        let r = get(&dir, "/renewly.js", "").await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CACHE_CONTROL], "public, max-age=300");
        assert!(
            r.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .contains("javascript")
        );

        let r = get(&dir, "/renewly_widget_bg-aaaaaaaaaaaaaaaa.wasm", "").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(r.headers().get(header::CACHE_CONTROL).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
