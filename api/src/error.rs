//! One error type for the whole API, answered as RFC 9457 problem+json.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use renewly_types::Problem;

/// Every way a request can fail. The mapping to a status and code lists every
/// variant, so a new one forces a decision.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON at all.
    #[error("{0}")]
    InvalidJson(String),
    /// A field is missing, unknown or has a value we cannot accept.
    #[error("{detail}")]
    Invalid {
        param: String,
        code: &'static str,
        detail: String,
    },
    /// The object does not exist for this merchant and mode.
    #[error("No such {resource}: '{id}'")]
    NotFound { resource: &'static str, id: String },
    /// No route answers this path.
    #[error("No route for {0}")]
    RouteNotFound(String),
    /// The route exists but not for this method.
    #[error("Method not allowed")]
    MethodNotAllowed,
    /// No key, or a key we do not know.
    #[error("{0}")]
    Unauthorized(String),
    /// A publishable key on an endpoint that needs the secret key.
    #[error("This endpoint needs a secret key (sk_…); a publishable key may only call /v1/public")]
    SecretKeyRequired,
    /// The request body is larger than allowed.
    #[error("The request body is larger than this server accepts")]
    PayloadTooLarge,
    /// The same idempotency key was used with other parameters.
    #[error("This Idempotency-Key was already used with other parameters")]
    IdempotencyMismatch,
    /// A request with the same idempotency key is still running.
    #[error("A request with this Idempotency-Key is still being processed; retry later")]
    IdempotencyInProgress,
    /// The request conflicts with the current state.
    #[error("{detail}")]
    Conflict {
        code: &'static str,
        detail: String,
        param: Option<String>,
    },
    /// The payment provider refused a card (Stripe's codes: `card_declined`,
    /// `insufficient_funds`, `incorrect_number`, `expired_card`, `invalid_cvc`).
    #[error("{detail}")]
    Card {
        code: &'static str,
        detail: String,
        param: Option<String>,
    },
    /// A portal token that is unknown, expired or revoked.
    #[error("This portal link is unknown, expired or revoked; ask for a new one")]
    InvalidPortalToken,
    /// Too many requests from one client; answered with `Retry-After`.
    #[error("Too many requests; wait a few minutes and try again")]
    RateLimited,
    /// The payment provider could not be reached or could not process the
    /// request; nothing was charged that a retry would charge again.
    #[error("The payment provider could not be reached; nothing was charged twice, please retry")]
    ProviderUnavailable,
    /// Something failed on our side; the cause is logged, never answered.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A field with a value we cannot accept.
    pub fn invalid(param: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Invalid {
            param: param.into(),
            code: "invalid_field",
            detail: detail.into(),
        }
    }

    /// A required field that is absent.
    pub fn missing(param: impl Into<String>) -> Self {
        let param = param.into();
        Self::Invalid {
            detail: format!("Missing required field '{param}'"),
            param,
            code: "missing_field",
        }
    }

    /// An unknown object.
    pub fn not_found(resource: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            resource,
            id: id.into(),
        }
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str, Option<String>) {
        match self {
            Self::InvalidJson(_) => (
                StatusCode::BAD_REQUEST,
                "invalid_json",
                "Malformed JSON",
                None,
            ),
            Self::Invalid { param, code, .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                code,
                "Invalid request",
                Some(param.clone()),
            ),
            Self::NotFound { .. } => (StatusCode::NOT_FOUND, "resource_missing", "Not found", None),
            Self::RouteNotFound(_) => (StatusCode::NOT_FOUND, "route_missing", "Not found", None),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Method not allowed",
                None,
            ),
            Self::Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
                "Unauthorized",
                None,
            ),
            Self::SecretKeyRequired => (
                StatusCode::FORBIDDEN,
                "secret_key_required",
                "Forbidden",
                None,
            ),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "Request body too large",
                None,
            ),
            Self::IdempotencyMismatch => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "Idempotency key reused",
                Some("Idempotency-Key".to_owned()),
            ),
            Self::IdempotencyInProgress => (
                StatusCode::CONFLICT,
                "idempotency_key_in_use",
                "Concurrent request",
                Some("Idempotency-Key".to_owned()),
            ),
            Self::Conflict { code, param, .. } => {
                (StatusCode::CONFLICT, code, "Conflict", param.clone())
            }
            Self::Card { code, param, .. } => (
                StatusCode::PAYMENT_REQUIRED,
                code,
                "Card error",
                param.clone(),
            ),
            Self::InvalidPortalToken => (
                StatusCode::UNAUTHORIZED,
                "invalid_portal_token",
                "Unauthorized",
                None,
            ),
            Self::RateLimited => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests",
                None,
            ),
            Self::ProviderUnavailable => (
                StatusCode::BAD_GATEWAY,
                "provider_unavailable",
                "Payment provider unavailable",
                None,
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Internal server error",
                None,
            ),
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let (status, code, title, param) = self.parts();
        let detail = match self {
            Self::Internal(_) => {
                "Something went wrong on our side. It has been logged; please retry.".to_owned()
            }
            other => other.to_string(),
        };
        Problem {
            kind: format!("https://renewly.dev/problems/{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            param,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(e) = &self {
            tracing::error!(error = %format!("{e:#}"), "request failed");
        }
        let mut response = problem_response(&self.problem());
        if matches!(self, Self::RateLimited) {
            // Limits answered from a handler (magic links per client, e-mail
            // addresses per hour) recover within minutes, not seconds.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("600"));
        }
        response
    }
}

/// Serialises a problem with its status and media type.
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        Self::Internal(e.into())
    }
}
