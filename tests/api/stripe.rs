//! Stripe as a merchant's payment provider, against localstripe (a stand-in for
//! Stripe's API, which the tests cannot reach): keys per mode, cards collected
//! by Stripe.js and attached to Stripe Customers, off-session charges of first
//! invoices and renewals (once each), declines, JPY, the payments list and
//! refunds.

use renewly_tests::localstripe::{LocalStripe, PUBLISHABLE_KEY, SECRET_KEY};
use serde_json::Value;

use super::*;

const WEBHOOK_SECRET: &str = "whsec_renewly_tests_signing_secret";

/// Sets the merchant's test-mode Stripe keys (localstripe's).
async fn on_stripe(app: &TestApp, sk: &str) -> Value {
    ok(app
        .patch_as(
            sk,
            "/v1/merchant",
            json!({"stripe": {"secret_key": SECRET_KEY, "publishable_key": PUBLISHABLE_KEY,
                "webhook_secret": WEBHOOK_SECRET}}),
        )
        .await)
}

/// A customer with a card collected by "Stripe.js" (made at localstripe) as
/// default payment method.
async fn stripe_customer(app: &TestApp, ls: &LocalStripe, email: &str, number: &str) -> String {
    let c = customer(
        app,
        json!({"email": email, "name": "Noor", "address": {"country": "NL"}}),
    )
    .await;
    let pm = ls.card(number).await;
    let r = app
        .post(
            &format!("/v1/customers/{c}/payment_methods"),
            json!({"stripe_payment_method": pm, "default": true}),
        )
        .await;
    assert_eq!(created(r)["provider"], "stripe");
    c
}

/// The PaymentIntents localstripe holds for one invoice.
async fn intents_of(ls: &LocalStripe, invoice: &str) -> Vec<Value> {
    ls.payment_intents()
        .await
        .into_iter()
        .filter(|pi| pi["metadata"]["renewly_invoice"] == invoice)
        .collect()
}

async fn payments(app: &TestApp, invoice: &str) -> Vec<Value> {
    ok(app.get(&format!("/v1/payments?invoice={invoice}")).await)["data"]
        .as_array()
        .unwrap()
        .clone()
}

scenarios_with! { LocalStripe::start => LocalStripe, LocalStripe::configure;
    async fn stripe_keys_are_checked_set_per_mode_shown_without_secrets_and_removed(app, ls) {
        if !ls.running() { return; }
        let sk = app.keys.sk.clone();
        let mut answers = Vec::new();
        let set = on_stripe(app, &sk).await;
        answers.push(set.to_string());
        let stripe = &set["stripe"];
        assert_eq!(stripe["publishable_key"], PUBLISHABLE_KEY);
        assert_eq!(stripe["secret_key_last4"], "4242");
        assert_eq!(stripe["webhook_secret_set"], true);
        let url = stripe["webhook_url"].as_str().unwrap();
        assert!(url.ends_with(&format!("/v1/webhooks/stripe/{}", app.keys.merchant)), "{url}");
        let shown = ok(app.get("/v1/merchant").await);
        assert_eq!(&shown["stripe"], stripe);
        answers.push(shown.to_string());

        // Keys of the other mode, or a key Stripe rejects, change nothing.
        let live_pk = json!({"stripe": {"secret_key": SECRET_KEY, "publishable_key": "pk_live_x"}});
        let r = app.patch("/v1/merchant", live_pk).await;
        r.assert_problem(422, "stripe_key_mode_mismatch", Some("stripe.publishable_key"));
        answers.push(r.text.clone());
        let live_sk = json!({"stripe": {"secret_key": "sk_live_abc", "publishable_key": PUBLISHABLE_KEY}});
        let r = app.patch("/v1/merchant", live_sk).await;
        r.assert_problem(422, "stripe_key_mode_mismatch", Some("stripe.secret_key"));
        let test_with_live = json!({"stripe": {"secret_key": SECRET_KEY, "publishable_key": PUBLISHABLE_KEY}});
        let live = app.keys.live_sk.clone().unwrap();
        app.patch_as(&live, "/v1/merchant", test_with_live).await
            .assert_problem(422, "stripe_key_mode_mismatch", Some("stripe.secret_key"));
        // localstripe takes any sk_… key and refuses others, as Stripe refuses a bad one.
        let rejected = json!({"stripe": {"secret_key": "rk_test_revoked", "publishable_key": PUBLISHABLE_KEY}});
        let r = app.patch("/v1/merchant", rejected).await;
        r.assert_problem(422, "stripe_key_rejected", Some("stripe.secret_key"));
        answers.push(r.text.clone());
        assert_eq!(ok(app.get("/v1/merchant").await)["stripe"], *stripe);
        // Live mode has its own settings: none.
        assert_eq!(ok(app.get_as(&live, "/v1/merchant").await)["stripe"], Value::Null);

        // The secrets are sealed at rest and never answered.
        let (sealed,): (String,) = app.db()
            .fetch_optional(
                "SELECT secret_key_sealed FROM merchant_stripe WHERE merchant_id = $1",
                &[renewly::db::Arg::from(app.keys.merchant.as_str())],
            )
            .await.unwrap().unwrap();
        assert!(!sealed.contains(SECRET_KEY) && sealed.starts_with("v1:"), "{sealed}");
        for a in &answers {
            assert!(!a.contains(SECRET_KEY) && !a.contains(WEBHOOK_SECRET), "{a}");
        }

        let removed = ok(app.patch("/v1/merchant", json!({"stripe": null})).await);
        assert_eq!(removed["stripe"], Value::Null);
        assert_eq!(ok(app.get("/v1/merchant").await)["stripe"], Value::Null);
    }

    async fn a_card_collected_by_stripe_js_is_attached_to_the_stripe_customer_and_read_back(app, ls) {
        if !ls.running() { return; }
        on_stripe(app, &app.keys.sk).await;
        let c = customer(app, json!({"email": "ana@example.com", "name": "Ana"})).await;
        let intent = created(app.post(&format!("/v1/customers/{c}/setup_intents"), json!({})).await);
        assert!(intent["client_secret"].as_str().unwrap().starts_with("seti_"), "{intent}");
        assert_eq!(intent["publishable_key"], PUBLISHABLE_KEY);
        let public = created(app.post_as(&app.keys.pk, "/v1/public/setup_intents", json!({})).await);
        assert_eq!(public["publishable_key"], PUBLISHABLE_KEY);

        let pm = ls.card("4242424242424242").await;
        let attached = created(app.post(&format!("/v1/customers/{c}/payment_methods"),
            json!({"stripe_payment_method": pm, "default": true})).await);
        assert_eq!(attached["provider"], "stripe");
        assert_eq!(attached["brand"], "visa");
        assert_eq!(attached["last4"], "4242");
        assert_eq!((attached["exp_month"].as_u64(), attached["exp_year"].as_u64()), (Some(12), Some(2034)));
        // Attached at Stripe to the customer's Stripe Customer, made once.
        let at_stripe = ls.get(&format!("/v1/payment_methods/{pm}")).await;
        let stripe_customer = at_stripe["customer"].as_str().unwrap().to_owned();
        assert!(stripe_customer.starts_with("cus_"));
        let second = ls.card("4012888888881881").await;
        let other = created(app.post(&format!("/v1/customers/{c}/payment_methods"),
            json!({"stripe_payment_method": second})).await);
        assert_eq!((&other["last4"], &other["is_default"]), (&json!("1881"), &json!(false)));
        assert_eq!(ls.get(&format!("/v1/payment_methods/{second}")).await["customer"], stripe_customer.as_str());

        // Card numbers never reach a merchant on Stripe; a declined card is a 402.
        app.post(&format!("/v1/customers/{c}/payment_methods"), json!({"card": card(CARD_OK)})).await
            .assert_problem(422, "card_numbers_not_accepted", Some("card"));
        let declined = ls.card("4000000000000002").await;
        app.post(&format!("/v1/customers/{c}/payment_methods"), json!({"stripe_payment_method": declined})).await
            .assert_problem(402, "card_declined", Some("stripe_payment_method"));
        app.post(&format!("/v1/customers/{c}/payment_methods"), json!({"stripe_payment_method": "pm_nope"})).await
            .assert_problem(422, "invalid_field", Some("stripe_payment_method"));

        // Detaching detaches at Stripe too.
        ok(app.post(&format!("/v1/customers/{c}/payment_methods/{}/detach", id(&other)), json!({})).await);
        assert_eq!(ls.get(&format!("/v1/payment_methods/{second}")).await["customer"], Value::Null);
    }

    async fn a_checkout_with_a_stripe_card_is_paid_by_one_payment_intent_in_cents(app, ls) {
        if !ls.running() { return; }
        on_stripe(app, &app.keys.sk).await;
        let (plan, price) = plan_of(app, "29.00", "month", 1).await;
        let pk = app.keys.pk.clone();
        created(app.post_as(&pk, "/v1/public/setup_intents", json!({})).await);
        let pm = ls.card("4242424242424242").await;
        let body = json!({"plan": plan, "price": price, "quantity": 1,
            "customer": {"email": "shop@example.com", "name": "Sam", "address": {"country": "NL"}},
            "signature": {"name": "Sam Shopper"}, "payment_method": {"stripe_payment_method": pm}});
        let done = created(app.post_as(&pk, "/v1/public/checkout", body).await);
        assert_eq!(done["status"], "active");
        assert_eq!(done["subscription"]["status"], "active");
        let inv = &done["invoice"];
        assert_eq!(inv["status"], "paid");
        assert_eq!(inv["total"], "35.09");
        let invoice = id(inv);
        let intents = intents_of(ls, &invoice).await;
        assert_eq!(intents.len(), 1, "{intents:?}");
        assert_eq!(intents[0]["amount"], 3509);
        assert_eq!(intents[0]["currency"], "eur");
        assert_eq!(intents[0]["status"], "succeeded");
        assert_eq!(ls.payment_intents().await.len(), 1);

        let paid = payments(app, &invoice).await;
        assert_eq!(paid.len(), 1, "{paid:?}");
        let p = &paid[0];
        assert!(p["id"].as_str().unwrap().starts_with("pay_"), "{p}");
        assert_eq!((&p["status"], &p["provider"], &p["amount"], &p["currency"]),
            (&json!("succeeded"), &json!("stripe"), &json!("35.09"), &json!("EUR")));
        assert_eq!(p["provider_reference"], intents[0]["id"]);
        assert_eq!(p["failure_code"], Value::Null);

        // A raw card at checkout is refused for a merchant on Stripe.
        let raw = json!({"plan": plan, "price": price, "quantity": 1,
            "customer": {"email": "raw@example.com", "name": "Ray", "address": {"country": "NL"}},
            "signature": {"name": "Ray"}, "payment_method": {"card": card(CARD_OK)}});
        app.post_as(&pk, "/v1/public/checkout", raw).await
            .assert_problem(422, "card_numbers_not_accepted", Some("payment_method.card"));
    }

    async fn renewals_through_the_test_clock_are_charged_once_each_even_when_the_clock_is_advanced_twice(app, ls) {
        if !ls.running() { return; }
        on_stripe(app, &app.keys.sk).await;
        advance(app, "2027-03-01").await;
        let (plan, price) = plan_of(app, "29.00", "month", 1).await;
        let c = stripe_customer(app, ls, "renew@example.com", "4242424242424242").await;
        let sid = id(&subscribe(app, &c, &plan, &price).await);
        advance(app, "2027-04-01").await;
        advance(app, "2027-04-01").await;
        advance(app, "2027-05-01").await;
        advance(app, "2027-05-01").await;
        let list = ok(app.get(&format!("/v1/invoices?subscription={sid}")).await);
        let invoices = list["data"].as_array().unwrap();
        assert_eq!(invoices.len(), 3, "{list}");
        for inv in invoices {
            assert_eq!(inv["status"], "paid", "{inv}");
            let intents = intents_of(ls, &id(inv)).await;
            assert_eq!(intents.len(), 1, "{}: {intents:?}", id(inv));
            assert_eq!(intents[0]["amount"], 3509);
            assert_eq!(payments(app, &id(inv)).await.len(), 1);
        }
        assert_eq!(ls.payment_intents().await.len(), 3);
    }

    async fn a_card_declined_at_charge_leaves_the_renewal_open_and_the_subscription_past_due(app, ls) {
        if !ls.running() { return; }
        on_stripe(app, &app.keys.sk).await;
        advance(app, "2027-03-01").await;
        let (plan, price) = plan_of(app, "29.00", "month", 1).await;
        let c = stripe_customer(app, ls, "decline@example.com", "4242424242424242").await;
        let sid = id(&subscribe(app, &c, &plan, &price).await);
        // A new default card that attaches fine and declines every charge.
        let pm = ls.card("4000000000000341").await;
        created(app.post(&format!("/v1/customers/{c}/payment_methods"),
            json!({"stripe_payment_method": pm, "default": true})).await);
        advance(app, "2027-04-01").await;
        let s = ok(app.get(&format!("/v1/subscriptions/{sid}")).await);
        assert_eq!(s["status"], "past_due");
        let list = ok(app.get(&format!("/v1/invoices?subscription={sid}")).await);
        let renewal = list["data"].as_array().unwrap().iter()
            .find(|i| i["status"] == "open").cloned().expect("an open renewal");
        assert_eq!(renewal["attempt_count"], 1);
        let tried = payments(app, &id(&renewal)).await;
        assert_eq!(tried.len(), 1, "{tried:?}");
        assert_eq!(tried[0]["status"], "failed");
        assert_eq!(tried[0]["provider"], "stripe");
        assert_eq!(tried[0]["failure_code"], "card_declined");
        assert!(tried[0]["failure_message"].as_str().is_some());
    }

    async fn a_jpy_invoice_is_charged_in_whole_yen(app, ls) {
        if !ls.running() { return; }
        let jp = app.new_merchant("Kaisha", "NL", "JPY").await;
        on_stripe(app, &jp.sk).await;
        let prod = created(app.post_as(&jp.sk, "/v1/products", json!({"name": "Pro", "kind": "recurring"})).await);
        let price = created(app.post_as(&jp.sk, "/v1/prices", json!({"product": id(&prod), "currency": "JPY",
            "unit_amount": "4900", "recurring": {"interval": "month", "interval_count": 1}})).await);
        let plan = created(app.post_as(&jp.sk, "/v1/plans",
            json!({"name": "Pro", "prices": [id(&price)], "published": true})).await);
        let pm = ls.card("4242424242424242").await;
        let body = json!({"plan": id(&plan), "price": id(&price), "quantity": 1,
            "customer": {"email": "yen@example.com", "name": "Yui", "address": {"country": "NL"}},
            "signature": {"name": "Yui"}, "payment_method": {"stripe_payment_method": pm}});
        let done = created(app.post_as(&jp.pk, "/v1/public/checkout", body).await);
        let inv = &done["invoice"];
        assert_eq!(inv["status"], "paid", "{done}");
        let total: i64 = inv["total"].as_str().unwrap().parse().unwrap();
        let intents = intents_of(ls, &id(inv)).await;
        assert_eq!(intents.len(), 1);
        assert_eq!(intents[0]["currency"], "jpy");
        assert_eq!(intents[0]["amount"], total);
    }

    async fn a_stripe_charge_and_a_test_charge_are_refunded_through_the_provider(app, ls) {
        if !ls.running() { return; }
        use renewly::payments::{PaymentProvider, StripeProvider, TestProvider};
        on_stripe(app, &app.keys.sk).await;
        advance(app, "2027-03-01").await;
        let (plan, price) = plan_of(app, "29.00", "month", 1).await;
        let c = stripe_customer(app, ls, "refund@example.com", "4242424242424242").await;
        let s = subscribe(app, &c, &plan, &price).await;
        let invoice = s["latest_invoice"].as_str().map(str::to_owned).unwrap_or_default();
        let list = ok(app.get(&format!("/v1/invoices?subscription={}", id(&s))).await);
        let invoice = if invoice.is_empty() { id(&list["data"][0]) } else { invoice };
        let paid = payments(app, &invoice).await;
        let reference = paid[0]["provider_reference"].as_str().unwrap().to_owned();

        let stripe = StripeProvider::new(ls.base().unwrap(),
            &renewly::config::Secret::new(SECRET_KEY)).unwrap();
        let amount: rust_decimal::Decimal = "10.00".parse().unwrap();
        let refund = stripe.refund(&reference, amount, "EUR", &format!("{invoice}:refund:1")).await.unwrap();
        assert!(refund.reference.starts_with("re_"), "{refund:?}");
        let at_stripe = ls.get(&format!("/v1/refunds/{}", refund.reference)).await;
        assert_eq!(at_stripe["amount"], 1000);
        assert_eq!(at_stripe["payment_intent"], reference.as_str());

        let test = TestProvider::default();
        let charged = test.charge("tok_test_x", amount, "EUR", "k1", None).await.unwrap();
        let r1 = test.refund(&charged.reference, amount, "EUR", "r1").await.unwrap();
        assert_eq!(test.refund(&charged.reference, amount, "EUR", "r1").await.unwrap(), r1);
        assert!(test.refund("pi_unknown", amount, "EUR", "r2").await.is_err());
    }
}

scenarios! {
    async fn a_merchant_without_stripe_keeps_the_test_provider_and_its_payments_are_listed(app) {
        let (plan, price) = plan_of(app, "29.00", "month", 1).await;
        let c = customer_with_card(app, "plain@example.com", "NL").await;
        let s = subscribe(app, &c, &plan, &price).await;
        let list = ok(app.get(&format!("/v1/invoices?subscription={}", id(&s))).await);
        let invoice = id(&list["data"][0]);
        let paid = payments(app, &invoice).await;
        assert_eq!(paid.len(), 1, "{paid:?}");
        assert_eq!((&paid[0]["provider"], &paid[0]["status"], &paid[0]["invoice"]),
            (&json!("test"), &json!("succeeded"), &json!(invoice)));
        let all = ok(app.get("/v1/payments").await);
        assert_eq!(all["data"].as_array().unwrap().len(), 1);
        app.get("/v1/payments?invoice=cus_x").await.assert_problem(422, "invalid_field", Some("invoice"));
        // Without Stripe keys there is no SetupIntent to make, and no pm_ to attach.
        app.post(&format!("/v1/customers/{c}/setup_intents"), json!({})).await
            .assert_problem(409, "stripe_not_configured", None);
        app.post(&format!("/v1/customers/{c}/payment_methods"), json!({"stripe_payment_method": "pm_x"})).await
            .assert_problem(422, "stripe_not_configured", Some("stripe_payment_method"));
    }
}

/// The first invoice of a new subscription of `customer` (paid at once).
async fn first_invoice(app: &TestApp, customer: &str) -> String {
    let (plan, price) = plan_of(app, "29.00", "month", 1).await;
    let s = subscribe(app, customer, &plan, &price).await;
    let list = ok(app
        .get(&format!("/v1/invoices?subscription={}", id(&s)))
        .await);
    let inv = &list["data"][0];
    assert_eq!(inv["status"], "paid", "{inv}");
    id(inv)
}

async fn refunded_events(app: &TestApp) -> usize {
    let events = ok(app.get("/v1/events?limit=100").await);
    events["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "invoice.refunded")
        .count()
}

scenarios_with! { LocalStripe::start => LocalStripe, LocalStripe::configure;
    async fn a_stripe_invoice_is_refunded_in_part_then_in_full_and_never_beyond(app, ls) {
        if !ls.running() { return; }
        on_stripe(app, &app.keys.sk).await;
        let c = stripe_customer(app, ls, "back@example.com", "4242424242424242").await;
        let inv = first_invoice(app, &c).await;
        let path = format!("/v1/invoices/{inv}/refund");
        let pi = payments(app, &inv).await[0]["provider_reference"].as_str().unwrap().to_owned();

        app.post(&path, json!({"amount": "35.10"})).await
            .assert_problem(422, "refund_too_large", Some("amount"));
        let part = ok(app.send(reqwest::Method::POST, &path, Some(&app.keys.sk),
            Some(&json!({"amount": "10.00", "reason": "goodwill"})), &[("idempotency-key", "r-1")]).await);
        assert_eq!(part["amount_refunded"], "10.00");
        // A retry with the same key refunds once.
        let again = ok(app.send(reqwest::Method::POST, &path, Some(&app.keys.sk),
            Some(&json!({"amount": "10.00", "reason": "goodwill"})), &[("idempotency-key", "r-1")]).await);
        assert_eq!(again["amount_refunded"], "10.00");
        assert_eq!(payments(app, &inv).await[0]["status"], "succeeded");
        let rest = ok(app.post(&path, json!({})).await);
        assert_eq!(rest["amount_refunded"], "35.09");
        assert_eq!(payments(app, &inv).await[0]["status"], "refunded");
        app.post(&path, json!({"amount": "0.01"})).await
            .assert_problem(422, "refund_too_large", Some("amount"));

        let at_stripe = ls.get(&format!("/v1/refunds?payment_intent={pi}&limit=100")).await;
        let amounts: Vec<i64> = at_stripe["data"].as_array().unwrap().iter()
            .filter(|r| r["payment_intent"] == pi.as_str())
            .map(|r| r["amount"].as_i64().unwrap()).collect();
        assert_eq!(amounts.iter().sum::<i64>(), 3509, "{at_stripe}");
        assert_eq!(amounts.len(), 2, "{at_stripe}");
        assert_eq!(refunded_events(app).await, 2);
    }
}

scenarios! {
    async fn a_test_provider_invoice_is_refunded_with_ledger_lines_and_an_event(app) {
        let c = customer_with_card(app, "tp@example.com", "NL").await;
        let inv = first_invoice(app, &c).await;
        let path = format!("/v1/invoices/{inv}/refund");
        app.post(&path, json!({"amount": "-1"})).await.assert_problem(422, "invalid_field", Some("amount"));
        app.post(&path, json!({"amount": "1.001"})).await.assert_problem(422, "invalid_field", Some("amount"));
        let part = ok(app.post(&path, json!({"amount": "5.09"})).await);
        assert_eq!((&part["amount_refunded"], &part["amount_paid"]), (&json!("5.09"), &json!("35.09")));
        app.post(&path, json!({"amount": "30.01"})).await
            .assert_problem(422, "refund_too_large", Some("amount"));
        assert_eq!(ok(app.post(&path, json!({})).await)["amount_refunded"], "35.09");
        assert_eq!(refunded_events(app).await, 2);
        let (debits, credits): (i64, i64) = app.db()
            .fetch_optional(
                "SELECT CAST(COALESCE(SUM(debit_minor), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(credit_minor), 0) AS BIGINT) \
                 FROM ledger_entries WHERE journal = 'refund' AND invoice_id = $1",
                &[renewly::db::Arg::from(inv.as_str())],
            )
            .await.unwrap().unwrap();
        assert_eq!((debits, credits), (3509, 3509));
        app.post("/v1/invoices/inv_01jdx0000000000000000000000/refund", json!({})).await
            .assert_problem(404, "resource_missing", None);
    }
}

/// Gives the merchant's test mode Stripe keys straight in the database, with
/// the server's Stripe API base left where nothing answers (the discard port).
async fn on_unreachable_stripe(app: &TestApp) -> renewly::store::Scope {
    let scope = renewly::store::Scope {
        merchant_id: app.keys.merchant.clone(),
        livemode: false,
    };
    // The master key the test servers run with (tests/support).
    let vault = renewly::vault::Vault::with_key([42; 32]);
    let sealed = vault
        .seal(
            &renewly::store::stripe::context(&scope, "secret_key"),
            SECRET_KEY,
        )
        .unwrap();
    let config = renewly::store::stripe::StripeConfig {
        publishable_key: PUBLISHABLE_KEY.to_owned(),
        secret_key_sealed: sealed,
        secret_key_last4: "4242".to_owned(),
        webhook_secret_sealed: None,
    };
    renewly::store::stripe::save(app.db(), &scope, &config)
        .await
        .unwrap();
    scope
}

scenarios! {
    async fn a_stripe_that_cannot_be_reached_is_a_502_at_checkout_and_a_pending_charge_in_the_worker(app) {
        advance(app, "2027-03-01").await;
        let (plan, price) = plan_of(app, "29.00", "month", 1).await;
        let c = customer_with_card(app, "away@example.com", "NL").await;
        let sid = id(&subscribe(app, &c, &plan, &price).await);
        let scope = on_unreachable_stripe(app).await;

        let pk = app.keys.pk.clone();
        let body = json!({"plan": plan, "price": price, "quantity": 1,
            "customer": {"email": "late@example.com", "name": "Lee", "address": {"country": "NL"}},
            "signature": {"name": "Lee"}, "payment_method": {"stripe_payment_method": "pm_card_visa"}});
        let r = app.post_as(&pk, "/v1/public/checkout", body).await;
        r.assert_problem(502, "provider_unavailable", None);
        assert!(!r.text.contains("127.0.0.1"), "{}", r.text);
        app.post_as(&pk, "/v1/public/setup_intents", json!({})).await
            .assert_problem(502, "provider_unavailable", None);

        // The customer's default card is now a Stripe one (made while Stripe answered).
        let pm = renewly_types::PaymentMethod {
            id: format!("pm_{}", ulid::Ulid::generate().to_string().to_ascii_lowercase()),
            object: "payment_method".to_owned(),
            livemode: false,
            customer: c.clone(),
            provider: "stripe".to_owned(),
            brand: "visa".to_owned(),
            last4: "4242".to_owned(),
            exp_month: 12,
            exp_year: 2034,
            is_default: true,
            created: renewly::store::now(),
        };
        renewly::store::payment_methods::attach(app.db(), &scope, &pm, "cus_away/pm_away", true)
            .await.unwrap();
        // Made the default through the API, which moves the subscription onto it.
        ok(app.post(&format!("/v1/customers/{c}/payment_methods/{}/default", pm.id), json!({})).await);
        // The renewal's charge cannot be made: it stays pending, the invoice at its
        // first attempt and the subscription active, for the next run.
        advance(app, "2027-04-01").await;
        let list = ok(app.get(&format!("/v1/invoices?subscription={sid}")).await);
        let renewal = list["data"].as_array().unwrap().iter()
            .find(|i| i["status"] == "open").cloned().unwrap_or_else(|| panic!("an open renewal: {list}"));
        assert_eq!(renewal["attempt_count"], 0, "{renewal}");
        assert_eq!(ok(app.get(&format!("/v1/subscriptions/{sid}")).await)["status"], "active");
        let tried = payments(app, &id(&renewal)).await;
        assert_eq!(tried.len(), 1, "{tried:?}");
        assert_eq!((&tried[0]["status"], &tried[0]["provider"]), (&json!("pending"), &json!("stripe")));
        advance(app, "2027-04-02").await;
        assert_eq!(payments(app, &id(&renewal)).await.len(), 1, "asked again under the same key");
    }
}
