//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{AppState, merchant, products};

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
        (name = "public", description = "What the widget may call with a publishable key"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, hint) in [("secret_key", "sk_test_… or sk_live_…"), ("publishable_key", "pk_test_… or pk_live_…")] {
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

/// Every `/v1` route with its documentation.
pub fn v1_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(merchant::get_merchant, merchant::update_merchant))
        .routes(routes!(products::create_product, products::list_products))
        .routes(routes!(products::get_product, products::update_product))
}

/// The OpenAPI document alone (for the snapshot test and `renewly openapi`).
pub fn document() -> utoipa::openapi::OpenApi {
    v1_routes().split_for_parts().1
}
