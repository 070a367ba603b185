//! Analytics scenarios: MRR movements, KPIs, cohorts, churn reasons, salespeople,
//! forecasts and currency conversion, built through the real API and the test
//! clock, with every expected figure worked out by hand from SPEC §3 and the
//! README's "Analytics" definitions (never by calling the library). Plus the
//! dashboard's sign-in.
//!
//! The merchant is "Acme" (NL, EUR, reporting in EUR). Prices are tax-exclusive,
//! so MRR and invoice subtotals are the prices themselves.

use serde_json::Value;

use super::*;

/// A published plan with one monthly price in `currency`; returns (plan, price).
async fn monthly_plan(app: &TestApp, amount: &str, currency: &str) -> (String, String) {
    let product = id(&created(
        app.post(
            "/v1/products",
            json!({"name": format!("Plan {amount} {currency}"), "kind": "recurring", "unit": "unit",
                "tax_category": "standard"}),
        )
        .await,
    ));
    let price = id(&created(
        app.post(
            "/v1/prices",
            json!({"product": product, "unit_amount": amount, "currency": currency,
                "recurring": {"interval": "month", "interval_count": 1}, "tax_behavior": "exclusive"}),
        )
        .await,
    ));
    let plan = id(&created(
        app.post(
            "/v1/plans",
            json!({"name": format!("Plan {amount} {currency}"), "prices": [price], "published": true}),
        )
        .await,
    ));
    (plan, price)
}

async fn subscribe(
    app: &TestApp,
    customer: &str,
    (plan, price): &(String, String),
    salesperson: Option<&str>,
) -> String {
    let mut body =
        json!({"customer": customer, "plan": plan, "items": [{"price": price, "quantity": 1}]});
    if let Some(s) = salesperson {
        body["salesperson"] = json!(s);
    }
    id(&created(app.post("/v1/subscriptions", body).await))
}

async fn close(app: &TestApp, sub: &str, reason: &str, when: &str) {
    ok(app
        .post(
            &format!("/v1/subscriptions/{sub}/close"),
            json!({"reason": reason, "when": when}),
        )
        .await);
}

/// The months of a report as (month, values of `keys`) rows.
fn rows(report: &Value, list: &str, keys: &[&str]) -> Vec<Vec<Value>> {
    report[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {report}"))
        .iter()
        .map(|m| keys.iter().map(|k| m[*k].clone()).collect())
        .collect()
}

fn strs(values: &[&str]) -> Vec<Value> {
    values.iter().map(|v| json!(v)).collect()
}

/// The shared history (ids of what matters):
///
/// | day        | what happens                                         | movement          |
/// |------------|------------------------------------------------------|-------------------|
/// | 2027-01-05 | A (NL, Sam) takes P29 as `a1`                        | new +29.00        |
/// | 2027-01-05 | B (NL, no salesperson) takes P29 as `b1`             | new +29.00        |
/// | 2027-01-20 | `a1` goes to quantity 2 (29 → 58), applied now       | expansion +29.00  |
/// | 2027-01-25 | `b1` closed at period end, "Too expensive"           | —                 |
/// | 2027-02-05 | `b1`'s paid period ends: B's last paying sub         | churn −29.00      |
/// | 2027-02-10 | C (DE, Sam) takes P29 as `c1` and P10 as `c2`        | new +29, exp. +10 |
/// | 2027-02-20 | `c2` closed now, "Missing features" (C keeps `c1`)   | contraction −10   |
/// | 2027-03-10 | B comes back on P10 as `b2`                          | reactivation +10  |
///
/// Invoices (subtotals): Jan a1 29.00, b1 29.00, a1's proration
/// 29.00 × 16 ÷ 31 days = 14.97 (Jan 20 → Feb 5 of the Jan 5 → Feb 5 period);
/// Feb a1 58.00, c1 29.00, c2 10.00; Mar a1 58.00, c1 29.00, b2 10.00.
struct History {
    plan10: String,
    sam: String,
}

async fn history(app: &TestApp) -> History {
    advance(app, "2027-01-05").await;
    let p29 = monthly_plan(app, "29.00", "EUR").await;
    let p10 = monthly_plan(app, "10.00", "EUR").await;
    let sam = id(&created(
        app.post(
            "/v1/users",
            json!({"name": "Sam", "email": "sam@acme.example"}),
        )
        .await,
    ));
    let a = customer_with_card(app, "a@example.com", "NL").await;
    let b = customer_with_card(app, "b@example.com", "NL").await;
    let c = customer_with_card(app, "c@example.com", "DE").await;
    let a1 = subscribe(app, &a, &p29, Some(&sam)).await;
    let b1 = subscribe(app, &b, &p29, None).await;
    advance(app, "2027-01-20").await;
    let changed = ok(app
        .post(
            &format!("/v1/subscriptions/{a1}/change"),
            json!({"items": [{"price": p29.1, "quantity": 2}]}),
        )
        .await);
    assert_eq!(changed["subscription"]["mrr"], "58.00", "{changed}");
    advance(app, "2027-01-25").await;
    close(app, &b1, "Too expensive", "period_end").await;
    advance(app, "2027-02-10").await;
    let _c1 = subscribe(app, &c, &p29, Some(&sam)).await;
    let c2 = subscribe(app, &c, &p10, Some(&sam)).await;
    advance(app, "2027-02-20").await;
    close(app, &c2, "Missing features", "now").await;
    advance(app, "2027-03-10").await;
    let _b2 = subscribe(app, &b, &p10, None).await;
    History { plan10: p10.0, sam }
}

const MOVEMENT_KEYS: [&str; 8] = [
    "month",
    "new",
    "expansion",
    "contraction",
    "churn",
    "reactivation",
    "net_new",
    "mrr",
];

scenarios! {
    async fn every_movement_type_is_reported_per_month_and_sums_to_mrr(app) {
        history(app).await;
        let r = ok(app.get("/v1/analytics/movements?from=2027-01&to=2027-03").await);
        assert_eq!(r["object"], "mrr_movements");
        assert_eq!(r["currency"], "EUR");
        assert_eq!(rows(&r, "months", &MOVEMENT_KEYS), vec![
            // Jan: 29 + 29 new, +29 expansion → 87.
            strs(&["2027-01", "58.00", "29.00", "0.00", "0.00", "0.00", "87.00", "87.00"]),
            // Feb: C new 29 and expansion 10; C's add-on −10; B's churn at period end −29 → 87.
            strs(&["2027-02", "29.00", "10.00", "-10.00", "-29.00", "0.00", "0.00", "87.00"]),
            // Mar: B reactivates with 10 → 97.
            strs(&["2027-03", "0.00", "0.00", "0.00", "0.00", "10.00", "10.00", "97.00"]),
        ]);
        // 87 + 39 − 10 − 29 + 10 = 97
        let totals: Vec<Value> = MOVEMENT_KEYS.iter().map(|k| r["totals"][*k].clone()).collect();
        assert_eq!(totals, strs(&["total", "87.00", "39.00", "-10.00", "-29.00", "10.00", "97.00", "97.00"]));
        // The sum of all movements is today's MRR: a1 58 + c1 29 + b2 10.
        let subs = ok(app.get("/v1/subscriptions?status=active&limit=100").await);
        let now: Vec<&str> = subs["data"].as_array().unwrap().iter().map(|s| s["mrr"].as_str().unwrap()).collect();
        let mut now = now;
        now.sort_unstable();
        assert_eq!(now, vec!["10.00", "29.00", "58.00"]);

        let mrr = ok(app.get("/v1/analytics/mrr?from=2027-01&to=2027-03").await);
        assert_eq!(mrr["object"], "mrr");
        assert_eq!(rows(&mrr, "months", &["month", "mrr", "arr", "active_subscriptions", "paying_customers"]), vec![
            // ARR = 12 × 87 = 1044; subs a1 b1; customers A B.
            vec![json!("2027-01"), json!("87.00"), json!("1044.00"), json!(2), json!(2)],
            // subs a1 c1 (b1 and c2 ended); customers A C.
            vec![json!("2027-02"), json!("87.00"), json!("1044.00"), json!(2), json!(2)],
            // + b2; customers A B C; 12 × 97 = 1164.
            vec![json!("2027-03"), json!("97.00"), json!("1164.00"), json!(3), json!(3)],
        ]);

        // Default range: the 12 months up to the test clock's month (2027-03).
        let d = ok(app.get("/v1/analytics/movements").await);
        assert_eq!((d["from"].as_str(), d["to"].as_str()), (Some("2026-04"), Some("2027-03")));
        assert_eq!(d["months"].as_array().unwrap().len(), 12);
        assert_eq!(d["months"][11]["mrr"], "97.00");
        assert_eq!(d["months"][0]["mrr"], "0.00");
    }

    async fn kpis_follow_the_definitions(app) {
        history(app).await;
        let k = ok(app.get("/v1/analytics/kpis?from=2027-01&to=2027-03").await);
        assert_eq!(k["object"], "kpis");
        let keys = ["month", "mrr", "arr", "net_new_mrr", "active_subscriptions", "paying_customers",
            "churned_customers", "arpa", "revenue_per_contract", "gross_mrr_churn", "net_mrr_churn",
            "logo_churn", "ltv", "net_revenue", "non_recurring_revenue"];
        let got = rows(&k, "months", &keys);
        // Jan: ARPA 87 ÷ 2 = 43.50; nothing at the start, so no churn rates and no LTV;
        // revenue 29.00 + 29.00 + 14.97 = 72.97.
        assert_eq!(got[0], vec![json!("2027-01"), json!("87.00"), json!("1044.00"), json!("87.00"), json!(2),
            json!(2), json!(0), json!("43.50"), json!("43.50"), Value::Null, Value::Null, Value::Null,
            Value::Null, json!("72.97"), json!("0.00")]);
        // Feb: gross (29 + 10) ÷ 87 = 0.4483; net (29 + 10 − 10) ÷ 87 = 0.3333; logo 1 ÷ 2;
        // LTV 43.50 ÷ 0.5 (Jan has no logo churn) = 87.00; revenue 58 + 29 + 10 = 97.00.
        assert_eq!(got[1], vec![json!("2027-02"), json!("87.00"), json!("1044.00"), json!("0.00"), json!(2),
            json!(2), json!(1), json!("43.50"), json!("43.50"), json!("0.4483"), json!("0.3333"),
            json!("0.5000"), json!("87.00"), json!("97.00"), json!("0.00")]);
        // Mar: ARPA 97 ÷ 3 = 32.33; gross 0; net (0 − 10) ÷ 87 = −0.1149; logo 0 ÷ 2;
        // LTV 32.333… ÷ ((0.5 + 0) ÷ 2) = 129.33; revenue 58 + 29 + 10 = 97.00.
        assert_eq!(got[2], vec![json!("2027-03"), json!("97.00"), json!("1164.00"), json!("10.00"), json!(3),
            json!(3), json!(0), json!("32.33"), json!("32.33"), json!("0.0000"), json!("-0.1149"),
            json!("0.0000"), json!("129.33"), json!("97.00"), json!("0.00")]);
    }

    async fn cohorts_follow_customers_and_their_starting_mrr(app) {
        history(app).await;
        let c = ok(app.get("/v1/analytics/cohorts?from=2027-01&to=2027-03").await);
        assert_eq!((c["object"].as_str(), c["metric"].as_str()), (Some("cohorts"), Some("customers")));
        let keys = ["cohort", "customers", "starting_mrr", "retention"];
        assert_eq!(rows(&c, "cohorts", &keys), vec![
            // Jan: A and B (starting 29 + 29 = 58). End Jan 2/2; Feb A only (B churned); Mar
            // B is back: 2/2.
            vec![json!("2027-01"), json!(2), json!("58.00"), json!(["1.0000", "0.5000", "1.0000"])],
            // Feb: C (its first `new` is c1's 29).
            vec![json!("2027-02"), json!(1), json!("29.00"), json!(["1.0000", "1.0000"])],
            // Mar: B's return is a reactivation, not a new customer.
            vec![json!("2027-03"), json!(0), json!("0.00"), json!([null])],
        ]);
        let m = ok(app.get("/v1/analytics/cohorts?from=2027-01&to=2027-03&metric=mrr").await);
        assert_eq!(m["metric"], "mrr");
        assert_eq!(rows(&m, "cohorts", &["cohort", "retention"]), vec![
            // Jan cohort from 58: end Jan 58 + 29 = 87 (1.5); Feb 58 (B gone, 1.0);
            // Mar 58 + 10 = 68 (68 ÷ 58 = 1.1724).
            vec![json!("2027-01"), json!(["1.5000", "1.0000", "1.1724"])],
            // Feb cohort from 29: 29 + 10 − 10 = 29 at the end of Feb and Mar.
            vec![json!("2027-02"), json!(["1.0000", "1.0000"])],
            vec![json!("2027-03"), json!([null])],
        ]);
    }

    async fn churn_reasons_and_salespeople_break_down_the_movements(app) {
        let h = history(app).await;
        let r = ok(app.get("/v1/analytics/churn-reasons?from=2027-01&to=2027-03").await);
        assert_eq!(r["object"], "churn_reasons");
        // 29 + 10 = 39 lost: 29 ÷ 39 = 0.7436, 10 ÷ 39 = 0.2564.
        assert_eq!(rows(&r, "reasons", &["reason", "subscriptions", "churned_customers", "mrr_lost", "share"]), vec![
            vec![json!("Too expensive"), json!(1), json!(1), json!("29.00"), json!("0.7436")],
            vec![json!("Missing features"), json!(1), json!(0), json!("10.00"), json!("0.2564")],
        ]);
        // B's churn is recognised at the end of the paid period: in Feb, not in Jan.
        let jan = ok(app.get("/v1/analytics/churn-reasons?from=2027-01&to=2027-01").await);
        assert_eq!(jan["reasons"], json!([]));

        let s = ok(app.get("/v1/analytics/salespeople?from=2027-01&to=2027-03").await);
        assert_eq!(s["object"], "salespeople");
        let keys = ["salesperson", "name", "new", "expansion", "contraction", "churn", "reactivation", "net_new", "mrr"];
        assert_eq!(rows(&s, "salespeople", &keys), vec![
            // Sam: A 29 + C 29 new; A +29 and C +10 expansion; C −10; MRR a1 58 + c1 29.
            vec![json!(h.sam), json!("Sam"), json!("58.00"), json!("39.00"), json!("-10.00"), json!("0.00"),
                json!("0.00"), json!("87.00"), json!("87.00")],
            // B had no salesperson: 29 − 29 + 10.
            vec![Value::Null, json!("Unassigned"), json!("29.00"), json!("0.00"), json!("0.00"), json!("-29.00"),
                json!("10.00"), json!("10.00"), json!("10.00")],
        ]);

        // Filters: one plan, one salesperson, one country.
        let p = ok(app.get(&format!("/v1/analytics/movements?from=2027-01&to=2027-03&plan={}", h.plan10)).await);
        assert_eq!(rows(&p, "months", &MOVEMENT_KEYS)[1..], [
            strs(&["2027-02", "0.00", "10.00", "-10.00", "0.00", "0.00", "0.00", "0.00"]),
            strs(&["2027-03", "0.00", "0.00", "0.00", "0.00", "10.00", "10.00", "10.00"]),
        ]);
        let sam = ok(app.get(&format!("/v1/analytics/mrr?from=2027-03&to=2027-03&salesperson={}", h.sam)).await);
        assert_eq!(sam["months"][0]["mrr"], "87.00");
        let de = ok(app.get("/v1/analytics/movements?from=2027-02&to=2027-03&country=de").await);
        // Only C (DE): 29 + 10 − 10 = 29.
        assert_eq!(de["totals"]["net_new"], "29.00");
        assert_eq!(de["totals"]["mrr"], "29.00");
    }

    async fn a_pause_is_churn_with_reason_paused_and_the_resume_a_reactivation(app) {
        // 2027-01-05 D takes P29 (new +29); 2027-01-10 paused (MRR 0: churn −29,
        // reason "paused"); 2027-02-15 resumed after the paid period (Jan 5 → Feb 5)
        // ran out: reactivation +29 and a new period from Feb 15, invoiced that day.
        advance(app, "2027-01-05").await;
        let p29 = monthly_plan(app, "29.00", "EUR").await;
        let d = customer_with_card(app, "d@example.com", "NL").await;
        let sub = subscribe(app, &d, &p29, None).await;
        advance(app, "2027-01-10").await;
        let paused = ok(app.post(&format!("/v1/subscriptions/{sub}/pause"), json!({})).await);
        assert_eq!(paused["status"], "paused");
        assert_eq!(paused["mrr"], "0.00");
        advance(app, "2027-02-15").await;
        let resumed = ok(app.post(&format!("/v1/subscriptions/{sub}/resume"), json!({})).await);
        assert_eq!(resumed["status"], "active");
        assert_eq!(resumed["mrr"], "29.00");
        advance(app, "2027-02-16").await;

        let m = ok(app.get("/v1/analytics/movements?from=2027-01&to=2027-02").await);
        assert_eq!(rows(&m, "months", &MOVEMENT_KEYS), vec![
            strs(&["2027-01", "29.00", "0.00", "0.00", "-29.00", "0.00", "0.00", "0.00"]),
            strs(&["2027-02", "0.00", "0.00", "0.00", "0.00", "29.00", "29.00", "29.00"]),
        ]);
        let r = ok(app.get("/v1/analytics/churn-reasons?from=2027-01&to=2027-02").await);
        assert_eq!(rows(&r, "reasons", &["reason", "subscriptions", "churned_customers", "mrr_lost", "share"]), vec![
            vec![json!("paused"), json!(1), json!(1), json!("29.00"), json!("1.0000")],
        ]);
        // No invoice while paused; the resumed period is billed from Feb 15.
        let inv = ok(app.get(&format!("/v1/invoices?subscription={sub}")).await);
        let mut periods: Vec<(String, String)> = inv["data"].as_array().unwrap().iter()
            .map(|i| (i["period_start"].as_str().unwrap_or("").to_owned(), i["subtotal"].as_str().unwrap().to_owned()))
            .collect();
        periods.sort();
        assert_eq!(periods, vec![
            ("2027-01-05".to_owned(), "29.00".to_owned()),
            ("2027-02-15".to_owned(), "29.00".to_owned()),
        ]);
    }

    async fn another_merchant_sees_none_of_it(app) {
        history(app).await;
        let other = app.new_merchant("Other", "NL", "EUR").await;
        let m = ok(app.get_as(&other.sk, "/v1/analytics/movements?from=2027-01&to=2027-03").await);
        assert!(m["months"].as_array().unwrap().iter().all(|x| x["mrr"] == "0.00" && x["new"] == "0.00"), "{m}");
        let r = ok(app.get_as(&other.sk, "/v1/analytics/churn-reasons?from=2027-01&to=2027-03").await);
        assert_eq!(r["reasons"], json!([]));
        let s = ok(app.get_as(&other.sk, "/v1/analytics/salespeople?from=2027-01&to=2027-03").await);
        assert_eq!(s["salespeople"], json!([]));
        let c = ok(app.get_as(&other.sk, "/v1/analytics/cohorts?from=2027-01&to=2027-03").await);
        assert!(c["cohorts"].as_array().unwrap().iter().all(|x| x["customers"] == 0));
        let k = ok(app.get_as(&other.sk, "/v1/analytics/kpis?from=2027-01&to=2027-03").await);
        assert!(k["months"].as_array().unwrap().iter().all(|x| x["net_revenue"] == "0.00" && x["arpa"].is_null()));
        // Nor does the same merchant's live mode.
        let live = app.keys.live_sk.clone().unwrap();
        let l = ok(app.get_as(&live, "/v1/analytics/mrr?from=2027-03&to=2027-03").await);
        assert_eq!(l["months"][0]["mrr"], "0.00");
    }

    async fn the_forecast_continues_a_linear_series(app) {
        // One new 29.00 customer on the 15th of every month, Jan to Jul 2027.
        advance(app, "2027-01-15").await;
        let plan = monthly_plan(app, "29.00", "EUR").await;
        for (i, day) in ["2027-01-15", "2027-02-15", "2027-03-15", "2027-04-15", "2027-05-15", "2027-06-15",
            "2027-07-15"].iter().enumerate() {
            advance(app, day).await;
            let c = customer_with_card(app, &format!("f{i}@example.com"), "NL").await;
            subscribe(app, &c, &plan, None).await;
        }
        let f = ok(app.get("/v1/analytics/forecast?from=2027-01&to=2027-07").await);
        assert_eq!(f["object"], "forecast");
        assert!(f["method"].as_str().unwrap().starts_with("Linear projection"), "{f}");
        assert_eq!(f["basis_months"], json!(["2027-02", "2027-03", "2027-04", "2027-05", "2027-06", "2027-07"]));
        // Feb–Jul each add 29.00 and one contract.
        assert_eq!(f["average_net_new_mrr"], "29.00");
        assert_eq!(f["average_net_new_contracts"], "1.0000");
        // 12 × 29 = 348; 348 ÷ (7 × 29 = 203) = 1.7143.
        assert_eq!(f["expected_annual_mrr_growth"], "348.00");
        assert_eq!(f["expected_annual_mrr_growth_rate"], "1.7143");
        assert_eq!(f["expected_annual_contract_growth"], "12.0000");
        assert_eq!(f["history"][6], json!({"month": "2027-07", "mrr": "203.00", "active_subscriptions": 7}));
        let months = f["months"].as_array().unwrap();
        assert_eq!(months.len(), 12);
        // Aug: 203 + 29 = 232, 8 contracts; Jul 2028: 203 + 12 × 29 = 551, 19 contracts.
        assert_eq!(months[0], json!({"month": "2027-08", "mrr": "232.00", "active_subscriptions": 8}));
        assert_eq!(months[11], json!({"month": "2028-07", "mrr": "551.00", "active_subscriptions": 19}));
    }

    async fn net_and_non_recurring_revenue_come_from_posted_invoices(app) {
        advance(app, "2027-01-15").await;
        let product = id(&created(app.post("/v1/products",
            json!({"name": "Pro", "kind": "recurring", "unit": "unit", "tax_category": "standard"})).await));
        let monthly = id(&created(app.post("/v1/prices", json!({"product": product, "unit_amount": "29.00",
            "recurring": {"interval": "month", "interval_count": 1}, "tax_behavior": "exclusive"})).await));
        let onboarding = id(&created(app.post("/v1/products",
            json!({"name": "Onboarding", "kind": "one_off", "unit": "unit", "tax_category": "standard"})).await));
        let setup = id(&created(app.post("/v1/prices",
            json!({"product": onboarding, "unit_amount": "25.00", "tax_behavior": "exclusive"})).await));
        let plan = id(&created(app.post("/v1/plans", json!({"name": "Pro", "prices": [monthly],
            "setup_fee": setup, "published": true})).await));
        let c = customer_with_card(app, "rev@example.com", "NL").await;
        subscribe(app, &c, &(plan, monthly.clone()), None).await;
        // An invoice left open (sent, not charged) counts as posted revenue too.
        let on_account = id(&created(app.post("/v1/plans", json!({"name": "On account", "prices": [monthly],
            "payment_mode": "send_invoice", "invoice_due_days": 30})).await));
        advance(app, "2027-02-15").await;
        let d = id(&created(app.post("/v1/customers", json!({"email": "ap@example.com",
            "address": {"country": "NL"}})).await));
        subscribe(app, &d, &(on_account, monthly), None).await;
        let k = ok(app.get("/v1/analytics/kpis?from=2027-01&to=2027-02").await);
        // Jan: 29.00 + the 25.00 setup fee; Feb: the renewal 29.00 + the open 29.00.
        assert_eq!(rows(&k, "months", &["month", "net_revenue", "non_recurring_revenue"]), vec![
            strs(&["2027-01", "54.00", "25.00"]),
            strs(&["2027-02", "58.00", "0.00"]),
        ]);
    }

    async fn other_currencies_are_converted_at_the_rate_of_their_date(app) {
        advance(app, "2027-01-10").await;
        let usd100 = monthly_plan(app, "100.00", "USD").await;
        let usd50 = monthly_plan(app, "50.00", "USD").await;
        let eur29 = monthly_plan(app, "29.00", "EUR").await;
        let d = customer_with_card(app, "usd@example.com", "NL").await;
        subscribe(app, &d, &usd100, None).await;
        let missing = app.get("/v1/analytics/movements?from=2027-01&to=2027-02").await;
        missing.assert_problem(422, "invalid_field", Some("currency"));
        assert!(missing.body["detail"].as_str().unwrap().contains("from USD to EUR"), "{}", missing.text);

        let rate = created(app.post("/v1/exchange_rates",
            json!({"from": "USD", "to": "EUR", "rate": "0.92", "date": "2027-01-01"})).await);
        assert_eq!((rate["object"].as_str(), rate["rate"].as_str()), (Some("exchange_rate"), Some("0.92")));
        // The same pair and day again replaces the rate (200).
        let again = ok(app.post("/v1/exchange_rates",
            json!({"from": "usd", "to": "EUR", "rate": "0.92", "date": "2027-01-01"})).await);
        assert_eq!(again["id"], rate["id"]);
        created(app.post("/v1/exchange_rates",
            json!({"from": "USD", "to": "EUR", "rate": "0.90", "date": "2027-02-01"})).await);
        let listed = ok(app.get("/v1/exchange_rates").await);
        assert_eq!(rows(&listed, "data", &["from", "to", "rate", "date"]), vec![
            strs(&["USD", "EUR", "0.9", "2027-02-01"]),
            strs(&["USD", "EUR", "0.92", "2027-01-01"]),
        ]);

        advance(app, "2027-02-10").await;
        let e = customer_with_card(app, "usd2@example.com", "NL").await;
        subscribe(app, &e, &usd50, None).await;
        let f = customer_with_card(app, "eur@example.com", "NL").await;
        subscribe(app, &f, &eur29, None).await;

        let eur = ok(app.get("/v1/analytics/movements?from=2027-01&to=2027-02").await);
        assert_eq!(eur["currency"], "EUR");
        // Jan 100 × 0.92 = 92.00; Feb 50 × 0.90 = 45.00 plus 29.00 EUR; MRR 92 + 74 = 166.
        assert_eq!(rows(&eur, "months", &["month", "new", "mrr"]), vec![
            strs(&["2027-01", "92.00", "92.00"]),
            strs(&["2027-02", "74.00", "166.00"]),
        ]);
        // In USD the EUR amount uses the reverse pair: 29 ÷ 0.90 = 32.22.
        let usd = ok(app.get("/v1/analytics/movements?from=2027-01&to=2027-02&currency=usd").await);
        assert_eq!(usd["currency"], "USD");
        assert_eq!(rows(&usd, "months", &["month", "new", "mrr"]), vec![
            strs(&["2027-01", "100.00", "100.00"]),
            strs(&["2027-02", "82.22", "182.22"]),
        ]);

        for (body, param) in [
            (json!({"from": "USD", "to": "EUR", "rate": "0", "date": "2027-01-01"}), "rate"),
            (json!({"from": "USD", "to": "EUR", "rate": "abc", "date": "2027-01-01"}), "rate"),
            (json!({"from": "USD", "to": "EUR", "rate": "-1", "date": "2027-01-01"}), "rate"),
            (json!({"from": "XXX", "to": "EUR", "rate": "1.1", "date": "2027-01-01"}), "from"),
            (json!({"from": "EUR", "to": "EUR", "rate": "1.1", "date": "2027-01-01"}), "to"),
            (json!({"from": "USD", "to": "EUR", "rate": "1.1", "date": "2027-13-01"}), "date"),
        ] {
            app.post("/v1/exchange_rates", body).await.assert_problem(422, "invalid_field", Some(param));
        }
        app.post("/v1/exchange_rates", json!({"from": "USD", "to": "EUR", "rate": "1"})).await
            .assert_problem(422, "missing_field", Some("date"));
    }

    async fn bad_parameters_get_a_422_naming_them(app) {
        for (query, param) in [
            ("from=2027-13", "from"),
            ("from=2027-1", "from"),
            ("to=27-01", "to"),
            ("to=2027-01-05", "to"),
            ("from=2027-05&to=2027-03", "from"),
            ("from=2000-01&to=2027-03", "from"),
            ("currency=XYZ", "currency"),
            ("plan=nope", "plan"),
            ("salesperson=cus_01jdxyz", "salesperson"),
            ("country=ZZ", "country"),
        ] {
            for endpoint in ["mrr", "movements", "kpis", "cohorts", "churn-reasons", "salespeople", "forecast"] {
                app.get(&format!("/v1/analytics/{endpoint}?{query}")).await
                    .assert_problem(422, "invalid_field", Some(param));
            }
        }
        app.get("/v1/analytics/cohorts?metric=revenue").await
            .assert_problem(422, "invalid_field", Some("metric"));
        app.get_as(&app.keys.pk, "/v1/analytics/mrr").await
            .assert_problem(403, "secret_key_required", None);
        app.send(reqwest::Method::GET, "/v1/analytics/kpis", None, None, &[]).await
            .assert_problem(401, "invalid_api_key", None);
        app.get("/v1/exchange_rates?starting_after=evt_x").await
            .assert_problem(422, "invalid_field", Some("starting_after"));
    }

    async fn the_dashboard_signs_in_with_the_secret_key_and_draws_the_charts(app) {
        // A little history so that every chart has something to draw.
        advance(app, "2027-01-05").await;
        let p = monthly_plan(app, "29.00", "EUR").await;
        let c = customer_with_card(app, "dash@example.com", "NL").await;
        let s = subscribe(app, &c, &p, None).await;
        advance(app, "2027-02-10").await;
        close(app, &s, "Too <b>expensive</b>", "now").await;

        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let url = |path: &str| format!("{}{path}", app.url);
        let base = app.url.clone();
        let login = |key: String| {
            let (client, base) = (client.clone(), base.clone());
            async move { sign_in(&client, &base, &key).await }
        };
        // A sign-in posted from elsewhere (no form value, or one without its cookie)
        // is refused and opens nothing.
        let (_, stolen) = form_csrf(&client, &app.url).await;
        for forged in [format!("key={}", app.keys.sk), format!("key={}&csrf={stolen}", app.keys.sk)] {
            let r = client.post(url("/dashboard/login"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(forged).send().await.unwrap();
            assert_eq!(r.status(), 403);
            assert!(!r.headers()["set-cookie"].to_str().unwrap().starts_with("renewly_dashboard="));
        }

        let anonymous = client.get(url("/dashboard")).send().await.unwrap();
        assert_eq!(anonymous.status(), 303);
        assert_eq!(anonymous.headers()["location"], "/dashboard/login");
        let form = client.get(url("/dashboard/login")).send().await.unwrap();
        assert_eq!(form.status(), 200);
        let html = form.text().await.unwrap();
        assert!(html.contains("method=\"post\"") && html.contains("type=\"password\""));

        for bad in ["sk_test_wrong".to_owned(), app.keys.pk.clone()] {
            let r = login(bad).await.unwrap();
            assert_eq!(r.status(), 401);
            let set = r.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_owned());
            assert!(set.is_none_or(|c| c.starts_with("renewly_csrf=")), "no session for a bad key");
            let body = r.text().await.unwrap();
            assert!(body.contains("role=\"alert\""), "{body}");
        }

        let r = login(app.keys.sk.clone()).await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/dashboard");
        let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(set.starts_with("renewly_dashboard="), "{set}");
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/dashboard"), "{set}");
        assert!(!set.contains(&app.keys.sk), "the key never goes into the cookie");
        let cookie = set.split(';').next().unwrap().to_owned();

        let page = client.get(url("/dashboard?from=2027-01&to=2027-02")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
        assert_eq!(page.headers()["cache-control"], "no-store");
        assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
        let html = page.text().await.unwrap();
        assert!(html.contains("<svg"), "charts are drawn");
        assert!(html.matches("<title id=").count() >= 4, "every chart has a title");
        assert!(html.contains("Too &lt;b&gt;expensive&lt;/b&gt;"), "text is escaped");
        assert!(!html.contains("<script"), "no JavaScript");
        assert!(!html.contains(&app.keys.sk), "the key is never shown");
        // A bad parameter is reported on the page, not as JSON.
        let bad = client.get(url("/dashboard?from=nope")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(bad.status(), 200);
        assert!(bad.text().await.unwrap().contains("must be a month YYYY-MM"));

        let out = client.post(url("/dashboard/logout")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(out.status(), 303);
        assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
        let after = client.get(url("/dashboard")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(after.status(), 303, "the session is gone");
    }
}

/// The sign-in form's anti-forgery value, from its cookie and its hidden field.
async fn form_csrf(client: &reqwest::Client, base: &str) -> (String, String) {
    let form = client
        .get(format!("{base}/dashboard/login"))
        .send()
        .await
        .unwrap();
    let set = form.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set.starts_with("renewly_csrf=")
            && set.contains("HttpOnly")
            && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    let html = form.text().await.unwrap();
    let value = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    (cookie, value)
}

/// Signs in through the form, as a browser does.
async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    key: &str,
) -> reqwest::Result<reqwest::Response> {
    let (cookie, csrf) = form_csrf(client, base).await;
    client
        .post(format!("{base}/dashboard/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(format!("key={key}&csrf={csrf}"))
        .send()
        .await
}
