//! `/v1/invoices`: invoices with their lines and tax breakdown.

use axum::Json;
use axum::extract::{Path, State};
use renewly_types::{Invoice, List, Problem};

use super::AppState;
use super::extract::{ApiQuery, ListQuery, SecretKey, path_id};
use crate::billing::present;
use crate::error::{ApiError, ApiResult};
use crate::ids::Kind;
use crate::store::billing::InvoiceFilter;

/// Filters of `GET /v1/invoices`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvoiceQuery {
    /// `sub_…`
    pub subscription: Option<String>,
    /// `cus_…`
    pub customer: Option<String>,
    /// `open`, `paid`, `void` or `uncollectible`.
    pub status: Option<String>,
}

/// Lists invoices, newest first.
#[utoipa::path(get, path = "/v1/invoices", tag = "billing", params(ListQuery, InvoiceQuery),
    responses((status = 200, body = List<Invoice>)), security(("secret_key" = [])))]
pub async fn list_invoices(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(q): ApiQuery<InvoiceQuery>,
) -> ApiResult<Json<List<Invoice>>> {
    let page = list.page(Kind::Invoice)?;
    if let Some(s) = &q.status {
        if !matches!(
            s.as_str(),
            "draft" | "open" | "paid" | "void" | "uncollectible"
        ) {
            return Err(ApiError::invalid(
                "status",
                "status must be draft, open, paid, void or uncollectible",
            ));
        }
    }
    let filter = InvoiceFilter {
        subscription: q.subscription,
        customer: q.customer,
        status: q.status,
    };
    let (data, more) = present::list_invoices(&state.db, &scope, &filter, &page).await?;
    Ok(Json(List::new(data, more)))
}

/// Retrieves an invoice with its lines and tax breakdown.
#[utoipa::path(get, path = "/v1/invoices/{id}", tag = "billing",
    params(("id" = String, Path, description = "inv_…")),
    responses((status = 200, body = Invoice), (status = 404, body = Problem)), security(("secret_key" = [])))]
pub async fn get_invoice(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Invoice>> {
    path_id(Kind::Invoice, "invoice", &id)?;
    present::get_invoice(&state.db, &scope, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("invoice", id))
}
