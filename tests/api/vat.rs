//! VAT numbers are verified before the reverse charge: live mode asks VIES (here
//! a stand-in on 127.0.0.1, see [`StandIn`]) and keeps the answer 30 days; a
//! number VIES rejects or cannot check is charged VAT with a note saying why,
//! and an outage never blocks a checkout. Test mode never asks VIES and has
//! magic numbers. A malformed number is a 422 naming the field.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use renewly::config::Config;
use serde_json::Value;

use super::*;

/// Numbers the stand-in says are registered.
const REGISTERED: &[&str] = &["DE136308783"];
/// A well-formed German number that is not registered.
const UNREGISTERED: &str = "DE118619592";

/// A stand-in for the European Commission's VIES REST service
/// (`check-vat-number`), listening on 127.0.0.1: it knows [`REGISTERED`],
/// counts the calls, keeps the last request and can be taken down (it then
/// answers 503 as VIES does when a member state is offline).
pub struct StandIn {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    calls: AtomicUsize,
    down: AtomicBool,
    last: std::sync::Mutex<Value>,
}

async fn check_vat_number(
    State(s): State<Arc<Shared>>,
    axum::Json(req): axum::Json<Value>,
) -> Response {
    let n = s.calls.fetch_add(1, Ordering::SeqCst) + 1;
    *s.last.lock().unwrap() = req.clone();
    if s.down.load(Ordering::SeqCst) {
        let body = json!({"actionSucceed": false,
            "errorWrappers": [{"error": "MS_UNAVAILABLE", "message": "The member state is unavailable"}]});
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
    }
    let cc = req["countryCode"].as_str().unwrap_or_default();
    let number = req["vatNumber"].as_str().unwrap_or_default();
    let valid = REGISTERED.contains(&format!("{cc}{number}").as_str());
    axum::Json(json!({
        "countryCode": cc, "vatNumber": number, "requestDate": "2026-12-05T10:00:00.000Z",
        "valid": valid, "requestIdentifier": format!("WAPIAAAAZ{n:05}"),
        "name": if valid { "ACME GMBH" } else { "---" }, "address": "---",
    }))
    .into_response()
}

impl StandIn {
    /// Starts the stand-in on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let app = axum::Router::new()
            .route("/check-vat-number", axum::routing::post(check_vat_number))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, shared }
    }

    /// Points the server's `RENEWLY_VIES_URL` at the stand-in.
    pub fn configure(&self, config: &mut Config) {
        config.vies_url = format!("http://{}/check-vat-number", self.addr);
    }

    fn calls(&self) -> usize {
        self.shared.calls.load(Ordering::SeqCst)
    }

    fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
    }

    fn last(&self) -> Value {
        self.shared.last.lock().unwrap().clone()
    }
}

/// A live product, monthly price and published send-invoice plan (live mode
/// takes no card details); returns (plan, price).
async fn live_plan(app: &TestApp, sk: &str) -> (String, String) {
    let product = id(&created(
        app.post_as(
            sk,
            "/v1/products",
            json!({"name": "Pro", "kind": "recurring"}),
        )
        .await,
    ));
    let price = id(&created(
        app.post_as(
            sk,
            "/v1/prices",
            json!({"product": product, "unit_amount": "10.00",
            "currency": "EUR", "recurring": {"interval": "month", "interval_count": 1}}),
        )
        .await,
    ));
    let plan = id(&created(
        app.post_as(
            sk,
            "/v1/plans",
            json!({"name": "Pro", "prices": [price],
            "published": true, "payment_mode": "send_invoice", "invoice_due_days": 30}),
        )
        .await,
    ));
    (plan, price)
}

/// A German business customer with `vat`, made with `key`.
async fn german_business(app: &TestApp, key: &str, vat: &str) -> Value {
    created(
        app.post_as(key, "/v1/customers", json!({"email": "buyer@example.de", "company": "Acme GmbH",
            "vat_number": vat, "address": {"line1": "Unter den Linden 1", "city": "Berlin", "country": "DE"}}))
            .await,
    )
}

/// The first invoice of a new subscription of `customer` to `plan`.
async fn first_invoice(app: &TestApp, key: &str, customer: &str, plan: &str, price: &str) -> Value {
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
    list["data"][0].clone()
}

fn live_keys(app: &TestApp) -> (String, String) {
    (
        app.keys.live_sk.clone().unwrap(),
        app.keys.live_pk.clone().unwrap(),
    )
}

fn preview_body(plan: &str, price: &str, vat: &str) -> Value {
    json!({"plan": plan, "price": price, "quantity": 1,
        "customer": {"email": "shopper@example.de", "vat_number": vat, "address": {"country": "DE"}}})
}

scenarios_with! { StandIn::start => StandIn, StandIn::configure;
    async fn a_number_vies_verifies_is_reverse_charged_and_shows_its_consultation_number(app, vies) {
        let (sk, _) = live_keys(app);
        ok(app.patch_as(&sk, "/v1/merchant", json!({"vat_number": "NL004495445B01"})).await);
        let c = german_business(app, &sk, "de 136 308 783").await;
        assert_eq!(c["vat_number"], "DE136308783");
        assert_eq!(c["vat_verification"]["status"], "verified", "{c}");
        assert_eq!(c["vat_verification"]["consultation_number"], "WAPIAAAAZ00001");
        assert!(c["vat_verification"]["checked_at"].is_string());
        // The merchant's own number is the requester, so VIES gives a consultation number.
        assert_eq!(vies.last(), json!({"countryCode": "DE", "vatNumber": "136308783",
            "requesterMemberStateCode": "NL", "requesterNumber": "004495445B01"}));
        let shown = ok(app.get_as(&sk, &format!("/v1/customers/{}", id(&c))).await);
        assert_eq!(shown["vat_verification"], c["vat_verification"]);

        let (plan, price) = live_plan(app, &sk).await;
        let inv = first_invoice(app, &sk, &id(&c), &plan, &price).await;
        assert_eq!(inv["reverse_charge"], true, "{inv}");
        assert_eq!(inv["tax"], "0.00");
        assert!(inv["tax_note"].as_str().unwrap().starts_with("Reverse charge"), "{inv}");
        assert_eq!(vies.calls(), 1, "the invoice used the kept answer");
    }

    async fn a_number_vies_does_not_know_is_charged_vat_with_a_note(app, vies) {
        let (sk, _) = live_keys(app);
        let c = german_business(app, &sk, UNREGISTERED).await;
        assert_eq!(c["vat_verification"]["status"], "invalid", "{c}");
        let (plan, price) = live_plan(app, &sk).await;
        let inv = first_invoice(app, &sk, &id(&c), &plan, &price).await;
        assert_eq!(inv["reverse_charge"], false, "{inv}");
        assert_eq!(inv["tax"], "1.90", "German VAT: {inv}");
        assert_eq!(inv["tax_note"], format!("VAT charged: the customer's VAT number {UNREGISTERED} \
            is not registered in VIES, so the reverse charge does not apply."));
        assert_eq!(vies.calls(), 1);
    }

    async fn an_outage_charges_vat_never_blocks_a_checkout_and_the_number_is_verified_once_vies_is_back(app, vies) {
        let (sk, pk) = live_keys(app);
        let (plan, price) = live_plan(app, &sk).await;
        vies.set_down(true);
        let c = german_business(app, &sk, "DE136308783").await;
        assert_eq!(c["vat_verification"]["status"], "unverified", "{c}");
        assert_eq!(c["vat_verification"]["consultation_number"], Value::Null);
        let preview = ok(app.post_as(&pk, "/v1/public/checkout/preview",
            preview_body(&plan, &price, "DE136308783")).await);
        assert_eq!(preview["reverse_charge"], false, "{preview}");
        assert_eq!(preview["tax"], "1.90");
        assert_eq!(preview["tax_note"], "VAT charged: the customer's VAT number DE136308783 \
            could not be verified with VIES.");
        let inv = first_invoice(app, &sk, &id(&c), &plan, &price).await;
        assert_eq!((inv["reverse_charge"].clone(), inv["tax"].clone()), (json!(false), json!("1.90")));
        assert!(inv["tax_note"].as_str().unwrap().contains("could not be verified"), "{inv}");

        vies.set_down(false);
        let again = ok(app.patch_as(&sk, &format!("/v1/customers/{}", id(&c)),
            json!({"vat_number": "DE136308783"})).await);
        assert_eq!(again["vat_verification"]["status"], "verified", "{again}");
        let inv = first_invoice(app, &sk, &id(&c), &plan, &price).await;
        assert_eq!((inv["reverse_charge"].clone(), inv["tax"].clone()), (json!(true), json!("0.00")));
        let preview = ok(app.post_as(&pk, "/v1/public/checkout/preview",
            preview_body(&plan, &price, "DE136308783")).await);
        assert_eq!(preview["reverse_charge"], true, "{preview}");
    }

    async fn a_number_checked_within_thirty_days_is_not_asked_again(app, vies) {
        let (sk, pk) = live_keys(app);
        let (plan, price) = live_plan(app, &sk).await;
        let first = german_business(app, &sk, "DE136308783").await;
        assert_eq!(vies.calls(), 1);
        let second = german_business(app, &sk, "DE 136.308.783").await;
        assert_eq!(second["vat_verification"], first["vat_verification"]);
        ok(app.post_as(&pk, "/v1/public/checkout/preview", preview_body(&plan, &price, "DE136308783")).await);
        first_invoice(app, &sk, &id(&second), &plan, &price).await;
        assert_eq!(vies.calls(), 1, "one VIES call for the number within 30 days");

        // 31 days later the kept answer has expired: saving the number asks again.
        let expired = (chrono::Utc::now() - chrono::Duration::days(31))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        renewly::with_db!(app.db(), pool => sqlx::query("UPDATE vat_verifications SET checked_at = $1")
            .bind(&expired).execute(pool).await.unwrap().rows_affected());
        let c = ok(app.patch_as(&sk, &format!("/v1/customers/{}", id(&first)),
            json!({"vat_number": "DE136308783"})).await);
        assert_eq!(vies.calls(), 2);
        assert_eq!(c["vat_verification"]["consultation_number"], "WAPIAAAAZ00002");
    }

    async fn before_a_billing_pass_an_expired_answer_is_asked_again_and_renewals_use_it(app, vies) {
        let (sk, _) = live_keys(app);
        let kept = german_business(app, &sk, "DE136308783").await;
        let gone = german_business(app, &sk, UNREGISTERED).await;
        ok(app.patch_as(&sk, &format!("/v1/customers/{}", id(&gone)), json!({"vat_number": null})).await);
        assert_eq!(vies.calls(), 2);
        let mut config = Config::for_database(&app.database_url);
        vies.configure(&mut config);
        let client = renewly::vies::Vies::new(&config);
        let now = chrono::Utc::now();
        assert_eq!(renewly::vies::refresh_stale(app.db(), &client, now).await.unwrap(), 0, "all fresh");

        // 31 days on: the answer still in use is asked again, the unused one is not.
        let later = now + chrono::Duration::days(31);
        assert_eq!(renewly::vies::refresh_stale(app.db(), &client, later).await.unwrap(), 1);
        assert_eq!(vies.calls(), 3);
        let c = ok(app.get_as(&sk, &format!("/v1/customers/{}", id(&kept))).await);
        assert_eq!(c["vat_verification"]["consultation_number"], "WAPIAAAAZ00003");

        // During an outage the pass stops at the first number and charges VAT meanwhile.
        vies.set_down(true);
        let much_later = now + chrono::Duration::days(62);
        assert_eq!(renewly::vies::refresh_stale(app.db(), &client, much_later).await.unwrap(), 1);
        let c = ok(app.get_as(&sk, &format!("/v1/customers/{}", id(&kept))).await);
        assert_eq!(c["vat_verification"]["status"], "unverified");
        let (plan, price) = live_plan(app, &sk).await;
        let inv = first_invoice(app, &sk, &id(&kept), &plan, &price).await;
        assert_eq!(inv["reverse_charge"], false, "{inv}");
    }

    async fn test_mode_never_asks_vies_and_has_magic_numbers(app, vies) {
        let verified = german_business(app, &app.keys.sk, "DE136308783").await;
        assert_eq!(verified["vat_verification"]["status"], "verified", "{verified}");
        assert_eq!(verified["vat_verification"]["consultation_number"], Value::Null);
        let invalid = german_business(app, &app.keys.sk, "DE111111117").await;
        assert_eq!(invalid["vat_verification"]["status"], "invalid");
        let unavailable = german_business(app, &app.keys.sk, "DE222222220").await;
        assert_eq!(unavailable["vat_verification"]["status"], "unverified");
        let outside = created(app.post("/v1/customers", json!({"email": "a@example.ch",
            "vat_number": "CHE-123.456.788 MWST", "address": {"country": "CH"}})).await);
        assert_eq!(outside["vat_verification"], Value::Null, "VIES knows no Swiss numbers");
        let (plan, price) = plan_of(app, "10.00", "month", 1).await;
        let preview = |vat: &'static str| {
            let (plan, price) = (plan.clone(), price.clone());
            async move {
                ok(app.post_as(&app.keys.pk, "/v1/public/checkout/preview",
                    preview_body(&plan, &price, vat)).await)
            }
        };
        assert_eq!(preview("DE136308783").await["reverse_charge"], true);
        let p = preview("DE111111117").await;
        assert_eq!(p["reverse_charge"], false);
        assert!(p["tax_note"].as_str().unwrap().contains("not registered in VIES"), "{p}");
        let p = preview("DE222222220").await;
        assert!(p["tax_note"].as_str().unwrap().contains("could not be verified"), "{p}");
        assert_eq!(vies.calls(), 0, "test mode never asks VIES");
    }

    async fn answers_for_numbers_no_customer_has_are_forgotten_after_thirty_days(app, _vies) {
        german_business(app, &app.keys.sk, "DE136308783").await;
        let (plan, price) = plan_of(app, "10.00", "month", 1).await;
        // An anonymous preview leaves an answer for a number that is no customer's.
        ok(app.post_as(&app.keys.pk, "/v1/public/checkout/preview",
            preview_body(&plan, &price, "DE111111117")).await);
        let kept = || async {
            let rows: Vec<(String,)> = app.db()
                .fetch_all("SELECT vat_number FROM vat_verifications ORDER BY vat_number", &[]).await.unwrap();
            rows.into_iter().map(|(n,)| n).collect::<Vec<_>>()
        };
        assert_eq!(kept().await, ["DE111111117", "DE136308783"]);
        let config = Config::for_database(&app.database_url);
        let now = chrono::Utc::now();
        assert_eq!(renewly::housekeeping::sweep(app.db(), &config, now).await.unwrap().vat_checks, 0);
        let aged = (now - chrono::Duration::days(31)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        renewly::with_db!(app.db(), pool => sqlx::query("UPDATE vat_verifications SET checked_at = $1")
            .bind(&aged).execute(pool).await.unwrap().rows_affected());
        let swept = renewly::housekeeping::sweep(app.db(), &config, now).await.unwrap();
        assert_eq!(swept.vat_checks, 1);
        assert_eq!(kept().await, ["DE136308783"], "the customer's answer is kept as proof");
    }
}

scenarios! {
    async fn a_malformed_vat_number_is_refused_naming_the_field(app) {
        let cases = [
            // A changed digit (the German check digit does not match).
            json!({"email": "a@example.de", "vat_number": "DE136308784", "address": {"country": "DE"}}),
            // Another country's number for a German address.
            json!({"email": "a@example.de", "vat_number": "NL004495445B01", "address": {"country": "DE"}}),
            // Greece's prefix is EL.
            json!({"email": "a@example.gr", "vat_number": "GR094501040", "address": {"country": "GR"}}),
            // Not the Dutch format.
            json!({"email": "a@example.nl", "vat_number": "NL123", "address": {"country": "NL"}}),
        ];
        for body in cases {
            let r = app.post("/v1/customers", body.clone()).await;
            r.assert_problem(422, "invalid_field", Some("vat_number"));
            assert!(r.body["detail"].as_str().unwrap().contains("VAT number"), "{}", r.text);
        }
        let c = customer(app, json!({"email": "b@example.de", "vat_number": "DE136308783",
            "address": {"country": "DE"}})).await;
        // Moving the customer to another country re-checks the kept number.
        app.patch(&format!("/v1/customers/{c}"), json!({"address": {"country": "FR"}})).await
            .assert_problem(422, "invalid_field", Some("vat_number"));
        let (plan, price) = plan_of(app, "10.00", "month", 1).await;
        app.post_as(&app.keys.pk, "/v1/public/checkout/preview", preview_body(&plan, &price, "DE13630878"))
            .await
            .assert_problem(422, "invalid_field", Some("customer.vat_number"));
        // The portal's account details too.
        let s = created(app.post(&format!("/v1/customers/{c}/portal_sessions"), json!({})).await);
        let token = s["token"].as_str().unwrap();
        let r = app.send(reqwest::Method::PATCH, &format!("/v1/portal/{token}/customer"), None,
            Some(&json!({"vat_number": "DE 136 308 784"})), &[]).await;
        r.assert_problem(422, "invalid_field", Some("vat_number"));
        assert!(r.body["detail"].as_str().unwrap().contains("check digits"), "{}", r.text);
        let greek = created(app.post("/v1/customers", json!({"email": "c@example.gr",
            "vat_number": "el 094 501 040", "address": {"country": "GR"}})).await);
        assert_eq!(greek["vat_number"], "EL094501040");
        // The merchant's own number follows the same rules, for its country.
        app.patch("/v1/merchant", json!({"vat_number": "NL004495446B01"})).await
            .assert_problem(422, "invalid_field", Some("vat_number"));
        let m = app.patch("/v1/merchant", json!({"vat_number": "nl 0044.95.445 b01"})).await;
        assert_eq!(m.status, 200, "{}", m.text);
        assert_eq!(m.body["vat_number"], "NL004495445B01");
        app.patch("/v1/merchant", json!({"country": "DE"})).await
            .assert_problem(422, "invalid_field", Some("vat_number"));
        let moved = app.patch("/v1/merchant", json!({"country": "DE", "vat_number": "DE136308783"})).await;
        assert_eq!(moved.status, 200, "{}", moved.text);
    }
}
