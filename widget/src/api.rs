//! The widget's client for the public API: publishable key in `Authorization`,
//! JSON in, JSON or RFC 9457 problem+json out.

use gloo_net::http::{Request, RequestBuilder};

use crate::json::{self, Fields, FromJson, Json, ToJson, field};
use crate::wire::{CheckoutPreview, CheckoutRequest, PortalOverview, Problem, PublicPlan};

/// A random hex string for idempotency keys.
pub fn new_nonce() -> String {
    format!("{:012x}", (js_sys::Math::random() * 2f64.powi(48)) as u64)
}

/// An `Idempotency-Key` that is the same for the same request while no answer
/// came back (a retry after a lost connection cannot charge twice) and differs
/// for anything else; callers renew the nonce after every answer.
pub fn idempotency_key(nonce: &str, body: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in body.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("rw_{nonce}_{hash:016x}")
}

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
/// as the API sent them: they are handed to the host page as they are in the
/// `renewly:subscribed` event; only the fields shown are read.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscribed {
    /// `active` or `requires_action`.
    pub status: String,
    pub subscription: Json,
    pub invoice: Json,
    /// The customer's portal link, when the API makes one.
    pub portal_url: Option<String>,
    /// With `requires_action`: what the confirm step must send.
    pub client_secret: Option<String>,
    /// Set once the shopper confirmed the payment (the invoice above predates it).
    pub confirmed: bool,
}

impl FromJson for Subscribed {
    fn from_json(value: &Json) -> Result<Self, String> {
        let mut f = Fields::of(value)?;
        let done = Self {
            status: f.get("status"),
            subscription: f.get("subscription"),
            invoice: f.get("invoice"),
            portal_url: f.get("portal_url"),
            client_secret: f.get("client_secret"),
            confirmed: false,
        };
        f.done(done)
    }
}

/// What the confirmation shows of the subscription.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionInfo {
    pub id: String,
    pub next_invoice_date: Option<String>,
}

/// What the confirmation shows of the invoice.
#[derive(Debug, Clone, Default)]
pub struct InvoiceInfo {
    pub number: String,
    /// `paid`, `open`, …
    pub status: String,
    pub currency: String,
    pub total: rust_decimal::Decimal,
}

impl Subscribed {
    pub fn subscription_info(&self) -> SubscriptionInfo {
        let s = &self.subscription;
        SubscriptionInfo {
            id: field(s, "id").unwrap_or_default(),
            next_invoice_date: field(s, "next_invoice_date").unwrap_or_default(),
        }
    }

    pub fn invoice_info(&self) -> Option<InvoiceInfo> {
        let i = &self.invoice;
        Some(InvoiceInfo {
            number: field(i, "number").ok()?,
            status: field(i, "status").unwrap_or_default(),
            currency: field(i, "currency").ok()?,
            total: field(i, "total").ok()?,
        })
    }

    /// `{"subscription": …, "invoice": …}` for the event's detail.
    pub fn detail_json(&self) -> String {
        Json::Object(vec![
            ("subscription".to_owned(), self.subscription.clone()),
            ("invoice".to_owned(), self.invoice.clone()),
        ])
        .to_text()
    }
}

/// The rows of a list answer (`{"data": […]}`).
fn rows<T: FromJson>(list: Json) -> Result<Vec<T>, ApiError> {
    field(&list, "data").map_err(|e| local_problem(&e))
}

/// An answer's JSON read as `T`.
pub fn parse<T: FromJson>(text: &str) -> Result<T, ApiError> {
    json::from_text(text).map_err(|e| local_problem(&e))
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

    /// Whether a publishable key was given (calls other than the portal's need one).
    pub fn has_key(&self) -> bool {
        !self.key.is_empty()
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
        rows(send(self.authorised(Request::get(&url)), None).await?)
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
        send(builder, Some(req.to_json())).await
    }

    /// `POST /v1/public/checkout/{id}/confirm` with the checkout's secret: the
    /// subscription once paid.
    pub async fn confirm(&self, subscription: &str, client_secret: &str) -> Result<Json, ApiError> {
        let id = String::from(js_sys::encode_uri_component(subscription));
        let url = self.url(&format!("/v1/public/checkout/{id}/confirm"));
        let body = Json::Object(vec![(
            "client_secret".to_owned(),
            Json::String(client_secret.to_owned()),
        )]);
        send(self.authorised(Request::post(&url)), Some(body.to_text())).await
    }
}

impl Client {
    /// `POST /v1/public/portal/link`: e-mails a sign-in link to `email` when it
    /// is a customer's (the answer is the same either way).
    pub async fn request_portal_link(&self, email: &str) -> Result<(), ApiError> {
        let body = Json::Object(vec![("email".to_owned(), Json::String(email.to_owned()))]);
        let builder = self.authorised(Request::post(&self.url("/v1/public/portal/link")));
        request(builder, Some(body.to_text())).await.map(|_| ())
    }
}

/// The customer portal's calls: the token in the URL is the whole
/// authorisation, so no `Authorization` header is sent (the portal's CORS
/// policy does not allow one). `rest` is the path after the token, e.g.
/// `/invoices` or `/subscriptions/sub_…/pause` (ids come from the API).
impl Client {
    fn portal_url(&self, token: &str, rest: &str) -> String {
        let token = String::from(js_sys::encode_uri_component(token));
        self.url(&format!("/v1/portal/{token}{rest}"))
    }

    /// `GET /v1/portal/{token}`: the first screen.
    pub async fn portal(&self, token: &str) -> Result<PortalOverview, ApiError> {
        send(Request::get(&self.portal_url(token, "")), None).await
    }

    /// `GET /v1/portal/{token}{rest}` of a list (`/invoices`, `/orders`,
    /// `/payment_methods`), newest first.
    pub async fn portal_list<T: FromJson>(
        &self,
        token: &str,
        rest: &str,
    ) -> Result<Vec<T>, ApiError> {
        rows(send(Request::get(&self.portal_url(token, rest)), None).await?)
    }

    /// Where an invoice's PDF is downloaded.
    pub fn portal_invoice_pdf(&self, token: &str, invoice: &str) -> String {
        self.portal_url(token, &format!("/invoices/{invoice}/pdf"))
    }

    /// `POST /v1/portal/{token}{rest}` with a JSON body (`{}` when `None`):
    /// changes, cancellations, pause and resume, cards, paying an invoice. The
    /// answer is the API's JSON text, as the element's events hand it on; read
    /// it with [`parse`]. `idempotency_key` makes a retry of a change that
    /// charges safe.
    pub async fn portal_post(
        &self,
        token: &str,
        rest: &str,
        body: Option<String>,
        idempotency_key: Option<&str>,
    ) -> Result<String, ApiError> {
        let url = self.portal_url(token, rest);
        let mut builder = Request::post(&url);
        if let Some(key) = idempotency_key {
            builder = builder.header("Idempotency-Key", key);
        }
        request(builder, Some(body.unwrap_or_else(|| "{}".to_owned()))).await
    }

    /// `PATCH /v1/portal/{token}/customer`: new contact details and address.
    pub async fn portal_update_customer(
        &self,
        token: &str,
        update: &crate::wire::UpdatePortalCustomer,
    ) -> Result<String, ApiError> {
        let url = self.portal_url(token, "/customer");
        request(Request::patch(&url), Some(update.to_json())).await
    }
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

/// One call; the answer's JSON read as `T`. The request itself is made by
/// [`request`], which is not generic, so that it is compiled once.
async fn send<T: FromJson>(builder: RequestBuilder, json: Option<String>) -> Result<T, ApiError> {
    parse(&request(builder, json).await?)
}

/// Sends a request; the body of a 2xx answer, or the problem document.
async fn request(builder: RequestBuilder, json: Option<String>) -> Result<String, ApiError> {
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
        return Ok(text);
    }
    Err(ApiError::Problem(Box::new(
        json::from_text::<Problem>(&text).unwrap_or_else(|_| Problem {
            kind: "about:blank".to_owned(),
            title: "HTTP error".to_owned(),
            status,
            detail: text.chars().take(300).collect(),
            code: "http_error".to_owned(),
            param: None,
        }),
    )))
}
