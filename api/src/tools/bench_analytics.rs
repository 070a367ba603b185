//! `renewly bench analytics`: seeds a fresh database with 36 months of history for
//! N subscriptions (MRR events of every kind with salespeople and close reasons,
//! and a paid invoice per subscription and month) and times every analytics
//! endpoint through the real router, over the whole 36 months.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use chrono::Datelike;
use tower::ServiceExt;

use super::bench::{Backend, fresh_database};
use crate::analytics::Month;
use crate::db::{Arg, Db};
use crate::ids::{Kind, new_id};
use crate::store::merchants::{NewMerchant, create_merchant};
use crate::store::tooling::{self, Table};
use crate::{app, args, config::Config};

/// Rows per multi-row INSERT while seeding.
const CHUNK: usize = 500;
/// The first month of the seeded history; it runs 36 months.
const FIRST: (i32, u32) = (2025, 1);
const MONTHS: i32 = 36;
const COUNTRIES: [&str; 8] = ["NL", "NL", "NL", "DE", "DE", "BE", "FR", "US"];
const REASONS: [&str; 5] = [
    "Too expensive",
    "Missing features",
    "Moving to a competitor",
    "No longer needed",
    "payment failed",
];
const PRICES: [i64; 5] = [1900, 2900, 4900, 9900, 19900];

/// Runs the analytics benchmark and prints its figures; with `html`, also writes
/// the dashboard of the seeded merchant there.
pub async fn analytics(
    backend: Backend,
    subscriptions: usize,
    pg_admin_url: &str,
    html: Option<&std::path::Path>,
    keep: bool,
) -> anyhow::Result<()> {
    let (url, cleanup) = fresh_database(backend, pg_admin_url).await?;
    let mut config = Config::for_database(&url);
    config.db_max_connections = 4;
    let db = app::open_database(&config).await?;
    println!(
        "renewly bench analytics: {subscriptions} subscriptions, {MONTHS} months of history ({})",
        db.backend()
    );
    let started = Instant::now();
    let (key, counts) = seed(&db, subscriptions).await?;
    println!(
        "  seeded in {:.1} s: {} customers, {} subscriptions, {} MRR events, {} invoices, {} invoice lines",
        started.elapsed().as_secs_f64(),
        counts.customers,
        counts.subscriptions,
        counts.events,
        counts.invoices,
        counts.lines
    );
    let state = crate::http::AppState::new(db.clone(), std::sync::Arc::new(config.clone()));
    let router = app::router(state);
    let first = Month::new(FIRST.0, FIRST.1).unwrap_or_else(|| Month::of(chrono::NaiveDate::MIN));
    let last = first.plus(MONTHS - 1);
    time_endpoints(&router, &key, first, last).await?;
    if let Some(path) = html {
        write_dashboard(&db, &key, first, path).await?;
    }
    db.close().await;
    if keep {
        println!("  kept the database: {url} (secret test key {key})");
    } else {
        cleanup.run(pg_admin_url).await;
    }
    Ok(())
}

/// Times every analytics endpoint over the last 12 months and over all the
/// history, and prints the medians.
async fn time_endpoints(
    router: &axum::Router,
    key: &str,
    first: Month,
    last: Month,
) -> anyhow::Result<()> {
    let ranges = [
        format!("from={}&to={last}", last.plus(-11)),
        format!("from={first}&to={last}"),
    ];
    println!(
        "  GET /v1/analytics/…           last 12 months   all 36 months   (median of 5 after a warm-up)"
    );
    let endpoints = [
        "mrr",
        "movements",
        "kpis",
        "cohorts?metric=customers",
        "cohorts?metric=mrr",
        "churn-reasons",
        "salespeople",
        "forecast",
        "kpis?country=DE",
        "movements?country=DE",
    ];
    for endpoint in endpoints {
        let sep = if endpoint.contains('?') { '&' } else { '?' };
        let mut cells = Vec::new();
        for range in &ranges {
            let path = format!("/v1/analytics/{endpoint}{sep}{range}");
            let mut times = Vec::new();
            for _ in 0..6 {
                times.push(time_get(router, &path, key).await?);
            }
            times.remove(0);
            times.sort();
            cells.push(ms(times[times.len() / 2]));
        }
        println!(
            "  {endpoint:<28} {:>10.1} ms   {:>10.1} ms",
            cells[0], cells[1]
        );
    }
    Ok(())
}

/// Writes the seeded merchant's dashboard of the last 12 months to `path`.
async fn write_dashboard(
    db: &Db,
    key: &str,
    first: Month,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let scope = crate::store::Scope {
        merchant_id: merchant_of(db, key).await?,
        livemode: false,
    };
    let query = crate::analytics::service::ReportQuery {
        from: Some(first.plus(MONTHS - 12).to_string()),
        to: Some(first.plus(MONTHS - 1).to_string()),
        ..Default::default()
    };
    let page = crate::http::dashboard::render_for(db, &scope, &query)
        .await
        .map_err(|e| anyhow::anyhow!("rendering the dashboard: {e}"))?;
    std::fs::write(path, page)?;
    println!("  dashboard written to {}", path.display());
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn time_get(router: &axum::Router, path: &str, key: &str) -> anyhow::Result<Duration> {
    let req = Request::builder()
        .uri(path)
        .header("authorization", format!("Bearer {key}"))
        .body(Body::empty())?;
    let started = Instant::now();
    let resp = router.clone().oneshot(req).await?;
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
    let took = started.elapsed();
    if !status.is_success() {
        anyhow::bail!("{path}: {status} {}", String::from_utf8_lossy(&body));
    }
    Ok(took)
}

async fn merchant_of(db: &Db, key: &str) -> anyhow::Result<String> {
    let grant = crate::store::merchants::authenticate(db, key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the bench key vanished"))?;
    Ok(grant.scope.merchant_id)
}

/// A small deterministic generator (SplitMix64), so every run seeds the same history.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `per_mille` / 1000.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

#[derive(Default)]
struct Counts {
    customers: usize,
    subscriptions: usize,
    events: usize,
    invoices: usize,
    lines: usize,
}

/// Multi-row INSERT buffers, flushed every [`CHUNK`] rows.
#[derive(Default)]
struct Buffers {
    customers: Vec<Vec<Arg>>,
    subscriptions: Vec<Vec<Arg>>,
    events: Vec<Vec<Arg>>,
    invoices: Vec<Vec<Arg>>,
    lines: Vec<Vec<Arg>>,
}

impl Buffers {
    fn full(&self) -> bool {
        [
            self.customers.len(),
            self.subscriptions.len(),
            self.events.len(),
            self.invoices.len(),
            self.lines.len(),
        ]
        .iter()
        .any(|n| *n >= CHUNK)
    }

    async fn flush(&mut self, db: &Db) -> anyhow::Result<()> {
        tooling::insert_all(
            db,
            &[
                (Table::CUSTOMERS_WITH_SALESPERSON, &self.customers[..]),
                (Table::CLOSED_SUBSCRIPTIONS, &self.subscriptions[..]),
                (Table::MRR_EVENTS, &self.events[..]),
                (Table::PAID_INVOICES, &self.invoices[..]),
                (Table::INVOICE_LINES, &self.lines[..]),
            ],
        )
        .await?;
        *self = Self::default();
        Ok(())
    }
}

/// What the generator knows about a merchant while it writes.
struct Seeder {
    merchant: String,
    plans: Vec<String>,
    users: Vec<String>,
    now: String,
    invoice_number: usize,
    counts: Counts,
    buf: Buffers,
}

/// One subscription's life, month by month.
struct Life {
    customer: String,
    salesperson: Option<String>,
    plan: String,
    sub: String,
    mrr: i64,
}

impl Seeder {
    /// The next customer, in `country`, looked after by `salesperson`.
    fn customer(&mut self, id: &str, country: &str, salesperson: &Option<String>) {
        let i = self.counts.customers;
        self.buf.customers.push(
            args![
                id,
                &self.merchant,
                false,
                format!("c{i}@bench.example"),
                format!("Customer {i}"),
                format!(r#"{{"country":"{country}"}}"#),
                "en",
                salesperson,
                &self.now
            ]
            .to_vec(),
        );
        self.counts.customers += 1;
    }

    fn event(
        &mut self,
        life: &Life,
        date: chrono::NaiveDate,
        kind: &str,
        delta: i64,
        customer_mrr: i64,
        reason: Option<&str>,
    ) {
        self.buf.events.push(
            args![
                new_id(Kind::MrrEvent),
                &self.merchant,
                false,
                &life.customer,
                &life.sub,
                &life.salesperson,
                &life.plan,
                date.to_string(),
                kind,
                "EUR",
                delta,
                life.mrr,
                customer_mrr,
                reason,
                &self.now
            ]
            .to_vec(),
        );
        self.counts.events += 1;
    }

    /// A paid invoice for the month: the subscription, `extra` for an add-on, and
    /// maybe a setup fee (non-recurring revenue).
    fn invoice(&mut self, life: &Life, date: chrono::NaiveDate, extra: i64, setup_fee: bool) {
        let id = new_id(Kind::Invoice);
        self.invoice_number += 1;
        let fee = if setup_fee { 5000 } else { 0 };
        let subtotal = life.mrr + extra + fee;
        let tax = subtotal * 21 / 100;
        let date = date.to_string();
        self.buf.invoices.push(
            args![
                &id,
                &self.merchant,
                false,
                format!("B/{:08}", self.invoice_number),
                "paid",
                &life.customer,
                &life.sub,
                "subscription_cycle",
                "EUR",
                &date,
                &date,
                "{}",
                subtotal,
                tax,
                subtotal + tax,
                subtotal + tax,
                false,
                "charge_automatically",
                1_i64,
                false,
                &date,
                &self.now
            ]
            .to_vec(),
        );
        let line = |pos: i64, kind: &str, net: i64| {
            args![
                new_id(Kind::InvoiceLine),
                &id,
                pos,
                kind,
                "Plan",
                1_i64,
                rust_decimal::Decimal::new(net, 2).to_string(),
                "0",
                "exclusive",
                "21",
                "VAT 21%",
                net,
                net * 21 / 100,
                net + net * 21 / 100
            ]
            .to_vec()
        };
        self.buf.lines.push(line(0, "recurring", life.mrr + extra));
        if setup_fee {
            self.buf.lines.push(line(1, "setup_fee", fee));
        }
        self.counts.invoices += 1;
        self.counts.lines += 1 + usize::from(setup_fee);
    }

    fn subscription(
        &mut self,
        life: &Life,
        start: chrono::NaiveDate,
        closed: Option<(chrono::NaiveDate, &str)>,
    ) {
        let (status, reason, closed_at) = match closed {
            Some((d, r)) => ("closed", Some(r), Some(d.to_string())),
            None => ("active", None, None),
        };
        let mrr = if closed.is_some() { 0 } else { life.mrr };
        let start = start.to_string();
        self.buf.subscriptions.push(
            args![
                &life.sub,
                &self.merchant,
                false,
                &life.customer,
                &life.plan,
                status,
                "EUR",
                "month",
                1_i64,
                &start,
                &start,
                &start,
                None::<String>,
                "charge_automatically",
                14_i64,
                &life.salesperson,
                mrr,
                mrr,
                "good",
                reason,
                closed_at,
                &self.now
            ]
            .to_vec(),
        );
        self.counts.subscriptions += 1;
    }
}

/// Seeds the merchant, its plans and salespeople, and `n` subscriptions' history.
/// Returns the secret test key.
async fn seed(db: &Db, n: usize) -> anyhow::Result<(String, Counts)> {
    let new = NewMerchant {
        name: "Bench Analytics".to_owned(),
        country: "NL".to_owned(),
        currency: "EUR".to_owned(),
    };
    let (merchant, keys) = create_merchant(db, &new, false).await?;
    let key = keys
        .iter()
        .find(|k| k.kind == "secret")
        .map(|k| k.key.clone())
        .ok_or_else(|| anyhow::anyhow!("no secret key was made"))?;
    let now = crate::store::now();
    let (plans, users) = seed_catalog(db, &merchant, &now).await?;

    let mut s = Seeder {
        merchant,
        plans,
        users,
        now,
        invoice_number: 0,
        counts: Counts::default(),
        buf: Buffers::default(),
    };
    let mut rng = Rng(20_270_101);
    let first = Month::new(FIRST.0, FIRST.1).unwrap_or_else(|| Month::of(chrono::NaiveDate::MIN));
    while s.counts.subscriptions < n {
        customer_history(&mut s, &mut rng, first, n);
        if s.buf.full() {
            s.buf.flush(db).await?;
        }
    }
    s.buf.flush(db).await?;
    tooling::analyze(db).await?;
    Ok((key, s.counts))
}

/// A published monthly plan with one price and default settings.
fn plan_row(id: &str, merchant: &str, name: &str, price: &str, now: &str) -> Vec<Arg> {
    args![
        id,
        merchant,
        false,
        name,
        "EUR",
        format!("[\"{price}\"]"),
        "[]",
        0_i64,
        "charge_automatically",
        14_i64,
        "{}",
        "[]",
        "{}",
        false,
        "[]",
        true,
        true,
        now
    ]
    .to_vec()
}

/// Three plans, each with a product and a monthly price, and twelve
/// salespeople; returns the plan and user ids.
async fn seed_catalog(
    db: &Db,
    merchant: &str,
    now: &str,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let (mut products, mut prices, mut plan_rows, mut user_rows) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut plans = Vec::new();
    for name in ["Starter", "Pro", "Business"] {
        let (plan, product, price) = (
            new_id(Kind::Plan),
            new_id(Kind::Product),
            new_id(Kind::Price),
        );
        products.push(
            args![
                &product,
                merchant,
                false,
                name,
                "recurring",
                "seat",
                "standard",
                true,
                now
            ]
            .to_vec(),
        );
        prices.push(
            args![
                &price,
                merchant,
                false,
                &product,
                "EUR",
                "29.00",
                "month",
                1_i64,
                "exclusive",
                true,
                now
            ]
            .to_vec(),
        );
        plan_rows.push(plan_row(&plan, merchant, name, &price, now));
        plans.push(plan);
    }
    let names = [
        "Ada", "Ben", "Cleo", "Dirk", "Eva", "Femke", "Gijs", "Hana", "Ivo", "Jet", "Kees", "Lot",
    ];
    let mut users = Vec::new();
    for name in names {
        let id = new_id(Kind::User);
        user_rows.push(
            args![
                &id,
                merchant,
                false,
                name,
                format!("{}@bench.example", name.to_ascii_lowercase()),
                true,
                now
            ]
            .to_vec(),
        );
        users.push(id);
    }
    tooling::insert_all(
        db,
        &[
            (Table::PRODUCTS, &products[..]),
            (Table::PRICES, &prices[..]),
            (Table::PLANS, &plan_rows[..]),
            (Table::USERS, &user_rows[..]),
        ],
    )
    .await?;
    Ok((plans, users))
}

/// One customer: a first subscription that may grow, shrink, get an add-on
/// subscription (an expansion, later closed with a reason: a contraction), churn
/// with a reason, and come back later on a new subscription (a reactivation).
fn customer_history(s: &mut Seeder, rng: &mut Rng, first: Month, n: usize) {
    let customer = new_id(Kind::Customer);
    let i = s.counts.customers;
    let salesperson = (!rng.chance(100)).then(|| s.users[i % s.users.len()].clone());
    let country = COUNTRIES[rng.below(COUNTRIES.len() as u64) as usize];
    s.customer(&customer, country, &salesperson);
    let day = 1 + rng.below(28) as u32;
    let date_in = |m: Month| m.first_day().with_day(day).unwrap_or_else(|| m.first_day());
    let mut start = rng.below(MONTHS as u64) as i32;
    let mut kind = "new";
    loop {
        let mut life = Life {
            customer: customer.clone(),
            salesperson: salesperson.clone(),
            plan: s.plans[rng.below(s.plans.len() as u64) as usize].clone(),
            sub: new_id(Kind::Subscription),
            mrr: PRICES[rng.below(PRICES.len() as u64) as usize] * (1 + rng.below(3) as i64),
        };
        let mut addon: Option<(Life, chrono::NaiveDate)> = None;
        let start_date = date_in(first.plus(start));
        s.event(&life, start_date, kind, life.mrr, life.mrr, None);
        s.invoice(&life, start_date, 0, rng.chance(200));
        let mut closed = None;
        for m in start + 1..MONTHS {
            let date = date_in(first.plus(m));
            if let Some(reason) = live_month(s, rng, &mut life, &mut addon, date) {
                closed = Some((date, reason, m));
                break;
            }
        }
        if let Some((a, since)) = addon.take() {
            s.subscription(&a, since, None);
        }
        s.subscription(&life, start_date, closed.map(|(d, r, _)| (d, r)));
        let Some((_, _, churned_in)) = closed else {
            break;
        };
        // One in five churned customers comes back 1–6 months later.
        let back = churned_in + 1 + rng.below(6) as i32;
        if back >= MONTHS || !rng.chance(200) || s.counts.subscriptions >= n {
            break;
        }
        start = back;
        kind = "reactivation";
    }
}

/// One month of a subscription's life after its start: an add-on may end (or
/// end with the subscription), the subscription may churn — its reason is
/// returned —, or it gains an add-on, expands or contracts; then it is invoiced.
fn live_month(
    s: &mut Seeder,
    rng: &mut Rng,
    life: &mut Life,
    addon: &mut Option<(Life, chrono::NaiveDate)>,
    date: chrono::NaiveDate,
) -> Option<&'static str> {
    let extra = addon.as_ref().map_or(0, |(a, _)| a.mrr);
    let leaving = rng.chance(25);
    if addon.is_some() && (leaving || rng.chance(40)) {
        if let Some((mut a, since)) = addon.take() {
            let lost = a.mrr;
            a.mrr = 0;
            s.event(&a, date, "contraction", -lost, life.mrr, Some(REASONS[1]));
            s.subscription(&a, since, Some((date, REASONS[1])));
        }
    }
    if leaving {
        let reason = REASONS[rng.below(REASONS.len() as u64) as usize];
        let lost = life.mrr;
        life.mrr = 0;
        s.event(life, date, "churn", -lost, 0, Some(reason));
        return Some(reason);
    }
    if addon.is_none() && rng.chance(15) {
        let a = Life {
            sub: new_id(Kind::Subscription),
            mrr: 900,
            plan: life.plan.clone(),
            customer: life.customer.clone(),
            salesperson: life.salesperson.clone(),
        };
        s.event(&a, date, "expansion", a.mrr, life.mrr + a.mrr, None);
        *addon = Some((a, date));
    } else if rng.chance(30) {
        let step = PRICES[rng.below(2) as usize];
        life.mrr += step;
        s.event(life, date, "expansion", step, life.mrr + extra, None);
    } else if rng.chance(15) && life.mrr > PRICES[0] {
        let step = life.mrr / 4;
        life.mrr -= step;
        s.event(life, date, "contraction", -step, life.mrr + extra, None);
    }
    let extra = addon.as_ref().map_or(0, |(a, _)| a.mrr);
    s.invoice(life, date, extra, false);
    None
}
