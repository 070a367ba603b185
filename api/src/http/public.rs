//! `/v1/public/…`: what the widget may call from a merchant's site with a
//! publishable key (a secret key works too). CORS is layered on these routes in
//! `openapi::public_routes`.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::extract::State;
use renewly_types::{List, Plan, Price, Problem, Product, PublicPlan};

use super::AppState;
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
#[utoipa::path(get, path = "/v1/public/plans", tag = "public", params(PublicPlansQuery),
    responses((status = 200, body = List<PublicPlan>), (status = 422, body = Problem)),
    security(("publishable_key" = []), ("secret_key" = [])))]
pub async fn list_public_plans(
    State(state): State<AppState>,
    AnyKey(scope): AnyKey,
    ApiQuery(q): ApiQuery<PublicPlansQuery>,
) -> ApiResult<Json<List<PublicPlan>>> {
    let plans = match q.plans.as_deref() {
        None => plans::list_published_plans(&state.db, &scope).await?,
        Some(raw) => picked_plans(&state, &scope, raw).await?,
    };
    let price_ids: Vec<String> = plans
        .iter()
        .flat_map(|p| p.prices.iter().chain(&p.addons).chain(&p.setup_fee))
        .cloned()
        .collect();
    let found = prices::get_prices(&state.db, &scope, &price_ids).await?;
    let product_ids: Vec<&str> = found.values().map(|p| p.product.as_str()).collect();
    let products = catalog::get_products(&state.db, &scope, &product_ids).await?;
    let data = plans
        .into_iter()
        .map(|p| public_plan(p, &found, &products))
        .collect();
    Ok(Json(List::new(data, false)))
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
