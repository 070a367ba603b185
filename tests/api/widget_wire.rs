//! The widget's own wire types (`renewly_widget::wire`, read and written without
//! serde) against the real API: every answer the widget reads is decoded from
//! the API's text and compared with the same answer as serde reads it, and every
//! request the widget writes is sent as the widget writes it. A field renamed or
//! retyped on either side fails here rather than on a shopper's page.

use renewly_tests::Resp;
use renewly_widget::api::Subscribed;
use renewly_widget::json::{self, FromJson, ToJson};
use renewly_widget::wire::{self, ChangeRight, Interval, PaymentMode, SubscriptionStatus};
use serde_json::Value;

use super::*;

/// A card's details as the widget sends them.
fn wire_card(number: &str) -> wire::CardDetails {
    wire::CardDetails {
        number: number.to_owned(),
        exp_month: 12,
        exp_year: 2034,
        cvc: "123".to_owned(),
    }
}

/// Creates an object as the merchant and returns its id.
async fn create(app: &TestApp, path: &str, body: Value) -> String {
    let r = app.post(path, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    id(&r.body)
}

async fn pget(app: &TestApp, token: &str, rest: &str) -> Resp {
    let path = format!("/v1/portal/{token}{rest}");
    app.send(reqwest::Method::GET, &path, None, None, &[]).await
}

async fn psend(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    rest: &str,
    body: &impl ToJson,
) -> Resp {
    let path = format!("/v1/portal/{token}{rest}");
    app.send_text(method, &path, None, body.to_json(), &[])
        .await
}

/// The token in a portal URL.
fn token_in(url: &str) -> String {
    let at = url
        .find("/portal/")
        .unwrap_or_else(|| panic!("no portal link in {url}"))
        + "/portal/".len();
    url[at..at + 64].to_owned()
}

/// The answer read by the widget's decoder from the API's own text.
fn read<T: FromJson>(r: &Resp, status: u16) -> T {
    assert_eq!(r.status, status, "{}", r.text);
    json::from_text(&r.text).unwrap_or_else(|e| panic!("{e}: {}", r.text))
}

/// The rows of a list answer, read as the widget reads them.
fn rows<T: FromJson>(r: &Resp) -> Vec<T> {
    assert_eq!(r.status, 200, "{}", r.text);
    json::field(&json::parse(&r.text).unwrap(), "data")
        .unwrap_or_else(|e| panic!("{e}: {}", r.text))
}

/// Asserts that every member the widget's value writes back (an absent
/// `Option` is left out) is in the API's answer with the same value, amounts to
/// the last decimal.
fn mirrors(read: &impl ToJson, sent: &Value) {
    let read: Value = serde_json::from_str(&read.to_json()).unwrap();
    same(&read, sent, "$");
}

fn same(read: &Value, sent: &Value, at: &str) {
    match (read, sent) {
        (Value::Object(r), Value::Object(s)) => {
            for (key, value) in r {
                let sent = s.get(key);
                let sent = sent.unwrap_or_else(|| panic!("{at}.{key} is not in {s:?}"));
                same(value, sent, &format!("{at}.{key}"));
            }
        }
        (Value::Array(r), Value::Array(s)) => {
            assert_eq!(r.len(), s.len(), "length of {at}");
            for (i, (r, s)) in r.iter().zip(s).enumerate() {
                same(r, s, &format!("{at}.{i}"));
            }
        }
        _ => assert_eq!(read, sent, "{at}"),
    }
}

/// The ids in a list of the widget's prices, products, plans, ….
fn ids<'a>(list: impl IntoIterator<Item = &'a String>) -> Vec<&'a str> {
    list.into_iter().map(String::as_str).collect()
}

/// The merchant's catalog: plan Pro (monthly 30.00 or yearly 300.00, seats at
/// 5.00 a month as an add-on, a 25.00 setup fee, signed terms) and the plans
/// Business (60.00) and Lite (10.00) to change to, which keep the offer to
/// someone who finds them too expensive.
struct Catalog {
    pro: String,
    monthly: String,
    yearly: String,
    seat: String,
    fee: String,
    business: String,
    business_price: String,
    lite: String,
    lite_price: String,
}

fn product(name: &str, kind: &str, unit: &str) -> Value {
    json!({"name": name, "kind": kind, "unit": unit, "description": format!("About {name}")})
}

fn monthly(product: &str, amount: &str) -> Value {
    json!({"product": product, "unit_amount": amount, "recurring": {"interval": "month"}})
}

async fn catalog(app: &TestApp) -> Catalog {
    let pro_product = create(app, "/v1/products", product("Pro", "recurring", "unit")).await;
    let seat_product = create(app, "/v1/products", product("Seat", "recurring", "seat")).await;
    let setup_product = create(
        app,
        "/v1/products",
        product("Onboarding", "one_off", "unit"),
    )
    .await;
    let mut pro_monthly = monthly(&pro_product, "30.00");
    pro_monthly["nickname"] = json!("Monthly");
    let monthly_price = create(app, "/v1/prices", pro_monthly).await;
    let yearly = create(
        app,
        "/v1/prices",
        json!({"product": pro_product, "unit_amount": "300.00",
        "recurring": {"interval": "year"}, "nickname": "Yearly"}),
    )
    .await;
    let seat = create(app, "/v1/prices", monthly(&seat_product, "5.00")).await;
    let fee = create(
        app,
        "/v1/prices",
        json!({"product": setup_product, "unit_amount": "25.00"}),
    )
    .await;
    let pro = create(
        app,
        "/v1/plans",
        json!({"name": "Pro", "description": "For teams",
        "prices": [monthly_price, yearly], "addons": [seat], "setup_fee": fee,
        "features": ["Unlimited projects", "Priority support"], "terms": "Cancel any time.",
        "require_signature": true,
        "customer_rights": {"change": "upgrade_downgrade", "can_close": true, "can_pause": true,
            "can_change_quantity": false},
        "close_reasons": [{"name": "Too expensive", "retention_offer": "Two months free"},
            {"name": "Missing features"}],
        "published": true}),
    )
    .await;
    let other = |name: &'static str, amount: &'static str| async move {
        let prod = create(app, "/v1/products", product(name, "recurring", "unit")).await;
        let price = create(app, "/v1/prices", monthly(&prod, amount)).await;
        let plan = create(
            app,
            "/v1/plans",
            json!({"name": name, "prices": [price], "published": true,
            "close_reasons": [{"name": "Too expensive", "retention_offer": "Two months free"}]}),
        )
        .await;
        (plan, price)
    };
    let (business, business_price) = other("Business", "60.00").await;
    let (lite, lite_price) = other("Lite", "10.00").await;
    Catalog {
        pro,
        monthly: monthly_price,
        yearly,
        seat,
        fee,
        business,
        business_price,
        lite,
        lite_price,
    }
}

/// Pro monthly with two seats for an NL consumer, signed and paid by card, as
/// the checkout form builds it.
fn order(cat: &Catalog, email: &str, card_number: &str) -> wire::CheckoutRequest {
    let text = |s: &str| Some(s.to_owned());
    wire::CheckoutRequest {
        plan: cat.pro.clone(),
        price: Some(cat.monthly.clone()),
        quantity: 1,
        addons: vec![wire::AddonInput {
            price: cat.seat.clone(),
            quantity: 2,
        }],
        customer: wire::CheckoutCustomer {
            email: text(email),
            name: text("Sam Shopper"),
            address: Some(wire::Address {
                line1: text("Keizersgracht 1"),
                line2: text("3rd floor"),
                city: text("Amsterdam"),
                postal_code: text("1015 AA"),
                region: text("Noord-Holland"),
                country: text("NL"),
            }),
            locale: text("nl"),
            ..Default::default()
        },
        signature: Some(wire::SignatureInput {
            name: "Sam Shopper".to_owned(),
            image: None,
        }),
        payment_method: Some(wire::CheckoutPayment {
            card: wire_card(card_number),
        }),
    }
}

/// `POST /v1/public/checkout` of the widget's request, with the publishable key
/// and an idempotency key as the widget sends them.
async fn checkout(app: &TestApp, request: &wire::CheckoutRequest, key: &str) -> Resp {
    let headers = [("Idempotency-Key", key)];
    app.send_text(
        reqwest::Method::POST,
        "/v1/public/checkout",
        Some(&app.keys.pk),
        request.to_json(),
        &headers,
    )
    .await
}

scenarios! {
    async fn the_widget_reads_the_public_plans_and_checks_out_with_its_own_wire_types(app) {
        let cat = catalog(app).await;

        // The pricing table.
        let r = app.get_as(&app.keys.pk, "/v1/public/plans").await;
        let plans: Vec<wire::PublicPlan> = rows(&r);
        assert_eq!(ids(plans.iter().map(|p| &p.id)), vec![&cat.pro, &cat.business, &cat.lite]);
        for (plan, sent) in plans.iter().zip(r.body["data"].as_array().unwrap()) {
            mirrors(plan, sent);
        }
        let pro = &plans[0];
        assert_eq!((pro.name.as_str(), pro.description.as_deref(), pro.currency.as_str()),
            ("Pro", Some("For teams"), "EUR"));
        assert_eq!(ids(pro.prices.iter().map(|p| &p.id)), vec![&cat.monthly, &cat.yearly]);
        let [m, y] = &pro.prices[..] else { panic!("{:?}", pro.prices) };
        assert_eq!((m.unit_amount.to_string(), m.nickname.as_deref()), ("30.00".to_owned(), Some("Monthly")));
        assert_eq!(m.recurring.map(|r| (r.interval, r.interval_count)), Some((Interval::Month, 1)));
        assert_eq!((y.unit_amount.to_string(), y.recurring.map(|r| r.interval)),
            ("300.00".to_owned(), Some(Interval::Year)));
        assert_eq!((m.currency.as_str(), m.tax_behavior.as_str()), ("EUR", "exclusive"));
        assert_eq!(ids(pro.addons.iter().map(|p| &p.id)), vec![&cat.seat]);
        assert_eq!(pro.addons[0].unit_amount.to_string(), "5.00");
        let fee = pro.setup_fee.as_ref().unwrap();
        assert_eq!((fee.id.as_str(), fee.recurring, fee.unit_amount.to_string()),
            (cat.fee.as_str(), None, "25.00".to_owned()));
        let products: Vec<(&str, &str, Option<&str>)> = pro.products.iter()
            .map(|p| (p.name.as_str(), p.unit.as_str(), p.description.as_deref())).collect();
        assert_eq!(products, vec![("Pro", "unit", Some("About Pro")), ("Seat", "seat", Some("About Seat")),
            ("Onboarding", "unit", Some("About Onboarding"))]);
        assert_eq!(pro.products[0].id, m.product);
        assert_eq!(pro.features, vec!["Unlimited projects", "Priority support"]);
        assert_eq!((pro.terms.as_deref(), pro.require_signature), (Some("Cancel any time."), true));
        assert_eq!((pro.trial_days, pro.payment_mode), (0, PaymentMode::ChargeAutomatically));
        assert_eq!(pro.customer_rights, wire::CustomerRights { change: ChangeRight::UpgradeDowngrade,
            can_close: true, can_pause: true, can_change_quantity: false });
        assert_eq!((plans[1].setup_fee.as_ref(), plans[1].terms.as_deref(), plans[1].require_signature),
            (None, None, false));

        // The order summary: 30.00 + 2 × 5.00 + 25.00 = 65.00, + 21 % VAT = 78.65;
        // every later month 40.00 + 8.40.
        let request = order(&cat, "sam@example.com", CARD_OK);
        let r = app.send_text(reqwest::Method::POST, "/v1/public/checkout/preview", Some(&app.keys.pk),
            request.to_json(), &[]).await;
        let preview: wire::CheckoutPreview = read(&r, 200);
        mirrors(&preview, &r.body);
        let totals = [&preview.subtotal, &preview.tax, &preview.total, &preview.recurring_total].map(|d| d.to_string());
        assert_eq!(totals, ["65.00", "13.65", "78.65", "48.40"]);
        let lines: Vec<(&str, u32, String, String)> = preview.lines.iter()
            .map(|l| (l.kind.as_str(), l.quantity, l.unit_amount.to_string(), l.amount.to_string())).collect();
        assert_eq!(lines, vec![("recurring", 1, "30.00".to_owned(), "36.30".to_owned()),
            ("recurring", 2, "5.00".to_owned(), "12.10".to_owned()),
            ("setup_fee", 1, "25.00".to_owned(), "30.25".to_owned())]);
        let vat = &preview.tax_breakdown[..];
        assert_eq!(vat.iter().map(|b| (b.rate.to_string(), b.tax.to_string())).collect::<Vec<_>>(),
            vec![("21".to_owned(), "13.65".to_owned())]);
        assert_eq!((preview.first_invoice_date.as_str(), preview.next_invoice_date.as_str()),
            (r.body["first_invoice_date"].as_str().unwrap(), r.body["next_invoice_date"].as_str().unwrap()));
        assert_eq!((preview.trial_end.as_deref(), preview.reverse_charge, preview.tax_note.as_deref()),
            (None, false, None));
        assert_eq!((preview.require_signature, preview.terms.as_deref()), (true, Some("Cancel any time.")));

        // A declined card: the widget shows the problem at the card number.
        let r = checkout(app, &order(&cat, "dee@example.com", CARD_DECLINED), "widget-wire-declined").await;
        r.assert_problem(402, "card_declined", Some("payment_method.card.number"));
        let problem: wire::Problem = json::from_text(&r.text).unwrap();
        assert_eq!(problem, wire::Problem {
            kind: r.body["type"].as_str().unwrap().to_owned(),
            title: r.body["title"].as_str().unwrap().to_owned(),
            status: 402,
            detail: r.body["detail"].as_str().unwrap().to_owned(),
            code: "card_declined".to_owned(),
            param: Some("payment_method.card.number".to_owned()),
        });
        // An unsigned order, and a problem without a param.
        let unsigned = wire::CheckoutRequest { signature: None, ..order(&cat, "ann@example.com", CARD_OK) };
        let r = checkout(app, &unsigned, "widget-wire-unsigned").await;
        r.assert_problem(422, "missing_field", Some("signature.name"));
        assert_eq!(json::from_text::<wire::Problem>(&r.text).unwrap().param.as_deref(), Some("signature.name"));
        let r = app.send(reqwest::Method::GET, "/v1/public/plans", None, None, &[]).await;
        let problem: wire::Problem = json::from_text(&r.text).unwrap();
        assert_eq!((problem.status, problem.code.as_str(), problem.param),
            (401, r.body["code"].as_str().unwrap(), None));

        // The order itself, sent twice with one idempotency key: one subscription.
        let r = checkout(app, &request, "widget-wire-1").await;
        let done: Subscribed = read(&r, 201);
        assert_eq!((done.status.as_str(), done.confirmed), ("active", false));
        let sub = done.subscription_info();
        assert_eq!(sub.id, id(&r.body["subscription"]));
        assert!(sub.id.starts_with("sub_"));
        assert_eq!(sub.next_invoice_date.as_deref(), r.body["subscription"]["next_invoice_date"].as_str());
        assert!(sub.next_invoice_date.is_some());
        let invoice = done.invoice_info().unwrap();
        let sent = &r.body["invoice"];
        assert_eq!((invoice.number.as_str(), invoice.status.as_str(), invoice.currency.as_str()),
            (sent["number"].as_str().unwrap(), "paid", "EUR"));
        assert_eq!((invoice.total.to_string(), &sent["total"]), ("78.65".to_owned(), &json!("78.65")));
        assert_eq!(done.portal_url.as_deref(), r.body["portal_url"].as_str());
        assert!(done.portal_url.as_deref().unwrap().starts_with(&format!("{}/portal/", app.url)));
        // What the `renewly:subscribed` event hands on is the API's JSON unchanged.
        let detail: Value = serde_json::from_str(&done.detail_json()).unwrap();
        assert_eq!(detail, json!({"subscription": r.body["subscription"], "invoice": r.body["invoice"]}));

        let again = checkout(app, &request, "widget-wire-1").await;
        assert_eq!(read::<Subscribed>(&again, 201).subscription_info().id, sub.id);
        let subs = app.get("/v1/subscriptions").await;
        assert_eq!(subs.body["data"].as_array().unwrap().len(), 1, "{}", subs.text);
    }

    async fn the_widget_reads_and_drives_the_portal_with_its_own_wire_types(app) {
        let now = app.post("/v1/test_clock/advance", json!({"to": "2027-04-01"})).await;
        assert_eq!(now.status, 200, "{}", now.text);
        let cat = catalog(app).await;
        let r = checkout(app, &order(&cat, "sam@example.com", CARD_OK), "widget-wire-portal").await;
        let done: Subscribed = read(&r, 201);
        let token = token_in(done.portal_url.as_deref().unwrap());
        let sid = done.subscription_info().id;
        let number = done.invoice_info().unwrap().number;

        // The first screen.
        let r = pget(app, &token, "").await;
        let o: wire::PortalOverview = read(&r, 200);
        mirrors(&o, &r.body);
        assert_eq!((o.livemode, o.merchant.name.as_str()), (false, "Acme"));
        let c = &o.customer;
        assert!(c.id.starts_with("cus_"));
        assert_eq!((c.email.as_str(), c.name.as_deref(), c.company.as_deref(), c.locale.as_str()),
            ("sam@example.com", Some("Sam Shopper"), None, "nl"));
        assert_eq!(c.address, order(&cat, "", "").customer.address.unwrap());
        let card_on_file = c.default_payment_method.as_ref().unwrap();
        assert_eq!((card_on_file.brand.as_str(), card_on_file.last4.as_str(), card_on_file.exp_month,
            card_on_file.exp_year, card_on_file.is_default), ("visa", "4242", 12, 2034, true));
        let [s] = &o.subscriptions[..] else { panic!("{:?}", o.subscriptions) };
        assert_eq!((s.id.as_str(), s.status, s.currency.as_str()), (sid.as_str(), SubscriptionStatus::Active, "EUR"));
        assert_eq!((s.recurring.interval, s.recurring.interval_count), (Interval::Month, 1));
        assert_eq!((s.plan.id.as_str(), s.plan.name.as_str(), s.plan.description.as_deref()),
            (cat.pro.as_str(), "Pro", Some("For teams")));
        assert_eq!(ids(s.plan.prices.iter().map(|p| &p.id)), vec![&cat.monthly], "the yearly price is on another schedule");
        assert_eq!(ids(s.plan.addons.iter().map(|p| &p.id)), vec![&cat.seat]);
        let reasons: Vec<(&str, Option<&str>)> = s.plan.close_reasons.iter()
            .map(|r| (r.name.as_str(), r.retention_offer.as_deref())).collect();
        assert_eq!(reasons, vec![("Too expensive", Some("Two months free")), ("Missing features", None)]);
        assert!(s.plan.close_reasons.iter().all(|r| r.id.starts_with("cr_")));
        assert_eq!((s.rights.change, s.rights.can_pause, s.rights.can_change_quantity),
            (ChangeRight::UpgradeDowngrade, true, false));
        let items: Vec<(&str, &str, u32, String, String, bool)> = s.items.iter()
            .map(|i| (i.price.as_str(), i.product_name.as_str(), i.quantity, i.unit_amount.to_string(),
                i.discount.to_string(), i.addon)).collect();
        assert_eq!(items, vec![(cat.monthly.as_str(), "Pro", 1, "30.00".to_owned(), "0.00".to_owned(), false),
            (cat.seat.as_str(), "Seat", 2, "5.00".to_owned(), "0.00".to_owned(), true)]);
        let a = &s.amount_per_period;
        assert_eq!([&a.subtotal, &a.tax, &a.total].map(|d| d.to_string()), ["40.00", "8.40", "48.40"]);
        assert_eq!((s.start_date.as_str(), s.current_period_start.as_str(), s.current_period_end.as_str()),
            ("2027-04-01", "2027-04-01", "2027-05-01"));
        assert_eq!((s.next_invoice_date.as_deref(), s.trial_end.as_deref()), (Some("2027-05-01"), None));
        assert_eq!((s.payment_mode.as_str(), s.payment_method.as_ref().map(|p| p.id.as_str())),
            ("charge_automatically", Some(card_on_file.id.as_str())));
        assert_eq!((&s.cancel_at, &s.close_reason, &s.closed_at, &s.paused_at), (&None, &None, &None, &None));
        assert_eq!(s.scheduled_change, None);
        assert_eq!(ids(s.other_plans.iter().map(|p| &p.id)), vec![&cat.business, &cat.lite]);
        let r = pget(app, &token, &format!("/subscriptions/{sid}")).await;
        let one: wire::PortalSubscription = read(&r, 200);
        mirrors(&one, &r.body);
        assert_eq!(&one, s);

        // Invoices, orders and cards.
        let r = pget(app, &token, "/invoices").await;
        let invoices: Vec<wire::Invoice> = rows(&r);
        mirrors(&invoices, &r.body["data"]);
        let [inv] = &invoices[..] else { panic!("{}", r.text) };
        assert_eq!((inv.number.as_str(), inv.status.as_str(), inv.subscription.as_deref(), inv.currency.as_str()),
            (number.as_str(), "paid", Some(sid.as_str()), "EUR"));
        assert_eq!((inv.total.to_string(), inv.amount_due.to_string()), ("78.65".to_owned(), "0.00".to_owned()));
        assert_eq!((inv.issue_date.as_str(), inv.due_date.as_str()), ("2027-04-01", "2027-04-01"));
        let r = pget(app, &token, "/orders").await;
        let orders: Vec<wire::PortalOrder> = rows(&r);
        mirrors(&orders, &r.body["data"]);
        let [ord] = &orders[..] else { panic!("{}", r.text) };
        assert_eq!((ord.subscription.as_deref(), ord.invoice.as_deref(), ord.plan.as_deref(), ord.plan_name.as_deref()),
            (Some(sid.as_str()), Some(inv.id.as_str()), Some(cat.pro.as_str()), Some("Pro")));
        assert_eq!((ord.source.as_str(), ord.signature_name.as_deref()), ("checkout", Some("Sam Shopper")));
        assert!(ord.id.starts_with("ord_") && ord.signed_at.is_some() && !ord.created.is_empty());

        let add = wire::AddPortalPaymentMethod { card: wire_card(CARD_MASTERCARD) };
        let r = psend(app, reqwest::Method::POST, &token, "/payment_methods", &add).await;
        let added: wire::PaymentMethod = read(&r, 201);
        mirrors(&added, &r.body);
        assert_eq!((added.brand.as_str(), added.last4.as_str(), added.is_default), ("mastercard", "4444", true));
        let r = pget(app, &token, "/payment_methods").await;
        let cards: Vec<wire::PaymentMethod> = rows(&r);
        mirrors(&cards, &r.body["data"]);
        let shown: Vec<(&str, bool)> = cards.iter().map(|c| (c.last4.as_str(), c.is_default)).collect();
        assert_eq!(shown, vec![("4444", true), ("4242", false)]);

        // Day 16 of 30: an upgrade to Business, previewed; (60.00 − 40.00) × 15 ÷ 30 = 10.00, + 21 %.
        let now = app.post("/v1/test_clock/advance", json!({"to": "2027-04-16"})).await;
        assert_eq!(now.status, 200, "{}", now.text);
        let change = format!("/subscriptions/{sid}/change");
        let up = wire::ChangeSubscription { plan: Some(cat.business.clone()),
            items: vec![wire::ItemInput { price: cat.business_price.clone(), quantity: 1 }], preview: true };
        let r = psend(app, reqwest::Method::POST, &token, &change, &up).await;
        let previewed: wire::PortalChangeResult = read(&r, 200);
        mirrors(&previewed, &r.body);
        let p = &previewed.preview;
        assert_eq!((previewed.applied, previewed.invoice.as_ref()), (false, None));
        assert_eq!((p.direction.as_str(), p.effective_date.as_str(), p.remaining_days, p.period_days),
            ("upgrade", "2027-04-16", 15, 30));
        let periods = [&p.old_period_amount, &p.new_period_amount].map(|d| d.to_string());
        assert_eq!(periods, ["40.00", "60.00"]);
        assert_eq!([&p.amount_due_now, &p.tax_due_now, &p.new_recurring_total].map(|d| d.to_string()),
            ["12.10", "2.10", "72.60"]);
        assert!(!p.proration_lines.is_empty() && p.proration_lines.iter().all(|l| l.kind == "proration"));
        assert_eq!(previewed.subscription.plan.id, cat.pro, "a preview changes nothing");
        let apply = wire::ChangeSubscription { preview: false, ..up };
        let r = psend(app, reqwest::Method::POST, &token, &change, &apply).await;
        let upgraded: wire::PortalChangeResult = read(&r, 200);
        mirrors(&upgraded, &r.body);
        let inv = upgraded.invoice.as_ref().unwrap();
        assert_eq!((upgraded.applied, inv.status.as_str(), inv.total.to_string(), inv.subscription.as_deref()),
            (true, "paid", "12.10".to_owned(), Some(sid.as_str())));
        assert_eq!((upgraded.subscription.plan.name.as_str(), upgraded.subscription.items.len()), ("Business", 1));

        // A downgrade to Lite waits for the renewal.
        let down = wire::ChangeSubscription { plan: Some(cat.lite.clone()),
            items: vec![wire::ItemInput { price: cat.lite_price.clone(), quantity: 1 }], preview: false };
        let r = psend(app, reqwest::Method::POST, &token, &change, &down).await;
        let scheduled: wire::PortalChangeResult = read(&r, 200);
        mirrors(&scheduled, &r.body);
        assert_eq!((scheduled.applied, scheduled.preview.direction.as_str(), scheduled.invoice.as_ref()),
            (true, "downgrade", None));
        let next = scheduled.subscription.scheduled_change.as_ref().unwrap();
        assert_eq!((next.plan.as_str(), next.plan_name.as_str(), next.effective_date.as_deref()),
            (cat.lite.as_str(), "Lite", Some("2027-05-01")));
        assert_eq!(next.items.iter().map(|i| (i.price.as_str(), i.quantity)).collect::<Vec<_>>(),
            vec![(cat.lite_price.as_str(), 1)]);

        // Contact details: `Some(None)` clears, `Some(Some(…))` sets, `None` keeps.
        let update = wire::UpdatePortalCustomer { name: Some(None), company: Some(Some("Shopper BV".to_owned())),
            vat_number: Some(Some("nl 0044.95.445 b01".to_owned())), locale: Some("en".to_owned()), ..Default::default() };
        let r = psend(app, reqwest::Method::PATCH, &token, "/customer", &update).await;
        let me: wire::PortalCustomer = read(&r, 200);
        mirrors(&me, &r.body);
        assert_eq!((me.name.as_deref(), &r.body["name"]), (None, &Value::Null));
        assert_eq!((me.company.as_deref(), me.email.as_str(), me.locale.as_str()),
            (Some("Shopper BV"), "sam@example.com", "en"));
        assert_eq!((me.vat_number.as_deref(), &me.address), (Some("NL004495445B01"), &c.address));
        assert_eq!(me.default_payment_method.as_ref().map(|p| p.last4.as_str()), Some("4444"));

        // Cancelling, with the offer that goes with the reason.
        let cancel = wire::PortalCancel { reason: "too expensive".to_owned(),
            comment: Some("Trying another tool".to_owned()) };
        let r = psend(app, reqwest::Method::POST, &token, &format!("/subscriptions/{sid}/cancel"), &cancel).await;
        let cancelled: wire::PortalCancellation = read(&r, 200);
        mirrors(&cancelled, &r.body);
        assert_eq!((cancelled.reason.as_str(), cancelled.retention_offer.as_deref(), cancelled.cancel_at.as_deref()),
            ("Too expensive", Some("Two months free"), Some("2027-05-01")));
        let s = &cancelled.subscription;
        assert_eq!((s.cancel_at.as_deref(), s.close_reason.as_deref(), s.status),
            (Some("2027-05-01"), Some("Too expensive"), SubscriptionStatus::Active));
    }
}
