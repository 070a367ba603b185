//! The customer portal, `/v1/portal/{token}/…`: a customer manages their
//! subscriptions, invoices, orders, cards and details with the token of a portal
//! link alone (SPEC §4 "Portal").
//!
//! These routes sit outside the API-key middleware: the token is the whole
//! authorisation. A token from the merchant or a checkout opens one customer of
//! one merchant and mode; a session opened by a magic link opens every customer
//! of that merchant and mode with the address the link proved. An unknown,
//! expired or revoked token, or a magic link that was not exchanged on the
//! hosted page, is a 401 `invalid_portal_token`; another customer's object is a
//! plain 404. The widget calls them from merchants' sites,
//! so any origin may (no cookies are involved).
//!
//! Merchants hand out links with `POST /v1/customers/{id}/portal_sessions`
//! ([`sessions`]); customers can ask for one by e-mail through
//! `POST /v1/public/portal/link`.

pub mod account;
pub mod email_change;
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

/// Most customer records one magic-link session covers.
pub const MAX_CUSTOMERS: i64 = 20;

/// Who a portal request acts for, resolved from the `{token}` path segment.
#[derive(Debug, Clone)]
pub struct Portal {
    pub scope: Scope,
    /// The session's own customer: the one it shows, adds cards to and edits.
    pub customer_id: String,
    /// Every customer the session covers (`customer_id` first).
    pub customers: Vec<String>,
    /// The address a magic link proved, for a session opened by one.
    pub proven_email: Option<String>,
    pub session_id: String,
    pub expires_at: String,
}

impl Portal {
    /// Whether an object of `customer_id` belongs to this session.
    pub fn covers(&self, customer_id: &str) -> bool {
        self.customers.iter().any(|c| c == customer_id)
    }
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
            .filter(|s| s.source != "link")
            .ok_or(ApiError::InvalidPortalToken)?;
        let customers = pstore::covered_customers(&state.db, &session, MAX_CUSTOMERS).await?;
        let proven_email = (session.source == "email")
            .then(|| session.email.clone())
            .flatten();
        Ok(Self {
            scope: session.scope(),
            customer_id: session.customer_id,
            customers,
            proven_email,
            session_id: session.id,
            expires_at: session.expires_at,
        })
    }
}

/// One page over several customers' lists, each a page of the same query
/// (newest first, ids below the same cursor): the `limit` newest of them all,
/// and whether more follow (some list had more, or more than `limit` remain).
pub fn merge_pages<T>(
    pages: Vec<(Vec<T>, bool)>,
    limit: i64,
    id: impl Fn(&T) -> &str,
) -> (Vec<T>, bool) {
    let limit = usize::try_from(limit).unwrap_or(0);
    let mut more = false;
    let mut all = Vec::new();
    for (rows, has_more) in pages {
        more |= has_more;
        all.extend(rows);
    }
    all.sort_by(|a, b| id(b).cmp(id(a)));
    more |= all.len() > limit;
    all.truncate(limit);
    (all, more)
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
        .routes(portal_route(routes!(
            super::payments::create_portal_setup_intent
        )))
        .layer(cors)
}

/// Gives a route its own 405 answer, so that the CORS layer wraps it too (see
/// `openapi::public_route`).
fn portal_route(route: UtoipaMethodRouter<AppState>) -> UtoipaMethodRouter<AppState> {
    route.map(|method_router| method_router.fallback(|| async { ApiError::MethodNotAllowed }))
}

#[cfg(test)]
mod tests {
    use super::merge_pages;

    #[test]
    fn pages_of_several_customers_merge_newest_first() {
        let a = (vec!["inv_5", "inv_3"], true);
        let b = (vec!["inv_4", "inv_1"], false);
        let (rows, more) = merge_pages(vec![a, b], 3, |s| s);
        assert_eq!(rows, vec!["inv_5", "inv_4", "inv_3"]);
        assert!(more);
        let (rows, more) = merge_pages(vec![(vec!["x_2"], false), (vec!["x_1"], false)], 5, |s| s);
        assert_eq!((rows, more), (vec!["x_2", "x_1"], false));
    }
}
