//! What many scenarios build the same way: the test provider's cards, reading
//! ids and statuses from answers, and a catalog, customers and subscriptions
//! made through the API as a merchant would.

use serde_json::{Value, json};

use crate::{Resp, TestApp};

/// The test provider's card that always succeeds.
pub const CARD_OK: &str = "4242424242424242";
/// A Mastercard that always succeeds.
pub const CARD_MASTERCARD: &str = "5555555555554444";
/// Declined when attached (`card_declined`).
pub const CARD_DECLINED: &str = "4000000000000002";
/// Declined with `insufficient_funds` when attached.
pub const CARD_INSUFFICIENT_FUNDS: &str = "4000000000009995";
/// Every charge needs the card holder's confirmation.
pub const CARD_NEEDS_AUTH: &str = "4000002760003184";
/// Attaches, but every charge is declined (`card_declined`).
pub const CARD_CHARGES_FAIL: &str = "4000000000000341";

/// A card's details as the API takes them, valid until December 2034.
pub fn card(number: &str) -> Value {
    json!({"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"})
}

/// The `id` of an object.
pub fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_owned()
}

/// The body of a 201 answer.
pub fn created(r: Resp) -> Value {
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

/// The body of a 200 answer.
pub fn ok(r: Resp) -> Value {
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// A product of `kind` (`recurring`/`one_off`), standard tax; returns its id.
pub async fn product(app: &TestApp, name: &str, kind: &str) -> String {
    let r = app
        .post(
            "/v1/products",
            json!({"name": name, "kind": kind, "unit": "unit", "tax_category": "standard"}),
        )
        .await;
    id(&created(r))
}

/// A recurring price every `count` × `interval` in the merchant's currency,
/// tax-exclusive unless `inclusive`; returns its id.
pub async fn recurring_price(
    app: &TestApp,
    product: &str,
    amount: &str,
    interval: &str,
    count: u32,
    inclusive: bool,
) -> String {
    let behavior = if inclusive { "inclusive" } else { "exclusive" };
    let r = app
        .post(
            "/v1/prices",
            json!({"product": product, "unit_amount": amount,
                "recurring": {"interval": interval, "interval_count": count},
                "tax_behavior": behavior}),
        )
        .await;
    id(&created(r))
}

/// A plan from `body`; returns its id.
pub async fn plan(app: &TestApp, body: Value) -> String {
    id(&created(app.post("/v1/plans", body).await))
}

/// A published plan with one tax-exclusive recurring price; returns (plan, price).
pub async fn plan_of(app: &TestApp, amount: &str, interval: &str, count: u32) -> (String, String) {
    let prod = product(
        app,
        &format!("Pro {amount}/{count} {interval}"),
        "recurring",
    )
    .await;
    let price = recurring_price(app, &prod, amount, interval, count, false).await;
    let plan = plan(
        app,
        json!({"name": format!("Pro {amount}"), "prices": [price], "published": true}),
    )
    .await;
    (plan, price)
}

/// A customer from `body`; returns its id.
pub async fn customer(app: &TestApp, body: Value) -> String {
    id(&created(app.post("/v1/customers", body).await))
}

/// Attaches the card `number` to `customer` as its default payment method.
pub async fn attach(app: &TestApp, customer: &str, number: &str) -> Resp {
    app.post(
        &format!("/v1/customers/{customer}/payment_methods"),
        json!({"card": card(number), "default": true}),
    )
    .await
}

/// A customer in `country` with a good card as default payment method.
pub async fn customer_with_card(app: &TestApp, email: &str, country: &str) -> String {
    let c = customer(
        app,
        json!({"email": email, "name": email, "address": {"country": country}}),
    )
    .await;
    created(attach(app, &c, CARD_OK).await);
    c
}

/// Subscribes `customer` to one of `price` on `plan`; returns the subscription.
pub async fn subscribe(app: &TestApp, customer: &str, plan: &str, price: &str) -> Value {
    let r = app
        .post(
            "/v1/subscriptions",
            json!({"customer": customer, "plan": plan, "items": [{"price": price, "quantity": 1}]}),
        )
        .await;
    created(r)
}

/// Moves the test clock to `to` (running every billing day on the way); returns
/// the summary.
pub async fn advance(app: &TestApp, to: &str) -> Value {
    let body = ok(app.post("/v1/test_clock/advance", json!({"to": to})).await);
    assert_eq!(body["now"], to);
    body
}
