//! Isolation, generated from the OpenAPI document: every documented route is
//! called with credentials that must not reach merchant A's test-mode objects —
//! another merchant's keys, A's live keys, A's publishable key, no key, an
//! unknown key, another customer's portal token, a made-up token — with
//! made-up ids, and with A's test keys on A's live objects (a catalog,
//! customers and a user; live mode has no card, so no subscription or invoice). Each such call must be refused (401, 403 or 404 as
//! problem+json; 422 naming the field when only the body names A's object),
//! never answer 5xx, never show any of A's ids, and change nothing: a digest of
//! every table (row count and a hash of its rows) is the same before and after.
//!
//! The routes come from `/v1/openapi.json`, so a new route is covered without
//! touching this file; a route whose path names an object this file does not
//! know fails the test with a message saying what to add.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::Value;

use super::*;

/// Routes this sweep cannot call, with the reason. Empty today: every
/// documented route takes the credentials and ids set up below.
const EXCEPTIONS: &[(&str, &str)] = &[];

/// Tables that may change during the sweep because they log requests.
/// None today: rate-limit counters live in memory, and the sweep sends no
/// `Idempotency-Key`.
const LOGGING_TABLES: &[&str] = &[];

/// Merchant A's objects (test mode) and the other parties' credentials.
struct World {
    /// A's ids by the path segment of their collection (`customers` → `cus_…`).
    by_collection: BTreeMap<&'static str, String>,
    /// A's live-mode objects by collection, and each test id's live counterpart.
    live_by_collection: BTreeMap<&'static str, String>,
    live_of: BTreeMap<String, String>,
    /// A's customer with everything: card, subscription, invoice, portal link.
    customer: String,
    /// The portal token of `customer`.
    token: String,
    /// Another customer of A, with its own portal token.
    other_token: String,
    /// A customer of merchant B, with its own portal token.
    foreign_token: String,
    /// Merchant B's keys.
    b: renewly_tests::Keys,
    /// A minimal body, valid for A, per `METHOD path`; `{}` when not listed.
    bodies: BTreeMap<String, Value>,
}

async fn world(app: &TestApp) -> World {
    let (plan, price) = plan_of(app, "29.00", "month", 1).await;
    let product = ok(app.get(&format!("/v1/prices/{price}")).await)["product"]
        .as_str()
        .unwrap()
        .to_owned();
    let user = id(&created(
        app.post(
            "/v1/users",
            json!({"name": "Sam Sales", "email": "sam@example.com"}),
        )
        .await,
    ));
    let pricelist = id(&created(
        app.post("/v1/pricelists", json!({"name": "Partners"}))
            .await,
    ));
    let rates = ok(app.get("/v1/tax_rates?limit=1").await);
    let tax_rate = id(&rates["data"][0]);
    let cus = customer_with_card(app, "ada@example.com", "NL").await;
    let pm = id(&ok(app
        .get(&format!("/v1/customers/{cus}/payment_methods"))
        .await)["data"][0]);
    let into = customer(app, json!({"email": "ada.two@example.com"})).await;
    let sub = id(&subscribe(app, &cus, &plan, &price).await);
    let invoices = ok(app.get(&format!("/v1/invoices?subscription={sub}")).await);
    let invoice = id(&invoices["data"][0]);
    let session = created(
        app.post(&format!("/v1/customers/{cus}/portal_sessions"), json!({}))
            .await,
    );
    let other = customer_with_card(app, "bob@example.com", "NL").await;
    let other_session = created(
        app.post(&format!("/v1/customers/{other}/portal_sessions"), json!({}))
            .await,
    );

    let b = app.new_merchant("Beta", "DE", "EUR").await;
    let b_customer = id(&created(
        app.post_as(&b.sk, "/v1/customers", json!({"email": "ada@example.com"}))
            .await,
    ));
    let foreign_session = created(
        app.post_as(
            &b.sk,
            &format!("/v1/customers/{b_customer}/portal_sessions"),
            json!({}),
        )
        .await,
    );

    // Live mode: a catalog, two customers (live cards go through the provider's
    // own form, so no card nor subscription) and a user.
    let live = app.keys.live_sk.clone().expect("live key");
    let live_post = |path: &'static str, body: Value| {
        let live = live.clone();
        async move { id(&created(app.post_as(&live, path, body).await)) }
    };
    let live_product =
        live_post("/v1/products", json!({"name": "Live", "kind": "recurring"})).await;
    let live_price = live_post(
        "/v1/prices",
        json!({"product": live_product, "unit_amount": "9.00",
        "recurring": {"interval": "month", "interval_count": 1}}),
    )
    .await;
    let live_plan = live_post(
        "/v1/plans",
        json!({"name": "Live", "prices": [live_price], "published": true}),
    )
    .await;
    let live_customer = live_post("/v1/customers", json!({"email": "ada@example.com"})).await;
    let live_into = live_post("/v1/customers", json!({"email": "ada.two@example.com"})).await;
    let live_user = live_post(
        "/v1/users",
        json!({"name": "Live Sales", "email": "live@example.com"}),
    )
    .await;
    let live_pricelist = live_post("/v1/pricelists", json!({"name": "Live"})).await;
    let live_rate = id(&ok(app.get_as(&live, "/v1/tax_rates?limit=1").await)["data"][0]);
    let live_by_collection = BTreeMap::from([
        ("customers", live_customer.clone()),
        ("plans", live_plan.clone()),
        ("prices", live_price.clone()),
        ("pricelists", live_pricelist.clone()),
        ("products", live_product.clone()),
        ("tax_rates", live_rate.clone()),
        ("users", live_user),
    ]);
    let live_of = BTreeMap::from([
        (cus.clone(), live_customer),
        (into.clone(), live_into),
        (plan.clone(), live_plan),
        (price.clone(), live_price),
        (product.clone(), live_product),
    ]);

    let by_collection = BTreeMap::from([
        ("customers", cus.clone()),
        ("invoices", invoice),
        ("payment_methods", pm),
        ("plans", plan.clone()),
        ("portal_sessions", id(&session)),
        ("pricelists", pricelist),
        ("prices", price.clone()),
        ("products", product.clone()),
        ("subscriptions", sub),
        ("tax_rates", tax_rate),
        ("users", user),
    ]);
    let items = json!([{"price": price, "quantity": 2}]);
    let bodies = [
        ("POST /v1/customers", json!({"email": "new@example.com"})),
        ("PATCH /v1/customers/{id}", json!({"name": "Changed"})),
        ("POST /v1/customers/{id}/merge", json!({"into": into})),
        (
            "POST /v1/customers/{id}/payment_methods",
            json!({"card": card(CARD_OK)}),
        ),
        (
            "POST /v1/exchange_rates",
            json!({"from": "USD", "to": "EUR", "rate": "0.9", "date": "2027-01-01"}),
        ),
        ("PATCH /v1/merchant", json!({"name": "Changed"})),
        (
            "POST /v1/plans",
            json!({"name": "Another", "prices": [price]}),
        ),
        ("PATCH /v1/plans/{id}", json!({"name": "Changed"})),
        (
            "PATCH /v1/portal/{token}/customer",
            json!({"name": "Changed"}),
        ),
        (
            "POST /v1/portal/{token}/payment_methods",
            json!({"card": card(CARD_OK)}),
        ),
        (
            "POST /v1/portal/{token}/subscriptions/{id}/cancel",
            json!({"reason": "Too expensive"}),
        ),
        (
            "POST /v1/portal/{token}/subscriptions/{id}/change",
            json!({"items": items}),
        ),
        ("POST /v1/pricelists", json!({"name": "Another"})),
        ("PATCH /v1/pricelists/{id}", json!({"name": "Changed"})),
        (
            "POST /v1/prices",
            json!({"product": product, "unit_amount": "5.00",
                   "recurring": {"interval": "month", "interval_count": 1}}),
        ),
        ("PATCH /v1/prices/{id}", json!({"nickname": "Changed"})),
        ("POST /v1/products", json!({"name": "Another"})),
        ("PATCH /v1/products/{id}", json!({"name": "Changed"})),
        (
            "POST /v1/public/checkout",
            json!({"plan": plan, "price": price,
                   "customer": {"email": "shopper@example.com", "address": {"country": "NL"}},
                   "payment_method": {"card": card(CARD_OK)}}),
        ),
        (
            "POST /v1/public/checkout/preview",
            json!({"plan": plan, "price": price}),
        ),
        (
            "POST /v1/public/checkout/{subscription}/confirm",
            json!({"client_secret": "a".repeat(64)}),
        ),
        (
            "POST /v1/public/portal/link",
            json!({"email": "ada@example.com"}),
        ),
        (
            "POST /v1/subscriptions",
            json!({"customer": cus, "plan": plan, "items": [{"price": price, "quantity": 1}]}),
        ),
        (
            "POST /v1/subscriptions/{id}/change",
            json!({"items": items}),
        ),
        (
            "POST /v1/subscriptions/{id}/close",
            json!({"reason": "Too expensive"}),
        ),
        (
            "POST /v1/tax_rates",
            json!({"country": "NL", "percentage": "9", "name": "Another"}),
        ),
        ("PATCH /v1/tax_rates/{id}", json!({"name": "Changed"})),
        ("POST /v1/test_clock", json!({"now": "2027-01-01"})),
        ("POST /v1/test_clock/advance", json!({"to": "2099-01-01"})),
        (
            "POST /v1/users",
            json!({"name": "Another", "email": "another@example.com"}),
        ),
        ("PATCH /v1/users/{id}", json!({"name": "Changed"})),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    World {
        by_collection,
        live_by_collection,
        live_of,
        customer: cus,
        token: session["token"].as_str().unwrap().to_owned(),
        other_token: other_session["token"].as_str().unwrap().to_owned(),
        foreign_token: foreign_session["token"].as_str().unwrap().to_owned(),
        b,
        bodies,
    }
}

/// One documented operation.
struct Route {
    method: Method,
    path: String,
    /// Path parameters in order, without `token`.
    params: Vec<String>,
    /// Called with a publishable key (`/v1/public/…`).
    public: bool,
    /// Authorised by a portal token in the path instead of a key.
    portal: bool,
}

fn routes(doc: &Value) -> Vec<Route> {
    let mut out = Vec::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                continue;
            };
            let key = format!("{method} {path}");
            if EXCEPTIONS.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let security: Vec<&str> = op["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_object())
                .flat_map(|s| s.keys().map(String::as_str))
                .collect();
            let params = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .filter(|p| *p != "token")
                .map(str::to_owned)
                .collect();
            out.push(Route {
                method,
                path: path.clone(),
                params,
                public: security.contains(&"publishable_key"),
                portal: path.contains("{token}"),
            });
        }
    }
    out
}

/// A's id for path parameter `param` of `path`: by the collection segment
/// before it (`/v1/customers/{id}` → a customer), or by the parameter's name
/// (`{pm}`, `{subscription}`); from live mode when `live` (`None` when A has
/// no such live object).
fn a_id(world: &World, path: &str, param: &str, live: bool) -> Option<String> {
    let named = match param {
        "pm" => Some("payment_methods"),
        "subscription" => Some("subscriptions"),
        _ => None,
    };
    let segments: Vec<&str> = path.split('/').collect();
    let collection = named.or_else(|| {
        let at = segments.iter().position(|s| *s == format!("{{{param}}}"))?;
        segments.get(at.checked_sub(1)?).copied()
    });
    let test = collection
        .and_then(|c| world.by_collection.get(c))
        .unwrap_or_else(|| {
            panic!(
                "isolation: no object of merchant A for {{{param}}} in {path}; \
             create one in `world` (or name the route in EXCEPTIONS with a reason)"
            )
        });
    if live {
        collection
            .and_then(|c| world.live_by_collection.get(c))
            .cloned()
    } else {
        Some(test.clone())
    }
}

/// An id of the same kind as `real` that nobody has.
fn made_up(real: &str) -> String {
    let prefix = real.split('_').next().unwrap_or("x");
    format!(
        "{prefix}_{}",
        ulid::Ulid::generate().to_string().to_ascii_lowercase()
    )
}

/// Every id-looking string in a JSON value.
fn ids_in(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            let looks_like_id = s.split_once('_').is_some_and(|(prefix, rest)| {
                !prefix.is_empty()
                    && prefix.bytes().all(|b| b.is_ascii_lowercase())
                    && rest.len() == 26
                    && rest.bytes().all(|b| b.is_ascii_alphanumeric())
            });
            if looks_like_id {
                into.insert(s.clone());
            }
        }
        Value::Array(items) => items.iter().for_each(|v| ids_in(v, into)),
        Value::Object(fields) => fields.values().for_each(|v| ids_in(v, into)),
        _ => {}
    }
}

/// Who calls: a key (or none) or a portal token, and whether the ids are A's
/// or made up.
struct Caller {
    name: &'static str,
    key: Option<String>,
    token: Option<String>,
    made_up_ids: bool,
    /// A's live objects in place of its test objects (for a test key).
    live_objects: bool,
    /// A key or token no one has: everything it calls is refused.
    refused_everywhere: bool,
}

/// One planned call.
struct Call {
    url: String,
    body: Option<Value>,
    /// A's ids (or made-up ids) in the path: the answer must be 401/403/404.
    path_bound: bool,
    /// A's ids (or made-up ids) only in the body: 422 naming the field is
    /// also a refusal.
    body_bound: bool,
}

/// The call `caller` makes on `route`; `None` when it needs a live object A
/// does not have.
fn plan_call(world: &World, route: &Route, caller: &Caller) -> Option<Call> {
    let mut url = route.path.clone();
    let token = caller.token.clone().unwrap_or_else(|| world.token.clone());
    url = url.replace("{token}", &token);
    let mut substitutions = Vec::new();
    for param in &route.params {
        let real = a_id(world, &route.path, param, caller.live_objects)?;
        let used = if caller.made_up_ids {
            made_up(&real)
        } else {
            real
        };
        url = url.replace(&format!("{{{param}}}"), &used);
        substitutions.push(used);
    }
    let key = format!("{} {}", route.method, route.path);
    let mut body = match route.method {
        Method::GET => None,
        _ => Some(world.bodies.get(&key).cloned().unwrap_or_else(|| json!({}))),
    };
    let mut body_ids = BTreeSet::new();
    if let Some(b) = &body {
        ids_in(b, &mut body_ids);
    }
    if caller.live_objects && !body_ids.is_empty() {
        let mut text = serde_json::to_string(&body).unwrap();
        for test in &body_ids {
            text = text.replace(test.as_str(), world.live_of.get(test)?);
        }
        body = serde_json::from_str(&text).unwrap();
    }
    if caller.made_up_ids && !body_ids.is_empty() {
        let mut text = serde_json::to_string(&body).unwrap();
        for real in &body_ids {
            text = text.replace(real.as_str(), &made_up(real));
        }
        body = serde_json::from_str(&text).unwrap();
    }
    Some(Call {
        url,
        body,
        path_bound: !substitutions.is_empty(),
        body_bound: !body_ids.is_empty(),
    })
}

/// What the sweep saw, for the final assertions.
#[derive(Default)]
struct Tally {
    refused: usize,
    listed_own_data: usize,
    not_sent: Vec<String>,
    failures: Vec<String>,
    refused_routes: BTreeSet<String>,
}

async fn sweep(app: &TestApp, world: &World, routes: &[Route], footprint: &Footprint) -> Tally {
    let a = &app.keys;
    let unknown_key = format!("sk_test_{}", "0".repeat(32));
    let made_up_token = "f".repeat(64);
    let key_callers = [
        Caller {
            name: "merchant B's secret key",
            key: Some(world.b.sk.clone()),
            token: None,
            made_up_ids: false,
            live_objects: false,
            refused_everywhere: false,
        },
        Caller {
            name: "A's live secret key",
            key: a.live_sk.clone(),
            token: None,
            made_up_ids: false,
            live_objects: false,
            refused_everywhere: false,
        },
        Caller {
            name: "A's publishable key",
            key: Some(a.pk.clone()),
            token: None,
            made_up_ids: false,
            live_objects: false,
            refused_everywhere: false,
        },
        Caller {
            name: "no key",
            key: None,
            token: None,
            made_up_ids: false,
            live_objects: false,
            refused_everywhere: true,
        },
        Caller {
            name: "an unknown key",
            key: Some(unknown_key),
            token: None,
            made_up_ids: false,
            live_objects: false,
            refused_everywhere: true,
        },
        Caller {
            name: "A's secret key with made-up ids",
            key: Some(a.sk.clone()),
            token: None,
            made_up_ids: true,
            live_objects: false,
            refused_everywhere: false,
        },
        Caller {
            name: "A's test secret key on live objects",
            key: Some(a.sk.clone()),
            token: None,
            made_up_ids: false,
            live_objects: true,
            refused_everywhere: false,
        },
    ];
    let public_callers = [
        Caller {
            name: "merchant B's publishable key",
            key: Some(world.b.pk.clone()),
            token: None,
            made_up_ids: false,
            live_objects: false,
            refused_everywhere: false,
        },
        Caller {
            name: "A's live publishable key",
            key: a.live_pk.clone(),
            token: None,
            made_up_ids: false,
            live_objects: false,
            refused_everywhere: false,
        },
        Caller {
            name: "A's publishable key with made-up ids",
            key: Some(a.pk.clone()),
            token: None,
            made_up_ids: true,
            live_objects: false,
            refused_everywhere: false,
        },
        Caller {
            name: "A's test publishable key on live objects",
            key: Some(a.pk.clone()),
            token: None,
            made_up_ids: false,
            live_objects: true,
            refused_everywhere: false,
        },
    ];
    let portal_callers = [
        Caller {
            name: "another customer's portal token",
            key: None,
            token: Some(world.other_token.clone()),
            made_up_ids: false,
            live_objects: false,
            refused_everywhere: false,
        },
        Caller {
            name: "merchant B's customer's portal token",
            key: None,
            token: Some(world.foreign_token.clone()),
            made_up_ids: false,
            live_objects: false,
            refused_everywhere: false,
        },
        Caller {
            name: "a made-up portal token",
            key: None,
            token: Some(made_up_token),
            made_up_ids: false,
            live_objects: false,
            refused_everywhere: true,
        },
        Caller {
            name: "the customer's own token with made-up ids",
            key: None,
            token: None,
            made_up_ids: true,
            live_objects: false,
            refused_everywhere: false,
        },
    ];
    let mut tally = Tally::default();
    for route in routes {
        let route_key = format!("{} {}", route.method, route.path);
        let callers: Vec<&Caller> = if route.portal {
            portal_callers.iter().collect()
        } else if route.public {
            key_callers
                .iter()
                .filter(|c| c.name != "A's publishable key")
                .chain(public_callers.iter())
                .collect()
        } else {
            key_callers.iter().collect()
        };
        for caller in callers {
            // A publishable key on a secret-key route is refused whatever it names.
            let always = caller.refused_everywhere
                || (!route.public && !route.portal && caller.name == "A's publishable key");
            let Some(call) = plan_call(world, route, caller) else {
                tally.not_sent.push(format!(
                    "{route_key} with {}: no such live object",
                    caller.name
                ));
                continue;
            };
            let bound = call.path_bound || call.body_bound;
            if caller.made_up_ids && !bound {
                continue; // Nothing to make up.
            }
            if !always && !bound && route.method != Method::GET {
                // A write that names nothing of A's acts on the caller's own
                // data (another merchant's, the other mode's, the token's
                // customer's): legitimate, and it would change the digest.
                tally
                    .not_sent
                    .push(format!("{route_key} with {}", caller.name));
                continue;
            }
            let r = app
                .send(
                    route.method.clone(),
                    &call.url,
                    caller.key.as_deref(),
                    call.body.as_ref(),
                    &[],
                )
                .await;
            let what = format!(
                "{route_key} with {} → {}: {}",
                caller.name,
                r.status,
                short(&r.text)
            );
            if r.status >= 500 {
                tally.failures.push(format!("server error: {what}"));
                continue;
            }
            // Nothing of A's may show, except what the caller sent itself.
            let mut sent = BTreeSet::new();
            ids_in(&json!(call.url.split('/').collect::<Vec<_>>()), &mut sent);
            if let Some(b) = &call.body {
                ids_in(b, &mut sent);
            }
            let mut shown = BTreeSet::new();
            ids_in(&r.body, &mut shown);
            // Another customer of A may see A's catalog and its own objects,
            // never the customer's; every other caller nothing of A's.
            let forbidden = if caller.name == "another customer's portal token" {
                &footprint.customer
            } else if caller.live_objects {
                &footprint.live
            } else {
                &footprint.merchant
            };
            let leaked: Vec<&String> = shown
                .iter()
                .filter(|i| forbidden.contains(*i) && !sent.contains(*i))
                .filter(|i| !(caller.name.starts_with("A's") && **i == a.merchant))
                .collect();
            if !leaked.is_empty() {
                tally.failures.push(format!("shows A's {leaked:?}: {what}"));
                continue;
            }
            if (200..300).contains(&r.status) {
                if always || bound {
                    tally.failures.push(format!("not refused: {what}"));
                } else {
                    tally.listed_own_data += 1;
                }
                continue;
            }
            let problem = r.header("content-type") == Some("application/problem+json")
                && r.body["status"] == r.status
                && r.body["code"].is_string();
            let refused = match r.status {
                401 | 403 | 404 => true,
                // A 422 naming a field (a body naming an object the caller
                // cannot see, or a rule checked before the lookup) refuses
                // without telling whether A's object exists: the same call with
                // made-up ids answers the same.
                422 if r.body["param"].is_string() => {
                    caller.made_up_ids || same_with_made_up_ids(app, world, route, caller, &r).await
                }
                _ => false,
            };
            if !problem {
                tally.failures.push(format!("not problem+json: {what}"));
            } else if !refused && (always || bound) {
                tally
                    .failures
                    .push(format!("not refused with 401/403/404: {what}"));
            } else {
                tally.refused += 1;
                tally.refused_routes.insert(route_key.clone());
            }
        }
    }
    tally
}

/// Whether `call` with made-up ids in place of A's answers as `first` did
/// (status, code and field).
async fn same_with_made_up_ids(
    app: &TestApp,
    world: &World,
    route: &Route,
    caller: &Caller,
    first: &renewly_tests::Resp,
) -> bool {
    let made_up = Caller {
        name: caller.name,
        key: caller.key.clone(),
        token: caller.token.clone(),
        made_up_ids: true,
        live_objects: false,
        refused_everywhere: caller.refused_everywhere,
    };
    let Some(call) = plan_call(world, route, &made_up) else {
        return false;
    };
    let r = app
        .send(
            route.method.clone(),
            &call.url,
            made_up.key.as_deref(),
            call.body.as_ref(),
            &[],
        )
        .await;
    r.status == first.status
        && r.body["code"] == first.body["code"]
        && r.body["param"] == first.body["param"]
}

fn short(text: &str) -> String {
    text.chars().take(200).collect()
}

/// What A's customer and A itself can see: the ids no foreign caller may be
/// shown.
struct Footprint {
    /// Every id A's secret key sees through the GET routes.
    merchant: BTreeSet<String>,
    /// Every id A's live secret key sees through the GET routes.
    live: BTreeSet<String>,
    /// What the customer's portal shows that is the customer's own (not the
    /// merchant's catalog, which every customer of A may see).
    customer: BTreeSet<String>,
}

/// Prefixes of what every customer of a merchant may see in the portal.
const CATALOG: &[&str] = &["mer", "prod", "price", "plan", "cr", "txr", "pl"];

/// Every GET route called by A itself (and the portal's by A's customer):
/// proves the ids are right (200), and collects every id A can see.
async fn footprint(app: &TestApp, world: &World, routes: &[Route]) -> Footprint {
    let own = Caller {
        name: "A",
        key: Some(app.keys.sk.clone()),
        token: None,
        made_up_ids: false,
        live_objects: false,
        refused_everywhere: false,
    };
    let mut merchant = BTreeSet::from([app.keys.merchant.clone(), world.customer.clone()]);
    let mut customer = BTreeSet::from([world.customer.clone()]);
    for route in routes.iter().filter(|r| r.method == Method::GET) {
        let call = plan_call(world, route, &own).expect("A's own ids");
        let r = app
            .send(Method::GET, &call.url, own.key.as_deref(), None, &[])
            .await;
        assert_eq!(
            r.status,
            200,
            "A's own GET {}: {}",
            route.path,
            short(&r.text)
        );
        ids_in(&r.body, &mut merchant);
        if route.portal {
            let mut seen = BTreeSet::new();
            ids_in(&r.body, &mut seen);
            customer.extend(
                seen.into_iter()
                    .filter(|i| !CATALOG.contains(&i.split('_').next().unwrap_or_default())),
            );
        }
    }
    let live_key = app.keys.live_sk.clone();
    let live_caller = Caller {
        name: "A live",
        key: live_key.clone(),
        token: None,
        made_up_ids: false,
        live_objects: true,
        refused_everywhere: false,
    };
    let mut live: BTreeSet<String> = world.live_of.values().cloned().collect();
    for route in routes
        .iter()
        .filter(|r| r.method == Method::GET && !r.portal)
    {
        let Some(call) = plan_call(world, route, &live_caller) else {
            continue;
        };
        let r = app
            .send(Method::GET, &call.url, live_key.as_deref(), None, &[])
            .await;
        // Test-mode-only routes refuse a live key; the objects must answer.
        if call.path_bound {
            let what = format!("A's own live GET {}: {}", route.path, short(&r.text));
            assert_eq!(r.status, 200, "{what}");
        }
        ids_in(&r.body, &mut live);
    }
    live.remove(&app.keys.merchant);
    Footprint {
        merchant,
        live,
        customer,
    }
}

scenarios! {
    async fn no_route_lets_another_merchant_mode_key_or_customer_reach_an_object(app) {
        let doc = app.send(Method::GET, "/v1/openapi.json", None, None, &[]).await;
        assert_eq!(doc.status, 200);
        let routes = routes(&doc.body);
        assert!(routes.len() >= 80, "the document lists {} operations", routes.len());
        let world = world(app).await;

        let before = renewly::store::digest::database_digest(app.db()).await.unwrap();
        let footprint = footprint(app, &world, &routes).await;
        let tally = sweep(app, &world, &routes, &footprint).await;
        let after = renewly::store::digest::database_digest(app.db()).await.unwrap();

        assert!(tally.failures.is_empty(), "{} isolation failures:\n{}",
            tally.failures.len(), tally.failures.join("\n"));
        let changed: Vec<String> = before.iter().zip(&after)
            .filter(|(b, a)| b != a && !LOGGING_TABLES.contains(&b.table.as_str()))
            .map(|(b, a)| format!("{}: {} rows → {} rows", b.table, b.rows, a.rows))
            .collect();
        assert_eq!(before.len(), after.len(), "tables appeared or vanished");
        assert!(changed.is_empty(), "refused calls changed tables: {changed:?}");
        assert!(before.iter().any(|t| t.table == "customers" && t.rows >= 3), "{before:?}");
        // Every operation was refused to someone: none slipped through unchecked.
        let unrefused: Vec<String> = routes.iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .filter(|k| !tally.refused_routes.contains(k))
            .collect();
        assert!(unrefused.is_empty(), "never refused to anyone: {unrefused:?}");
        // The digest sees a change: A renames its product.
        let product = &world.by_collection["products"];
        ok(app.patch(&format!("/v1/products/{product}"), json!({"name": "Renamed"})).await);
        let renamed = renewly::store::digest::database_digest(app.db()).await.unwrap();
        let differ: Vec<&str> = after.iter().zip(&renamed)
            .filter(|(a, r)| a != r).map(|(a, _)| a.table.as_str()).collect();
        assert!(differ.contains(&"products"), "the digest missed a rename: {differ:?}");
        assert!(footprint.customer.len() >= 4 && footprint.merchant.len() > footprint.customer.len(),
            "{:?}", footprint.customer);
        eprintln!("isolation: {} operations, {} refusals, {} lists of the caller's own data, \
                   {} writes on the caller's own data not sent",
            routes.len(), tally.refused, tally.listed_own_data, tally.not_sent.len());
    }
}
