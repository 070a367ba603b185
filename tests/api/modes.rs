//! Test and live mode each have their own merchant settings: a test key, often
//! shared with developers, CI or an agency, never changes what live mode uses
//! (the name and address on live invoices, the VAT number, the invoice prefix,
//! the live widget's allowed origins, the country that decides tax), and a live
//! key never changes test mode's. The README's "Security" section names these
//! tests.

use serde_json::Value;

use super::*;

/// Every changeable setting, with values no new merchant has.
fn changed_settings(tag: &str, origin: &str) -> Value {
    json!({
        "name": format!("{tag} Ltd"),
        "country": "DE",
        "default_currency": "USD",
        "reporting_currency": "GBP",
        "vat_number": "DE136308783",
        "address": {"line1": format!("{tag} street 1"), "city": "Berlin", "country": "DE"},
        "timezone": "Europe/Berlin",
        "invoice_prefix": tag,
        "allowed_origins": [origin],
    })
}

/// The settings part of a merchant (everything but `livemode`).
fn settings(m: &Value) -> Value {
    let mut m = m.clone();
    m.as_object_mut().unwrap().remove("livemode");
    m
}

/// The number of the first invoice of a new subscription made with `key` (sent,
/// not charged: live mode takes no card details).
async fn first_invoice_number(app: &TestApp, key: &str) -> String {
    let product = id(&created(
        app.post_as(
            key,
            "/v1/products",
            json!({"name": "Pro", "kind": "recurring"}),
        )
        .await,
    ));
    let price = id(&created(
        app.post_as(
            key,
            "/v1/prices",
            json!({"product": product, "unit_amount": "10.00", "currency": "EUR",
            "recurring": {"interval": "month", "interval_count": 1}}),
        )
        .await,
    ));
    let plan = id(&created(
        app.post_as(
            key,
            "/v1/plans",
            json!({"name": "Pro", "prices": [price], "payment_mode": "send_invoice",
            "invoice_due_days": 30}),
        )
        .await,
    ));
    let customer = id(&created(
        app.post_as(
            key,
            "/v1/customers",
            json!({"email": "jane@example.com", "address": {"country": "NL"}}),
        )
        .await,
    ));
    let sub = id(&created(
        app.post_as(
            key,
            "/v1/subscriptions",
            json!({"customer": customer, "plan": plan, "items": [{"price": price}]}),
        )
        .await,
    ));
    let list = ok(app
        .get_as(key, &format!("/v1/invoices?subscription={sub}"))
        .await);
    list["data"][0]["number"].as_str().unwrap().to_owned()
}

/// Whether a widget call with `pk` from `origin` may read the answer.
async fn cors_allows(app: &TestApp, pk: &str, origin: &str) -> bool {
    let r = app
        .send(
            reqwest::Method::GET,
            "/v1/public/plans",
            Some(pk),
            None,
            &[("origin", origin)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.header("access-control-allow-origin") == Some(origin)
}

scenarios! {
    async fn a_test_key_never_changes_the_settings_live_mode_uses(app) {
        let live_sk = app.keys.live_sk.clone().unwrap();
        let live_pk = app.keys.live_pk.clone().unwrap();
        ok(app.patch_as(&live_sk, "/v1/merchant",
            json!({"allowed_origins": ["https://shop.example.com"]})).await);
        let live_before = ok(app.get_as(&live_sk, "/v1/merchant").await);

        let test = ok(app.patch("/v1/merchant",
            changed_settings("TEST", "https://dev.example.com")).await);
        assert_eq!(test["livemode"], false);
        assert_eq!(test["name"], "TEST Ltd");
        assert_eq!(test["invoice_prefix"], "TEST");
        assert_eq!(ok(app.get("/v1/merchant").await), test);

        // Live mode reads exactly what it read before.
        let live = ok(app.get_as(&live_sk, "/v1/merchant").await);
        assert_eq!(live, live_before);
        assert_eq!(live["livemode"], true);
        assert_eq!(live["name"], "Acme");
        assert_eq!(live["country"], "NL");
        assert_eq!(live["vat_number"], Value::Null);
        assert_eq!(live["invoice_prefix"], "INV");
        // Live invoices keep live mode's prefix; test invoices take test mode's.
        let year = &live["created"].as_str().unwrap()[..4];
        assert_eq!(first_invoice_number(app, &live_sk).await, format!("INV/{year}/00001"));
        assert!(first_invoice_number(app, &app.keys.sk).await.starts_with("TEST/"));
        // The live widget answers only live mode's origins; the test widget test mode's.
        assert!(!cors_allows(app, &live_pk, "https://dev.example.com").await);
        assert!(cors_allows(app, &live_pk, "https://shop.example.com").await);
        assert!(cors_allows(app, &app.keys.pk, "https://dev.example.com").await);
        assert!(!cors_allows(app, &app.keys.pk, "https://shop.example.com").await);
    }

    async fn a_live_key_never_changes_the_settings_test_mode_uses(app) {
        let live_sk = app.keys.live_sk.clone().unwrap();
        let test_before = ok(app.get("/v1/merchant").await);

        let live = ok(app.patch_as(&live_sk, "/v1/merchant",
            changed_settings("LIVE", "https://shop.example.com")).await);
        assert_eq!(live["livemode"], true);
        assert_eq!(live["vat_number"], "DE136308783");
        assert_eq!(live["allowed_origins"], json!(["https://shop.example.com"]));
        assert_eq!(ok(app.get_as(&live_sk, "/v1/merchant").await), live);

        let test = ok(app.get("/v1/merchant").await);
        assert_eq!(test, test_before);
        assert_eq!(test["name"], "Acme");
        assert_eq!(test["allowed_origins"], json!([]));
        let year = &test["created"].as_str().unwrap()[..4];
        assert_eq!(first_invoice_number(app, &app.keys.sk).await, format!("INV/{year}/00001"));
        assert!(first_invoice_number(app, &live_sk).await.starts_with("LIVE/"));
        assert!(cors_allows(app, &app.keys.pk, "https://anything.example").await);
    }

    async fn both_modes_start_with_the_same_settings_and_the_same_identity(app) {
        let live_sk = app.keys.live_sk.clone().unwrap();
        let test = ok(app.get("/v1/merchant").await);
        let live = ok(app.get_as(&live_sk, "/v1/merchant").await);
        assert_eq!(settings(&test), settings(&live));
        // Changing every setting in one mode keeps the id and creation time shared.
        let changed = ok(app.patch("/v1/merchant", changed_settings("T", "https://a.example")).await);
        assert_eq!(changed["id"], live["id"]);
        assert_eq!(changed["created"], live["created"]);
        assert_eq!(ok(app.get_as(&live_sk, "/v1/merchant").await), live);
    }

    async fn a_refused_test_mode_change_changes_nothing_in_either_mode(app) {
        let live_sk = app.keys.live_sk.clone().unwrap();
        let test = ok(app.get("/v1/merchant").await);
        let live = ok(app.get_as(&live_sk, "/v1/merchant").await);
        let r = app.patch("/v1/merchant",
            json!({"name": "Half", "invoice_prefix": "NO SPACES"})).await;
        r.assert_problem(422, "invalid_field", Some("invoice_prefix"));
        assert_eq!(ok(app.get("/v1/merchant").await), test);
        assert_eq!(ok(app.get_as(&live_sk, "/v1/merchant").await), live);
    }
}
