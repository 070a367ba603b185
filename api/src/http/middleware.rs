//! Authentication, idempotency and CORS for `/v1`.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::AppState;
use crate::error::ApiError;
use crate::store::idempotency::{self, Claim};
use crate::store::merchants::KeyGrant;

/// Resolves `Authorization: Bearer <key>` to a [`KeyGrant`] in the request's
/// extensions; no key or an unknown one → 401. CORS preflights pass untouched.
pub async fn authenticate(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if req.method() == Method::OPTIONS {
        return Ok(next.run(req).await);
    }
    let key = bearer(req.headers())?;
    let grant = state
        .answers
        .grant(&state.db, &key)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("Invalid API key".to_owned()))?;
    req.extensions_mut().insert(grant);
    Ok(next.run(req).await)
}

fn bearer(headers: &HeaderMap) -> Result<String, ApiError> {
    let raw = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "Missing API key: send 'Authorization: Bearer sk_test_…'".to_owned(),
            )
        })?
        .to_str()
        .map_err(|_| ApiError::Unauthorized("Malformed Authorization header".to_owned()))?;
    let key = raw
        .strip_prefix("Bearer ")
        .or_else(|| raw.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("The Authorization header must be 'Bearer <key>'".to_owned())
        })?;
    Ok(key.to_owned())
}

/// A request's `Idempotency-Key` with the digest of the request, in its
/// extensions: a handler whose work reaches outside the database (a charge)
/// derives from it a key that a retry of the same request derives again.
#[derive(Debug, Clone)]
pub struct RequestKey {
    key: String,
    request_hash: String,
}

/// The digest that tells one request from another under an `Idempotency-Key`:
/// method, path, query and body.
pub fn request_hash(method: &str, path: &str, query: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method);
    hasher.update(b" ");
    hasher.update(path);
    hasher.update(b"?");
    hasher.update(query);
    hasher.update(b"\n");
    hasher.update(body);
    hex::encode(hasher.finalize())
}

impl RequestKey {
    /// The key of a request with this `Idempotency-Key` and [`request_hash`].
    pub fn new(key: &str, request_hash: &str) -> Self {
        Self {
            key: key.to_owned(),
            request_hash: request_hash.to_owned(),
        }
    }

    /// An idempotency key for the payment provider: the same for every retry of
    /// this request (same key, same method, path and body), another for any other
    /// request. Charges are unique per merchant and mode, which the key's scope is.
    pub fn charge_key(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.key.as_bytes());
        hasher.update(b"\n");
        hasher.update(self.request_hash.as_bytes());
        format!("req_{}", &hex::encode(hasher.finalize())[..40])
    }
}

/// Longest accepted `Idempotency-Key`.
const MAX_KEY_LEN: usize = 255;

/// The request's `Idempotency-Key`, if it has one: 1 to 255 visible ASCII
/// characters, else 422 naming the header.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(raw_key) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    raw_key
        .to_str()
        .ok()
        .filter(|k| {
            // Visible ASCII only: `to_str` also lets spaces and tabs through.
            !k.is_empty() && k.len() <= MAX_KEY_LEN && k.bytes().all(|b| b.is_ascii_graphic())
        })
        .map(|k| Some(k.to_owned()))
        .ok_or_else(|| {
            ApiError::invalid(
                "Idempotency-Key",
                format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters"),
            )
        })
}

/// Makes POST requests with an `Idempotency-Key` run at most once: a retry gets
/// the first response byte for byte, the same key with another request 422, a
/// retry while the first is still running 409. Validation, auth and server errors
/// are not remembered, so the corrected request may reuse the key; what such a
/// request did outside the database (a charge) is recorded under a key derived
/// from [`RequestKey`] before it is done, so the retry finds it and does not
/// charge again.
pub async fn idempotency(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if req.method() != Method::POST {
        return Ok(next.run(req).await);
    }
    let Some(key) = idempotency_key(req.headers())? else {
        return Ok(next.run(req).await);
    };
    let Some(grant) = req.extensions().get::<KeyGrant>().cloned() else {
        return Ok(next.run(req).await);
    };
    let (mut parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, state.config.max_body_bytes)
        .await
        .map_err(|_| ApiError::PayloadTooLarge)?;
    let hash = request_hash(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query().unwrap_or_default(),
        &bytes,
    );

    let ttl = chrono::Duration::from_std(state.config.idempotency_ttl)
        .unwrap_or_else(|_| chrono::Duration::hours(48));
    parts.extensions.insert(RequestKey::new(&key, &hash));
    let claim = idempotency::claim(
        &state.db,
        &grant.scope,
        &key,
        &hash,
        chrono::Duration::minutes(5),
        ttl,
    )
    .await?;
    match claim {
        Claim::Mismatch => return Err(ApiError::IdempotencyMismatch),
        Claim::InProgress => return Err(ApiError::IdempotencyInProgress),
        Claim::Replay { status, body } => return Ok(stored_response(status, body)),
        Claim::Fresh => {}
    }

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status();
    let remember = status.is_success() || status == StatusCode::PAYMENT_REQUIRED;
    if !remember {
        idempotency::release(&state.db, &grant.scope, &key).await?;
        return Ok(response);
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("reading the response: {e}")))?;
    idempotency::complete(&state.db, &grant.scope, &key, status.as_u16(), &bytes).await?;
    parts
        .headers
        .insert("idempotent-replayed", HeaderValue::from_static("false"));
    Ok(Response::from_parts(parts, Body::from(bytes)))
}

fn stored_response(status: u16, body: Vec<u8>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

/// CORS for the public endpoints the widget calls from merchants' sites: a
/// preflight is answered for any origin; the real response carries
/// `Access-Control-Allow-Origin` only when the merchant allows the origin (an
/// empty `allowed_origins` allows every origin).
pub async fn public_cors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    if req.method() == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        if let Some(origin) = origin {
            let h = response.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, OPTIONS"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization, content-type, idempotency-key"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            h.append(header::VARY, HeaderValue::from_static("Origin"));
        }
        return response;
    }
    let scope = req.extensions().get::<KeyGrant>().map(|g| g.scope.clone());
    let mut response = next.run(req).await;
    let (Some(origin), Some(scope)) = (origin, scope) else {
        return response;
    };
    let allowed = match state.answers.merchant(&state.db, &scope).await {
        Ok(Some(m)) => {
            m.allowed_origins.is_empty()
                || origin
                    .to_str()
                    .is_ok_and(|o| m.allowed_origins.iter().any(|a| a == o))
        }
        _ => false,
    };
    if allowed {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.append(header::VARY, HeaderValue::from_static("Origin"));
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("x-request-id, idempotent-replayed"),
        );
    }
    response
}

/// What a hosted page (`/portal/…`, `/checkout/…`) may load: its own scripts and
/// the widget's WebAssembly, calls to this API, and nothing from anywhere else.
/// Styles may be inline because the widget styles its shadow root with a
/// `<style>` element; scripts may not. Forms post only to this origin (the
/// button that opens a magic link). `frame-ancestors` is added per page.
const HOSTED_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
    font-src 'self'; base-uri 'none'; form-action 'self'";

/// The origins that may frame a hosted page: its merchant's `allowed_origins`
/// (in the mode of the page's token or key). A handler puts it on its response;
/// without it, or with an empty list, framing is refused (`'none'`).
#[derive(Debug, Clone, Default)]
pub struct FrameAncestors(pub Vec<String>);

impl FrameAncestors {
    /// The directive's sources: the origins that are plain `scheme://host[:port]`
    /// (anything else could break out of the header), else `'none'`.
    fn sources(&self) -> String {
        let safe = |o: &&String| {
            (o.starts_with("https://") || o.starts_with("http://"))
                && o.bytes().all(|b| {
                    b.is_ascii_alphanumeric()
                        || matches!(b, b':' | b'/' | b'.' | b'-' | b'[' | b']')
                })
        };
        let list: Vec<&str> = self.0.iter().filter(safe).map(String::as_str).collect();
        if list.is_empty() {
            "'none'".to_owned()
        } else {
            list.join(" ")
        }
    }
}

/// Security headers of the hosted pages, whose URLs carry portal tokens: a strict
/// Content-Security-Policy, no MIME sniffing, no `Referer` that would leak the
/// token, and HSTS when Renewly is served over https (`RENEWLY_BASE_URL`).
pub async fn hosted_page_headers(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    let ancestors = res
        .extensions()
        .get::<FrameAncestors>()
        .map(FrameAncestors::sources)
        .unwrap_or_else(|| "'none'".to_owned());
    let headers = res.headers_mut();
    let csp = format!("{HOSTED_CSP}; frame-ancestors {ancestors}");
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'",
        )),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // X-Frame-Options cannot name origins: it only backs up a refusal.
    if ancestors == "'none'" {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    } else {
        headers.remove(header::X_FRAME_OPTIONS);
    }
    let https = state
        .config
        .base_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}
