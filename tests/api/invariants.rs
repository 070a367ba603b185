//! Random sequences of what merchants and customers do — subscribe (API or
//! checkout), change, pause, resume, close, let time pass (renewals), switch to
//! a failing card, pay (new card, or the portal's "pay now") — driven through the
//! HTTP API, after which the billing engine's invariants must hold:
//!
//! - the ledger balances (debits = credits per currency);
//! - each subscription's MRR is the sum of its MRR movements so far;
//! - no subscription period is invoiced twice;
//! - invoice numbers have no gaps (00001…N per prefix and year).
//!
//! An operation that makes no sense in the current state may be refused with a
//! 4xx; a 5xx never happens. Generated with proptest, bounded to a few short
//! sequences so that the file runs in well under a minute.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use renewly_tests::{Backend, Resp};
use serde_json::Value;

use super::*;

/// Customers created up front, each with a good card.
const CUSTOMERS: usize = 3;

/// What happens in one step. Indices pick among what exists (modulo its count).
#[derive(Debug, Clone)]
enum Op {
    /// `POST /v1/subscriptions` for an existing customer.
    Subscribe {
        customer: usize,
        offer: usize,
    },
    /// `POST /v1/public/checkout`: a new customer with a card.
    Checkout {
        offer: usize,
        failing_card: bool,
    },
    /// Upgrade, downgrade or another quantity, possibly on the other plan.
    Change {
        sub: usize,
        offer: usize,
        quantity: u32,
    },
    Pause {
        sub: usize,
    },
    Resume {
        sub: usize,
    },
    Close {
        sub: usize,
        now: bool,
    },
    /// Moves the test clock forward: renewals, retries, dunning.
    Advance {
        days: u64,
    },
    /// The customer's default card becomes one whose charges are declined.
    FailingCard {
        customer: usize,
    },
    /// A new good default card (which retries open invoices at once).
    NewCard {
        customer: usize,
    },
    /// The portal's "pay now" on one of the open invoices.
    PayInPortal {
        invoice: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let i = || 0..8usize;
    prop_oneof![
        2 => (i(), i()).prop_map(|(customer, offer)| Op::Subscribe { customer, offer }),
        1 => (i(), any::<bool>()).prop_map(|(offer, failing_card)| Op::Checkout { offer, failing_card }),
        2 => (i(), i(), 1..4u32).prop_map(|(sub, offer, quantity)| Op::Change { sub, offer, quantity }),
        1 => i().prop_map(|sub| Op::Pause { sub }),
        1 => i().prop_map(|sub| Op::Resume { sub }),
        1 => (i(), any::<bool>()).prop_map(|(sub, now)| Op::Close { sub, now }),
        3 => (1..35u64).prop_map(|days| Op::Advance { days }),
        2 => i().prop_map(|customer| Op::FailingCard { customer }),
        1 => i().prop_map(|customer| Op::NewCard { customer }),
        2 => i().prop_map(|invoice| Op::PayInPortal { invoice }),
    ]
}

/// A plan and one of its prices.
struct Offer {
    plan: String,
    price: String,
}

/// What a sequence runs against.
struct World<'a> {
    app: &'a TestApp,
    offers: Vec<Offer>,
    customers: Vec<String>,
    subs: Vec<String>,
    today: NaiveDate,
}

/// Any answer but a 5xx; `None` when it is not a success.
fn accepted(what: &str, r: Resp) -> Option<Value> {
    assert!(r.status < 500, "{what}: {} {}", r.status, r.text);
    (r.status < 300).then_some(r.body)
}

fn pick<T>(list: &[T], i: usize) -> Option<&T> {
    (!list.is_empty()).then(|| &list[i % list.len()])
}

impl World<'_> {
    /// Basic (monthly 20.00, yearly 200.00) and Pro (monthly 50.00), published.
    async fn new(app: &TestApp) -> World<'_> {
        let basic = product(app, "Basic", "recurring").await;
        let basic_month = recurring_price(app, &basic, "20.00", "month", 1, false).await;
        let basic_year = recurring_price(app, &basic, "200.00", "year", 1, false).await;
        let basic_plan = plan(
            app,
            json!({"name": "Basic", "prices": [basic_month, basic_year], "published": true}),
        )
        .await;
        let (pro_plan, pro_month) = plan_of(app, "50.00", "month", 1).await;
        let offers = vec![
            Offer {
                plan: basic_plan.clone(),
                price: basic_month,
            },
            Offer {
                plan: basic_plan,
                price: basic_year,
            },
            Offer {
                plan: pro_plan,
                price: pro_month,
            },
        ];
        let mut customers = Vec::new();
        for n in 0..CUSTOMERS {
            customers.push(customer_with_card(app, &format!("c{n}@example.com"), "NL").await);
        }
        let clock = ok(app.get("/v1/test_clock").await);
        let today = clock["now"]
            .as_str()
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("the clock's date in {clock}"));
        World {
            app,
            offers,
            customers,
            subs: Vec::new(),
            today,
        }
    }

    async fn apply(&mut self, op: &Op) {
        let app = self.app;
        match *op {
            Op::Subscribe { customer, offer } => {
                let c = &self.customers[customer % self.customers.len()];
                let o = &self.offers[offer % self.offers.len()];
                let body = json!({"customer": c, "plan": o.plan, "items": [{"price": o.price}]});
                if let Some(s) = accepted("subscribe", app.post("/v1/subscriptions", body).await) {
                    self.subs.push(id(&s));
                }
            }
            Op::Checkout {
                offer,
                failing_card,
            } => {
                let o = &self.offers[offer % self.offers.len()];
                let n = self.customers.len();
                let number = if failing_card {
                    CARD_CHARGES_FAIL
                } else {
                    CARD_OK
                };
                let body = json!({"plan": o.plan, "price": o.price, "quantity": 1,
                    "customer": {"email": format!("c{n}@example.com"), "name": "Kim",
                        "address": {"country": "NL"}},
                    "payment_method": {"card": card(number)}});
                let r = app.post_as(&app.keys.pk, "/v1/public/checkout", body).await;
                if let Some(done) = accepted("checkout", r) {
                    let sub = &done["subscription"];
                    self.subs.push(id(sub));
                    if let Some(c) = sub["customer"].as_str() {
                        self.customers.push(c.to_owned());
                    }
                }
            }
            Op::Change {
                sub,
                offer,
                quantity,
            } => {
                let (Some(s), Some(o)) = (pick(&self.subs, sub), pick(&self.offers, offer)) else {
                    return;
                };
                let body =
                    json!({"plan": o.plan, "items": [{"price": o.price, "quantity": quantity}]});
                let r = app
                    .post(&format!("/v1/subscriptions/{s}/change"), body)
                    .await;
                accepted("change", r);
            }
            Op::Pause { sub } | Op::Resume { sub } => {
                let Some(s) = pick(&self.subs, sub) else {
                    return;
                };
                let action = if matches!(op, Op::Pause { .. }) {
                    "pause"
                } else {
                    "resume"
                };
                let r = app
                    .post(&format!("/v1/subscriptions/{s}/{action}"), json!({}))
                    .await;
                accepted(action, r);
            }
            Op::Close { sub, now } => {
                let Some(s) = pick(&self.subs, sub) else {
                    return;
                };
                let when = if now { "now" } else { "period_end" };
                let body = json!({"reason": "Too expensive", "when": when});
                let r = app
                    .post(&format!("/v1/subscriptions/{s}/close"), body)
                    .await;
                accepted("close", r);
            }
            Op::Advance { days } => {
                self.today = self.today + Days::new(days);
                advance(app, &self.today.to_string()).await;
            }
            Op::FailingCard { customer } | Op::NewCard { customer } => {
                let c = &self.customers[customer % self.customers.len()];
                let number = if matches!(op, Op::FailingCard { .. }) {
                    CARD_CHARGES_FAIL
                } else {
                    CARD_OK
                };
                accepted("attach a card", attach(app, c, number).await);
            }
            Op::PayInPortal { invoice } => {
                let open = list(app, "/v1/invoices?status=open").await;
                let Some(inv) = pick(&open, invoice) else {
                    return;
                };
                let c = inv["customer"].as_str().unwrap_or_default();
                let path = format!("/v1/customers/{c}/portal_sessions");
                let session = created(app.post(&path, json!({})).await);
                let token = session["token"].as_str().unwrap_or_default();
                let pay = format!("/v1/portal/{token}/invoices/{}/pay", id(inv));
                let r = app
                    .send(reqwest::Method::POST, &pay, None, Some(&json!({})), &[])
                    .await;
                accepted("pay in the portal", r);
            }
        }
    }

    /// The four invariants, with the operations that led here in the message.
    async fn check(&self, ops: &[Op]) {
        let app = self.app;
        let tb = ok(app.get("/v1/ledger/trial_balance").await);
        let mut net: BTreeMap<String, i64> = BTreeMap::new();
        for row in tb["accounts"].as_array().into_iter().flatten() {
            let currency = row["currency"].as_str().unwrap_or_default().to_owned();
            *net.entry(currency).or_default() += cents(&row["debit"]) - cents(&row["credit"]);
        }
        assert!(
            tb["balanced"] == true && net.values().all(|n| *n == 0),
            "the ledger does not balance after {ops:?}:\n{tb}"
        );

        let today = self.today.to_string();
        for s in &self.subs {
            let sub = ok(app.get(&format!("/v1/subscriptions/{s}")).await);
            let events = list(app, &format!("/v1/subscriptions/{s}/mrr")).await;
            let sum: i64 = events
                .iter()
                .filter(|e| e["date"].as_str().is_some_and(|d| d <= today.as_str()))
                .map(|e| cents(&e["delta"]))
                .sum();
            assert_eq!(
                cents(&sub["mrr"]),
                sum,
                "MRR of {s} is not the sum of its movements up to {today} after {ops:?}:\n{sub}\n{events:#?}"
            );
        }

        let invoices = list(app, "/v1/invoices").await;
        let mut periods = BTreeSet::new();
        let mut numbers: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for inv in &invoices {
            let reason = inv["billing_reason"].as_str().unwrap_or_default();
            if matches!(reason, "subscription_create" | "subscription_cycle") {
                let key = (
                    inv["subscription"].as_str().unwrap_or_default().to_owned(),
                    inv["period_start"].as_str().unwrap_or_default().to_owned(),
                );
                assert!(
                    periods.insert(key.clone()),
                    "period {key:?} invoiced twice after {ops:?}"
                );
            }
            let number = inv["number"].as_str().unwrap_or_default();
            if let Some((series, n)) = number.rsplit_once('/') {
                let n = n
                    .parse()
                    .unwrap_or_else(|_| panic!("invoice number {number}"));
                numbers.entry(series.to_owned()).or_default().push(n);
            }
        }
        for (series, mut ns) in numbers {
            ns.sort_unstable();
            let expected: Vec<u32> = (1..=ns.len() as u32).collect();
            assert_eq!(ns, expected, "numbers of {series} after {ops:?}");
        }
    }
}

/// Every object of a list endpoint, page by page.
async fn list(app: &TestApp, path: &str) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let join = if path.contains('?') { '&' } else { '?' };
    loop {
        let page = match out.last() {
            Some(last) => format!("{path}{join}limit=100&starting_after={}", id(last)),
            None => format!("{path}{join}limit=100"),
        };
        let body = ok(app.get(&page).await);
        out.extend(body["data"].as_array().into_iter().flatten().cloned());
        if body["has_more"] != true {
            return out;
        }
    }
}

/// A decimal string such as "-29.00" in cents.
fn cents(amount: &Value) -> i64 {
    let s = amount
        .as_str()
        .unwrap_or_else(|| panic!("not an amount: {amount}"));
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (units, fraction) = digits.split_once('.').unwrap_or((digits, "00"));
    let value =
        units.parse::<i64>().unwrap() * 100 + format!("{fraction:0<2}").parse::<i64>().unwrap();
    if negative { -value } else { value }
}

/// Runs `cases` random sequences of 10 to 25 steps on `backend`.
fn sequences_keep_the_invariants(backend: Backend, cases: u32) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let config = Config {
        cases,
        max_shrink_iters: 24,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&proptest::collection::vec(op(), 10..=25), |ops| {
        runtime.block_on(async {
            let app = TestApp::start(backend).await;
            let mut world = World::new(&app).await;
            for (n, op) in ops.iter().enumerate() {
                world.apply(op).await;
                // Now and then midway, always at the end.
                if n % 8 == 7 {
                    world.check(&ops[..=n]).await;
                }
            }
            world.check(&ops).await;
            drop(world);
            app.finish().await;
        });
        Ok::<(), TestCaseError>(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn random_sequences_keep_the_billing_invariants_on_sqlite() {
    sequences_keep_the_invariants(Backend::Sqlite, 12);
}

#[test]
fn random_sequences_keep_the_billing_invariants_on_postgres() {
    sequences_keep_the_invariants(Backend::Postgres, 6);
}
