//! API conventions: auth, problem+json, pagination, idempotency, isolation.

use super::*;
use reqwest::Method;

scenarios! {
    async fn health_and_readiness_answer(app) {
        let r = app.send(Method::GET, "/healthz", None, None, &[]).await;
        assert_eq!(r.status, 200);
        let r = app.send(Method::GET, "/readyz", None, None, &[]).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["status"], "ready");
    }

    async fn a_product_can_be_created_and_read_back(app) {
        let r = app.post("/v1/products", json!({"name": "Pro", "unit": "seat"})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert!(r.body["id"].as_str().unwrap().starts_with("prod_"));
        let id = r.body["id"].as_str().unwrap().to_owned();
        let back = app.get(&format!("/v1/products/{id}")).await;
        assert_eq!(back.status, 200);
        assert_eq!(back.body, r.body);
    }

    async fn a_missing_or_unknown_key_is_401(app) {
        let r = app.send(Method::GET, "/v1/products", None, None, &[]).await;
        r.assert_problem(401, "invalid_api_key", None);
        let r = app.get_as("sk_test_nonsense", "/v1/products").await;
        r.assert_problem(401, "invalid_api_key", None);
        let r = app.send(Method::GET, "/v1/products", None, None, &[("authorization", "Basic abc")]).await;
        r.assert_problem(401, "invalid_api_key", None);
    }

    async fn a_revoked_key_is_401(app) {
        let key = renewly::store::merchants::create_key(
            app.db(), &app.keys.merchant, renewly::store::merchants::KeyKind::Secret, false,
        ).await.unwrap();
        assert_eq!(app.get_as(&key.key, "/v1/products").await.status, 200);
        assert!(renewly::store::merchants::revoke_key(app.db(), &key.id).await.unwrap());
        // Revoked outside the server (as `renewly keys revoke` does), the key is
        // refused once the server's grant of it is older than the recheck
        // interval (1 s here; see `answers.rs`).
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        app.get_as(&key.key, "/v1/products").await.assert_problem(401, "invalid_api_key", None);
        // The other keys keep working.
        assert_eq!(app.get("/v1/products").await.status, 200);
    }

    async fn keys_are_stored_hashed(app) {
        let rows: Vec<(String,)> = match app.db() {
            renewly::db::Db::Sqlite(p) => sqlx::query_as("SELECT key_hash FROM api_keys").fetch_all(p).await.unwrap(),
            renewly::db::Db::Postgres(p) => sqlx::query_as("SELECT key_hash FROM api_keys").fetch_all(p).await.unwrap(),
        };
        assert!(!rows.is_empty());
        for (hash,) in rows {
            assert_eq!(hash.len(), 64);
            assert!(!hash.contains(&app.keys.sk) && !hash.starts_with("sk_"));
        }
    }

    async fn a_publishable_key_on_a_secret_endpoint_is_403(app) {
        let pk = app.keys.pk.clone();
        app.get_as(&pk, "/v1/products").await.assert_problem(403, "secret_key_required", None);
        let r = app.post_as(&pk, "/v1/products", json!({"name": "X"})).await;
        r.assert_problem(403, "secret_key_required", None);
        app.get_as(&pk, "/v1/merchant").await.assert_problem(403, "secret_key_required", None);
    }

    async fn malformed_json_is_400_invalid_json(app) {
        let r = app.post_raw("/v1/products", "{\"name\": ").await;
        r.assert_problem(400, "invalid_json", None);
        let r = app.post_raw("/v1/products", "not json at all").await;
        r.assert_problem(400, "invalid_json", None);
    }

    async fn field_errors_are_422_naming_the_field(app) {
        app.post("/v1/products", json!({})).await.assert_problem(422, "missing_field", Some("name"));
        app.post("/v1/products", json!({"name": "  "})).await.assert_problem(422, "invalid_field", Some("name"));
        app.post("/v1/products", json!({"name": 5})).await.assert_problem(422, "invalid_field", Some("name"));
        app.post("/v1/products", json!({"name": "A", "colour": "red"})).await
            .assert_problem(422, "unknown_field", Some("colour"));
        app.post("/v1/products", json!({"name": "A", "kind": "sometimes"})).await
            .assert_problem(422, "invalid_field", Some("kind"));
        app.patch("/v1/merchant", json!({"address": {"country": "Narnia"}})).await
            .assert_problem(422, "invalid_field", Some("address.country"));
        app.patch("/v1/merchant", json!({"address": {"planet": "Mars"}})).await
            .assert_problem(422, "unknown_field", Some("address.planet"));
        app.patch("/v1/merchant", json!({"allowed_origins": ["https://ok.example", "ftp://x"]})).await
            .assert_problem(422, "invalid_field", Some("allowed_origins.1"));
        app.get("/v1/products?limit=500").await.assert_problem(422, "invalid_field", Some("limit"));
        app.get("/v1/products?starting_after=cus_x").await
            .assert_problem(422, "invalid_field", Some("starting_after"));
        app.get("/v1/products?active=maybe").await.assert_problem(422, "invalid_field", Some("active"));
        // Nothing was created by any of these.
        assert_eq!(app.get("/v1/products").await.body["data"].as_array().unwrap().len(), 0);
    }

    async fn an_unknown_id_or_route_is_404(app) {
        app.get("/v1/products/prod_01jzzzzzzzzzzzzzzzzzzzzzzz").await.assert_problem(404, "resource_missing", None);
        app.get("/v1/products/cus_01jzzzzzzzzzzzzzzzzzzzzzzz").await.assert_problem(404, "resource_missing", None);
        app.get("/v1/products/x").await.assert_problem(404, "resource_missing", None);
        app.patch("/v1/products/prod_01jzzzzzzzzzzzzzzzzzzzzzzz", json!({"name": "X"})).await
            .assert_problem(404, "resource_missing", None);
        app.get("/v1/no-such-thing").await.assert_problem(404, "route_missing", None);
    }

    async fn a_wrong_method_is_405(app) {
        let r = app.send(Method::DELETE, "/v1/products", Some(&app.keys.sk), None, &[]).await;
        r.assert_problem(405, "method_not_allowed", None);
    }

    async fn a_body_over_the_limit_is_413(app) {
        let big = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
        app.post_raw("/v1/products", big.clone()).await.assert_problem(413, "body_too_large", None);
        let r = app.send(Method::POST, "/v1/products", Some(&app.keys.sk),
            Some(&serde_json::from_str(&big).unwrap()), &[("idempotency-key", "big")]).await;
        r.assert_problem(413, "body_too_large", None);
    }

    async fn lists_are_cursor_paginated_newest_first(app) {
        let mut made = Vec::new();
        for i in 0..5 {
            let r = app.post("/v1/products", json!({"name": format!("P{i}")})).await;
            made.push(r.body["id"].as_str().unwrap().to_owned());
        }
        made.reverse();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = Vec::new();
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/products?limit=2&starting_after={c}"),
                None => "/v1/products?limit=2".to_owned(),
            };
            let r = app.get(&path).await;
            assert_eq!(r.status, 200);
            assert_eq!(r.body["object"], "list");
            let data = r.body["data"].as_array().unwrap();
            pages.push((data.len(), r.body["has_more"].as_bool().unwrap()));
            seen.extend(data.iter().map(|p| p["id"].as_str().unwrap().to_owned()));
            cursor = seen.last().cloned();
            if !r.body["has_more"].as_bool().unwrap() {
                break;
            }
        }
        assert_eq!(pages, vec![(2, true), (2, true), (1, false)]);
        assert_eq!(seen, made);
    }

    async fn an_idempotent_retry_returns_the_first_response_byte_for_byte(app) {
        let key = [("idempotency-key", "create-pro-1")];
        let body = json!({"name": "Pro"});
        let first = app.send(Method::POST, "/v1/products", Some(&app.keys.sk), Some(&body), &key).await;
        assert_eq!(first.status, 201);
        let second = app.send(Method::POST, "/v1/products", Some(&app.keys.sk), Some(&body), &key).await;
        assert_eq!(second.status, 201);
        assert_eq!(second.text, first.text);
        assert_eq!(second.header("idempotent-replayed"), Some("true"));
        assert_eq!(app.get("/v1/products").await.body["data"].as_array().unwrap().len(), 1);
        // The same key with other parameters is refused and changes nothing.
        let other = app.send(Method::POST, "/v1/products", Some(&app.keys.sk), Some(&json!({"name": "Max"})), &key).await;
        other.assert_problem(422, "idempotency_key_reused", Some("Idempotency-Key"));
        assert_eq!(app.get("/v1/products").await.body["data"].as_array().unwrap().len(), 1);
        // Keys are per merchant: another merchant may use the same one.
        let b = app.new_merchant("Beta", "DE", "EUR").await;
        let r = app.send(Method::POST, "/v1/products", Some(&b.sk), Some(&body), &key).await;
        assert_eq!(r.status, 201);
        assert_ne!(r.body["id"], first.body["id"]);
    }

    async fn a_rejected_request_does_not_use_up_its_idempotency_key(app) {
        let key = [("idempotency-key", "fix-and-retry")];
        let bad = app.send(Method::POST, "/v1/products", Some(&app.keys.sk), Some(&json!({"nam": "x"})), &key).await;
        assert_eq!(bad.status, 422);
        let good = app.send(Method::POST, "/v1/products", Some(&app.keys.sk), Some(&json!({"name": "x"})), &key).await;
        assert_eq!(good.status, 201, "{}", good.text);
    }

    async fn an_overlong_idempotency_key_is_422(app) {
        let long = "k".repeat(256);
        let r = app.send(Method::POST, "/v1/products", Some(&app.keys.sk), Some(&json!({"name": "x"})),
            &[("idempotency-key", long.as_str())]).await;
        r.assert_problem(422, "invalid_field", Some("Idempotency-Key"));
    }

    async fn concurrent_requests_with_one_idempotency_key_create_one_object(app) {
        let body = json!({"name": "Concurrent"});
        let calls = (0..12).map(|_| app.send(Method::POST, "/v1/products", Some(&app.keys.sk), Some(&body),
            &[("idempotency-key", "race")]));
        let results = futures::future::join_all(calls).await;
        let created: Vec<_> = results.iter().filter(|r| r.status == 201).collect();
        assert!(!created.is_empty());
        for r in &results {
            match r.status {
                201 => assert_eq!(r.text, created[0].text),
                409 => r.assert_problem(409, "idempotency_key_in_use", Some("Idempotency-Key")),
                other => panic!("unexpected {other}: {}", r.text),
            }
        }
        assert_eq!(app.get("/v1/products").await.body["data"].as_array().unwrap().len(), 1);
    }

    async fn one_merchant_never_sees_another_merchants_data(app) {
        let a = app.post("/v1/products", json!({"name": "A's secret product"})).await;
        let id = a.body["id"].as_str().unwrap();
        let b = app.new_merchant("Beta", "DE", "EUR").await;
        app.get_as(&b.sk, &format!("/v1/products/{id}")).await.assert_problem(404, "resource_missing", None);
        app.patch_as(&b.sk, &format!("/v1/products/{id}"), json!({"name": "pwned"})).await
            .assert_problem(404, "resource_missing", None);
        assert_eq!(app.get_as(&b.sk, "/v1/products").await.body["data"].as_array().unwrap().len(), 0);
        assert_eq!(app.get_as(&b.sk, "/v1/merchant").await.body["id"], b.merchant.as_str());
        assert_eq!(app.get(&format!("/v1/products/{id}")).await.body["name"], "A's secret product");
    }

    async fn test_and_live_data_never_mix(app) {
        let live = app.keys.live_sk.clone().unwrap();
        let t = app.post("/v1/products", json!({"name": "Test thing"})).await;
        assert_eq!(t.body["livemode"], false);
        let id = t.body["id"].as_str().unwrap();
        app.get_as(&live, &format!("/v1/products/{id}")).await.assert_problem(404, "resource_missing", None);
        let l = app.post_as(&live, "/v1/products", json!({"name": "Live thing"})).await;
        assert_eq!(l.body["livemode"], true);
        let names = |r: &renewly_tests::Resp| r.body["data"].as_array().unwrap().iter()
            .map(|p| p["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        assert_eq!(names(&app.get("/v1/products").await), vec!["Test thing"]);
        assert_eq!(names(&app.get_as(&live, "/v1/products").await), vec!["Live thing"]);
    }

    async fn the_merchant_settings_can_be_read_and_changed(app) {
        let m = app.get("/v1/merchant").await;
        assert_eq!(m.status, 200);
        assert_eq!(m.body["country"], "NL");
        assert_eq!(m.body["default_currency"], "EUR");
        let r = app.patch("/v1/merchant", json!({
            "name": "Acme B.V.", "vat_number": "NL004495445B01", "reporting_currency": "usd",
            "timezone": "Europe/Amsterdam", "invoice_prefix": "ACME",
            "address": {"line1": "Dam 1", "city": "Amsterdam", "postal_code": "1012 JS", "country": "nl"},
            "allowed_origins": ["https://shop.acme.example/", "http://localhost:3000"]
        })).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["reporting_currency"], "USD");
        assert_eq!(r.body["address"]["country"], "NL");
        assert_eq!(r.body["allowed_origins"], json!(["https://shop.acme.example", "http://localhost:3000"]));
        assert_eq!(app.get("/v1/merchant").await.body, r.body);
        app.patch("/v1/merchant", json!({"default_currency": "EURO"})).await
            .assert_problem(422, "invalid_field", Some("default_currency"));
        app.patch("/v1/merchant", json!({"invoice_prefix": "IN V/"})).await
            .assert_problem(422, "invalid_field", Some("invoice_prefix"));
        let r = app.patch("/v1/merchant", json!({"vat_number": null})).await;
        assert_eq!(r.body["vat_number"], serde_json::Value::Null);
        assert_eq!(r.body["name"], "Acme B.V.");
    }

    async fn every_response_carries_a_request_id(app) {
        let r = app.get("/v1/products").await;
        assert!(r.header("x-request-id").unwrap().starts_with("req_"));
        let r = app.get("/v1/nope").await;
        assert!(r.header("x-request-id").is_some());
    }

    async fn hosted_portal_and_checkout_pages_embed_the_widget_and_refuse_junk(app) {
        let token = "ab".repeat(32);
        let r = app.send(Method::GET, &format!("/portal/{token}"), None, None, &[]).await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains(&format!(r#"<renewly-portal token="{token}" locale="en">"#)));
        assert!(r.text.contains("/widget/renewly.js"));
        assert_eq!(r.header("cache-control"), Some("no-store"));
        let r = app.send(Method::GET, "/portal/not-a-token", None, None, &[]).await;
        assert_eq!(r.status, 404);
        let plan = "plan_01jzzzzzzzzzzzzzzzzzzzzzzz";
        let r = app.send(Method::GET, &format!("/checkout/{plan}?key={}", app.keys.pk), None, None, &[]).await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains(&format!(r#"publishable-key="{}" plan="{plan}""#, app.keys.pk)));
        let hostile = format!("/checkout/{plan}?key=pk_test_%22%3E%3Cscript%3Ealert(1)%3C/script%3E");
        assert_eq!(app.send(Method::GET, &hostile, None, None, &[]).await.status, 404);
        assert_eq!(app.send(Method::GET, "/checkout/nope?key=pk_test_x", None, None, &[]).await.status, 404);
    }

    async fn hosted_pages_speak_the_customers_or_the_browsers_language(app) {
        let plan = "plan_01jzzzzzzzzzzzzzzzzzzzzzzz";
        let checkout = format!("/checkout/{plan}?key={}", app.keys.pk);
        let lang = |r: &renewly_tests::Resp| {
            let html = r.text.split("<html lang=\"").nth(1).unwrap_or("");
            html.split('"').next().unwrap_or("").to_owned()
        };
        // The browser's preference, by quality; a language we do not speak is skipped.
        for (accept, want) in [
            ("nl-NL,nl;q=0.9,en;q=0.8", "nl"),
            ("fr-FR, en;q=0.5, nl;q=0.7", "nl"),
            ("de, en-GB;q=0.9", "en"),
            ("nl;q=0, en;q=0.1", "en"),
            ("", "en"),
        ] {
            let r = app.send(Method::GET, &checkout, None, None, &[("accept-language", accept)]).await;
            assert_eq!(r.status, 200);
            assert_eq!(lang(&r), want, "Accept-Language: {accept}");
            assert!(r.text.contains(&format!(r#"locale="{want}""#)), "{}", r.text);
            assert_eq!(r.header("vary"), Some("Accept-Language"));
        }
        assert!(app.send(Method::GET, &checkout, None, None, &[("accept-language", "nl")]).await
            .text.contains("<title>Afrekenen</title>"));
        // `?locale=` wins over the browser.
        let r = app.send(Method::GET, &format!("{checkout}&locale=nl-BE"), None, None, &[("accept-language", "en")]).await;
        assert_eq!(lang(&r), "nl");

        // The portal speaks the customer's stored language, whatever the browser says.
        let c = app.post("/v1/customers", json!({"email": "sanne@example.nl", "locale": "nl"})).await;
        assert_eq!(c.status, 201, "{}", c.text);
        let id = c.body["id"].as_str().unwrap();
        let s = app.post(&format!("/v1/customers/{id}/portal_sessions"), json!({})).await;
        let token = s.body["token"].as_str().unwrap().to_owned();
        let r = app.send(Method::GET, &format!("/portal/{token}"), None, None, &[("accept-language", "en-US")]).await;
        assert_eq!(lang(&r), "nl");
        assert!(r.text.contains(&format!(r#"<renewly-portal token="{token}" locale="nl">"#)));
        assert!(r.text.contains("<title>Uw abonnement</title>"));
        let r = app.send(Method::GET, &format!("/portal/{token}?locale=en"), None, None, &[]).await;
        assert_eq!(lang(&r), "en");
    }
}
