//! What anyone holding only a publishable key or a link can and cannot do: an
//! anonymous checkout never touches another customer, answers the same whether
//! or not the e-mail is known, and cannot buy what the merchant archived (the
//! merchant joins duplicates with a merge); clients are rate limited by an
//! address they cannot forge; hosted pages carry a strict CSP; and nothing is
//! kept longer than needed. The README's "Security" section names these tests.

use serde_json::Value;

use super::*;

/// A product with a monthly price, and a published plan offering it.
async fn published_plan(app: &TestApp, amount: &str) -> (String, String) {
    let product = id(&created(
        app.post("/v1/products", json!({"name": "Pro", "kind": "recurring"}))
            .await,
    ));
    let price = id(&created(
        app.post(
            "/v1/prices",
            json!({"product": product, "unit_amount": amount,
                "recurring": {"interval": "month", "interval_count": 1}}),
        )
        .await,
    ));
    let plan = id(&created(
        app.post(
            "/v1/plans",
            json!({"name": "Pro", "prices": [price], "published": true}),
        )
        .await,
    ));
    (plan, price)
}

fn checkout_body(plan: &str, price: &str, email: &str, name: &str, number: &str) -> Value {
    json!({"plan": plan, "price": price, "quantity": 1,
        "customer": {"email": email, "name": name, "company": "Intruder BV",
            "vat_number": "DE136308783",
            "address": {"line1": "Elsewhere 1", "city": "Berlin", "country": "DE"}},
        "payment_method": {"card": card(number)}})
}

/// Jane, an NL customer with a good card and a running subscription.
async fn jane(app: &TestApp, plan: &str, price: &str) -> (String, String, String) {
    let c = id(&created(
        app.post(
            "/v1/customers",
            json!({"email": "jane@example.com", "name": "Jane Doe",
                "address": {"line1": "Keizersgracht 1", "city": "Amsterdam", "country": "NL"}}),
        )
        .await,
    ));
    let pm = id(&created(
        app.post(
            &format!("/v1/customers/{c}/payment_methods"),
            json!({"card": card(CARD_OK)}),
        )
        .await,
    ));
    let sub = id(&created(
        app.post(
            "/v1/subscriptions",
            json!({"customer": c, "plan": plan, "items": [{"price": price}]}),
        )
        .await,
    ));
    (c, pm, sub)
}

scenarios! {
    async fn an_anonymous_checkout_with_a_known_email_never_changes_that_customer(app) {
        let (plan, price) = published_plan(app, "30.00").await;
        let (jane, jane_card, jane_sub) = jane(app, &plan, &price).await;
        let before = ok(app.get(&format!("/v1/customers/{jane}")).await);

        // Someone who only knows Jane's address checks out with a card that
        // attaches but fails every charge.
        let r = app
            .post_as(
                &app.keys.pk,
                "/v1/public/checkout",
                checkout_body(&plan, &price, "JANE@example.com", "Mallory", CARD_CHARGES_FAIL),
            )
            .await;
        assert_eq!(r.status, 402, "{}", r.text);

        // Jane's details, cards and subscription are exactly as they were.
        assert_eq!(ok(app.get(&format!("/v1/customers/{jane}")).await), before);
        let cards = ok(app.get(&format!("/v1/customers/{jane}/payment_methods")).await);
        let ids: Vec<&str> = cards["data"].as_array().unwrap().iter()
            .map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [jane_card.as_str()]);
        let sub = ok(app.get(&format!("/v1/subscriptions/{jane_sub}")).await);
        assert_eq!(sub["payment_method"], jane_card.as_str());
        assert_eq!(sub["customer"], jane.as_str());
    }

    async fn a_checkout_answers_the_same_whether_or_not_the_email_is_known(app) {
        let (plan, price) = published_plan(app, "30.00").await;
        let (jane, _, jane_sub) = jane(app, &plan, &price).await;

        let known = created(app.post_as(&app.keys.pk, "/v1/public/checkout",
            checkout_body(&plan, &price, "jane@example.com", "Jane", CARD_OK)).await);
        let unknown = created(app.post_as(&app.keys.pk, "/v1/public/checkout",
            checkout_body(&plan, &price, "sam@example.com", "Sam", CARD_OK)).await);
        for done in [&known, &unknown] {
            assert_eq!(done["status"], "active");
            assert!(done["portal_url"].is_string(), "{done}");
            assert_eq!(done["invoice"]["total"], known["invoice"]["total"]);
        }
        // The known address got a record of its own; the portal link opens only it.
        let new_customer = known["subscription"]["customer"].as_str().unwrap();
        assert_ne!(new_customer, jane);
        let link = known["portal_url"].as_str().unwrap();
        let token = link.rsplit('/').next().unwrap();
        let portal = ok(app.send(reqwest::Method::GET, &format!("/v1/portal/{token}"), None, None, &[]).await);
        assert_eq!(portal["customer"]["email"], "jane@example.com");
        let subs: Vec<&str> = portal["subscriptions"].as_array().unwrap().iter()
            .map(|s| s["id"].as_str().unwrap()).collect();
        assert_eq!(subs, [known["subscription"]["id"].as_str().unwrap()]);
        assert!(!subs.contains(&jane_sub.as_str()));
        let listed = ok(app.get("/v1/customers?email=jane@example.com").await);
        assert_eq!(listed["data"].as_array().unwrap().len(), 2);
    }

    async fn a_merchant_merges_a_duplicate_customer_with_its_subscriptions_invoices_and_cards(app) {
        let (plan, price) = published_plan(app, "30.00").await;
        let (jane, jane_card, jane_sub) = jane(app, &plan, &price).await;
        let dup = created(app.post_as(&app.keys.pk, "/v1/public/checkout",
            checkout_body(&plan, &price, "jane@example.com", "Jane", CARD_OK)).await);
        let dup_customer = dup["subscription"]["customer"].as_str().unwrap().to_owned();
        let dup_sub = dup["subscription"]["id"].as_str().unwrap().to_owned();
        let dup_link = dup["portal_url"].as_str().unwrap().to_owned();

        // Refusals name the field and change nothing.
        app.post(&format!("/v1/customers/{jane}/merge"), json!({"into": jane}))
            .await.assert_problem(422, "invalid_field", Some("into"));
        app.post(&format!("/v1/customers/{dup_customer}/merge"), json!({"into": "cus_nope"}))
            .await.assert_problem(422, "invalid_field", Some("into"));
        app.post("/v1/customers/cus_01jzzzzzzzzzzzzzzzzzzzzzzz/merge", json!({"into": jane}))
            .await.assert_problem(404, "resource_missing", None);
        let other = app.new_merchant("Other", "NL", "EUR").await;
        assert_eq!(app.post_as(&other.sk, &format!("/v1/customers/{dup_customer}/merge"),
            json!({"into": jane})).await.status, 422);

        let kept = ok(app.post(&format!("/v1/customers/{dup_customer}/merge"), json!({"into": jane})).await);
        assert_eq!(kept["id"], jane.as_str());
        assert_eq!(kept["name"], "Jane Doe", "the customer that stays keeps its details");
        assert_eq!(kept["default_payment_method"], jane_card.as_str());

        assert_eq!(app.get(&format!("/v1/customers/{dup_customer}")).await.status, 404);
        let sub = ok(app.get(&format!("/v1/subscriptions/{dup_sub}")).await);
        assert_eq!(sub["customer"], jane.as_str());
        let subs = ok(app.get(&format!("/v1/subscriptions?customer={jane}")).await);
        let mut ids: Vec<&str> = subs["data"].as_array().unwrap().iter()
            .map(|s| s["id"].as_str().unwrap()).collect();
        ids.sort_unstable();
        let mut want = vec![jane_sub.as_str(), dup_sub.as_str()];
        want.sort_unstable();
        assert_eq!(ids, want);
        let invoices = ok(app.get(&format!("/v1/invoices?subscription={dup_sub}")).await);
        assert_eq!(invoices["data"][0]["customer"], jane.as_str());
        let cards = ok(app.get(&format!("/v1/customers/{jane}/payment_methods")).await);
        assert_eq!(cards["data"].as_array().unwrap().len(), 2);
        // The duplicate's portal link was handed out for the other record: revoked.
        let token = dup_link.rsplit('/').next().unwrap();
        assert_eq!(app.send(reqwest::Method::GET, &format!("/v1/portal/{token}"), None, None, &[]).await.status, 401);
        let events = ok(app.get("/v1/events?type=customer.merged").await);
        assert_eq!(events["data"][0]["data"]["merged"], dup_customer.as_str());
        // The ledger is untouched by a change of owner.
        let tb = ok(app.get("/v1/ledger/trial_balance").await);
        assert_eq!(tb["balanced"], true, "{tb}");
    }

    async fn archived_prices_cannot_be_bought(app) {
        let (plan, price) = published_plan(app, "30.00").await;
        ok(app.patch(&format!("/v1/prices/{price}"), json!({"active": false})).await);
        let body = checkout_body(&plan, &price, "sam@example.com", "Sam", CARD_OK);
        app.post_as(&app.keys.pk, "/v1/public/checkout/preview", body.clone())
            .await.assert_problem(422, "price_archived", Some("price"));
        app.post_as(&app.keys.pk, "/v1/public/checkout", body)
            .await.assert_problem(422, "price_archived", Some("price"));
        let customers = ok(app.get("/v1/customers?email=sam@example.com").await);
        assert_eq!(customers["data"].as_array().unwrap().len(), 0, "nothing was stored");
    }

    async fn omitted_fields_of_nested_objects_take_their_documented_defaults(app) {
        let (_, price) = published_plan(app, "30.00").await;
        let plan = created(app.post("/v1/plans", json!({"name": "Flex", "prices": [price],
            "customer_rights": {"can_pause": true},
            "dunning": {"close_after_days": 20}})).await);
        assert_eq!(plan["customer_rights"], json!({"change": "upgrade_downgrade",
            "can_close": true, "can_pause": true, "can_change_quantity": true}));
        assert_eq!(plan["dunning"], json!({"retry_days": [1, 3, 5, 7], "close_after_days": 20}));
        // Unknown fields are still refused by name.
        app.post("/v1/plans", json!({"name": "X", "prices": [price],
            "customer_rights": {"can_fly": true}}))
            .await.assert_problem(422, "unknown_field", Some("customer_rights.can_fly"));
    }

    async fn a_remembered_checkout_answer_keeps_no_token_or_key_in_clear(app) {
        let (plan, price) = published_plan(app, "30.00").await;
        let body = checkout_body(&plan, &price, "kim@example.com", "Kim", CARD_OK);
        let key = [("idempotency-key", "checkout-kim-0001")];
        let pk = Some(app.keys.pk.as_str());
        let first = app.send(reqwest::Method::POST, "/v1/public/checkout", pk, Some(&body), &key).await;
        assert_eq!(first.status, 201, "{}", first.text);
        let portal_url = first.body["portal_url"].as_str().expect("a portal url").to_owned();
        let token = portal_url.rsplit('/').next().unwrap().to_owned();
        let rows: Vec<(String, Vec<u8>)> = app.db()
            .fetch_all("SELECT idem_key, response_body FROM idempotency_keys", &[]).await.unwrap();
        assert_eq!(rows.len(), 1);
        let (stored_key, stored_body) = &rows[0];
        assert!(!stored_key.contains("checkout-kim"), "the key is kept as a hash: {stored_key}");
        let clear = String::from_utf8_lossy(stored_body);
        assert!(!clear.contains(&token) && !clear.contains("kim@example.com"), "{clear}");
        // The client with the key still gets its answer again, word for word.
        let again = app.send(reqwest::Method::POST, "/v1/public/checkout", pk, Some(&body), &key).await;
        assert_eq!(again.status, 201);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.body, first.body);
    }

    async fn idempotency_keys_and_delivered_email_bodies_are_forgotten_in_time(app) {
        let key = [("idempotency-key", "create-jane")];
        let body = json!({"email": "jane@example.com", "address": {"country": "NL"}});
        let sk = Some(app.keys.sk.as_str());
        let first = app.send(reqwest::Method::POST, "/v1/customers", sk, Some(&body), &key).await;
        assert_eq!(first.status, 201);
        let (plan, price) = published_plan(app, "30.00").await;
        created(app.post_as(&app.keys.pk, "/v1/public/checkout",
            checkout_body(&plan, &price, "sam@example.com", "Sam", CARD_OK)).await);
        let config = renewly::config::Config::for_database(&app.database_url);
        let now = chrono::Utc::now();
        // Nothing is old enough yet.
        let swept = renewly::housekeeping::sweep(app.db(), &config, now).await.unwrap();
        assert_eq!(swept, renewly::housekeeping::Swept::default());

        // The key was made 49 hours ago; the e-mails were delivered 31 days ago.
        let stamp = |at: chrono::DateTime<chrono::Utc>| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        app.db().execute("UPDATE idempotency_keys SET created = $1",
            &renewly::args![stamp(now - chrono::Duration::hours(49))]).await.unwrap();
        let delivered = app.db().execute("UPDATE outbox SET status = 'sent', sent_at = $1",
            &renewly::args![stamp(now - chrono::Duration::days(31))]).await.unwrap();
        assert!(delivered >= 1, "the checkout queued e-mails");
        let swept = renewly::housekeeping::sweep(app.db(), &config, now).await.unwrap();
        assert_eq!(swept.idempotency_keys, 1);
        assert_eq!(swept.email_bodies, delivered);
        let bodies: Vec<(String, String, String)> = app.db()
            .fetch_all("SELECT subject, text_body, html_body FROM outbox", &[]).await.unwrap();
        assert!(bodies.iter().all(|(subject, text, html)| !subject.is_empty() && text.is_empty() && html.is_empty()));
        // A retry after the key was forgotten is a new request.
        let again = app.send(reqwest::Method::POST, "/v1/customers", sk, Some(&body), &key).await;
        assert_eq!(again.status, 201);
        assert_ne!(again.header("idempotent-replayed"), Some("true"));
        assert_ne!(again.body["id"], first.body["id"]);
        // A second pass finds nothing more.
        let swept = renewly::housekeeping::sweep(app.db(), &config, now).await.unwrap();
        assert_eq!(swept.email_bodies, 0);
    }

    async fn hosted_pages_carry_a_strict_content_security_policy_and_leak_no_token(app) {
        let (plan, price) = published_plan(app, "30.00").await;
        let done = created(app.post_as(&app.keys.pk, "/v1/public/checkout",
            checkout_body(&plan, &price, "sam@example.com", "Sam", CARD_OK)).await);
        let portal = done["portal_url"].as_str().unwrap();
        let portal_path = &portal[app.url.len()..];
        let checkout_path = format!("/checkout/{plan}?key={}", app.keys.pk);
        for path in [portal_path, checkout_path.as_str(), "/portal/not-a-token"] {
            let r = app.send(reqwest::Method::GET, path, None, None, &[]).await;
            let csp = r.header("content-security-policy").unwrap_or_else(|| panic!("CSP on {path}"));
            assert!(csp.contains("default-src 'none'"), "{csp}");
            assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "{csp}");
            assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
            assert!(!csp.contains("unsafe-eval'") || csp.contains("wasm-unsafe-eval"), "{csp}");
            assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{path}");
            assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
            assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
            // Served over plain http here: no HSTS.
            assert_eq!(r.header("strict-transport-security"), None, "{path}");
        }
    }
}

/// A server on a fresh SQLite file with these settings, and its first
/// merchant's publishable key.
async fn limited_server(
    vars: &[(&str, &str)],
) -> (renewly::app::Running, String, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!(
        "renewly-limits-{}.db",
        ulid::Ulid::generate().to_string().to_ascii_lowercase()
    ));
    let mut all: std::collections::BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    all.insert(
        "DATABASE_URL".to_owned(),
        format!("sqlite://{}", path.display()),
    );
    all.insert("RENEWLY_LISTEN".to_owned(), "127.0.0.1:0".to_owned());
    let config = renewly::config::Config::from_vars(all).unwrap();
    let running = renewly::app::spawn(config).await.unwrap();
    let new = renewly::store::merchants::NewMerchant {
        name: "Acme".to_owned(),
        country: "NL".to_owned(),
        currency: "EUR".to_owned(),
    };
    let (_, keys) = renewly::store::merchants::create_merchant(&running.db, &new, false)
        .await
        .unwrap();
    let pk = keys
        .iter()
        .find(|k| k.kind == "publishable")
        .unwrap()
        .key
        .clone();
    (running, pk, path)
}

async fn post_checkout(url: &str, pk: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(format!("{url}/v1/public/checkout"))
        .bearer_auth(pk)
        .json(&json!({"plan": "plan_nope"}));
    if let Some(f) = forwarded_for {
        req = req.header("x-forwarded-for", f);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_client_over_the_checkout_limit_gets_429_with_retry_after_and_a_forged_forwarded_for_does_not_help()
 {
    let (running, pk, path) = limited_server(&[("RENEWLY_RATE_LIMITS", "checkout=3/min")]).await;
    let url = running.url();
    for n in 0..3 {
        // Refused for its body, but counted: the limit comes first.
        let r = post_checkout(&url, &pk, Some(&format!("203.0.113.{n}"))).await;
        assert_eq!(r.status(), 422);
    }
    let r = post_checkout(&url, &pk, Some("198.51.100.77")).await;
    assert_eq!(
        r.status(),
        429,
        "X-Forwarded-For from an untrusted peer is ignored"
    );
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert_eq!(body["status"], 429);
    // Other endpoints are not in the checkout bucket.
    let plans = reqwest::Client::new()
        .get(format!("{url}/v1/public/plans"))
        .bearer_auth(&pk)
        .send()
        .await
        .unwrap();
    assert_eq!(plans.status(), 200);
    running.stop().await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance() {
    let (running, pk, path) = limited_server(&[
        ("RENEWLY_RATE_LIMITS", "checkout=2/min"),
        ("RENEWLY_TRUSTED_PROXIES", "127.0.0.1, ::1"),
    ])
    .await;
    let url = running.url();
    for client in ["203.0.113.1", "203.0.113.2", "2001:db8::1"] {
        for _ in 0..2 {
            assert_eq!(post_checkout(&url, &pk, Some(client)).await.status(), 422);
        }
        assert_eq!(
            post_checkout(&url, &pk, Some(client)).await.status(),
            429,
            "{client}"
        );
    }
    // The same IPv6 /64 is one client.
    assert_eq!(
        post_checkout(&url, &pk, Some("2001:db8::ffff"))
            .await
            .status(),
        429
    );
    running.stop().await;
    let _ = std::fs::remove_file(&path);
}

/// The dashboard's sign-in cookie of a request that came over https.
async fn login_cookie(url: &str, forwarded_proto: Option<&str>) -> String {
    let mut req = reqwest::Client::new().get(format!("{url}/dashboard/login"));
    if let Some(proto) = forwarded_proto {
        req = req.header("x-forwarded-proto", proto);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.headers()["set-cookie"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn dashboard_cookies_are_secure_when_a_trusted_proxy_says_the_request_came_over_https() {
    let (running, _, path) = limited_server(&[("RENEWLY_TRUSTED_PROXIES", "127.0.0.1, ::1")]).await;
    let url = running.url();
    assert!(
        login_cookie(&url, Some("https"))
            .await
            .ends_with("; Secure")
    );
    assert!(!login_cookie(&url, Some("http")).await.contains("Secure"));
    assert!(!login_cookie(&url, None).await.contains("Secure"));
    running.stop().await;
    let _ = std::fs::remove_file(&path);

    // From a peer that is not a trusted proxy the header is anyone's word.
    let (running, _, path) = limited_server(&[]).await;
    assert!(
        !login_cookie(&running.url(), Some("https"))
            .await
            .contains("Secure")
    );
    running.stop().await;
    let _ = std::fs::remove_file(&path);
}
