//! `GET /v1/invoices/{id}/pdf`: the invoice as the customer receives it.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use renewly_types::Problem;

use super::AppState;
use super::extract::{ApiQuery, SecretKey, path_id};
use crate::billing::present as billing;
use crate::error::{ApiError, ApiResult};
use crate::ids::Kind;
use crate::pdf;
use crate::store::merchants;

/// Options of `GET /v1/invoices/{id}/pdf`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PdfQuery {
    /// The document's language: `en` (default) or `nl` (`nl-BE`, … too).
    pub locale: Option<String>,
}

/// Renders an invoice as an A4 PDF (shown inline by browsers).
#[utoipa::path(get, path = "/v1/invoices/{id}/pdf", tag = "billing",
    params(("id" = String, Path, description = "inv_…"), PdfQuery),
    responses(
        (status = 200, description = "The invoice as PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = Problem)),
    security(("secret_key" = [])))]
pub async fn get_invoice_pdf(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PdfQuery>,
) -> ApiResult<Response> {
    path_id(Kind::Invoice, "invoice", &id)?;
    let lang = crate::i18n::Lang::from_locale(q.locale.as_deref().unwrap_or("en"));
    let invoice = billing::get_invoice(&state.db, &scope, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("invoice", &id))?;
    let merchant = merchants::get_merchant(&state.db, &scope)
        .await?
        .ok_or_else(|| ApiError::not_found("invoice", &id))?;
    let filename = pdf::invoice_filename(&invoice.number);
    // Layout and font subsetting are CPU work: keep them off the async workers.
    let bytes = tokio::task::spawn_blocking(move || pdf::invoice_pdf_in(&merchant, &invoice, lang))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| ApiError::Internal(e.into()))?;
    pdf_response(bytes, &filename)
}

/// A PDF answer named `filename`, shown inline.
pub fn pdf_response(bytes: Vec<u8>, filename: &str) -> ApiResult<Response> {
    let disposition = HeaderValue::from_str(&format!("inline; filename=\"{filename}\""))
        .map_err(|e| ApiError::Internal(e.into()))?;
    Response::builder()
        .header(header::CONTENT_TYPE, "application/pdf")
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::CACHE_CONTROL, "private, no-store")
        .body(Body::from(bytes))
        .map_err(|e| ApiError::Internal(e.into()))
}
