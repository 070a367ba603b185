//! `/v1/public/checkout`: what the widget calls with a publishable key to preview
//! and complete a subscription.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::{Extension, Json};
use chrono::NaiveDate;
use renewly_types::{
    CheckoutPreview, CheckoutRequest, CheckoutResult, ConfirmCheckout, Customer, InvoiceLine,
    ItemInput, Plan, Problem, Subscription, TaxBreakdown,
};
use sha2::{Digest, Sha256};

use super::AppState;
use super::customers::{email_address, locale, vat_number, verify_vat};
use super::extract::{AnyKey, ApiJson, path_id};
use super::merchant::address_input;
use super::middleware::RequestKey;
use super::optional_text;
use super::payment_methods::attach_method;
use crate::billing::engine::{self, Order, Signature};
use crate::billing::present::document_amount;
use crate::billing::{clock, pricing};
use crate::error::{ApiError, ApiResult};
use crate::ids::{Kind, new_id};
use crate::store::{Scope, charges, customers, merchants, now, payment_methods, plans};

/// The client's address and browser, as recorded with a signature.
pub struct ClientMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl FromRequestParts<AppState> for ClientMeta {
    type Rejection = ApiError;

    /// The address is the peer's, or the first `X-Forwarded-For` hop when the peer
    /// is a trusted proxy (`RENEWLY_TRUSTED_PROXIES`), as for rate limits.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let ip = peer.map(|peer| {
            super::rate_limit::client_ip(peer, &parts.headers, &state.config.trusted_proxies)
                .to_string()
        });
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(500).collect());
        Ok(Self { ip, user_agent })
    }
}

async fn public_plan(state: &AppState, scope: &Scope, id: &str) -> ApiResult<Plan> {
    plans::get_plan(&state.db, scope, id)
        .await?
        .filter(|p| p.active && p.published)
        .ok_or_else(|| ApiError::invalid("plan", format!("No such published plan: '{id}'")))
}

fn items_of(req: &CheckoutRequest, plan: &Plan) -> ApiResult<Vec<ItemInput>> {
    let price = match &req.price {
        Some(p) => p.clone(),
        None => plan
            .prices
            .first()
            .cloned()
            .ok_or_else(|| ApiError::invalid("price", "The plan offers no price"))?,
    };
    if !plan.prices.contains(&price) {
        return Err(ApiError::invalid(
            "price",
            format!("Price '{price}' is not offered by this plan"),
        ));
    }
    let mut items = vec![ItemInput {
        price,
        quantity: req.quantity,
    }];
    items.extend(req.addons.iter().map(|a| ItemInput {
        price: a.price.clone(),
        quantity: a.quantity,
    }));
    Ok(items)
}

/// An archived price stays on the subscriptions that have it, but nobody can buy
/// it anew.
fn refuse_archived(chosen: &pricing::Chosen) -> ApiResult<()> {
    for (i, item) in chosen.items.iter().enumerate() {
        if !item.price.active {
            let param = if i == 0 {
                "price".to_owned()
            } else {
                format!("addons.{}.price", i - 1)
            };
            return Err(ApiError::Invalid {
                param,
                code: "price_archived",
                detail: format!(
                    "Price '{}' is archived and can no longer be bought",
                    item.price.id
                ),
            });
        }
    }
    if let Some(fee) = chosen.setup_fee.as_ref().filter(|f| !f.price.active) {
        return Err(ApiError::Invalid {
            param: "plan".to_owned(),
            code: "price_archived",
            detail: format!("The plan's setup fee '{}' is archived", fee.price.id),
        });
    }
    Ok(())
}

/// Maps the engine's `items.N` params back onto the checkout's field names.
fn checkout_param(e: ApiError) -> ApiError {
    match e {
        ApiError::Invalid {
            param,
            code,
            detail,
        } => {
            let param = match param.strip_prefix("items.") {
                Some(rest) => match rest.split_once('.') {
                    Some(("0", "quantity")) => "quantity".to_owned(),
                    Some(("0", _)) => "price".to_owned(),
                    Some((n, field)) => match n.parse::<usize>() {
                        Ok(i) => format!("addons.{}.{field}", i - 1),
                        Err(_) => param,
                    },
                    None => param,
                },
                None if param == "items" => "price".to_owned(),
                None => param,
            };
            ApiError::Invalid {
                param,
                code,
                detail,
            }
        }
        other => other,
    }
}

/// The customer as entered at checkout (not stored for a preview).
fn entered_customer(req: &CheckoutRequest, scope: &Scope, need_email: bool) -> ApiResult<Customer> {
    let c = &req.customer;
    let email = match (&c.email, need_email) {
        (Some(e), _) => email_address("customer.email", e)?,
        (None, true) => return Err(ApiError::missing("customer.email")),
        (None, false) => String::new(),
    };
    let address = match &c.address {
        Some(a) => address_input("customer.address", a)?,
        None => Default::default(),
    };
    if need_email && address.country.is_none() {
        return Err(ApiError::missing("customer.address.country"));
    }
    Ok(Customer {
        id: String::new(),
        object: "customer".to_owned(),
        livemode: scope.livemode,
        email,
        name: optional_text("customer.name", c.name.as_deref(), 200)?,
        company: optional_text("customer.company", c.company.as_deref(), 200)?,
        vat_number: vat_number(
            "customer.vat_number",
            c.vat_number.as_deref(),
            address.country.as_deref(),
        )?,
        vat_verification: None,
        address,
        locale: match &c.locale {
            Some(l) => locale("customer.locale", l)?,
            None => "en".to_owned(),
        },
        pricelist: None,
        salesperson: None,
        default_payment_method: None,
        created: now(),
    })
}

/// Works out the first invoice of a checkout: lines, tax per line, totals, MRR
/// and dates. The checkout charges exactly these numbers.
#[utoipa::path(post, path = "/v1/public/checkout/preview", tag = "public", request_body = CheckoutRequest,
    responses((status = 200, body = CheckoutPreview), (status = 422, body = Problem)),
    security(("publishable_key" = [])))]
pub async fn preview(
    State(state): State<AppState>,
    AnyKey(scope): AnyKey,
    ApiJson(req): ApiJson<CheckoutRequest>,
) -> ApiResult<Json<CheckoutPreview>> {
    let plan = public_plan(&state, &scope, &req.plan).await?;
    let items = items_of(&req, &plan)?;
    let mut customer = entered_customer(&req, &scope, false)?;
    verify_vat(&state, &scope, &mut customer, crate::vies::Reuse::Fresh).await?;
    let merchant = merchants::get_merchant(&state.db, &scope)
        .await?
        .ok_or_else(|| ApiError::not_found("merchant", scope.merchant_id.clone()))?;
    let chosen = pricing::choose(&state.db, &scope, &plan, &items, None)
        .await
        .map_err(|e| checkout_param(e.into()))?;
    refuse_archived(&chosen)?;
    let today = clock::today(&state.db, &scope).await?;
    let q = engine::quote(&state.db, &scope, &merchant, &customer, &chosen, today).await?;
    let mut tax = pricing::TaxContext::new(&merchant, &customer);
    let recurring_inputs = pricing::line_inputs(
        &state.db,
        &scope,
        &mut tax,
        &chosen.items,
        None,
        q.period,
        pricing::Lines::RecurringOnly,
    )
    .await?;
    let recurring = crate::domain::invoice::totals(&recurring_inputs, &chosen.currency);
    // The summary states amounts exactly as the invoice will ("29.00", "0.00").
    let cur = &chosen.currency;
    let shown = |amount| document_amount(amount, cur);
    let lines = q
        .totals
        .lines
        .into_iter()
        .map(|l| InvoiceLine {
            unit_amount: shown(l.unit_amount),
            discount: shown(l.discount),
            net: shown(l.net),
            tax: shown(l.tax),
            amount: shown(l.amount),
            ..l
        })
        .collect();
    let tax_breakdown = q
        .totals
        .breakdown
        .into_iter()
        .map(|b| TaxBreakdown {
            net: shown(b.net),
            tax: shown(b.tax),
            ..b
        })
        .collect();
    Ok(Json(CheckoutPreview {
        currency: chosen.currency.code().to_owned(),
        lines,
        subtotal: shown(q.totals.subtotal),
        tax: shown(q.totals.tax),
        total: shown(q.totals.total),
        tax_breakdown,
        mrr: shown(q.mrr),
        recurring_total: shown(recurring.total),
        first_invoice_date: q.first_invoice_date.to_string(),
        next_invoice_date: q.next_invoice_date.to_string(),
        trial_end: q.trial_end.map(|d| d.to_string()),
        reverse_charge: q.reverse_charge,
        tax_note: q.tax_note,
        require_signature: plan.require_signature,
        terms: plan.terms,
    }))
}

/// Subscribes a shopper: creates a new customer (never an existing one, whatever
/// the e-mail), stores the card, records the signature, posts the first invoice and charges it. A declined
/// card answers 402 and leaves no subscription.
#[utoipa::path(post, path = "/v1/public/checkout", tag = "public", request_body = CheckoutRequest,
    responses((status = 201, body = CheckoutResult), (status = 402, body = Problem), (status = 422, body = Problem)),
    security(("publishable_key" = [])))]
pub async fn checkout(
    State(state): State<AppState>,
    AnyKey(scope): AnyKey,
    meta: ClientMeta,
    request_key: Option<Extension<RequestKey>>,
    ApiJson(req): ApiJson<CheckoutRequest>,
) -> ApiResult<(StatusCode, Json<CheckoutResult>)> {
    let plan = public_plan(&state, &scope, &req.plan).await?;
    let items = items_of(&req, &plan)?;
    let entered = entered_customer(&req, &scope, true)?;
    super::rate_limit::check_checkout_email(&state.config.rate_limits, &scope, &entered.email)?;
    let signature = signature_of(&req, &plan, meta)?;
    let needs_card = needs_card(&req, &plan)?;
    if needs_card
        && scope.livemode
        && crate::store::stripe::get(&state.db, &scope)
            .await?
            .is_none()
    {
        return Err(ApiError::Invalid {
            param: "payment_method".to_owned(),
            code: "live_card_not_accepted",
            detail: "This merchant takes no live payments yet: live checkouts charge through \
                     Stripe, whose keys are not set for live mode"
                .to_owned(),
        });
    }
    // Validate the order before anything is stored.
    let chosen = pricing::choose(&state.db, &scope, &plan, &items, None)
        .await
        .map_err(|e| checkout_param(e.into()))?;
    refuse_archived(&chosen)?;
    let charge_key = request_key.map(|Extension(k)| k.charge_key());
    let (customer, payment_method) = match earlier_attempt(&state, &scope, &charge_key).await? {
        Some(earlier) => earlier,
        None => {
            let mut customer = create_customer(&state, &scope, entered).await?;
            // VIES's answer decides the reverse charge; an outage charges VAT, never blocks.
            verify_vat(&state, &scope, &mut customer, crate::vies::Reuse::Fresh).await?;
            let card = req.payment_method.as_ref().filter(|_| needs_card);
            let pm = match card {
                Some(p) => Some(
                    attach_method(&state, &scope, &customer.id, p.into(), true)
                        .await
                        .map_err(payment_method_param)?
                        .id,
                ),
                None => None,
            };
            (customer, pm)
        }
    };
    let start: NaiveDate = clock::today(&state.db, &scope).await?;
    let order = Order {
        customer,
        chosen,
        payment_method,
        salesperson: None,
        start,
        source: "checkout",
        signature,
        charge_key,
    };
    let created = engine::subscribe(&state.db, &state.provider, &scope, order).await?;
    Ok((
        StatusCode::CREATED,
        Json(after_commit(&state, &scope, created).await),
    ))
}

/// The customer and card an earlier attempt of this checkout (same
/// `Idempotency-Key`, same body) recorded its charge with: the retry charges and
/// subscribes them, instead of a new customer with a new card.
async fn earlier_attempt(
    state: &AppState,
    scope: &Scope,
    charge_key: &Option<String>,
) -> ApiResult<Option<(Customer, Option<String>)>> {
    let Some(key) = charge_key else {
        return Ok(None);
    };
    let Some(stored) = charges::find_stored(&state.db, scope, key).await? else {
        return Ok(None);
    };
    let pm = stored.payment_method();
    let Some(owner) = payment_methods::owner(&state.db, scope, pm).await? else {
        return Ok(None);
    };
    let customer = customers::get_customer(&state.db, scope, &owner).await?;
    Ok(customer.map(|c| (c, Some(pm.to_owned()))))
}

/// The answer of a committed checkout. What is done here (a portal link, the
/// confirmation secret) comes after the subscription and its charge are
/// committed, so a failure is logged and left out of the answer rather than
/// turning the success into a 5xx that would invite a retry.
async fn after_commit(state: &AppState, scope: &Scope, created: engine::Created) -> CheckoutResult {
    // The link opens the customer this checkout made, and nothing else.
    let ttl = state.config.portal_session_ttl;
    let customer_id = &created.subscription.customer;
    let portal_url = match super::portal::create_session(&state.db, scope, customer_id, ttl).await {
        Ok((_, token, _)) => Some(super::portal::portal_url(state, &token)),
        Err(e) => {
            tracing::error!(subscription = %created.subscription.id, error = %e,
                "no portal link for a committed checkout");
            None
        }
    };
    // A charge that waits for the card holder gets a secret that only this
    // answer carries; the confirm step must present it.
    let client_secret = match &created.pending_charge {
        Some(charge_id) => client_secret(state, scope, &created.subscription.id, charge_id).await,
        None => None,
    };
    let status = if created.pending_charge.is_some() {
        "requires_action"
    } else {
        "active"
    };
    CheckoutResult {
        status: status.to_owned(),
        subscription: created.subscription,
        invoice: created.invoice,
        portal_url,
        client_secret,
    }
}

/// A new confirmation secret for a charge waiting for authentication; only its
/// hash is kept. `None` (logged) when it cannot be kept: the draft stays payable.
async fn client_secret(
    state: &AppState,
    scope: &Scope,
    subscription_id: &str,
    charge_id: &str,
) -> Option<String> {
    let secret = format!("{subscription_id}_secret_{}", crate::ids::random_token(32));
    let hash = hex::encode(Sha256::digest(secret.as_bytes()));
    match charges::set_client_secret(&state.db, scope, charge_id, &hash).await {
        Ok(()) => Some(secret),
        Err(e) => {
            tracing::error!(subscription = %subscription_id, error = %e,
                "no confirmation secret for a committed checkout");
            None
        }
    }
}

/// Completes a checkout whose card needed authentication (the widget's confirm
/// step). Only the caller that made the checkout can: it must send the
/// `client_secret` the checkout answered; a wrong secret is the same 404 as an
/// unknown subscription, so the step tells nobody which subscriptions exist.
#[utoipa::path(post, path = "/v1/public/checkout/{subscription}/confirm", tag = "public",
    request_body = ConfirmCheckout,
    params(("subscription" = String, Path, description = "sub_…")),
    responses((status = 200, body = Subscription), (status = 402, body = Problem), (status = 404, body = Problem)),
    security(("publishable_key" = [])))]
pub async fn confirm(
    State(state): State<AppState>,
    AnyKey(scope): AnyKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConfirmCheckout>,
) -> ApiResult<Json<Subscription>> {
    path_id(Kind::Subscription, "subscription", &id)?;
    let hash = hex::encode(Sha256::digest(body.client_secret.as_bytes()));
    if !charges::client_secret_matches(&state.db, &scope, &id, &hash).await? {
        return Err(ApiError::not_found("subscription", id));
    }
    Ok(Json(
        engine::confirm(&state.db, &state.provider, &scope, &id).await?,
    ))
}

/// The signature given (required when the plan says so), with the terms it
/// signed; a drawn signature must be a small PNG.
fn signature_of(
    req: &CheckoutRequest,
    plan: &Plan,
    meta: ClientMeta,
) -> ApiResult<Option<Signature>> {
    let signature = match (&req.signature, plan.require_signature) {
        (Some(s), _) if !s.name.trim().is_empty() => Some(Signature {
            name: s.name.trim().chars().take(200).collect(),
            signed_at: now(),
            ip: meta.ip,
            user_agent: meta.user_agent,
            terms_sha256: hex::encode(Sha256::digest(
                plan.terms.clone().unwrap_or_default().as_bytes(),
            )),
        }),
        (_, true) => return Err(ApiError::missing("signature.name")),
        (_, false) => None,
    };
    if let Some(image) = req.signature.as_ref().and_then(|s| s.image.as_deref()) {
        if !image.starts_with("data:image/png;base64,") || image.len() > 200_000 {
            return Err(ApiError::invalid(
                "signature.image",
                "signature.image must be a PNG data URL under 200 kB",
            ));
        }
    }
    Ok(signature)
}

/// Whether the plan charges a card, which must then be given.
fn needs_card(req: &CheckoutRequest, plan: &Plan) -> ApiResult<bool> {
    let needs_card = plan.payment_mode == renewly_types::PaymentMode::ChargeAutomatically;
    if needs_card && req.payment_method.is_none() {
        return Err(ApiError::missing("payment_method.card"));
    }
    Ok(needs_card)
}

/// A card problem names its field under `payment_method.`.
fn payment_method_param(e: ApiError) -> ApiError {
    match e {
        ApiError::Invalid {
            param,
            code,
            detail,
        } => ApiError::Invalid {
            param: format!("payment_method.{param}"),
            code,
            detail,
        },
        ApiError::Card {
            code,
            detail,
            param,
        } => ApiError::Card {
            code,
            detail,
            param: param.map(|p| format!("payment_method.{p}")),
        },
        other => other,
    }
}

/// Stores the shopper as a new customer. An anonymous checkout proves nothing
/// about who owns an e-mail address, so it never reuses, changes or reveals an
/// existing customer with the same address: every checkout makes its own record,
/// and the merchant merges duplicates (`POST /v1/customers/{id}/merge`). A
/// portal session opened by a magic link proves the address.
async fn create_customer(
    state: &AppState,
    scope: &Scope,
    entered: Customer,
) -> ApiResult<Customer> {
    let c = Customer {
        id: new_id(Kind::Customer),
        ..entered
    };
    customers::insert_customer(&state.db, scope, &c).await?;
    Ok(c)
}
