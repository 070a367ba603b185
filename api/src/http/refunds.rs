//! `POST /v1/invoices/{id}/refund`: gives back all or part of what a paid
//! invoice took, through the provider that took it (the test provider or
//! Stripe), and records it with the invoice, the ledger and an event.

use axum::extract::{Path, State};
use axum::{Extension, Json};
use renewly_types::{Invoice, Problem, RefundInvoice};
use rust_decimal::Decimal;

use super::AppState;
use super::extract::{ApiJson, SecretKey, path_id};
use super::middleware::RequestKey;
use crate::billing::present;
use crate::domain::money::{from_minor, to_minor};
use crate::error::{ApiError, ApiResult};
use crate::ids::{Kind, new_id};
use crate::payments::PaymentProvider;
use crate::store::refunds::{self, NewRefund, Recorded};
use crate::store::{Scope, invoices};

/// Refunds a paid invoice: `amount` (default all that was paid and not refunded
/// yet) goes back to the card it was paid with. Send an `Idempotency-Key`: a
/// retry with it is answered the first answer and refunds once.
#[utoipa::path(post, path = "/v1/invoices/{id}/refund", tag = "billing",
    request_body = RefundInvoice,
    params(("id" = String, Path, description = "inv_…")),
    responses((status = 200, body = Invoice), (status = 404, body = Problem),
        (status = 409, description = "Nothing was paid by card, or a refund came first", body = Problem),
        (status = 422, description = "More than what is left to refund", body = Problem),
        (status = 502, description = "The provider could not be reached", body = Problem)),
    security(("secret_key" = [])))]
pub async fn refund_invoice(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    request_key: Option<Extension<RequestKey>>,
    ApiJson(body): ApiJson<RefundInvoice>,
) -> ApiResult<Json<Invoice>> {
    path_id(Kind::Invoice, "invoice", &id)?;
    let inv = invoices::get(&state.db, &scope, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("invoice", id.clone()))?;
    let cur = inv.currency();
    let amount = refund_amount(&body, &inv)?;
    let reason = body
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::invalid(
            "reason",
            "reason must be at most 500 characters",
        ));
    }
    let charge = refunds::paid_charge(&state.db, &scope, &inv.id)
        .await?
        .ok_or_else(|| ApiError::Conflict {
            code: "no_charge_to_refund",
            detail: format!("'{}' was not paid by a card charge", inv.id),
            param: None,
        })?;
    // With an Idempotency-Key, the provider sees the same key on a retry;
    // without, the refunded amount so far tells this refund from the next.
    let key = match request_key {
        Some(Extension(k)) => format!("{}:refund:{}", inv.id, k.charge_key()),
        None => format!("{}:refund:{}:{amount}", inv.id, inv.amount_refunded_minor),
    };
    let provider = state
        .provider
        .named(&state.db, &scope, &charge.provider)
        .await?;
    let refunded = provider
        .refund(
            &charge.provider_reference,
            from_minor(amount, &cur),
            cur.code(),
            &key,
        )
        .await?;
    let today = crate::billing::clock::today(&state.db, &scope).await?;
    let refund_id = new_id(Kind::Refund);
    let new = NewRefund {
        id: &refund_id,
        invoice_id: &inv.id,
        invoice_number: &inv.number,
        charge_id: &charge.id,
        amount_minor: amount,
        currency: &cur,
        reason,
        provider_reference: &refunded.reference,
        idempotency_key: &key,
        date: today,
    };
    match refunds::record(&state.db, &scope, &new).await? {
        Recorded::Done | Recorded::Already => {}
        Recorded::TooLarge => {
            tracing::error!(invoice = %inv.id, refund = %refunded.reference,
                "the provider refunded, but another refund was recorded first");
            return Err(ApiError::Conflict {
                code: "concurrent_change",
                detail: "Another refund of this invoice was made meanwhile; read it again"
                    .to_owned(),
                param: None,
            });
        }
    }
    invoice(&state, &scope, &inv.id).await
}

/// The amount to refund in minor units: as asked (or all that is left), never
/// more than what is left of the payment.
fn refund_amount(body: &RefundInvoice, inv: &invoices::InvoiceRow) -> ApiResult<i64> {
    let cur = inv.currency();
    let left = inv.amount_paid_minor - inv.amount_refunded_minor;
    let amount = match body.amount.as_deref() {
        None => left,
        Some(raw) => raw
            .trim()
            .parse::<Decimal>()
            .ok()
            .filter(|a| *a > Decimal::ZERO && a.scale() <= cur.minor_units())
            .and_then(|a| to_minor(a, &cur))
            .ok_or_else(|| {
                ApiError::invalid(
                    "amount",
                    format!("'{raw}' is not a positive amount in {}", cur.code()),
                )
            })?,
    };
    if amount > left || amount <= 0 {
        return Err(ApiError::Invalid {
            param: "amount".to_owned(),
            code: "refund_too_large",
            detail: format!(
                "{} {} is left to refund on this invoice",
                from_minor(left, &cur),
                cur.code()
            ),
        });
    }
    Ok(amount)
}

async fn invoice(state: &AppState, scope: &Scope, id: &str) -> ApiResult<Json<Invoice>> {
    present::get_invoice(&state.db, scope, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("invoice", id.to_owned()))
}
