//! Catalog: prices, plans, pricelists, tax rates and the public plan list.

use renewly::store::Scope;
use renewly::store::tax_rates::find_rate;
use serde_json::Value;

use super::*;

/// Creates a product and returns its id.
async fn product(app: &TestApp, kind: &str) -> String {
    let r = app
        .post(
            "/v1/products",
            json!({"name": format!("A {kind} thing"), "kind": kind}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

/// Creates a price from `body` and returns it whole.
async fn price(app: &TestApp, body: Value) -> Value {
    let r = app.post("/v1/prices", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

/// A monthly price of `amount` in `currency` for `product`; returns its id.
async fn monthly(app: &TestApp, product: &str, amount: &str, currency: &str) -> String {
    let body = json!({"product": product, "unit_amount": amount, "currency": currency,
        "recurring": {"interval": "month"}});
    price(app, body).await["id"].as_str().unwrap().to_owned()
}

/// A one-off price of `amount` in `currency` for `product`; returns its id.
async fn one_off(app: &TestApp, product: &str, amount: &str, currency: &str) -> String {
    let body = json!({"product": product, "unit_amount": amount, "currency": currency});
    price(app, body).await["id"].as_str().unwrap().to_owned()
}

fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn preflight(app: &TestApp, path: &str, origin: &str) -> renewly_tests::Resp {
    let headers = [("origin", origin), ("access-control-request-method", "GET")];
    app.send(reqwest::Method::OPTIONS, path, None, None, &headers)
        .await
}

scenarios! {
    async fn prices_are_created_listed_paged_renamed_and_archived(app) {
        let prod = product(app, "recurring").await;
        let p = price(app, json!({"product": prod, "unit_amount": "19.90",
            "recurring": {"interval": "month"}, "nickname": "Monthly"})).await;
        assert_eq!(p["object"], "price");
        assert_eq!(p["currency"], "EUR", "the merchant's default currency");
        assert_eq!(p["unit_amount"], "19.90");
        assert_eq!(p["recurring"], json!({"interval": "month", "interval_count": 1}));
        assert_eq!(p["tax_behavior"], "exclusive");
        assert_eq!(p["active"], true);
        let id = p["id"].as_str().unwrap();
        assert!(id.starts_with("price_"));
        let back = app.get(&format!("/v1/prices/{id}")).await;
        assert_eq!(back.status, 200);
        assert_eq!(back.body, p);

        let yearly = price(app, json!({"product": prod, "unit_amount": "199", "currency": "usd",
            "recurring": {"interval": "year", "interval_count": 1}, "tax_behavior": "inclusive"})).await;
        assert_eq!(yearly["currency"], "USD");
        assert_eq!(yearly["tax_behavior"], "inclusive");
        let setup = one_off(app, &product(app, "one_off").await, "50", "EUR").await;

        let page1 = app.get("/v1/prices?limit=2").await;
        assert_eq!(page1.status, 200);
        assert_eq!(page1.body["object"], "list");
        assert_eq!(ids(&page1.body), vec![setup.clone(), yearly["id"].as_str().unwrap().to_owned()]);
        assert_eq!(page1.body["has_more"], true);
        let page2 = app.get(&format!("/v1/prices?limit=2&starting_after={}", yearly["id"].as_str().unwrap())).await;
        assert_eq!(ids(&page2.body), vec![id.to_owned()]);
        assert_eq!(page2.body["has_more"], false);

        let of_product = app.get(&format!("/v1/prices?product={prod}")).await;
        assert_eq!(ids(&of_product.body).len(), 2);
        let in_usd = app.get("/v1/prices?currency=usd").await;
        assert_eq!(ids(&in_usd.body), vec![yearly["id"].as_str().unwrap().to_owned()]);
        app.get("/v1/prices?currency=EURO").await.assert_problem(422, "invalid_field", Some("currency"));

        let renamed = app.patch(&format!("/v1/prices/{id}"), json!({"nickname": "Per month"})).await;
        assert_eq!(renamed.status, 200, "{}", renamed.text);
        assert_eq!(renamed.body["nickname"], "Per month");
        let cleared = app.patch(&format!("/v1/prices/{id}"), json!({"nickname": null})).await;
        assert_eq!(cleared.body["nickname"], Value::Null);
        let archived = app.patch(&format!("/v1/prices/{id}"), json!({"active": false})).await;
        assert_eq!(archived.body["active"], false);
        assert_eq!(app.get(&format!("/v1/prices/{id}")).await.body["active"], false);
        let active = app.get("/v1/prices?active=true").await;
        assert!(!ids(&active.body).contains(&id.to_owned()));
        let archived_list = app.get("/v1/prices?active=false").await;
        assert_eq!(ids(&archived_list.body), vec![id.to_owned()]);

        app.patch(&format!("/v1/prices/{id}"), json!({"unit_amount": "1.00"})).await
            .assert_problem(422, "unknown_field", Some("unit_amount"));
        let r = app.send(reqwest::Method::DELETE, &format!("/v1/prices/{id}"), Some(&app.keys.sk), None, &[]).await;
        assert_eq!(r.status, 405, "prices are archived, never deleted");
    }

    async fn invalid_prices_are_refused_naming_the_field(app) {
        let rec = product(app, "recurring").await;
        let once = product(app, "one_off").await;
        let monthly = json!({"interval": "month"});
        let post = |body: Value| app.post("/v1/prices", body);

        post(json!({"product": "prod_01jdx0000000000000000000zz", "unit_amount": "1", "recurring": monthly})).await
            .assert_problem(422, "resource_missing", Some("product"));
        post(json!({"product": "nope", "unit_amount": "1"})).await
            .assert_problem(422, "resource_missing", Some("product"));
        post(json!({"unit_amount": "1"})).await.assert_problem(422, "missing_field", Some("product"));
        let archived = product(app, "recurring").await;
        app.patch(&format!("/v1/products/{archived}"), json!({"active": false})).await;
        post(json!({"product": archived, "unit_amount": "1", "recurring": monthly})).await
            .assert_problem(422, "invalid_field", Some("product"));

        for bad in ["abc", "-1.00", "1e3", "", "0.0000000000001"] {
            post(json!({"product": rec, "unit_amount": bad, "recurring": monthly})).await
                .assert_problem(422, "invalid_field", Some("unit_amount"));
        }
        post(json!({"product": rec, "unit_amount": 19.99, "recurring": monthly})).await
            .assert_problem(422, "invalid_field", Some("unit_amount"));
        post(json!({"product": rec, "unit_amount": "1", "currency": "EURO", "recurring": monthly})).await
            .assert_problem(422, "invalid_field", Some("currency"));

        post(json!({"product": rec, "unit_amount": "1"})).await
            .assert_problem(422, "missing_field", Some("recurring"));
        post(json!({"product": once, "unit_amount": "1", "recurring": monthly})).await
            .assert_problem(422, "invalid_field", Some("recurring"));
        for (interval, count) in [("month", 0), ("day", 366), ("week", 157), ("month", 37), ("year", 4)] {
            post(json!({"product": rec, "unit_amount": "1",
                "recurring": {"interval": interval, "interval_count": count}})).await
                .assert_problem(422, "invalid_field", Some("recurring.interval_count"));
        }
        post(json!({"product": rec, "unit_amount": "1", "recurring": {"interval": "fortnight"}})).await
            .assert_problem(422, "invalid_field", Some("recurring.interval"));
        for (interval, count) in [("day", 365), ("week", 156), ("month", 36), ("year", 3)] {
            let r = post(json!({"product": rec, "unit_amount": "1",
                "recurring": {"interval": interval, "interval_count": count}})).await;
            assert_eq!(r.status, 201, "{interval} × {count}: {}", r.text);
        }
        app.get("/v1/prices/price_01jdx0000000000000000000zz").await.assert_problem(404, "resource_missing", None);
    }

    async fn a_publishable_key_cannot_manage_the_catalog(app) {
        let pk = app.keys.pk.clone();
        app.get_as(&pk, "/v1/prices").await.assert_problem(403, "secret_key_required", None);
        app.post_as(&pk, "/v1/prices", json!({"product": "x", "unit_amount": "1"})).await
            .assert_problem(403, "secret_key_required", None);
        app.get_as(&pk, "/v1/plans").await.assert_problem(403, "secret_key_required", None);
        app.get_as(&pk, "/v1/pricelists").await.assert_problem(403, "secret_key_required", None);
        app.get_as(&pk, "/v1/tax_rates").await.assert_problem(403, "secret_key_required", None);
    }

    async fn another_merchant_sees_none_of_the_catalog(app) {
        let prod = product(app, "recurring").await;
        let price_id = monthly(app, &prod, "10", "EUR").await;
        let plan = app.post("/v1/plans", json!({"name": "Pro", "prices": [price_id]})).await;
        assert_eq!(plan.status, 201, "{}", plan.text);
        let plan_id = plan.body["id"].as_str().unwrap();
        let pl = app.post("/v1/pricelists", json!({"name": "Partners"})).await;
        let pl_id = pl.body["id"].as_str().unwrap();
        let rates = app.get("/v1/tax_rates?country=NL&tax_category=standard").await;
        let rate_id = ids(&rates.body)[0].clone();

        let b = app.new_merchant("Beta", "DE", "EUR").await;
        for path in [
            format!("/v1/prices/{price_id}"),
            format!("/v1/plans/{plan_id}"),
            format!("/v1/pricelists/{pl_id}"),
            format!("/v1/tax_rates/{rate_id}"),
        ] {
            app.get_as(&b.sk, &path).await.assert_problem(404, "resource_missing", None);
            app.patch_as(&b.sk, &path, json!({"active": false})).await
                .assert_problem(404, "resource_missing", None);
        }
        app.post_as(&b.sk, "/v1/prices", json!({"product": prod, "unit_amount": "1",
            "recurring": {"interval": "month"}})).await
            .assert_problem(422, "resource_missing", Some("product"));
        app.post_as(&b.sk, "/v1/plans", json!({"name": "Copy", "prices": [price_id]})).await
            .assert_problem(422, "resource_missing", Some("prices.0"));
        assert!(ids(&app.get_as(&b.sk, "/v1/prices").await.body).is_empty());
        let public = app.get_as(&b.pk, "/v1/public/plans").await;
        assert_eq!(public.body["data"], json!([]));
        assert_eq!(app.get(&format!("/v1/prices/{price_id}")).await.body["active"], true);
    }

    async fn plans_are_created_listed_changed_and_archived(app) {
        let prod = product(app, "recurring").await;
        let m = monthly(app, &prod, "30", "EUR").await;
        let y = price(app, json!({"product": prod, "unit_amount": "300",
            "recurring": {"interval": "year"}})).await["id"].as_str().unwrap().to_owned();
        let extra = product(app, "one_off").await;
        let addon = one_off(app, &extra, "99", "EUR").await;
        let seat = monthly(app, &product(app, "recurring").await, "5", "EUR").await;
        let fee = one_off(app, &extra, "25", "EUR").await;

        let r = app.post("/v1/plans", json!({
            "name": "Pro", "description": "For teams", "prices": [m, y], "addons": [addon, seat],
            "setup_fee": fee, "trial_days": 14, "close_reasons": [
                {"name": "Too expensive", "retention_offer": "20% off for 3 months"},
                {"name": "Missing features"}],
            "features": ["Unlimited projects", "Priority support"], "published": true,
            "terms": "Cancel any time.", "require_signature": true,
        })).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let plan = r.body.clone();
        let id = plan["id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("plan_"));
        assert_eq!(plan["object"], "plan");
        assert_eq!(plan["currency"], "EUR");
        assert_eq!(plan["prices"], json!([m, y]));
        assert_eq!(plan["addons"], json!([addon, seat]));
        assert_eq!(plan["setup_fee"], fee);
        assert_eq!(plan["payment_mode"], "charge_automatically");
        assert_eq!(plan["invoice_due_days"], 14);
        assert_eq!(plan["dunning"], json!({"retry_days": [1, 3, 5, 7], "close_after_days": 15}));
        assert_eq!(plan["customer_rights"]["change"], "upgrade_downgrade");
        let reasons = plan["close_reasons"].as_array().unwrap();
        assert_eq!(reasons.len(), 2);
        assert!(reasons.iter().all(|c| c["id"].as_str().unwrap().starts_with("cr_")));
        assert_eq!(app.get(&format!("/v1/plans/{id}")).await.body, plan);

        let draft = app.post("/v1/plans", json!({"name": "Basic", "prices": [m]})).await;
        assert_eq!(draft.body["published"], false);
        assert_eq!(draft.body["close_reasons"], json!([]));
        let draft_id = draft.body["id"].as_str().unwrap().to_owned();
        let page1 = app.get("/v1/plans?limit=1").await;
        assert_eq!(ids(&page1.body), vec![draft_id.clone()]);
        assert_eq!(page1.body["has_more"], true);
        let page2 = app.get(&format!("/v1/plans?limit=1&starting_after={draft_id}")).await;
        assert_eq!(ids(&page2.body), vec![id.clone()]);
        assert_eq!(page2.body["has_more"], false);
        assert_eq!(ids(&app.get("/v1/plans?published=true").await.body), vec![id.clone()]);
        assert_eq!(ids(&app.get("/v1/plans?published=false").await.body), vec![draft_id.clone()]);

        // Renaming a reason gives it a new id; a kept name keeps its id.
        let kept_id = reasons[0]["id"].clone();
        let old_second = reasons[1]["id"].clone();
        let r = app.patch(&format!("/v1/plans/{id}"), json!({
            "close_reasons": [{"name": "Switching to a competitor"}, {"name": "too expensive"}],
            "dunning": {"retry_days": [2, 4], "close_after_days": 10},
            "payment_mode": "send_invoice", "invoice_due_days": 30, "setup_fee": null,
        })).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["close_reasons"][1]["id"], kept_id);
        assert_ne!(r.body["close_reasons"][0]["id"], old_second);
        assert_eq!(r.body["setup_fee"], Value::Null);
        assert_eq!(r.body["payment_mode"], "send_invoice");
        assert_eq!(r.body["invoice_due_days"], 30);
        assert_eq!(r.body["dunning"]["retry_days"], json!([2, 4]));

        // An archived price stays on the plan, but cannot be added anew.
        app.patch(&format!("/v1/prices/{y}"), json!({"active": false})).await;
        let r = app.patch(&format!("/v1/plans/{id}"), json!({"prices": [y, m], "name": "Pro 2"})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["prices"], json!([y, m]));
        app.patch(&format!("/v1/plans/{draft_id}"), json!({"prices": [m, y]})).await
            .assert_problem(422, "invalid_field", Some("prices.1"));

        let r = app.patch(&format!("/v1/plans/{id}"), json!({"active": false})).await;
        assert_eq!(r.body["active"], false);
        assert_eq!(r.body["published"], false, "archiving unpublishes");
        app.patch(&format!("/v1/plans/{id}"), json!({"published": true})).await
            .assert_problem(422, "invalid_field", Some("published"));
        let r = app.patch(&format!("/v1/plans/{id}"), json!({"active": true, "published": true})).await;
        assert_eq!((r.body["active"].clone(), r.body["published"].clone()), (json!(true), json!(true)));
        assert_eq!(ids(&app.get("/v1/plans?active=false").await.body), Vec::<String>::new());
    }

    async fn invalid_plans_are_refused_naming_the_field(app) {
        let prod = product(app, "recurring").await;
        let m = monthly(app, &prod, "30", "EUR").await;
        let usd = monthly(app, &prod, "33", "USD").await;
        let once = product(app, "one_off").await;
        let fee = one_off(app, &once, "25", "EUR").await;
        let fee_usd = one_off(app, &once, "25", "USD").await;
        let archived = monthly(app, &prod, "40", "EUR").await;
        app.patch(&format!("/v1/prices/{archived}"), json!({"active": false})).await;
        let missing = "price_01jdx0000000000000000000zz";
        let post = |extra: Value| {
            let mut body = json!({"name": "Pro", "prices": [m]});
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            app.post("/v1/plans", body)
        };
        let cases: Vec<(Value, &str, &str)> = vec![
            (json!({"prices": []}), "invalid_field", "prices"),
            (json!({"prices": [missing]}), "resource_missing", "prices.0"),
            (json!({"prices": ["bogus"]}), "resource_missing", "prices.0"),
            (json!({"prices": [fee]}), "invalid_field", "prices.0"),
            (json!({"prices": [m, usd]}), "invalid_field", "prices.1"),
            (json!({"prices": [m, m]}), "invalid_field", "prices.1"),
            (json!({"prices": [archived]}), "invalid_field", "prices.0"),
            (json!({"addons": [m]}), "invalid_field", "addons.0"),
            (json!({"addons": [fee, fee_usd]}), "invalid_field", "addons.1"),
            (json!({"addons": [missing]}), "resource_missing", "addons.0"),
            (json!({"setup_fee": m}), "invalid_field", "setup_fee"),
            (json!({"setup_fee": fee_usd}), "invalid_field", "setup_fee"),
            (json!({"setup_fee": missing}), "resource_missing", "setup_fee"),
            (json!({"trial_days": 731}), "invalid_field", "trial_days"),
            (json!({"trial_days": -1}), "invalid_field", "trial_days"),
            (json!({"invoice_due_days": 366}), "invalid_field", "invoice_due_days"),
            (json!({"dunning": {"retry_days": [3, 3], "close_after_days": 15}}), "invalid_field", "dunning.retry_days.1"),
            (json!({"dunning": {"retry_days": [0, 3], "close_after_days": 15}}), "invalid_field", "dunning.retry_days.0"),
            (json!({"dunning": {"retry_days": [1, 15], "close_after_days": 15}}), "invalid_field", "dunning.retry_days.1"),
            (json!({"dunning": {"retry_days": [], "close_after_days": 0}}), "invalid_field", "dunning.close_after_days"),
            (json!({"close_reasons": [{"name": " "}]}), "invalid_field", "close_reasons.0.name"),
            (json!({"close_reasons": [{"name": "Price"}, {"name": "price"}]}), "invalid_field", "close_reasons.1.name"),
            (json!({"features": (0..51).map(|i| format!("F{i}")).collect::<Vec<_>>()}), "invalid_field", "features"),
            (json!({"features": ["ok", ""]}), "invalid_field", "features.1"),
            (json!({"name": ""}), "invalid_field", "name"),
            (json!({"payment_mode": "cash"}), "invalid_field", "payment_mode"),
        ];
        for (extra, code, param) in cases {
            let r = post(extra.clone()).await;
            assert_eq!(r.status, 422, "{extra}: {}", r.text);
            r.assert_problem(422, code, Some(param));
        }
        app.post("/v1/plans", json!({"name": "Pro"})).await.assert_problem(422, "missing_field", Some("prices"));
        let ok = post(json!({"addons": [fee], "setup_fee": fee, "trial_days": 730, "invoice_due_days": 0,
            "dunning": {"retry_days": [], "close_after_days": 1}})).await;
        assert_eq!(ok.status, 201, "{}", ok.text);
        let plan_id = ok.body["id"].as_str().unwrap();
        app.patch(&format!("/v1/plans/{plan_id}"), json!({"addons": [usd]})).await
            .assert_problem(422, "invalid_field", Some("addons.0"));
        app.patch(&format!("/v1/plans/{plan_id}"), json!({"prices": [usd]})).await
            .assert_problem(422, "invalid_field", Some("addons.0"));
        app.get("/v1/plans/plan_01jdx0000000000000000000zz").await.assert_problem(404, "resource_missing", None);
    }

    async fn pricelists_are_created_listed_changed_and_archived(app) {
        let prod = product(app, "recurring").await;
        let m = monthly(app, &prod, "20", "EUR").await;
        let r = app.post("/v1/pricelists", json!({"name": "Partners", "items": [
            {"product": prod, "discount_percent": "10"},
            {"price": m, "fixed_amount": "15.00", "min_quantity": 10},
        ]})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let pl = r.body.clone();
        let id = pl["id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("pl_"));
        assert_eq!(pl["object"], "pricelist");
        assert_eq!(pl["currency"], "EUR");
        assert_eq!(pl["items"][0], json!({"product": prod, "price": null, "fixed_amount": null,
            "discount_percent": "10", "min_quantity": 1}));
        assert_eq!(pl["items"][1]["fixed_amount"], "15.00");
        assert_eq!(app.get(&format!("/v1/pricelists/{id}")).await.body, pl);

        let usd = app.post("/v1/pricelists", json!({"name": "US resellers", "currency": "usd"})).await;
        assert_eq!(usd.body["currency"], "USD");
        let usd_id = usd.body["id"].as_str().unwrap().to_owned();
        let page1 = app.get("/v1/pricelists?limit=1").await;
        assert_eq!(ids(&page1.body), vec![usd_id.clone()]);
        assert_eq!(page1.body["has_more"], true);
        let page2 = app.get(&format!("/v1/pricelists?limit=1&starting_after={usd_id}")).await;
        assert_eq!((ids(&page2.body), page2.body["has_more"].clone()), (vec![id.clone()], json!(false)));

        let r = app.patch(&format!("/v1/pricelists/{id}"), json!({"name": "Gold partners",
            "items": [{"price": m, "discount_percent": "100"}]})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["name"], "Gold partners");
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
        let r = app.patch(&format!("/v1/pricelists/{id}"), json!({"active": false})).await;
        assert_eq!(r.body["active"], false);
        assert_eq!(ids(&app.get("/v1/pricelists?active=false").await.body), vec![id.clone()]);
        app.patch(&format!("/v1/pricelists/{id}"), json!({"currency": "USD"})).await
            .assert_problem(422, "unknown_field", Some("currency"));
    }

    async fn invalid_pricelist_rules_are_refused_naming_the_field(app) {
        let prod = product(app, "recurring").await;
        let m = monthly(app, &prod, "20", "EUR").await;
        let usd = monthly(app, &prod, "22", "USD").await;
        let cases: Vec<(Value, &str, &str)> = vec![
            (json!({"discount_percent": "10"}), "invalid_field", "items.0.product"),
            (json!({"product": prod, "price": m, "discount_percent": "10"}), "invalid_field", "items.0.product"),
            (json!({"product": "prod_01jdx0000000000000000000zz", "discount_percent": "10"}), "resource_missing", "items.0.product"),
            (json!({"price": "price_01jdx0000000000000000000zz", "discount_percent": "10"}), "resource_missing", "items.0.price"),
            (json!({"price": usd, "discount_percent": "10"}), "invalid_field", "items.0.price"),
            (json!({"product": prod}), "invalid_field", "items.0.discount_percent"),
            (json!({"product": prod, "fixed_amount": "1", "discount_percent": "10"}), "invalid_field", "items.0.discount_percent"),
            (json!({"product": prod, "discount_percent": "0"}), "invalid_field", "items.0.discount_percent"),
            (json!({"product": prod, "discount_percent": "100.01"}), "invalid_field", "items.0.discount_percent"),
            (json!({"product": prod, "fixed_amount": "-1"}), "invalid_field", "items.0.fixed_amount"),
            (json!({"product": prod, "fixed_amount": "0", "min_quantity": 0}), "invalid_field", "items.0.min_quantity"),
        ];
        for (item, code, param) in cases {
            let r = app.post("/v1/pricelists", json!({"name": "X", "items": [item]})).await;
            assert_eq!(r.status, 422, "{item}: {}", r.text);
            r.assert_problem(422, code, Some(param));
        }
        // Amounts are decimal strings, never JSON numbers (serde names the field).
        let r = app.post("/v1/pricelists", json!({"name": "X", "items": [
            {"product": prod, "discount_percent": 10}]})).await;
        assert_eq!((r.status, r.body["code"].as_str()), (422, Some("invalid_field")), "{}", r.text);
        assert!(r.body["param"].as_str().unwrap().ends_with("discount_percent"), "{}", r.text);
        let twice = json!([{"product": prod, "discount_percent": "5"}, {"product": prod, "discount_percent": "6"}]);
        app.post("/v1/pricelists", json!({"name": "X", "items": twice})).await
            .assert_problem(422, "invalid_field", Some("items.1.min_quantity"));
        app.post("/v1/pricelists", json!({"name": "X", "currency": "EU"})).await
            .assert_problem(422, "invalid_field", Some("currency"));
        app.post("/v1/pricelists", json!({"items": []})).await
            .assert_problem(422, "missing_field", Some("name"));
        let free = app.post("/v1/pricelists", json!({"name": "Free", "items": [
            {"product": prod, "fixed_amount": "0"}]})).await;
        assert_eq!(free.status, 201, "{}", free.text);
    }

    async fn tax_rates_are_seeded_listed_and_editable(app) {
        let nl = app.get("/v1/tax_rates?country=nl&tax_category=standard").await;
        assert_eq!(nl.status, 200, "{}", nl.text);
        let rates = nl.body["data"].as_array().unwrap();
        assert_eq!(rates.len(), 1);
        assert_eq!(rates[0]["percentage"], "21");
        assert_eq!(rates[0]["object"], "tax_rate");
        assert_eq!(rates[0]["name"], "VAT 21%");
        let nl_id = rates[0]["id"].as_str().unwrap().to_owned();

        let all = app.get("/v1/tax_rates").await;
        assert_eq!(ids(&all.body).len(), 10, "the default page holds 10");
        assert_eq!(all.body["has_more"], true);
        let big = app.get("/v1/tax_rates?limit=100").await;
        assert!(ids(&big.body).len() > 27, "every EU country is seeded");
        let last = ids(&all.body).pop().unwrap();
        let next = app.get(&format!("/v1/tax_rates?starting_after={last}")).await;
        assert!(!ids(&next.body).contains(&last));
        app.get("/v1/tax_rates?limit=101").await.assert_problem(422, "invalid_field", Some("limit"));
        app.get("/v1/tax_rates?country=XX").await.assert_problem(422, "invalid_field", Some("country"));

        let scope = Scope { merchant_id: app.keys.merchant.clone(), livemode: false };
        let reduced = find_rate(app.db(), &scope, "NL", "reduced").await.unwrap().unwrap();
        assert_eq!(reduced.percentage.to_string(), "9");
        let fallback = find_rate(app.db(), &scope, "NL", "digital_books").await.unwrap().unwrap();
        assert_eq!(fallback.id, nl_id);
        assert!(find_rate(app.db(), &scope, "US", "standard").await.unwrap().is_none());

        let r = app.patch(&format!("/v1/tax_rates/{nl_id}"), json!({"percentage": "22"})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["percentage"], "22");
        assert_eq!(r.body["name"], "VAT 22%");
        assert_eq!(app.get(&format!("/v1/tax_rates/{nl_id}")).await.body, r.body);

        app.post("/v1/tax_rates", json!({"country": "NL", "percentage": "20"})).await
            .assert_problem(409, "tax_rate_exists", Some("tax_category"));
        let r = app.patch(&format!("/v1/tax_rates/{nl_id}"), json!({"active": false})).await;
        assert_eq!(r.body["active"], false);
        assert!(find_rate(app.db(), &scope, "NL", "standard").await.unwrap().is_none());
        let created = app.post("/v1/tax_rates", json!({"country": "nl", "percentage": "21.50",
            "name": "BTW hoog"})).await;
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(created.body["country"], "NL");
        assert_eq!(created.body["tax_category"], "standard");
        assert_eq!(created.body["percentage"], "21.5");
        let new_id = created.body["id"].as_str().unwrap().to_owned();
        assert_eq!(find_rate(app.db(), &scope, "NL", "standard").await.unwrap().unwrap().id, new_id);
        app.patch(&format!("/v1/tax_rates/{nl_id}"), json!({"active": true})).await
            .assert_problem(409, "tax_rate_exists", Some("tax_category"));

        let us = app.post("/v1/tax_rates", json!({"country": "US", "region": "CA",
            "tax_category": "standard", "percentage": "7.25", "name": "CA sales tax"})).await;
        assert_eq!(us.status, 201, "{}", us.text);
        assert_eq!(us.body["region"], "CA");
        let live = app.get_as(app.keys.live_sk.as_deref().unwrap(), "/v1/tax_rates?country=US").await;
        assert_eq!(live.body["data"], json!([]), "test and live rates never mix");

        for (body, param) in [
            (json!({"country": "XX", "percentage": "1"}), "country"),
            (json!({"country": "DE", "percentage": "101"}), "percentage"),
            (json!({"country": "DE", "percentage": "-1"}), "percentage"),
            (json!({"country": "DE", "percentage": 19}), "percentage"),
            (json!({"country": "DE", "percentage": "5", "tax_category": "Bad Cat"}), "tax_category"),
            (json!({"country": "DE", "percentage": "5", "tax_category": "e_books", "name": " "}), "name"),
        ] {
            app.post("/v1/tax_rates", body).await.assert_problem(422, "invalid_field", Some(param));
        }
        app.patch(&format!("/v1/tax_rates/{new_id}"), json!({"percentage": "abc"})).await
            .assert_problem(422, "invalid_field", Some("percentage"));
        app.patch(&format!("/v1/tax_rates/{new_id}"), json!({"country": "DE"})).await
            .assert_problem(422, "unknown_field", Some("country"));
    }

    async fn the_public_plan_list_shows_published_plans_with_prices_expanded(app) {
        let prod = product(app, "recurring").await;
        let m = monthly(app, &prod, "30", "EUR").await;
        let addon_product = product(app, "one_off").await;
        let addon = one_off(app, &addon_product, "99", "EUR").await;
        let basic = app.post("/v1/plans", json!({"name": "Basic", "prices": [m], "published": true,
            "features": ["One project"]})).await.body["id"].as_str().unwrap().to_owned();
        let pro = app.post("/v1/plans", json!({"name": "Pro", "prices": [m], "addons": [addon],
            "setup_fee": addon, "published": true})).await.body["id"].as_str().unwrap().to_owned();
        let hidden = app.post("/v1/plans", json!({"name": "Secret", "prices": [m]})).await
            .body["id"].as_str().unwrap().to_owned();
        let archived = app.post("/v1/plans", json!({"name": "Old", "prices": [m], "published": true})).await
            .body["id"].as_str().unwrap().to_owned();
        app.patch(&format!("/v1/plans/{archived}"), json!({"active": false})).await;

        let pk = app.keys.pk.clone();
        let r = app.get_as(&pk, "/v1/public/plans").await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["object"], "list");
        assert_eq!(r.body["has_more"], false);
        assert_eq!(ids(&r.body), vec![basic.clone(), pro.clone()]);
        let shown = &r.body["data"][1];
        assert_eq!(shown["object"], "plan");
        assert_eq!(shown["currency"], "EUR");
        let full_price = app.get(&format!("/v1/prices/{m}")).await.body;
        assert_eq!(shown["prices"], json!([full_price]));
        assert_eq!(shown["addons"][0]["id"], addon);
        assert_eq!(shown["addons"][0]["unit_amount"], "99");
        assert_eq!(shown["setup_fee"]["id"], addon);
        let products: Vec<&str> = shown["products"].as_array().unwrap().iter()
            .map(|p| p["id"].as_str().unwrap()).collect();
        assert_eq!(products, vec![prod.as_str(), addon_product.as_str()]);
        assert!(shown.get("dunning").is_none() && shown.get("close_reasons").is_none());
        assert_eq!(r.body["data"][0]["features"], json!(["One project"]));

        let picked = app.get_as(&pk, &format!("/v1/public/plans?plans={pro},{hidden},{basic}")).await;
        assert_eq!(ids(&picked.body), vec![pro.clone(), basic.clone()]);
        app.get_as(&pk, "/v1/public/plans?plans=pro,basic").await
            .assert_problem(422, "invalid_field", Some("plans"));
        let with_secret = app.get("/v1/public/plans").await;
        assert_eq!(ids(&with_secret.body), vec![basic, pro]);
        let anonymous = app.send(reqwest::Method::GET, "/v1/public/plans", None, None, &[]).await;
        assert_eq!(anonymous.status, 401);
    }

    async fn the_public_routes_answer_cors_for_allowed_origins(app) {
        let pk = app.keys.pk.clone();
        let with_origin = |origin: &'static str| {
            let pk = pk.clone();
            async move {
                app.send(reqwest::Method::GET, "/v1/public/plans", Some(&pk), None, &[("origin", origin)]).await
            }
        };
        let r = with_origin("https://anything.example").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), Some("https://anything.example"));
        let vary: Vec<&str> = r.headers.get_all("vary").iter().filter_map(|v| v.to_str().ok()).collect();
        assert!(vary.contains(&"Origin"), "{vary:?}");

        let r = app.patch("/v1/merchant", json!({"allowed_origins": ["https://shop.example.com"]})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = with_origin("https://shop.example.com").await;
        assert_eq!(r.header("access-control-allow-origin"), Some("https://shop.example.com"));
        let r = with_origin("https://evil.example").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), None);

        let r = preflight(app, "/v1/public/plans", "https://shop.example.com").await;
        assert_eq!(r.status, 204, "{}", r.text);
        assert_eq!(r.header("access-control-allow-origin"), Some("https://shop.example.com"));
        assert!(r.header("access-control-allow-headers").unwrap().contains("authorization"));
        assert!(r.header("access-control-allow-methods").unwrap().contains("GET"));

        let r = app.send(reqwest::Method::GET, "/v1/prices", Some(&app.keys.sk), None,
            &[("origin", "https://shop.example.com")]).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), None, "only the public routes answer CORS");
        let r = app.send(reqwest::Method::DELETE, "/v1/public/plans", Some(&pk), None, &[]).await;
        r.assert_problem(405, "method_not_allowed", None);
    }
}
