//! `/v1/prices`: what a product costs, once or per period. A price's amount and
//! recurrence never change; archive it and create another instead.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use renewly_types::{
    CreatePrice, Interval, List, Price, Problem, ProductKind, Recurring, TaxBehavior, UpdatePrice,
};

use super::extract::{ApiJson, ApiQuery, ListQuery, SecretKey, path_id};
use super::merchant::currency_code;
use super::{AppState, optional_text};
use crate::domain::money::parse_amount;
use crate::error::{ApiError, ApiResult};
use crate::ids::{Kind, is_id_of, new_id};
use crate::store::prices::{self, PriceFilter};
use crate::store::{Scope, catalog, merchants, now};

/// Filters of `GET /v1/prices`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PriceQuery {
    /// Only prices of this product (`prod_…`).
    pub product: Option<String>,
    /// Only active (`true`) or archived (`false`) prices.
    pub active: Option<bool>,
    /// Only prices in this currency.
    pub currency: Option<String>,
}

/// Creates a price for an active product.
#[utoipa::path(post, path = "/v1/prices", tag = "catalog", request_body = CreatePrice,
    responses((status = 201, body = Price), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn create_price(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiJson(body): ApiJson<CreatePrice>,
) -> ApiResult<(StatusCode, Json<Price>)> {
    let product = if is_id_of(Kind::Product, body.product.trim()) {
        catalog::get_product(&state.db, &scope, body.product.trim()).await?
    } else {
        None
    };
    let product = product.ok_or_else(|| reference_missing("product", "product", &body.product))?;
    if !product.active {
        return Err(ApiError::invalid(
            "product",
            format!(
                "Product '{}' is archived; new prices need an active product",
                product.id
            ),
        ));
    }
    let unit_amount = parse_amount(body.unit_amount.trim())
        .map_err(|e| ApiError::invalid("unit_amount", format!("unit_amount {e}")))?;
    let currency = match &body.currency {
        Some(c) => currency_code("currency", c)?,
        None => default_currency(&state, &scope).await?,
    };
    let recurring = match (product.kind, body.recurring) {
        (ProductKind::Recurring, Some(r)) => Some(recurrence("recurring", r)?),
        (ProductKind::Recurring, None) => return Err(ApiError::missing("recurring")),
        (ProductKind::OneOff, None) => None,
        (ProductKind::OneOff, Some(_)) => {
            return Err(ApiError::invalid(
                "recurring",
                format!(
                    "Product '{}' is sold once: its prices have no 'recurring'",
                    product.id
                ),
            ));
        }
    };
    let price = Price {
        id: new_id(Kind::Price),
        object: "price".to_owned(),
        livemode: scope.livemode,
        product: product.id,
        currency,
        unit_amount,
        recurring,
        tax_behavior: body.tax_behavior.unwrap_or(TaxBehavior::Exclusive),
        nickname: optional_text("nickname", body.nickname.as_deref(), 100)?,
        active: true,
        created: now(),
    };
    prices::insert_price(&state.db, &scope, &price).await?;
    Ok((StatusCode::CREATED, Json(price)))
}

/// Lists prices, newest first.
#[utoipa::path(get, path = "/v1/prices", tag = "catalog", params(ListQuery, PriceQuery),
    responses((status = 200, body = List<Price>), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn list_prices(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(q): ApiQuery<PriceQuery>,
) -> ApiResult<Json<List<Price>>> {
    let page = list.page(Kind::Price)?;
    let filter = PriceFilter {
        product: q.product.map(|p| p.trim().to_owned()),
        active: q.active,
        currency: q
            .currency
            .as_deref()
            .map(|c| currency_code("currency", c))
            .transpose()?,
    };
    let (data, has_more) = prices::list_prices(&state.db, &scope, &filter, &page).await?;
    Ok(Json(List::new(data, has_more)))
}

/// Retrieves a price.
#[utoipa::path(get, path = "/v1/prices/{id}", tag = "catalog",
    params(("id" = String, Path, description = "price_…")),
    responses((status = 200, body = Price), (status = 404, body = Problem)),
    security(("secret_key" = [])))]
pub async fn get_price(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Price>> {
    path_id(Kind::Price, "price", &id)?;
    prices::get_price(&state.db, &scope, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("price", id))
}

/// Changes a price's nickname; `active: false` archives it (it is never deleted,
/// and plans that already offer it keep it).
#[utoipa::path(patch, path = "/v1/prices/{id}", tag = "catalog", request_body = UpdatePrice,
    params(("id" = String, Path, description = "price_…")),
    responses((status = 200, body = Price), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn update_price(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdatePrice>,
) -> ApiResult<Json<Price>> {
    path_id(Kind::Price, "price", &id)?;
    let mut price = prices::get_price(&state.db, &scope, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("price", id.clone()))?;
    if let Some(nickname) = &body.nickname {
        price.nickname = optional_text("nickname", nickname.as_deref(), 100)?;
    }
    if let Some(active) = body.active {
        price.active = active;
    }
    prices::update_price(&state.db, &scope, &price).await?;
    Ok(Json(price))
}

/// The merchant's default currency, for objects created without one.
pub async fn default_currency(state: &AppState, scope: &Scope) -> ApiResult<String> {
    merchants::get_merchant(&state.db, scope)
        .await?
        .map(|m| m.default_currency)
        .ok_or_else(|| ApiError::not_found("merchant", scope.merchant_id.clone()))
}

/// A 422 for a request field naming an object this merchant does not have.
pub fn reference_missing(param: &str, resource: &str, id: &str) -> ApiError {
    ApiError::Invalid {
        param: param.to_owned(),
        code: "resource_missing",
        detail: format!("No such {resource}: '{id}'"),
    }
}

/// A recurrence of 1 to 365 intervals, at most three years long.
fn recurrence(param: &str, r: Recurring) -> ApiResult<Recurring> {
    let (max, unit) = match r.interval {
        Interval::Day => (365, "days"),
        Interval::Week => (156, "weeks"),
        Interval::Month => (36, "months"),
        Interval::Year => (3, "years"),
    };
    if !(1..=max).contains(&r.interval_count) {
        return Err(ApiError::invalid(
            format!("{param}.interval_count"),
            format!(
                "interval_count must be from 1 to {max} {unit} (at most a year of days, three years otherwise)"
            ),
        ));
    }
    Ok(r)
}
