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
use renewly_types::{KpiMonth, Overview as _Unused};

use super::AppState;
use crate::analytics::charts::{
    Line, Money, Stack, esc, heat, horizontal_bars, line_chart, month_label, palette, percent,
    stacked_bars,
};
use crate::analytics::cohorts::Metric;
use crate::analytics::service::{Overview, Report, ReportQuery, overview};
use crate::analytics::sessions::{self, SESSION_HOURS, SignInError};
use crate::analytics::store::{plan_names, user_names};
use crate::db::Db;
use crate::error::ApiError;
use crate::store::Scope;
use crate::store::merchants::get_merchant;
