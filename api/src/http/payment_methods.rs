//! `/v1/customers/{id}/payment_methods`: the cards a customer keeps on file.
//!
//! Cards are typed into this endpoint only in test mode, with the test provider's
//! test cards. Live cards are collected by Stripe.js Elements and never reach
//! this server. The card number and CVC go to the provider and are dropped; only
//! the token, brand, last four digits and expiry are stored.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use renewly_types::{AttachPaymentMethod, CardDetails, List, PaymentMethod, Problem};

use super::AppState;
use super::customers::find_customer;
use super::extract::{ApiJson, ApiQuery, ListQuery, SecretKey, path_id};
use crate::error::{ApiError, ApiResult};
use crate::ids::{Kind, new_id};
use crate::payments::{Card, CardError, PaymentProvider};
use crate::store::now;
use crate::store::payment_methods::{self, Detached};

/// Attaches a test card to a customer (test mode only). A customer's first
/// payment method becomes its default.
#[utoipa::path(post, path = "/v1/customers/{id}/payment_methods", tag = "customers",
    request_body = AttachPaymentMethod,
    params(("id" = String, Path, description = "cus_…")),
    responses((status = 201, body = PaymentMethod),
        (status = 402, description = "The card was refused", body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn attach_payment_method(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AttachPaymentMethod>,
) -> ApiResult<(StatusCode, Json<PaymentMethod>)> {
    if scope.livemode {
        return Err(ApiError::Invalid {
            param: "card".to_owned(),
            code: "live_card_not_accepted",
            detail: "Live cards go through Stripe: collect them with Stripe.js Elements so card \
                     numbers never reach this server. Card details are accepted in test mode \
                     only (sk_test_…)."
                .to_owned(),
        });
    }
    let customer = find_customer(&state.db, &scope, &id).await?;
    let pm = attach_card(&state, &scope, &customer.id, &body.card, body.default).await?;
    Ok((StatusCode::CREATED, Json(pm)))
}

/// Attaches a card (test provider) to a customer; when it becomes the default,
/// invoices left open by failed payments are retried with it at once.
pub async fn attach_card(
    state: &AppState,
    scope: &crate::store::Scope,
    customer_id: &str,
    details: &CardDetails,
    make_default: bool,
) -> ApiResult<PaymentMethod> {
    let card = card_input(details)?;
    let provider = &state.provider;
    let attached = provider.attach_card(&card).await.map_err(card_problem)?;
    let mut pm = PaymentMethod {
        id: new_id(Kind::PaymentMethod),
        object: "payment_method".to_owned(),
        livemode: scope.livemode,
        customer: customer_id.to_owned(),
        provider: provider.name().to_owned(),
        brand: attached.brand,
        last4: attached.last4,
        exp_month: attached.exp_month,
        exp_year: attached.exp_year,
        is_default: false,
        created: now(),
    };
    pm.is_default =
        payment_methods::attach(&state.db, scope, &pm, &attached.token, make_default).await?;
    if pm.is_default {
        retry_open_invoices(state, scope, customer_id, &pm.id).await?;
    }
    Ok(pm)
}

/// A new default payment method during dunning: retry at once.
async fn retry_open_invoices(
    state: &AppState,
    scope: &crate::store::Scope,
    customer_id: &str,
    pm_id: &str,
) -> ApiResult<()> {
    let today = crate::billing::clock::today(&state.db, scope).await?;
    crate::billing::worker::retry_with_new_method(
        &state.db,
        &state.provider,
        scope,
        customer_id,
        pm_id,
        today,
    )
    .await?;
    Ok(())
}

/// Lists the customer's payment methods, newest first.
#[utoipa::path(get, path = "/v1/customers/{id}/payment_methods", tag = "customers",
    params(("id" = String, Path, description = "cus_…"), ListQuery),
    responses((status = 200, body = List<PaymentMethod>), (status = 404, body = Problem)),
    security(("secret_key" = [])))]
pub async fn list_payment_methods(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    ApiQuery(list): ApiQuery<ListQuery>,
) -> ApiResult<Json<List<PaymentMethod>>> {
    let customer = find_customer(&state.db, &scope, &id).await?;
    let page = list.page(Kind::PaymentMethod)?;
    let default = customer.default_payment_method.as_deref();
    let (data, has_more) =
        payment_methods::list(&state.db, &scope, &customer.id, default, &page).await?;
    Ok(Json(List::new(data, has_more)))
}

/// Makes a payment method the customer's default.
#[utoipa::path(post, path = "/v1/customers/{id}/payment_methods/{pm}/default", tag = "customers",
    params(("id" = String, Path, description = "cus_…"), ("pm" = String, Path, description = "pm_…")),
    responses((status = 200, body = PaymentMethod), (status = 404, body = Problem)),
    security(("secret_key" = [])))]
pub async fn set_default_payment_method(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path((id, pm_id)): Path<(String, String)>,
) -> ApiResult<Json<PaymentMethod>> {
    let customer = find_customer(&state.db, &scope, &id).await?;
    path_id(Kind::PaymentMethod, "payment_method", &pm_id)?;
    let mut pm = payment_methods::get(&state.db, &scope, &customer.id, &pm_id, None)
        .await?
        .ok_or_else(|| ApiError::not_found("payment_method", pm_id.clone()))?;
    payment_methods::set_default(&state.db, &scope, &customer.id, &pm.id).await?;
    pm.is_default = true;
    retry_open_invoices(&state, &scope, &customer.id, &pm.id).await?;
    Ok(Json(pm))
}

/// Detaches a payment method from the customer. The default one can be
/// detached only when it is the last; otherwise make another one the default first.
#[utoipa::path(post, path = "/v1/customers/{id}/payment_methods/{pm}/detach", tag = "customers",
    params(("id" = String, Path, description = "cus_…"), ("pm" = String, Path, description = "pm_…")),
    responses((status = 200, body = PaymentMethod), (status = 404, body = Problem),
        (status = 409, description = "It is the default and others are attached", body = Problem)),
    security(("secret_key" = [])))]
pub async fn detach_payment_method(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path((id, pm_id)): Path<(String, String)>,
) -> ApiResult<Json<PaymentMethod>> {
    let customer = find_customer(&state.db, &scope, &id).await?;
    path_id(Kind::PaymentMethod, "payment_method", &pm_id)?;
    let not_found = || ApiError::not_found("payment_method", pm_id.clone());
    let pm = payment_methods::get(&state.db, &scope, &customer.id, &pm_id, None)
        .await?
        .ok_or_else(not_found)?;
    match payment_methods::detach(&state.db, &scope, &customer.id, &pm_id).await? {
        Detached::Done => Ok(Json(pm)),
        Detached::NotFound => Err(not_found()),
        Detached::IsDefault => Err(ApiError::Conflict {
            code: "payment_method_is_default",
            detail: format!(
                "'{pm_id}' is the customer's default payment method; make another one the \
                 default before detaching it"
            ),
            param: None,
        }),
    }
}

/// Checks the shape of a typed card (422 naming the field); whether the card is
/// good is the provider's call (402). Messages never repeat the number or CVC.
fn card_input(c: &CardDetails) -> ApiResult<Card> {
    let number: String = c
        .number
        .chars()
        .filter(|ch| !matches!(ch, ' ' | '-'))
        .collect();
    if number.is_empty() {
        return Err(ApiError::invalid(
            "card.number",
            "'card.number' must not be empty",
        ));
    }
    if !(12..=19).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid(
            "card.number",
            "'card.number' must be 12 to 19 digits",
        ));
    }
    if !(1..=12).contains(&c.exp_month) {
        return Err(ApiError::invalid(
            "card.exp_month",
            "'card.exp_month' must be a month from 1 to 12",
        ));
    }
    if !(2000..=2099).contains(&c.exp_year) {
        return Err(ApiError::invalid(
            "card.exp_year",
            "'card.exp_year' must be a four-digit year such as 2030",
        ));
    }
    let cvc = c.cvc.trim();
    if cvc.is_empty() {
        return Err(ApiError::invalid(
            "card.cvc",
            "'card.cvc' must not be empty",
        ));
    }
    Ok(Card {
        number,
        exp_month: c.exp_month,
        exp_year: c.exp_year,
        cvc: cvc.to_owned(),
    })
}

/// A refused card as a 402 naming the card field at fault.
fn card_problem(e: CardError) -> ApiError {
    ApiError::Card {
        code: e.code(),
        detail: e.to_string(),
        param: Some(format!("card.{}", e.field())),
    }
}
