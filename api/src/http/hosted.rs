//! Hosted pages: the customer portal at `/portal/{token}` (the link in e-mails and
//! after checkout), the confirmation of a new e-mail address at
//! `/portal/email/{token}`, and a checkout at `/checkout/{plan}?key=pk_…`, the
//! first and last rendered by the same widget a merchant embeds.
//!
//! A magic link (and a link that confirms a new e-mail address) does nothing when
//! it is followed: its page has one button, and pressing it (a same-origin POST)
//! uses the link up. Mail scanners that follow every link in a message therefore
//! leave it working. The magic link's button leads to `/portal/{session}`, a page
//! that keeps working on reload for as long as the session lasts; a second press
//! of a used link says the link has expired.
//!
//! A query these pages cannot read is a problem+json 422 naming the parameter
//! (as everywhere else), never axum's plain-text rejection.

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Redirect;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use super::AppState;
use super::extract::ApiQuery;
use super::middleware::FrameAncestors;
use crate::i18n::{self, Lang, fill};
use crate::ids::{Kind, is_id_of};
use crate::store::portal::{self as pstore, Exchange, LinkState, SessionRow};
use crate::store::{Scope, merchants};
use crate::templates;

/// The hosted pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal/{token}", get(portal).post(open_link))
        .route("/portal/email/{token}", get(email_page).post(confirm_email))
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

fn page(view: &PageView<'_>, frame: FrameAncestors) -> Response {
    let html = match templates::render("hosted/page.html", view) {
        Ok(html) => html,
        Err(e) => return failure(&e),
    };
    let mut response = (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::VARY, "Accept-Language"),
        ],
        Html(html),
    )
        .into_response();
    response.extensions_mut().insert(frame);
    response
}

/// A page with a title and a sentence (a spent link, a confirmed address).
fn message(status: StatusCode, lang: Lang, title: &str, text: &str) -> Response {
    message_with_button(status, lang, title, text, None)
}

/// A page with a title, a sentence and, when given, a button that posts the page
/// back to its own URL.
fn message_with_button(
    status: StatusCode,
    lang: Lang,
    title: &str,
    text: &str,
    button: Option<&str>,
) -> Response {
    #[derive(Serialize)]
    struct View<'a> {
        lang: &'static str,
        title: &'a str,
        text: &'a str,
        button: Option<&'a str>,
    }
    let view = View {
        lang: lang.code(),
        title,
        text,
        button,
    };
    match templates::render("hosted/message.html", &view) {
        Ok(html) => (
            status,
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::VARY, "Accept-Language"),
            ],
            Html(html),
        )
            .into_response(),
        Err(e) => failure(&e),
    }
}

/// "This link has expired": a magic link or confirmation link used before, or
/// past its time.
fn spent(lang: Lang) -> Response {
    let w = &lang.strings().hosted;
    message(StatusCode::GONE, lang, w.link_spent_title, w.link_spent)
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

/// The origins that may frame a page of this merchant and mode.
async fn frame_ancestors(state: &AppState, scope: &Scope) -> FrameAncestors {
    match merchants::get_merchant(&state.db, scope).await {
        Ok(Some(m)) => FrameAncestors(m.allowed_origins),
        Ok(None) => FrameAncestors::default(),
        Err(e) => {
            tracing::error!(error = %e, "hosted page: merchant not read");
            FrameAncestors::default()
        }
    }
}

/// The customer portal for a portal token (the token itself is checked by the
/// API the widget calls). A magic link shows the button that opens it.
async fn portal(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    ApiQuery(q): ApiQuery<LocaleQuery>,
    headers: HeaderMap,
) -> Response {
    let Ok(Path(token)) = path else {
        return not_found();
    };
    if !pstore::is_token(&token) {
        return not_found();
    }
    match pstore::link_state(&state.db, &token).await {
        Ok(LinkState::NotALink) => {}
        Ok(LinkState::Spent) => return spent(language(q.locale.as_deref(), None, &headers)),
        Ok(LinkState::Usable(link)) => {
            let stored = customer_locale(&state, &link).await;
            let lang = language(q.locale.as_deref(), stored.as_deref(), &headers);
            let w = &lang.strings().hosted;
            return message_with_button(
                StatusCode::OK,
                lang,
                w.open_title,
                w.open_text,
                Some(w.open_button),
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "magic link not read");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    let session = pstore::find_by_token(&state.db, &token)
        .await
        .ok()
        .flatten();
    let stored = match &session {
        Some(s) => customer_locale(&state, s).await,
        None => None,
    };
    let frame = match &session {
        Some(s) => frame_ancestors(&state, &s.scope()).await,
        None => FrameAncestors::default(),
    };
    let lang = language(q.locale.as_deref(), stored.as_deref(), &headers);
    let title = lang.strings().hosted.portal_title;
    page(
        &PageView {
            lang: lang.code(),
            title,
            portal_token: Some(&token),
            checkout: None,
        },
        frame,
    )
}

/// Whether a button of these pages was pressed on another website: browsers say
/// so in `Sec-Fetch-Site` (and `Origin`); such a post is refused, so that no site
/// can open its own link in a visitor's browser.
fn cross_site(headers: &HeaderMap, lang: Lang) -> Option<Response> {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let foreign = matches!(site, Some("cross-site" | "same-site"));
    foreign.then(|| {
        let w = &lang.strings().hosted;
        message(
            StatusCode::FORBIDDEN,
            lang,
            w.cross_site_title,
            w.cross_site,
        )
    })
}

/// The button of a magic link: exchanges it, once, for a portal session and
/// sends the browser to that session's page.
async fn open_link(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    ApiQuery(q): ApiQuery<LocaleQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = language(q.locale.as_deref(), None, &headers);
    let Ok(Path(token)) = path else {
        return not_found();
    };
    if !pstore::is_token(&token) {
        return not_found();
    }
    if let Some(refused) = cross_site(&headers, lang) {
        return refused;
    }
    match pstore::exchange_link(&state.db, &token, state.config.portal_session_ttl).await {
        Ok(Exchange::Opened(opened)) => {
            let mut to = format!("/portal/{}", opened.session.token);
            if let Some(locale) = q.locale.as_deref().and_then(Lang::from_tag) {
                to.push_str("?locale=");
                to.push_str(locale.code());
            }
            Redirect::to(&to).into_response()
        }
        Ok(Exchange::Spent) => spent(lang),
        Ok(Exchange::NotALink) => not_found(),
        Err(e) => {
            tracing::error!(error = %e, "magic link not exchanged");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A link that confirms a new e-mail address: the button that confirms it.
async fn email_page(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    ApiQuery(q): ApiQuery<LocaleQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = language(q.locale.as_deref(), None, &headers);
    let Ok(Path(token)) = path else {
        return spent(lang);
    };
    if !pstore::is_token(&token) {
        return spent(lang);
    }
    match pstore::pending_email_change(&state.db, &token).await {
        Ok(Some(email)) => {
            let w = &lang.strings().hosted;
            let text = fill(w.confirm_email_text, &[("email", &email)]);
            let button = Some(w.confirm_email_button);
            message_with_button(StatusCode::OK, lang, w.confirm_email_title, &text, button)
        }
        Ok(None) => spent(lang),
        Err(e) => {
            tracing::error!(error = %e, "e-mail change not read");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Confirms a new e-mail address with the link that was sent to it, once.
async fn confirm_email(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    ApiQuery(q): ApiQuery<LocaleQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = language(q.locale.as_deref(), None, &headers);
    let Ok(Path(token)) = path else {
        return spent(lang);
    };
    if !pstore::is_token(&token) {
        return spent(lang);
    }
    if let Some(refused) = cross_site(&headers, lang) {
        return refused;
    }
    match pstore::confirm_email_change(&state.db, &token).await {
        Ok(Some(email)) => {
            let w = &lang.strings().hosted;
            let text = fill(w.email_confirmed, &[("email", &email)]);
            message(StatusCode::OK, lang, w.email_confirmed_title, &text)
        }
        Ok(None) => spent(lang),
        Err(e) => {
            tracing::error!(error = %e, "e-mail change not confirmed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The locale stored on the customer of a portal session, if any.
async fn customer_locale(state: &AppState, session: &SessionRow) -> Option<String> {
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
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    ApiQuery(q): ApiQuery<CheckoutQuery>,
    headers: HeaderMap,
) -> Response {
    let Ok(Path(plan)) = path else {
        return not_found();
    };
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
    let frame = match merchants::authenticate(&state.db, &key).await {
        Ok(Some(grant)) => frame_ancestors(&state, &grant.scope).await,
        Ok(None) => FrameAncestors::default(),
        Err(e) => {
            tracing::error!(error = %e, "hosted checkout: key not read");
            FrameAncestors::default()
        }
    };
    let lang = language(q.locale.as_deref(), None, &headers);
    let title = lang.strings().hosted.checkout_title;
    page(
        &PageView {
            lang: lang.code(),
            title,
            portal_token: None,
            checkout: Some(CheckoutView {
                key: &key,
                plan: &plan,
                price: q.price.as_deref(),
            }),
        },
        frame,
    )
}
