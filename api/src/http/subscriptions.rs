//! `/v1/subscriptions`: customers' contracts, as the merchant manages them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::NaiveDate;
use renewly_types::{
    CloseSubscription, CreateSubscription, List, MrrEvent, Problem, Subscription,
    SubscriptionStatus,
};

use super::AppState;
use super::extract::{ApiJson, ApiQuery, ListQuery, SecretKey, path_id};
use super::middleware::RequestKey;
use crate::billing::engine::{self, Order};
use crate::billing::{clock, present, pricing};
use crate::domain::money::from_minor;
use crate::domain::month::parse_date;
use crate::error::{ApiError, ApiResult};
use crate::ids::Kind;
use crate::store::billing::{self as bstore, SubscriptionFilter};
use crate::store::mrr::{self, MovementRow};
use crate::store::{plans, users};

/// Filters of `GET /v1/subscriptions`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubscriptionQuery {
    /// `draft`, `active`, `paused`, `past_due` or `closed`.
    pub status: Option<String>,
    /// `cus_…`
    pub customer: Option<String>,
    /// `plan_…`
    pub plan: Option<String>,
}

/// Starts a subscription for a customer and charges its first invoice.
#[utoipa::path(post, path = "/v1/subscriptions", tag = "billing", request_body = CreateSubscription,
    responses((status = 201, body = Subscription), (status = 402, body = Problem), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn create_subscription(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    request_key: Option<Extension<RequestKey>>,
    ApiJson(body): ApiJson<CreateSubscription>,
) -> ApiResult<(StatusCode, Json<Subscription>)> {
    let customer = engine::customer_for(&state.db, &scope, &body.customer, "customer").await?;
    let plan = plans::get_plan(&state.db, &scope, &body.plan)
        .await?
        .filter(|p| p.active)
        .ok_or_else(|| {
            ApiError::invalid("plan", format!("No such active plan: '{}'", body.plan))
        })?;
    if let Some(sp) = &body.salesperson {
        if users::get_user(&state.db, &scope, sp)
            .await?
            .is_none_or(|u| !u.active)
        {
            return Err(ApiError::invalid(
                "salesperson",
                format!("No such active user: '{sp}'"),
            ));
        }
    }
    let today = clock::today(&state.db, &scope).await?;
    let start = match &body.start_date {
        Some(raw) => {
            let d: NaiveDate = parse_date(raw).ok_or_else(|| {
                ApiError::invalid("start_date", "start_date must be a date YYYY-MM-DD")
            })?;
            if d < today {
                return Err(ApiError::invalid(
                    "start_date",
                    "start_date cannot be in the past",
                ));
            }
            d
        }
        None => today,
    };
    let chosen = pricing::choose(
        &state.db,
        &scope,
        &plan,
        &body.items,
        customer.pricelist.as_deref(),
    )
    .await?;
    let order = Order {
        customer,
        chosen,
        payment_method: body.payment_method.clone(),
        salesperson: body.salesperson.clone(),
        start,
        source: "api",
        signature: None,
        charge_key: request_key.map(|Extension(k)| k.charge_key()),
    };
    let created = engine::subscribe(&state.db, &state.provider, &scope, order).await?;
    Ok((StatusCode::CREATED, Json(created.subscription)))
}

/// Lists subscriptions, newest first.
#[utoipa::path(get, path = "/v1/subscriptions", tag = "billing", params(ListQuery, SubscriptionQuery),
    responses((status = 200, body = List<Subscription>)), security(("secret_key" = [])))]
pub async fn list_subscriptions(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(q): ApiQuery<SubscriptionQuery>,
) -> ApiResult<Json<List<Subscription>>> {
    let page = list.page(Kind::Subscription)?;
    if let Some(s) = &q.status {
        if SubscriptionStatus::parse(s).is_none() {
            return Err(ApiError::invalid(
                "status",
                "status must be draft, active, paused, past_due or closed",
            ));
        }
    }
    let filter = SubscriptionFilter {
        status: q.status,
        customer: q.customer,
        plan: q.plan,
    };
    let (data, more) = present::list_subscriptions(&state.db, &scope, &filter, &page).await?;
    Ok(Json(List::new(data, more)))
}

/// Retrieves a subscription.
#[utoipa::path(get, path = "/v1/subscriptions/{id}", tag = "billing",
    params(("id" = String, Path, description = "sub_…")),
    responses((status = 200, body = Subscription), (status = 404, body = Problem)), security(("secret_key" = [])))]
pub async fn get_subscription(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Subscription>> {
    path_id(Kind::Subscription, "subscription", &id)?;
    present::get_subscription(&state.db, &scope, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("subscription", id))
}

/// Closes a subscription now or at the end of the paid period, with a reason.
#[utoipa::path(post, path = "/v1/subscriptions/{id}/close", tag = "billing", request_body = CloseSubscription,
    params(("id" = String, Path, description = "sub_…")),
    responses((status = 200, body = Subscription), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("secret_key" = [])))]
pub async fn close_subscription(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CloseSubscription>,
) -> ApiResult<Json<Subscription>> {
    path_id(Kind::Subscription, "subscription", &id)?;
    let today = clock::today(&state.db, &scope).await?;
    let sub = engine::close(
        &state.db,
        &scope,
        &id,
        &body.reason,
        body.when,
        body.comment.as_deref(),
        today,
    )
    .await?;
    Ok(Json(sub))
}

/// Changes the plan, prices, quantities or add-ons, or previews the change
/// (`"preview": true`). An upgrade applies now and charges
/// `(new − old) × remaining_days ÷ period_days` plus tax on an invoice of its own;
/// a downgrade waits for the next renewal.
#[utoipa::path(post, path = "/v1/subscriptions/{id}/change", tag = "billing", request_body = renewly_types::ChangeSubscription,
    params(("id" = String, Path, description = "sub_…")),
    responses((status = 200, body = renewly_types::ChangeResult), (status = 402, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn change_subscription(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    request_key: Option<Extension<RequestKey>>,
    ApiJson(body): ApiJson<renewly_types::ChangeSubscription>,
) -> ApiResult<Json<renewly_types::ChangeResult>> {
    let charge_key = request_key.map(|Extension(k)| k.charge_key());
    path_id(Kind::Subscription, "subscription", &id)?;
    let today = clock::today(&state.db, &scope).await?;
    let result = crate::billing::change::change(
        &state.db,
        &state.provider,
        &scope,
        &id,
        &body,
        today,
        crate::billing::change::Caller {
            actor: crate::billing::change::Actor::Merchant,
            charge_key: charge_key.as_deref(),
        },
    )
    .await?;
    Ok(Json(result))
}

/// Pauses an active subscription (no invoices, MRR 0).
#[utoipa::path(post, path = "/v1/subscriptions/{id}/pause", tag = "billing",
    params(("id" = String, Path, description = "sub_…")),
    responses((status = 200, body = Subscription), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("secret_key" = [])))]
pub async fn pause_subscription(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Subscription>> {
    path_id(Kind::Subscription, "subscription", &id)?;
    let today = clock::today(&state.db, &scope).await?;
    Ok(Json(engine::pause(&state.db, &scope, &id, today).await?))
}

/// Resumes a paused subscription.
#[utoipa::path(post, path = "/v1/subscriptions/{id}/resume", tag = "billing",
    params(("id" = String, Path, description = "sub_…")),
    responses((status = 200, body = Subscription), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("secret_key" = [])))]
pub async fn resume_subscription(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Subscription>> {
    path_id(Kind::Subscription, "subscription", &id)?;
    let today = clock::today(&state.db, &scope).await?;
    Ok(Json(engine::resume(&state.db, &scope, &id, today).await?))
}

/// Completes a `draft` subscription whose first payment needed authentication.
#[utoipa::path(post, path = "/v1/subscriptions/{id}/confirm", tag = "billing",
    params(("id" = String, Path, description = "sub_…")),
    responses((status = 200, body = Subscription), (status = 402, body = Problem), (status = 404, body = Problem)),
    security(("secret_key" = [])))]
pub async fn confirm_subscription(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Subscription>> {
    path_id(Kind::Subscription, "subscription", &id)?;
    Ok(Json(
        engine::confirm(&state.db, &state.provider, &scope, &id).await?,
    ))
}

/// One subscription's MRR history, oldest first.
#[utoipa::path(get, path = "/v1/subscriptions/{id}/mrr", tag = "billing",
    params(("id" = String, Path, description = "sub_…")),
    responses((status = 200, body = List<MrrEvent>), (status = 404, body = Problem)), security(("secret_key" = [])))]
pub async fn subscription_mrr(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<Json<List<MrrEvent>>> {
    path_id(Kind::Subscription, "subscription", &id)?;
    if bstore::subscription_row(&state.db, &scope, &id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("subscription", id));
    }
    let rows = mrr::of_subscription(&state.db, &scope, &id).await?;
    Ok(Json(List::new(
        rows.into_iter().map(mrr_wire).collect(),
        false,
    )))
}

fn mrr_wire(r: MovementRow) -> MrrEvent {
    let cur = r.cur;
    MrrEvent {
        id: r.id,
        object: "mrr_event".to_owned(),
        date: r.event_date,
        kind: r.kind,
        customer: r.customer_id,
        subscription: r.subscription_id,
        plan: r.plan_id,
        salesperson: r.salesperson_id,
        delta: from_minor(r.delta_minor, &cur),
        subscription_mrr: from_minor(r.subscription_mrr_minor, &cur),
        customer_mrr: from_minor(r.customer_mrr_minor, &cur),
        currency: r.currency,
        close_reason: r.close_reason,
    }
}
