//! `/v1/analytics/…` (MRR, movements, KPIs, cohorts, churn reasons, salespeople,
//! forecast) and `/v1/exchange_rates`. Thin handlers over
//! [`crate::analytics::service`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use renewly_types::{
    ChurnReasons, Cohorts, CreateExchangeRate, ExchangeRate, Forecast, Kpis, List, MrrMovements,
    MrrSeries, Problem, Salespeople,
};

use super::AppState;
use super::extract::{ApiJson, ApiQuery, ListQuery, SecretKey};
use crate::analytics::cohorts::Metric;
use crate::analytics::service::{self, Report, ReportQuery};
use crate::domain::currency::Currency;
use crate::domain::money::parse_amount;
use crate::domain::month::parse_date;
use crate::error::{ApiError, ApiResult};
use crate::ids::Kind;
use crate::store::{Page, exchange_rates};

/// MRR, ARR, active subscriptions and paying customers at each month end.
#[utoipa::path(get, path = "/v1/analytics/mrr", tag = "analytics", params(ReportQuery),
    responses((status = 200, body = MrrSeries), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn mrr(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<MrrSeries>> {
    let r = Report::prepare(&state.db, &scope, &q).await?;
    let buckets = r.movement_buckets(&state.db).await?;
    Ok(Json(service::mrr_series(&r, &buckets)))
}

/// New, expansion, contraction, churn, reactivation and net new MRR per month.
#[utoipa::path(get, path = "/v1/analytics/movements", tag = "analytics", params(ReportQuery),
    responses((status = 200, body = MrrMovements), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn movements(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<MrrMovements>> {
    let r = Report::prepare(&state.db, &scope, &q).await?;
    let buckets = r.movement_buckets(&state.db).await?;
    Ok(Json(service::movements(&r, &buckets)))
}

/// MRR, ARR, ARPA, churn rates, LTV and revenue per month.
#[utoipa::path(get, path = "/v1/analytics/kpis", tag = "analytics", params(ReportQuery),
    responses((status = 200, body = Kpis), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn kpis(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<Kpis>> {
    let r = Report::prepare(&state.db, &scope, &q).await?;
    let (buckets, revenue) = service::buckets_and_revenue(&r, &state.db).await?;
    Ok(Json(service::kpis(&r, &buckets, &revenue)))
}

/// What the cohort table measures.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CohortQuery {
    /// `customers` (share still paying, the default) or `mrr` (share of the
    /// starting MRR still there).
    pub metric: Option<String>,
}

/// Retention per cohort (month of the customer's first `new` movement).
#[utoipa::path(get, path = "/v1/analytics/cohorts", tag = "analytics", params(ReportQuery, CohortQuery),
    responses((status = 200, body = Cohorts), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn cohorts(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(q): ApiQuery<ReportQuery>,
    ApiQuery(c): ApiQuery<CohortQuery>,
) -> ApiResult<Json<Cohorts>> {
    let metric = match c.metric.as_deref() {
        None => Metric::Customers,
        Some(raw) => Metric::parse(raw)
            .ok_or_else(|| ApiError::invalid("metric", "'metric' must be 'customers' or 'mrr'"))?,
    };
    let r = Report::prepare(&state.db, &scope, &q).await?;
    Ok(Json(service::cohorts(&r, &state.db, metric).await?))
}

/// Subscriptions closed and MRR lost per close reason over the range.
#[utoipa::path(get, path = "/v1/analytics/churn-reasons", tag = "analytics", params(ReportQuery),
    responses((status = 200, body = ChurnReasons), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn churn_reasons(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<ChurnReasons>> {
    let r = Report::prepare(&state.db, &scope, &q).await?;
    Ok(Json(service::churn_reasons(&r, &state.db).await?))
}

/// Movements and net new MRR per salesperson over the range.
#[utoipa::path(get, path = "/v1/analytics/salespeople", tag = "analytics", params(ReportQuery),
    responses((status = 200, body = Salespeople), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn salespeople(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<Salespeople>> {
    let r = Report::prepare(&state.db, &scope, &q).await?;
    Ok(Json(service::salespeople(&r, &state.db).await?))
}

/// Expected MRR and active contracts for the 12 months after `to`.
#[utoipa::path(get, path = "/v1/analytics/forecast", tag = "analytics", params(ReportQuery),
    responses((status = 200, body = Forecast), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn forecast(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<Forecast>> {
    let r = Report::prepare(&state.db, &scope, &q).await?;
    let buckets = r.movement_buckets(&state.db).await?;
    Ok(Json(service::forecast(&r, &buckets)))
}

fn currency_param(param: &str, raw: &str) -> ApiResult<Currency> {
    Currency::parse(raw).ok_or_else(|| {
        ApiError::invalid(
            param,
            format!("'{param}' must be an ISO 4217 currency code"),
        )
    })
}

/// Sets the rate of a currency pair from a day on (201), or replaces the rate of
/// that pair and day (200). Reports convert each amount at the latest rate on or
/// before its date; when only the reverse pair is known, its inverse is used.
#[utoipa::path(post, path = "/v1/exchange_rates", tag = "analytics", request_body = CreateExchangeRate,
    responses((status = 201, body = ExchangeRate), (status = 200, body = ExchangeRate),
        (status = 422, body = Problem)), security(("secret_key" = [])))]
pub async fn create_exchange_rate(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiJson(body): ApiJson<CreateExchangeRate>,
) -> ApiResult<(StatusCode, Json<ExchangeRate>)> {
    let from = currency_param("from", &body.from)?;
    let to = currency_param("to", &body.to)?;
    if from == to {
        return Err(ApiError::invalid("to", "'to' must differ from 'from'"));
    }
    let rate = parse_amount(body.rate.trim())
        .map_err(|e| ApiError::invalid("rate", format!("'rate' {e}")))
        .and_then(|r| {
            if r.is_zero() {
                Err(ApiError::invalid("rate", "'rate' must be above zero"))
            } else {
                Ok(r)
            }
        })?;
    let date: NaiveDate = parse_date(&body.date)
        .ok_or_else(|| ApiError::invalid("date", "'date' must be a date YYYY-MM-DD"))?;
    let (saved, created) =
        exchange_rates::upsert(&state.db, &scope, from.code(), to.code(), rate, date).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(saved)))
}

/// The page asked for; cursors are `xr_…` ids.
fn rate_page(list: ListQuery) -> ApiResult<Page> {
    let cursor = list.starting_after.clone();
    if let Some(c) = &cursor {
        let ok = c
            .strip_prefix("xr_")
            .is_some_and(|u| u.len() == 26 && u.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !ok {
            return Err(ApiError::invalid(
                "starting_after",
                "starting_after must be an xr_… id",
            ));
        }
    }
    let mut page = ListQuery {
        starting_after: None,
        ..list
    }
    .page(Kind::Event)?;
    page.starting_after = cursor;
    Ok(page)
}

/// Filters of `GET /v1/exchange_rates`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RateQuery {
    /// Only rates from this currency.
    pub from: Option<String>,
    /// Only rates to this currency.
    pub to: Option<String>,
}

/// Lists exchange rates, newest first.
#[utoipa::path(get, path = "/v1/exchange_rates", tag = "analytics", params(ListQuery, RateQuery),
    responses((status = 200, body = List<ExchangeRate>), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn list_exchange_rates(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(q): ApiQuery<RateQuery>,
) -> ApiResult<Json<List<ExchangeRate>>> {
    let page = rate_page(list)?;
    let from = q
        .from
        .as_deref()
        .map(|c| currency_param("from", c))
        .transpose()?;
    let to =
        q.to.as_deref()
            .map(|c| currency_param("to", c))
            .transpose()?;
    let (data, more) = exchange_rates::list(
        &state.db,
        &scope,
        from.as_ref().map(Currency::code),
        to.as_ref().map(Currency::code),
        &page,
    )
    .await?;
    Ok(Json(List::new(data, more)))
}
