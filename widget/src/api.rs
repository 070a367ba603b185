//! The widget's client for the public API: publishable key in `Authorization`,
//! JSON in, JSON or RFC 9457 problem+json out.

use gloo_net::http::{Request, RequestBuilder};
use renewly_types::{
    AddPortalPaymentMethod, ChangeSubscription, CheckoutPreview, CheckoutRequest, Invoice,
    PaymentMethod, PortalCancel, PortalCancellation, PortalChangeResult, PortalOverview,
    PortalSubscription, Problem, PublicPlan,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No answer: offline, blocked by CORS, server down.
    Network,
    /// The API answered with a problem document.
    Problem(Box<Problem>),
}

impl ApiError {
    /// The problem's `param` with its HTTP status and code, when the API named one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Self::Network => None,
            Self::Problem(p) => Some(p.as_ref()),
        }
    }
}

/// A completed `POST /v1/public/checkout`. The subscription and invoice are kept
/// as the JSON text the API sent: they are handed to the host page as they are in
/// the `renewly:subscribed` event; only the fields shown are read.
#[derive(Debug, Clone, Deserialize)]
pub struct Subscribed {
    /// `active` or `requires_action`.
    pub status: String,
    pub subscription: Box<RawValue>,
    #[serde(default)]
    pub invoice: Option<Box<RawValue>>,
    /// The customer's portal link, when the API makes one.
    #[serde(default)]
    pub portal_url: Option<String>,
    /// Set once the shopper confirmed the payment (the invoice above predates it).
    #[serde(skip)]
    pub confirmed: bool,
}

impl PartialEq for Subscribed {
    fn eq(&self, other: &Self) -> bool {
        self.subscription.get() == other.subscription.get()
            && self.invoice.as_ref().map(|i| i.get()) == other.invoice.as_ref().map(|i| i.get())
            && self.status == other.status
            && self.portal_url == other.portal_url
    }
}

/// What the confirmation shows of the subscription.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubscriptionInfo {
    pub id: String,
    #[serde(default)]
    pub next_invoice_date: Option<String>,
}

/// What the confirmation shows of the invoice.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InvoiceInfo {
    pub number: String,
    /// `paid`, `open`, …
    #[serde(default)]
    pub status: String,
    pub currency: String,
    pub total: rust_decimal::Decimal,
}

impl Subscribed {
    pub fn subscription_info(&self) -> SubscriptionInfo {
        serde_json::from_str(self.subscription.get()).unwrap_or_default()
    }

    pub fn invoice_info(&self) -> Option<InvoiceInfo> {
        serde_json::from_str(self.invoice.as_ref()?.get()).ok()
    }

    /// `{"subscription": …, "invoice": …}` for the event's detail.
    pub fn detail_json(&self) -> String {
        let invoice = self.invoice.as_ref().map_or("null", |i| i.get());
        format!(
            r#"{{"subscription":{},"invoice":{invoice}}}"#,
            self.subscription.get()
        )
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

    /// `POST /v1/public/checkout/preview` of a serialised [`CheckoutRequest`]:
    /// the first invoice's numbers.
    pub async fn preview(&self, request_json: String) -> Result<CheckoutPreview, ApiError> {
        let builder = self.authorised(Request::post(&self.url("/v1/public/checkout/preview")));
        send(builder, Some(request_json)).await
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
    pub async fn confirm(&self, subscription: &str) -> Result<Box<RawValue>, ApiError> {
        let id = String::from(js_sys::encode_uri_component(subscription));
        let url = self.url(&format!("/v1/public/checkout/{id}/confirm"));
        send(self.authorised(Request::post(&url)), Some("{}".to_owned())).await
    }
}

/// The customer portal's calls: the token in the URL is the whole
/// authorisation, so no `Authorization` header is sent (the portal's CORS
/// policy does not allow one).
impl Client {
    fn portal_url(&self, token: &str, rest: &str) -> String {
        let token = String::from(js_sys::encode_uri_component(token));
        self.url(&format!("/v1/portal/{token}{rest}"))
    }

    fn portal_sub_url(&self, token: &str, subscription: &str, action: &str) -> String {
        let id = String::from(js_sys::encode_uri_component(subscription));
        self.portal_url(token, &format!("/subscriptions/{id}/{action}"))
    }

    /// `GET /v1/portal/{token}`: the first screen.
    pub async fn portal(&self, token: &str) -> Result<PortalOverview, ApiError> {
        send(Request::get(&self.portal_url(token, "")), None).await
    }

    /// `GET /v1/portal/{token}/invoices`, newest first.
    pub async fn portal_invoices(&self, token: &str) -> Result<Vec<Invoice>, ApiError> {
        let list: Data<Invoice> =
            send(Request::get(&self.portal_url(token, "/invoices")), None).await?;
        Ok(list.data)
    }

    /// Where an invoice's PDF is downloaded.
    pub fn portal_invoice_pdf(&self, token: &str, invoice: &str) -> String {
        let id = String::from(js_sys::encode_uri_component(invoice));
        self.portal_url(token, &format!("/invoices/{id}/pdf"))
    }

    /// `POST …/subscriptions/{id}/change`, previewed or made.
    pub async fn portal_change(
        &self,
        token: &str,
        subscription: &str,
        change: &ChangeSubscription,
    ) -> Result<PortalChangeResult, ApiError> {
        let url = self.portal_sub_url(token, subscription, "change");
        send(Request::post(&url), Some(json(change)?)).await
    }

    /// `POST …/subscriptions/{id}/cancel`: closes at the period's end.
    pub async fn portal_cancel(
        &self,
        token: &str,
        subscription: &str,
        cancel: &PortalCancel,
    ) -> Result<PortalCancellation, ApiError> {
        let url = self.portal_sub_url(token, subscription, "cancel");
        send(Request::post(&url), Some(json(cancel)?)).await
    }

    /// `POST …/subscriptions/{id}/undo_cancel`: keeps the subscription.
    pub async fn portal_undo_cancel(
        &self,
        token: &str,
        subscription: &str,
    ) -> Result<PortalSubscription, ApiError> {
        let url = self.portal_sub_url(token, subscription, "undo_cancel");
        send(Request::post(&url), Some("{}".to_owned())).await
    }

    /// `POST …/payment_methods`: a new default card.
    pub async fn portal_add_card(
        &self,
        token: &str,
        card: &AddPortalPaymentMethod,
    ) -> Result<PaymentMethod, ApiError> {
        let url = self.portal_url(token, "/payment_methods");
        send(Request::post(&url), Some(json(card)?)).await
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| local_problem(&e.to_string()))
}

fn body(req: &CheckoutRequest) -> Result<String, ApiError> {
    serde_json::to_string(req).map_err(|e| local_problem(&e.to_string()))
}

fn local_problem(detail: &str) -> ApiError {
    ApiError::Problem(Box::new(Problem {
        kind: "about:blank".to_owned(),
        title: "Client error".to_owned(),
        status: 0,
        detail: detail.to_owned(),
        code: "client_error".to_owned(),
        param: None,
    }))
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
    Err(ApiError::Problem(Box::new(
        serde_json::from_str::<Problem>(&text).unwrap_or_else(|_| Problem {
            kind: "about:blank".to_owned(),
            title: "HTTP error".to_owned(),
            status,
            detail: text.chars().take(300).collect(),
            code: "http_error".to_owned(),
            param: None,
        }),
    )))
}
