//! The `renewly` command line.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use clap::{Parser, Subcommand};

use crate::app;
use crate::config::Config;
use crate::domain::country::Country;
use crate::domain::currency::Currency;
use crate::store::merchants::{self, KeyKind, NewMerchant};

/// Renewly: self-hosted subscription commerce.
#[derive(Debug, Parser)]
#[command(name = "renewly", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server (migrations are applied first).
    Serve {
        /// Address to listen on (overrides RENEWLY_LISTEN).
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Seed a demo merchant (once) and serve the API and the demo merchant site.
    Demo {
        /// Address of the API (overrides RENEWLY_LISTEN).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Address of the demo merchant site, a second origin.
        #[arg(long, default_value = "127.0.0.1:8081")]
        site_listen: SocketAddr,
        /// Folder of the demo site's files.
        #[arg(long, default_value = "demo-site")]
        site_dir: std::path::PathBuf,
        /// Seed only the catalog, without the two years of customers and billing.
        #[arg(long)]
        no_history: bool,
    },
    /// Manage merchants.
    Merchant {
        #[command(subcommand)]
        command: MerchantCommand,
    },
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Benchmarks that print their figures.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Billing: renewals, charges, dunning.
    Billing {
        #[command(subcommand)]
        command: BillingCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Renew N due subscriptions in one billing pass on a fresh database and
    /// compare with a bare batched insert of the same rows.
    Billing {
        #[arg(long, default_value_t = 100_000)]
        subscriptions: usize,
        #[arg(long, value_enum, default_value = "sqlite")]
        database: crate::tools::bench::Backend,
        /// PostgreSQL server to create the scratch database on.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
        pg_url: String,
        /// Print one JSON object instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Bill N due subscriptions with 1, 2, 4… `renewly billing run` processes at
    /// once (a fresh database for each count) and check each was renewed once.
    ScaleOut {
        #[arg(long, default_value_t = 20_000)]
        subscriptions: usize,
        #[arg(long, value_enum, default_value = "postgres")]
        database: crate::tools::bench::Backend,
        /// The counts of processes to run, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,2,4",
            value_parser = clap::value_parser!(u16).range(1..=64))]
        processes: Vec<u16>,
        /// PostgreSQL server to create the scratch databases on.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
        pg_url: String,
        /// Print one JSON object instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Seed 36 months of MRR history for N subscriptions on a fresh database and
    /// time every analytics endpoint.
    Analytics {
        #[arg(long, default_value_t = 100_000)]
        subscriptions: usize,
        #[arg(long, value_enum, default_value = "sqlite")]
        database: crate::tools::bench::Backend,
        /// PostgreSQL server to create the scratch database on.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
        pg_url: String,
        /// Also write the dashboard of the seeded data (last 12 months) to this file.
        #[arg(long, value_name = "FILE")]
        html: Option<std::path::PathBuf>,
        /// Keep the scratch database (and print its URL) instead of dropping it.
        #[arg(long)]
        keep: bool,
    },
    /// Start the server on a fresh database and load `GET /v1/public/plans`, then
    /// `POST /v1/public/checkout`, with concurrent keep-alive clients on loopback.
    Api {
        #[arg(long, value_enum, default_value = "sqlite")]
        database: crate::tools::bench::Backend,
        /// Seconds of load per endpoint.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
        seconds: u64,
        /// Concurrent clients, each sending its next request when answered.
        #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
        concurrency: u32,
        /// PostgreSQL server to create the scratch database on.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
        pg_url: String,
        /// Print one JSON object instead of the table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BillingCommand {
    /// Run one billing pass: invoice every period that has started, charge what is
    /// due, retry and close per the dunning schedules. Safe to run twice.
    Run {
        /// The billing day (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<chrono::NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MerchantCommand {
    /// Create a merchant with test keys (and live keys with --live).
    Create {
        #[arg(long)]
        name: String,
        /// ISO 3166-1 alpha-2 country of establishment, e.g. NL.
        #[arg(long)]
        country: String,
        /// ISO 4217 default currency, e.g. EUR.
        #[arg(long)]
        currency: String,
        /// Also create live keys.
        #[arg(long)]
        live: bool,
        /// Print JSON only.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key; the key is printed once and only its hash is stored.
    Create {
        #[arg(long)]
        merchant: String,
        /// A live key instead of a test key.
        #[arg(long)]
        live: bool,
        /// A publishable key instead of a secret key.
        #[arg(long)]
        publishable: bool,
    },
    /// Revoke a key, by its id (key_…) or the key itself.
    Revoke { key: String },
    /// List a merchant's keys (hints only).
    List {
        #[arg(long)]
        merchant: String,
    },
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let vars: BTreeMap<String, String> = std::env::vars().collect();
    let mut config = Config::from_vars(vars.clone())?;
    // The demo prints its own banner and the API and analytics benches their
    // tables; request logs would bury them (and slow the benches).
    let quiet = matches!(
        cli.command,
        Command::Demo { .. }
            | Command::Bench {
                command: BenchCommand::Api { .. } | BenchCommand::Analytics { .. }
            }
    ) && !vars.contains_key("RENEWLY_LOG");
    init_tracing(if quiet { "warn" } else { &config.log });
    for unknown in Config::unknown_variables(&vars) {
        tracing::warn!(variable = %unknown, "unknown RENEWLY_ variable ignored (typo?)");
    }
    match cli.command {
        Command::Serve { listen } => {
            if let Some(listen) = listen {
                config.listen = listen;
            }
            app::serve(config).await
        }
        Command::Demo {
            listen,
            site_listen,
            site_dir,
            no_history,
        } => {
            if let Some(listen) = listen {
                config.listen = listen;
            }
            crate::tools::demo::run(config, site_listen, site_dir, !no_history).await
        }
        Command::Migrate => {
            let db = app::open_database(&config).await?;
            println!("migrations applied ({})", db.backend());
            db.close().await;
            Ok(())
        }
        Command::Merchant {
            command:
                MerchantCommand::Create {
                    name,
                    country,
                    currency,
                    live,
                    json,
                },
        } => create_merchant(&config, &name, &country, &currency, live, json).await,
        Command::Keys { command } => keys(&config, command).await,
        Command::Billing {
            command: BillingCommand::Run { as_of },
        } => billing_run(&config, as_of).await,
        Command::Bench { command } => bench(command).await,
        Command::Openapi => {
            println!("{}", crate::http::openapi::document().to_pretty_json()?);
            Ok(())
        }
    }
}

/// `renewly merchant create`: a merchant with its test keys (and live keys with
/// `--live`), printed once.
async fn create_merchant(
    config: &Config,
    name: &str,
    country: &str,
    currency: &str,
    live: bool,
    json: bool,
) -> anyhow::Result<()> {
    let country = Country::parse(country).ok_or_else(|| {
        anyhow::anyhow!("--country {country:?} is not an ISO 3166-1 alpha-2 code")
    })?;
    let currency = Currency::parse(currency)
        .ok_or_else(|| anyhow::anyhow!("--currency {currency:?} is not an ISO 4217 code"))?;
    if name.trim().is_empty() {
        anyhow::bail!("--name must not be empty");
    }
    let db = app::open_database(config).await?;
    let new = NewMerchant {
        name: name.trim().to_owned(),
        country: country.as_str().to_owned(),
        currency: currency.code().to_owned(),
    };
    let (id, keys) = merchants::create_merchant(&db, &new, live).await?;
    let find = |kind: &str, livemode: bool| {
        keys.iter()
            .find(|k| k.kind == kind && k.livemode == livemode)
            .map(|k| k.key.clone())
    };
    let mut out = serde_json::json!({
        "id": id,
        "secret_key": find("secret", false),
        "publishable_key": find("publishable", false),
    });
    if live {
        out["live_secret_key"] = find("secret", true).into();
        out["live_publishable_key"] = find("publishable", true).into();
    }
    if json {
        println!("{out}");
    } else {
        println!("Merchant {id} created. Keep the keys: they are shown only once.");
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    db.close().await;
    Ok(())
}

/// `renewly bench …`.
async fn bench(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Billing {
            subscriptions,
            database,
            pg_url,
            json,
        } => crate::tools::bench::billing(database, subscriptions, &pg_url, json).await,
        BenchCommand::ScaleOut {
            subscriptions,
            database,
            processes,
            pg_url,
            json,
        } => {
            let processes: Vec<usize> = processes.into_iter().map(usize::from).collect();
            crate::tools::bench_scale::scale_out(database, subscriptions, &processes, &pg_url, json)
                .await
        }
        BenchCommand::Api {
            database,
            seconds,
            concurrency,
            pg_url,
            json,
        } => {
            crate::tools::bench_api::api(database, seconds, concurrency as usize, &pg_url, json)
                .await
        }
        BenchCommand::Analytics {
            subscriptions,
            database,
            pg_url,
            html,
            keep,
        } => {
            crate::tools::bench_analytics::analytics(
                database,
                subscriptions,
                &pg_url,
                html.as_deref(),
                keep,
            )
            .await
        }
    }
}

async fn keys(config: &Config, command: KeysCommand) -> anyhow::Result<()> {
    let db = app::open_database(config).await?;
    match command {
        KeysCommand::Create {
            merchant,
            live,
            publishable,
        } => {
            if !merchants::merchant_exists(&db, &merchant).await? {
                anyhow::bail!("no merchant {merchant}");
            }
            let kind = if publishable {
                KeyKind::Publishable
            } else {
                KeyKind::Secret
            };
            let key = merchants::create_key(&db, &merchant, kind, live).await?;
            println!("{}", serde_json::to_string(&key)?);
        }
        KeysCommand::Revoke { key } => {
            if !merchants::revoke_key(&db, &key).await? {
                anyhow::bail!("no active key matches");
            }
            println!("revoked");
        }
        KeysCommand::List { merchant } => {
            for key in merchants::list_keys(&db, &merchant).await? {
                println!("{}", serde_json::to_string(&key)?);
            }
        }
    }
    db.close().await;
    Ok(())
}

async fn billing_run(config: &Config, as_of: Option<chrono::NaiveDate>) -> anyhow::Result<()> {
    use crate::billing::worker::{self, Filter};
    let db = app::open_database(config).await?;
    let provider = crate::payments::Provider::for_config(config);
    let day = as_of.unwrap_or_else(crate::billing::clock::calendar_today);
    let due = worker::due_count(&db, day).await?;
    let bar = indicatif::ProgressBar::new(due.max(1));
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} billing {msg} [{bar:40}] {pos}/{len} renewals ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(day.to_string());
    let progress_bar = bar.clone();
    let summary =
        worker::run_day_with_progress(&db, &provider, Filter::RealTime, day, &mut move |s| {
            progress_bar.set_position(s.invoices_created.min(due));
        })
        .await?;
    bar.finish_and_clear();
    println!(
        "billing day {day}: {} invoices created, {} charges succeeded, {} failed, {} subscriptions closed",
        summary.invoices_created,
        summary.charges_succeeded,
        summary.charges_failed,
        summary.subscriptions_closed
    );
    db.close().await;
    Ok(())
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
