//! The widget's client for the public API: publishable key in `Authorization`,
//! JSON in, JSON or RFC 9457 problem+json out.

use gloo_net::http::{Request, RequestBuilder};
use renewly_types::{CheckoutPreview, CheckoutRequest, Problem, PublicPlan};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No answer: offline, blocked by CORS, server down.
    Network,
    /// The API answered with a problem document.
    Problem(Problem),
}

impl ApiError {
    /// The problem's `param` with its HTTP status and code, when the API named one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Self::Network => None,
            Self::Problem(p) => Some(p),
        }
    }
}

/// A completed `POST /v1/public/checkout`. The subscription and invoice are kept
/// as JSON: they are handed to the host page in the `renewly:subscribed` event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Subscribed {
    /// `active` or `requires_action`.
    pub status: String,
    pub subscription: Value,
    #[serde(default)]
    pub invoice: Option<Value>,
    /// The customer's portal link, when the API makes one.
    #[serde(default)]
    pub portal_url: Option<String>,
}

impl Subscribed {
    /// The subscription's id (`sub_…`).
    pub fn subscription_id(&self) -> &str {
        self.subscription["id"].as_str().unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct Data<T> {
    data: Vec<T>,
}

/// Talks to one Renewly API with one publishable key.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    base: String,
    key: String,
}

impl Client {
    pub fn new(base: &str, key: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            key: key.trim().to_owned(),
        }
    }

    /// Whether the key is a test key (test cards may be shown).
    pub fn is_test(&self) -> bool {
        self.key.starts_with("pk_test_") || self.key.starts_with("sk_test_")
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn authorised(&self, builder: RequestBuilder) -> RequestBuilder {
        builder.header("Authorization", &format!("Bearer {}", self.key))
    }

    /// `GET /v1/public/plans`: the listed plans (all published ones when empty).
    pub async fn plans(&self, ids: &[String]) -> Result<Vec<PublicPlan>, ApiError> {
        let mut url = self.url("/v1/public/plans");
        if !ids.is_empty() {
            let joined = ids.join(",");
            url.push_str("?plans=");
            url.push_str(&String::from(js_sys::encode_uri_component(&joined)));
        }
        let list: Data<PublicPlan> = send(self.authorised(Request::get(&url)), None).await?;
        Ok(list.data)
    }

    /// `POST /v1/public/checkout/preview`: the first invoice's numbers.
    pub async fn preview(&self, req: &CheckoutRequest) -> Result<CheckoutPreview, ApiError> {
        let builder = self.authorised(Request::post(&self.url("/v1/public/checkout/preview")));
        send(builder, Some(body(req)?)).await
    }

    /// `POST /v1/public/checkout`; `idempotency_key` makes a retry safe.
    pub async fn checkout(
        &self,
        req: &CheckoutRequest,
        idempotency_key: &str,
    ) -> Result<Subscribed, ApiError> {
        let builder = self
            .authorised(Request::post(&self.url("/v1/public/checkout")))
            .header("Idempotency-Key", idempotency_key);
        send(builder, Some(body(req)?)).await
    }

    /// `POST /v1/public/checkout/{id}/confirm`: the subscription once paid.
    pub async fn confirm(&self, subscription: &str) -> Result<Value, ApiError> {
        let id = String::from(js_sys::encode_uri_component(subscription));
        let url = self.url(&format!("/v1/public/checkout/{id}/confirm"));
        send(self.authorised(Request::post(&url)), Some("{}".to_owned())).await
    }
}

fn body(req: &CheckoutRequest) -> Result<String, ApiError> {
    serde_json::to_string(req).map_err(|e| local_problem(&e.to_string()))
}

fn local_problem(detail: &str) -> ApiError {
    ApiError::Problem(Problem {
        kind: "about:blank".to_owned(),
        title: "Client error".to_owned(),
        status: 0,
        detail: detail.to_owned(),
        code: "client_error".to_owned(),
        param: None,
    })
}

async fn send<T: DeserializeOwned>(
    builder: RequestBuilder,
    json: Option<String>,
) -> Result<T, ApiError> {
    let request = match json {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body),
        None => builder.build(),
    }
    .map_err(|_| ApiError::Network)?;
    let response = request.send().await.map_err(|_| ApiError::Network)?;
    let status = response.status();
    let text = response.text().await.map_err(|_| ApiError::Network)?;
    if response.ok() {
        return serde_json::from_str(&text).map_err(|e| local_problem(&e.to_string()));
    }
    Err(ApiError::Problem(
        serde_json::from_str::<Problem>(&text).unwrap_or_else(|_| Problem {
            kind: "about:blank".to_owned(),
            title: "HTTP error".to_owned(),
            status,
            detail: text.chars().take(300).collect(),
            code: "http_error".to_owned(),
            param: None,
        }),
    ))
}
