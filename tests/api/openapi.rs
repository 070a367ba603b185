//! The OpenAPI document is the public contract: pinned by a snapshot, so any change
//! to the API shows up in review.

use super::*;

#[test]
fn the_openapi_document_is_pinned() {
    let doc = renewly::http::openapi::document();
    let value = serde_json::to_value(&doc).unwrap();
    assert_eq!(value["openapi"], "3.1.0");
    insta::assert_json_snapshot!("openapi", value);
}

scenarios! {
    async fn the_served_document_is_the_generated_one_and_docs_are_offline(app) {
        let r = app.send(reqwest::Method::GET, "/v1/openapi.json", None, None, &[]).await;
        assert_eq!(r.status, 200);
        let generated = serde_json::to_value(renewly::http::openapi::document()).unwrap();
        assert_eq!(r.body, generated);
        let paths = r.body["paths"].as_object().unwrap();
        for path in ["/v1/products", "/v1/plans", "/v1/customers", "/v1/subscriptions", "/v1/invoices",
                     "/v1/public/plans", "/v1/public/checkout", "/v1/test_clock/advance"] {
            assert!(paths.contains_key(path), "{path} is documented");
        }
        let docs = app.send(reqwest::Method::GET, "/docs/", None, None, &[]).await;
        assert_eq!(docs.status, 200);
        assert!(docs.text.contains("swagger"), "Swagger UI is served");
        assert!(!docs.text.contains("cdn."), "no CDN");
    }
}
