//! `renewly bench billing`: renews N due subscriptions in one billing pass (invoice,
//! lines, ledger, charge on the test provider, events) and compares it with a bare
//! batched insert of the same invoice and line rows in the same run, the floor of
//! the hardware.

use std::time::Instant;

use chrono::NaiveDate;

use crate::billing::worker::{self, Filter};
use crate::db::{Arg, Db};
use crate::ids::{Kind, new_id};
use crate::payments::Provider;
use crate::store::merchants::{NewMerchant, create_merchant};
use crate::store::tooling::{self, PassTable, Table};
use crate::{app, args, config::Config};

/// Rows per multi-row INSERT while seeding.
const CHUNK: usize = 500;

/// Which database to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs the billing benchmark and prints its figures, as a table or, with
/// `json`, as one JSON object.
pub async fn billing(
    backend: Backend,
    subscriptions: usize,
    pg_admin_url: &str,
    json: bool,
) -> anyhow::Result<()> {
    let (url, cleanup) = fresh_database(backend, pg_admin_url).await?;
    let mut config = Config::for_database(&url);
    config.db_max_connections = 8;
    let db = app::open_database(&config).await?;
    let day = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default();
    if !json {
        println!(
            "renewly bench billing: {subscriptions} due subscriptions on {} ({})",
            day,
            db.backend()
        );
    }
    let started = Instant::now();
    let new = NewMerchant {
        name: "Bench".to_owned(),
        country: "NL".to_owned(),
        currency: "EUR".to_owned(),
    };
    let (merchant, _) = create_merchant(&db, &new, false).await?;
    seed_due_subscriptions(&db, &merchant, subscriptions, day).await?;
    if !json {
        println!("  seeded in {:.1} s", started.elapsed().as_secs_f64());
    }

    let provider = Provider::default();
    let started = Instant::now();
    let summary = worker::run_day(&db, &provider, Filter::All, day).await?;
    let run_secs = started.elapsed().as_secs_f64();
    if summary.invoices_created as usize != subscriptions
        || summary.charges_succeeded as usize != subscriptions
    {
        anyhow::bail!("expected {subscriptions} invoices and charges, got {summary:?}");
    }
    let (floor_secs, rows) = floor(&db).await?;
    let rate = subscriptions as f64 / run_secs;
    if json {
        let tables: serde_json::Map<String, serde_json::Value> = rows
            .iter()
            .map(|(name, n)| ((*name).to_owned(), (*n).into()))
            .collect();
        let out = serde_json::json!({
            "subscriptions": subscriptions,
            "database": db.backend().to_string(),
            "seconds": run_secs,
            "per_second": rate,
            "floor_seconds": floor_secs,
            "ratio": run_secs / floor_secs,
            "peak_rss_mb": peak_rss_mb(),
            "floor_rows": tables,
        });
        println!("{out}");
    } else {
        let written: usize = rows.iter().map(|(_, n)| n).sum();
        let detail: Vec<String> = rows.iter().map(|(t, n)| format!("{t} {n}")).collect();
        println!(
            "  billing pass:        {run_secs:8.2} s  {rate:10.0} subscriptions/s (invoice + lines + ledger + charge + events + e-mails)"
        );
        println!(
            "  bare batched insert: {floor_secs:8.2} s  {:10.0} subscriptions/s (the same {written} rows: {})",
            subscriptions as f64 / floor_secs,
            detail.join(", ")
        );
        println!(
            "  ratio:               {:8.1}× the floor",
            run_secs / floor_secs
        );
        println!("  peak memory:         {:8.0} MB", peak_rss_mb());
    }
    db.close().await;
    cleanup.run(pg_admin_url).await;
    Ok(())
}

/// How to remove a scratch database made by [`fresh_database`].
pub(crate) enum Cleanup {
    File(std::path::PathBuf),
    Database(String),
}

impl Cleanup {
    /// Deletes the SQLite files or drops the PostgreSQL database; best effort.
    pub(crate) async fn run(self, admin_url: &str) {
        match self {
            Self::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Self::Database(name) => {
                if let Ok(admin) = Db::connect(admin_url, 1).await {
                    let _ = tooling::drop_database(&admin, &name).await;
                    admin.close().await;
                }
            }
        }
    }
}

/// A URL of a new, empty database: a SQLite file in the temp folder, or a database
/// created on the PostgreSQL server of `admin_url`.
pub(crate) async fn fresh_database(
    backend: Backend,
    admin_url: &str,
) -> anyhow::Result<(String, Cleanup)> {
    let tag = ulid::Ulid::generate().to_string().to_ascii_lowercase();
    match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("renewly-bench-{tag}.db"));
            Ok((format!("sqlite://{}", path.display()), Cleanup::File(path)))
        }
        Backend::Postgres => {
            let name = format!("renewly_bench_{tag}");
            let admin = Db::connect(admin_url, 1).await?;
            tooling::create_database(&admin, &name).await?;
            admin.close().await;
            let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
            Ok((format!("{base}/{name}"), Cleanup::Database(name)))
        }
    }
}

/// The benchmark's catalog: one product with a monthly price, on one plan.
struct Catalog {
    merchant: String,
    product: String,
    price: String,
    plan: String,
    now: String,
}

impl Catalog {
    async fn insert(&self, db: &Db) -> anyhow::Result<()> {
        let (merchant, product, price, now) =
            (&self.merchant, &self.product, &self.price, &self.now);
        let products = [args![
            product,
            merchant,
            false,
            "Pro",
            "recurring",
            "seat",
            "standard",
            true,
            now
        ]
        .to_vec()];
        let prices = [args![
            price,
            merchant,
            false,
            product,
            "EUR",
            "29.00",
            "month",
            1_i64,
            "exclusive",
            true,
            now
        ]
        .to_vec()];
        let plans = [args![
            &self.plan,
            merchant,
            false,
            "Pro",
            "EUR",
            format!("[\"{price}\"]"),
            "[]",
            0_i64,
            "charge_automatically",
            14_i64,
            r#"{"change":"upgrade_downgrade","can_close":true,"can_pause":false,"can_change_quantity":true}"#,
            "[]",
            r#"{"retry_days":[1,3,5,7],"close_after_days":15}"#,
            false,
            "[]",
            true,
            true,
            now
        ]
        .to_vec()];
        tooling::insert_all(
            db,
            &[
                (Table::PRODUCTS, &products[..]),
                (Table::PRICES, &prices[..]),
                (Table::PLANS, &plans[..]),
            ],
        )
        .await?;
        Ok(())
    }

    /// An active monthly subscription of `cus` on card `pm`, renewing on `day`.
    fn subscription(
        &self,
        sub: &str,
        cus: &str,
        pm: &str,
        start: NaiveDate,
        day: NaiveDate,
    ) -> Vec<Arg> {
        let (merchant, plan, now) = (&self.merchant, &self.plan, &self.now);
        args![
            sub,
            merchant,
            false,
            cus,
            plan,
            "active",
            "EUR",
            "month",
            1_i64,
            start.to_string(),
            start.to_string(),
            day.to_string(),
            day.to_string(),
            "charge_automatically",
            14_i64,
            pm,
            2900_i64,
            2900_i64,
            "good",
            now
        ]
        .to_vec()
    }

    /// Customer `i`: its row, its card, and its subscription and item, renewing
    /// on `day`.
    fn customer(&self, i: usize, start: NaiveDate, day: NaiveDate) -> [Vec<Arg>; 4] {
        let (merchant, product, price, now) =
            (&self.merchant, &self.product, &self.price, &self.now);
        let (cus, pm, sub) = (
            new_id(Kind::Customer),
            new_id(Kind::PaymentMethod),
            new_id(Kind::Subscription),
        );
        [
            args![
                &cus,
                merchant,
                false,
                format!("c{i}@bench.example"),
                format!("Customer {i}"),
                r#"{"country":"NL"}"#,
                "en",
                &pm,
                now
            ]
            .to_vec(),
            args![
                &pm,
                merchant,
                false,
                &cus,
                "test",
                format!("tok_test_{i}"),
                "visa",
                "4242",
                12_i64,
                2034_i64,
                false,
                now
            ]
            .to_vec(),
            self.subscription(&sub, &cus, &pm, start, day),
            args![
                new_id(Kind::SubscriptionItem),
                &sub,
                0_i64,
                price,
                product,
                "Pro",
                1_i64,
                "29.00",
                "0",
                "exclusive",
                "standard",
                true,
                false
            ]
            .to_vec(),
        ]
    }
}

/// Seeds test mode of `merchant` (which must exist) with a product, a monthly
/// price of 29.00, a plan, and `n` customers each with the test provider's good
/// card and an active subscription whose next invoice is due on `day`; written
/// with batched multi-row inserts, so thousands take a second or two. The
/// benchmark measures its billing pass on these; the fault tests kill workers
/// billing them.
pub async fn seed_due_subscriptions(
    db: &Db,
    merchant: &str,
    n: usize,
    day: NaiveDate,
) -> anyhow::Result<()> {
    let catalog = Catalog {
        merchant: merchant.to_owned(),
        product: new_id(Kind::Product),
        price: new_id(Kind::Price),
        plan: new_id(Kind::Plan),
        now: crate::store::now(),
    };
    catalog.insert(db).await?;
    let start = day
        .checked_sub_months(chrono::Months::new(1))
        .unwrap_or(day);
    for chunk_start in (0..n).step_by(CHUNK) {
        let count = CHUNK.min(n - chunk_start);
        let (mut customers, mut pms, mut subs, mut items) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in chunk_start..chunk_start + count {
            let [customer, pm, sub, item] = catalog.customer(i, start, day);
            customers.push(customer);
            pms.push(pm);
            subs.push(sub);
            items.push(item);
        }
        tooling::insert_all(
            db,
            &[
                (Table::CUSTOMERS, &customers[..]),
                (Table::PAYMENT_METHODS, &pms[..]),
                (Table::SUBSCRIPTIONS, &subs[..]),
                (Table::SUBSCRIPTION_ITEMS, &items[..]),
            ],
        )
        .await?;
    }
    Ok(())
}

/// The floor: every row the billing pass wrote (invoices, lines, ledger
/// entries, charges, events, MRR events, e-mails), read back and inserted
/// again into empty copies of their tables, 500 rows per statement and per
/// transaction. Returns the seconds of the inserts and the rows per table.
async fn floor(db: &Db) -> anyhow::Result<(f64, Vec<(&'static str, usize)>)> {
    let mut tables = Vec::new();
    for table in PassTable::ALL {
        let rows = tooling::rows_of(db, table).await?;
        let copy = tooling::create_floor_copy(db, table).await?;
        tables.push((table.name(), copy, rows));
    }
    let started = Instant::now();
    for (_, copy, rows) in &tables {
        for chunk in rows.chunks(CHUNK) {
            tooling::insert_all(db, &[(*copy, chunk)]).await?;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok((
        seconds,
        tables
            .iter()
            .map(|(name, _, rows)| (*name, rows.len()))
            .collect(),
    ))
}

/// The most memory this process has held (`VmHWM`), in MB; 0 where the
/// system does not say.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
