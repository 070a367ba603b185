//! `/v1/portal/{token}/…` for the customer's own records: contact details and
//! billing address, invoices (with PDF and "pay now"), orders and cards. A
//! session opened by a magic link lists the records of every customer it
//! covers (see [`super::Portal`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use renewly_types::{
    AddPortalPaymentMethod, Invoice, List, PaymentMethod, PortalCustomer, PortalOrder, Problem,
    UpdatePortalCustomer,
};

use super::view::Context;
use super::{Portal, email_change, merge_pages};
use crate::billing::{clock, present, worker};
use crate::error::{ApiError, ApiResult};
use crate::http::customers::{email_address, locale, revalidate_vat, verify_vat};
use crate::http::extract::{ApiJson, ApiQuery, ListQuery, path_id};
use crate::http::invoice_pdf::{PdfQuery, pdf_response};
use crate::http::merchant::address_input;
use crate::http::payment_methods::{MethodInput, attach_method};
use crate::http::{AppState, optional_text};
use crate::ids::Kind;
use crate::pdf;
use crate::store::billing::{self as bstore, InvoiceFilter, InvoiceRow};
use crate::store::customers;
use crate::store::payment_methods::{self, Detached};
use crate::store::portal as pstore;

/// The customer's contact details and billing address.
#[utoipa::path(get, path = "/v1/portal/{token}/customer", tag = "portal",
    params(("token" = String, Path, description = "The portal token")),
    responses((status = 200, body = PortalCustomer), (status = 401, body = Problem)))]
pub async fn get_customer(
    State(state): State<AppState>,
    portal: Portal,
) -> ApiResult<Json<PortalCustomer>> {
    let ctx = Context::load(&state.db, &portal).await?;
    Ok(Json(ctx.customer_view(&state.db).await?))
}

/// Changes the contact details and billing address; `null` clears an optional
/// field. The new address and VAT number apply from the next invoice on. A new
/// `email` is not applied here: it is kept as `pending_email` and a link is
/// e-mailed to it; following that link (once, within a day) makes it the
/// customer's address. An address gets a few such links an hour (429).
#[utoipa::path(patch, path = "/v1/portal/{token}/customer", tag = "portal",
    request_body = UpdatePortalCustomer,
    params(("token" = String, Path, description = "The portal token")),
    responses((status = 200, body = PortalCustomer), (status = 401, body = Problem), (status = 422, body = Problem),
        (status = 429, body = Problem)))]
pub async fn update_customer(
    State(state): State<AppState>,
    portal: Portal,
    ApiJson(body): ApiJson<UpdatePortalCustomer>,
) -> ApiResult<Json<PortalCustomer>> {
    let mut ctx = Context::load(&state.db, &portal).await?;
    let new_email = match &body.email {
        Some(email) => Some(email_address("email", email)?)
            .filter(|e| !e.eq_ignore_ascii_case(&ctx.customer.email)),
        None => None,
    };
    let c = &mut ctx.customer;
    if let Some(name) = &body.name {
        c.name = optional_text("name", name.as_deref(), 200)?;
    }
    if let Some(company) = &body.company {
        c.company = optional_text("company", company.as_deref(), 200)?;
    }
    if let Some(address) = &body.address {
        c.address = address_input("address", address)?;
    }
    revalidate_vat(c, body.vat_number.as_ref(), body.address.is_some())?;
    if let Some(l) = &body.locale {
        c.locale = locale("locale", l)?;
    }
    if let Some(new_email) = &new_email {
        email_change::ask(&state, &portal, c, new_email).await?;
    }
    customers::update_customer(&state.db, &portal.scope, c).await?;
    if body.vat_number.is_some() || body.address.is_some() {
        verify_vat(&state, &portal.scope, c, crate::vies::Reuse::FreshAnswer).await?;
    }
    Ok(Json(ctx.customer_view(&state.db).await?))
}

/// An invoice of the portal's customer, or 404.
async fn owned_invoice(
    state: &AppState,
    portal: &Portal,
    id: &str,
) -> Result<InvoiceRow, ApiError> {
    path_id(Kind::Invoice, "invoice", id)?;
    bstore::invoice_row(&state.db, &portal.scope, id)
        .await?
        .filter(|i| portal.covers(&i.customer_id))
        .ok_or_else(|| ApiError::not_found("invoice", id))
}

/// The customer's invoices, newest first.
#[utoipa::path(get, path = "/v1/portal/{token}/invoices", tag = "portal",
    params(("token" = String, Path, description = "The portal token"), ListQuery),
    responses((status = 200, body = List<Invoice>), (status = 401, body = Problem)))]
pub async fn list_invoices(
    State(state): State<AppState>,
    portal: Portal,
    ApiQuery(list): ApiQuery<ListQuery>,
) -> ApiResult<Json<List<Invoice>>> {
    let page = list.page(Kind::Invoice)?;
    let mut pages = Vec::with_capacity(portal.customers.len());
    for customer in &portal.customers {
        let filter = InvoiceFilter {
            customer: Some(customer.clone()),
            ..InvoiceFilter::default()
        };
        pages.push(present::list_invoices(&state.db, &portal.scope, &filter, &page).await?);
    }
    let (data, more) = merge_pages(pages, page.limit, |i: &Invoice| &i.id);
    Ok(Json(List::new(data, more)))
}

/// An invoice as PDF, in the customer's language unless `locale` says otherwise.
#[utoipa::path(get, path = "/v1/portal/{token}/invoices/{id}/pdf", tag = "portal",
    params(("token" = String, Path, description = "The portal token"), ("id" = String, Path, description = "inv_…"), PdfQuery),
    responses(
        (status = 200, description = "The invoice as PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn invoice_pdf(
    State(state): State<AppState>,
    portal: Portal,
    Path(path): Path<(String, String)>,
    ApiQuery(q): ApiQuery<PdfQuery>,
) -> ApiResult<Response> {
    let id = path.1;
    let row = owned_invoice(&state, &portal, &id).await?;
    let invoice = present::invoice_wire(&row, &bstore::lines(&state.db, &row.id).await?);
    let ctx = Context::load(&state.db, &portal).await?;
    let lang = pdf::Lang::from_locale(q.locale.as_deref().unwrap_or(&ctx.customer.locale));
    let merchant = ctx.merchant;
    let filename = pdf::invoice_filename(&invoice.number);
    // Layout and font subsetting are CPU work: keep them off the async workers.
    let bytes = tokio::task::spawn_blocking(move || pdf::invoice_pdf_in(&merchant, &invoice, lang))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| ApiError::Internal(e.into()))?;
    pdf_response(bytes, &filename)
}

/// Pays an open invoice now with the card on file (the customer's default). A
/// refused card answers 402 with the provider's code; the invoice stays open.
#[utoipa::path(post, path = "/v1/portal/{token}/invoices/{id}/pay", tag = "portal",
    params(("token" = String, Path, description = "The portal token"), ("id" = String, Path, description = "inv_…")),
    responses((status = 200, body = Invoice), (status = 401, body = Problem), (status = 402, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn pay_invoice(
    State(state): State<AppState>,
    portal: Portal,
    Path(path): Path<(String, String)>,
) -> ApiResult<Json<Invoice>> {
    let id = path.1;
    let row = owned_invoice(&state, &portal, &id).await?;
    let conflict = |code: &'static str, detail: String| ApiError::Conflict {
        code,
        detail,
        param: None,
    };
    if row.status != "open" {
        return Err(conflict(
            "invoice_not_open",
            format!(
                "Only an open invoice can be paid; this one is {}",
                row.status
            ),
        ));
    }
    if row.payment_mode != "charge_automatically" {
        return Err(conflict(
            "invoice_not_payable",
            "This invoice is paid by bank transfer as its terms say, not by card".to_owned(),
        ));
    }
    if let Some(sub) = &row.subscription_id {
        let status = bstore::subscription_row(&state.db, &portal.scope, sub)
            .await?
            .map(|s| s.status);
        if matches!(status.as_deref(), Some("paused" | "closed" | "draft")) {
            return Err(conflict(
                "invoice_not_payable",
                "The invoice's subscription is paused, closed or not started".to_owned(),
            ));
        }
    }
    let customer = customers::get_customer(&state.db, &portal.scope, &row.customer_id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer", row.customer_id.clone()))?;
    if customer.default_payment_method.is_none() {
        return Err(conflict(
            "no_payment_method",
            "There is no card on file; add one first".to_owned(),
        ));
    }
    let today = clock::today(&state.db, &portal.scope).await?;
    worker::attempt_invoice(&state.db, &state.provider, &row.id, today).await?;
    let invoice = present::get_invoice(&state.db, &portal.scope, &row.id)
        .await?
        .ok_or_else(|| ApiError::not_found("invoice", &id))?;
    if invoice.status == "paid" {
        return Ok(Json(invoice));
    }
    let last = pstore::last_charge_failure(&state.db, &portal.scope, &row.id).await?;
    let code = crate::billing::failure_code(last.as_deref());
    Err(ApiError::Card {
        code,
        detail: format!("The payment failed ({code}); the invoice is still open"),
        param: Some("payment_method".to_owned()),
    })
}

/// The customer's orders (checkouts and subscriptions the merchant made), newest
/// first, with the signature they carry.
#[utoipa::path(get, path = "/v1/portal/{token}/orders", tag = "portal",
    params(("token" = String, Path, description = "The portal token"), ListQuery),
    responses((status = 200, body = List<PortalOrder>), (status = 401, body = Problem)))]
pub async fn list_orders(
    State(state): State<AppState>,
    portal: Portal,
    ApiQuery(list): ApiQuery<ListQuery>,
) -> ApiResult<Json<List<PortalOrder>>> {
    let page = list.page(Kind::Order)?;
    let mut pages = Vec::with_capacity(portal.customers.len());
    for customer in &portal.customers {
        pages.push(pstore::orders(&state.db, &portal.scope, customer, &page).await?);
    }
    let (rows, more) = merge_pages(pages, page.limit, |o| &o.id);
    let data = rows
        .into_iter()
        .map(|r| PortalOrder {
            id: r.id,
            object: "order".to_owned(),
            subscription: r.subscription_id,
            invoice: r.invoice_id,
            plan: r.plan_id,
            plan_name: r.plan_name,
            source: r.source,
            signature_name: r.signature_name,
            signed_at: r.signature_at,
            created: r.created,
        })
        .collect();
    Ok(Json(List::new(data, more)))
}

/// The customer's cards, newest first.
#[utoipa::path(get, path = "/v1/portal/{token}/payment_methods", tag = "portal",
    params(("token" = String, Path, description = "The portal token"), ListQuery),
    responses((status = 200, body = List<PaymentMethod>), (status = 401, body = Problem)))]
pub async fn list_payment_methods(
    State(state): State<AppState>,
    portal: Portal,
    ApiQuery(list): ApiQuery<ListQuery>,
) -> ApiResult<Json<List<PaymentMethod>>> {
    let page = list.page(Kind::PaymentMethod)?;
    let mut pages = Vec::with_capacity(portal.customers.len());
    for id in &portal.customers {
        let customer = customers::get_customer(&state.db, &portal.scope, id)
            .await?
            .ok_or_else(|| ApiError::not_found("customer", id.clone()))?;
        let default = customer.default_payment_method.as_deref();
        pages.push(payment_methods::list(&state.db, &portal.scope, id, default, &page).await?);
    }
    let (data, more) = merge_pages(pages, page.limit, |p: &PaymentMethod| &p.id);
    Ok(Json(List::new(data, more)))
}

/// Adds a card (test mode only: live cards are collected by Stripe Elements). It
/// becomes the default, and invoices left open by failed payments are retried
/// with it at once.
#[utoipa::path(post, path = "/v1/portal/{token}/payment_methods", tag = "portal",
    request_body = AddPortalPaymentMethod,
    params(("token" = String, Path, description = "The portal token")),
    responses((status = 201, body = PaymentMethod), (status = 401, body = Problem),
        (status = 402, description = "The card was refused", body = Problem), (status = 422, body = Problem)))]
pub async fn add_payment_method(
    State(state): State<AppState>,
    portal: Portal,
    ApiJson(body): ApiJson<AddPortalPaymentMethod>,
) -> ApiResult<(StatusCode, Json<PaymentMethod>)> {
    let input = MethodInput {
        card: body.card.as_ref(),
        stripe_payment_method: body.stripe_payment_method.as_deref(),
    };
    let pm = attach_method(&state, &portal.scope, &portal.customer_id, input, true).await?;
    Ok((StatusCode::CREATED, Json(pm)))
}

/// A card of a customer the session covers, with that customer's id, or 404.
async fn owned_card(
    state: &AppState,
    portal: &Portal,
    pm_id: &str,
) -> Result<(String, PaymentMethod), ApiError> {
    for customer in &portal.customers {
        if let Some(pm) =
            payment_methods::get(&state.db, &portal.scope, customer, pm_id, None).await?
        {
            return Ok((customer.clone(), pm));
        }
    }
    Err(ApiError::not_found("payment_method", pm_id))
}

/// Makes a card the default: every subscription is charged on it from now on,
/// and open invoices of failed payments are retried with it at once.
#[utoipa::path(post, path = "/v1/portal/{token}/payment_methods/{pm}/default", tag = "portal",
    params(("token" = String, Path, description = "The portal token"), ("pm" = String, Path, description = "pm_…")),
    responses((status = 200, body = PaymentMethod), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn set_default_payment_method(
    State(state): State<AppState>,
    portal: Portal,
    Path(path): Path<(String, String)>,
) -> ApiResult<Json<PaymentMethod>> {
    let pm_id = path.1;
    path_id(Kind::PaymentMethod, "payment_method", &pm_id)?;
    let (owner, mut pm) = owned_card(&state, &portal, &pm_id).await?;
    payment_methods::set_default(&state.db, &portal.scope, &owner, &pm.id).await?;
    pm.is_default = true;
    let today = clock::today(&state.db, &portal.scope).await?;
    worker::retry_with_new_method(
        &state.db,
        &state.provider,
        &portal.scope,
        &owner,
        &pm.id,
        today,
    )
    .await?;
    Ok(Json(pm))
}

/// Removes a card that is not the default (make another one the default first).
/// Subscriptions that were charged on it move to the default card.
#[utoipa::path(post, path = "/v1/portal/{token}/payment_methods/{pm}/detach", tag = "portal",
    params(("token" = String, Path, description = "The portal token"), ("pm" = String, Path, description = "pm_…")),
    responses((status = 200, body = PaymentMethod), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "It is the default card", body = Problem)))]
pub async fn detach_payment_method(
    State(state): State<AppState>,
    portal: Portal,
    Path(path): Path<(String, String)>,
) -> ApiResult<Json<PaymentMethod>> {
    let pm_id = path.1;
    path_id(Kind::PaymentMethod, "payment_method", &pm_id)?;
    let not_found = || ApiError::not_found("payment_method", pm_id.clone());
    let (owner, _) = owned_card(&state, &portal, &pm_id).await?;
    let customer = customers::get_customer(&state.db, &portal.scope, &owner)
        .await?
        .ok_or_else(|| ApiError::not_found("customer", owner.clone()))?;
    let default = customer.default_payment_method.clone();
    let pm = payment_methods::get(
        &state.db,
        &portal.scope,
        &customer.id,
        &pm_id,
        default.as_deref(),
    )
    .await?
    .ok_or_else(not_found)?;
    let is_default = || ApiError::Conflict {
        code: "payment_method_is_default",
        detail: format!(
            "'{pm_id}' is your default card; make another card the default before removing it"
        ),
        param: None,
    };
    if pm.is_default {
        return Err(is_default());
    }
    let source = payment_methods::charge_source(&state.db, &portal.scope, &pm_id).await?;
    match payment_methods::detach(&state.db, &portal.scope, &customer.id, &pm_id).await? {
        Detached::Done => {
            if let Some(source) = source.filter(|s| s.provider == "stripe") {
                crate::http::payment_methods::detach_at_stripe(
                    &state,
                    &portal.scope,
                    &source.token,
                )
                .await;
            }
        }
        Detached::NotFound => return Err(not_found()),
        Detached::IsDefault => return Err(is_default()),
    }
    payment_methods::move_subscriptions(
        &state.db,
        &portal.scope,
        &customer.id,
        &pm_id,
        default.as_deref(),
    )
    .await?;
    Ok(Json(pm))
}
