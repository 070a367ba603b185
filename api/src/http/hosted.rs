//! Hosted pages: the customer portal at `/portal/{token}` (the link in e-mails and
//! after checkout) and a checkout at `/checkout/{plan}?key=pk_…`, both rendered by
//! the same widget a merchant embeds.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use serde::Serialize;

use super::AppState;
use crate::i18n::{self, Lang};
use crate::ids::{Kind, is_id_of};
use crate::templates;

/// The hosted pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal/{token}", get(portal))
        .route("/checkout/{plan}", get(checkout))
}

/// The page's language: `?locale=`, else the customer's stored locale (portal),
/// else the browser's `Accept-Language`, else English.
fn language(query: Option<&str>, stored: Option<&str>, headers: &HeaderMap) -> Lang {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    i18n::negotiate(query, stored, accept)
}

/// What the page template shows: one of the two widgets.
#[derive(Serialize)]
struct PageView<'a> {
    lang: &'static str,
    title: &'static str,
    /// The portal, for this token.
    portal_token: Option<&'a str>,
    /// Or a checkout.
    checkout: Option<CheckoutView<'a>>,
}

#[derive(Serialize)]
struct CheckoutView<'a> {
    key: &'a str,
    plan: &'a str,
    price: Option<&'a str>,
}

fn page(view: &PageView<'_>) -> Response {
    let html = match templates::render("hosted/page.html", view) {
        Ok(html) => html,
        Err(e) => return failure(&e),
    };
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::VARY, "Accept-Language"),
        ],
        Html(html),
    )
        .into_response()
}

fn failure(e: &minijinja::Error) -> Response {
    tracing::error!(error = %e, "hosted page failed to render");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

fn not_found() -> Response {
    match templates::render("hosted/not_found.html", ()) {
        Ok(html) => (StatusCode::NOT_FOUND, Html(html)).into_response(),
        Err(e) => failure(&e),
    }
}

/// The customer portal for a portal token (the token itself is checked by the
/// API the widget calls).
async fn portal(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LocaleQuery>,
    headers: HeaderMap,
) -> Response {
    if !crate::store::portal::is_token(&token) {
        return not_found();
    }
    let stored = customer_locale(&state, &token).await;
    let lang = language(q.locale.as_deref(), stored.as_deref(), &headers);
    let title = lang.strings().hosted.portal_title;
    page(&PageView {
        lang: lang.code(),
        title,
        portal_token: Some(&token),
        checkout: None,
    })
}

/// The locale stored on the customer a portal token belongs to, if any.
async fn customer_locale(state: &AppState, token: &str) -> Option<String> {
    let session = crate::store::portal::find_by_token(&state.db, token)
        .await
        .ok()
        .flatten()?;
    let customer =
        crate::store::customers::get_customer(&state.db, &session.scope(), &session.customer_id)
            .await
            .ok()
            .flatten()?;
    Some(customer.locale)
}

/// `?locale=` on a hosted page.
#[derive(serde::Deserialize)]
struct LocaleQuery {
    locale: Option<String>,
}

/// Query of the hosted checkout.
#[derive(serde::Deserialize)]
struct CheckoutQuery {
    key: Option<String>,
    price: Option<String>,
    locale: Option<String>,
}

/// A checkout for a published plan, with the merchant's publishable key.
async fn checkout(
    Path(plan): Path<String>,
    Query(q): Query<CheckoutQuery>,
    headers: HeaderMap,
) -> Response {
    let key_ok = |k: &str| {
        (k.starts_with("pk_test_") || k.starts_with("pk_live_"))
            && k.len() <= 100
            && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    let Some(key) = q.key.filter(|k| key_ok(k)) else {
        return not_found();
    };
    if !is_id_of(Kind::Plan, &plan)
        || q.price
            .as_deref()
            .is_some_and(|p| !is_id_of(Kind::Price, p))
    {
        return not_found();
    }
    let lang = language(q.locale.as_deref(), None, &headers);
    let title = lang.strings().hosted.checkout_title;
    page(&PageView {
        lang: lang.code(),
        title,
        portal_token: None,
        checkout: Some(CheckoutView {
            key: &key,
            plan: &plan,
            price: q.price.as_deref(),
        }),
    })
}
