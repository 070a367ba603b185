//! `/v1/portal/{token}/subscriptions/{id}/…`: what a customer may do with a
//! subscription, within the rights its plan gives them.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use renewly_types::{
    ChangeSubscription, CloseWhen, Plan, PortalCancel, PortalCancellation, PortalChangeResult,
    PortalSubscription, Problem,
};

use super::Portal;
use super::view::{Context, owned_subscription};
use crate::billing::change::{self, Actor};
use crate::billing::{clock, engine, portal_ops};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::ApiJson;
use crate::http::middleware::{RequestKey, idempotency_key, request_hash};
use crate::http::{AppState, optional_text};
use crate::store::billing::SubscriptionRow;
use crate::store::plans;

/// The subscription as the portal shows it now.
async fn view(state: &AppState, portal: &Portal, id: &str) -> Result<PortalSubscription, ApiError> {
    let row = owned_subscription(&state.db, portal, id).await?;
    let mut ctx = Context::load(&state.db, portal).await?;
    ctx.subscription(&state.db, &row).await
}

/// The plan of a subscription (its rights decide what the customer may do).
async fn plan_of(
    state: &AppState,
    portal: &Portal,
    row: &SubscriptionRow,
) -> Result<Plan, ApiError> {
    plans::get_plan(&state.db, &portal.scope, &row.plan_id)
        .await?
        .ok_or_else(|| ApiError::not_found("plan", row.plan_id.clone()))
}

fn not_allowed(code: &'static str, detail: &str) -> ApiError {
    ApiError::Conflict {
        code,
        detail: detail.to_owned(),
        param: None,
    }
}

/// One of the customer's subscriptions.
#[utoipa::path(get, path = "/v1/portal/{token}/subscriptions/{id}", tag = "portal",
    params(("token" = String, Path, description = "The portal token"), ("id" = String, Path, description = "sub_…")),
    responses((status = 200, body = PortalSubscription), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_subscription(
    State(state): State<AppState>,
    portal: Portal,
    Path(path): Path<(String, String)>,
) -> ApiResult<Json<PortalSubscription>> {
    let id = path.1;
    Ok(Json(view(&state, &portal, &id).await?))
}

/// Previews (`"preview": true`, what the widget shows first) or makes a change of
/// plan, prices, quantities or add-ons, as far as the plan's customer rights
/// allow: `upgrade_only` refuses a downgrade with 409 `change_not_allowed`. An
/// upgrade is charged pro rata now on the card on file; a downgrade waits for the
/// next renewal. With an `Idempotency-Key`, a retry of the same change finds the
/// charge of the first attempt and never charges twice.
#[utoipa::path(post, path = "/v1/portal/{token}/subscriptions/{id}/change", tag = "portal",
    request_body = ChangeSubscription,
    params(("token" = String, Path, description = "The portal token"), ("id" = String, Path, description = "sub_…")),
    responses((status = 200, body = PortalChangeResult), (status = 401, body = Problem), (status = 402, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_subscription(
    State(state): State<AppState>,
    portal: Portal,
    Path(path): Path<(String, String)>,
    uri: OriginalUri,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ChangeSubscription>,
) -> ApiResult<Json<PortalChangeResult>> {
    let id = path.1;
    owned_subscription(&state.db, &portal, &id).await?;
    // A retry of the same change (same `Idempotency-Key`, same session, same
    // body) finds the charge the first attempt recorded instead of charging
    // again. The session's token is in the path, so no other customer's key
    // can meet this one.
    let charge_key = match idempotency_key(&headers)? {
        Some(key) => {
            let canonical = serde_json::to_vec(&body)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("encoding the change: {e}")))?;
            let hash = request_hash("POST", uri.path(), "", &canonical);
            Some(RequestKey::new(&key, &hash).charge_key())
        }
        None => None,
    };
    let today = clock::today(&state.db, &portal.scope).await?;
    let result = change::change(
        &state.db,
        &state.provider,
        &portal.scope,
        &id,
        &body,
        today,
        change::Caller {
            actor: Actor::Customer,
            charge_key: charge_key.as_deref(),
        },
    )
    .await?;
    Ok(Json(PortalChangeResult {
        preview: result.preview,
        applied: result.applied,
        subscription: view(&state, &portal, &id).await?,
        invoice: result.invoice,
    }))
}

/// Cancels at the end of the paid period (a paused subscription at once), with
/// one of the plan's close reasons. The answer carries the retention offer that
/// goes with the reason. 409 `close_not_allowed` when the plan does not let
/// customers cancel.
#[utoipa::path(post, path = "/v1/portal/{token}/subscriptions/{id}/cancel", tag = "portal",
    request_body = PortalCancel,
    params(("token" = String, Path, description = "The portal token"), ("id" = String, Path, description = "sub_…")),
    responses((status = 200, body = PortalCancellation), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn cancel_subscription(
    State(state): State<AppState>,
    portal: Portal,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<PortalCancel>,
) -> ApiResult<Json<PortalCancellation>> {
    let id = path.1;
    let row = owned_subscription(&state.db, &portal, &id).await?;
    let plan = plan_of(&state, &portal, &row).await?;
    if !plan.customer_rights.can_close {
        return Err(not_allowed(
            "close_not_allowed",
            "This plan does not let customers cancel it; please contact the merchant",
        ));
    }
    let given = body.reason.trim();
    let (reason, retention_offer) = if plan.close_reasons.is_empty() {
        let text = crate::http::required_text("reason", given, 200)?;
        (text, None)
    } else {
        let found = plan
            .close_reasons
            .iter()
            .find(|r| r.id == given || r.name.eq_ignore_ascii_case(given))
            .ok_or_else(|| {
                let names: Vec<&str> = plan.close_reasons.iter().map(|r| r.name.as_str()).collect();
                ApiError::invalid(
                    "reason",
                    format!("'reason' must be one of: {}", names.join(", ")),
                )
            })?;
        (found.name.clone(), found.retention_offer.clone())
    };
    let comment = optional_text("comment", body.comment.as_deref(), 1000)?;
    // A paused subscription is not renewed, so a close at period end would never
    // come: it closes now.
    let when = if row.status == "paused" {
        CloseWhen::Now
    } else {
        CloseWhen::PeriodEnd
    };
    let today = clock::today(&state.db, &portal.scope).await?;
    let closed = engine::close(
        &state.db,
        &portal.scope,
        &id,
        &reason,
        when,
        comment.as_deref(),
        today,
    )
    .await?;
    Ok(Json(PortalCancellation {
        object: "portal_cancellation".to_owned(),
        reason,
        retention_offer,
        cancel_at: closed.cancel_at.or(closed.closed_at),
        subscription: view(&state, &portal, &id).await?,
    }))
}

/// Withdraws a cancellation scheduled for the period end.
#[utoipa::path(post, path = "/v1/portal/{token}/subscriptions/{id}/undo_cancel", tag = "portal",
    params(("token" = String, Path, description = "The portal token"), ("id" = String, Path, description = "sub_…")),
    responses((status = 200, body = PortalSubscription), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn undo_cancel(
    State(state): State<AppState>,
    portal: Portal,
    Path(path): Path<(String, String)>,
) -> ApiResult<Json<PortalSubscription>> {
    let id = path.1;
    owned_subscription(&state.db, &portal, &id).await?;
    portal_ops::undo_cancel(&state.db, &portal.scope, &id).await?;
    Ok(Json(view(&state, &portal, &id).await?))
}

/// Pauses an active subscription, when the plan lets customers pause.
#[utoipa::path(post, path = "/v1/portal/{token}/subscriptions/{id}/pause", tag = "portal",
    params(("token" = String, Path, description = "The portal token"), ("id" = String, Path, description = "sub_…")),
    responses((status = 200, body = PortalSubscription), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn pause_subscription(
    State(state): State<AppState>,
    portal: Portal,
    Path(path): Path<(String, String)>,
) -> ApiResult<Json<PortalSubscription>> {
    let id = path.1;
    let row = owned_subscription(&state.db, &portal, &id).await?;
    if !plan_of(&state, &portal, &row)
        .await?
        .customer_rights
        .can_pause
    {
        return Err(not_allowed(
            "pause_not_allowed",
            "This plan does not let customers pause it",
        ));
    }
    let today = clock::today(&state.db, &portal.scope).await?;
    engine::pause(&state.db, &portal.scope, &id, today).await?;
    Ok(Json(view(&state, &portal, &id).await?))
}

/// Resumes a paused subscription, when the plan lets customers pause.
#[utoipa::path(post, path = "/v1/portal/{token}/subscriptions/{id}/resume", tag = "portal",
    params(("token" = String, Path, description = "The portal token"), ("id" = String, Path, description = "sub_…")),
    responses((status = 200, body = PortalSubscription), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn resume_subscription(
    State(state): State<AppState>,
    portal: Portal,
    Path(path): Path<(String, String)>,
) -> ApiResult<Json<PortalSubscription>> {
    let id = path.1;
    let row = owned_subscription(&state.db, &portal, &id).await?;
    if !plan_of(&state, &portal, &row)
        .await?
        .customer_rights
        .can_pause
    {
        return Err(not_allowed(
            "pause_not_allowed",
            "This plan does not let customers pause or resume it",
        ));
    }
    let today = clock::today(&state.db, &portal.scope).await?;
    engine::resume(&state.db, &portal.scope, &id, today).await?;
    Ok(Json(view(&state, &portal, &id).await?))
}
