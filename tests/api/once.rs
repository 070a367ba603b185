//! A charge is never made without a committed record that a retry finds: two
//! concurrent upgrades of one subscription charge once; a checkout retried with
//! its `Idempotency-Key` (while the first attempt runs, after it answered, after
//! the client hung up, after the server lost its answer) charges once and makes
//! one subscription; a charge left pending by a process that died is completed
//! by the retry without a second charge at the provider. The provider's own
//! ledger (`TestApp::provider_charges`) counts the charges. The README's
//! "Security" section names these tests.

use std::time::Duration;

use renewly::http::middleware::{RequestKey, request_hash};
use renewly::ids::{Kind, new_id};
use renewly::payments::{PaymentProvider, TestProvider};
use renewly::store::charges::{self, NewCharge, Stored};
use renewly::store::{Scope, idempotency, payment_methods, subscriptions};
use serde_json::Value;

use super::*;

fn test_scope(app: &TestApp) -> Scope {
    Scope {
        merchant_id: app.keys.merchant.clone(),
        livemode: false,
    }
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    let row: Option<(i64,)> = app.db().fetch_optional(sql, &[]).await.unwrap();
    row.unwrap().0
}

/// A shopper's checkout of one `price` on `plan` with a good card.
fn checkout_body(plan: &str, price: &str, email: &str) -> Value {
    json!({"plan": plan, "price": price, "quantity": 1,
        "customer": {"email": email, "name": "Sam",
            "address": {"line1": "Keizersgracht 1", "city": "Amsterdam", "country": "NL"}},
        "payment_method": {"card": card(CARD_OK)}})
}

/// The charge key a request with this `Idempotency-Key` and JSON body derives.
fn derived_key(key: &str, path: &str, body: &Value) -> String {
    derived_key_of(key, path, &serde_json::to_vec(body).unwrap())
}

/// The charge key of a `POST` with this `Idempotency-Key`, path and body bytes.
fn derived_key_of(key: &str, path: &str, bytes: &[u8]) -> String {
    RequestKey::new(key, &request_hash("POST", path, "", bytes)).charge_key()
}

scenarios! {
    async fn two_concurrent_upgrades_of_one_subscription_charge_once(app) {
        let (basic, basic_price) = plan_of(app, "10.00", "month", 1).await;
        let (pro, pro_price) = plan_of(app, "30.00", "month", 1).await;
        let (max, max_price) = plan_of(app, "50.00", "month", 1).await;
        let c = customer_with_card(app, "u@example.com", "NL").await;
        let sub = id(&subscribe(app, &c, &basic, &basic_price).await);
        let path = format!("/v1/subscriptions/{sub}/change");
        let to_pro = json!({"plan": pro, "items": [{"price": pro_price, "quantity": 1}]});
        let answers = futures::future::join_all((0..4).map(|_| app.post(&path, to_pro.clone()))).await;
        let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
        eprintln!("concurrent upgrades answered {statuses:?}");
        for r in &answers {
            match r.status {
                200 => {}
                409 => r.assert_problem(409, "change_in_progress", None),
                other => panic!("{other}: {}", r.text),
            }
        }
        let upgrades = count(app, "SELECT COUNT(*) FROM invoices WHERE billing_reason = 'subscription_update'").await;
        let upgrade_charges = count(app, "SELECT COUNT(*) FROM charges c JOIN invoices i ON i.id = c.invoice_id \
            WHERE i.billing_reason = 'subscription_update'").await;
        assert_eq!((upgrades, upgrade_charges), (1, 1), "one upgrade, charged once");
        // The first invoice and the upgrade: two charges at the provider.
        assert_eq!(app.provider_charges().len(), 2);
        assert_eq!(count(app, "SELECT COUNT(*) FROM charges").await, 2);

        // While another change holds the subscription (claimed, about to charge),
        // a change is refused with 409 and charges nothing.
        let scope = test_scope(app);
        let version = subscriptions::version(app.db(), &scope, &sub).await.unwrap().unwrap();
        let never_stale = "1970-01-01T00:00:00.000Z";
        assert!(subscriptions::claim_change(app.db(), &scope, &sub, version, "inv_in_flight", never_stale)
            .await.unwrap());
        let to_max = json!({"plan": max, "items": [{"price": max_price, "quantity": 1}]});
        app.post(&path, to_max.clone()).await.assert_problem(409, "change_in_progress", None);
        assert_eq!(app.provider_charges().len(), 2);
        // A change worked out from an older version cannot claim it either.
        subscriptions::release_change(app.db(), &sub, "inv_in_flight").await.unwrap();
        assert!(!subscriptions::claim_change(app.db(), &scope, &sub, version - 1, "inv_old", never_stale)
            .await.unwrap());
        // Once it is free, the upgrade goes through and is charged once.
        assert_eq!(ok(app.post(&path, to_max).await)["applied"], true);
        assert_eq!(app.provider_charges().len(), 3);
    }

    async fn a_checkout_retried_with_its_idempotency_key_charges_once(app) {
        let (plan, price) = plan_of(app, "30.00", "month", 1).await;
        let body = checkout_body(&plan, &price, "sam@example.com");
        let headers = [("idempotency-key", "checkout-1")];
        let send = || app.send(reqwest::Method::POST, "/v1/public/checkout", Some(&app.keys.pk),
            Some(&body), &headers);
        // Two at once: one runs, the other is told it is in progress (or, if the
        // first finished already, gets its answer).
        let (a, b) = tokio::join!(send(), send());
        let mut subs = Vec::new();
        for r in [&a, &b] {
            match r.status {
                201 => subs.push(r.body["subscription"]["id"].as_str().unwrap().to_owned()),
                409 => r.assert_problem(409, "idempotency_key_in_use", Some("Idempotency-Key")),
                other => panic!("{other}: {}", r.text),
            }
        }
        assert!(!subs.is_empty());
        // Retried after it answered: the same subscription.
        let again = created(send().await);
        assert_eq!(again["subscription"]["id"], subs[0].as_str());
        // The server lost its answer (it died after the commit): the retry runs
        // again, finds the charge and the subscription it made, and changes nothing.
        idempotency::release(app.db(), &test_scope(app), "checkout-1").await.unwrap();
        let rerun = created(send().await);
        assert_eq!(rerun["subscription"]["id"], subs[0].as_str());
        assert_eq!(rerun["status"], "active");
        assert_eq!(count(app, "SELECT COUNT(*) FROM subscriptions").await, 1);
        let charged = app.provider_charges();
        assert_eq!(charged.len(), 1, "{charged:?}");
        assert!(charged.values().all(|c| c.requests == 1 && c.outcome == "succeeded"));
        assert_eq!(count(app, "SELECT COUNT(*) FROM charges").await, 1);
    }

    async fn a_client_that_hangs_up_mid_checkout_and_retries_is_charged_once(app) {
        let (plan, price) = plan_of(app, "30.00", "month", 1).await;
        let body = checkout_body(&plan, &price, "hang@example.com");
        let url = format!("{}/v1/public/checkout", app.url);
        // The first attempt gives up after a millisecond (the connection closes
        // wherever the server is).
        let impatient = reqwest::Client::builder().timeout(Duration::from_millis(1)).build().unwrap();
        let _ = impatient.post(&url).bearer_auth(&app.keys.pk)
            .header("idempotency-key", "hang-1").json(&body).send().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let retry = || app.send(reqwest::Method::POST, "/v1/public/checkout", Some(&app.keys.pk),
            Some(&body), &[("idempotency-key", "hang-1")]);
        let mut r = retry().await;
        if r.status == 409 {
            // The first attempt's claim is left pending; once it is abandoned
            // (five minutes, here aged at once) the retry takes it over.
            r.assert_problem(409, "idempotency_key_in_use", Some("Idempotency-Key"));
            app.db().execute("UPDATE idempotency_keys SET created = '2000-01-01T00:00:00.000Z'", &[])
                .await.unwrap();
            r = retry().await;
        }
        let done = created(r);
        assert_eq!(done["status"], "active");
        assert_eq!(count(app, "SELECT COUNT(*) FROM subscriptions").await, 1);
        let charged = app.provider_charges();
        assert_eq!(charged.len(), 1, "{charged:?}");
        assert_eq!(count(app, "SELECT COUNT(*) FROM charges WHERE outcome = 'succeeded'").await, 1);
        assert_eq!(count(app, "SELECT COUNT(*) FROM charges WHERE outcome = 'pending'").await, 0);
    }

    async fn a_charge_left_pending_by_a_dead_process_is_completed_by_the_retry(app) {
        let (plan, price) = plan_of(app, "29.00", "month", 1).await;
        let c = customer_with_card(app, "p@example.com", "NL").await;
        let pm = ok(app.get(&format!("/v1/customers/{c}")).await)["default_payment_method"]
            .as_str().unwrap().to_owned();
        let scope = test_scope(app);
        let body = json!({"customer": c, "plan": plan, "items": [{"price": price, "quantity": 1}]});
        let key = derived_key("create-1", "/v1/subscriptions", &body);
        // The first attempt recorded its charge (29.00 + 21 % VAT) and died before
        // the provider answered, or right after the provider charged.
        let invoice = new_id(Kind::Invoice);
        let pending = NewCharge {
            id: new_id(Kind::Charge),
            payment_method_id: pm.clone(),
            amount: "35.09".parse().unwrap(),
            currency: "EUR".to_owned(),
            idempotency_key: key.clone(),
            invoice_id: Some(invoice.clone()),
            created: renewly::store::now(),
        };
        let Stored::Pending(recorded) = charges::begin(app.db(), &scope, &pending).await.unwrap() else {
            panic!("a new charge is pending");
        };
        let token = payment_methods::charge_source(app.db(), &scope, &pm).await.unwrap().unwrap().token;
        let provider = TestProvider::with_ledger(Some(app.provider_ledger.clone()));
        provider.charge(&token, pending.amount, "EUR", &key, None).await.unwrap();

        // The client retries with the same key: the pending charge is completed
        // with the provider's answer to the same key, and the subscription made.
        let r = app.send(reqwest::Method::POST, "/v1/subscriptions", Some(&app.keys.sk), Some(&body),
            &[("idempotency-key", "create-1")]).await;
        let sub = id(&created(r));
        let Some(Stored::Done(done)) = charges::find_stored(app.db(), &scope, &key).await.unwrap() else {
            panic!("the charge is completed");
        };
        assert_eq!((done.id.as_str(), done.invoice_id.as_deref()), (recorded.id.as_str(), Some(invoice.as_str())));
        let first: Option<(String,)> = app.db().fetch_optional(
            "SELECT id FROM invoices WHERE subscription_id = $1", &renewly::args![&sub]).await.unwrap();
        assert_eq!(first.unwrap().0, invoice);
        let paid = ok(app.get(&format!("/v1/invoices/{invoice}")).await);
        assert_eq!((paid["status"].as_str(), paid["amount_paid"].as_str()), (Some("paid"), Some("35.09")));
        // One charge at the provider (asked twice under one key), one recorded.
        let charged = app.provider_charges();
        assert_eq!(charged.len(), 1, "{charged:?}");
        assert_eq!(charged[&key].requests, 2);
        assert_eq!(count(app, "SELECT COUNT(*) FROM charges").await, 1);
    }

    async fn an_upgrade_retried_after_its_answer_was_lost_is_charged_once(app) {
        let (basic, basic_price) = plan_of(app, "10.00", "month", 1).await;
        let (pro, pro_price) = plan_of(app, "30.00", "month", 1).await;
        let c = customer_with_card(app, "r@example.com", "NL").await;
        let sub = id(&subscribe(app, &c, &basic, &basic_price).await);
        let path = format!("/v1/subscriptions/{sub}/change");
        let body = json!({"plan": pro, "items": [{"price": pro_price, "quantity": 1}]});
        let headers = [("idempotency-key", "upgrade-1")];
        let send = || app.send(reqwest::Method::POST, &path, Some(&app.keys.sk), Some(&body), &headers);
        let first = ok(send().await);
        let invoice = first["invoice"]["id"].as_str().unwrap().to_owned();
        // The server lost its answer (as after a 5xx, or a crash after the
        // commit): the retry runs again and finds the charge and its invoice.
        idempotency::release(app.db(), &test_scope(app), "upgrade-1").await.unwrap();
        let again = ok(send().await);
        assert_eq!(again["invoice"]["id"], invoice.as_str());
        assert_eq!(app.provider_charges().len(), 2, "the first invoice and the upgrade");
        assert_eq!(count(app, "SELECT COUNT(*) FROM invoices WHERE billing_reason = 'subscription_update'").await, 1);
    }

    async fn a_portal_upgrade_retried_with_its_idempotency_key_after_a_crash_is_charged_once(app) {
        let (plan, price) = plan_of(app, "10.00", "month", 1).await;
        let c = customer_with_card(app, "v@example.com", "NL").await;
        let pm = ok(app.get(&format!("/v1/customers/{c}")).await)["default_payment_method"]
            .as_str().unwrap().to_owned();
        let sub = id(&subscribe(app, &c, &plan, &price).await);
        let session = created(app.post(&format!("/v1/customers/{c}/portal_sessions"), json!({})).await);
        let token = session["token"].as_str().unwrap();
        let path = format!("/v1/portal/{token}/subscriptions/{sub}/change");
        let two_seats = json!({"items": [{"price": price, "quantity": 2}]});
        let send = |headers: &'static [(&'static str, &'static str)]| {
            app.send(reqwest::Method::POST, &path, None, Some(&two_seats), headers)
        };
        let mut preview = two_seats.clone();
        preview["preview"] = json!(true);
        let preview = ok(app.send(reqwest::Method::POST, &path, None, Some(&preview), &[]).await);
        let amount: rust_decimal::Decimal = preview["preview"]["amount_due_now"].as_str()
            .unwrap_or_else(|| panic!("{preview}")).parse().unwrap();
        assert!(amount > rust_decimal::Decimal::ZERO, "{preview}");

        // The first attempt claimed the subscription, recorded its charge and
        // died right after the provider charged the card.
        let scope = test_scope(app);
        let parsed: renewly_types::ChangeSubscription = serde_json::from_value(two_seats.clone()).unwrap();
        let key = derived_key_of("seats-2", &path, &serde_json::to_vec(&parsed).unwrap());
        let version = subscriptions::version(app.db(), &scope, &sub).await.unwrap().unwrap();
        assert!(subscriptions::claim_change(app.db(), &scope, &sub, version, &key, "1970-01-01T00:00:00.000Z")
            .await.unwrap());
        let invoice = new_id(Kind::Invoice);
        let pending = NewCharge {
            id: new_id(Kind::Charge),
            payment_method_id: pm.clone(),
            amount,
            currency: "EUR".to_owned(),
            idempotency_key: key.clone(),
            invoice_id: Some(invoice.clone()),
            created: renewly::store::now(),
        };
        assert!(matches!(charges::begin(app.db(), &scope, &pending).await.unwrap(), Stored::Pending(_)));
        let card = payment_methods::charge_source(app.db(), &scope, &pm).await.unwrap().unwrap().token;
        TestProvider::with_ledger(Some(app.provider_ledger.clone()))
            .charge(&card, amount, "EUR", &key, None).await.unwrap();

        // The same change without the key cannot charge while the claim holds.
        send(&[]).await.assert_problem(409, "change_in_progress", None);
        // The widget retries with the key: the charge is found, not made again.
        let again = ok(send(&[("idempotency-key", "seats-2")]).await);
        assert_eq!(again["applied"], true, "{again}");
        assert_eq!(again["invoice"]["id"], invoice.as_str());
        assert_eq!(again["invoice"]["status"], "paid");
        let charged = app.provider_charges();
        assert_eq!(charged.len(), 2, "the first invoice and the upgrade: {charged:?}");
        assert_eq!(charged[&key].requests, 2, "asked twice under one key");
        assert_eq!(count(app, "SELECT COUNT(*) FROM charges").await, 2);
        // Asked once more, the change is already made: nothing more is charged.
        let third = ok(send(&[("idempotency-key", "seats-2")]).await);
        assert_eq!(app.provider_charges().len(), 2, "{third}");
    }
}
