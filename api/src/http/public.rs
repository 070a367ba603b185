//! `/v1/public/…`: what the widget may call from a merchant's site with a
//! publishable key (a secret key works too). CORS is layered on these routes in
//! `openapi::public_routes`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use renewly_types::{List, Plan, Price, Problem, Product, PublicPlan};

use super::AppState;
use super::answers::Answer;
use super::extract::{AnyKey, ApiQuery};
use crate::error::{ApiError, ApiResult};
use crate::ids::{Kind, is_id_of};
use crate::store::{Scope, catalog, plans, prices};

/// Query of `GET /v1/public/plans`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicPlansQuery {
    /// Comma-separated plan ids (`plan_a,plan_b`) to show, in this order; ids of
    /// plans that are not published are left out. Default: every published plan,
    /// oldest first.
    pub plans: Option<String>,
}

/// Most plans one request may pick.
const MAX_PICKED: usize = 20;

/// The merchant's published plans with their prices expanded, for a pricing table.
///
/// Kept in memory per merchant and mode until the catalog changes, with an
/// `ETag`: a request with `If-None-Match` naming it is answered 304.
#[utoipa::path(get, path = "/v1/public/plans", tag = "public", params(PublicPlansQuery),
    responses((status = 200, body = List<PublicPlan>,
            headers(("ETag" = String, description = "Changes whenever the answer does"))),
        (status = 304, description = "The answer is the one `If-None-Match` names"),
        (status = 422, body = Problem)),
    security(("publishable_key" = []), ("secret_key" = [])))]
pub async fn list_public_plans(
    State(state): State<AppState>,
    AnyKey(scope): AnyKey,
    ApiQuery(q): ApiQuery<PublicPlansQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let name = q.plans.as_deref().unwrap_or_default().trim();
    let at = state.answers.current(&state.db, &scope).await?;
    let answer = match state.answers.body(&scope, at, name) {
        Some(kept) => kept,
        None => {
            let plans = public_plans(&state, &scope, q.plans.as_deref()).await?;
            let body = serde_json::to_vec(&List::new(plans, false))
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("encoding plans: {e}")))?;
            let answer = Arc::new(Answer::new(body.into()));
            state.answers.keep(&scope, at, name, answer.clone());
            answer
        }
    };
    let status = if answer.matches(headers.get(header::IF_NONE_MATCH)) {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    };
    let mut response = if status == StatusCode::OK {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            answer.body.clone(),
        )
            .into_response()
    } else {
        status.into_response()
    };
    let h = response.headers_mut();
    h.insert(header::ETAG, answer.etag.clone());
    // Revalidated on every use: a browser keeps the bytes and asks with
    // `If-None-Match`; the answer depends on the key.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.append(header::VARY, HeaderValue::from_static("Authorization"));
    Ok(response)
}

/// The published plans (or the picked ones) with their prices and products.
async fn public_plans(
    state: &AppState,
    scope: &Scope,
    picked: Option<&str>,
) -> ApiResult<Vec<PublicPlan>> {
    let plans = match picked {
        None => plans::list_published_plans(&state.db, scope).await?,
        Some(raw) => picked_plans(state, scope, raw).await?,
    };
    let price_ids: Vec<String> = plans
        .iter()
        .flat_map(|p| p.prices.iter().chain(&p.addons).chain(&p.setup_fee))
        .cloned()
        .collect();
    let found = prices::get_prices(&state.db, scope, &price_ids).await?;
    let product_ids: Vec<&str> = found.values().map(|p| p.product.as_str()).collect();
    let products = catalog::get_products(&state.db, scope, &product_ids).await?;
    Ok(plans
        .into_iter()
        .map(|p| public_plan(p, &found, &products))
        .collect())
}

/// The published, active plans among the comma-separated ids, in their order.
async fn picked_plans(state: &AppState, scope: &Scope, raw: &str) -> ApiResult<Vec<Plan>> {
    let mut seen = HashSet::new();
    let ids: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    if ids.len() > MAX_PICKED {
        return Err(ApiError::invalid(
            "plans",
            format!("At most {MAX_PICKED} plans at a time"),
        ));
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if !is_id_of(Kind::Plan, id) {
            return Err(ApiError::invalid(
                "plans",
                format!("'{id}' is not a plan_… id"),
            ));
        }
        if !seen.insert(id) {
            continue;
        }
        if let Some(plan) = plans::get_plan(&state.db, scope, id).await?
            && plan.active
            && plan.published
        {
            out.push(plan);
        }
    }
    Ok(out)
}

/// The widget's view of a plan: prices expanded, internal settings left out.
fn public_plan(
    plan: Plan,
    found: &HashMap<String, Price>,
    products: &HashMap<String, Product>,
) -> PublicPlan {
    let expand = |ids: &[String]| -> Vec<Price> {
        ids.iter().filter_map(|id| found.get(id).cloned()).collect()
    };
    let prices = expand(&plan.prices);
    let addons = expand(&plan.addons);
    let setup_fee = plan
        .setup_fee
        .as_ref()
        .and_then(|id| found.get(id).cloned());
    let mut seen = HashSet::new();
    let plan_products = prices
        .iter()
        .chain(&addons)
        .chain(&setup_fee)
        .filter(|p| seen.insert(p.product.clone()))
        .filter_map(|p| products.get(&p.product).cloned())
        .collect();
    PublicPlan {
        id: plan.id,
        object: "plan".to_owned(),
        livemode: plan.livemode,
        name: plan.name,
        description: plan.description,
        currency: plan.currency,
        prices,
        addons,
        setup_fee,
        products: plan_products,
        trial_days: plan.trial_days,
        payment_mode: plan.payment_mode,
        customer_rights: plan.customer_rights,
        terms: plan.terms,
        require_signature: plan.require_signature,
        features: plan.features,
    }
}
