//! `/dashboard`: the merchant's analytics as one server-rendered page with inline
//! SVG charts (no JavaScript, no external assets).
//!
//! Sign-in posts the secret API key once (never in a URL); the answer is a random
//! session token in an `HttpOnly`, `SameSite=Strict` cookie scoped to
//! `/dashboard`, stored hashed and valid for 12 hours or until the key is revoked.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minijinja::context;

use super::AppState;
use super::rate_limit::Https;
use crate::analytics::cohorts::Metric;
use crate::analytics::service::ReportQuery;
use crate::analytics::sessions::{self, SESSION_HOURS, SignInError};
use crate::db::Db;
use crate::error::ApiError;
use crate::store::Scope;
use crate::templates;

mod figures;
mod render;

use render::render;

/// The session cookie's name.
pub const COOKIE: &str = "renewly_dashboard";

/// The sign-in form's anti-forgery cookie: the form carries the same random
/// value in a hidden field, and a sign-in whose two values differ is refused, so
/// another site cannot sign a browser in with a key of its choosing.
pub const CSRF_COOKIE: &str = "renewly_csrf";

/// The dashboard's routes: outside `/v1` and its API-key middleware.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/dashboard/login", get(login_page).post(login))
        .route("/dashboard/logout", post(logout))
}

/// Headers every dashboard answer carries: no caching, no framing, nothing loaded
/// from elsewhere, no scripts at all.
fn page(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

fn redirect(to: &'static str, cookie: Option<String>) -> Response {
    let mut r = page(StatusCode::SEE_OTHER, String::new());
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(to));
    if let Some(c) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    r
}

fn failure(e: &ApiError) -> Response {
    tracing::error!(error = %e, "dashboard failed");
    let html = templates::render("dashboard/error.html", ()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the dashboard's error page failed to render");
        "Something went wrong".to_owned()
    });
    page(StatusCode::INTERNAL_SERVER_ERROR, html)
}

/// The sign-in form, with what went wrong the last time and its anti-forgery value.
fn login_html(error: Option<&str>, csrf: &str) -> Result<String, minijinja::Error> {
    templates::render(
        "dashboard/login.html",
        context! { error, csrf, session_hours => SESSION_HOURS },
    )
}

/// The sign-in form with a fresh anti-forgery value, set in its cookie too.
fn login_page_with(https: Https, status: StatusCode, error: Option<&str>) -> Response {
    let csrf = crate::ids::random_token(16);
    match login_html(error, &csrf) {
        Ok(html) => {
            let mut r = page(status, html);
            let set = named_cookie(https, CSRF_COOKIE, &csrf, 3600);
            if let Ok(v) = HeaderValue::from_str(&set) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => failure(&ApiError::Internal(e.into())),
    }
}

fn cookie_value(headers: &HeaderMap, wanted: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, COOKIE)
}

/// A cookie of the dashboard: `HttpOnly`, `SameSite=Strict`, scoped to
/// `/dashboard`, and `Secure` whenever the request came over https.
fn named_cookie(Https(secure): Https, name: &str, value: &str, max_age: i64) -> String {
    format!(
        "{name}={value}; Path=/dashboard; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

fn cookie(https: Https, value: &str, max_age: i64) -> String {
    named_cookie(https, COOKIE, value, max_age)
}

/// Whether the form's anti-forgery value matches its cookie (compared in
/// constant time).
fn csrf_matches(headers: &HeaderMap, form: &str) -> bool {
    let Some(expected) = cookie_value(headers, CSRF_COOKIE) else {
        return false;
    };
    let (a, b) = (expected.as_bytes(), form.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `GET /dashboard/login`.
async fn login_page(https: Https) -> Response {
    login_page_with(https, StatusCode::OK, None)
}

#[derive(serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /dashboard/login` with `key=sk_…&csrf=…` (form-encoded).
async fn login(
    State(state): State<AppState>,
    https: Https,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = serde_urlencoded::from_bytes::<LoginForm>(&body).unwrap_or(LoginForm {
        key: String::new(),
        csrf: String::new(),
    });
    if !csrf_matches(&headers, &form.csrf) {
        return login_page_with(
            https,
            StatusCode::FORBIDDEN,
            Some("This form has expired. Enter your key again."),
        );
    }
    let key = form.key;
    if key.trim().is_empty() {
        return login_page_with(
            https,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Enter your secret API key."),
        );
    }
    match sessions::sign_in(&state.db, &key).await {
        Ok(Ok(token)) => redirect(
            "/dashboard",
            Some(cookie(https, &token, SESSION_HOURS * 3600)),
        ),
        Ok(Err(SignInError::UnknownKey)) => login_page_with(
            https,
            StatusCode::UNAUTHORIZED,
            Some("That key is not valid (or it was revoked)."),
        ),
        Ok(Err(SignInError::NotSecret)) => login_page_with(
            https,
            StatusCode::UNAUTHORIZED,
            Some("A publishable key (pk_…) cannot open the dashboard: use a secret key (sk_…)."),
        ),
        Err(e) => failure(&ApiError::from(e)),
    }
}

/// `POST /dashboard/logout`.
async fn logout(State(state): State<AppState>, https: Https, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers) {
        if let Err(e) = sessions::sign_out(&state.db, &token).await {
            return failure(&ApiError::from(e));
        }
    }
    redirect("/dashboard/login", Some(cookie(https, "", 0)))
}

/// The dashboard's query: a report's parameters and the cohort metric.
#[derive(Debug, Default, serde::Deserialize)]
struct DashboardQuery {
    #[serde(flatten)]
    report: ReportQuery,
    metric: Option<String>,
}

/// `GET /dashboard`: the page, or the sign-in form without a live session.
async fn dashboard(
    State(state): State<AppState>,
    https: Https,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(token) = session_token(&headers) else {
        return redirect("/dashboard/login", None);
    };
    let scope = match sessions::scope_of(&state.db, &token).await {
        Ok(Some(scope)) => scope,
        Ok(None) => return redirect("/dashboard/login", Some(cookie(https, "", 0))),
        Err(e) => return failure(&ApiError::from(e)),
    };
    let q: DashboardQuery =
        serde_urlencoded::from_str(query.as_deref().unwrap_or_default()).unwrap_or_default();
    let metric = q
        .metric
        .as_deref()
        .and_then(Metric::parse)
        .unwrap_or(Metric::Customers);
    match render(&state.db, &scope, &q.report, metric).await {
        Ok(html) => page(StatusCode::OK, html),
        Err(e) => failure(&e),
    }
}

/// The dashboard of `scope` as HTML (also used by `renewly bench analytics --html`).
pub async fn render_for(db: &Db, scope: &Scope, query: &ReportQuery) -> Result<String, ApiError> {
    render(db, scope, query, Metric::Customers).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; renewly_dashboard=abc; b=2"),
        );
        assert_eq!(session_token(&h).as_deref(), Some("abc"));
        assert_eq!(session_token(&HeaderMap::new()), None);
    }

    #[test]
    fn the_login_form_posts_and_escapes_its_error() {
        let html = login_html(Some("<bad>"), "c0ffee").unwrap();
        assert!(html.contains("method=\"post\""));
        assert!(html.contains("&lt;bad&gt;"));
        assert!(html.contains("name=\"csrf\" value=\"c0ffee\""));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn a_sign_in_needs_the_form_value_that_matches_its_cookie() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("renewly_csrf=abcd"),
        );
        assert!(csrf_matches(&h, "abcd"));
        assert!(!csrf_matches(&h, "abce"));
        assert!(!csrf_matches(&h, ""));
        assert!(!csrf_matches(&HeaderMap::new(), ""));
    }
}
