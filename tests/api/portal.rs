//! Customer portal scenarios: portal links from the merchant, by e-mail and from
//! checkout; what a customer sees and may do with a token; and what a token
//! must never open. Amounts are worked out by hand from SPEC §3 (merchant Acme,
//! NL, EUR: 21 % VAT for an NL consumer).

use renewly_tests::Resp;
use serde_json::Value;

use super::*;

async fn monthly_price(app: &TestApp, product_name: &str, amount: &str) -> String {
    let product = id(&created(
        app.post(
            "/v1/products",
            json!({"name": product_name, "kind": "recurring"}),
        )
        .await,
    ));
    id(&created(
        app.post(
            "/v1/prices",
            json!({"product": product, "unit_amount": amount,
                "recurring": {"interval": "month", "interval_count": 1}}),
        )
        .await,
    ))
}

/// An NL consumer with a good card as default payment method.
async fn customer(app: &TestApp, email: &str, name: &str) -> String {
    let body = json!({"email": email, "name": name, "address": {"country": "NL"}});
    let c = renewly_tests::fixtures::customer(app, body).await;
    created(attach(app, &c, CARD_OK).await);
    c
}

/// Subscribes `customer` to one of `price`; returns the subscription's id.
async fn subscribe(app: &TestApp, customer: &str, plan: &str, price: &str) -> String {
    id(&renewly_tests::fixtures::subscribe(app, customer, plan, price).await)
}

/// A portal session for the customer: (session id, token).
async fn session(app: &TestApp, customer: &str) -> (String, String) {
    let s = created(
        app.post(
            &format!("/v1/customers/{customer}/portal_sessions"),
            json!({}),
        )
        .await,
    );
    (id(&s), s["token"].as_str().unwrap().to_owned())
}

/// A portal call: no API key, the token in the path.
async fn portal(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    rest: &str,
    body: Option<Value>,
) -> Resp {
    let path = format!("/v1/portal/{token}{rest}");
    app.send(method, &path, None, body.as_ref(), &[]).await
}

async fn pget(app: &TestApp, token: &str, rest: &str) -> Resp {
    portal(app, reqwest::Method::GET, token, rest, None).await
}

async fn ppost(app: &TestApp, token: &str, rest: &str, body: Value) -> Resp {
    portal(app, reqwest::Method::POST, token, rest, Some(body)).await
}

/// Magic-link e-mails in the first merchant's outbox.
async fn magic_links(app: &TestApp) -> Vec<(String, String)> {
    app.db()
        .fetch_all(
            "SELECT to_email, text_body FROM outbox WHERE merchant_id = $1 AND template = 'magic_link' ORDER BY id",
            &renewly::args![&app.keys.merchant],
        )
        .await
        .unwrap()
}

/// The token in a portal URL or a text holding one.
fn token_in(text: &str) -> String {
    let at = text
        .find("/portal/")
        .unwrap_or_else(|| panic!("no portal link in {text}"))
        + "/portal/".len();
    text[at..at + 64].to_owned()
}

/// (kind, delta, date) of a subscription's MRR events.
async fn movements(app: &TestApp, sub: &str) -> Vec<(String, String, String)> {
    ok(app.get(&format!("/v1/subscriptions/{sub}/mrr")).await)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap().to_owned();
            (s("kind"), s("delta"), s("date"))
        })
        .collect()
}

fn mv(kind: &str, delta: &str, date: &str) -> (String, String, String) {
    (kind.to_owned(), delta.to_owned(), date.to_owned())
}

scenarios! {
    async fn a_customer_upgrades_adds_a_card_cancels_undoes_and_cancels_again_from_the_portal(app) {
        // April has 30 days: the period [Apr 1, May 1) is 30 days long.
        advance(app, "2027-04-01").await;
        let starter = monthly_price(app, "Starter", "30.00").await;
        let business = monthly_price(app, "Business", "60.00").await;
        let plan = plan(app, json!({"name": "Team", "prices": [starter, business], "published": true,
            "close_reasons": [
                {"name": "Too expensive", "retention_offer": "3 months at 20 % off"},
                {"name": "Missing features"}]})).await;
        let c = customer(app, "noor@example.com", "Noor").await;
        let sid = subscribe(app, &c, &plan, &starter).await;

        // The merchant hands out a link.
        let s = created(app.post(&format!("/v1/customers/{c}/portal_sessions"), json!({})).await);
        assert_eq!(s["object"], "portal_session");
        assert!(s["id"].as_str().unwrap().starts_with("ps_"));
        let token = s["token"].as_str().unwrap().to_owned();
        assert_eq!(token.len(), 64, "256 bits, hex");
        assert_eq!(s["url"], format!("{}/portal/{token}", app.url));
        let expires = s["expires_at"].as_str().unwrap();
        let hours = (chrono_like_hours(expires) - chrono_like_hours(s["created"].as_str().unwrap())).round();
        assert_eq!(hours, 24.0, "{s}");

        // The overview, without any API key.
        let o = ok(pget(app, &token, "").await);
        assert_eq!(o["object"], "portal");
        assert_eq!(o["merchant"]["name"], "Acme");
        assert_eq!(o["customer"]["email"], "noor@example.com");
        assert_eq!(o["customer"]["default_payment_method"]["last4"], "4242");
        let subs = o["subscriptions"].as_array().unwrap();
        assert_eq!(subs.len(), 1);
        let sub = &subs[0];
        assert_eq!(sub["id"], sid);
        assert_eq!(sub["status"], "active");
        assert_eq!(sub["plan"]["name"], "Team");
        assert_eq!(sub["recurring"], json!({"interval": "month", "interval_count": 1}));
        assert_eq!(sub["items"][0]["product_name"], "Starter");
        assert_eq!(sub["items"][0]["unit_amount"], "30.00");
        assert_eq!(sub["next_invoice_date"], "2027-05-01");
        assert_eq!(sub["amount_per_period"],
            json!({"currency": "EUR", "subtotal": "30.00", "tax": "6.30", "total": "36.30"}));
        assert_eq!((&sub["payment_method"]["brand"], &sub["payment_method"]["last4"]),
            (&json!("visa"), &json!("4242")));
        assert_eq!(sub["payment_method"]["exp_year"], 2034);
        assert_eq!(sub["cancel_at"], Value::Null);
        assert_eq!(sub["rights"], json!({"change": "upgrade_downgrade", "can_close": true,
            "can_pause": false, "can_change_quantity": true}));
        let offered: Vec<&Value> = sub["plan"]["prices"].as_array().unwrap().iter().map(|p| &p["id"]).collect();
        assert_eq!(offered, vec![&json!(starter), &json!(business)]);
        let reasons = sub["plan"]["close_reasons"].as_array().unwrap();
        assert_eq!(reasons[0]["name"], "Too expensive");
        assert_eq!(reasons[0]["retention_offer"], "3 months at 20 % off");
        let missing_features = id(&reasons[1]);

        // Any site may call the portal (the widget runs on the merchant's).
        let preflight = app.send(reqwest::Method::OPTIONS, &format!("/v1/portal/{token}/subscriptions/{sid}/change"),
            None, None, &[("origin", "https://shop.example"), ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type")]).await;
        assert!(preflight.status < 300, "{}", preflight.status);
        assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
        let r = app.send(reqwest::Method::GET, &format!("/v1/portal/{token}"), None, None,
            &[("origin", "https://shop.example")]).await;
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));

        // Day 16 of 30: 15 days left. (60.00 − 30.00) × 15 ÷ 30 = 15.00, + 21 % = 18.15.
        advance(app, "2027-04-16").await;
        let change = format!("/subscriptions/{sid}/change");
        let preview = ok(ppost(app, &token, &change, json!({"items": [{"price": business}], "preview": true})).await);
        assert_eq!(preview["applied"], false);
        assert_eq!(preview["preview"]["direction"], "upgrade");
        assert_eq!(preview["preview"]["remaining_days"], 15);
        assert_eq!(preview["preview"]["period_days"], 30);
        assert_eq!(preview["preview"]["amount_due_now"], "18.15");
        assert_eq!(preview["preview"]["tax_due_now"], "3.15");
        assert_eq!(preview["subscription"]["items"][0]["price"], starter, "a preview changes nothing");
        assert_eq!(preview["invoice"], Value::Null);

        let done = ok(ppost(app, &token, &change, json!({"items": [{"price": business}], "preview": false})).await);
        assert_eq!(done["applied"], true);
        assert_eq!(done["invoice"]["total"], "18.15");
        assert_eq!(done["invoice"]["tax"], "3.15");
        assert_eq!(done["invoice"]["status"], "paid");
        assert_eq!(done["invoice"]["billing_reason"], "subscription_update");
        assert_eq!(done["subscription"]["items"][0]["price"], business);
        assert_eq!(done["subscription"]["items"][0]["product_name"], "Business");
        assert_eq!(done["subscription"]["amount_per_period"]["total"], "72.60");

        // A second card becomes the default and pays from now on.
        let pm = created(ppost(app, &token, "/payment_methods", json!({"card": card(CARD_MASTERCARD)})).await);
        assert_eq!((&pm["brand"], &pm["last4"], &pm["is_default"]), (&json!("mastercard"), &json!("4444"), &json!(true)));
        let cards = ok(pget(app, &token, "/payment_methods").await);
        assert_eq!(cards["data"].as_array().unwrap().len(), 2);
        let sub = ok(pget(app, &token, &format!("/subscriptions/{sid}")).await);
        assert_eq!(sub["payment_method"]["id"], pm["id"]);

        // Cancel at period end with a reason: the answer carries its retention offer.
        let cancel = format!("/subscriptions/{sid}/cancel");
        let cancelled = ok(ppost(app, &token, &cancel, json!({"reason": "too expensive", "comment": "Budget cuts"})).await);
        assert_eq!(cancelled["object"], "portal_cancellation");
        assert_eq!(cancelled["reason"], "Too expensive");
        assert_eq!(cancelled["retention_offer"], "3 months at 20 % off");
        assert_eq!(cancelled["cancel_at"], "2027-05-01");
        assert_eq!(cancelled["subscription"]["status"], "active");
        assert_eq!(cancelled["subscription"]["cancel_at"], "2027-05-01");

        // Changed their mind.
        let undone = ok(ppost(app, &token, &format!("/subscriptions/{sid}/undo_cancel"), json!({})).await);
        assert_eq!(undone["cancel_at"], Value::Null);
        assert_eq!(undone["close_reason"], Value::Null);
        assert_eq!(app.get(&format!("/v1/subscriptions/{sid}")).await.body["cancel_at"], Value::Null);

        // And cancelled again, naming the reason by id.
        let again = ok(ppost(app, &token, &cancel, json!({"reason": missing_features})).await);
        assert_eq!(again["reason"], "Missing features");
        assert_eq!(again["retention_offer"], Value::Null);
        assert_eq!(again["cancel_at"], "2027-05-01");

        advance(app, "2027-04-30").await;
        assert_eq!(ok(pget(app, &token, &format!("/subscriptions/{sid}")).await)["status"], "active");
        advance(app, "2027-05-01").await;
        let closed = ok(pget(app, &token, &format!("/subscriptions/{sid}")).await);
        assert_eq!(closed["status"], "closed");
        assert_eq!(closed["closed_at"], "2027-05-01");
        assert_eq!(closed["close_reason"], "Missing features");
        assert_eq!(movements(app, &sid).await, vec![
            mv("new", "30.00", "2027-04-01"),
            mv("expansion", "30.00", "2027-04-16"),
            mv("churn", "-60.00", "2027-05-01"),
        ]);

        // Invoices (the first and the proration; nothing for May), PDFs and the order.
        let invoices = ok(pget(app, &token, "/invoices").await)["data"].as_array().unwrap().clone();
        let totals: Vec<&Value> = invoices.iter().map(|i| &i["total"]).collect();
        assert_eq!(totals, vec![&json!("18.15"), &json!("36.30")]);
        let pdf = app.client.get(format!("{}/v1/portal/{token}/invoices/{}/pdf", app.url, id(&invoices[1])))
            .send().await.unwrap();
        assert_eq!(pdf.status(), 200);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
        let orders = ok(pget(app, &token, "/orders").await);
        let orders = orders["data"].as_array().unwrap();
        assert_eq!(orders.len(), 1);
        assert_eq!(orders[0]["subscription"], sid);
        assert_eq!(orders[0]["invoice"], invoices[1]["id"]);
        assert_eq!(orders[0]["plan_name"], "Team");
        assert_eq!(orders[0]["source"], "api");
    }

    async fn a_token_opens_its_own_customer_and_nobody_elses(app) {
        advance(app, "2027-04-01").await;
        let price = monthly_price(app, "Pro", "30.00").await;
        let plan = plan(app, json!({"name": "Pro", "prices": [price],
            "close_reasons": [{"name": "Too expensive"}]})).await;
        let a = customer(app, "a@example.com", "Ann").await;
        let b = customer(app, "b@example.com", "Bob").await;
        let sub_a = subscribe(app, &a, &plan, &price).await;
        let sub_b = subscribe(app, &b, &plan, &price).await;
        let (_, token_a) = session(app, &a).await;
        let (_, token_b) = session(app, &b).await;
        let inv_b = id(&ok(pget(app, &token_b, "/invoices").await)["data"][0]);
        let pm_b = id(&ok(pget(app, &token_b, "/payment_methods").await)["data"][0]);

        let o = ok(pget(app, &token_a, "").await);
        assert_eq!(o["customer"]["id"], a);
        let subs: Vec<&Value> = o["subscriptions"].as_array().unwrap().iter().map(|s| &s["id"]).collect();
        assert_eq!(subs, vec![&json!(sub_a)]);
        assert_eq!(ok(pget(app, &token_a, "/invoices").await)["data"].as_array().unwrap().len(), 1);

        // B's objects through A's token: 404, as if they did not exist; nothing changes.
        pget(app, &token_a, &format!("/subscriptions/{sub_b}")).await.assert_problem(404, "resource_missing", None);
        ppost(app, &token_a, &format!("/subscriptions/{sub_b}/change"),
            json!({"items": [{"price": price, "quantity": 2}], "preview": true})).await
            .assert_problem(404, "resource_missing", None);
        ppost(app, &token_a, &format!("/subscriptions/{sub_b}/cancel"), json!({"reason": "Too expensive"})).await
            .assert_problem(404, "resource_missing", None);
        ppost(app, &token_a, &format!("/subscriptions/{sub_b}/undo_cancel"), json!({})).await
            .assert_problem(404, "resource_missing", None);
        pget(app, &token_a, &format!("/invoices/{inv_b}/pdf")).await.assert_problem(404, "resource_missing", None);
        ppost(app, &token_a, &format!("/invoices/{inv_b}/pay"), json!({})).await
            .assert_problem(404, "resource_missing", None);
        ppost(app, &token_a, &format!("/payment_methods/{pm_b}/default"), json!({})).await
            .assert_problem(404, "resource_missing", None);
        ppost(app, &token_a, &format!("/payment_methods/{pm_b}/detach"), json!({})).await
            .assert_problem(404, "resource_missing", None);
        let b_now = ok(app.get(&format!("/v1/subscriptions/{sub_b}")).await);
        assert_eq!((&b_now["cancel_at"], &b_now["items"][0]["quantity"]), (&Value::Null, &json!(1)));
        assert_eq!(ok(pget(app, &token_b, "/payment_methods").await)["data"].as_array().unwrap().len(), 1);

        // Another merchant's key cannot hand out links to this merchant's customers.
        let other = app.new_merchant("Globex", "DE", "EUR").await;
        app.post_as(&other.sk, &format!("/v1/customers/{a}/portal_sessions"), json!({})).await
            .assert_problem(404, "resource_missing", None);
        // A publishable key cannot either.
        let r = app.post_as(&app.keys.pk, &format!("/v1/customers/{a}/portal_sessions"), json!({})).await;
        r.assert_problem(403, "secret_key_required", None);
    }

    async fn an_expired_a_revoked_or_an_unknown_token_is_refused(app) {
        let c = customer(app, "t@example.com", "Tess").await;
        let (_, fresh) = session(app, &c).await;
        assert_eq!(pget(app, &fresh, "").await.status, 200);

        let (expired_id, expired) = session(app, &c).await;
        app.db().execute(
            "UPDATE portal_sessions SET expires_at = $2 WHERE id = $1",
            &renewly::args![&expired_id, "2020-01-01T00:00:00.000Z"],
        ).await.unwrap();
        pget(app, &expired, "").await.assert_problem(401, "invalid_portal_token", None);
        pget(app, &expired, "/invoices").await.assert_problem(401, "invalid_portal_token", None);

        let (revoked_id, revoked) = session(app, &c).await;
        let r = ok(app.post(&format!("/v1/portal_sessions/{revoked_id}/revoke"), json!({})).await);
        assert_eq!(r["id"], revoked_id);
        assert!(r["revoked_at"].is_string());
        assert!(r.get("token").is_none(), "a token is shown once");
        pget(app, &revoked, "").await.assert_problem(401, "invalid_portal_token", None);
        ppost(app, &revoked, "/payment_methods", json!({"card": card(CARD_OK)})).await
            .assert_problem(401, "invalid_portal_token", None);

        pget(app, &"0".repeat(64), "").await.assert_problem(401, "invalid_portal_token", None);
        pget(app, "not-a-token", "").await.assert_problem(401, "invalid_portal_token", None);
        // Another link of the same customer still works.
        assert_eq!(pget(app, &fresh, "").await.status, 200);

        app.post("/v1/portal_sessions/ps_01jdx0000000000000000000zz/revoke", json!({})).await
            .assert_problem(404, "resource_missing", None);
        app.post(&format!("/v1/customers/{c}/portal_sessions"), json!({"expires_in_hours": 0})).await
            .assert_problem(422, "invalid_field", Some("expires_in_hours"));
        app.post(&format!("/v1/customers/{c}/portal_sessions"), json!({"expires_in_hours": 721})).await
            .assert_problem(422, "invalid_field", Some("expires_in_hours"));
        let short = created(app.post(&format!("/v1/customers/{c}/portal_sessions"), json!({"expires_in_hours": 2})).await);
        let hours = chrono_like_hours(short["expires_at"].as_str().unwrap())
            - chrono_like_hours(short["created"].as_str().unwrap());
        assert_eq!(hours.round(), 2.0);
    }

    async fn the_plans_customer_rights_bound_what_the_portal_allows(app) {
        advance(app, "2027-04-01").await;
        let small = monthly_price(app, "Small", "10.00").await;
        let medium = monthly_price(app, "Medium", "30.00").await;
        let large = monthly_price(app, "Large", "60.00").await;
        let plan = plan(app, json!({"name": "Locked", "prices": [medium, small, large],
            "customer_rights": {"change": "upgrade_only", "can_close": false, "can_pause": false,
                "can_change_quantity": false},
            "close_reasons": [{"name": "Too expensive"}]})).await;
        let c = customer(app, "locked@example.com", "Lou").await;
        let sid = subscribe(app, &c, &plan, &medium).await;
        let (_, token) = session(app, &c).await;
        let sub = ok(pget(app, &token, &format!("/subscriptions/{sid}")).await);
        assert_eq!(sub["rights"]["change"], "upgrade_only");
        assert_eq!(sub["rights"]["can_close"], false);

        let change = format!("/subscriptions/{sid}/change");
        let r = ppost(app, &token, &change, json!({"items": [{"price": small}], "preview": true})).await;
        r.assert_problem(409, "change_not_allowed", None);
        assert!(r.body["detail"].as_str().unwrap().contains("upgrades only"), "{}", r.text);
        ppost(app, &token, &change, json!({"items": [{"price": medium, "quantity": 3}], "preview": true})).await
            .assert_problem(409, "change_not_allowed", None);
        let up = ok(ppost(app, &token, &change, json!({"items": [{"price": large}], "preview": true})).await);
        assert_eq!(up["preview"]["direction"], "upgrade");

        let r = ppost(app, &token, &format!("/subscriptions/{sid}/cancel"), json!({"reason": "Too expensive"})).await;
        r.assert_problem(409, "close_not_allowed", None);
        ppost(app, &token, &format!("/subscriptions/{sid}/pause"), json!({})).await
            .assert_problem(409, "pause_not_allowed", None);
        let s = ok(app.get(&format!("/v1/subscriptions/{sid}")).await);
        assert_eq!((&s["status"], &s["cancel_at"], &s["items"][0]["price"]), (&json!("active"), &Value::Null, &json!(medium)));

        // A plan that lets customers cancel still wants one of its reasons.
        let open = plan_with_reasons(app, &medium).await;
        let c2 = customer(app, "open@example.com", "Olga").await;
        let sid2 = subscribe(app, &c2, &open, &medium).await;
        let (_, token2) = session(app, &c2).await;
        let cancel = format!("/subscriptions/{sid2}/cancel");
        ppost(app, &token2, &cancel, json!({"reason": "Because"})).await
            .assert_problem(422, "invalid_field", Some("reason"));
        ppost(app, &token2, &cancel, json!({})).await.assert_problem(422, "missing_field", Some("reason"));
        assert_eq!(ok(app.get(&format!("/v1/subscriptions/{sid2}")).await)["cancel_at"], Value::Null);
        // Pausing and resuming, which this plan allows.
        let paused = ok(ppost(app, &token2, &format!("/subscriptions/{sid2}/pause"), json!({})).await);
        assert_eq!((&paused["status"], &paused["paused_at"]), (&json!("paused"), &json!("2027-04-01")));
        let resumed = ok(ppost(app, &token2, &format!("/subscriptions/{sid2}/resume"), json!({})).await);
        assert_eq!((&resumed["status"], &resumed["paused_at"]), (&json!("active"), &Value::Null));
    }

    async fn a_magic_link_is_mailed_to_a_known_address_only_and_looks_the_same_either_way(app) {
        let c = customer(app, "Mia@Example.com", "Mia").await;
        let pk = app.keys.pk.clone();
        let ask = |email: &'static str| {
            let pk = pk.clone();
            async move { app.post_as(&pk, "/v1/public/portal/link", json!({"email": email})).await }
        };
        let known = ask("mia@example.com").await;
        assert_eq!(known.status, 202, "{}", known.text);
        assert_eq!(known.body, json!({"object": "portal_link", "sent": true}));
        let sent = magic_links(app).await;
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0, "Mia@example.com");
        // The link in the delivered e-mail opens this customer's portal once.
        let mails = super::portal_sessions::deliver(app, None).await;
        let link = super::portal_sessions::token_after(&mails[0], "/portal/");
        let session = super::portal_sessions::exchange(app, &link).await;
        assert_eq!(ok(pget(app, &session, "").await)["customer"]["id"], c);

        let unknown = ask("nobody@example.com").await;
        assert_eq!(unknown.status, 202);
        assert_eq!(unknown.body, known.body);
        assert_eq!(magic_links(app).await.len(), 1, "nothing is sent to an unknown address");
        ask("not-an-address").await.assert_problem(422, "invalid_field", Some("email"));

        // At most 5 links an hour per address; the answer does not change.
        for _ in 0..6 {
            assert_eq!(ask("MIA@example.com").await.status, 202);
        }
        assert_eq!(magic_links(app).await.len(), 5);

        // A client that keeps asking is turned away (20 requests per 15 minutes).
        let mut limited = None;
        for n in 0..20 {
            let r = ask("nobody@example.com").await;
            if r.status == 429 {
                limited = Some((n, r));
                break;
            }
        }
        let (n, r) = limited.expect("the flood is limited");
        assert_eq!(n, 11, "9 requests were made before the loop");
        r.assert_problem(429, "rate_limited", None);
        assert!(r.header("retry-after").is_some());
    }

    async fn a_checkout_gives_a_new_customer_a_working_portal_link(app) {
        let price = monthly_price(app, "Pro", "30.00").await;
        let plan = plan(app, json!({"name": "Pro", "prices": [price], "published": true})).await;
        let body = |email: &str| json!({"plan": plan, "price": price, "quantity": 1,
            "customer": {"email": email, "name": "Sam", "address": {"country": "NL"}},
            "signature": {"name": "Sam Shopper"}, "payment_method": {"card": card(CARD_OK)}});
        let done = created(app.post_as(&app.keys.pk, "/v1/public/checkout", body("sam@example.com")).await);
        let url = done["portal_url"].as_str().unwrap();
        assert!(url.starts_with(&format!("{}/portal/", app.url)), "{url}");
        let o = ok(pget(app, &token_in(url), "").await);
        assert_eq!(o["customer"]["email"], "sam@example.com");
        assert_eq!(o["subscriptions"][0]["id"], done["subscription"]["id"]);
        assert_eq!(o["subscriptions"][0]["amount_per_period"]["total"], "36.30");

        // Typing an existing customer's address must not open their account: the
        // second checkout made a record of its own, and its link opens only that.
        let again = created(app.post_as(&app.keys.pk, "/v1/public/checkout", body("sam@example.com")).await);
        assert_ne!(again["subscription"]["customer"], done["subscription"]["customer"]);
        let o = ok(pget(app, &token_in(again["portal_url"].as_str().unwrap()), "").await);
        assert_eq!(o["subscriptions"].as_array().unwrap().len(), 1);
        assert_eq!(o["subscriptions"][0]["id"], again["subscription"]["id"]);
    }

    async fn an_open_invoice_is_paid_from_the_portal_and_details_and_cards_are_kept_up_to_date(app) {
        advance(app, "2027-04-01").await;
        let price = monthly_price(app, "Pro", "30.00").await;
        let plan = plan(app, json!({"name": "Pro", "prices": [price]})).await;
        let c = customer(app, "pay@example.com", "Pat").await;
        let good = ok(app.get(&format!("/v1/customers/{c}/payment_methods")).await)["data"][0]["id"].clone();
        let sid = subscribe(app, &c, &plan, &price).await;
        let (_, token) = session(app, &c).await;
        // The May renewal is charged on a card that declines.
        let bad = created(app.post(&format!("/v1/customers/{c}/payment_methods"),
            json!({"card": card(CARD_CHARGES_FAIL), "default": true})).await);
        advance(app, "2027-05-01").await;
        let inv = ok(pget(app, &token, "/invoices").await)["data"][0].clone();
        assert_eq!((&inv["status"], &inv["total"]), (&json!("open"), &json!("36.30")));
        assert_eq!(ok(pget(app, &token, &format!("/subscriptions/{sid}")).await)["status"], "past_due");

        let pay = format!("/invoices/{}/pay", id(&inv));
        ppost(app, &token, &pay, json!({})).await.assert_problem(402, "card_declined", Some("payment_method"));
        assert_eq!(app.get(&format!("/v1/invoices/{}", id(&inv))).await.body["status"], "open");

        // The default card cannot be removed; the good one becomes the default
        // (which retries the open invoice at once), then the bad one can go.
        ppost(app, &token, &format!("/payment_methods/{}/detach", id(&bad)), json!({})).await
            .assert_problem(409, "payment_method_is_default", None);
        let now_default = ok(ppost(app, &token, &format!("/payment_methods/{}/default", good.as_str().unwrap()), json!({})).await);
        assert_eq!(now_default["is_default"], true);
        assert_eq!(app.get(&format!("/v1/invoices/{}", id(&inv))).await.body["status"], "paid");
        assert_eq!(ok(pget(app, &token, &format!("/subscriptions/{sid}")).await)["status"], "active");
        ppost(app, &token, &pay, json!({})).await.assert_problem(409, "invoice_not_open", None);
        let gone = ok(ppost(app, &token, &format!("/payment_methods/{}/detach", id(&bad)), json!({})).await);
        assert_eq!(gone["id"], bad["id"]);
        assert_eq!(ok(pget(app, &token, "/payment_methods").await)["data"].as_array().unwrap().len(), 1);

        // The June renewal fails on a card that is then swapped behind the
        // portal's back (no automatic retry): "pay now" charges the default.
        let bad2 = created(app.post(&format!("/v1/customers/{c}/payment_methods"),
            json!({"card": card(CARD_CHARGES_FAIL), "default": true})).await);
        advance(app, "2027-06-01").await;
        let june = ok(pget(app, &token, "/invoices").await)["data"][0].clone();
        assert_eq!(june["status"], "open");
        app.db().execute("UPDATE customers SET default_payment_method = $2 WHERE id = $1",
            &renewly::args![&c, good.as_str().unwrap()]).await.unwrap();
        app.db().execute("UPDATE subscriptions SET payment_method_id = $2 WHERE id = $1",
            &renewly::args![&sid, good.as_str().unwrap()]).await.unwrap();
        let paid = ok(ppost(app, &token, &format!("/invoices/{}/pay", id(&june)), json!({})).await);
        assert_eq!((&paid["status"], &paid["amount_due"]), (&json!("paid"), &json!("0.00")));
        assert_eq!(ok(pget(app, &token, &format!("/subscriptions/{sid}")).await)["status"], "active");
        let _ = bad2;

        // Contact details and billing address.
        let r = portal(app, reqwest::Method::PATCH, &token, "/customer", Some(json!({
            "name": "Pat Jansen", "company": "Jansen BV", "vat_number": "nl 0044.95.445 b01",
            "address": {"line1": "Keizersgracht 1", "city": "Amsterdam", "postal_code": "1015 AA", "country": "nl"},
            "locale": "nl"}))).await;
        let me = ok(r);
        assert_eq!(me["vat_number"], "NL004495445B01");
        assert_eq!(me["address"]["country"], "NL");
        assert_eq!(me["locale"], "nl");
        let stored = ok(app.get(&format!("/v1/customers/{c}")).await);
        assert_eq!((&stored["name"], &stored["company"]), (&json!("Pat Jansen"), &json!("Jansen BV")));
        portal(app, reqwest::Method::PATCH, &token, "/customer", Some(json!({"email": "nope"}))).await
            .assert_problem(422, "invalid_field", Some("email"));
        portal(app, reqwest::Method::PATCH, &token, "/customer", Some(json!({"pricelist": "pl_x"}))).await
            .assert_problem(422, "unknown_field", Some("pricelist"));
        let cleared = ok(portal(app, reqwest::Method::PATCH, &token, "/customer", Some(json!({"company": null}))).await);
        assert_eq!(cleared["company"], Value::Null);
        assert_eq!(ok(pget(app, &token, "/customer").await)["name"], "Pat Jansen");
    }
}

/// A plan with close reasons that lets customers pause; returns its id.
async fn plan_with_reasons(app: &TestApp, price: &str) -> String {
    plan(
        app,
        json!({"name": "Open", "prices": [price],
            "customer_rights": {"change": "upgrade_downgrade", "can_close": true, "can_pause": true,
                "can_change_quantity": true},
            "close_reasons": [{"name": "Too expensive"}, {"name": "Switching provider"}]}),
    )
    .await
}

/// Hours since the epoch of an RFC 3339 UTC timestamp `YYYY-MM-DDTHH:MM:SS.mmmZ`
/// (enough to compare two of them).
fn chrono_like_hours(ts: &str) -> f64 {
    let (date, time) = ts.split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|p| p.parse().unwrap()).collect();
    let t: Vec<f64> = time
        .trim_end_matches('Z')
        .split(':')
        .map(|p| p.parse().unwrap())
        .collect();
    // Days from civil (Howard Hinnant's algorithm).
    let (y, m, day) = (if d[1] <= 2 { d[0] - 1 } else { d[0] }, d[1], d[2]);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days as f64 * 24.0 + t[0] + t[1] / 60.0 + t[2] / 3600.0
}
