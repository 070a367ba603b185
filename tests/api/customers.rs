//! Customers, merchant users, payment methods and charges on the test provider.

use renewly::domain::money::parse_amount;
use renewly::payments::{self, ChargeStatus, Provider};
use renewly::store::Scope;
use serde_json::Value;

use super::*;

/// A future expiry year for cards that should attach.
const YEAR: u32 = 2040;

/// A card to attach, valid until December [`YEAR`].
fn card_body(number: &str) -> Value {
    json!({"card": {"number": number, "exp_month": 12, "exp_year": YEAR, "cvc": "123"}})
}

/// Charges `pm` through [`payments::charge`] under `key`.
async fn charge(
    db: &renewly::db::Db,
    provider: &Provider,
    scope: &Scope,
    pm: &str,
    amount: rust_decimal::Decimal,
    currency: &str,
    key: &str,
) -> Result<renewly::store::charges::Charge, payments::ChargeError> {
    let request = payments::ChargeRequest {
        payment_method_id: pm,
        amount,
        currency,
        idempotency_key: key,
        invoice_id: None,
    };
    payments::charge(db, provider, scope, &request).await
}

fn scope(app: &TestApp) -> Scope {
    Scope {
        merchant_id: app.keys.merchant.clone(),
        livemode: false,
    }
}

async fn new_customer(app: &TestApp, email: &str) -> String {
    let r = app.post("/v1/customers", json!({"email": email})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn new_user(app: &TestApp, name: &str) -> String {
    let r = app
        .post(
            "/v1/users",
            json!({"name": name, "email": "sales@acme.test"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn attach(app: &TestApp, customer: &str, number: &str) -> String {
    let r = app
        .post(
            &format!("/v1/customers/{customer}/payment_methods"),
            card_body(number),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

/// A pricelist row for the first merchant's test mode (pricelists have no
/// endpoint in this module).
async fn new_pricelist(app: &TestApp) -> String {
    let id = renewly::ids::new_id(renewly::ids::Kind::Pricelist);
    renewly::with_db!(app.db(), pool => sqlx::query(
        "INSERT INTO pricelists (id, merchant_id, livemode, name, currency, items, active, created) \
         VALUES ($1, $2, FALSE, 'Resellers', 'EUR', '[]', TRUE, '2026-01-01T00:00:00.000Z')",
    )
    .bind(&id)
    .bind(&app.keys.merchant)
    .execute(pool)
    .await
    .unwrap()
    .rows_affected());
    id
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    let (n,): (i64,) = renewly::with_db!(app.db(), pool => sqlx::query_as(sql)
        .fetch_one(pool)
        .await
        .unwrap());
    n
}

scenarios! {
    async fn a_customer_can_be_created_read_back_and_changed(app) {
        let user = new_user(app, "Sam Seller").await;
        let pricelist = new_pricelist(app).await;
        let r = app.post("/v1/customers", json!({
            "email": " Jane.Doe@Example.COM ",
            "name": "Jane Doe",
            "company": "Doe BV",
            "vat_number": "nl 8083.73.894 b01",
            "address": {"line1": "Dam 1", "city": "Amsterdam", "postal_code": "1012 JS", "country": "nl"},
            "locale": "en-gb",
            "pricelist": pricelist,
            "salesperson": user,
        })).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("cus_"));
        assert_eq!(r.body["object"], "customer");
        assert_eq!(r.body["livemode"], false);
        assert_eq!(r.body["email"], "Jane.Doe@example.com");
        assert_eq!(r.body["vat_number"], "NL808373894B01");
        assert_eq!(r.body["vat_verification"]["status"], "verified", "test mode: well-formed");
        assert_eq!(r.body["address"]["country"], "NL");
        assert_eq!(r.body["locale"], "en-GB");
        assert_eq!(r.body["pricelist"], pricelist.as_str());
        assert_eq!(r.body["salesperson"], user.as_str());
        assert_eq!(r.body["default_payment_method"], Value::Null);

        let back = app.get(&format!("/v1/customers/{id}")).await;
        assert_eq!(back.status, 200);
        assert_eq!(back.body, r.body);

        let patched = app.patch(&format!("/v1/customers/{id}"), json!({
            "name": null, "company": "Doe Holding", "salesperson": null, "locale": "nl",
            "address": {"country": "BE"}, "vat_number": "BE 0428.759.497",
        })).await;
        assert_eq!(patched.status, 200, "{}", patched.text);
        assert_eq!(patched.body["vat_number"], "BE0428759497");
        assert_eq!(patched.body["vat_verification"]["status"], "verified");
        assert_eq!(patched.body["name"], Value::Null);
        assert_eq!(patched.body["company"], "Doe Holding");
        assert_eq!(patched.body["salesperson"], Value::Null);
        assert_eq!(patched.body["pricelist"], pricelist.as_str());
        assert_eq!(patched.body["locale"], "nl");
        assert_eq!(patched.body["address"], json!({"line1": null, "line2": null, "city": null,
            "postal_code": null, "region": null, "country": "BE"}));
        let back = app.get(&format!("/v1/customers/{id}")).await;
        assert_eq!(back.body, patched.body);

        let minimal = app.post("/v1/customers", json!({"email": "min@example.com"})).await;
        assert_eq!(minimal.status, 201);
        assert_eq!(minimal.body["locale"], "en");
        assert_eq!(minimal.body["name"], Value::Null);
    }

    async fn customers_are_listed_newest_first_in_pages_and_filtered_by_email(app) {
        let a = new_customer(app, "a@example.com").await;
        let b = new_customer(app, "Jane@Example.com").await;
        let c = new_customer(app, "c@example.com").await;
        let first = app.get("/v1/customers?limit=2").await;
        assert_eq!(first.status, 200);
        assert_eq!(first.body["object"], "list");
        let ids: Vec<&str> = first.body["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [c.as_str(), b.as_str()]);
        assert_eq!(first.body["has_more"], true);
        let second = app.get(&format!("/v1/customers?limit=2&starting_after={b}")).await;
        let ids: Vec<&str> = second.body["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [a.as_str()]);
        assert_eq!(second.body["has_more"], false);

        let found = app.get("/v1/customers?email=JANE%40example.COM").await;
        assert_eq!(found.status, 200);
        assert_eq!(found.body["data"].as_array().unwrap().len(), 1);
        assert_eq!(found.body["data"][0]["id"], b.as_str());
        let none = app.get("/v1/customers?email=jane%40example.org").await;
        assert_eq!(none.body["data"], json!([]));
        app.get("/v1/customers?starting_after=prod_x").await.assert_problem(422, "invalid_field", Some("starting_after"));
    }

    async fn bad_customer_input_names_the_field(app) {
        let cases = [
            (json!({}), "missing_field", "email"),
            (json!({"email": "jane"}), "invalid_field", "email"),
            (json!({"email": "jane@example"}), "invalid_field", "email"),
            (json!({"email": "ja ne@example.com"}), "invalid_field", "email"),
            (json!({"email": "a@b@example.com"}), "invalid_field", "email"),
            (json!({"email": "j@example.com", "address": {"country": "XX"}}), "invalid_field", "address.country"),
            (json!({"email": "j@example.com", "address": {"planet": "Mars"}}), "unknown_field", "address.planet"),
            (json!({"email": "j@example.com", "locale": "english"}), "invalid_field", "locale"),
            (json!({"email": "j@example.com", "vat_number": "NL-123"}), "invalid_field", "vat_number"),
            (json!({"email": "j@example.com", "pricelist": "pl_01jdx0000000000000000000000"}), "invalid_field", "pricelist"),
            (json!({"email": "j@example.com", "pricelist": "nonsense"}), "invalid_field", "pricelist"),
            (json!({"email": "j@example.com", "salesperson": "usr_01jdx0000000000000000000000"}), "invalid_field", "salesperson"),
            (json!({"email": "j@example.com", "name": "x".repeat(201)}), "invalid_field", "name"),
        ];
        for (body, code, param) in cases {
            app.post("/v1/customers", body).await.assert_problem(422, code, Some(param));
        }
        let user = new_user(app, "Gone").await;
        let r = app.patch(&format!("/v1/users/{user}"), json!({"active": false})).await;
        assert_eq!(r.status, 200);
        app.post("/v1/customers", json!({"email": "j@example.com", "salesperson": user}))
            .await
            .assert_problem(422, "invalid_field", Some("salesperson"));

        let id = new_customer(app, "ok@example.com").await;
        app.patch(&format!("/v1/customers/{id}"), json!({"email": "nope"}))
            .await
            .assert_problem(422, "invalid_field", Some("email"));
        app.patch(&format!("/v1/customers/{id}"), json!({"address": {"country": "ZZ"}}))
            .await
            .assert_problem(422, "invalid_field", Some("address.country"));
        app.patch(&format!("/v1/customers/{id}"), json!({"default_payment_method": "pm_x"}))
            .await
            .assert_problem(422, "unknown_field", Some("default_payment_method"));
        let unchanged = app.get(&format!("/v1/customers/{id}")).await;
        assert_eq!(unchanged.body["email"], "ok@example.com");
        assert_eq!(count(app, "SELECT COUNT(*) FROM customers").await, 1);
    }

    async fn another_merchant_cannot_see_or_touch_a_customer(app) {
        let b = app.new_merchant("Beta", "DE", "EUR").await;
        let customer = new_customer(app, "jane@example.com").await;
        let pm = attach(app, &customer, "4242424242424242").await;
        let user = new_user(app, "Sam").await;
        app.get_as(&b.sk, &format!("/v1/customers/{customer}")).await.assert_problem(404, "resource_missing", None);
        app.patch_as(&b.sk, &format!("/v1/customers/{customer}"), json!({"name": "Mallory"}))
            .await
            .assert_problem(404, "resource_missing", None);
        app.get_as(&b.sk, &format!("/v1/customers/{customer}/payment_methods"))
            .await
            .assert_problem(404, "resource_missing", None);
        app.post_as(&b.sk, &format!("/v1/customers/{customer}/payment_methods"), card_body("4242424242424242"))
            .await
            .assert_problem(404, "resource_missing", None);
        for action in ["default", "detach"] {
            app.post_as(&b.sk, &format!("/v1/customers/{customer}/payment_methods/{pm}/{action}"), json!({}))
                .await
                .assert_problem(404, "resource_missing", None);
        }
        app.get_as(&b.sk, &format!("/v1/users/{user}")).await.assert_problem(404, "resource_missing", None);
        let list = app.get_as(&b.sk, "/v1/customers").await;
        assert_eq!(list.body["data"], json!([]));
        app.post_as(&b.sk, "/v1/customers", json!({"email": "x@example.com", "salesperson": user}))
            .await
            .assert_problem(422, "invalid_field", Some("salesperson"));
        app.get_as(&app.keys.pk, &format!("/v1/customers/{customer}"))
            .await
            .assert_problem(403, "secret_key_required", None);
        let mine = app.get(&format!("/v1/customers/{customer}")).await;
        assert_eq!(mine.body["name"], Value::Null);
        assert_eq!(mine.body["default_payment_method"], pm.as_str());
        // Another customer of the same merchant does not reach it either.
        let other = new_customer(app, "other@example.com").await;
        app.post(&format!("/v1/customers/{other}/payment_methods/{pm}/default"), json!({}))
            .await
            .assert_problem(404, "resource_missing", None);
    }

    async fn merchant_users_can_be_created_listed_and_deactivated(app) {
        let r = app.post("/v1/users", json!({"name": " Sam Seller ", "email": "Sam@Acme.TEST"})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("usr_"));
        assert_eq!(r.body["object"], "user");
        assert_eq!(r.body["name"], "Sam Seller");
        assert_eq!(r.body["email"], "Sam@acme.test");
        assert_eq!(r.body["active"], true);
        assert_eq!(app.get(&format!("/v1/users/{id}")).await.body, r.body);
        let other = new_user(app, "Kim").await;

        let patched = app.patch(&format!("/v1/users/{id}"), json!({"active": false, "name": "Sam S."})).await;
        assert_eq!(patched.status, 200);
        assert_eq!(patched.body["active"], false);
        assert_eq!(patched.body["name"], "Sam S.");
        let all = app.get("/v1/users").await;
        assert_eq!(all.body["data"].as_array().unwrap().len(), 2);
        assert_eq!(all.body["data"][0]["id"], other.as_str());
        let active = app.get("/v1/users?active=true").await;
        assert_eq!(active.body["data"].as_array().unwrap().len(), 1);
        assert_eq!(active.body["data"][0]["id"], other.as_str());
        let page = app.get("/v1/users?limit=1").await;
        assert_eq!(page.body["has_more"], true);

        app.post("/v1/users", json!({"name": "X"})).await.assert_problem(422, "missing_field", Some("email"));
        app.post("/v1/users", json!({"name": "", "email": "x@example.com"}))
            .await
            .assert_problem(422, "invalid_field", Some("name"));
        app.post("/v1/users", json!({"name": "X", "email": "x@"}))
            .await
            .assert_problem(422, "invalid_field", Some("email"));
        app.patch(&format!("/v1/users/{id}"), json!({"email": "bad"}))
            .await
            .assert_problem(422, "invalid_field", Some("email"));
        app.get("/v1/users/usr_01jdx0000000000000000000000").await.assert_problem(404, "resource_missing", None);
    }

    async fn each_test_card_attaches_as_in_stripe_test_mode(app) {
        let customer = new_customer(app, "jane@example.com").await;
        let path = format!("/v1/customers/{customer}/payment_methods");
        let ok = app.post(&path, card_body("4242 4242 4242 4242")).await;
        assert_eq!(ok.status, 201, "{}", ok.text);
        assert!(ok.body["id"].as_str().unwrap().starts_with("pm_"));
        assert_eq!(ok.body["object"], "payment_method");
        assert_eq!(ok.body["customer"], customer.as_str());
        assert_eq!(ok.body["provider"], "test");
        assert_eq!(ok.body["brand"], "visa");
        assert_eq!(ok.body["last4"], "4242");
        assert_eq!(ok.body["exp_month"], 12);
        assert_eq!(ok.body["exp_year"], YEAR);
        assert_eq!(ok.body["is_default"], true);

        for (number, brand) in [
            ("4000002760003184", "visa"),
            ("4000000000000341", "visa"),
            ("5555555555554444", "mastercard"),
            ("2223003122003222", "mastercard"),
            ("6011111111111117", "discover"),
        ] {
            let r = app.post(&path, card_body(number)).await;
            assert_eq!(r.status, 201, "{number}: {}", r.text);
            assert_eq!(r.body["brand"], brand);
            assert_eq!(r.body["is_default"], false);
        }
        let amex = app.post(&path, json!({"card": {"number": "378282246310005", "exp_month": 1, "exp_year": YEAR, "cvc": "1234"}})).await;
        assert_eq!(amex.status, 201, "{}", amex.text);
        assert_eq!(amex.body["brand"], "amex");
        assert_eq!(amex.body["last4"], "0005");

        let refused = [
            (card_body("4000000000000002"), "card_declined", "card.number"),
            (card_body("4000000000009995"), "insufficient_funds", "card.number"),
            (card_body("4242424242424241"), "incorrect_number", "card.number"),
            (json!({"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2020, "cvc": "123"}}), "expired_card", "card.exp_year"),
            (json!({"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": YEAR, "cvc": "12"}}), "invalid_cvc", "card.cvc"),
            (json!({"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": YEAR, "cvc": "1234"}}), "invalid_cvc", "card.cvc"),
            (json!({"card": {"number": "378282246310005", "exp_month": 12, "exp_year": YEAR, "cvc": "123"}}), "invalid_cvc", "card.cvc"),
        ];
        for (body, code, param) in refused {
            let r = app.post(&path, body).await;
            r.assert_problem(402, code, Some(param));
        }
        let list = app.get(&path).await;
        assert_eq!(list.body["data"].as_array().unwrap().len(), 7);
    }

    async fn malformed_cards_are_rejected_naming_the_field(app) {
        let customer = new_customer(app, "jane@example.com").await;
        let path = format!("/v1/customers/{customer}/payment_methods");
        let with = |number: Value, month: Value, year: Value, cvc: Value| {
            json!({"card": {"number": number, "exp_month": month, "exp_year": year, "cvc": cvc}})
        };
        let cases = [
            (json!({}), "missing_field", "card"),
            (json!({"card": {"exp_month": 12, "exp_year": YEAR, "cvc": "123"}}), "missing_field", "card.number"),
            (json!({"card": {"number": "4242424242424242", "exp_year": YEAR, "cvc": "123"}}), "missing_field", "card.exp_month"),
            (with(json!("4242424242424242"), json!(13), json!(YEAR), json!("123")), "invalid_field", "card.exp_month"),
            (with(json!("4242424242424242"), json!(0), json!(YEAR), json!("123")), "invalid_field", "card.exp_month"),
            (with(json!("4242424242424242"), json!("12"), json!(YEAR), json!("123")), "invalid_field", "card.exp_month"),
            (with(json!("4242424242424242"), json!(12), json!(40), json!("123")), "invalid_field", "card.exp_year"),
            (with(json!(""), json!(12), json!(YEAR), json!("123")), "invalid_field", "card.number"),
            (with(json!("4242-abcd"), json!(12), json!(YEAR), json!("123")), "invalid_field", "card.number"),
            (with(json!("4242424242424242"), json!(12), json!(YEAR), json!("")), "invalid_field", "card.cvc"),
            (with(json!(-4242424242424242_i64), json!(12), json!(YEAR), json!("123")), "invalid_field", "card.number"),
            (with(json!(4242424242424242.5), json!(12), json!(YEAR), json!("123")), "invalid_field", "card.number"),
            (json!({"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": YEAR, "cvc": "123", "name": "J"}}), "unknown_field", "card.name"),
        ];
        for (body, code, param) in cases {
            let r = app.post(&path, body).await;
            r.assert_problem(422, code, Some(param));
            assert!(!r.text.contains("4242424242424242"), "{}", r.text);
        }
        // A number sent as a JSON number is read, and not echoed back.
        let r = app.post(&path, with(json!(4242424242424242_u64), json!(12), json!(YEAR), json!(123))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert!(!r.text.contains("4242424242424242"));

        let live = app.keys.live_sk.clone().unwrap();
        let r = app.post_as(&live, &path, card_body("4242424242424242")).await;
        r.assert_problem(422, "live_card_not_accepted", Some("card"));
        assert!(r.body["detail"].as_str().unwrap().contains("Stripe"));
        app.post_as(&app.keys.pk, &path, card_body("4242424242424242"))
            .await
            .assert_problem(403, "secret_key_required", None);
        app.post("/v1/customers/cus_01jdx0000000000000000000000/payment_methods", card_body("4242424242424242"))
            .await
            .assert_problem(404, "resource_missing", None);
    }

    async fn the_card_number_is_never_answered_nor_stored(app) {
        let customer = new_customer(app, "jane@example.com").await;
        let path = format!("/v1/customers/{customer}/payment_methods");
        let mut answers = Vec::new();
        for number in ["4242424242424242", "4000002760003184", "4000000000000341"] {
            let r = app.send(reqwest::Method::POST, &path, Some(&app.keys.sk), Some(&card_body(number)),
                &[("Idempotency-Key", number)]).await;
            assert_eq!(r.status, 201, "{}", r.text);
            answers.push(r.text);
        }
        answers.push(app.get(&path).await.text);
        answers.push(app.get(&format!("/v1/customers/{customer}")).await.text);
        for number in ["4000000000000002", "4242424242424241"] {
            answers.push(app.post(&path, card_body(number)).await.text);
        }
        let rows: Vec<(String,)> = renewly::with_db!(app.db(), pool => sqlx::query_as(
            "SELECT id || '|' || merchant_id || '|' || customer_id || '|' || provider || '|' || \
             provider_token || '|' || brand || '|' || last4 || '|' || CAST(exp_month AS TEXT) || '|' || \
             CAST(exp_year AS TEXT) || '|' || created FROM payment_methods",
        )
        .fetch_all(pool)
        .await
        .unwrap());
        assert_eq!(rows.len(), 3);
        for text in answers.iter().chain(rows.iter().map(|(r,)| r)) {
            for secret in ["4242424242424242", "4000002760003184", "4000000000000341", "4000000000000002",
                "424242424242", "|123|"] {
                assert!(!text.contains(secret), "{secret} in {text}");
            }
        }
        for (row,) in &rows {
            assert!(row.contains("|tok_test_"), "{row}");
        }
    }

    async fn the_first_card_is_the_default_and_the_default_is_detached_last(app) {
        let customer = new_customer(app, "jane@example.com").await;
        let base = format!("/v1/customers/{customer}/payment_methods");
        let first = attach(app, &customer, "4242424242424242").await;
        let second = attach(app, &customer, "5555555555554444").await;
        let cust = app.get(&format!("/v1/customers/{customer}")).await;
        assert_eq!(cust.body["default_payment_method"], first.as_str());

        let mut body = card_body("6011111111111117");
        body["default"] = json!(true);
        let third = app.post(&base, body).await;
        assert_eq!(third.status, 201);
        assert_eq!(third.body["is_default"], true);
        let third = third.body["id"].as_str().unwrap().to_owned();
        let list = app.get(&base).await;
        let flags: Vec<(&str, bool)> = list.body["data"].as_array().unwrap().iter()
            .map(|p| (p["id"].as_str().unwrap(), p["is_default"].as_bool().unwrap())).collect();
        assert_eq!(flags, [(third.as_str(), true), (second.as_str(), false), (first.as_str(), false)]);

        let r = app.post(&format!("{base}/{second}/default"), json!({})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["is_default"], true);
        let cust = app.get(&format!("/v1/customers/{customer}")).await;
        assert_eq!(cust.body["default_payment_method"], second.as_str());

        app.post(&format!("{base}/{second}/detach"), json!({}))
            .await
            .assert_problem(409, "payment_method_is_default", None);
        let r = app.post(&format!("{base}/{first}/detach"), json!({})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["id"], first.as_str());
        app.post(&format!("{base}/{first}/detach"), json!({})).await.assert_problem(404, "resource_missing", None);
        app.post(&format!("{base}/{first}/default"), json!({})).await.assert_problem(404, "resource_missing", None);
        let r = app.post(&format!("{base}/{third}/detach"), json!({})).await;
        assert_eq!(r.status, 200);
        let list = app.get(&format!("{base}?limit=1")).await;
        assert_eq!(list.body["data"][0]["id"], second.as_str());
        assert_eq!(list.body["has_more"], false);

        // The last one may go, default or not; the customer then has none.
        let r = app.post(&format!("{base}/{second}/detach"), json!({})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let cust = app.get(&format!("/v1/customers/{customer}")).await;
        assert_eq!(cust.body["default_payment_method"], Value::Null);
        assert_eq!(app.get(&base).await.body["data"], json!([]));
        let again = attach(app, &customer, "4242424242424242").await;
        let cust = app.get(&format!("/v1/customers/{customer}")).await;
        assert_eq!(cust.body["default_payment_method"], again.as_str());
    }

    async fn a_charge_is_made_once_per_idempotency_key(app) {
        let customer = new_customer(app, "jane@example.com").await;
        let pm = attach(app, &customer, "4242424242424242").await;
        let provider = Provider::default();
        let scope = scope(app);
        let amount = parse_amount("19.99").unwrap();
        let first = charge(app.db(), &provider, &scope, &pm, amount, "eur", "inv_1").await.unwrap();
        assert!(first.id.starts_with("ch_"));
        assert_eq!(first.status, ChargeStatus::Succeeded);
        assert_eq!(first.currency, "EUR");
        assert_eq!(first.amount.to_string(), "19.99");
        let second = charge(app.db(), &provider, &scope, &pm, amount, "EUR", "inv_1").await.unwrap();
        assert_eq!(second, first);
        assert_eq!(count(app, "SELECT COUNT(*) FROM charges").await, 1);

        // The same key for another charge is refused, a new key is a new charge.
        let other = parse_amount("5").unwrap();
        assert!(charge(app.db(), &provider, &scope, &pm, other, "EUR", "inv_1").await.is_err());
        let next = charge(app.db(), &provider, &scope, &pm, amount, "EUR", "inv_2").await.unwrap();
        assert_ne!(next.id, first.id);
        assert_eq!(count(app, "SELECT COUNT(*) FROM charges").await, 2);

        // Concurrent attempts with one key still record one charge.
        let key = "inv_3";
        let attempts = (0..4).map(|_| charge(app.db(), &provider, &scope, &pm, amount, "EUR", key));
        let results = futures::future::join_all(attempts).await;
        let ids: Vec<String> = results.into_iter().map(|r| r.unwrap().id).collect();
        assert!(ids.iter().all(|id| id == &ids[0]));
        assert_eq!(count(app, "SELECT COUNT(*) FROM charges").await, 3);

        // Another merchant cannot charge this payment method.
        let b = app.new_merchant("Beta", "DE", "EUR").await;
        let b_scope = Scope { merchant_id: b.merchant, livemode: false };
        assert!(charge(app.db(), &provider, &b_scope, &pm, amount, "EUR", "x").await.is_err());
        // Nor can a detached one be charged.
        let r = app.post(&format!("/v1/customers/{customer}/payment_methods/{pm}/detach"), json!({})).await;
        assert_eq!(r.status, 200);
        assert!(charge(app.db(), &provider, &scope, &pm, amount, "EUR", "inv_4").await.is_err());
    }

    async fn the_0341_card_attaches_but_every_charge_fails(app) {
        let customer = new_customer(app, "jane@example.com").await;
        let pm = attach(app, &customer, "4000000000000341").await;
        let provider = Provider::default();
        let scope = scope(app);
        let amount = parse_amount("10.00").unwrap();
        for key in ["inv_1", "inv_2"] {
            let c = charge(app.db(), &provider, &scope, &pm, amount, "EUR", key).await.unwrap();
            assert_eq!(c.status, ChargeStatus::Failed);
            assert_eq!(c.failure_code.as_deref(), Some("card_declined"));
        }
        let retry = charge(app.db(), &provider, &scope, &pm, amount, "EUR", "inv_1").await.unwrap();
        assert_eq!(retry.status, ChargeStatus::Failed);
        assert_eq!(count(app, "SELECT COUNT(*) FROM charges WHERE outcome = 'failed'").await, 2);
    }

    async fn the_3184_card_needs_confirmation_on_every_charge(app) {
        let customer = new_customer(app, "jane@example.com").await;
        let pm = attach(app, &customer, "4000002760003184").await;
        let provider = Provider::default();
        let scope = scope(app);
        let amount = parse_amount("30").unwrap();
        let c = charge(app.db(), &provider, &scope, &pm, amount, "EUR", "inv_1").await.unwrap();
        assert_eq!(c.status, ChargeStatus::RequiresAction);
        let retry = charge(app.db(), &provider, &scope, &pm, amount, "EUR", "inv_1").await.unwrap();
        assert_eq!(retry.status, ChargeStatus::RequiresAction);
        assert_eq!(retry.id, c.id);

        let done = payments::confirm(app.db(), &provider, &scope, &c.id).await.unwrap();
        assert_eq!(done.status, ChargeStatus::Succeeded);
        assert_eq!(done.id, c.id);
        let after = charge(app.db(), &provider, &scope, &pm, amount, "EUR", "inv_1").await.unwrap();
        assert_eq!(after.status, ChargeStatus::Succeeded);
        assert_eq!(payments::confirm(app.db(), &provider, &scope, &c.id).await.unwrap(), done);

        let next = charge(app.db(), &provider, &scope, &pm, amount, "EUR", "inv_2").await.unwrap();
        assert_eq!(next.status, ChargeStatus::RequiresAction);
        assert_eq!(count(app, "SELECT COUNT(*) FROM charges").await, 2);
        assert!(payments::confirm(app.db(), &provider, &scope, "ch_01jdx0000000000000000000000").await.is_err());
    }
}
