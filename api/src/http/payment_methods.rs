//! `/v1/customers/{id}/payment_methods`: the cards a customer keeps on file.
//!
//! A merchant mode on Stripe sends `stripe_payment_method` (`pm_…`, collected by
//! Stripe.js, so card numbers never reach this server): it is attached to the
//! customer's Stripe Customer and its brand, last four digits and expiry read
//! back. Without Stripe, cards are typed in test mode only, with the test
//! provider's test cards; the number and CVC go to the provider and are dropped.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use renewly_types::{AttachPaymentMethod, CardDetails, List, PaymentMethod, Problem, SetupIntent};

use super::AppState;
use super::customers::find_customer;
use super::extract::{ApiJson, ApiQuery, ListQuery, SecretKey, path_id};
use crate::error::{ApiError, ApiResult};
use crate::ids::{Kind, new_id};
use crate::payments::stripe::AttachError;
use crate::payments::{Card, CardError, PaymentProvider, Resolved, StripeProvider};
use crate::store::now;
use crate::store::payment_methods::{self, Detached};

/// Attaches a payment method to a customer: a Stripe payment method (`pm_…`)
/// for a merchant mode on Stripe, else a test card (test mode only). A
/// customer's first payment method becomes its default.
#[utoipa::path(post, path = "/v1/customers/{id}/payment_methods", tag = "customers",
    request_body = AttachPaymentMethod,
    params(("id" = String, Path, description = "cus_…")),
    responses((status = 201, body = PaymentMethod),
        (status = 402, description = "The card was refused", body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 502, description = "Stripe could not be reached", body = Problem)),
    security(("secret_key" = [])))]
pub async fn attach_payment_method(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AttachPaymentMethod>,
) -> ApiResult<(StatusCode, Json<PaymentMethod>)> {
    if scope.livemode && body.card.is_some() {
        // Live card numbers are refused whoever the customer is.
        return Err(live_card());
    }
    let customer = find_customer(&state.db, &scope, &id).await?;
    let input = MethodInput {
        card: body.card.as_ref(),
        stripe_payment_method: body.stripe_payment_method.as_deref(),
    };
    let pm = attach_method(&state, &scope, &customer.id, input, body.default).await?;
    Ok((StatusCode::CREATED, Json(pm)))
}

/// A payment method as sent: a typed test card or a Stripe payment method.
#[derive(Debug, Clone, Copy)]
pub struct MethodInput<'a> {
    pub card: Option<&'a CardDetails>,
    pub stripe_payment_method: Option<&'a str>,
}

impl<'a> From<&'a renewly_types::CheckoutPayment> for MethodInput<'a> {
    fn from(p: &'a renewly_types::CheckoutPayment) -> Self {
        Self {
            card: p.card.as_ref(),
            stripe_payment_method: p.stripe_payment_method.as_deref(),
        }
    }
}

/// Attaches a payment method through the merchant mode's provider (Stripe when
/// set, else the test provider in test mode); when it becomes the default,
/// invoices left open by failed payments are retried with it at once.
pub async fn attach_method(
    state: &AppState,
    scope: &crate::store::Scope,
    customer_id: &str,
    input: MethodInput<'_>,
    make_default: bool,
) -> ApiResult<PaymentMethod> {
    let provider = state.provider.for_scope(&state.db, scope).await?;
    let (name, attached) = match (&provider, input.card, input.stripe_payment_method) {
        (_, Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "stripe_payment_method",
                "send either 'card' or 'stripe_payment_method', not both",
            ));
        }
        (_, None, None) => return Err(ApiError::missing("card")),
        (Resolved::Stripe(_), Some(_), None) => {
            return Err(ApiError::Invalid {
                param: "card".to_owned(),
                code: "card_numbers_not_accepted",
                detail: "This merchant takes cards through Stripe: collect them with Stripe.js \
                         (a SetupIntent) and send 'stripe_payment_method'; card numbers are \
                         never accepted here"
                    .to_owned(),
            });
        }
        (Resolved::Stripe(stripe), None, Some(pm)) => {
            let attached = attach_stripe(state, scope, stripe, customer_id, pm).await?;
            ("stripe", attached)
        }
        (Resolved::Test(_), None, Some(_)) => {
            return Err(ApiError::Invalid {
                param: "stripe_payment_method".to_owned(),
                code: "stripe_not_configured",
                detail: "This merchant has no Stripe keys for this mode; set them with \
                         PATCH /v1/merchant {\"stripe\": {…}}"
                    .to_owned(),
            });
        }
        (Resolved::Test(_), Some(_), None) if scope.livemode => return Err(live_card()),
        (Resolved::Test(test), Some(details), None) => {
            let card = card_input(details)?;
            let attached = test.attach_card(&card).await.map_err(card_problem)?;
            ("test", attached)
        }
    };
    let mut pm = PaymentMethod {
        id: new_id(Kind::PaymentMethod),
        object: "payment_method".to_owned(),
        livemode: scope.livemode,
        customer: customer_id.to_owned(),
        provider: name.to_owned(),
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

/// Card numbers in live mode: never taken.
fn live_card() -> ApiError {
    ApiError::Invalid {
        param: "card".to_owned(),
        code: "live_card_not_accepted",
        detail: "Live cards go through Stripe: set the merchant's live Stripe keys and collect \
                 cards with Stripe.js so card numbers never reach this server. Card details are \
                 accepted in test mode only (sk_test_…)."
            .to_owned(),
    }
}

/// Attaches a Stripe payment method to the customer's Stripe Customer (made
/// when first needed).
async fn attach_stripe(
    state: &AppState,
    scope: &crate::store::Scope,
    stripe: &StripeProvider,
    customer_id: &str,
    pm: &str,
) -> ApiResult<crate::payments::AttachedCard> {
    let pm = pm.trim();
    if !pm.starts_with("pm_") || pm.len() > 255 {
        return Err(ApiError::invalid(
            "stripe_payment_method",
            "'stripe_payment_method' must be a Stripe payment method id (pm_…)",
        ));
    }
    let customer = stripe_customer(state, scope, stripe, customer_id).await?;
    stripe
        .attach_method(&customer, pm)
        .await
        .map_err(|e| match e {
            AttachError::Card(e) => ApiError::Card {
                code: e.code(),
                detail: e.to_string(),
                param: Some("stripe_payment_method".to_owned()),
            },
            AttachError::UnknownMethod(pm) => ApiError::invalid(
                "stripe_payment_method",
                format!("Stripe has no payment method '{pm}' that this customer may use"),
            ),
            AttachError::Provider(e) => e.into(),
        })
}

/// The customer's Stripe Customer, made at Stripe (and recorded) on first need.
async fn stripe_customer(
    state: &AppState,
    scope: &crate::store::Scope,
    stripe: &StripeProvider,
    customer_id: &str,
) -> ApiResult<String> {
    if let Some(id) = crate::store::stripe::customer_id(&state.db, scope, customer_id).await? {
        return Ok(id);
    }
    let customer = find_customer(&state.db, scope, customer_id).await?;
    let made = stripe
        .create_customer(&customer.id, &customer.email, customer.name.as_deref())
        .await?;
    Ok(crate::store::stripe::set_customer_id(&state.db, scope, customer_id, &made).await?)
}

/// A SetupIntent of the merchant mode's Stripe account, with its publishable key.
pub async fn setup_intent_for(
    state: &AppState,
    scope: &crate::store::Scope,
    customer_id: Option<&str>,
) -> ApiResult<SetupIntent> {
    let config = crate::store::stripe::get(&state.db, scope).await?;
    let (Some(config), Some(stripe)) = (config, state.provider.stripe(&state.db, scope).await?)
    else {
        return Err(ApiError::Conflict {
            code: "stripe_not_configured",
            detail: "This merchant has no Stripe keys for this mode; cards are entered directly \
                     (test provider) or Stripe keys are set first"
                .to_owned(),
            param: None,
        });
    };
    let customer = match customer_id {
        Some(c) => Some(stripe_customer(state, scope, &stripe, c).await?),
        None => None,
    };
    let client_secret = stripe.setup_intent(customer.as_deref()).await?;
    Ok(SetupIntent {
        client_secret,
        publishable_key: config.publishable_key,
    })
}

/// Starts collecting a card for the customer with Stripe.js (merchant on Stripe).
#[utoipa::path(post, path = "/v1/customers/{id}/setup_intents", tag = "customers",
    params(("id" = String, Path, description = "cus_…")),
    responses((status = 201, body = SetupIntent), (status = 404, body = Problem),
        (status = 409, description = "No Stripe keys for this mode", body = Problem),
        (status = 502, description = "Stripe could not be reached", body = Problem)),
    security(("secret_key" = [])))]
pub async fn create_setup_intent(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<SetupIntent>)> {
    let customer = find_customer(&state.db, &scope, &id).await?;
    let intent = setup_intent_for(&state, &scope, Some(&customer.id)).await?;
    Ok((StatusCode::CREATED, Json(intent)))
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
    let source = payment_methods::charge_source(&state.db, &scope, &pm_id).await?;
    match payment_methods::detach(&state.db, &scope, &customer.id, &pm_id).await? {
        Detached::Done => {
            if let Some(source) = source.filter(|s| s.provider == "stripe") {
                detach_at_stripe(&state, &scope, &source.token).await;
            }
            Ok(Json(pm))
        }
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

/// Detaches a payment method at Stripe too. Renewly no longer charges it either
/// way; a failure is logged for the merchant to clean up at Stripe.
pub async fn detach_at_stripe(state: &AppState, scope: &crate::store::Scope, token: &str) {
    let result = match state.provider.stripe(&state.db, scope).await {
        Ok(Some(stripe)) => stripe.detach(token).await,
        Ok(None) => Ok(()),
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "a payment method could not be detached at Stripe");
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
