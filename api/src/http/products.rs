//! `/v1/products`: what the merchant sells.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use renewly_types::{CreateProduct, List, Problem, Product, ProductKind, UpdateProduct};

use super::extract::{ApiJson, ApiQuery, ListQuery, SecretKey, path_id};
use super::{AppState, optional_text, required_text};
use crate::error::{ApiError, ApiResult};
use crate::ids::{Kind, new_id};
use crate::store::{catalog, now};

/// Filters of `GET /v1/products`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductFilter {
    /// Only active (`true`) or archived (`false`) products.
    pub active: Option<bool>,
}

/// Creates a product.
#[utoipa::path(post, path = "/v1/products", tag = "catalog", request_body = CreateProduct,
    responses((status = 201, body = Product), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn create_product(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiJson(body): ApiJson<CreateProduct>,
) -> ApiResult<(StatusCode, Json<Product>)> {
    let product = Product {
        id: new_id(Kind::Product),
        object: "product".to_owned(),
        livemode: scope.livemode,
        name: required_text("name", &body.name, 200)?,
        description: optional_text("description", body.description.as_deref(), 2000)?,
        kind: body.kind.unwrap_or(ProductKind::Recurring),
        unit: unit("unit", body.unit.as_deref().unwrap_or("unit"))?,
        tax_category: tax_category(
            "tax_category",
            body.tax_category.as_deref().unwrap_or("standard"),
        )?,
        active: true,
        created: now(),
    };
    catalog::insert_product(&state.db, &scope, &product).await?;
    Ok((StatusCode::CREATED, Json(product)))
}

/// Lists products, newest first.
#[utoipa::path(get, path = "/v1/products", tag = "catalog", params(ListQuery, ProductFilter),
    responses((status = 200, body = List<Product>)), security(("secret_key" = [])))]
pub async fn list_products(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(q): ApiQuery<ProductFilter>,
) -> ApiResult<Json<List<Product>>> {
    let page = list.page(Kind::Product)?;
    let (data, has_more) = catalog::list_products(&state.db, &scope, q.active, &page).await?;
    Ok(Json(List::new(data, has_more)))
}

/// Retrieves a product.
#[utoipa::path(get, path = "/v1/products/{id}", tag = "catalog",
    params(("id" = String, Path, description = "prod_…")),
    responses((status = 200, body = Product), (status = 404, body = Problem)),
    security(("secret_key" = [])))]
pub async fn get_product(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Product>> {
    path_id(Kind::Product, "product", &id)?;
    catalog::get_product(&state.db, &scope, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("product", id))
}

/// Changes a product; `active: false` archives it (it is never deleted).
#[utoipa::path(patch, path = "/v1/products/{id}", tag = "catalog", request_body = UpdateProduct,
    params(("id" = String, Path, description = "prod_…")),
    responses((status = 200, body = Product), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn update_product(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateProduct>,
) -> ApiResult<Json<Product>> {
    path_id(Kind::Product, "product", &id)?;
    let mut product = catalog::get_product(&state.db, &scope, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("product", id.clone()))?;
    if let Some(name) = &body.name {
        product.name = required_text("name", name, 200)?;
    }
    if let Some(description) = &body.description {
        product.description = optional_text("description", description.as_deref(), 2000)?;
    }
    if let Some(u) = &body.unit {
        product.unit = unit("unit", u)?;
    }
    if let Some(t) = &body.tax_category {
        product.tax_category = tax_category("tax_category", t)?;
    }
    if let Some(active) = body.active {
        product.active = active;
    }
    catalog::update_product(&state.db, &scope, &product).await?;
    Ok(Json(product))
}

fn unit(param: &str, raw: &str) -> ApiResult<String> {
    required_text(param, raw, 32)
}

/// A tax category name: lower-case letters, digits and underscores.
pub fn tax_category(param: &str, raw: &str) -> ApiResult<String> {
    let t = raw.trim();
    if t.is_empty()
        || t.len() > 40
        || !t
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(ApiError::invalid(
            param,
            format!("'{raw}' is not a tax category such as standard, reduced or super_reduced"),
        ));
    }
    Ok(t.to_owned())
}
