//! `/v1/plans`: subscription templates — the prices offered, add-ons, setup fee,
//! trial, payment terms, customer rights, close reasons and dunning schedule.

use std::collections::HashSet;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use renewly_types::{
    CloseReason, CloseReasonInput, CreatePlan, Dunning, List, PaymentMode, Plan, Price, Problem,
    UpdatePlan,
};

use super::extract::{ApiJson, ApiQuery, ListQuery, SecretKey, path_id};
use super::prices::reference_missing;
use super::{AppState, optional_text, required_text};
use crate::error::{ApiError, ApiResult};
use crate::ids::{Kind, is_id_of, new_id};
use crate::store::{Scope, now, plans, prices};

/// Filters of `GET /v1/plans`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// Only active (`true`) or archived (`false`) plans.
    pub active: Option<bool>,
    /// Only plans shown (`true`) or not shown (`false`) to the public API.
    pub published: Option<bool>,
}

/// Most recurring prices a plan offers.
const MAX_PRICES: usize = 20;
/// Most add-ons a plan offers.
const MAX_ADDONS: usize = 50;
/// Longest free trial, in days (two years).
const MAX_TRIAL_DAYS: u32 = 730;
/// Longest payment term of an invoice, in days.
const MAX_DUE_DAYS: u32 = 365;
/// Most selling points on a pricing table.
const MAX_FEATURES: usize = 50;

/// Creates a plan.
#[utoipa::path(post, path = "/v1/plans", tag = "catalog", request_body = CreatePlan,
    responses((status = 201, body = Plan), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn create_plan(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiJson(body): ApiJson<CreatePlan>,
) -> ApiResult<(StatusCode, Json<Plan>)> {
    let name = required_text("name", &body.name, 200)?;
    let description = optional_text("description", body.description.as_deref(), 2000)?;
    let offer = Offer {
        prices: &body.prices,
        addons: &body.addons,
        setup_fee: body.setup_fee.as_deref(),
    };
    let currency = check_offer(&state, &scope, &offer, &Offer::default()).await?;
    let plan = Plan {
        id: new_id(Kind::Plan),
        object: "plan".to_owned(),
        livemode: scope.livemode,
        name,
        description,
        currency,
        prices: trimmed(&body.prices),
        addons: trimmed(&body.addons),
        setup_fee: body.setup_fee.as_deref().map(|s| s.trim().to_owned()),
        trial_days: trial_days(body.trial_days)?,
        payment_mode: body
            .payment_mode
            .unwrap_or(PaymentMode::ChargeAutomatically),
        invoice_due_days: invoice_due_days(body.invoice_due_days.unwrap_or(14))?,
        customer_rights: body.customer_rights.unwrap_or_default(),
        close_reasons: close_reasons(&body.close_reasons, &[])?,
        dunning: dunning(body.dunning.unwrap_or_default())?,
        terms: optional_text("terms", body.terms.as_deref(), 20_000)?,
        require_signature: body.require_signature,
        features: features(&body.features)?,
        published: body.published,
        active: true,
        created: now(),
    };
    plans::insert_plan(&state.db, &scope, &plan).await?;
    Ok((StatusCode::CREATED, Json(plan)))
}

/// Lists plans, newest first.
#[utoipa::path(get, path = "/v1/plans", tag = "catalog", params(ListQuery, PlanQuery),
    responses((status = 200, body = List<Plan>)), security(("secret_key" = [])))]
pub async fn list_plans(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(q): ApiQuery<PlanQuery>,
) -> ApiResult<Json<List<Plan>>> {
    let page = list.page(Kind::Plan)?;
    let (data, has_more) =
        plans::list_plans(&state.db, &scope, q.active, q.published, &page).await?;
    Ok(Json(List::new(data, has_more)))
}

/// Retrieves a plan.
#[utoipa::path(get, path = "/v1/plans/{id}", tag = "catalog",
    params(("id" = String, Path, description = "plan_…")),
    responses((status = 200, body = Plan), (status = 404, body = Problem)),
    security(("secret_key" = [])))]
pub async fn get_plan(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Plan>> {
    path_id(Kind::Plan, "plan", &id)?;
    plans::get_plan(&state.db, &scope, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("plan", id))
}

/// Changes a plan; `active: false` archives it (and unpublishes it). Prices it
/// already offers stay valid when archived; archived prices cannot be added.
#[utoipa::path(patch, path = "/v1/plans/{id}", tag = "catalog", request_body = UpdatePlan,
    params(("id" = String, Path, description = "plan_…")),
    responses((status = 200, body = Plan), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn update_plan(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdatePlan>,
) -> ApiResult<Json<Plan>> {
    path_id(Kind::Plan, "plan", &id)?;
    let mut plan = plans::get_plan(&state.db, &scope, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("plan", id.clone()))?;
    if let Some(name) = &body.name {
        plan.name = required_text("name", name, 200)?;
    }
    if let Some(description) = &body.description {
        plan.description = optional_text("description", description.as_deref(), 2000)?;
    }
    if body.prices.is_some() || body.addons.is_some() || body.setup_fee.is_some() {
        change_offer(&state, &scope, &mut plan, &body).await?;
    }
    change_terms(&mut plan, &body)?;
    plans::update_plan(&state.db, &scope, &plan).await?;
    Ok(Json(plan))
}

/// Applies a change of the plan's prices, add-ons or setup fee, checked as on
/// creation (archived prices it already offers may stay).
async fn change_offer(
    state: &AppState,
    scope: &Scope,
    plan: &mut Plan,
    body: &UpdatePlan,
) -> ApiResult<()> {
    let new_prices = body.prices.as_deref().unwrap_or(&plan.prices);
    let new_addons = body.addons.as_deref().unwrap_or(&plan.addons);
    let new_setup_fee = match &body.setup_fee {
        Some(fee) => fee.as_deref(),
        None => plan.setup_fee.as_deref(),
    };
    let offer = Offer {
        prices: new_prices,
        addons: new_addons,
        setup_fee: new_setup_fee,
    };
    let kept = Offer {
        prices: &plan.prices,
        addons: &plan.addons,
        setup_fee: plan.setup_fee.as_deref(),
    };
    let currency = check_offer(state, scope, &offer, &kept).await?;
    let (new_prices, new_addons) = (trimmed(new_prices), trimmed(new_addons));
    plan.setup_fee = new_setup_fee.map(|s| s.trim().to_owned());
    plan.prices = new_prices;
    plan.addons = new_addons;
    plan.currency = currency;
    Ok(())
}

/// Applies the rest of a plan change: trial, payment, rights, dunning, terms,
/// features and whether it is active and published.
fn change_terms(plan: &mut Plan, body: &UpdatePlan) -> ApiResult<()> {
    if let Some(days) = body.trial_days {
        plan.trial_days = trial_days(days)?;
    }
    if let Some(mode) = body.payment_mode {
        plan.payment_mode = mode;
    }
    if let Some(days) = body.invoice_due_days {
        plan.invoice_due_days = invoice_due_days(days)?;
    }
    if let Some(rights) = body.customer_rights {
        plan.customer_rights = rights;
    }
    if let Some(reasons) = &body.close_reasons {
        plan.close_reasons = close_reasons(reasons, &plan.close_reasons)?;
    }
    if let Some(d) = &body.dunning {
        plan.dunning = dunning(d.clone())?;
    }
    if let Some(terms) = &body.terms {
        plan.terms = optional_text("terms", terms.as_deref(), 20_000)?;
    }
    if let Some(required) = body.require_signature {
        plan.require_signature = required;
    }
    if let Some(f) = &body.features {
        plan.features = features(f)?;
    }
    if let Some(active) = body.active {
        plan.active = active;
    }
    if let Some(published) = body.published {
        if published && !plan.active {
            return Err(ApiError::invalid(
                "published",
                "An archived plan cannot be published; set active to true as well",
            ));
        }
        plan.published = published;
    }
    if !plan.active {
        plan.published = false;
    }
    Ok(())
}

/// The prices a plan references, as given or as stored.
#[derive(Debug, Default, Clone, Copy)]
struct Offer<'a> {
    prices: &'a [String],
    addons: &'a [String],
    setup_fee: Option<&'a str>,
}

/// Checks what a plan offers and returns the currency all its prices share.
/// Archived prices are refused unless `kept` already offers them in the same role.
async fn check_offer(
    state: &AppState,
    scope: &Scope,
    offer: &Offer<'_>,
    kept: &Offer<'_>,
) -> ApiResult<String> {
    check_sizes(offer)?;
    let mut ids: Vec<String> = offer
        .prices
        .iter()
        .chain(offer.addons)
        .map(|id| id.trim().to_owned())
        .filter(|id| is_id_of(Kind::Price, id))
        .collect();
    if let Some(fee) = offer
        .setup_fee
        .map(str::trim)
        .filter(|id| is_id_of(Kind::Price, id))
    {
        ids.push(fee.to_owned());
    }
    let mut check = OfferCheck {
        found: prices::get_prices(&state.db, scope, &ids).await?,
        currency: None,
        seen: HashSet::new(),
    };
    for (i, id) in offer.prices.iter().enumerate() {
        check.recurring_price(&format!("prices.{i}"), id, kept.prices)?;
    }
    let mut seen_addons = HashSet::new();
    for (i, id) in offer.addons.iter().enumerate() {
        let param = format!("addons.{i}");
        let price = check.price(&param, id, kept.addons)?;
        if check.seen.contains(&price.id) {
            return Err(ApiError::invalid(
                param,
                format!("Price '{}' is already one of the plan's prices", price.id),
            ));
        }
        if !seen_addons.insert(price.id.clone()) {
            return Err(listed_twice(param, &price));
        }
        check.same_currency(&param, &price)?;
    }
    if let Some(fee) = offer.setup_fee {
        let kept_fee: Vec<String> = kept.setup_fee.map(str::to_owned).into_iter().collect();
        let price = check.price("setup_fee", fee, &kept_fee)?;
        if price.recurring.is_some() {
            return Err(ApiError::invalid(
                "setup_fee",
                format!(
                    "Price '{}' recurs; a setup fee is a one-off price",
                    price.id
                ),
            ));
        }
        check.same_currency("setup_fee", &price)?;
    }
    check
        .currency
        .ok_or_else(|| ApiError::invalid("prices", "A plan needs at least one recurring price"))
}

/// At least one price, and no more prices or add-ons than a plan may offer.
fn check_sizes(offer: &Offer<'_>) -> ApiResult<()> {
    if offer.prices.is_empty() {
        return Err(ApiError::invalid(
            "prices",
            "A plan needs at least one recurring price",
        ));
    }
    if offer.prices.len() > MAX_PRICES {
        return Err(ApiError::invalid(
            "prices",
            format!("A plan offers at most {MAX_PRICES} prices"),
        ));
    }
    if offer.addons.len() > MAX_ADDONS {
        return Err(ApiError::invalid(
            "addons",
            format!("A plan offers at most {MAX_ADDONS} add-ons"),
        ));
    }
    Ok(())
}

fn listed_twice(param: String, price: &Price) -> ApiError {
    ApiError::invalid(param, format!("Price '{}' is listed twice", price.id))
}

/// The prices of an offer being checked, and what the check has seen so far.
struct OfferCheck {
    found: std::collections::HashMap<String, Price>,
    /// The currency of the first price; every other must share it.
    currency: Option<String>,
    /// The plan's recurring prices.
    seen: HashSet<String>,
}

impl OfferCheck {
    /// The price `id` given as `param`: it exists, and is active unless `kept`
    /// has it.
    fn price(&mut self, param: &str, id: &str, kept: &[String]) -> ApiResult<Price> {
        let price = self
            .found
            .get(id.trim())
            .cloned()
            .ok_or_else(|| reference_missing(param, "price", id))?;
        if !price.active && !kept.iter().any(|k| k == &price.id) {
            return Err(ApiError::invalid(
                param,
                format!(
                    "Price '{}' is archived and cannot be added to a plan",
                    price.id
                ),
            ));
        }
        Ok(price)
    }

    /// The offer's first price sets its currency; every other must share it.
    fn same_currency(&mut self, param: &str, price: &Price) -> ApiResult<()> {
        match &self.currency {
            None => self.currency = Some(price.currency.clone()),
            Some(c) if *c == price.currency => {}
            Some(c) => {
                return Err(ApiError::invalid(
                    param,
                    format!(
                        "Price '{}' is in {}, the plan's other prices in {c}",
                        price.id, price.currency
                    ),
                ));
            }
        }
        Ok(())
    }

    /// One of the plan's prices: recurring, and listed once.
    fn recurring_price(&mut self, param: &str, id: &str, kept: &[String]) -> ApiResult<()> {
        let price = self.price(param, id, kept)?;
        if !self.seen.insert(price.id.clone()) {
            return Err(listed_twice(param.to_owned(), &price));
        }
        if price.recurring.is_none() {
            return Err(ApiError::invalid(
                param,
                format!(
                    "Price '{}' is one-off; a plan's prices recur (one-off prices go in addons or setup_fee)",
                    price.id
                ),
            ));
        }
        self.same_currency(param, &price)
    }
}

fn trimmed(ids: &[String]) -> Vec<String> {
    ids.iter().map(|id| id.trim().to_owned()).collect()
}

fn trial_days(days: u32) -> ApiResult<u32> {
    if days > MAX_TRIAL_DAYS {
        return Err(ApiError::invalid(
            "trial_days",
            format!("trial_days must be at most {MAX_TRIAL_DAYS}"),
        ));
    }
    Ok(days)
}

fn invoice_due_days(days: u32) -> ApiResult<u32> {
    if days > MAX_DUE_DAYS {
        return Err(ApiError::invalid(
            "invoice_due_days",
            format!("invoice_due_days must be at most {MAX_DUE_DAYS}"),
        ));
    }
    Ok(days)
}

/// Retries on strictly ascending days, each at least 1 and before the close day.
fn dunning(d: Dunning) -> ApiResult<Dunning> {
    if d.close_after_days == 0 || d.close_after_days > 365 {
        return Err(ApiError::invalid(
            "dunning.close_after_days",
            "close_after_days must be from 1 to 365",
        ));
    }
    if d.retry_days.len() > 20 {
        return Err(ApiError::invalid(
            "dunning.retry_days",
            "At most 20 retries",
        ));
    }
    let mut previous = 0;
    for (i, &day) in d.retry_days.iter().enumerate() {
        let param = format!("dunning.retry_days.{i}");
        if day <= previous {
            return Err(ApiError::invalid(
                param,
                "retry_days must be at least 1 and strictly ascending",
            ));
        }
        if day >= d.close_after_days {
            return Err(ApiError::invalid(
                param,
                format!(
                    "Every retry must come before close_after_days ({})",
                    d.close_after_days
                ),
            ));
        }
        previous = day;
    }
    Ok(d)
}

/// Named close reasons, unique by name (case-insensitive); a reason keeps the id
/// it had in `old` when its name is kept.
fn close_reasons(input: &[CloseReasonInput], old: &[CloseReason]) -> ApiResult<Vec<CloseReason>> {
    if input.len() > 20 {
        return Err(ApiError::invalid(
            "close_reasons",
            "At most 20 close reasons",
        ));
    }
    let mut seen = HashSet::new();
    input
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let name = required_text(&format!("close_reasons.{i}.name"), &r.name, 100)?;
            if !seen.insert(name.to_lowercase()) {
                return Err(ApiError::invalid(
                    format!("close_reasons.{i}.name"),
                    format!("The close reason '{name}' is listed twice"),
                ));
            }
            let retention_offer = optional_text(
                &format!("close_reasons.{i}.retention_offer"),
                r.retention_offer.as_deref(),
                1000,
            )?;
            let id = old
                .iter()
                .find(|o| o.name.to_lowercase() == name.to_lowercase())
                .map_or_else(|| new_id(Kind::CloseReason), |o| o.id.clone());
            Ok(CloseReason {
                id,
                name,
                retention_offer,
            })
        })
        .collect()
}

fn features(input: &[String]) -> ApiResult<Vec<String>> {
    if input.len() > MAX_FEATURES {
        return Err(ApiError::invalid(
            "features",
            format!("A plan lists at most {MAX_FEATURES} features"),
        ));
    }
    input
        .iter()
        .enumerate()
        .map(|(i, f)| required_text(&format!("features.{i}"), f, 200))
        .collect()
}
