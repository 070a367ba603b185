//! API conventions: auth, problem+json, pagination, idempotency, isolation.

use super::*;

scenarios! {
    async fn health_and_readiness_answer(app) {
        let r = app.send(reqwest::Method::GET, "/healthz", None, None, &[]).await;
        assert_eq!(r.status, 200);
        let r = app.send(reqwest::Method::GET, "/readyz", None, None, &[]).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["status"], "ready");
    }

    async fn a_product_can_be_created_and_read_back(app) {
        let r = app.post("/v1/products", json!({"name": "Pro", "unit": "seat"})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_str().unwrap().to_owned();
        let back = app.get(&format!("/v1/products/{id}")).await;
        assert_eq!(back.status, 200);
        assert_eq!(back.body, r.body);
    }
}
