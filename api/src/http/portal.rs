//! The customer portal, `/v1/portal/{token}/…`: a customer manages their
//! subscriptions, invoices, orders, cards and details with the token of a portal
//! link alone (SPEC §4 "Portal").
//!
//! These routes sit outside the API-key middleware: the token is the whole
//! authorisation. It opens one customer of one merchant and mode; an unknown,
//! expired or revoked token is a 401 `invalid_portal_token`, and another
//! customer's object is a plain 404. The widget calls them from merchants' sites,
//! so any origin may (no cookies are involved).
//!
//! Merchants hand out links with `POST /v1/customers/{id}/portal_sessions`
//! ([`sessions`]); customers can ask for one by e-mail through
//! `POST /v1/public/portal/link`.

pub mod account;
pub mod sessions;
pub mod subscriptions;
pub mod view;

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderName, Method, header};
use tower_http::cors::{Any, CorsLayer};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::AppState;
use crate::error::ApiError;
use crate::store::{Scope, portal as pstore};

pub use crate::store::portal::create_session;

/// Who a portal request acts for, resolved from the `{token}` path segment.
#[derive(Debug, Clone)]
pub struct Portal {
    pub scope: Scope,
    pub customer_id: String,
    pub session_id: String,
    pub expires_at: String,
}

impl FromRequestParts<AppState> for Portal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::InvalidPortalToken)?;
        let token = params.get("token").ok_or(ApiError::InvalidPortalToken)?;
        if !pstore::is_token(token) {
            return Err(ApiError::InvalidPortalToken);
        }
        let session = pstore::find_by_token(&state.db, token)
            .await?
            .filter(|s| s.is_valid_at(chrono::Utc::now()))
            .ok_or(ApiError::InvalidPortalToken)?;
        Ok(Self {
            scope: session.scope(),
            customer_id: session.customer_id,
            session_id: session.id,
            expires_at: session.expires_at,
        })
    }
}

/// The public base URL links are built on: `RENEWLY_BASE_URL`, else the address
/// the server listens on.
pub fn base_url(state: &AppState) -> String {
    state
        .config
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", state.config.listen))
}

/// The hosted portal page of a token.
pub fn portal_url(state: &AppState, token: &str) -> String {
    format!("{}/portal/{token}", base_url(state))
}

/// Every `/v1/portal/{token}/…` route with its documentation and a CORS layer
/// that lets any origin call them (the token travels in the URL, never in a
/// cookie, so there is nothing for another site to ride on).
pub fn portal_routes() -> OpenApiRouter<AppState> {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::PATCH])
        .allow_headers([
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([HeaderName::from_static("x-request-id")])
        .max_age(std::time::Duration::from_secs(600));
    OpenApiRouter::new()
        .routes(portal_route(routes!(view::get_portal)))
        .routes(portal_route(routes!(
            account::get_customer,
            account::update_customer
        )))
        .routes(portal_route(routes!(subscriptions::get_subscription)))
        .routes(portal_route(routes!(subscriptions::change_subscription)))
        .routes(portal_route(routes!(subscriptions::cancel_subscription)))
        .routes(portal_route(routes!(subscriptions::undo_cancel)))
        .routes(portal_route(routes!(subscriptions::pause_subscription)))
        .routes(portal_route(routes!(subscriptions::resume_subscription)))
        .routes(portal_route(routes!(account::list_invoices)))
        .routes(portal_route(routes!(account::invoice_pdf)))
        .routes(portal_route(routes!(account::pay_invoice)))
        .routes(portal_route(routes!(account::list_orders)))
        .routes(portal_route(routes!(
            account::list_payment_methods,
            account::add_payment_method
        )))
        .routes(portal_route(routes!(account::set_default_payment_method)))
        .routes(portal_route(routes!(account::detach_payment_method)))
        .layer(cors)
}

/// Gives a route its own 405 answer, so that the CORS layer wraps it too (see
/// `openapi::public_route`).
fn portal_route(route: UtoipaMethodRouter<AppState>) -> UtoipaMethodRouter<AppState> {
    route.map(|method_router| method_router.fallback(|| async { ApiError::MethodNotAllowed }))
}
