//! Billing workers killed with SIGKILL at seeded random points of a run (two at
//! once on PostgreSQL), then started again, invoice and charge every due period
//! exactly once: counted in Renewly's records and at the provider, with gapless
//! invoice numbers.

use super::*;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The `renewly` binary next to this test, built from this tree. Always asked of
/// cargo (a no-op when it is current): a binary left by an older tree would lack
/// this tree's migrations and refuse the database.
pub(crate) fn renewly_binary() -> PathBuf {
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

/// How many times a run is killed.
const KILLS: usize = 6;

/// A small seeded generator: the kill points are random but the same each run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

scenarios! {
    async fn a_worker_killed_at_random_points_and_restarted_bills_every_period_once(app) {
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
            .env("RENEWLY_TEST_PROVIDER_LEDGER", &app.provider_ledger)
            .env("RENEWLY_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill runs with SIGKILL at seeded random points: once a random number
        // of renewals more has been invoiced or paid, and a random time after.
        // On PostgreSQL two workers run at once each time.
        let workers = if app.backend == renewly_tests::Backend::Postgres { 2 } else { 1 };
        let mut rng = Lcg(0x5eed_0014);
        let mut kills = 0;
        // Progress (0 to 3N): renewals invoiced, their charges recorded (pending
        // or completed; N first charges were made at subscribing), renewals paid.
        let progress = || count(app, "SELECT (SELECT COUNT(*) FROM invoices WHERE billing_reason = 'subscription_cycle') \
            + (SELECT COUNT(*) FROM charges) \
            + (SELECT COUNT(*) FROM invoices WHERE billing_reason = 'subscription_cycle' AND status = 'paid')");
        let end = 4 * N as i64;
        for round in 0..KILLS {
            let now = progress().await;
            // Spread over what is left, so that most rounds kill a running worker.
            let share = (end - now) / (KILLS - round + 1) as i64;
            let target = now + 1 + rng.below(share.max(1) as u64) as i64;
            let delay = Duration::from_millis(rng.below(100));
            let mut children: Vec<_> = (0..workers).map(|_| run()).collect();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(30) {
                if progress().await >= target || children.iter_mut().all(|c| c.try_wait().unwrap().is_some()) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            tokio::time::sleep(delay).await;
            for child in &mut children {
                if child.try_wait().unwrap().is_none() {
                    child.kill().unwrap();
                    kills += 1;
                }
                let _ = child.wait();
            }
            let paid = count(app, "SELECT COUNT(*) FROM invoices WHERE billing_reason = 'subscription_cycle' AND status = 'paid'").await;
            let pending = count(app, "SELECT COUNT(*) FROM charges WHERE outcome = 'pending'").await;
            eprintln!("round {round}: killed at progress {target} + {delay:?}; {paid} of {N} paid, {pending} charges pending");
        }
        eprintln!("{kills} workers killed mid-run");
        // Run again, twice, to completion.
        for _ in 0..2 {
            assert!(run().wait().unwrap().success());
        }
        assert_eq!(count(app, "SELECT COUNT(*) FROM charges WHERE outcome = 'pending'").await, 0);
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
        // At the provider: one charge per invoice, under a key naming it.
        let at_provider = app.provider_charges();
        assert_eq!(at_provider.len(), 2 * N, "one charge per invoice at the provider");
        assert!(at_provider.values().all(|c| c.outcome == "succeeded"));
        let invoice_ids: Vec<(String,)> = app.db().fetch_all("SELECT id FROM invoices", &[]).await.unwrap();
        for (inv,) in &invoice_ids {
            let keys = at_provider.keys().filter(|k| *k == inv || k.starts_with(&format!("{inv}:"))).count();
            assert_eq!(keys, 1, "invoice {inv} charged once at the provider");
        }
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
