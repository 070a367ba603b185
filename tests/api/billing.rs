//! Billing scenarios: renewals, tax, MRR, dunning, ledger and exactly-once, with
//! every expected amount and date worked out by hand from SPEC §3 (never by
//! calling the library).
//!
//! The merchant is "Acme" (NL, EUR): NL standard VAT 21 %, DE 19 %. The test clock
//! starts on the real date (2026-11-27 when these were written); scenarios that
//! pin dates first move it to a chosen day in 2027 or 2028.

use serde_json::Value;

use super::*;

/// A decimal string such as "-29.00" in cents (for sums in the test itself).
fn cents(amount: &Value) -> i64 {
    let s = amount
        .as_str()
        .unwrap_or_else(|| panic!("not an amount: {amount}"));
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (units, fraction) = digits.split_once('.').unwrap_or((digits, "00"));
    assert_eq!(fraction.len(), 2, "two decimals in {s}");
    let value = units.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap();
    if negative { -value } else { value }
}

async fn one_off_price(app: &TestApp, product: &str, amount: &str) -> String {
    let r = app
        .post(
            "/v1/prices",
            json!({"product": product, "unit_amount": amount, "tax_behavior": "exclusive"}),
        )
        .await;
    id(&created(r))
}

/// The usual plan: 29.00 a month, tax-exclusive.
async fn monthly_29(app: &TestApp) -> (String, String) {
    plan_of(app, "29.00", "month", 1).await
}

/// An NL consumer with a good card as default payment method.
async fn nl_consumer(app: &TestApp, email: &str) -> String {
    let c = customer(
        app,
        json!({"email": email, "name": "Noor", "address": {"country": "NL"}}),
    )
    .await;
    created(attach(app, &c, CARD_OK).await);
    c
}

/// The summary's counters: (invoices created, charges succeeded, charges failed,
/// subscriptions closed).
fn counts(summary: &Value) -> (u64, u64, u64, u64) {
    let n = |k: &str| {
        summary[k]
            .as_u64()
            .unwrap_or_else(|| panic!("{k} in {summary}"))
    };
    (
        n("invoices_created"),
        n("charges_succeeded"),
        n("charges_failed"),
        n("subscriptions_closed"),
    )
}

async fn sub(app: &TestApp, id: &str) -> Value {
    ok(app.get(&format!("/v1/subscriptions/{id}")).await)
}

async fn data(app: &TestApp, path: &str) -> Vec<Value> {
    let body = ok(app.get(path).await);
    assert_eq!(body["has_more"], false, "one page is enough in {path}");
    body["data"].as_array().unwrap().clone()
}

/// A subscription's invoices, oldest first.
async fn invoices(app: &TestApp, sub: &str) -> Vec<Value> {
    let mut list = data(app, &format!("/v1/invoices?subscription={sub}&limit=100")).await;
    list.reverse();
    list
}

async fn mrr_events(app: &TestApp, sub: &str) -> Vec<Value> {
    data(app, &format!("/v1/subscriptions/{sub}/mrr")).await
}

/// (kind, delta, date) of each MRR event.
fn movements(events: &[Value]) -> Vec<(String, String, String)> {
    events
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["delta"].as_str().unwrap().to_owned(),
                e["date"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn mv(kind: &str, delta: &str, date: &str) -> (String, String, String) {
    (kind.to_owned(), delta.to_owned(), date.to_owned())
}

async fn event_count(app: &TestApp, kind: &str) -> usize {
    data(app, &format!("/v1/events?type={kind}&limit=100"))
        .await
        .len()
}

/// Charges recorded with the payment provider (one per idempotency key).
async fn charge_count(app: &TestApp) -> i64 {
    let (n,): (i64,) = renewly::with_db!(app.db(), pool => sqlx::query_as(
        "SELECT COUNT(*) FROM charges",
    )
    .fetch_one(pool)
    .await
    .unwrap());
    n
}

fn numbers(invoices: &[Value]) -> Vec<String> {
    invoices
        .iter()
        .map(|i| i["number"].as_str().unwrap().to_owned())
        .collect()
}

fn expected_numbers(year: u32, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("INV/{year}/{i:05}")).collect()
}

/// Asserts an invoice's period, issue date and status.
fn assert_period(inv: &Value, start: &str, end: &str) {
    assert_eq!(inv["issue_date"], start, "{inv}");
    assert_eq!(inv["period_start"], start, "{inv}");
    assert_eq!(inv["period_end"], end, "{inv}");
}

/// Asserts a subscription's current period and next invoice date.
fn assert_current(s: &Value, start: &str, end: &str) {
    assert_eq!(s["current_period_start"], start, "{s}");
    assert_eq!(s["current_period_end"], end, "{s}");
    assert_eq!(s["next_invoice_date"], end, "{s}");
}

async fn ledger(app: &TestApp, invoice: &str, as_of: &str) -> Vec<Value> {
    data(
        app,
        &format!("/v1/ledger?invoice={invoice}&as_of={as_of}&limit=100"),
    )
    .await
}

async fn trial_balance(app: &TestApp, as_of: &str) -> Value {
    let tb = ok(app
        .get(&format!("/v1/ledger/trial_balance?as_of={as_of}"))
        .await);
    assert_eq!(tb["balanced"], true, "{tb}");
    tb
}

/// (debit, credit, balance) of an account in a trial balance.
fn account(tb: &Value, name: &str) -> (String, String, String) {
    let row = tb["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"] == name)
        .unwrap_or_else(|| panic!("no {name} in {tb}"));
    let s = |k: &str| row[k].as_str().unwrap().to_owned();
    (s("debit"), s("credit"), s("balance"))
}

fn triple(debit: &str, credit: &str, balance: &str) -> (String, String, String) {
    (debit.to_owned(), credit.to_owned(), balance.to_owned())
}

/// A checkout body for `plan`/`price` paid with `number`.
fn checkout_body(plan: &str, price: &str, customer: Value, number: &str) -> Value {
    json!({"plan": plan, "price": price, "quantity": 1, "customer": customer,
        "signature": {"name": "Sam Shopper"}, "payment_method": {"card": card(number)}})
}

scenarios! {
    async fn a_test_clock_started_in_the_past_drives_test_mode_and_the_calendar_worker_leaves_it_alone(app) {
        let started = ok(app.post("/v1/test_clock", json!({"now": "2025-01-15"})).await);
        assert_eq!(started["now"], "2025-01-15");
        let (plan, price) = monthly_29(app).await;
        let c = nl_consumer(app, "history@example.com").await;
        let s = subscribe(app, &c, &plan, &price).await;
        assert_eq!(s["start_date"], "2025-01-15");
        // Once subscriptions exist, the clock only moves forward.
        app.post("/v1/test_clock", json!({"now": "2024-01-01"})).await
            .assert_problem(409, "test_clock_in_use", None);
        // The calendar worker (as in `renewly serve`) runs on the real date but does
        // not touch a merchant whose test mode follows a test clock.
        let today = renewly::billing::clock::calendar_today();
        let provider = renewly::payments::Provider::default();
        let summary = renewly::billing::worker::run_day(app.db(), &provider,
            renewly::billing::worker::Filter::RealTime, today).await.unwrap();
        assert_eq!(summary.invoices_created, 0);
        assert_eq!(invoices(app, &id(&s)).await.len(), 1);
        // The clock does: Feb 15 and Mar 15 renewals.
        advance(app, "2025-03-15").await;
        assert_eq!(invoices(app, &id(&s)).await.len(), 3);
        assert_eq!(ok(app.get("/v1/test_clock").await)["now"], "2025-03-15");
        // Live mode has no test clock.
        let live = app.keys.live_sk.clone().unwrap();
        app.post_as(&live, "/v1/test_clock", json!({"now": "2025-01-01"})).await
            .assert_problem(422, "test_mode_only", Some("Authorization"));
    }

    async fn monthly_revenue_is_recognised_at_once_even_across_month_ends(app) {
        // Anchor Jan 31: the periods Jan 31–Feb 28, Feb 28–Mar 31 (31 days) and
        // Mar 31–Apr 30 are each one billing month, so nothing is deferred.
        advance(app, "2027-01-31").await;
        let (plan, price) = monthly_29(app).await;
        let c = nl_consumer(app, "month-ends@example.com").await;
        subscribe(app, &c, &plan, &price).await;
        advance(app, "2027-03-31").await;
        let tb = ok(app.get("/v1/ledger/trial_balance?as_of=2027-03-31").await);
        assert_eq!(tb["balanced"], true);
        let account = |name: &str| tb["accounts"].as_array().unwrap().iter()
            .find(|a| a["account"] == name).cloned();
        assert!(account("deferred_revenue").is_none(), "{tb}");
        // Three invoices of 29.00 net: revenue 87.00, tax 3 × 6.09 = 18.27.
        assert_eq!(account("revenue").unwrap()["credit"], "87.00");
        assert_eq!(account("tax_payable").unwrap()["credit"], "18.27");
        assert_eq!(account("cash").unwrap()["debit"], "105.27");
    }

    async fn a_jan_31_anchor_renews_on_feb_28_mar_31_and_apr_30(app) {
        advance(app, "2027-01-31").await;
        let (plan, price) = monthly_29(app).await;
        let c = nl_consumer(app, "anchor@example.com").await;
        let s = subscribe(app, &c, &plan, &price).await;
        let sid = id(&s);
        assert_eq!(s["status"], "active");
        assert_eq!(s["start_date"], "2027-01-31");
        // Period 1 = [Jan 31, Jan 31 + 1 month = Feb 28 (2027 is not a leap year)).
        assert_current(&s, "2027-01-31", "2027-02-28");
        let first = &invoices(app, &sid).await[0];
        assert_period(first, "2027-01-31", "2027-02-28");
        assert_eq!(first["due_date"], "2027-01-31");

        // Nothing is due the day before.
        assert_eq!(counts(&advance(app, "2027-02-27").await), (0, 0, 0, 0));
        assert_eq!(invoices(app, &sid).await.len(), 1);

        // Feb 28: period 2 ends at anchor + 2 months = Mar 31 (from the anchor,
        // not Feb 28 + 1 month = Mar 28).
        assert_eq!(counts(&advance(app, "2027-02-28").await), (1, 1, 0, 0));
        let all = invoices(app, &sid).await;
        assert_eq!(all.len(), 2);
        assert_period(&all[1], "2027-02-28", "2027-03-31");
        assert_current(&sub(app, &sid).await, "2027-02-28", "2027-03-31");

        // Mar 31 → anchor + 3 months = Apr 30.
        assert_eq!(counts(&advance(app, "2027-03-31").await), (1, 1, 0, 0));
        let all = invoices(app, &sid).await;
        assert_period(&all[2], "2027-03-31", "2027-04-30");
        assert_current(&sub(app, &sid).await, "2027-03-31", "2027-04-30");

        // Apr 30 → anchor + 4 months = May 31 (the 31st is restored).
        assert_eq!(counts(&advance(app, "2027-04-30").await), (1, 1, 0, 0));
        let all = invoices(app, &sid).await;
        assert_eq!(all.len(), 4);
        assert_period(&all[3], "2027-04-30", "2027-05-31");
        assert_eq!(all[3]["due_date"], "2027-04-30");
        assert_current(&sub(app, &sid).await, "2027-04-30", "2027-05-31");
        for inv in &all {
            assert_eq!(inv["status"], "paid");
            // 29.00 + 29.00 × 21 % (6.09) = 35.09
            assert_eq!(inv["total"], "35.09");
        }
    }

    async fn a_jan_31_anchor_in_a_leap_year_renews_on_feb_29(app) {
        advance(app, "2028-01-31").await;
        let (plan, price) = monthly_29(app).await;
        let c = nl_consumer(app, "leap@example.com").await;
        let sid = id(&subscribe(app, &c, &plan, &price).await);
        // 2028 is a leap year: Jan 31 + 1 month = Feb 29.
        assert_current(&sub(app, &sid).await, "2028-01-31", "2028-02-29");
        assert_period(&invoices(app, &sid).await[0], "2028-01-31", "2028-02-29");

        assert_eq!(counts(&advance(app, "2028-02-28").await).0, 0);
        assert_eq!(counts(&advance(app, "2028-02-29").await), (1, 1, 0, 0));
        assert_period(&invoices(app, &sid).await[1], "2028-02-29", "2028-03-31");
        assert_current(&sub(app, &sid).await, "2028-02-29", "2028-03-31");

        assert_eq!(counts(&advance(app, "2028-03-31").await), (1, 1, 0, 0));
        assert_period(&invoices(app, &sid).await[2], "2028-03-31", "2028-04-30");
        assert_current(&sub(app, &sid).await, "2028-03-31", "2028-04-30");
    }

    async fn twelve_monthly_invoices_are_numbered_without_gaps_and_charged_once_each(app) {
        advance(app, "2027-01-01").await;
        let (plan, price) = monthly_29(app).await;
        let c = nl_consumer(app, "year@example.com").await;
        let sid = id(&subscribe(app, &c, &plan, &price).await);
        // The first invoice on Jan 1, then 11 renewals on Feb 1 … Dec 1.
        let summary = advance(app, "2027-12-01").await;
        assert_eq!(counts(&summary), (11, 11, 0, 0));
        let all = invoices(app, &sid).await;
        assert_eq!(all.len(), 12);
        assert_eq!(numbers(&all), expected_numbers(2027, 12));
        for (i, inv) in all.iter().enumerate() {
            let month = i + 1;
            let start = format!("2027-{month:02}-01");
            let end = if month == 12 { "2028-01-01".to_owned() } else { format!("2027-{:02}-01", month + 1) };
            assert_period(inv, &start, &end);
            assert_eq!(inv["status"], "paid", "{inv}");
            assert_eq!(inv["subtotal"], "29.00");
            // 29.00 × 21 % = 6.09
            assert_eq!(inv["tax"], "6.09");
            // 29.00 + 6.09 = 35.09
            assert_eq!(inv["total"], "35.09");
            assert_eq!(inv["amount_paid"], "35.09");
            assert_eq!(inv["amount_due"], "0.00");
            assert_eq!(inv["attempt_count"], 1, "one charge per invoice: {inv}");
            assert_eq!(inv["next_payment_attempt"], Value::Null);
            let lines = inv["lines"].as_array().unwrap();
            assert_eq!(lines.len(), 1);
            assert_eq!(lines[0]["kind"], "recurring");
            assert_eq!(lines[0]["tax_rate"], "21");
        }
        assert_eq!(event_count(app, "invoice.paid").await, 12);
        assert_eq!(charge_count(app).await, 12);
        let s = sub(app, &sid).await;
        assert_current(&s, "2027-12-01", "2028-01-01");
        assert_eq!(s["mrr"], "29.00");
        // Renewals do not move MRR: one `new` movement only.
        assert_eq!(movements(&mrr_events(app, &sid).await), vec![mv("new", "29.00", "2027-01-01")]);
    }

    async fn tax_follows_the_customer_and_the_preview_equals_the_invoice(app) {
        let prod = product(app, "Pro", "recurring").await;
        let excl = recurring_price(app, &prod, "29.00", "month", 1, false).await;
        let incl = recurring_price(app, &prod, "24.19", "month", 1, true).await;
        let plan = plan(app, json!({"name": "Pro", "prices": [excl, incl], "published": true})).await;
        let pk = app.keys.pk.clone();
        // (email, country, VAT number, price, subtotal, tax, total, rate, reverse charge)
        let cases = [
            // NL consumer: 29.00 × 21 % = 6.09; 29.00 + 6.09 = 35.09
            ("nl-excl@example.com", "NL", None, &excl, "29.00", "6.09", "35.09", "21", false),
            // NL consumer, inclusive: net = 24.19 ÷ 1.21 = 19.99; tax = 24.19 − 19.99 = 4.20
            ("nl-incl@example.com", "NL", None, &incl, "19.99", "4.20", "24.19", "21", false),
            // DE consumer: 29.00 × 19 % = 5.51; 29.00 + 5.51 = 34.51
            ("de-excl@example.com", "DE", None, &excl, "29.00", "5.51", "34.51", "19", false),
            // DE consumer, inclusive: 24.19 ÷ 1.19 = 20.327… → 20.33; 24.19 − 20.33 = 3.86
            ("de-incl@example.com", "DE", None, &incl, "20.33", "3.86", "24.19", "19", false),
            // DE business with a VAT number: reverse charge, 0 %.
            ("de-b2b@example.com", "DE", Some("DE136308783"), &excl, "29.00", "0.00", "29.00", "0", true),
            // NL business with a VAT number: domestic, 21 %.
            ("nl-b2b@example.com", "NL", Some("NL004495445B01"), &excl, "29.00", "6.09", "35.09", "21", false),
        ];
        for (email, country, vat, price, subtotal, tax, total, rate, reverse) in cases {
            let who = json!({"email": email, "name": "Kim", "vat_number": vat, "address": {"country": country}});
            let body = checkout_body(&plan, price, who, CARD_OK);
            let preview = ok(app.post_as(&pk, "/v1/public/checkout/preview", body.clone()).await);
            assert_eq!(preview["subtotal"], subtotal, "{email}: {preview}");
            assert_eq!(preview["tax"], tax, "{email}: {preview}");
            assert_eq!(preview["total"], total, "{email}: {preview}");
            assert_eq!(preview["reverse_charge"], reverse, "{email}");
            // MRR is the untaxed subtotal of the monthly line.
            assert_eq!(preview["mrr"], subtotal, "{email}");
            assert_eq!(preview["recurring_total"], total, "{email}");
            let lines = preview["lines"].as_array().unwrap();
            assert_eq!(lines.len(), 1, "{email}");
            assert_eq!(lines[0]["tax_rate"], rate, "{email}");
            assert_eq!((&lines[0]["net"], &lines[0]["tax"], &lines[0]["amount"]),
                (&json!(subtotal), &json!(tax), &json!(total)), "{email}");
            let breakdown = preview["tax_breakdown"].as_array().unwrap();
            assert_eq!(breakdown.len(), 1, "{email}");
            assert_eq!((&breakdown[0]["rate"], &breakdown[0]["net"], &breakdown[0]["tax"]),
                (&json!(rate), &json!(subtotal), &json!(tax)), "{email}");
            if reverse {
                let note = preview["tax_note"].as_str().unwrap_or_default();
                assert!(note.contains("Reverse charge"), "{email}: {note}");
            } else {
                assert_eq!(preview["tax_note"], Value::Null, "{email}");
            }

            let done = created(app.post_as(&pk, "/v1/public/checkout", body).await);
            assert_eq!(done["status"], "active", "{email}");
            assert_eq!(done["subscription"]["mrr"], subtotal, "{email}");
            let inv = &done["invoice"];
            assert_eq!(inv["status"], "paid", "{email}");
            for key in ["subtotal", "tax", "total", "tax_breakdown", "lines", "reverse_charge", "tax_note"] {
                assert_eq!(inv[key], preview[key], "{email}: {key} of the invoice and of the preview");
            }
            // And read back, the stored invoice says the same.
            let stored = ok(app.get(&format!("/v1/invoices/{}", id(inv))).await);
            for key in ["subtotal", "tax", "total", "tax_breakdown", "lines", "reverse_charge", "tax_note"] {
                assert_eq!(stored[key], preview[key], "{email}: {key} of the stored invoice");
            }
        }
    }

    async fn a_pricelist_discount_and_the_interval_decide_mrr(app) {
        advance(app, "2027-01-31").await;
        let prod = product(app, "Pro", "recurring").await;
        let yearly = recurring_price(app, &prod, "120.00", "year", 1, false).await;
        let weekly = recurring_price(app, &prod, "10.00", "week", 1, false).await;
        let bimonthly = recurring_price(app, &prod, "50.00", "month", 2, false).await;
        let yearly_plan = plan(app, json!({"name": "Yearly", "prices": [yearly]})).await;
        let weekly_plan = plan(app, json!({"name": "Weekly", "prices": [weekly]})).await;
        let bimonthly_plan = plan(app, json!({"name": "Bimonthly", "prices": [bimonthly]})).await;
        let pl = created(app.post("/v1/pricelists", json!({"name": "Partners", "currency": "EUR",
            "items": [{"price": yearly, "discount_percent": "10", "min_quantity": 1}]})).await);
        let c = customer(app, json!({"email": "partner@example.com", "address": {"country": "NL"},
            "pricelist": id(&pl)})).await;
        created(attach(app, &c, CARD_OK).await);

        let s = subscribe(app, &c, &yearly_plan, &yearly).await;
        // 120.00 × 10 % = 12.00 off; 108.00 ÷ 12 = 9.00 a month.
        assert_eq!(s["mrr"], "9.00");
        assert_eq!(s["next_invoice_date"], "2028-01-31");
        let inv = &invoices(app, &id(&s)).await[0];
        let line = &inv["lines"][0];
        assert_eq!(line["discount"], "12.00");
        assert_eq!(line["net"], "108.00");
        // 108.00 × 21 % = 22.68; 108.00 + 22.68 = 130.68
        assert_eq!(line["tax"], "22.68");
        assert_eq!(line["amount"], "130.68");
        assert_eq!(inv["subtotal"], "108.00");
        assert_eq!(inv["total"], "130.68");

        let s = subscribe(app, &c, &weekly_plan, &weekly).await;
        // 10.00 × 30.4375 ÷ 7 = 43.482… → 43.48 (the pricelist names another price).
        assert_eq!(s["mrr"], "43.48");
        // Jan 31 + 7 days = Feb 7.
        assert_eq!(s["next_invoice_date"], "2027-02-07");
        // 10.00 + 10.00 × 21 % (2.10) = 12.10
        assert_eq!(invoices(app, &id(&s)).await[0]["total"], "12.10");

        let s = subscribe(app, &c, &bimonthly_plan, &bimonthly).await;
        // 50.00 ÷ 2 = 25.00
        assert_eq!(s["mrr"], "25.00");
        // Jan 31 + 2 months = Mar 31.
        assert_eq!(s["next_invoice_date"], "2027-03-31");
        let events = mrr_events(app, &id(&s)).await;
        assert_eq!(movements(&events), vec![mv("expansion", "25.00", "2027-01-31")]);
        // 9.00 + 43.48 + 25.00 = 77.48
        assert_eq!(events[0]["customer_mrr"], "77.48");
    }

    async fn a_setup_fee_and_a_one_off_addon_are_billed_on_the_first_invoice_only(app) {
        advance(app, "2027-01-15").await;
        let pro = product(app, "Pro", "recurring").await;
        let monthly = recurring_price(app, &pro, "29.00", "month", 1, false).await;
        let onboarding = product(app, "Onboarding", "one_off").await;
        let setup = one_off_price(app, &onboarding, "25.00").await;
        let training = product(app, "Training", "one_off").await;
        let addon = one_off_price(app, &training, "10.00").await;
        let plan = plan(app, json!({"name": "Pro", "prices": [monthly], "addons": [addon],
            "setup_fee": setup, "published": true})).await;
        let preview = ok(app.post_as(&app.keys.pk, "/v1/public/checkout/preview", json!({"plan": plan,
            "price": monthly, "addons": [{"price": addon, "quantity": 2}],
            "customer": {"address": {"country": "NL"}}})).await);
        // Recurring lines only from the second invoice on: 29.00 + 6.09 = 35.09.
        assert_eq!(preview["recurring_total"], "35.09");
        assert_eq!(preview["mrr"], "29.00");
        let c = nl_consumer(app, "setup@example.com").await;
        let s = created(app.post("/v1/subscriptions", json!({"customer": c, "plan": plan,
            "items": [{"price": monthly, "quantity": 1}, {"price": addon, "quantity": 2}]})).await);
        let sid = id(&s);
        // Only the recurring line is MRR.
        assert_eq!(s["mrr"], "29.00");

        let first = &invoices(app, &sid).await[0];
        let lines = first["lines"].as_array().unwrap();
        let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, vec!["recurring", "one_off", "setup_fee"]);
        // 29.00 × 21 % = 6.09
        assert_eq!((&lines[0]["net"], &lines[0]["tax"], &lines[0]["amount"]),
            (&json!("29.00"), &json!("6.09"), &json!("35.09")));
        // 2 × 10.00 = 20.00; 20.00 × 21 % = 4.20
        assert_eq!(lines[1]["quantity"], 2);
        assert_eq!((&lines[1]["net"], &lines[1]["tax"], &lines[1]["amount"]),
            (&json!("20.00"), &json!("4.20"), &json!("24.20")));
        // 25.00 × 21 % = 5.25
        assert_eq!((&lines[2]["net"], &lines[2]["tax"], &lines[2]["amount"]),
            (&json!("25.00"), &json!("5.25"), &json!("30.25")));
        // 29.00 + 20.00 + 25.00 = 74.00; 6.09 + 4.20 + 5.25 = 15.54; 74.00 + 15.54 = 89.54
        assert_eq!(first["subtotal"], "74.00");
        assert_eq!(first["tax"], "15.54");
        assert_eq!(first["total"], "89.54");
        assert_eq!(first["status"], "paid");
        assert_eq!(lines[1]["period_start"], Value::Null);
        assert_eq!(lines[0]["period_start"], "2027-01-15");
        assert_eq!(lines[0]["period_end"], "2027-02-15");
        for key in ["lines", "subtotal", "tax", "total", "tax_breakdown"] {
            assert_eq!(first[key], preview[key], "{key} of the invoice and of the preview");
        }

        assert_eq!(counts(&advance(app, "2027-03-15").await), (2, 2, 0, 0));
        let all = invoices(app, &sid).await;
        assert_eq!(all.len(), 3);
        for renewal in &all[1..] {
            let lines = renewal["lines"].as_array().unwrap();
            assert_eq!(lines.len(), 1, "{renewal}");
            assert_eq!(lines[0]["kind"], "recurring");
            // 29.00 + 6.09 = 35.09
            assert_eq!(renewal["total"], "35.09");
            assert_eq!(renewal["status"], "paid");
        }
    }

    async fn a_declined_first_charge_leaves_no_subscription_and_no_invoice(app) {
        let (plan, price) = monthly_29(app).await;
        let c = customer(app, json!({"email": "broke@example.com", "address": {"country": "NL"}})).await;
        attach(app, &c, CARD_DECLINED).await.assert_problem(402, "card_declined", Some("card.number"));
        created(attach(app, &c, CARD_CHARGES_FAIL).await);
        let r = app.post("/v1/subscriptions", json!({"customer": c, "plan": plan,
            "items": [{"price": price}]})).await;
        r.assert_problem(402, "card_declined", Some("payment_method"));
        assert!(data(app, &format!("/v1/subscriptions?customer={c}")).await.is_empty());
        assert!(data(app, &format!("/v1/invoices?customer={c}")).await.is_empty());
        assert_eq!(event_count(app, "subscription.created").await, 0);
        assert_eq!(event_count(app, "invoice.finalized").await, 0);
        // No invoice number was used up: the next invoice is number 1.
        let other = nl_consumer(app, "fine@example.com").await;
        let year = ok(app.get("/v1/test_clock").await)["now"].as_str().unwrap()[..4].to_owned();
        let sid = id(&subscribe(app, &other, &plan, &price).await);
        assert_eq!(invoices(app, &sid).await[0]["number"], format!("INV/{year}/00001"));
    }

    async fn a_failed_renewal_is_retried_on_days_1_3_5_7_and_closed_on_day_15(app) {
        advance(app, "2027-03-01").await;
        let (plan, price) = monthly_29(app).await;
        let c = nl_consumer(app, "dunning@example.com").await;
        let sid = id(&subscribe(app, &c, &plan, &price).await);
        // A new default card whose charges all fail; nothing is open, nothing retried.
        created(attach(app, &c, CARD_CHARGES_FAIL).await);
        assert_eq!(counts(&advance(app, "2027-03-31").await), (0, 0, 0, 0));

        // Apr 1 (failure day F): the renewal is posted and its charge fails.
        assert_eq!(counts(&advance(app, "2027-04-01").await), (1, 0, 1, 0));
        let renewal = invoices(app, &sid).await[1].clone();
        let inv_id = id(&renewal);
        assert_eq!(renewal["status"], "open");
        assert_eq!(renewal["attempt_count"], 1);
        // F + 1 = Apr 2
        assert_eq!(renewal["next_payment_attempt"], "2027-04-02");
        // 29.00 + 6.09 = 35.09 still due
        assert_eq!(renewal["amount_due"], "35.09");
        assert_eq!(sub(app, &sid).await["status"], "past_due");
        assert_eq!(event_count(app, "invoice.payment_failed").await, 1);

        // Retries on F+1, F+3, F+5, F+7 (Apr 2, 4, 6, 8), none in between.
        let schedule = [
            ("2027-04-02", 2, Some("2027-04-04")),
            ("2027-04-03", 2, Some("2027-04-04")),
            ("2027-04-04", 3, Some("2027-04-06")),
            ("2027-04-05", 3, Some("2027-04-06")),
            ("2027-04-06", 4, Some("2027-04-08")),
            ("2027-04-07", 4, Some("2027-04-08")),
            ("2027-04-08", 5, None),
        ];
        let mut failures = 1;
        for (day, attempts, next) in schedule {
            let summary = advance(app, day).await;
            let inv = ok(app.get(&format!("/v1/invoices/{inv_id}")).await);
            assert_eq!(inv["attempt_count"], attempts, "{day}: {inv}");
            assert_eq!(inv["next_payment_attempt"], json!(next), "{day}");
            assert_eq!(inv["status"], "open", "{day}");
            let tried = u64::from(attempts > failures);
            assert_eq!(counts(&summary), (0, 0, tried, 0), "{day}");
            failures = attempts;
            assert_eq!(sub(app, &sid).await["status"], "past_due", "{day}");
        }
        // Still past due on F + 14 = Apr 15.
        assert_eq!(counts(&advance(app, "2027-04-15").await), (0, 0, 0, 0));
        assert_eq!(sub(app, &sid).await["status"], "past_due");

        // F + 15 = Apr 16: closed for non-payment, the invoice written off.
        assert_eq!(counts(&advance(app, "2027-04-16").await), (0, 0, 0, 1));
        let s = sub(app, &sid).await;
        assert_eq!(s["status"], "closed");
        assert_eq!(s["close_reason"], "payment_failed");
        assert_eq!(s["closed_at"], "2027-04-16");
        assert_eq!(s["mrr"], "0.00");
        let inv = ok(app.get(&format!("/v1/invoices/{inv_id}")).await);
        assert_eq!(inv["status"], "uncollectible");
        assert_eq!(inv["attempt_count"], 5);
        assert_eq!(inv["next_payment_attempt"], Value::Null);
        let events = mrr_events(app, &sid).await;
        assert_eq!(movements(&events),
            vec![mv("new", "29.00", "2027-03-01"), mv("churn", "-29.00", "2027-04-16")]);
        assert_eq!(events[1]["customer_mrr"], "0.00");
        // The write-off: bad debt 35.09 against the receivable.
        let entries = ledger(app, &inv_id, "2027-04-16").await;
        let bad: Vec<&Value> = entries.iter().filter(|e| e["account"] == "bad_debt").collect();
        assert_eq!(bad.len(), 1);
        assert_eq!((&bad[0]["debit"], &bad[0]["date"]), (&json!("35.09"), &json!("2027-04-16")));
        let tb = trial_balance(app, "2027-04-16").await;
        // Receivable: 35.09 + 35.09 posted, 35.09 paid, 35.09 written off → 0.00
        assert_eq!(account(&tb, "receivable").2, "0.00");
        // A closed subscription is never invoiced again.
        assert_eq!(counts(&advance(app, "2027-05-01").await), (0, 0, 0, 0));
        assert_eq!(invoices(app, &sid).await.len(), 2);
        // Five attempts on the renewal, one on the first invoice.
        assert_eq!(charge_count(app).await, 6);
    }

    async fn a_new_default_card_during_dunning_pays_the_open_invoice_at_once(app) {
        advance(app, "2027-03-01").await;
        let (plan, price) = monthly_29(app).await;
        let c = nl_consumer(app, "recover@example.com").await;
        let sid = id(&subscribe(app, &c, &plan, &price).await);
        created(attach(app, &c, CARD_CHARGES_FAIL).await);
        assert_eq!(counts(&advance(app, "2027-04-01").await), (1, 0, 1, 0));
        assert_eq!(counts(&advance(app, "2027-04-02").await), (0, 0, 1, 0));
        let inv_id = id(&invoices(app, &sid).await[1]);
        assert_eq!(sub(app, &sid).await["status"], "past_due");

        let pm = created(attach(app, &c, CARD_OK).await);
        let inv = ok(app.get(&format!("/v1/invoices/{inv_id}")).await);
        assert_eq!(inv["status"], "paid", "{inv}");
        assert_eq!(inv["attempt_count"], 3);
        assert_eq!(inv["amount_paid"], "35.09");
        assert_eq!(inv["amount_due"], "0.00");
        assert_eq!(inv["next_payment_attempt"], Value::Null);
        let s = sub(app, &sid).await;
        assert_eq!(s["status"], "active");
        assert_eq!(s["mrr"], "29.00");
        assert_eq!(s["payment_method"], id(&pm));
        // MRR never left: no churn, no reactivation.
        assert_eq!(movements(&mrr_events(app, &sid).await), vec![mv("new", "29.00", "2027-03-01")]);
        assert_eq!(event_count(app, "invoice.paid").await, 2);
        // Nothing is retried or closed later, and the next renewal uses the new card.
        assert_eq!(counts(&advance(app, "2027-04-30").await), (0, 0, 0, 0));
        assert_eq!(counts(&advance(app, "2027-05-01").await), (1, 1, 0, 0));
        assert_eq!(sub(app, &sid).await["status"], "active");
    }

    async fn a_trial_charges_nothing_until_it_ends_and_then_counts_as_new_mrr(app) {
        advance(app, "2027-03-01").await;
        let prod = product(app, "Pro", "recurring").await;
        let price = recurring_price(app, &prod, "29.00", "month", 1, false).await;
        let plan = plan(app, json!({"name": "Trial", "prices": [price], "trial_days": 14,
            "published": true})).await;
        let preview = ok(app.post_as(&app.keys.pk, "/v1/public/checkout/preview",
            json!({"plan": plan, "customer": {"address": {"country": "NL"}}})).await);
        // Mar 1 + 14 days = Mar 15; nothing is invoiced before.
        assert_eq!(preview["trial_end"], "2027-03-15");
        assert_eq!(preview["first_invoice_date"], "2027-03-15");
        assert_eq!(preview["next_invoice_date"], "2027-03-15");
        assert_eq!(preview["lines"], json!([]));
        // 29.00 + 6.09 = 35.09 from the trial's end on
        assert_eq!(preview["recurring_total"], "35.09");

        let c = nl_consumer(app, "trial@example.com").await;
        let s = subscribe(app, &c, &plan, &price).await;
        let sid = id(&s);
        assert_eq!(s["status"], "active");
        assert_eq!(s["mrr"], "0.00");
        assert_eq!(s["trial_end"], "2027-03-15");
        assert_eq!(s["next_invoice_date"], "2027-03-15");
        assert!(invoices(app, &sid).await.is_empty());
        assert_eq!(charge_count(app).await, 0);
        assert!(mrr_events(app, &sid).await.is_empty());

        assert_eq!(counts(&advance(app, "2027-03-14").await), (0, 0, 0, 0));
        assert_eq!(sub(app, &sid).await["mrr"], "0.00");

        assert_eq!(counts(&advance(app, "2027-03-15").await), (1, 1, 0, 0));
        let all = invoices(app, &sid).await;
        assert_eq!(all.len(), 1);
        // Period [Mar 15, Apr 15).
        assert_period(&all[0], "2027-03-15", "2027-04-15");
        assert_eq!(all[0]["total"], "35.09");
        assert_eq!(all[0]["status"], "paid");
        let s = sub(app, &sid).await;
        assert_eq!(s["mrr"], "29.00");
        assert_current(&s, "2027-03-15", "2027-04-15");
        assert_eq!(movements(&mrr_events(app, &sid).await), vec![mv("new", "29.00", "2027-03-15")]);
        assert_eq!(charge_count(app).await, 1);
    }

    async fn a_close_at_period_end_takes_effect_then_and_a_close_now_today(app) {
        advance(app, "2027-03-01").await;
        let prod = product(app, "Pro", "recurring").await;
        let price = recurring_price(app, &prod, "29.00", "month", 1, false).await;
        let plan = plan(app, json!({"name": "Pro", "prices": [price],
            "close_reasons": [{"name": "Too expensive", "retention_offer": "20 % off for 3 months"}]})).await;
        let c = nl_consumer(app, "leaver@example.com").await;
        let sid = id(&subscribe(app, &c, &plan, &price).await);
        advance(app, "2027-03-10").await;
        let closing = ok(app.post(&format!("/v1/subscriptions/{sid}/close"),
            json!({"reason": "too expensive", "when": "period_end"})).await);
        assert_eq!(closing["status"], "active");
        // The paid period is [Mar 1, Apr 1).
        assert_eq!(closing["cancel_at"], "2027-04-01");
        assert_eq!(closing["close_reason"], "Too expensive");
        assert_eq!(closing["mrr"], "29.00");

        assert_eq!(counts(&advance(app, "2027-03-31").await), (0, 0, 0, 0));
        assert_eq!(sub(app, &sid).await["status"], "active");
        assert_eq!(counts(&advance(app, "2027-04-01").await), (0, 0, 0, 1));
        let s = sub(app, &sid).await;
        assert_eq!(s["status"], "closed");
        assert_eq!(s["closed_at"], "2027-04-01");
        assert_eq!(s["close_reason"], "Too expensive");
        assert_eq!(s["next_invoice_date"], Value::Null);
        assert_eq!(invoices(app, &sid).await.len(), 1, "no invoice for a period never served");
        assert_eq!(movements(&mrr_events(app, &sid).await),
            vec![mv("new", "29.00", "2027-03-01"), mv("churn", "-29.00", "2027-04-01")]);
        app.post(&format!("/v1/subscriptions/{sid}/close"), json!({"reason": "again"})).await
            .assert_problem(409, "subscription_closed", None);

        // Closed now: today, churn today.
        let c2 = nl_consumer(app, "now@example.com").await;
        let sid2 = id(&subscribe(app, &c2, &plan, &price).await);
        advance(app, "2027-04-10").await;
        let s = ok(app.post(&format!("/v1/subscriptions/{sid2}/close"),
            json!({"reason": "Moving to a competitor", "when": "now"})).await);
        assert_eq!(s["status"], "closed");
        assert_eq!(s["closed_at"], "2027-04-10");
        assert_eq!(s["close_reason"], "Moving to a competitor");
        assert_eq!(s["mrr"], "0.00");
        assert_eq!(movements(&mrr_events(app, &sid2).await),
            vec![mv("new", "29.00", "2027-04-01"), mv("churn", "-29.00", "2027-04-10")]);
        app.post(&format!("/v1/subscriptions/{sid2}/close"), json!({"reason": "again", "when": "now"})).await
            .assert_problem(409, "subscription_closed", None);
        assert_eq!(counts(&advance(app, "2027-05-01").await), (0, 0, 0, 0));
        assert_eq!(data(app, "/v1/subscriptions?status=closed").await.len(), 2);
    }

    async fn a_send_invoice_plan_posts_invoices_due_later_and_charges_nothing(app) {
        advance(app, "2027-03-01").await;
        let prod = product(app, "Pro", "recurring").await;
        let price = recurring_price(app, &prod, "29.00", "month", 1, false).await;
        let plan = plan(app, json!({"name": "On account", "prices": [price],
            "payment_mode": "send_invoice", "invoice_due_days": 30})).await;
        let c = customer(app, json!({"email": "ap@example.com", "address": {"country": "NL"}})).await;
        let s = subscribe(app, &c, &plan, &price).await;
        let sid = id(&s);
        assert_eq!(s["status"], "active");
        assert_eq!(s["mrr"], "29.00");
        let first = &invoices(app, &sid).await[0];
        assert_eq!(first["status"], "open");
        assert_eq!(first["issue_date"], "2027-03-01");
        // Mar 1 + 30 days = Mar 31
        assert_eq!(first["due_date"], "2027-03-31");
        assert_eq!(first["amount_due"], "35.09");
        assert_eq!(first["attempt_count"], 0);
        assert_eq!(first["next_payment_attempt"], Value::Null);

        assert_eq!(counts(&advance(app, "2027-04-01").await), (1, 0, 0, 0));
        let renewal = &invoices(app, &sid).await[1];
        assert_eq!(renewal["status"], "open");
        // Apr 1 + 30 days = May 1
        assert_eq!(renewal["due_date"], "2027-05-01");
        assert_eq!(renewal["attempt_count"], 0);
        assert_eq!(sub(app, &sid).await["status"], "active");
        assert_eq!(event_count(app, "invoice.paid").await, 0);
        assert_eq!(charge_count(app).await, 0);
    }

    async fn advancing_to_the_same_day_twice_or_concurrently_bills_each_period_once(app) {
        advance(app, "2027-01-15").await;
        let (plan, price) = monthly_29(app).await;
        let mut subs = Vec::new();
        for i in 0..3 {
            let c = nl_consumer(app, &format!("once{i}@example.com")).await;
            subs.push(id(&subscribe(app, &c, &plan, &price).await));
        }
        assert_eq!(counts(&advance(app, "2027-02-15").await), (3, 3, 0, 0));
        assert_eq!(counts(&advance(app, "2027-02-15").await), (0, 0, 0, 0));
        assert_eq!(ok(app.get("/v1/test_clock").await)["now"], "2027-02-15");

        let to = json!({"to": "2027-03-15"});
        let (a, b) = futures::future::join(
            app.post("/v1/test_clock/advance", to.clone()),
            app.post("/v1/test_clock/advance", to),
        ).await;
        let (a, b) = (counts(&ok(a)), counts(&ok(b)));
        assert_eq!(a.0 + b.0, 3, "invoices created by both runs: {a:?} {b:?}");
        assert_eq!(a.1 + b.1, 3, "charges made by both runs: {a:?} {b:?}");
        assert_eq!(a.2 + b.2, 0);
        assert_eq!(ok(app.get("/v1/test_clock").await)["now"], "2027-03-15");

        for s in &subs {
            let all = invoices(app, s).await;
            assert_eq!(all.len(), 3);
            for inv in &all {
                assert_eq!(inv["status"], "paid");
                assert_eq!(inv["attempt_count"], 1);
            }
            assert_eq!(sub(app, s).await["next_invoice_date"], "2027-04-15");
        }
        // 3 subscriptions × 3 periods.
        assert_eq!(event_count(app, "invoice.paid").await, 9);
        assert_eq!(charge_count(app).await, 9);
        let mut all = data(app, "/v1/invoices?limit=100").await;
        all.reverse();
        let mut got = numbers(&all);
        got.sort();
        assert_eq!(got, expected_numbers(2027, 9));
    }

    async fn concurrent_advances_retry_and_close_a_failing_subscription_once(app) {
        advance(app, "2027-03-01").await;
        let (plan, price) = monthly_29(app).await;
        let mut subs = Vec::new();
        for i in 0..3 {
            let c = nl_consumer(app, &format!("racer{i}@example.com")).await;
            subs.push(id(&subscribe(app, &c, &plan, &price).await));
            created(attach(app, &c, CARD_CHARGES_FAIL).await);
        }
        // Two runs at once over the renewal (Apr 1), the retries (Apr 2, 4, 6, 8)
        // and the close (Apr 1 + 15 days = Apr 16).
        let to = json!({"to": "2027-04-16"});
        let (a, b) = futures::future::join(
            app.post("/v1/test_clock/advance", to.clone()),
            app.post("/v1/test_clock/advance", to),
        ).await;
        let (a, b) = (counts(&ok(a)), counts(&ok(b)));
        assert_eq!(a.0 + b.0, 3, "renewals: {a:?} {b:?}");
        assert_eq!(a.1 + b.1, 0, "{a:?} {b:?}");
        // 3 invoices × 5 attempts (Apr 1, 2, 4, 6, 8)
        assert_eq!(a.2 + b.2, 15, "failed attempts: {a:?} {b:?}");
        assert_eq!(a.3 + b.3, 3, "closes: {a:?} {b:?}");
        for s in &subs {
            let sub = sub(app, s).await;
            assert_eq!(sub["status"], "closed");
            assert_eq!(sub["closed_at"], "2027-04-16");
            assert_eq!(movements(&mrr_events(app, s).await),
                vec![mv("new", "29.00", "2027-03-01"), mv("churn", "-29.00", "2027-04-16")]);
            let renewal = &invoices(app, s).await[1];
            assert_eq!(renewal["status"], "uncollectible");
            assert_eq!(renewal["attempt_count"], 5);
            let bad = ledger(app, &id(renewal), "2027-04-16").await.into_iter()
                .filter(|e| e["account"] == "bad_debt").count();
            assert_eq!(bad, 1, "one write-off");
        }
        assert_eq!(event_count(app, "invoice.payment_failed").await, 15);
        assert_eq!(event_count(app, "subscription.closed").await, 3);
        assert_eq!(event_count(app, "subscription.past_due").await, 3);
        // 3 first charges + 15 failed attempts
        assert_eq!(charge_count(app).await, 18);
        // 29.00 + 6.09 = 35.09 written off per renewal
        let tb = trial_balance(app, "2027-04-16").await;
        assert_eq!(account(&tb, "bad_debt").0, "105.27", "3 × 35.09");
        assert_eq!(account(&tb, "receivable").2, "0.00");
    }

    async fn two_billing_workers_at_once_never_invoice_charge_or_close_twice(app) {
        use renewly::billing::worker::{Filter, run_day};
        advance(app, "2027-03-01").await;
        let (plan, price) = monthly_29(app).await;
        let (mut good, mut failing) = (Vec::new(), Vec::new());
        for i in 0..3 {
            let c = nl_consumer(app, &format!("good{i}@example.com")).await;
            good.push(id(&subscribe(app, &c, &plan, &price).await));
            let c = nl_consumer(app, &format!("bad{i}@example.com")).await;
            failing.push(id(&subscribe(app, &c, &plan, &price).await));
            created(attach(app, &c, CARD_CHARGES_FAIL).await);
        }
        // Two workers run every day from Mar 2 to Apr 16 at the same time, like two
        // `renewly billing run` started together.
        let provider = renewly::payments::Provider::default();
        let days: Vec<String> = (2..=31).map(|d| format!("2027-03-{d:02}"))
            .chain((1..=16).map(|d| format!("2027-04-{d:02}"))).collect();
        let mut total = [0_u64; 4];
        for day in &days {
            let (a, b) = futures::future::join(
                run_day(app.db(), &provider, Filter::All, day.parse().unwrap()),
                run_day(app.db(), &provider, Filter::All, day.parse().unwrap()),
            ).await;
            for s in [a.unwrap(), b.unwrap()] {
                total[0] += s.invoices_created;
                total[1] += s.charges_succeeded;
                total[2] += s.charges_failed;
                total[3] += s.subscriptions_closed;
            }
        }
        // 6 renewals on Apr 1; 3 paid; 3 × 5 failed attempts (Apr 1, 2, 4, 6, 8);
        // 3 closed on Apr 1 + 15 days = Apr 16.
        assert_eq!(total, [6, 3, 15, 3]);
        for s in &good {
            let all = invoices(app, s).await;
            assert_eq!(all.len(), 2);
            assert!(all.iter().all(|i| i["status"] == "paid" && i["attempt_count"] == 1), "{all:?}");
            assert_eq!(sub(app, s).await["status"], "active");
        }
        for s in &failing {
            let sub = sub(app, s).await;
            assert_eq!((&sub["status"], &sub["closed_at"]), (&json!("closed"), &json!("2027-04-16")));
            assert_eq!(movements(&mrr_events(app, s).await),
                vec![mv("new", "29.00", "2027-03-01"), mv("churn", "-29.00", "2027-04-16")]);
            let renewal = &invoices(app, s).await[1];
            assert_eq!((&renewal["status"], &renewal["attempt_count"]), (&json!("uncollectible"), &json!(5)));
        }
        // 6 first invoices + 3 paid renewals
        assert_eq!(event_count(app, "invoice.paid").await, 9);
        assert_eq!(event_count(app, "invoice.payment_failed").await, 15);
        assert_eq!(event_count(app, "subscription.closed").await, 3);
        // 6 first charges + 3 renewals + 15 failed attempts
        assert_eq!(charge_count(app).await, 24);
        let mut all = data(app, "/v1/invoices?limit=100").await;
        all.reverse();
        let mut got = numbers(&all);
        got.sort();
        assert_eq!(got, expected_numbers(2027, 12));
        // 3 × 35.09 = 105.27 written off, once each
        let tb = trial_balance(app, "2027-04-16").await;
        assert_eq!(account(&tb, "bad_debt").0, "105.27");
    }

    async fn a_database_error_while_charging_a_renewal_ends_the_run_and_the_next_run_charges_it_once(app) {
        use renewly::billing::worker::{Filter, run_day};
        advance(app, "2027-03-01").await;
        let (plan, price) = monthly_29(app).await;
        let c = nl_consumer(app, "hiccup@example.com").await;
        let sid = id(&subscribe(app, &c, &plan, &price).await);
        // Every new charge record fails, as a database that went away would.
        let (create, drop): (&[&'static str], &[&'static str]) = match app.backend {
            renewly_tests::Backend::Sqlite => (
                &["CREATE TRIGGER charges_unavailable BEFORE INSERT ON charges \
                   BEGIN SELECT RAISE(ABORT, 'the database is unavailable'); END"],
                &["DROP TRIGGER charges_unavailable"],
            ),
            renewly_tests::Backend::Postgres => (
                &["CREATE FUNCTION charges_unavailable() RETURNS trigger LANGUAGE plpgsql AS \
                   $$ BEGIN RAISE EXCEPTION 'the database is unavailable'; END $$",
                  "CREATE TRIGGER charges_unavailable BEFORE INSERT ON charges \
                   FOR EACH ROW EXECUTE FUNCTION charges_unavailable()"],
                &["DROP TRIGGER charges_unavailable ON charges",
                  "DROP FUNCTION charges_unavailable()"],
            ),
        };
        for sql in create {
            app.db().execute(sql, &[]).await.unwrap();
        }
        let provider = renewly::payments::Provider::default();
        let day = "2027-04-01".parse().unwrap();
        // The run ends with the error: it is no card failure.
        let run = run_day(app.db(), &provider, Filter::All, day).await;
        assert!(run.is_err(), "the run must end with the database error, got {run:?}");
        let renewal = invoices(app, &sid).await[1].clone();
        assert_eq!((&renewal["status"], &renewal["attempt_count"]), (&json!("open"), &json!(0)));
        assert_eq!(sub(app, &sid).await["status"], "active");
        assert_eq!(event_count(app, "invoice.payment_failed").await, 0);
        // The database is back: the next run charges the renewal, once.
        for sql in drop {
            app.db().execute(sql, &[]).await.unwrap();
        }
        let summary = run_day(app.db(), &provider, Filter::All, day).await.unwrap();
        assert_eq!((summary.invoices_created, summary.charges_succeeded, summary.charges_failed), (0, 1, 0));
        let renewal = invoices(app, &sid).await[1].clone();
        assert_eq!((&renewal["status"], &renewal["attempt_count"]), (&json!("paid"), &json!(1)));
        assert_eq!(sub(app, &sid).await["status"], "active");
        assert_eq!(event_count(app, "invoice.payment_failed").await, 0);
        assert_eq!(charge_count(app).await, 2, "the first invoice's charge and the renewal's");
    }

    async fn a_yearly_invoice_posts_deferred_revenue_recognised_month_by_month(app) {
        advance(app, "2027-01-01").await;
        let (plan, price) = plan_of(app, "120.00", "year", 1).await;
        let c = nl_consumer(app, "ledger@example.com").await;
        let sid = id(&subscribe(app, &c, &plan, &price).await);
        let inv = invoices(app, &sid).await[0].clone();
        let inv_id = id(&inv);
        // 120.00 × 21 % = 25.20; 120.00 + 25.20 = 145.20
        assert_eq!(inv["total"], "145.20");
        assert_period(&inv, "2027-01-01", "2028-01-01");

        let mut entries = ledger(app, &inv_id, "2027-12-31").await;
        entries.reverse();
        let pick = |journal: &str| -> Vec<(String, String, String, String)> {
            entries.iter().filter(|e| e["journal"] == journal).map(|e| (
                e["account"].as_str().unwrap().to_owned(),
                e["debit"].as_str().unwrap().to_owned(),
                e["credit"].as_str().unwrap().to_owned(),
                e["date"].as_str().unwrap().to_owned(),
            )).collect()
        };
        let e = |a: &str, d: &str, c: &str, date: &str| (a.to_owned(), d.to_owned(), c.to_owned(), date.to_owned());
        let mut posting = pick("invoice");
        posting.sort();
        assert_eq!(posting, vec![
            e("deferred_revenue", "0.00", "120.00", "2027-01-01"),
            e("receivable", "145.20", "0.00", "2027-01-01"),
            e("tax_payable", "0.00", "25.20", "2027-01-01"),
        ]);
        assert_eq!(pick("payment"), vec![
            e("cash", "145.20", "0.00", "2027-01-01"),
            e("receivable", "0.00", "145.20", "2027-01-01"),
        ]);
        // 120.00 × days of the month ÷ 365 days (2027), rounded; December takes the rest:
        // 31 days → 10.191… → 10.19; 28 → 9.205… → 9.21; 30 → 9.863… → 9.86;
        // Jan–Nov = 6 × 10.19 + 9.21 + 4 × 9.86 = 109.79; Dec = 120.00 − 109.79 = 10.21.
        let months = [
            ("2027-01-01", "10.19"), ("2027-02-01", "9.21"), ("2027-03-01", "10.19"),
            ("2027-04-01", "9.86"), ("2027-05-01", "10.19"), ("2027-06-01", "9.86"),
            ("2027-07-01", "10.19"), ("2027-08-01", "10.19"), ("2027-09-01", "9.86"),
            ("2027-10-01", "10.19"), ("2027-11-01", "9.86"), ("2027-12-01", "10.21"),
        ];
        let mut recognition = pick("recognition");
        recognition.sort_by(|a, b| (&a.3, &a.0).cmp(&(&b.3, &b.0)));
        let mut expected = Vec::new();
        for (date, amount) in months {
            expected.push(e("deferred_revenue", amount, "0.00", date));
            expected.push(e("revenue", "0.00", amount, date));
        }
        assert_eq!(recognition, expected);
        assert_eq!(entries.len(), 3 + 2 + 24);

        // On the issue date only January is recognised.
        let tb = trial_balance(app, "2027-01-01").await;
        assert_eq!(account(&tb, "cash"), triple("145.20", "0.00", "145.20"));
        assert_eq!(account(&tb, "receivable"), triple("145.20", "145.20", "0.00"));
        assert_eq!(account(&tb, "tax_payable"), triple("0.00", "25.20", "-25.20"));
        // 120.00 − 10.19 = 109.81 still deferred
        assert_eq!(account(&tb, "deferred_revenue"), triple("10.19", "120.00", "-109.81"));
        assert_eq!(account(&tb, "revenue"), triple("0.00", "10.19", "-10.19"));
        assert_eq!(ledger(app, &inv_id, "2027-01-01").await.len(), 3 + 2 + 2);
        // By June: 10.19 + 9.21 + 10.19 + 9.86 + 10.19 + 9.86 = 59.50; 120.00 − 59.50 = 60.50
        let tb = trial_balance(app, "2027-06-30").await;
        assert_eq!(account(&tb, "revenue"), triple("0.00", "59.50", "-59.50"));
        assert_eq!(account(&tb, "deferred_revenue"), triple("59.50", "120.00", "-60.50"));
        // By December everything is revenue.
        let tb = trial_balance(app, "2027-12-31").await;
        assert_eq!(account(&tb, "revenue"), triple("0.00", "120.00", "-120.00"));
        assert_eq!(account(&tb, "deferred_revenue"), triple("120.00", "120.00", "0.00"));
        // Before anything happened: nothing, and balanced.
        let tb = trial_balance(app, "2026-12-31").await;
        assert_eq!(tb["accounts"], json!([]));
    }

    async fn concurrent_subscriptions_get_gapless_invoice_numbers(app) {
        advance(app, "2027-02-01").await;
        let (plan, price) = monthly_29(app).await;
        let mut customers = Vec::new();
        for i in 0..10 {
            customers.push(nl_consumer(app, &format!("rush{i}@example.com")).await);
        }
        let made = futures::future::join_all(customers.iter().map(|c| {
            app.post("/v1/subscriptions", json!({"customer": c, "plan": plan, "items": [{"price": price}]}))
        })).await;
        for r in made {
            assert_eq!(r.status, 201, "{}", r.text);
        }
        let all = data(app, "/v1/invoices?limit=100").await;
        let mut got = numbers(&all);
        got.sort();
        assert_eq!(got, expected_numbers(2027, 10));
    }

    async fn mrr_moves_new_expansion_contraction_churn_and_reactivation_per_customer(app) {
        advance(app, "2027-03-01").await;
        let (big, big_price) = plan_of(app, "29.00", "month", 1).await;
        let (small, small_price) = plan_of(app, "10.00", "month", 1).await;
        let c = nl_consumer(app, "mover@example.com").await;
        let first = id(&subscribe(app, &c, &big, &big_price).await);
        let second = id(&subscribe(app, &c, &small, &small_price).await);
        advance(app, "2027-03-10").await;
        ok(app.post(&format!("/v1/subscriptions/{first}/close"), json!({"reason": "Too big", "when": "now"})).await);
        advance(app, "2027-03-20").await;
        ok(app.post(&format!("/v1/subscriptions/{second}/close"), json!({"reason": "Done", "when": "now"})).await);
        advance(app, "2027-05-01").await;
        let third = subscribe(app, &c, &big, &big_price).await;

        let mut all = Vec::new();
        for s in [&first, &second, &id(&third)] {
            all.extend(mrr_events(app, s).await);
        }
        all.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        assert_eq!(movements(&all), vec![
            mv("new", "29.00", "2027-03-01"),
            mv("expansion", "10.00", "2027-03-01"),
            mv("contraction", "-29.00", "2027-03-10"),
            mv("churn", "-10.00", "2027-03-20"),
            mv("reactivation", "29.00", "2027-05-01"),
        ]);
        assert_eq!(data(app, &format!("/v1/subscriptions?plan={small}")).await.len(), 1);
        assert_eq!(data(app, &format!("/v1/subscriptions?customer={c}&status=closed")).await.len(), 2);
        let customer_mrr: Vec<&str> = all.iter().map(|e| e["customer_mrr"].as_str().unwrap()).collect();
        // 29 → 29 + 10 = 39 → 39 − 29 = 10 → 0 → 29
        assert_eq!(customer_mrr, vec!["29.00", "39.00", "10.00", "0.00", "29.00"]);
        // 29 + 10 − 29 − 10 + 29 = 29.00, the customer's MRR now.
        let sum: i64 = all.iter().map(|e| cents(&e["delta"])).sum();
        assert_eq!(sum, 2900);
        let now: i64 = data(app, &format!("/v1/subscriptions?customer={c}")).await
            .iter().map(|s| cents(&s["mrr"])).sum();
        assert_eq!(now, sum);
        assert_eq!(third["mrr"], "29.00");
    }

    async fn a_checkout_that_needs_authentication_waits_as_draft_until_confirmed(app) {
        let (plan, price) = monthly_29(app).await;
        let pk = app.keys.pk.clone();
        let body = checkout_body(&plan, &price,
            json!({"email": "sca@example.com", "name": "Sam", "address": {"country": "NL"}}), CARD_NEEDS_AUTH);
        let done = created(app.post_as(&pk, "/v1/public/checkout", body).await);
        assert_eq!(done["status"], "requires_action");
        let s = &done["subscription"];
        let sid = id(s);
        assert_eq!(s["status"], "draft");
        assert_eq!(s["mrr"], "0.00");
        let inv = &done["invoice"];
        assert_eq!(inv["status"], "open");
        assert_eq!(inv["total"], "35.09");
        assert_eq!(inv["amount_paid"], "0.00");
        assert_eq!(event_count(app, "invoice.paid").await, 0);
        assert!(mrr_events(app, &sid).await.is_empty());

        // Only the caller that made the checkout can confirm it: the secret it was
        // answered is required, and a missing or wrong one is an unknown subscription.
        let secret = done["client_secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with(&format!("{sid}_secret_")) && secret.len() > sid.len() + 60, "{secret}");
        let confirm_path = format!("/v1/public/checkout/{sid}/confirm");
        app.post_as(&pk, &confirm_path, json!({})).await
            .assert_problem(422, "missing_field", Some("client_secret"));
        let wrong = format!("{sid}_secret_{}", "0".repeat(64));
        app.post_as(&pk, &confirm_path, json!({"client_secret": wrong})).await
            .assert_problem(404, "resource_missing", None);
        let other = app.new_merchant("Other", "NL", "EUR").await;
        app.post_as(&other.pk, &confirm_path, json!({"client_secret": secret})).await
            .assert_problem(404, "resource_missing", None);
        assert_eq!(event_count(app, "invoice.paid").await, 0, "nothing was confirmed");
        let confirmed = ok(app.post_as(&pk, &confirm_path, json!({"client_secret": secret})).await);
        assert_eq!(confirmed["status"], "active");
        assert_eq!(confirmed["mrr"], "29.00");
        let inv = ok(app.get(&format!("/v1/invoices/{}", id(inv))).await);
        assert_eq!(inv["status"], "paid");
        assert_eq!(inv["amount_paid"], "35.09");
        assert_eq!(inv["amount_due"], "0.00");
        assert_eq!(event_count(app, "invoice.paid").await, 1);
        assert_eq!(charge_count(app).await, 1);
        let today = ok(app.get("/v1/test_clock").await)["now"].as_str().unwrap().to_owned();
        assert_eq!(movements(&mrr_events(app, &sid).await), vec![mv("new", "29.00", &today)]);
        // Confirming again changes nothing.
        let again = ok(app.post_as(&pk, &confirm_path, json!({"client_secret": secret})).await);
        assert_eq!(again["status"], "active");
        assert_eq!(event_count(app, "invoice.paid").await, 1);
    }
}
