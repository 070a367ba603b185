//! Hosted pages: the customer portal at `/portal/{token}` (the link in e-mails and
//! after checkout) and a checkout at `/checkout/{plan}?key=pk_…`, both rendered by
//! the same widget a merchant embeds.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use crate::i18n::{self, Lang};
use crate::ids::{Kind, is_id_of};

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

fn page(lang: Lang, title: &str, element: &str) -> Response {
    let html = format!(
        r#"<!doctype html>
<html lang="{code}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>
  body {{ margin: 0; background: #f4f5f7; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2430; }}
  main {{ max-width: 960px; margin: 0 auto; padding: 24px 16px 48px; }}
  noscript p {{ background: #fff; padding: 16px; border-radius: 8px; }}
</style>
<script src="/widget/renewly.js" async></script>
</head>
<body>
<main>
{element}
<noscript><p>This page needs JavaScript and WebAssembly.</p></noscript>
</main>
</body>
</html>"#,
        code = lang.code()
    );
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

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html("<!doctype html><title>Not found</title><h1>Not found</h1>"),
    )
        .into_response()
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
    page(
        lang,
        title,
        &format!(
            r#"<renewly-portal token="{token}" locale="{}"></renewly-portal>"#,
            lang.code()
        ),
    )
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
    let price = q
        .price
        .map(|p| format!(r#" price="{p}""#))
        .unwrap_or_default();
    let lang = language(q.locale.as_deref(), None, &headers);
    let title = lang.strings().hosted.checkout_title;
    page(
        lang,
        title,
        &format!(
            r#"<renewly-checkout publishable-key="{key}" plan="{plan}"{price} locale="{}"></renewly-checkout>"#,
            lang.code()
        ),
    )
}
