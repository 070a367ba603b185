//! A billing worker killed with SIGKILL in the middle of a run, then started again,
//! invoices and charges every due period exactly once.

use super::*;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The `renewly` binary next to this test, built from this tree. Always asked of
/// cargo (a no-op when it is current): a binary left by an older tree would lack
/// this tree's migrations and refuse the database.
fn renewly_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap().to_path_buf();
    let status = Command::new(env!("CARGO"))
        .args(["build", "-p", "renewly", "--bin", "renewly"])
        .status()
        .unwrap();
    assert!(status.success(), "building the renewly binary");
    dir.join("renewly")
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    let row: Option<(i64,)> = app.db().fetch_optional(sql, &[]).await.unwrap();
    row.unwrap().0
}

scenarios! {
    async fn a_worker_killed_mid_run_and_restarted_bills_every_period_once(app) {
        let ok = |r: renewly_tests::Resp| { assert!(r.status < 300, "{}", r.text); r.body };
        // No test clock: `renewly billing run` bills test mode on the calendar.
        let today = renewly::billing::clock::calendar_today();
        let renewal = today.checked_add_months(chrono::Months::new(1)).unwrap().to_string();
        let product = id(&ok(app.post("/v1/products", json!({"name": "Pro"})).await));
        let price = id(&ok(app.post("/v1/prices", json!({"product": product, "unit_amount": "29.00",
            "recurring": {"interval": "month"}})).await));
        let plan = id(&ok(app.post("/v1/plans", json!({"name": "Pro", "prices": [price]})).await));
        const N: usize = 400;
        for i in 0..N {
            let c = id(&ok(app.post("/v1/customers", json!({"email": format!("c{i}@example.com"),
                "address": {"country": "NL"}})).await));
            ok(app.post(&format!("/v1/customers/{c}/payment_methods"), json!({"card": {
                "number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}})).await);
            ok(app.post("/v1/subscriptions", json!({"customer": c, "plan": plan,
                "items": [{"price": price}]})).await);
        }
        let bin = renewly_binary();
        let run = || Command::new(&bin)
            .args(["billing", "run", "--as-of", &renewal])
            .env("DATABASE_URL", &app.database_url)
            .env("RENEWLY_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill the first run as soon as it has invoiced something.
        let mut first = run();
        let started = Instant::now();
        let mut killed_mid_run = false;
        while started.elapsed() < Duration::from_secs(60) {
            let cycle = count(app, "SELECT COUNT(*) FROM invoices WHERE billing_reason = 'subscription_cycle'").await;
            if cycle > 0 {
                if first.try_wait().unwrap().is_none() {
                    first.kill().unwrap();
                    killed_mid_run = true;
                }
                break;
            }
            if first.try_wait().unwrap().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let _ = first.wait();
        let paid_after_kill = count(app, "SELECT COUNT(*) FROM invoices WHERE billing_reason = 'subscription_cycle' AND status = 'paid'").await;
        eprintln!("killed mid-run: {killed_mid_run}; {paid_after_kill} of {N} renewals paid when it died");
        // Run again, twice, to completion.
        for _ in 0..2 {
            assert!(run().wait().unwrap().success());
        }
        let cycle = count(app, "SELECT COUNT(*) FROM invoices WHERE billing_reason = 'subscription_cycle'").await;
        let per_period = count(app, "SELECT COUNT(*) FROM (SELECT subscription_id, period_start FROM invoices \
            WHERE billing_reason = 'subscription_cycle' GROUP BY subscription_id, period_start HAVING COUNT(*) > 1) d").await;
        let paid = count(app, "SELECT COUNT(*) FROM invoices WHERE billing_reason = 'subscription_cycle' AND status = 'paid'").await;
        let charges = count(app, "SELECT COUNT(*) FROM charges").await;
        let doubled = count(app, "SELECT COUNT(*) FROM (SELECT idempotency_key FROM charges GROUP BY idempotency_key HAVING COUNT(*) > 1) d").await;
        assert_eq!(cycle, N as i64, "one renewal invoice per subscription");
        assert_eq!(per_period, 0, "no period invoiced twice");
        assert_eq!(paid, N as i64, "every renewal paid");
        // One charge for each first invoice and one for each renewal.
        assert_eq!(charges, 2 * N as i64, "exactly one charge per invoice");
        assert_eq!(doubled, 0);
        // Numbers stay gapless: per year 1, 2, 3, … without holes.
        let numbers: Vec<(String,)> = app.db().fetch_all("SELECT number FROM invoices ORDER BY number", &[]).await.unwrap();
        assert_eq!(numbers.len(), 2 * N);
        let mut per_year: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
        for (n,) in numbers {
            let mut parts = n.split('/').skip(1);
            let year = parts.next().unwrap().to_owned();
            per_year.entry(year).or_default().push(parts.next().unwrap().parse().unwrap());
        }
        for (year, seq) in per_year {
            assert_eq!(seq, (1..=seq.len() as u32).collect::<Vec<_>>(), "gapless numbers in {year}");
        }
    }
}
