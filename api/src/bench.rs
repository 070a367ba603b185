//! `renewly bench billing`: renews N due subscriptions in one billing pass (invoice,
//! lines, ledger, charge on the test provider, events) and compares it with a bare
//! batched insert of the same invoice and line rows in the same run, the floor of
//! the hardware.

use std::time::Instant;

use chrono::NaiveDate;
use sqlx::AssertSqlSafe;

use crate::billing::worker::{self, Filter};
use crate::db::Db;
use crate::ids::{Kind, new_id};
use crate::payments::Provider;
use crate::store::merchants::{NewMerchant, create_merchant};
use crate::{app, config::Config, with_db};

/// Rows per multi-row INSERT while seeding.
const CHUNK: usize = 500;

/// Which database to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs the billing benchmark and prints its figures.
pub async fn billing(
    backend: Backend,
    subscriptions: usize,
    pg_admin_url: &str,
) -> anyhow::Result<()> {
    let (url, cleanup) = fresh_database(backend, pg_admin_url).await?;
    let mut config = Config::for_database(&url);
    config.db_max_connections = 8;
    let db = app::open_database(&config).await?;
    let day = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default();
    println!(
        "renewly bench billing: {subscriptions} due subscriptions on {} ({})",
        day,
        db.backend()
    );

    let started = Instant::now();
    seed(&db, subscriptions, day).await?;
    println!("  seeded in {:.1} s", started.elapsed().as_secs_f64());

    let started = Instant::now();
    floor(&db, subscriptions).await?;
    let floor_secs = started.elapsed().as_secs_f64();

    let provider = Provider::default();
    let started = Instant::now();
    let summary = worker::run_day(&db, &provider, Filter::All, day).await?;
    let run_secs = started.elapsed().as_secs_f64();
    if summary.invoices_created as usize != subscriptions
        || summary.charges_succeeded as usize != subscriptions
    {
        anyhow::bail!("expected {subscriptions} invoices and charges, got {summary:?}");
    }
    let rate = subscriptions as f64 / run_secs;
    let floor_rate = subscriptions as f64 / floor_secs;
    println!(
        "  billing pass:        {run_secs:8.2} s  {rate:10.0} subscriptions/s (invoice + lines + ledger + charge + events)"
    );
    println!(
        "  bare batched insert: {floor_secs:8.2} s  {floor_rate:10.0} invoices/s (same invoice and line rows)"
    );
    println!(
        "  ratio:               {:8.1}× the floor",
        run_secs / floor_secs
    );
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
                    let _ = with_db!(&admin, pool => sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(pool).await.map(|_| ()));
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
            with_db!(&admin, pool => sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(pool).await.map(|_| ()))?;
            admin.close().await;
            let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
            Ok((format!("{base}/{name}"), Cleanup::Database(name)))
        }
    }
}

/// Runs raw SQL (seeding statements made by the benchmarks).
pub(crate) async fn exec(db: &Db, sql: String) -> anyhow::Result<()> {
    with_db!(db, pool => sqlx::raw_sql(AssertSqlSafe(sql)).execute(pool).await.map(|_| ()))?;
    Ok(())
}

/// A merchant, a product, a monthly price, a plan, and N customers each with a
/// card and a subscription whose next invoice is due on `day`.
async fn seed(db: &Db, n: usize, day: NaiveDate) -> anyhow::Result<()> {
    let new = NewMerchant {
        name: "Bench".to_owned(),
        country: "NL".to_owned(),
        currency: "EUR".to_owned(),
    };
    let (merchant, _) = create_merchant(db, &new, false).await?;
    let now = crate::store::now();
    let product = new_id(Kind::Product);
    let price = new_id(Kind::Price);
    let plan = new_id(Kind::Plan);
    exec(db, format!(
        "INSERT INTO products (id, merchant_id, livemode, name, kind, unit, tax_category, active, created) \
         VALUES ('{product}', '{merchant}', FALSE, 'Pro', 'recurring', 'seat', 'standard', TRUE, '{now}');
         INSERT INTO prices (id, merchant_id, livemode, product_id, currency, unit_amount, recurring_interval, \
         recurring_interval_count, tax_behavior, active, created) VALUES ('{price}', '{merchant}', FALSE, \
         '{product}', 'EUR', '29.00', 'month', 1, 'exclusive', TRUE, '{now}');
         INSERT INTO plans (id, merchant_id, livemode, name, currency, prices, addons, trial_days, payment_mode, \
         invoice_due_days, customer_rights, close_reasons, dunning, require_signature, features, published, \
         active, created) VALUES ('{plan}', '{merchant}', FALSE, 'Pro', 'EUR', '[\"{price}\"]', '[]', 0, \
         'charge_automatically', 14, '{{\"change\":\"upgrade_downgrade\",\"can_close\":true,\"can_pause\":false,\"can_change_quantity\":true}}', \
         '[]', '{{\"retry_days\":[1,3,5,7],\"close_after_days\":15}}', FALSE, '[]', TRUE, TRUE, '{now}');"
    )).await?;
    let start = day
        .checked_sub_months(chrono::Months::new(1))
        .unwrap_or(day);
    for chunk_start in (0..n).step_by(CHUNK) {
        let count = CHUNK.min(n - chunk_start);
        let (mut customers, mut pms, mut subs, mut items) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in chunk_start..chunk_start + count {
            let (cus, pm, sub) = (
                new_id(Kind::Customer),
                new_id(Kind::PaymentMethod),
                new_id(Kind::Subscription),
            );
            customers.push(format!(
                "('{cus}', '{merchant}', FALSE, 'c{i}@bench.example', 'Customer {i}', '{{\"country\":\"NL\"}}', 'en', '{pm}', '{now}')"
            ));
            pms.push(format!(
                "('{pm}', '{merchant}', FALSE, '{cus}', 'test', 'tok_test_{i}', 'visa', '4242', 12, 2034, FALSE, '{now}')"
            ));
            subs.push(format!(
                "('{sub}', '{merchant}', FALSE, '{cus}', '{plan}', 'active', 'EUR', 'month', 1, '{start}', '{start}', \
                 '{day}', '{day}', 'charge_automatically', 14, '{pm}', 2900, 2900, 'good', '{now}')"
            ));
            items.push(format!(
                "('{}', '{sub}', 0, '{price}', '{product}', 'Pro', 1, '29.00', '0', 'exclusive', 'standard', TRUE, FALSE)",
                new_id(Kind::SubscriptionItem)
            ));
        }
        exec(db, format!(
            "INSERT INTO customers (id, merchant_id, livemode, email, name, address, locale, default_payment_method, created) VALUES {};
             INSERT INTO payment_methods (id, merchant_id, livemode, customer_id, provider, provider_token, brand, last4, exp_month, exp_year, detached, created) VALUES {};
             INSERT INTO subscriptions (id, merchant_id, livemode, customer_id, plan_id, status, currency, recurring_interval, recurring_count, start_date, current_period_start, current_period_end, next_invoice_date, payment_mode, invoice_due_days, payment_method_id, mrr_minor, base_mrr_minor, health, created) VALUES {};
             INSERT INTO subscription_items (id, subscription_id, position, price_id, product_id, description, quantity, unit_amount, discount, tax_behavior, tax_category, recurring, addon) VALUES {};",
            customers.join(","), pms.join(","), subs.join(","), items.join(",")
        )).await?;
    }
    Ok(())
}

/// The floor: the same number of invoice and invoice-line rows, inserted in
/// batches of 500 rows per transaction into copies of the tables.
async fn floor(db: &Db, n: usize) -> anyhow::Result<()> {
    exec(
        db,
        "CREATE TABLE floor_invoices AS SELECT * FROM invoices WHERE 1 = 0; \
              CREATE TABLE floor_lines AS SELECT * FROM invoice_lines WHERE 1 = 0;"
            .to_owned(),
    )
    .await?;
    let now = crate::store::now();
    for chunk_start in (0..n).step_by(CHUNK) {
        let count = CHUNK.min(n - chunk_start);
        let (mut invoices, mut lines) = (Vec::new(), Vec::new());
        for i in chunk_start..chunk_start + count {
            let inv = new_id(Kind::Invoice);
            invoices.push(format!(
                "('{inv}', 'mer_x', FALSE, 'INV/2027/{i:05}', 'open', 'cus_x', 'sub_x', 'subscription_cycle', 'EUR', \
                 '2027-01-01', '2027-01-01', '{{}}', 2900, 609, 3509, 0, FALSE, 'charge_automatically', 0, FALSE, '{now}')"
            ));
            lines.push(format!(
                "('{}', '{inv}', 0, 'recurring', 'Pro', 1, '29.00', '0', 'exclusive', '21', 'VAT 21%', 2900, 609, 3509)",
                new_id(Kind::InvoiceLine)
            ));
        }
        exec(db, format!(
            "BEGIN; INSERT INTO floor_invoices (id, merchant_id, livemode, number, status, customer_id, subscription_id, billing_reason, currency, issue_date, due_date, bill_to, subtotal_minor, tax_minor, total_minor, amount_paid_minor, reverse_charge, payment_mode, attempt_count, hard_declined, created) VALUES {};
             INSERT INTO floor_lines (id, invoice_id, position, kind, description, quantity, unit_amount, discount, tax_behavior, tax_rate, tax_name, net_minor, tax_minor, amount_minor) VALUES {}; COMMIT;",
            invoices.join(","), lines.join(",")
        )).await?;
    }
    Ok(())
}
