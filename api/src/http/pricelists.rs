//! `/v1/pricelists`: special prices for a group of customers, in one currency:
//! fixed amounts or percentage discounts per product or price, from a minimum
//! quantity on. How a pricelist prices a line is `domain::pricing`.

use std::collections::HashSet;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use renewly_types::{CreatePricelist, List, Pricelist, PricelistItem, Problem, UpdatePricelist};
use rust_decimal::Decimal;

use super::extract::{ApiJson, ApiQuery, ListQuery, SecretKey, path_id};
use super::merchant::currency_code;
use super::prices::{default_currency, reference_missing};
use super::{AppState, required_text};
use crate::domain::money::MAX_SCALE;
use crate::error::{ApiError, ApiResult};
use crate::ids::{Kind, is_id_of, new_id};
use crate::store::{Scope, catalog, now, pricelists, prices};

/// Filters of `GET /v1/pricelists`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PricelistQuery {
    /// Only active (`true`) or archived (`false`) pricelists.
    pub active: Option<bool>,
}

/// Most rules in one pricelist.
const MAX_ITEMS: usize = 500;

/// Creates a pricelist.
#[utoipa::path(post, path = "/v1/pricelists", tag = "catalog", request_body = CreatePricelist,
    responses((status = 201, body = Pricelist), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn create_pricelist(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiJson(body): ApiJson<CreatePricelist>,
) -> ApiResult<(StatusCode, Json<Pricelist>)> {
    let name = required_text("name", &body.name, 200)?;
    let currency = match &body.currency {
        Some(c) => currency_code("currency", c)?,
        None => default_currency(&state, &scope).await?,
    };
    let items = items(&state, &scope, &currency, &body.items).await?;
    let pricelist = Pricelist {
        id: new_id(Kind::Pricelist),
        object: "pricelist".to_owned(),
        livemode: scope.livemode,
        name,
        currency,
        items,
        active: true,
        created: now(),
    };
    pricelists::insert_pricelist(&state.db, &scope, &pricelist).await?;
    Ok((StatusCode::CREATED, Json(pricelist)))
}

/// Lists pricelists, newest first.
#[utoipa::path(get, path = "/v1/pricelists", tag = "catalog", params(ListQuery, PricelistQuery),
    responses((status = 200, body = List<Pricelist>)), security(("secret_key" = [])))]
pub async fn list_pricelists(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(q): ApiQuery<PricelistQuery>,
) -> ApiResult<Json<List<Pricelist>>> {
    let page = list.page(Kind::Pricelist)?;
    let (data, has_more) = pricelists::list_pricelists(&state.db, &scope, q.active, &page).await?;
    Ok(Json(List::new(data, has_more)))
}

/// Retrieves a pricelist.
#[utoipa::path(get, path = "/v1/pricelists/{id}", tag = "catalog",
    params(("id" = String, Path, description = "pl_…")),
    responses((status = 200, body = Pricelist), (status = 404, body = Problem)),
    security(("secret_key" = [])))]
pub async fn get_pricelist(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Pricelist>> {
    path_id(Kind::Pricelist, "pricelist", &id)?;
    pricelists::get_pricelist(&state.db, &scope, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("pricelist", id))
}

/// Changes a pricelist; `items` replaces every rule, `active: false` archives it.
#[utoipa::path(patch, path = "/v1/pricelists/{id}", tag = "catalog", request_body = UpdatePricelist,
    params(("id" = String, Path, description = "pl_…")),
    responses((status = 200, body = Pricelist), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn update_pricelist(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdatePricelist>,
) -> ApiResult<Json<Pricelist>> {
    path_id(Kind::Pricelist, "pricelist", &id)?;
    let mut pricelist = pricelists::get_pricelist(&state.db, &scope, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("pricelist", id.clone()))?;
    if let Some(name) = &body.name {
        pricelist.name = required_text("name", name, 200)?;
    }
    if let Some(new_items) = &body.items {
        pricelist.items = items(&state, &scope, &pricelist.currency, new_items).await?;
    }
    if let Some(active) = body.active {
        pricelist.active = active;
    }
    pricelists::update_pricelist(&state.db, &scope, &pricelist).await?;
    Ok(Json(pricelist))
}

/// Checks every rule: one target that exists (a price in the pricelist's
/// currency), one way to price, a minimum quantity of at least 1, and no two
/// rules for the same target and minimum quantity.
async fn items(
    state: &AppState,
    scope: &Scope,
    currency: &str,
    input: &[PricelistItem],
) -> ApiResult<Vec<PricelistItem>> {
    if input.len() > MAX_ITEMS {
        return Err(ApiError::invalid(
            "items",
            format!("A pricelist holds at most {MAX_ITEMS} rules"),
        ));
    }
    let mut out = Vec::with_capacity(input.len());
    let mut seen = HashSet::new();
    for (i, item) in input.iter().enumerate() {
        let at = |field: &str| format!("items.{i}.{field}");
        let product = item.product.as_deref().map(str::trim);
        let price = item.price.as_deref().map(str::trim);
        let target = target(state, scope, currency, product, price, &at).await?;
        check_pricing(item, &at)?;
        if item.min_quantity < 1 {
            return Err(ApiError::invalid(
                at("min_quantity"),
                "min_quantity must be at least 1",
            ));
        }
        if !seen.insert((target.to_owned(), item.min_quantity)) {
            return Err(ApiError::invalid(
                at("min_quantity"),
                format!(
                    "Another rule already prices '{target}' from quantity {}",
                    item.min_quantity
                ),
            ));
        }
        out.push(PricelistItem {
            product: product.map(str::to_owned),
            price: price.map(str::to_owned),
            ..item.clone()
        });
    }
    Ok(out)
}

/// The one product or price a rule prices: it exists, and a price is in the
/// pricelist's currency.
async fn target<'a>(
    state: &AppState,
    scope: &Scope,
    currency: &str,
    product: Option<&'a str>,
    price: Option<&'a str>,
    at: &(dyn Fn(&str) -> String + Sync),
) -> ApiResult<&'a str> {
    match (product, price) {
        (Some(id), None) => {
            let found = if is_id_of(Kind::Product, id) {
                catalog::get_product(&state.db, scope, id).await?
            } else {
                None
            };
            found.ok_or_else(|| reference_missing(&at("product"), "product", id))?;
            Ok(id)
        }
        (None, Some(id)) => {
            let found = if is_id_of(Kind::Price, id) {
                prices::get_price(&state.db, scope, id).await?
            } else {
                None
            };
            let found = found.ok_or_else(|| reference_missing(&at("price"), "price", id))?;
            if found.currency != currency {
                return Err(ApiError::invalid(
                    at("price"),
                    format!(
                        "Price '{id}' is in {}, the pricelist in {currency}",
                        found.currency
                    ),
                ));
            }
            Ok(id)
        }
        (Some(_), Some(_)) | (None, None) => Err(ApiError::invalid(
            at("product"),
            "Each rule names exactly one of 'product' or 'price'",
        )),
    }
}

/// A rule prices one way: a fixed amount, or a discount of above 0 up to 100 %.
fn check_pricing(item: &PricelistItem, at: &dyn Fn(&str) -> String) -> ApiResult<()> {
    match (item.fixed_amount, item.discount_percent) {
        (Some(fixed), None) => {
            if fixed < Decimal::ZERO
                || fixed.scale() > MAX_SCALE
                || fixed > crate::domain::money::MAX_AMOUNT
            {
                return Err(ApiError::invalid(
                    at("fixed_amount"),
                    "fixed_amount must be a non-negative decimal string such as \"15.00\"",
                ));
            }
        }
        (None, Some(percent)) => {
            if percent <= Decimal::ZERO
                || percent > Decimal::ONE_HUNDRED
                || percent.scale() > MAX_SCALE
            {
                return Err(ApiError::invalid(
                    at("discount_percent"),
                    "discount_percent must be above 0 and at most 100",
                ));
            }
        }
        (Some(_), Some(_)) | (None, None) => {
            return Err(ApiError::invalid(
                at("discount_percent"),
                "Each rule has exactly one of 'fixed_amount' or 'discount_percent'",
            ));
        }
    }
    Ok(())
}
