//! The demo's in-process API client: the full router called with a merchant's
//! test keys, shared by the catalog seeding and the history.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;

use crate::app;
use crate::config::Config;
use crate::db::Db;
use crate::http::AppState;

/// Which of the merchant's keys a call is made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKey {
    /// `sk_test_…`: the merchant's own calls.
    Secret,
    /// `pk_test_…`: what the widget and other public callers use.
    Publishable,
}

/// The HTTP API called in process with a merchant's test keys, so that the demo
/// seeds through exactly what a developer would call.
pub struct Api {
    router: Router,
    secret_key: String,
    publishable_key: String,
}

impl Api {
    /// The full router of `state`, called with these keys.
    pub fn new(state: AppState, secret_key: &str, publishable_key: &str) -> Self {
        Self {
            router: app::router(state),
            secret_key: secret_key.to_owned(),
            publishable_key: publishable_key.to_owned(),
        }
    }

    /// The API on `db` with the settings (payment provider, links) of `config`.
    pub fn for_database(db: &Db, config: &Config, secret_key: &str, publishable_key: &str) -> Self {
        // The history is the merchant's own tool playing months of traffic from
        // one process: no client rate limits apply to it.
        let config = Config {
            rate_limits: crate::config::RateLimits::off(),
            ..config.clone()
        };
        let state = AppState::new(db.clone(), std::sync::Arc::new(config));
        Self::new(state, secret_key, publishable_key)
    }

    /// Sends a request (a JSON body, or none) and answers the status and the
    /// body as JSON (`Null` when empty), whatever the status.
    pub async fn send(
        &self,
        key: ApiKey,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<(StatusCode, Value)> {
        let key = match key {
            ApiKey::Secret => &self.secret_key,
            ApiKey::Publishable => &self.publishable_key,
        };
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .header(header::USER_AGENT, "renewly-demo");
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string()))?,
            None => req.body(Body::empty())?,
        };
        let resp = self.router.clone().oneshot(req).await?;
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok((status, value))
    }

    /// A call with the secret key; any answer but a success is an error.
    pub async fn call(&self, method: &str, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call_with(ApiKey::Secret, method, path, body).await
    }

    /// A call with the given key; any answer but a success is an error.
    pub async fn call_with(
        &self,
        key: ApiKey,
        method: &str,
        path: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        let (status, value) = self.send(key, method, path, Some(&body)).await?;
        if !status.is_success() {
            anyhow::bail!("demo {method} {path} failed: {status} {value}");
        }
        Ok(value)
    }

    /// `GET` with the secret key, read as `T`.
    pub async fn get_as<T: serde::de::DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let (status, value) = self.send(ApiKey::Secret, "GET", path, None).await?;
        if !status.is_success() {
            anyhow::bail!("demo GET {path} failed: {status} {value}");
        }
        serde_json::from_value(value)
            .map_err(|e| anyhow::anyhow!("demo GET {path} answered an unexpected shape: {e}"))
    }

    /// `POST` with the secret key; the id of what was made.
    pub async fn id(&self, path: &str, body: Value) -> anyhow::Result<String> {
        let v = self.call("POST", path, body).await?;
        v["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("no id from {path}"))
    }
}
