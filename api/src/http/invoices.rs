//! `/v1/invoices`, `/v1/ledger`, `/v1/events` and `/v1/test_clock`.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use renewly_types::{
    AdvanceClock, BillingSummary, Event, Invoice, LedgerEntry, List, Problem, TestClock,
    TrialBalance, TrialBalanceRow,
};

use super::AppState;
use super::extract::{ApiJson, ApiQuery, ListQuery, SecretKey, path_id};
use crate::args;
use crate::billing::clock;
use crate::billing::worker::{self, Filter};
use crate::domain::money::from_minor;
use crate::error::{ApiError, ApiResult};
use crate::ids::Kind;
use crate::store::billing::{self as bstore, InvoiceFilter, currency};

/// Filters of `GET /v1/invoices`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvoiceQuery {
    /// `sub_…`
    pub subscription: Option<String>,
    /// `cus_…`
    pub customer: Option<String>,
    /// `open`, `paid`, `void` or `uncollectible`.
    pub status: Option<String>,
}

/// Lists invoices, newest first.
#[utoipa::path(get, path = "/v1/invoices", tag = "billing", params(ListQuery, InvoiceQuery),
    responses((status = 200, body = List<Invoice>)), security(("secret_key" = [])))]
pub async fn list_invoices(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(q): ApiQuery<InvoiceQuery>,
) -> ApiResult<Json<List<Invoice>>> {
    let page = list.page(Kind::Invoice)?;
    if let Some(s) = &q.status {
        if !matches!(
            s.as_str(),
            "draft" | "open" | "paid" | "void" | "uncollectible"
        ) {
            return Err(ApiError::invalid(
                "status",
                "status must be draft, open, paid, void or uncollectible",
            ));
        }
    }
    let filter = InvoiceFilter {
        subscription: q.subscription,
        customer: q.customer,
        status: q.status,
    };
    let (data, more) = bstore::list_invoices(&state.db, &scope, &filter, &page).await?;
    Ok(Json(List::new(data, more)))
}

/// Retrieves an invoice with its lines and tax breakdown.
#[utoipa::path(get, path = "/v1/invoices/{id}", tag = "billing",
    params(("id" = String, Path, description = "inv_…")),
    responses((status = 200, body = Invoice), (status = 404, body = Problem)), security(("secret_key" = [])))]
pub async fn get_invoice(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Invoice>> {
    path_id(Kind::Invoice, "invoice", &id)?;
    bstore::get_invoice(&state.db, &scope, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("invoice", id))
}

/// Filters of the ledger.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// Only entries dated on or before this day (default: today).
    pub as_of: Option<String>,
    /// Only the entries of this invoice.
    pub invoice: Option<String>,
    /// Only this account.
    pub account: Option<String>,
}

#[derive(sqlx::FromRow)]
struct LedgerRow {
    id: String,
    journal: String,
    invoice_id: Option<String>,
    entry_date: String,
    account: String,
    debit_minor: i64,
    credit_minor: i64,
    currency: String,
    memo: String,
}

async fn as_of(
    state: &AppState,
    scope: &crate::store::Scope,
    raw: Option<&str>,
) -> ApiResult<NaiveDate> {
    match raw {
        Some(raw) => raw
            .parse()
            .map_err(|_| ApiError::invalid("as_of", "as_of must be a date YYYY-MM-DD")),
        None => Ok(clock::today(&state.db, scope).await?),
    }
}

/// The double-entry ledger, newest first: posting (receivable / revenue or
/// deferred revenue / tax payable), monthly recognition of deferred revenue, and
/// payments (cash / receivable).
#[utoipa::path(get, path = "/v1/ledger", tag = "billing", params(ListQuery, LedgerQuery),
    responses((status = 200, body = List<LedgerEntry>)), security(("secret_key" = [])))]
pub async fn list_ledger(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> ApiResult<Json<List<LedgerEntry>>> {
    let page = list.page(Kind::LedgerEntry)?;
    let as_of = as_of(&state, &scope, q.as_of.as_deref()).await?;
    let rows: Vec<LedgerRow> = state
        .db
        .fetch_all(
            "SELECT id, journal, invoice_id, entry_date, account, debit_minor, credit_minor, currency, memo \
             FROM ledger_entries WHERE merchant_id = $1 AND livemode = $2 AND id < $3 AND entry_date <= $4 \
             AND ($5 = '' OR invoice_id = $5) AND ($6 = '' OR account = $6) ORDER BY id DESC LIMIT $7",
            &args![
                &scope.merchant_id,
                scope.livemode,
                page.cursor(),
                as_of.to_string(),
                q.invoice.unwrap_or_default(),
                q.account.unwrap_or_default(),
                page.fetch()
            ],
        )
        .await?;
    let (rows, more) = page.finish(rows);
    let data = rows
        .into_iter()
        .map(|r| {
            let cur = currency(&r.currency);
            LedgerEntry {
                id: r.id,
                object: "ledger_entry".to_owned(),
                journal: r.journal,
                invoice: r.invoice_id,
                date: r.entry_date,
                account: r.account,
                debit: from_minor(r.debit_minor, &cur),
                credit: from_minor(r.credit_minor, &cur),
                currency: r.currency,
                memo: r.memo,
            }
        })
        .collect();
    Ok(Json(List::new(data, more)))
}

/// Every account's debits, credits and balance up to `as_of`.
#[utoipa::path(get, path = "/v1/ledger/trial_balance", tag = "billing", params(LedgerQuery),
    responses((status = 200, body = TrialBalance)), security(("secret_key" = [])))]
pub async fn trial_balance(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> ApiResult<Json<TrialBalance>> {
    let as_of = as_of(&state, &scope, q.as_of.as_deref()).await?;
    let rows: Vec<(String, String, i64, i64)> = state
        .db
        .fetch_all(
            "SELECT account, currency, CAST(SUM(debit_minor) AS BIGINT), CAST(SUM(credit_minor) AS BIGINT) \
             FROM ledger_entries WHERE merchant_id = $1 AND livemode = $2 AND entry_date <= $3 \
             GROUP BY account, currency ORDER BY account, currency",
            &args![&scope.merchant_id, scope.livemode, as_of.to_string()],
        )
        .await?;
    let mut balanced = true;
    let mut per_currency: std::collections::BTreeMap<String, i64> = Default::default();
    let accounts = rows
        .into_iter()
        .map(|(account, code, debit, credit)| {
            *per_currency.entry(code.clone()).or_default() += debit - credit;
            let cur = currency(&code);
            TrialBalanceRow {
                account,
                debit: from_minor(debit, &cur),
                credit: from_minor(credit, &cur),
                balance: from_minor(debit - credit, &cur),
                currency: code,
            }
        })
        .collect();
    for net in per_currency.values() {
        balanced &= *net == 0;
    }
    Ok(Json(TrialBalance {
        as_of: as_of.to_string(),
        accounts,
        balanced,
    }))
}

/// Filters of `GET /v1/events`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// e.g. `invoice.paid`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// Only events about this object.
    pub object: Option<String>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: String,
    livemode: bool,
    #[sqlx(rename = "type")]
    kind: String,
    object_id: String,
    data: String,
    created: String,
}

/// Every state change, newest first.
#[utoipa::path(get, path = "/v1/events", tag = "billing", params(ListQuery, EventQuery),
    responses((status = 200, body = List<Event>)), security(("secret_key" = [])))]
pub async fn list_events(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> ApiResult<Json<List<Event>>> {
    let page = list.page(Kind::Event)?;
    let rows: Vec<EventRow> = state
        .db
        .fetch_all(
            "SELECT id, livemode, type, object_id, data, created FROM events WHERE merchant_id = $1 \
             AND livemode = $2 AND id < $3 AND ($4 = '' OR type = $4) AND ($5 = '' OR object_id = $5) \
             ORDER BY id DESC LIMIT $6",
            &args![
                &scope.merchant_id,
                scope.livemode,
                page.cursor(),
                q.kind.unwrap_or_default(),
                q.object.unwrap_or_default(),
                page.fetch()
            ],
        )
        .await?;
    let (rows, more) = page.finish(rows);
    let data = rows
        .into_iter()
        .map(|r| Event {
            id: r.id,
            object: "event".to_owned(),
            livemode: r.livemode,
            kind: r.kind,
            object_id: r.object_id,
            data: serde_json::from_str(&r.data).unwrap_or(serde_json::Value::Null),
            created: r.created,
        })
        .collect();
    Ok(Json(List::new(data, more)))
}

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
    let now: NaiveDate = body
        .now
        .parse()
        .map_err(|_| ApiError::invalid("now", "now must be a date YYYY-MM-DD"))?;
    let years = (now - clock::calendar_today()).num_days().abs() / 365;
    if years > 10 {
        return Err(ApiError::invalid(
            "now",
            "Choose a date within ten years of today",
        ));
    }
    let existing: Option<(i64,)> = state
        .db
        .fetch_optional(
            "SELECT COUNT(*) FROM subscriptions WHERE merchant_id = $1 AND livemode = $2",
            &args![&scope.merchant_id, false],
        )
        .await?;
    if existing.is_some_and(|(n,)| n > 0) {
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
    let to: NaiveDate = body
        .to
        .parse()
        .map_err(|_| ApiError::invalid("to", "to must be a date YYYY-MM-DD"))?;
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
