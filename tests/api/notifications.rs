//! The billing engine's e-mails: queued with the change that causes them,
//! delivered as .eml files, with portal links that open the customer's portal.

use super::*;

async fn templates(app: &TestApp) -> Vec<String> {
    let rows: Vec<(String,)> = app
        .db()
        .fetch_all("SELECT template FROM outbox ORDER BY id", &[])
        .await
        .unwrap();
    rows.into_iter().map(|(t,)| t).collect()
}

scenarios! {
    async fn subscribing_failing_and_cancelling_send_the_right_emails_with_working_portal_links(app) {
        let ok = |r: renewly_tests::Resp| { assert!(r.status < 300, "{}", r.text); r.body };
        ok(app.post("/v1/test_clock/advance", json!({"to": "2027-01-10"})).await);
        let product = id(&ok(app.post("/v1/products", json!({"name": "Pro"})).await));
        let price = id(&ok(app.post("/v1/prices", json!({"product": product, "unit_amount": "29.00",
            "recurring": {"interval": "month"}})).await));
        let plan = id(&ok(app.post("/v1/plans", json!({"name": "Pro", "prices": [price],
            "close_reasons": [{"name": "Too expensive"}]})).await));
        let c = id(&ok(app.post("/v1/customers", json!({"email": "noor@example.com", "name": "Noor",
            "locale": "nl", "address": {"country": "NL"}})).await));
        let card = |n: &str| json!({"card": {"number": n, "exp_month": 12, "exp_year": 2034, "cvc": "123"}, "default": true});
        ok(app.post(&format!("/v1/customers/{c}/payment_methods"), card("4242424242424242")).await);
        let sub = id(&ok(app.post("/v1/subscriptions", json!({"customer": c, "plan": plan,
            "items": [{"price": price}]})).await));
        // A receipt for the first invoice and the welcome.
        assert_eq!(templates(app).await, vec!["invoice", "subscription_confirmation"]);
        // The card starts failing: the renewal on Feb 10 fails, a retry on Feb 11 too.
        ok(app.post(&format!("/v1/customers/{c}/payment_methods"), card("4000000000000341")).await);
        ok(app.post("/v1/test_clock/advance", json!({"to": "2027-02-11"})).await);
        let t = templates(app).await;
        assert_eq!(&t[2..], ["payment_failed", "dunning_reminder"]);
        ok(app.post(&format!("/v1/subscriptions/{sub}/close"), json!({"reason": "Too expensive", "when": "period_end"})).await);
        assert_eq!(templates(app).await.last().unwrap(), "cancellation_confirmation");
        // Nothing is sent for a change that does not happen.
        let before = templates(app).await.len();
        app.post(&format!("/v1/subscriptions/{sub}/close"), json!({"reason": "x", "when": "now"})).await;
        app.post("/v1/subscriptions", json!({"customer": c, "plan": plan, "items": [{"price": price}]})).await;
        assert_eq!(templates(app).await.len(), before + 1, "only the second close was real");

        // Delivery writes .eml files; the portal link in the welcome opens the portal.
        let dir = std::env::temp_dir().join(format!("renewly-mail-{}", ulid::Ulid::generate()));
        let mut config = renewly::config::Config::for_database(&app.database_url);
        config.outbox_dir = dir.clone();
        config.base_url = Some(app.url.clone());
        let sent = renewly::mail::deliver_due(app.db(), &config).await.unwrap();
        assert_eq!(sent, before + 1);
        let mut welcome = None;
        for entry in std::fs::read_dir(&dir).unwrap() {
            // Undo quoted-printable soft line breaks.
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap().replace("=\r\n", "");
            assert!(!text.contains(renewly::mail::PORTAL_LINK), "every placeholder was replaced");
            if text.contains("/portal/") && welcome.is_none() {
                welcome = Some(text);
            }
        }
        let welcome = welcome.expect("a message with a portal link");
        let start = welcome.find("/portal/").unwrap() + "/portal/".len();
        let token: String = welcome[start..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
        assert_eq!(token.len(), 64);
        let portal = app.send(reqwest::Method::GET, &format!("/v1/portal/{token}"), None, None, &[]).await;
        assert_eq!(portal.status, 200, "{}", portal.text);
        assert_eq!(portal.body["customer"]["email"], "noor@example.com");
        let _ = std::fs::remove_dir_all(dir);
    }
}
