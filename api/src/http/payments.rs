//! `GET /v1/payments`: every charge attempt, through the test provider or
//! Stripe alike; and the SetupIntents a browser needs to collect a card with
//! Stripe.js for a checkout or a portal.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use renewly_types::{List, Payment, Problem, SetupIntent};

use super::AppState;
use super::extract::{AnyKey, ApiQuery, SecretKey};
use super::portal::Portal;
use crate::error::{ApiError, ApiResult};
use crate::ids::{Kind, is_id_of};
use crate::store::charges::{self, PaymentRow};

/// Which payments to list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PaymentsQuery {
    /// Only the attempts at paying this invoice (`inv_…`).
    pub invoice: Option<String>,
    /// How many, 1 to 100 (default 100), newest first.
    pub limit: Option<String>,
}

/// Lists charge attempts, newest first: pending, succeeded, failed, waiting
/// for the card holder to authenticate, or refunded in full.
#[utoipa::path(get, path = "/v1/payments", tag = "invoices",
    params(PaymentsQuery),
    responses((status = 200, body = List<Payment>), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn list_payments(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(q): ApiQuery<PaymentsQuery>,
) -> ApiResult<Json<List<Payment>>> {
    let invoice = q.invoice.as_deref().map(str::trim);
    if let Some(inv) = invoice {
        if !is_id_of(Kind::Invoice, inv) {
            return Err(ApiError::invalid(
                "invoice",
                format!("'{inv}' is not an invoice id (inv_…)"),
            ));
        }
    }
    let limit = match q.limit.as_deref() {
        None => 100,
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| ApiError::invalid("limit", "limit must be from 1 to 100"))?,
    };
    let (rows, more) = charges::list_payments(&state.db, &scope, invoice, limit).await?;
    Ok(Json(List::new(
        rows.into_iter().map(payment).collect(),
        more,
    )))
}

/// A charge as a payment: `pay_` and the charge id's sortable part.
fn payment(r: PaymentRow) -> Payment {
    let failure_message = r
        .failure_code
        .as_deref()
        .map(|c| failure_message(c).to_owned());
    // A succeeded charge given back in full reads as refunded.
    let charged_minor = crate::domain::currency::Currency::parse(&r.currency)
        .zip(r.amount.parse().ok())
        .and_then(|(cur, amount)| crate::domain::money::to_minor(amount, &cur));
    let refunded = r.outcome == "succeeded" && charged_minor.is_some_and(|c| r.refunded_minor >= c);
    let status = if refunded {
        "refunded".to_owned()
    } else {
        r.outcome
    };
    Payment {
        id: format!("pay_{}", r.id.strip_prefix("ch_").unwrap_or(&r.id)),
        object: "payment".to_owned(),
        invoice: r.invoice_id,
        amount: r.amount,
        currency: r.currency,
        status,
        provider: r.provider,
        provider_reference: r.provider_reference,
        failure_code: r.failure_code,
        failure_message,
        payment_method: r.payment_method_id,
        created: r.created,
    }
}

/// What a failure code means, for people.
fn failure_message(code: &str) -> &'static str {
    match code {
        "card_declined" | "generic_decline" | "do_not_honor" => "The card was declined",
        "insufficient_funds" => "The card has insufficient funds",
        "expired_card" => "The card has expired",
        "incorrect_number" | "invalid_number" => "The card number is incorrect",
        "lost_card" | "stolen_card" | "pickup_card" => {
            "The card was reported lost or stolen; ask for another card"
        }
        "authentication_required" => "The card holder must authenticate this payment",
        "processing_error" => "The payment provider could not process the charge",
        "no_payment_method" => "The customer has no payment method to charge",
        _ => "The payment failed",
    }
}

/// Starts collecting a card with Stripe.js for a checkout (merchant on Stripe):
/// the card is attached to the new customer's Stripe Customer when the checkout
/// sends it as `payment_method.stripe_payment_method`.
#[utoipa::path(post, path = "/v1/public/setup_intents", tag = "public",
    responses((status = 201, body = SetupIntent),
        (status = 409, description = "No Stripe keys for this mode", body = Problem),
        (status = 502, description = "Stripe could not be reached", body = Problem)),
    security(("publishable_key" = []), ("secret_key" = [])))]
pub async fn create_public_setup_intent(
    State(state): State<AppState>,
    AnyKey(scope): AnyKey,
) -> ApiResult<(StatusCode, Json<SetupIntent>)> {
    let intent = super::payment_methods::setup_intent_for(&state, &scope, None).await?;
    Ok((StatusCode::CREATED, Json(intent)))
}

/// Starts collecting a card with Stripe.js for the portal's customer.
#[utoipa::path(post, path = "/v1/portal/{token}/setup_intents", tag = "portal",
    params(("token" = String, Path, description = "The portal token")),
    responses((status = 201, body = SetupIntent), (status = 401, body = Problem),
        (status = 409, description = "No Stripe keys for this mode", body = Problem),
        (status = 502, description = "Stripe could not be reached", body = Problem)))]
pub async fn create_portal_setup_intent(
    State(state): State<AppState>,
    portal: Portal,
) -> ApiResult<(StatusCode, Json<SetupIntent>)> {
    let intent =
        super::payment_methods::setup_intent_for(&state, &portal.scope, Some(&portal.customer_id))
            .await?;
    Ok((StatusCode::CREATED, Json(intent)))
}
