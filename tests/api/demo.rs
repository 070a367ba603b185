//! `renewly demo`'s history: a year of customers driven through the real API, the
//! billing worker and the test clock, then read back through the analytics API
//! and checked against the subscriptions' own MRR.

use renewly::config::Config;
use renewly::demo::{Api, seed_catalog};
use renewly::demo_history::{HistoryOptions, seed_history};
use serde_json::Value;

use super::*;

/// An amount on the wire (`"12.34"`, `"-5"`) in cents; more than two decimals
/// that are not zero fail the test.
fn cents(v: &Value) -> i64 {
    let raw = v.as_str().unwrap_or_else(|| panic!("not an amount: {v}"));
    let (negative, digits) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let (units, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let (kept, rest) = fraction.split_at(fraction.len().min(2));
    assert!(rest.chars().all(|c| c == '0'), "{raw} has more than cents");
    let value = units.parse::<i64>().unwrap() * 100 + format!("{kept:0<2}").parse::<i64>().unwrap();
    if negative { -value } else { value }
}

/// Every object of a list endpoint, page by page.
async fn all(app: &TestApp, path: &str) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let join = if path.contains('?') { '&' } else { '?' };
    loop {
        let page = match out.last() {
            Some(last) => format!(
                "{path}{join}limit=100&starting_after={}",
                last["id"].as_str().unwrap()
            ),
            None => format!("{path}{join}limit=100"),
        };
        let body = ok(app.get(&page).await);
        out.extend(body["data"].as_array().unwrap().iter().cloned());
        if body["has_more"] != true {
            return out;
        }
    }
}

scenarios! {
    async fn a_year_of_demo_history_fills_every_chart_and_adds_up(app) {
        let config = Config::for_database(&app.database_url);
        let api = Api::for_database(app.db(), &config, &app.keys.sk, &app.keys.pk);
        seed_catalog(&api, "http://127.0.0.1:8081").await.unwrap();
        let options = HistoryOptions {
            months: 12,
            customers: 26,
            progress: false,
            ..HistoryOptions::default()
        };
        let made = seed_history(&api, options).await.unwrap();

        // The clock ends on the calendar today, a year after it started.
        let today = chrono::Utc::now().date_naive();
        assert_eq!(made.to, today);
        assert_eq!(ok(app.get("/v1/test_clock").await)["now"], today.to_string());
        assert!(made.customers >= 20, "{made:?}");
        assert!(made.subscriptions > made.customers, "comebacks subscribe again: {made:?}");
        assert!(made.invoices > u64::from(made.subscriptions) * 2, "renewals: {made:?}");
        assert!(made.failed_payments > 0, "{made:?}");
        assert!(made.recovered > 0 && made.reactivations > 0, "{made:?}");

        let range = format!("from={}&to={}", made.from.format("%Y-%m"), today.format("%Y-%m"));
        let movements = ok(app.get(&format!("/v1/analytics/movements?{range}")).await);
        let totals = &movements["totals"];
        for kind in ["new", "expansion", "contraction", "churn", "reactivation"] {
            // Churn and contraction are negative.
            assert_ne!(cents(&totals[kind]), 0, "no {kind} in {totals}");
        }
        let months = movements["months"].as_array().unwrap();
        assert_eq!(months.len(), 13);
        let with_new = months.iter().filter(|m| cents(&m["new"]) > 0).count();
        assert!(with_new >= 9, "new MRR in only {with_new} of 13 months");

        let reasons = ok(app.get(&format!("/v1/analytics/churn-reasons?{range}")).await);
        let named: Vec<&str> = reasons["reasons"].as_array().unwrap().iter()
            .filter(|r| r["subscriptions"].as_i64().unwrap() > 0)
            .map(|r| r["reason"].as_str().unwrap())
            .collect();
        assert!(named.len() >= 2, "churn reasons: {reasons}");

        let sales = ok(app.get(&format!("/v1/analytics/salespeople?{range}")).await);
        let salespeople = sales["salespeople"].as_array().unwrap().iter()
            .filter(|s| s["salesperson"].is_string() && cents(&s["new"]) > 0)
            .count();
        assert!(salespeople >= 2, "salespeople: {sales}");

        let cohorts = ok(app.get(&format!("/v1/analytics/cohorts?{range}")).await);
        assert!(cohorts["cohorts"].as_array().unwrap().len() >= 9, "cohorts: {cohorts}");

        // Dunning happened: a charge retried and paid with a new card, and a
        // subscription given up with its invoice uncollectible.
        let invoices = all(app, "/v1/invoices").await;
        assert_eq!(invoices.len() as u64, made.invoices);
        let retried = |i: &&Value| i["attempt_count"].as_u64().unwrap() >= 2;
        assert!(invoices.iter().filter(retried).any(|i| i["status"] == "paid"));
        assert!(invoices.iter().any(|i| i["status"] == "uncollectible"));
        let prorated = invoices.iter().filter(|i| i["billing_reason"] == "subscription_update");
        assert!(prorated.count() > 0, "prorated upgrades");

        // Business subscriptions came through the signed checkout.
        let plans = ok(app.get("/v1/plans?limit=100").await);
        let business = plans["data"].as_array().unwrap().iter()
            .find(|p| p["name"] == "Business").unwrap()["id"].as_str().unwrap().to_owned();
        assert!(!all(app, &format!("/v1/subscriptions?plan={business}")).await.is_empty());

        // The analytics MRR of this month is the sum of every live subscription's
        // MRR, to the cent; closed ones count nothing.
        let subscriptions = all(app, "/v1/subscriptions").await;
        assert_eq!(subscriptions.len() as u32, made.subscriptions);
        let mut live = 0;
        let mut paying = std::collections::HashSet::new();
        for s in &subscriptions {
            let mrr = cents(&s["mrr"]);
            if s["status"] == "closed" {
                assert_eq!(mrr, 0, "{s}");
            } else {
                live += mrr;
                if mrr > 0 {
                    paying.insert(s["customer"].as_str().unwrap().to_owned());
                }
            }
        }
        let month = today.format("%Y-%m");
        let series = ok(app.get(&format!("/v1/analytics/mrr?from={month}&to={month}")).await);
        let now = &series["months"][0];
        assert!(live > 0);
        assert_eq!(cents(&now["mrr"]), live, "{series}");
        assert_eq!(now["paying_customers"].as_u64().unwrap() as usize, paying.len(), "{series}");

        // One subscription's MRR history ends at its current MRR.
        let sample = subscriptions.iter().find(|s| s["status"] == "active").unwrap();
        let sample_id = sample["id"].as_str().unwrap();
        let history = ok(app.get(&format!("/v1/subscriptions/{sample_id}/mrr")).await);
        let events = history["data"].as_array().unwrap();
        let deltas: i64 = events.iter().map(|e| cents(&e["delta"])).sum();
        assert_eq!(cents(&events.last().unwrap()["subscription_mrr"]), cents(&sample["mrr"]));
        assert_eq!(deltas, cents(&sample["mrr"]));
    }
}
