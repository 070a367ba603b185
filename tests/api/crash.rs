//! Fault tests of the billing run: workers killed with SIGKILL at seeded random
//! points (one at a time on SQLite, two and four at once on PostgreSQL), and a
//! PostgreSQL server stopped as by a crash and started again under running
//! workers. After the workers are run again to the end, every due period is
//! invoiced and charged exactly once, counted in Renewly's records and in the
//! test provider's own ledger, invoice numbers are gapless, and no charge failed.
//!
//! Size: `RENEWLY_FAULT_SUBSCRIPTIONS` due subscriptions (default 1 500) and
//! `RENEWLY_FAULT_KILLS` kills per run (default 8); the full size is 5 000 and 20.

use super::*;
use renewly_tests::Backend;
use renewly_tests::cluster::Cluster;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A setting of the suite's size from the environment.
fn size(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a count")),
        Err(_) => default,
    }
}

/// Due subscriptions in each scenario.
fn subscriptions() -> usize {
    size("RENEWLY_FAULT_SUBSCRIPTIONS", 1500)
}

/// SIGKILLs in each scenario.
fn kills() -> usize {
    size("RENEWLY_FAULT_KILLS", 8)
}

/// The `renewly` binary next to this test, built from this tree. Asked of cargo
/// once per test process (a no-op when it is current): a binary left by an older
/// tree would lack this tree's migrations and refuse the database.
pub(crate) fn renewly_binary() -> PathBuf {
    static BINARY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BINARY
        .get_or_init(|| {
            let exe = std::env::current_exe().unwrap();
            let dir = exe.parent().and_then(|d| d.parent()).unwrap().to_path_buf();
            let status = Command::new(env!("CARGO"))
                .args(["build", "-p", "renewly", "--bin", "renewly"])
                .status()
                .unwrap();
            assert!(status.success(), "building the renewly binary");
            dir.join("renewly")
        })
        .clone()
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    let row: Option<(i64,)> = app.db().fetch_optional(sql, &[]).await.unwrap();
    row.unwrap().0
}

/// A small seeded generator: the fault points are random but the same each run.
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

/// `n` due subscriptions of the app's merchant (test mode, the test card),
/// seeded as `renewly bench billing` seeds them; returns their billing day.
async fn seed(app: &TestApp, n: usize) -> String {
    // No test clock: `renewly billing run` bills test mode on the calendar.
    let day = renewly::billing::clock::calendar_today();
    let started = Instant::now();
    renewly::tools::bench::seed_due_subscriptions(app.db(), &app.keys.merchant, n, day)
        .await
        .unwrap();
    eprintln!("seeded {n} due subscriptions in {:?}", started.elapsed());
    day.to_string()
}

/// `renewly billing run --as-of DAY` processes on the app's database, with the
/// app's provider ledger.
struct Workers<'a> {
    app: &'a TestApp,
    bin: PathBuf,
    day: String,
}

impl<'a> Workers<'a> {
    fn new(app: &'a TestApp, day: String) -> Self {
        Self {
            app,
            bin: renewly_binary(),
            day,
        }
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.args(["billing", "run", "--as-of", &self.day])
            .env("DATABASE_URL", &self.app.database_url)
            .env("RENEWLY_TEST_PROVIDER_LEDGER", &self.app.provider_ledger)
            .env("RENEWLY_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    }

    fn spawn(&self, n: usize) -> Vec<Child> {
        (0..n).map(|_| self.command().spawn().unwrap()).collect()
    }

    /// `n` workers at once, then one more, each to the end of its run.
    fn run_to_the_end(&self, n: usize) {
        let runs: Vec<_> = (0..n)
            .map(|_| {
                let mut c = self.command();
                c.stderr(Stdio::piped());
                c.spawn().unwrap()
            })
            .chain(std::iter::once_with(|| {
                let mut c = self.command();
                c.stderr(Stdio::piped());
                c.spawn().unwrap()
            }))
            .collect();
        for run in runs {
            let out = run.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// How far the run is, from 0 to 3 × the due subscriptions: renewals invoiced,
/// their charges recorded (pending or completed), renewals paid.
async fn progress(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT (SELECT COUNT(*) FROM invoices) + (SELECT COUNT(*) FROM charges) \
         + (SELECT COUNT(*) FROM invoices WHERE status = 'paid')",
    )
    .await
}

/// Waits until the run has got to `target`, or every worker has exited.
async fn wait_for(app: &TestApp, children: &mut [Child], target: i64) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if progress(app).await >= target
            || children.iter_mut().all(|c| c.try_wait().unwrap().is_some())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Starts `workers` workers at once, `rounds` times, and kills them with
/// SIGKILL at seeded random points: once the run has got a random way further,
/// and a random time after. Returns how many were killed mid-run.
async fn kill_at_random_points(
    app: &TestApp,
    run: &Workers<'_>,
    workers: usize,
    rounds: usize,
    rng: &mut Lcg,
    n: usize,
) -> usize {
    let end = 3 * n as i64;
    let mut killed = 0;
    for round in 0..rounds {
        let now = progress(app).await;
        // Spread over what is left, so that most rounds kill running workers.
        let share = (end - now) / (rounds - round + 1) as i64;
        let target = now + 1 + rng.below(share.max(1) as u64) as i64;
        let delay = Duration::from_millis(rng.below(100));
        let mut children = run.spawn(workers);
        wait_for(app, &mut children, target).await;
        tokio::time::sleep(delay).await;
        for child in &mut children {
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap();
                killed += 1;
            }
            let _ = child.wait();
        }
        eprintln!(
            "kill {round}: at progress {target} of {end} + {delay:?}, {} now",
            progress(app).await
        );
    }
    killed
}

/// Every one of the `n` due periods invoiced and charged exactly once, in
/// Renewly's tables and at the provider; numbers gapless; nothing failed.
async fn assert_billed_once(app: &TestApp, n: usize) {
    let n = n as i64;
    let q = |sql| count(app, sql);
    assert_eq!(
        q("SELECT COUNT(*) FROM charges WHERE outcome = 'pending'").await,
        0
    );
    assert_eq!(
        q("SELECT COUNT(*) FROM invoices").await,
        n,
        "one invoice per subscription"
    );
    assert_eq!(
        q(
            "SELECT COUNT(*) FROM (SELECT subscription_id, period_start FROM invoices \
           GROUP BY subscription_id, period_start HAVING COUNT(*) > 1) d"
        )
        .await,
        0,
        "no period invoiced twice"
    );
    assert_eq!(
        q("SELECT COUNT(*) FROM invoices WHERE status = 'paid' AND attempt_count = 1").await,
        n,
        "every invoice paid at its first attempt"
    );
    assert_eq!(
        q("SELECT COUNT(*) FROM charges").await,
        n,
        "one charge per invoice"
    );
    assert_eq!(
        q("SELECT COUNT(*) FROM charges WHERE outcome = 'succeeded'").await,
        n,
        "no failed charge"
    );
    assert_eq!(
        q("SELECT COUNT(*) FROM events WHERE type = 'invoice.payment_failed'").await,
        0,
        "no payment failure recorded"
    );
    assert_eq!(
        q("SELECT COUNT(*) FROM subscriptions WHERE status <> 'active'").await,
        0,
        "no subscription fell behind"
    );
    // At the provider: one charge per invoice, under the invoice's id, for its total.
    let at_provider = app.provider_charges();
    assert_eq!(
        at_provider.len() as i64,
        n,
        "one charge per invoice at the provider"
    );
    let invoices: Vec<(String, i64)> = app
        .db()
        .fetch_all("SELECT id, total_minor FROM invoices", &[])
        .await
        .unwrap();
    for (inv, total) in &invoices {
        let charge = at_provider
            .get(inv)
            .unwrap_or_else(|| panic!("invoice {inv} charged at the provider under its id"));
        assert_eq!(charge.outcome, "succeeded");
        let amount: rust_decimal::Decimal = charge.amount.parse().unwrap();
        assert_eq!(
            amount,
            rust_decimal::Decimal::new(*total, 2),
            "invoice {inv}"
        );
    }
    // Numbers stay gapless: per year 1, 2, 3, … without holes.
    let numbers: Vec<(String,)> = app
        .db()
        .fetch_all("SELECT number FROM invoices", &[])
        .await
        .unwrap();
    let mut per_year: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
    for (number,) in numbers {
        let mut parts = number.split('/').skip(1);
        let year = parts.next().unwrap().to_owned();
        per_year
            .entry(year)
            .or_default()
            .push(parts.next().unwrap().parse().unwrap());
    }
    for (year, mut seq) in per_year {
        seq.sort_unstable();
        assert_eq!(
            seq,
            (1..=seq.len() as u32).collect::<Vec<_>>(),
            "gapless numbers in {year}"
        );
    }
}

/// Seeds, kills `workers` workers at once at random points, runs to the end
/// and checks the result.
async fn killed_and_restarted(app: &TestApp, workers: usize, seed_of_rng: u64) {
    let started = Instant::now();
    let n = subscriptions();
    let run = Workers::new(app, seed(app, n).await);
    let rounds = kills().div_ceil(workers);
    let mut rng = Lcg(seed_of_rng);
    let killed = kill_at_random_points(app, &run, workers, rounds, &mut rng, n).await;
    eprintln!("{killed} workers killed mid-run");
    assert!(
        killed >= kills() / 2,
        "{killed} of {} kills hit a running worker",
        kills()
    );
    run.run_to_the_end(workers);
    assert_billed_once(app, n).await;
    eprintln!(
        "{n} subscriptions, {workers} workers at once, {killed} killed: {:?}",
        started.elapsed()
    );
}

scenarios! {
    async fn a_worker_killed_at_random_points_and_restarted_bills_every_period_once(app) {
        // On PostgreSQL two workers run at once each time.
        let workers = if app.backend == Backend::Postgres { 2 } else { 1 };
        killed_and_restarted(app, workers, 0x5eed_0014).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_workers_at_once_killed_at_random_points_bill_every_period_once_on_postgres() {
    let app = TestApp::start(Backend::Postgres).await;
    killed_and_restarted(&app, 4, 0x5eed_0044).await;
    app.finish().await;
}

/// What befalls the database under running workers.
#[derive(Clone, Copy)]
enum Fault {
    /// The server stopped as by a crash (`pg_ctl stop -m immediate`) and started.
    Restart,
    /// Every other connection to the database cut (`pg_terminate_backend`), every
    /// 20 ms, with the server up.
    Cuts,
}

/// Cuts every connection to the app's database but the one asking, every 20 ms
/// for `time` or until the workers have exited; returns how many were cut.
async fn cut_connections(app: &TestApp, children: &mut [Child], time: Duration) -> i64 {
    let started = Instant::now();
    let mut cut = 0;
    while started.elapsed() < time && children.iter_mut().any(|c| c.try_wait().unwrap().is_none()) {
        // The test's own pool loses connections too: it opens new ones.
        let row: Result<Option<(i64,)>, _> = app
            .db()
            .fetch_optional(
                "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()) t",
                &[],
            )
            .await;
        cut += row.ok().flatten().map_or(0, |r| r.0);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cut
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_under_a_postgres_server_restarted_mid_run_bill_every_period_once_and_fail_no_charge()
 {
    let Some(bin) = Cluster::binaries() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the PostgreSQL server binaries (initdb, pg_ctl under /usr/lib/postgresql/*/bin) \
             are needed for this test in CI: apt-get install postgresql"
        );
        eprintln!(
            "SKIPPED: no PostgreSQL server binaries (initdb, pg_ctl) under \
             /usr/lib/postgresql/*/bin; apt-get install postgresql to run this test"
        );
        return;
    };
    let started = Instant::now();
    let cluster = Cluster::start(&bin);
    let app = TestApp::start_on_postgres(&cluster.admin_url()).await;
    let n = subscriptions();
    let run = Workers::new(&app, seed(&app, n).await);
    let mut rng = Lcg(0x5eed_0057);
    // The server goes down three times under two workers: once while they
    // renew, twice while they charge; and between those, while they charge,
    // their connections are cut again and again with the server up. An error
    // of the database must end the run, never count as a failed card.
    let (third, end) = (n as i64 * 2 / 3, 3 * n as i64);
    let faults = [
        (Fault::Restart, 0, n as i64),
        (Fault::Restart, n as i64, n as i64 + third),
        (Fault::Cuts, n as i64 + third, n as i64 + 2 * third),
        (Fault::Restart, n as i64 + 2 * third, end),
    ];
    let mut hit = 0;
    for (round, (fault, from, to)) in faults.into_iter().enumerate() {
        let now = progress(&app).await;
        let from = from.max(now);
        let target = from + 1 + rng.below(((to - from) / 2).max(1) as u64) as i64;
        let mut children = run.spawn(2);
        wait_for(&app, &mut children, target).await;
        let running = children
            .iter_mut()
            .filter_map(|c| c.try_wait().unwrap().is_none().then_some(()))
            .count();
        hit += usize::from(running > 0);
        let what = match fault {
            Fault::Restart => {
                cluster.stop_immediately();
                let down = Duration::from_millis(200 + rng.below(800));
                tokio::time::sleep(down).await;
                cluster.start_again();
                format!("restarted after {down:?} down")
            }
            Fault::Cuts => {
                let cut = cut_connections(&app, &mut children, Duration::from_secs(2)).await;
                format!("{cut} connections cut")
            }
        };
        // A worker ends with the error, or carries on once it reconnects (and
        // records what it was doing); after a while it is killed, so that the
        // next fault finds work left.
        let mut ended = Vec::new();
        for child in &mut children {
            let deadline = Instant::now() + Duration::from_secs(5);
            let status = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break if status.success() { "done" } else { "error" };
                }
                if Instant::now() > deadline {
                    child.kill().unwrap();
                    let _ = child.wait();
                    break "carried on, killed";
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            ended.push(status);
        }
        eprintln!(
            "fault {round}: at progress {target} of {end} ({running} running), \
             {what}; workers: {ended:?}; {} now",
            progress(&app).await
        );
    }
    assert_eq!(hit, faults.len(), "every fault hit running workers");
    run.run_to_the_end(2);
    assert_billed_once(&app, n).await;
    eprintln!(
        "{n} subscriptions, 3 restarts and cut connections: {:?}",
        started.elapsed()
    );
    app.finish().await;
    drop(cluster);
}
