//! `renewly bench scale-out`: the same billing pass run by 1, 2, 4… separate
//! `renewly billing run` processes at once against one database, as several
//! servers sharing one PostgreSQL would run it. Each count gets a fresh
//! database with the same N due subscriptions; the figures are the wall time
//! from starting the processes to the last one's exit, and the check that every
//! subscription was invoiced and charged exactly once.

use std::process::{Command, Stdio};
use std::time::Instant;

use chrono::NaiveDate;

use super::bench::{Backend, fresh_database, seed_due_subscriptions};
use crate::store::merchants::{NewMerchant, create_merchant};
use crate::store::tooling::{self, RenewalCounts};
use crate::{app, config::Config};

/// One count of processes and what it did.
#[derive(Debug)]
struct Pass {
    processes: usize,
    seconds: f64,
    counts: RenewalCounts,
}

/// Runs the scale-out benchmark for each count in `processes` and prints the
/// figures, as a table or, with `json`, as one JSON object. Fails when any run
/// invoiced or charged a subscription other than exactly once.
pub async fn scale_out(
    backend: Backend,
    subscriptions: usize,
    processes: &[usize],
    pg_admin_url: &str,
    json: bool,
) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let day = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default();
    if !json {
        println!(
            "renewly bench scale-out: {subscriptions} due subscriptions on {day}, \
             {backend:?}, billed by {processes:?} processes"
        );
    }
    let mut passes = Vec::new();
    for &k in processes {
        let (url, cleanup) = fresh_database(backend, pg_admin_url).await?;
        let result = one_pass(&exe, &url, subscriptions, k, day).await;
        cleanup.run(pg_admin_url).await;
        let pass = result?;
        if !json {
            println!(
                "  {k} process(es): {:8.2} s  {:8.0} subscriptions/s  ({} invoices, {} charges)",
                pass.seconds,
                subscriptions as f64 / pass.seconds,
                pass.counts.invoices,
                pass.counts.charges_succeeded
            );
        }
        passes.push(pass);
    }
    let one = passes.first().map_or(1.0, |p| p.seconds);
    if json {
        let runs: Vec<serde_json::Value> = passes
            .iter()
            .map(|p| {
                serde_json::json!({
                    "processes": p.processes,
                    "seconds": p.seconds,
                    "per_second": subscriptions as f64 / p.seconds,
                    "speedup": one / p.seconds,
                    "invoices": p.counts.invoices,
                    "charges_succeeded": p.counts.charges_succeeded,
                })
            })
            .collect();
        let out = serde_json::json!({
            "subscriptions": subscriptions,
            "database": format!("{backend:?}").to_ascii_lowercase(),
            "runs": runs,
        });
        println!("{out}");
    } else {
        for p in passes.iter().skip(1) {
            println!(
                "  speed-up with {} processes: {:.2}× one process",
                p.processes,
                one / p.seconds
            );
        }
    }
    Ok(())
}

/// Seeds a fresh database at `url`, bills it with `k` processes at once and
/// checks that every subscription was invoiced and charged once.
async fn one_pass(
    exe: &std::path::Path,
    url: &str,
    n: usize,
    k: usize,
    day: NaiveDate,
) -> anyhow::Result<Pass> {
    let config = Config::for_database(url);
    let db = app::open_database(&config).await?;
    let bench = NewMerchant {
        name: "Bench".to_owned(),
        country: "NL".to_owned(),
        currency: "EUR".to_owned(),
    };
    let (merchant, _) = create_merchant(&db, &bench, false).await?;
    seed_due_subscriptions(&db, &merchant, n, day).await?;
    tooling::analyze(&db).await?;
    let started = Instant::now();
    let mut children = Vec::with_capacity(k);
    for _ in 0..k {
        let child = Command::new(exe)
            .args(["billing", "run", "--as-of", &day.to_string()])
            .env("DATABASE_URL", url)
            .env("RENEWLY_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()?;
        children.push(child);
    }
    let statuses = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|mut c| c.wait())
            .collect::<Result<Vec<_>, _>>()
    })
    .await??;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(failed) = statuses.iter().find(|s| !s.success()) {
        anyhow::bail!("a billing process ended with {failed}");
    }
    let counts = tooling::renewal_counts(&db).await?;
    db.close().await;
    let n = n as i64;
    let once = RenewalCounts {
        invoices: n,
        subscriptions_invoiced: n,
        charges_succeeded: n,
        invoices_charged: n,
    };
    if counts != once {
        anyhow::bail!(
            "{k} processes: expected every subscription invoiced and charged once, got {counts:?}"
        );
    }
    Ok(Pass {
        processes: k,
        seconds,
        counts,
    })
}
