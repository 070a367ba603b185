//! `/v1/test_clock`: the date test mode lives on, and moving it forward.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use renewly_types::{AdvanceClock, BillingSummary, Problem, TestClock};

use super::AppState;
use super::extract::{ApiJson, SecretKey};
use crate::billing::clock;
use crate::billing::worker::{self, Filter};
use crate::domain::month::parse_date;
use crate::error::{ApiError, ApiResult};
use crate::store::subscriptions;

/// Per-merchant locks of test clock advances. Two advances at once would run
/// billing days of two timelines interleaved (one run on day 10 while the other
/// is still on day 3), which no real worker does.
fn advance_lock(merchant_id: &str) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: LazyLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> =
        LazyLock::new(Default::default);
    let mut locks = LOCKS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    locks.entry(merchant_id.to_owned()).or_default().clone()
}

fn test_mode_only(scope: &crate::store::Scope) -> ApiResult<()> {
    if scope.livemode {
        return Err(ApiError::Invalid {
            param: "Authorization".to_owned(),
            code: "test_mode_only",
            detail: "The test clock exists in test mode only; use a sk_test_… key".to_owned(),
        });
    }
    Ok(())
}

/// Today in test mode.
#[utoipa::path(get, path = "/v1/test_clock", tag = "billing",
    responses((status = 200, body = TestClock)), security(("secret_key" = [])))]
pub async fn get_test_clock(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
) -> ApiResult<Json<TestClock>> {
    test_mode_only(&scope)?;
    Ok(Json(TestClock {
        now: clock::today(&state.db, &scope).await?.to_string(),
    }))
}

/// Starts the test clock on any date (for example two years back, to build a
/// history) as long as test mode has no subscriptions yet; afterwards it only
/// moves forward with `advance`.
#[utoipa::path(post, path = "/v1/test_clock", tag = "billing", request_body = renewly_types::StartClock,
    responses((status = 200, body = TestClock), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn start_test_clock(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiJson(body): ApiJson<renewly_types::StartClock>,
) -> ApiResult<Json<TestClock>> {
    test_mode_only(&scope)?;
    let now: NaiveDate = parse_date(&body.now)
        .ok_or_else(|| ApiError::invalid("now", "now must be a date YYYY-MM-DD"))?;
    let years = (now - clock::calendar_today()).num_days().abs() / 365;
    if years > 10 {
        return Err(ApiError::invalid(
            "now",
            "Choose a date within ten years of today",
        ));
    }
    let test_mode = crate::store::Scope {
        merchant_id: scope.merchant_id.clone(),
        livemode: false,
    };
    if subscriptions::count(&state.db, &test_mode).await? > 0 {
        return Err(ApiError::Conflict {
            code: "test_clock_in_use",
            detail: "Test mode has subscriptions already; the clock can only move forward (POST /v1/test_clock/advance)".to_owned(),
            param: None,
        });
    }
    clock::set_test_clock(&state.db, &scope.merchant_id, now).await?;
    Ok(Json(TestClock {
        now: now.to_string(),
    }))
}

/// Moves the test clock forward, running every billing day on the way in order
/// (renewals, charges and retries, closes), like a Stripe test clock.
#[utoipa::path(post, path = "/v1/test_clock/advance", tag = "billing", request_body = AdvanceClock,
    responses((status = 200, body = BillingSummary), (status = 422, body = Problem)), security(("secret_key" = [])))]
pub async fn advance_test_clock(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiJson(body): ApiJson<AdvanceClock>,
) -> ApiResult<Json<BillingSummary>> {
    test_mode_only(&scope)?;
    let to: NaiveDate = parse_date(&body.to)
        .ok_or_else(|| ApiError::invalid("to", "to must be a date YYYY-MM-DD"))?;
    // One advance at a time per merchant: a second request waits for the first
    // and then starts from the day it left the clock on.
    let lock = advance_lock(&scope.merchant_id);
    let _advancing = lock.lock().await;
    let now = clock::today(&state.db, &scope).await?;
    if to < now {
        return Err(ApiError::invalid(
            "to",
            format!("The test clock only moves forward; it is {now}"),
        ));
    }
    if (to - now).num_days() > 3660 {
        return Err(ApiError::invalid(
            "to",
            "Advance at most ten years at a time",
        ));
    }
    let mut day = now;
    let mut total = worker::Summary::default();
    loop {
        let s = worker::run_day(&state.db, &state.provider, Filter::Scope(&scope), day).await?;
        total.invoices_created += s.invoices_created;
        total.charges_succeeded += s.charges_succeeded;
        total.charges_failed += s.charges_failed;
        total.subscriptions_closed += s.subscriptions_closed;
        clock::set_test_clock(&state.db, &scope.merchant_id, day).await?;
        if day >= to {
            break;
        }
        day = day.succ_opt().unwrap_or(to);
    }
    Ok(Json(BillingSummary {
        now: to.to_string(),
        invoices_created: total.invoices_created,
        charges_succeeded: total.charges_succeeded,
        charges_failed: total.charges_failed,
        subscriptions_closed: total.subscriptions_closed,
    }))
}
