//! Portal sessions and the e-mails that carry their links: a magic link proves an
//! address once and opens every record with it; links are made when a message
//! is delivered, never stored in the outbox; a new address counts only once it
//! is confirmed; per-address limits; test-mode mail and SMTP; hosted-page
//! framing and rejections.

use std::path::PathBuf;

use renewly_tests::Resp;
use serde_json::Value;

use super::documents::SmtpCatcher;
use super::*;

/// An anonymous checkout of `plan` for `email`; returns its answer.
async fn checkout(app: &TestApp, plan: &str, price: &str, email: &str) -> Resp {
    let body = json!({"plan": plan, "price": price, "quantity": 1,
        "customer": {"email": email, "name": "Sam", "address": {"country": "NL"}},
        "signature": {"name": "Sam Shopper"}, "payment_method": {"card": card(CARD_OK)}});
    app.post_as(&app.keys.pk, "/v1/public/checkout", body).await
}

async fn pget(app: &TestApp, token: &str, rest: &str) -> Resp {
    let path = format!("/v1/portal/{token}{rest}");
    app.send(reqwest::Method::GET, &path, None, None, &[]).await
}

async fn ppost(app: &TestApp, token: &str, rest: &str, body: Value) -> Resp {
    let path = format!("/v1/portal/{token}{rest}");
    app.send(reqwest::Method::POST, &path, None, Some(&body), &[])
        .await
}

/// A hosted page (HTML), without a key.
pub(super) async fn page(app: &TestApp, path: &str) -> Resp {
    app.send(reqwest::Method::GET, path, None, None, &[]).await
}

/// Presses the one button of a hosted page (a same-origin form post); the
/// client follows the redirect that may answer it.
pub(super) async fn press(app: &TestApp, path: &str) -> Resp {
    app.send(
        reqwest::Method::POST,
        path,
        None,
        None,
        &[("sec-fetch-site", "same-origin")],
    )
    .await
}

/// (to, template, text body, html body) of the first merchant's messages.
async fn outbox(app: &TestApp) -> Vec<(String, String, String, String)> {
    app.db()
        .fetch_all(
            "SELECT to_email, template, text_body, html_body FROM outbox WHERE merchant_id = $1 \
             ORDER BY id",
            &renewly::args![&app.keys.merchant],
        )
        .await
        .unwrap()
}

fn out_dir() -> PathBuf {
    std::env::temp_dir().join(format!(
        "renewly-portal-mail-{}",
        ulid::Ulid::generate().to_string().to_ascii_lowercase()
    ))
}

/// Delivers what is due as `.eml` files (SMTP when `smtp` is given) and returns
/// each file's text (quoted-printable soft breaks undone).
pub(super) async fn deliver(app: &TestApp, smtp: Option<String>) -> Vec<String> {
    let dir = out_dir();
    let mut config = renewly::config::Config::for_database(&app.database_url);
    config.outbox_dir = dir.clone();
    config.base_url = Some(app.url.clone());
    config.smtp_url = smtp.map(renewly::config::Secret::new);
    renewly::mail::deliver_due(app.db(), &config).await.unwrap();
    let mut texts = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            texts.push(text.replace("=\r\n", "").replace("=3D", "="));
        }
    }
    let _ = std::fs::remove_dir_all(dir);
    texts
}

/// The 64-hex token after `marker` in `text`.
pub(super) fn token_after(text: &str, marker: &str) -> String {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {text}"))
        + marker.len();
    let token: String = text[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 64, "{text}");
    token
}

/// Asks for a magic link for `email`, delivers it, and returns the link's token.
pub(super) async fn magic_link_token(app: &TestApp, email: &str) -> String {
    let r = app
        .post_as(
            &app.keys.pk,
            "/v1/public/portal/link",
            json!({"email": email}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let mails = deliver(app, None).await;
    let mail = mails
        .iter()
        .find(|m| m.contains("Subject: Your sign-in link"))
        .expect("a magic-link e-mail");
    token_after(mail, "/portal/")
}

/// Opens a magic link on the hosted page, presses its button and returns the
/// session token the page it leads to hands the widget.
pub(super) async fn exchange(app: &TestApp, link: &str) -> String {
    let landing = page(app, &format!("/portal/{link}")).await;
    assert_eq!(landing.status, 200, "{}", landing.text);
    assert!(
        landing.text.contains("<form method=\"post\">"),
        "{}",
        landing.text
    );
    assert!(
        !landing.text.contains("renewly-portal"),
        "following the link opens nothing yet"
    );
    let r = press(app, &format!("/portal/{link}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let session = token_after(&r.text, "token=\"");
    assert_ne!(session, link, "the page gives a session of its own");
    session
}

fn ids(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

scenarios! {
    async fn a_magic_link_opens_every_record_with_its_address_and_nothing_else(app) {
        let (plan, price) = plan_of(app, "30.00", "month", 1).await;
        let first = created(checkout(app, &plan, &price, "sam@example.com").await);
        let second = created(checkout(app, &plan, &price, "Sam@Example.com").await);
        let other = created(checkout(app, &plan, &price, "other@example.com").await);
        let (sub1, sub2, sub3) = (
            first["subscription"]["id"].as_str().unwrap().to_owned(),
            second["subscription"]["id"].as_str().unwrap().to_owned(),
            other["subscription"]["id"].as_str().unwrap().to_owned(),
        );
        assert_ne!(first["subscription"]["customer"], second["subscription"]["customer"]);

        // The link a checkout answers still opens only its own record.
        let own = token_after(second["portal_url"].as_str().unwrap(), "/portal/");
        let o = ok(pget(app, &own, "").await);
        assert_eq!(ids(&o["subscriptions"]), vec![sub2.clone()]);

        let cus1 = first["subscription"]["customer"].as_str().unwrap();
        let made = created(app.post(&format!("/v1/customers/{cus1}/portal_sessions"), json!({})).await);
        let o = ok(pget(app, made["token"].as_str().unwrap(), "").await);
        assert_eq!(ids(&o["subscriptions"]), vec![sub1.clone()], "a merchant's link opens one record");

        let link = magic_link_token(app, "SAM@example.com").await;
        // The link itself opens nothing in the API: it is exchanged on the page.
        pget(app, &link, "").await.assert_problem(401, "invalid_portal_token", None);
        let session = exchange(app, &link).await;

        let o = ok(pget(app, &session, "").await);
        assert_eq!(ids(&o["subscriptions"]), sorted(vec![sub1.clone(), sub2.clone()]));
        let invoices = ok(pget(app, &session, "/invoices").await);
        assert_eq!(invoices["data"].as_array().unwrap().len(), 2);
        let customers: Vec<&str> = invoices["data"].as_array().unwrap().iter()
            .map(|i| i["customer"].as_str().unwrap()).collect();
        assert!(customers.contains(&first["subscription"]["customer"].as_str().unwrap()));
        assert!(customers.contains(&second["subscription"]["customer"].as_str().unwrap()));
        assert_eq!(ok(pget(app, &session, "/orders").await)["data"].as_array().unwrap().len(), 2);
        let cards = ok(pget(app, &session, "/payment_methods").await);
        assert_eq!(cards["data"].as_array().unwrap().len(), 2);
        // Paging runs over all records: one per page, newest first, then the other.
        let page1 = ok(pget(app, &session, "/invoices?limit=1").await);
        assert_eq!(page1["has_more"], true);
        let after = page1["data"][0]["id"].as_str().unwrap();
        let page2 = ok(pget(app, &session, &format!("/invoices?limit=1&starting_after={after}")).await);
        assert_eq!(page2["data"].as_array().unwrap().len(), 1);
        assert_eq!(page2["has_more"], false);

        // Actions work on either record's subscription and card …
        assert_eq!(ok(pget(app, &session, &format!("/subscriptions/{sub1}")).await)["id"], sub1.as_str());
        assert_eq!(ok(pget(app, &session, &format!("/subscriptions/{sub2}")).await)["id"], sub2.as_str());
        let card_of_first = cards["data"].as_array().unwrap().iter()
            .find(|c| c["customer"] == first["subscription"]["customer"]).unwrap()["id"]
            .as_str().unwrap().to_owned();
        ok(ppost(app, &session, &format!("/payment_methods/{card_of_first}/default"), json!({})).await);
        // … and never on a record with another address.
        pget(app, &session, &format!("/subscriptions/{sub3}")).await
            .assert_problem(404, "resource_missing", None);
        ppost(app, &session, &format!("/subscriptions/{sub3}/cancel"), json!({"reason": "x"})).await
            .assert_problem(404, "resource_missing", None);
        ppost(app, &session, &format!("/subscriptions/{sub3}/pause"), json!({})).await
            .assert_problem(404, "resource_missing", None);
        let foreign = ok(app.get(&format!("/v1/invoices?subscription={sub3}")).await)["data"][0]["id"]
            .as_str().unwrap().to_owned();
        ppost(app, &session, &format!("/invoices/{foreign}/pay"), json!({})).await
            .assert_problem(404, "resource_missing", None);
        let foreign_card = ok(app.get(&format!("/v1/customers/{}/payment_methods",
            other["subscription"]["customer"].as_str().unwrap())).await)["data"][0]["id"]
            .as_str().unwrap().to_owned();
        ppost(app, &session, &format!("/payment_methods/{foreign_card}/default"), json!({})).await
            .assert_problem(404, "resource_missing", None);
    }

    async fn a_magic_link_works_once_and_no_usable_link_is_kept_in_the_outbox(app) {
        let c = customer_with_card(app, "mia@example.com", "NL").await;
        let r = app.post_as(&app.keys.pk, "/v1/public/portal/link", json!({"email": "mia@example.com"})).await;
        assert_eq!(r.status, 202);
        // The outbox row holds a placeholder, not a link.
        let rows = outbox(app).await;
        let (to, _, text, html) = rows.iter().find(|r| r.1 == "magic_link").unwrap();
        assert_eq!(to, "mia@example.com");
        for body in [text, html] {
            assert!(!body.contains(&format!("{}/portal/", app.url)), "{body}");
            assert!(body.contains(renewly::mail::MAGIC_LINK) || body.contains("renewly.invalid"), "{body}");
        }
        // The delivered message (the .eml folder is a delivery target) holds the live link.
        let mails = deliver(app, None).await;
        assert_eq!(mails.len(), 1);
        assert!(!mails[0].contains("renewly.invalid"), "{}", mails[0]);
        let link = token_after(&mails[0], "/portal/");
        let rows = outbox(app).await;
        assert!(rows.iter().all(|r| !r.2.contains(&link) && !r.3.contains(&link)));

        // Following the link (as a mail scanner does) uses nothing up, and a
        // button pressed on another site is refused.
        for _ in 0..2 {
            assert_eq!(page(app, &format!("/portal/{link}")).await.status, 200);
        }
        let foreign = app.send(reqwest::Method::POST, &format!("/portal/{link}"), None, None,
            &[("sec-fetch-site", "cross-site")]).await;
        assert_eq!(foreign.status, 403, "{}", foreign.text);
        assert!(!foreign.text.contains("renewly-portal"));
        let session = exchange(app, &link).await;
        assert_eq!(ok(pget(app, &session, "").await)["customer"]["id"], c);
        // The page the button led to works again on reload.
        let reload = page(app, &format!("/portal/{session}")).await;
        assert_eq!(reload.status, 200);
        assert!(reload.text.contains(&format!("token=\"{session}\"")), "{}", reload.text);
        // A second use is an expired link: a clear page, and the API refuses it.
        assert_eq!(press(app, &format!("/portal/{link}")).await.status, 410);
        let again = page(app, &format!("/portal/{link}")).await;
        assert_eq!(again.status, 410, "{}", again.text);
        assert!(again.text.contains("This link has expired"), "{}", again.text);
        assert!(!again.text.contains("renewly-portal"), "no widget on a spent link");
        assert_eq!(again.header("cache-control"), Some("no-store"));
        pget(app, &link, "").await.assert_problem(401, "invalid_portal_token", None);
        // The session the first use gave keeps working.
        assert_eq!(pget(app, &session, "").await.status, 200);
    }

    async fn a_new_email_address_applies_only_once_confirmed_from_that_address(app) {
        let c = customer_with_card(app, "old@example.com", "NL").await;
        let s = created(app.post(&format!("/v1/customers/{c}/portal_sessions"), json!({})).await);
        let token = s["token"].as_str().unwrap().to_owned();
        let patch = |body: Value| {
            let token = token.clone();
            async move {
                app.send(reqwest::Method::PATCH, &format!("/v1/portal/{token}/customer"), None, Some(&body), &[]).await
            }
        };
        let me = ok(patch(json!({"email": "new@example.com", "name": "Olga"})).await);
        assert_eq!(me["email"], "old@example.com", "not yet");
        assert_eq!(me["pending_email"], "new@example.com");
        assert_eq!(me["name"], "Olga", "other details change at once");
        assert_eq!(ok(app.get(&format!("/v1/customers/{c}")).await)["email"], "old@example.com");

        // The confirmation goes to the new address, without a link in the outbox.
        let rows = outbox(app).await;
        let (to, _, text, _) = rows.iter().find(|r| r.1 == "email_confirmation").unwrap();
        assert_eq!(to, "new@example.com");
        assert!(!text.contains("/portal/email/"), "{text}");
        let mails = deliver(app, None).await;
        let mail = mails.iter().find(|m| m.contains("To: new@example.com")).expect("sent to the new address");
        let confirm = token_after(mail, "/portal/email/");

        // Following the link changes nothing: its page asks to press a button.
        let landing = page(app, &format!("/portal/email/{confirm}")).await;
        assert_eq!(landing.status, 200, "{}", landing.text);
        assert!(landing.text.contains("new@example.com") && landing.text.contains("<form"), "{}", landing.text);
        assert_eq!(ok(app.get(&format!("/v1/customers/{c}")).await)["email"], "old@example.com");
        let done = press(app, &format!("/portal/email/{confirm}")).await;
        assert_eq!(done.status, 200, "{}", done.text);
        assert!(done.text.contains("new@example.com"), "{}", done.text);
        assert_eq!(ok(app.get(&format!("/v1/customers/{c}")).await)["email"], "new@example.com");
        let me = ok(pget(app, &token, "/customer").await);
        assert_eq!((&me["email"], &me["pending_email"]), (&json!("new@example.com"), &Value::Null));
        // The link works once.
        assert_eq!(page(app, &format!("/portal/email/{confirm}")).await.status, 410);
        assert_eq!(press(app, &format!("/portal/email/{confirm}")).await.status, 410);
        assert_eq!(page(app, "/portal/email/not-a-token").await.status, 410);

        // An unconfirmed change leaves the address alone.
        ok(patch(json!({"email": "third@example.com"})).await);
        assert_eq!(ok(app.get(&format!("/v1/customers/{c}")).await)["email"], "new@example.com");
        // Writing the same address again is no change at all.
        let same = ok(patch(json!({"email": "NEW@example.com"})).await);
        assert_eq!(same["email"], "new@example.com");
    }

    async fn a_magic_link_session_changes_the_address_of_every_record_it_covers(app) {
        let a = customer_with_card(app, "twice@example.com", "NL").await;
        let b = customer_with_card(app, "twice@example.com", "NL").await;
        let stranger = customer_with_card(app, "stranger@example.com", "NL").await;
        let session = exchange(app, &magic_link_token(app, "twice@example.com").await).await;
        let r = app.send(reqwest::Method::PATCH, &format!("/v1/portal/{session}/customer"), None,
            Some(&json!({"email": "moved@example.com"})), &[]).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let mails = deliver(app, None).await;
        let mail = mails.iter().find(|m| m.contains("To: moved@example.com")).unwrap();
        assert_eq!(press(app, &format!("/portal/email/{}", token_after(mail, "/portal/email/"))).await.status, 200);
        for c in [&a, &b] {
            assert_eq!(ok(app.get(&format!("/v1/customers/{c}")).await)["email"], "moved@example.com");
        }
        assert_eq!(ok(app.get(&format!("/v1/customers/{stranger}")).await)["email"], "stranger@example.com");
        // The session still covers both records under their new address.
        let cards = ok(pget(app, &session, "/payment_methods").await);
        assert_eq!(cards["data"].as_array().unwrap().len(), 2);
    }

    async fn test_mode_email_goes_to_smtp_only_for_the_recipients_the_merchant_lists(app) {
        let listed = ok(app.patch("/v1/merchant", json!({"test_email_recipients": ["Dev@Example.test"]})).await);
        assert_eq!(listed["test_email_recipients"], json!(["Dev@example.test"]));
        app.patch("/v1/merchant", json!({"test_email_recipients": ["nope"]})).await
            .assert_problem(422, "invalid_field", Some("test_email_recipients.0"));
        if let Some(live) = app.keys.live_sk.clone() {
            app.patch_as(&live, "/v1/merchant", json!({"test_email_recipients": ["a@example.test"]})).await
                .assert_problem(422, "invalid_field", Some("test_email_recipients"));
            assert_eq!(ok(app.get_as(&live, "/v1/merchant").await)["test_email_recipients"], json!([]));
        }
        customer_with_card(app, "dev@example.test", "NL").await;
        customer_with_card(app, "shopper@example.test", "NL").await;
        for email in ["dev@example.test", "shopper@example.test"] {
            let r = app.post_as(&app.keys.pk, "/v1/public/portal/link", json!({"email": email})).await;
            assert_eq!(r.status, 202);
        }
        let Some(catcher) = SmtpCatcher::start() else { return };
        let files = deliver(app, Some(format!("smtp://127.0.0.1:{}", catcher.port))).await;
        // The unlisted shopper's message went to the outbox folder, not to SMTP.
        assert_eq!(files.len(), 1, "{files:?}");
        assert!(files[0].contains("To: shopper@example.test"), "{}", files[0]);
        let mut received = String::new();
        for _ in 0..50 {
            received = catcher.received();
            if received.contains("dev@example.test") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(received.contains("dev@example.test"), "{received}");
        assert!(!received.contains("shopper@example.test"), "{received}");
        let sent: Vec<(String,)> = app.db()
            .fetch_all("SELECT status FROM outbox WHERE merchant_id = $1", &renewly::args![&app.keys.merchant])
            .await.unwrap();
        assert!(sent.iter().all(|(s,)| s == "sent"), "{sent:?}");
    }

    async fn hosted_pages_may_be_framed_only_by_the_merchants_allowed_origins(app) {
        let c = customer_with_card(app, "frame@example.com", "NL").await;
        let s = created(app.post(&format!("/v1/customers/{c}/portal_sessions"), json!({})).await);
        let portal = format!("/portal/{}", s["token"].as_str().unwrap());
        let (plan, _) = plan_of(app, "5.00", "month", 1).await;
        let checkout = format!("/checkout/{plan}?key={}", app.keys.pk);
        for path in [&portal, &checkout] {
            let r = page(app, path).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let csp = r.header("content-security-policy").unwrap();
            assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
            assert_eq!(r.header("x-frame-options"), Some("DENY"));
        }
        ok(app.patch("/v1/merchant", json!({"allowed_origins": ["https://shop.example.com", "http://localhost:8080"]})).await);
        for path in [&portal, &checkout] {
            let r = page(app, path).await;
            let csp = r.header("content-security-policy").unwrap();
            assert!(csp.ends_with("frame-ancestors https://shop.example.com http://localhost:8080"), "{csp}");
            assert!(csp.contains("default-src 'none'"), "{csp}");
            assert_eq!(r.header("x-frame-options"), None);
        }
        // Another merchant's origins never frame this merchant's pages.
        let beta = app.new_merchant("Beta", "NL", "EUR").await;
        let beta_checkout = format!("/checkout/{plan}?key={}", beta.pk);
        let r = page(app, &beta_checkout).await;
        assert!(r.header("content-security-policy").unwrap().ends_with("frame-ancestors 'none'"));
        // An unknown token's page is not framable either.
        let r = page(app, &format!("/portal/{}", "ab".repeat(32))).await;
        assert!(r.header("content-security-policy").unwrap().ends_with("frame-ancestors 'none'"));
    }

    async fn hosted_page_rejections_answer_problem_json(app) {
        let c = customer_with_card(app, "reject@example.com", "NL").await;
        let s = created(app.post(&format!("/v1/customers/{c}/portal_sessions"), json!({})).await);
        let token = s["token"].as_str().unwrap();
        let (plan, _) = plan_of(app, "5.00", "month", 1).await;
        for (path, field) in [
            (format!("/portal/{token}?locale=en&locale=nl"), "locale"),
            (format!("/checkout/{plan}?key={}&price=a&price=b", app.keys.pk), "price"),
            ("/portal/email/x?locale=a&locale=b".to_owned(), "locale"),
        ] {
            let r = page(app, &path).await;
            assert_eq!(r.status, 422, "{}", r.text);
            assert_eq!(r.header("content-type"), Some("application/problem+json"), "{}", r.text);
            assert_eq!(r.body["code"], "invalid_field");
            assert_eq!(r.body["param"], field, "{}", r.text);
            assert!(r.body["detail"].as_str().unwrap().contains("more than once"), "{}", r.text);
        }
        let r = app.send(reqwest::Method::PUT, &format!("/portal/{token}"), None, None, &[]).await;
        assert_eq!(r.header("content-type"), Some("application/problem+json"), "{}", r.text);
        assert_eq!(r.status, 405);
    }
}

/// Scenarios with the per-address limits on (scenarios run without limits).
mod limits {
    use super::*;
    use renewly_tests::Backend;

    async fn limited(backend: Backend) -> TestApp {
        TestApp::start_with(backend, |config| {
            let hour = std::time::Duration::from_secs(3600);
            config.rate_limits.checkout_email = renewly::config::Limit::Every {
                count: 10,
                period: hour,
            };
            config.rate_limits.email_change = renewly::config::Limit::Every {
                count: 3,
                period: hour,
            };
        })
        .await
    }

    async fn checkouts(app: &TestApp) {
        let (plan, price) = plan_of(app, "9.00", "month", 1).await;
        for n in 0..10 {
            let r = checkout(app, &plan, &price, "busy@example.com").await;
            assert_eq!(r.status, 201, "checkout {n}: {}", r.text);
        }
        let r = checkout(app, &plan, &price, "BUSY@example.com").await;
        r.assert_problem(429, "rate_limited", None);
        assert!(r.header("retry-after").is_some());
        // An address nobody uses is limited alike (the answer reveals nothing) …
        for _ in 0..10 {
            checkout(app, &plan, &price, "fresh@example.com").await;
        }
        checkout(app, &plan, &price, "fresh@example.com")
            .await
            .assert_problem(429, "rate_limited", None);
        // … and other addresses are not held up.
        assert_eq!(
            checkout(app, &plan, &price, "calm@example.com")
                .await
                .status,
            201
        );
    }

    async fn email_changes(app: &TestApp) {
        let c = customer_with_card(app, "first@example.com", "NL").await;
        let s = created(
            app.post(&format!("/v1/customers/{c}/portal_sessions"), json!({}))
                .await,
        );
        let token = s["token"].as_str().unwrap().to_owned();
        let patch = |email: &'static str| {
            let token = token.clone();
            async move {
                app.send(
                    reqwest::Method::PATCH,
                    &format!("/v1/portal/{token}/customer"),
                    None,
                    Some(&json!({"email": email})),
                    &[],
                )
                .await
            }
        };
        for email in ["a@example.com", "b@example.com", "c@example.com"] {
            assert_eq!(patch(email).await.status, 200);
        }
        let r = patch("d@example.com").await;
        r.assert_problem(429, "rate_limited", None);
        assert!(r.header("retry-after").is_some());
        assert_eq!(
            ok(app.get(&format!("/v1/customers/{c}")).await)["email"],
            "first@example.com"
        );
        // An address that was asked for 3 times is limited for another customer too,
        // whether or not it belongs to anyone.
        let other = customer_with_card(app, "second@example.com", "NL").await;
        let s = created(
            app.post(&format!("/v1/customers/{other}/portal_sessions"), json!({}))
                .await,
        );
        let t2 = s["token"].as_str().unwrap();
        for email in ["x@example.com", "x@example.com", "x@example.com"] {
            let r = app
                .send(
                    reqwest::Method::PATCH,
                    &format!("/v1/portal/{t2}/customer"),
                    None,
                    Some(&json!({"email": email})),
                    &[],
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
        }
        let t3_customer = customer_with_card(app, "third@example.com", "NL").await;
        let s = created(
            app.post(
                &format!("/v1/customers/{t3_customer}/portal_sessions"),
                json!({}),
            )
            .await,
        );
        let t3 = s["token"].as_str().unwrap();
        app.send(
            reqwest::Method::PATCH,
            &format!("/v1/portal/{t3}/customer"),
            None,
            Some(&json!({"email": "x@example.com"})),
            &[],
        )
        .await
        .assert_problem(429, "rate_limited", None);
    }

    async fn both(app: TestApp) {
        checkouts(&app).await;
        email_changes(&app).await;
        app.finish().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn anonymous_checkouts_and_email_changes_are_limited_per_address_sqlite() {
        both(limited(Backend::Sqlite).await).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn anonymous_checkouts_and_email_changes_are_limited_per_address_postgres() {
        both(limited(Backend::Postgres).await).await;
    }
}
