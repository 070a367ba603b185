//! `/v1/tax_rates`: rates per country (and region) and tax category. Every merchant
//! starts with the EU VAT table in both modes and may add, change or archive rates.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use renewly_types::{CreateTaxRate, List, Problem, TaxRate, UpdateTaxRate};
use rust_decimal::Decimal;

use super::extract::{ApiJson, ApiQuery, ListQuery, SecretKey, path_id};
use super::merchant::country_code;
use super::products::tax_category;
use super::{AppState, optional_text, required_text};
use crate::domain::money::parse_amount;
use crate::error::{ApiError, ApiResult};
use crate::ids::{Kind, new_id};
use crate::store::tax_rates::{self, TaxRateFilter};
use crate::store::{Scope, now};

/// Filters of `GET /v1/tax_rates`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaxRateQuery {
    /// Only rates of this country (ISO 3166-1 alpha-2).
    pub country: Option<String>,
    /// Only rates of this category, e.g. `standard`.
    pub tax_category: Option<String>,
    /// Only active (`true`) or archived (`false`) rates.
    pub active: Option<bool>,
}

/// Creates a tax rate.
#[utoipa::path(post, path = "/v1/tax_rates", tag = "catalog", request_body = CreateTaxRate,
    responses((status = 201, body = TaxRate), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn create_tax_rate(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiJson(body): ApiJson<CreateTaxRate>,
) -> ApiResult<(StatusCode, Json<TaxRate>)> {
    let country = country_code("country", &body.country)?;
    let region = optional_text("region", body.region.as_deref(), 64)?;
    let category = tax_category(
        "tax_category",
        body.tax_category.as_deref().unwrap_or("standard"),
    )?;
    let pct = percentage(&body.percentage)?;
    let name = match body.name.as_deref() {
        Some(n) => required_text("name", n, 100)?,
        None => default_name(pct),
    };
    let rate = TaxRate {
        id: new_id(Kind::TaxRate),
        object: "tax_rate".to_owned(),
        livemode: scope.livemode,
        country,
        region,
        tax_category: category,
        percentage: pct,
        name,
        active: true,
        created: now(),
    };
    no_active_twin(&state, &scope, &rate).await?;
    tax_rates::insert_tax_rate(&state.db, &scope, &rate).await?;
    Ok((StatusCode::CREATED, Json(rate)))
}

/// Lists tax rates, newest first.
#[utoipa::path(get, path = "/v1/tax_rates", tag = "catalog", params(ListQuery, TaxRateQuery),
    responses((status = 200, body = List<TaxRate>), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn list_tax_rates(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(q): ApiQuery<TaxRateQuery>,
) -> ApiResult<Json<List<TaxRate>>> {
    let page = list.page(Kind::TaxRate)?;
    let filter = TaxRateFilter {
        country: q
            .country
            .as_deref()
            .map(|c| country_code("country", c))
            .transpose()?,
        tax_category: q
            .tax_category
            .as_deref()
            .map(|t| tax_category("tax_category", t))
            .transpose()?,
        active: q.active,
    };
    let (data, has_more) = tax_rates::list_tax_rates(&state.db, &scope, &filter, &page).await?;
    Ok(Json(List::new(data, has_more)))
}

/// Retrieves a tax rate.
#[utoipa::path(get, path = "/v1/tax_rates/{id}", tag = "catalog",
    params(("id" = String, Path, description = "txr_…")),
    responses((status = 200, body = TaxRate), (status = 404, body = Problem)),
    security(("secret_key" = [])))]
pub async fn get_tax_rate(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<Json<TaxRate>> {
    path_id(Kind::TaxRate, "tax_rate", &id)?;
    tax_rates::get_tax_rate(&state.db, &scope, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("tax_rate", id))
}

/// Changes a tax rate's percentage or name; `active: false` archives it. Invoices
/// already issued keep the rate they were taxed at.
#[utoipa::path(patch, path = "/v1/tax_rates/{id}", tag = "catalog", request_body = UpdateTaxRate,
    params(("id" = String, Path, description = "txr_…")),
    responses((status = 200, body = TaxRate), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn update_tax_rate(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateTaxRate>,
) -> ApiResult<Json<TaxRate>> {
    path_id(Kind::TaxRate, "tax_rate", &id)?;
    let mut rate = tax_rates::get_tax_rate(&state.db, &scope, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("tax_rate", id.clone()))?;
    if let Some(raw) = &body.percentage {
        let pct = percentage(raw)?;
        // A name that only repeated the old percentage follows the new one.
        if body.name.is_none() && rate.name == default_name(rate.percentage) {
            rate.name = default_name(pct);
        }
        rate.percentage = pct;
    }
    if let Some(name) = &body.name {
        rate.name = required_text("name", name, 100)?;
    }
    if let Some(active) = body.active {
        if active && !rate.active {
            no_active_twin(&state, &scope, &rate).await?;
        }
        rate.active = active;
    }
    tax_rates::update_tax_rate(&state.db, &scope, &rate).await?;
    Ok(Json(rate))
}

/// A percentage as a decimal string from 0 to 100.
fn percentage(raw: &str) -> ApiResult<Decimal> {
    let pct = parse_amount(raw.trim())
        .map_err(|e| ApiError::invalid("percentage", format!("percentage {e}")))?;
    if pct > Decimal::ONE_HUNDRED {
        return Err(ApiError::invalid(
            "percentage",
            "percentage must be from 0 to 100",
        ));
    }
    Ok(pct.normalize())
}

fn default_name(pct: Decimal) -> String {
    format!("VAT {}%", pct.normalize())
}

/// Refuses a second active rate for the same country, region and category.
async fn no_active_twin(state: &AppState, scope: &Scope, rate: &TaxRate) -> ApiResult<()> {
    match tax_rates::active_twin(&state.db, scope, rate).await? {
        None => Ok(()),
        Some(twin) => Err(ApiError::Conflict {
            code: "tax_rate_exists",
            detail: format!(
                "Tax rate '{twin}' is already active for {} {}; change or archive it first",
                rate.country, rate.tax_category
            ),
            param: Some("tax_category".to_owned()),
        }),
    }
}
