//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::{AppState, checkout, invoices, merchant, products, subscriptions};
use super::{customers, payment_methods, users};
use super::{events, ledger, test_clock};
use super::{middleware, plans, pricelists, prices, public, tax_rates};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Renewly API",
        description = "Subscription commerce: plans, checkout, stored payment methods, renewals, \
                       invoices, taxes and MRR analytics. Authenticate with \
                       `Authorization: Bearer sk_test_…` (secret key) or `pk_test_…` \
                       (publishable key, `/v1/public` only). Every error is RFC 9457 \
                       problem+json with `code` and `param`. Every POST accepts an \
                       `Idempotency-Key` header.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&Security),
    tags(
        (name = "merchant", description = "The account behind the key"),
        (name = "catalog", description = "Products, prices, plans, pricelists, tax rates"),
        (name = "customers", description = "Customers, payment methods and merchant users"),
        (name = "billing", description = "Subscriptions, invoices, ledger, events and the test clock"),
        (name = "public", description = "What the widget may call with a publishable key"),
        (name = "analytics", description = "MRR, movements, KPIs, cohorts, churn reasons, salespeople, forecasts, exchange rates"),
        (name = "portal", description = "What a customer may do with a portal token (no API key)"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, hint) in [
            ("secret_key", "sk_test_… or sk_live_…"),
            ("publishable_key", "pk_test_… or pk_live_…"),
        ] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format(hint)
                        .build(),
                ),
            );
        }
    }
}

/// Every `/v1` route with its documentation. `state` wires the middleware of the
/// public routes (their CORS check reads the merchant); `None` builds the routes
/// for the document alone.
pub fn v1_routes(state: Option<&AppState>) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(merchant::get_merchant, merchant::update_merchant))
        .routes(routes!(products::create_product, products::list_products))
        .routes(routes!(products::get_product, products::update_product))
        .routes(routes!(
            customers::create_customer,
            customers::list_customers
        ))
        .routes(routes!(customers::get_customer, customers::update_customer))
        .routes(routes!(customers::merge_customer))
        .routes(routes!(
            payment_methods::attach_payment_method,
            payment_methods::list_payment_methods
        ))
        .routes(routes!(payment_methods::set_default_payment_method))
        .routes(routes!(payment_methods::detach_payment_method))
        .routes(routes!(payment_methods::create_setup_intent))
        .routes(routes!(super::payments::list_payments))
        .routes(routes!(super::portal::sessions::create_portal_session))
        .routes(routes!(super::portal::sessions::revoke_portal_session))
        .routes(routes!(users::create_user, users::list_users))
        .routes(routes!(users::get_user, users::update_user))
        .routes(routes!(prices::create_price, prices::list_prices))
        .routes(routes!(prices::get_price, prices::update_price))
        .routes(routes!(plans::create_plan, plans::list_plans))
        .routes(routes!(plans::get_plan, plans::update_plan))
        .routes(routes!(
            pricelists::create_pricelist,
            pricelists::list_pricelists
        ))
        .routes(routes!(
            pricelists::get_pricelist,
            pricelists::update_pricelist
        ))
        .routes(routes!(
            tax_rates::create_tax_rate,
            tax_rates::list_tax_rates
        ))
        .routes(routes!(tax_rates::get_tax_rate, tax_rates::update_tax_rate))
        .routes(routes!(
            subscriptions::create_subscription,
            subscriptions::list_subscriptions
        ))
        .routes(routes!(subscriptions::get_subscription))
        .routes(routes!(subscriptions::close_subscription))
        .routes(routes!(subscriptions::change_subscription))
        .routes(routes!(subscriptions::pause_subscription))
        .routes(routes!(subscriptions::resume_subscription))
        .routes(routes!(subscriptions::confirm_subscription))
        .routes(routes!(subscriptions::subscription_mrr))
        .routes(routes!(invoices::list_invoices))
        .routes(routes!(invoices::get_invoice))
        .routes(routes!(super::refunds::refund_invoice))
        .routes(routes!(super::invoice_pdf::get_invoice_pdf))
        .routes(routes!(ledger::list_ledger))
        .routes(routes!(ledger::trial_balance))
        .routes(routes!(events::list_events))
        .routes(routes!(
            test_clock::get_test_clock,
            test_clock::start_test_clock
        ))
        .routes(routes!(test_clock::advance_test_clock))
        .routes(routes!(super::analytics::mrr))
        .routes(routes!(super::analytics::movements))
        .routes(routes!(super::analytics::kpis))
        .routes(routes!(super::analytics::cohorts))
        .routes(routes!(super::analytics::churn_reasons))
        .routes(routes!(super::analytics::salespeople))
        .routes(routes!(super::analytics::forecast))
        .routes(routes!(
            super::analytics::create_exchange_rate,
            super::analytics::list_exchange_rates
        ))
        .merge(public_routes(state))
}

/// `/v1/public/…`, the routes a publishable key may call from a browser, with the
/// CORS layer of [`middleware::public_cors`].
pub fn public_routes(state: Option<&AppState>) -> OpenApiRouter<AppState> {
    let routes = OpenApiRouter::new()
        .routes(public_route(routes!(public::list_public_plans)))
        .routes(public_route(routes!(checkout::preview)))
        .routes(public_route(routes!(checkout::checkout)))
        .routes(public_route(routes!(checkout::confirm)))
        .routes(public_route(routes!(
            super::payments::create_public_setup_intent
        )))
        .routes(public_route(routes!(super::portal::sessions::request_link)));
    match state {
        Some(state) => routes.layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::public_cors,
        )),
        None => routes,
    }
}

/// Gives a public route its own 405 answer for methods it lacks, so that the CORS
/// layer wraps them too: a preflight is an `OPTIONS` request, and the router's
/// shared method-not-allowed fallback would otherwise answer it outside the layer.
fn public_route(route: UtoipaMethodRouter<AppState>) -> UtoipaMethodRouter<AppState> {
    route.map(|method_router| {
        method_router.fallback(|| async { crate::error::ApiError::MethodNotAllowed })
    })
}

/// The server's routers and their one document: the `/v1` routes that take an
/// API key, and the portal routes that take a portal token instead (so they must
/// stay outside the key middleware).
pub fn routers(
    state: Option<&AppState>,
) -> (
    axum::Router<AppState>,
    axum::Router<AppState>,
    utoipa::openapi::OpenApi,
) {
    let (v1, mut doc) = v1_routes(state).split_for_parts();
    let (portal, portal_doc) = super::portal::portal_routes().split_for_parts();
    doc.merge(portal_doc);
    (v1, portal, with_common_problems(doc))
}

/// The errors any operation can answer besides its own, by what it takes: a
/// body (400 malformed JSON, 413 too large, 422 a field), query parameters (422),
/// path ids (404), a key (401; 403 for a publishable key on a secret-key
/// route), a portal token (401), and the rate limits of what a browser calls
/// (429). Every error body is `application/problem+json`.
fn with_common_problems(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

    let problem = RefOr::Ref(Ref::from_schema_name("Problem"));
    for (path, item) in doc.paths.paths.iter_mut() {
        let portal = path.contains("{token}");
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in operations.into_iter().flatten() {
            let schemes: Vec<String> = op
                .security
                .iter()
                .flatten()
                .filter_map(|s| serde_json::to_value(s).ok())
                .filter_map(|v| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()))
                .flatten()
                .collect();
            let located = |place: ParameterIn| {
                op.parameters.iter().flatten().any(|p| match p {
                    RefOr::T(p) => p.parameter_in == place,
                    RefOr::Ref(_) => false,
                })
            };
            let (in_path, in_query) = (located(ParameterIn::Path), located(ParameterIn::Query));
            let body = op.request_body.is_some();
            let secret_only = schemes.iter().any(|s| s == "secret_key")
                && !schemes.iter().any(|s| s == "publishable_key");
            let browser = portal || schemes.iter().any(|s| s == "publishable_key");
            let common = [
                ("400", body, "The body is not JSON (`invalid_json`)."),
                (
                    "401",
                    portal || !schemes.is_empty(),
                    "No key, or an unknown or revoked one (`invalid_api_key`); for the portal, \
                     an unknown, expired or revoked token (`invalid_portal_token`).",
                ),
                (
                    "403",
                    secret_only,
                    "A publishable key on a secret-key route (`secret_key_required`).",
                ),
                (
                    "404",
                    in_path,
                    "No such object for this merchant and mode (`resource_missing`).",
                ),
                (
                    "413",
                    body,
                    "The body is larger than the server accepts (`body_too_large`).",
                ),
                (
                    "422",
                    body || in_query,
                    "A field or parameter is missing, unknown or invalid; `param` names it.",
                ),
                (
                    "429",
                    browser,
                    "Too many requests from this client (`rate_limited`); see `Retry-After`.",
                ),
            ];
            let responses = &mut op.responses.responses;
            for (status, applies, description) in common {
                if applies && !responses.contains_key(status) {
                    let content = ContentBuilder::new().schema(Some(problem.clone())).build();
                    let response = ResponseBuilder::new()
                        .description(description)
                        .content("application/json", content)
                        .build();
                    responses.insert(status.to_owned(), RefOr::T(response));
                }
            }
            for response in responses.values_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                let is_problem = matches!(
                    response.content.get("application/json"),
                    Some(RefOr::T(c)) if c.schema.as_ref() == Some(&problem)
                );
                if is_problem {
                    if let Some(c) = response.content.shift_remove("application/json") {
                        response
                            .content
                            .insert("application/problem+json".to_owned(), c);
                    }
                }
            }
        }
    }
    doc
}

/// The OpenAPI document alone (for the snapshot test and `renewly openapi`).
pub fn document() -> utoipa::openapi::OpenApi {
    routers(None).2
}
