//! The SQL behind the reports. Everything is summed in the database per day
//! (and kind), where possible in the order of a covering index so that the
//! database need not sort, so a query returns a few thousand rows however long
//! the event log is; the pure modules then fold days into months. Amounts in
//! other currencies are converted day by day, because exchange rates change by
//! the day.
//!
//! Parameters are numbered the same in every query: `$1` merchant, `$2` livemode,
//! `$3` plan, `$4` salesperson, `$5` country, then the query's own. The
//! customer's country is read from its address JSON, which the two backends spell
//! differently; hence a SQLite and a PostgreSQL text of each query, built from the
//! same pieces.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::fx::{MissingRate, Rates};
use super::month::Month;
use super::series::{Bucket, Keyed};
use crate::args;
use crate::db::{Arg, Db};
use crate::domain::currency::Currency;
use crate::domain::money::from_minor;
use crate::domain::mrr::Movement;
use crate::store::Scope;
use crate::store::billing::currency;

macro_rules! country_of {
    (sqlite) => {
        "json_extract(c.address, '$.country')"
    };
    (postgres) => {
        "(c.address::json ->> 'country')"
    };
}

/// The filters on `mrr_events e`.
macro_rules! event_filters {
    ($b:tt) => {
        concat!(
            "e.merchant_id = $1 AND e.livemode = $2 ",
            "AND ($3 IS NULL OR e.plan_id = $3) AND ($4 IS NULL OR e.salesperson_id = $4) ",
            "AND ($5 IS NULL OR e.customer_id IN (SELECT c.id FROM customers c WHERE ",
            "c.merchant_id = $1 AND c.livemode = $2 AND ",
            country_of!($b),
            " = $5))"
        )
    };
}

/// The filters on `invoices i`, through the invoice's subscription and customer;
/// `$6`–`$7` is the range of issue dates.
macro_rules! invoice_filters {
    ($b:tt) => {
        concat!(
            "i.merchant_id = $1 AND i.livemode = $2 AND i.issue_date >= $6 AND i.issue_date <= $7 ",
            "AND i.status IN ('open', 'paid') ",
            "AND ($3 IS NULL OR i.subscription_id IN (SELECT s.id FROM subscriptions s WHERE ",
            "s.merchant_id = $1 AND s.livemode = $2 AND s.plan_id = $3)) ",
            "AND ($4 IS NULL OR i.subscription_id IN (SELECT s.id FROM subscriptions s WHERE ",
            "s.merchant_id = $1 AND s.livemode = $2 AND s.salesperson_id = $4)) ",
            "AND ($5 IS NULL OR i.customer_id IN (SELECT c.id FROM customers c WHERE ",
            "c.merchant_id = $1 AND c.livemode = $2 AND ",
            country_of!($b),
            " = $5))"
        )
    };
}

/// The sums of `mrr_events e` per group, after `$day AS day`.
macro_rules! event_sums {
    ($day:expr) => {
        concat!(
            $day,
            " AS day, e.currency AS currency, e.kind AS kind, ",
            "CAST(SUM(e.delta_minor) AS BIGINT) AS amount_minor, ",
            "CAST(COUNT(*) AS BIGINT) AS events, ",
            "CAST(SUM(CASE WHEN e.subscription_mrr_minor > 0 AND e.subscription_mrr_minor = e.delta_minor ",
            "THEN 1 ELSE 0 END) AS BIGINT) AS started, ",
            "CAST(SUM(CASE WHEN e.subscription_mrr_minor = 0 THEN 1 ELSE 0 END) AS BIGINT) AS ended"
        )
    };
}

// Index `mrr_events_analytics` is (merchant, livemode, event_date, kind, currency,
// salesperson_id, …): this grouping follows it.
macro_rules! movements_sql {
    ($b:tt) => {
        concat!(
            "SELECT '' AS grp, ",
            event_sums!("e.event_date"),
            " FROM mrr_events e WHERE ",
            event_filters!($b),
            " AND e.event_date <= $6 GROUP BY e.event_date, e.kind, e.currency"
        )
    };
}

// Per salesperson, days would make tens of thousands of rows: amounts already in
// the reported currency (`$7`) are summed per month instead.
macro_rules! salespeople_sql {
    ($b:tt) => {
        concat!(
            "SELECT e.salesperson_id AS grp, ",
            event_sums!(
                "CASE WHEN e.currency = $7 THEN SUBSTR(e.event_date, 1, 7) ELSE e.event_date END"
            ),
            " FROM mrr_events e WHERE ",
            event_filters!($b),
            " AND e.event_date <= $6 GROUP BY e.salesperson_id, day, e.kind, e.currency"
        )
    };
}

macro_rules! reasons_sql {
    ($b:tt) => {
        concat!(
            "SELECT e.close_reason AS grp, ",
            event_sums!("e.event_date"),
            " FROM mrr_events e WHERE ",
            event_filters!($b),
            " AND e.event_date >= $6 AND e.event_date <= $7 ",
            "AND e.kind IN ('churn', 'contraction') AND e.subscription_mrr_minor = 0 ",
            "GROUP BY e.event_date, e.kind, e.currency, e.close_reason"
        )
    };
}

// Every event of the customers whose first `new` (per currency) is in the range,
// found through index `mrr_events_customers` (merchant, livemode, customer_id,
// currency, kind, event_date, …). This one groups by cohort and must sort, so it
// keeps rows small: per month for amounts already in the reported currency (`$9`),
// per day for the others.
macro_rules! cohorts_sql {
    ($b:tt) => {
        concat!(
            "SELECT f.cohort AS grp, ",
            event_sums!(
                "CASE WHEN e.currency = $9 THEN SUBSTR(e.event_date, 1, 7) ELSE e.event_date END"
            ),
            " FROM mrr_events e JOIN (SELECT e.customer_id AS customer_id, e.currency AS currency, ",
            "SUBSTR(MIN(e.event_date), 1, 7) AS cohort FROM mrr_events e WHERE ",
            event_filters!($b),
            " AND e.kind = 'new' GROUP BY e.customer_id, e.currency ",
            "HAVING SUBSTR(MIN(e.event_date), 1, 7) >= $7 AND SUBSTR(MIN(e.event_date), 1, 7) <= $8) f ",
            "ON f.customer_id = e.customer_id AND f.currency = e.currency WHERE ",
            event_filters!($b),
            " AND e.event_date <= $6 GROUP BY f.cohort, day, e.kind, e.currency"
        )
    };
}

// Index `invoices_analytics` is (merchant, livemode, issue_date, currency, status,
// subtotal_minor).
macro_rules! revenue_sql {
    ($b:tt) => {
        concat!(
            "SELECT i.issue_date AS day, i.currency AS currency, ",
            "CAST(SUM(i.subtotal_minor) AS BIGINT) AS amount_minor FROM invoices i WHERE ",
            invoice_filters!($b),
            " GROUP BY i.issue_date, i.currency"
        )
    };
}

// `CROSS JOIN` makes SQLite walk the few non-recurring lines first (index on
// `kind`) rather than every invoice; PostgreSQL plans it as an ordinary join.
macro_rules! non_recurring_sql {
    ($b:tt) => {
        concat!(
            "SELECT i.issue_date AS day, i.currency AS currency, ",
            "CAST(SUM(l.net_minor) AS BIGINT) AS amount_minor ",
            "FROM invoice_lines l CROSS JOIN invoices i WHERE i.id = l.invoice_id ",
            "AND l.kind IN ('one_off', 'setup_fee') AND ",
            invoice_filters!($b),
            " GROUP BY i.issue_date, i.currency"
        )
    };
}

fn pick(db: &Db, sqlite: &'static str, postgres: &'static str) -> &'static str {
    match db {
        Db::Sqlite(_) => sqlite,
        Db::Postgres(_) => postgres,
    }
}

/// What every report is filtered by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub scope: Scope,
    /// The reported currency.
    pub currency: Currency,
    pub plan: Option<String>,
    pub salesperson: Option<String>,
    /// ISO 3166-1 alpha-2 of the customer's billing address.
    pub country: Option<String>,
}

impl Filter {
    fn args(&self) -> Vec<Arg> {
        args![
            &self.scope.merchant_id,
            self.scope.livemode,
            &self.plan,
            &self.salesperson,
            &self.country
        ]
        .to_vec()
    }
}

#[derive(sqlx::FromRow)]
struct EventRow {
    grp: Option<String>,
    day: String,
    currency: String,
    kind: String,
    amount_minor: i64,
    events: i64,
    started: i64,
    ended: i64,
}

#[derive(sqlx::FromRow)]
struct AmountRow {
    day: String,
    currency: String,
    amount_minor: i64,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    MissingRate(#[from] MissingRate),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A bucket key: `YYYY-MM` (its first day) or `YYYY-MM-DD`.
fn key_date(day: &str) -> NaiveDate {
    Month::parse(day)
        .map(Month::first_day)
        .or_else(|| day.parse().ok())
        .unwrap_or_default()
}

/// Converts `minor` units of `code` dated `date` to the reported currency.
fn convert(
    minor: i64,
    code: &str,
    date: NaiveDate,
    to: &Currency,
    rates: &Rates,
) -> Result<Decimal, MissingRate> {
    let amount = from_minor(minor, &currency(code));
    Ok(amount * rates.rate(code, to.code(), date)?)
}

fn into_buckets(
    rows: Vec<EventRow>,
    f: &Filter,
    rates: &Rates,
) -> Result<Vec<Keyed<Option<String>>>, MissingRate> {
    rows.into_iter()
        .filter_map(|r| {
            let kind = parse_kind(&r.kind)?;
            let date = key_date(&r.day);
            Some(
                convert(r.amount_minor, &r.currency, date, &f.currency, rates).map(|amount| {
                    Keyed {
                        key: r.grp,
                        bucket: Bucket {
                            date,
                            kind,
                            amount,
                            events: r.events,
                            subscriptions_started: r.started,
                            subscriptions_ended: r.ended,
                        },
                    }
                }),
            )
        })
        .collect()
}

/// A stored movement kind.
pub fn parse_kind(raw: &str) -> Option<Movement> {
    Some(match raw {
        "new" => Movement::New,
        "expansion" => Movement::Expansion,
        "contraction" => Movement::Contraction,
        "churn" => Movement::Churn,
        "reactivation" => Movement::Reactivation,
        _ => return None,
    })
}

async fn event_rows(
    db: &Db,
    sql: &'static str,
    mut args: Vec<Arg>,
    extra: &[Arg],
) -> Result<Vec<EventRow>, sqlx::Error> {
    args.extend_from_slice(extra);
    db.fetch_all(sql, &args).await
}

/// Every movement up to the end of `to`, per day and kind.
pub async fn movements(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    to: Month,
) -> Result<Vec<Bucket>, ReportError> {
    let sql = pick(db, movements_sql!(sqlite), movements_sql!(postgres));
    let rows = event_rows(db, sql, f.args(), &args![to.last_day().to_string()]).await?;
    Ok(into_buckets(rows, f, rates)?
        .into_iter()
        .map(|k| k.bucket)
        .collect())
}

/// Every movement up to the end of `to`, per salesperson, day and kind.
pub async fn by_salesperson(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    to: Month,
) -> Result<Vec<Keyed<Option<String>>>, ReportError> {
    let sql = pick(db, salespeople_sql!(sqlite), salespeople_sql!(postgres));
    let extra = args![to.last_day().to_string(), f.currency.code()];
    let rows = event_rows(db, sql, f.args(), &extra).await?;
    Ok(into_buckets(rows, f, rates)?)
}

/// The movements in `[from, to]` that ended a subscription's MRR, per close reason.
pub async fn by_close_reason(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    from: Month,
    to: Month,
) -> Result<Vec<Keyed<Option<String>>>, ReportError> {
    let sql = pick(db, reasons_sql!(sqlite), reasons_sql!(postgres));
    let range = args![from.first_day().to_string(), to.last_day().to_string()];
    let rows = event_rows(db, sql, f.args(), &range).await?;
    Ok(into_buckets(rows, f, rates)?)
}

/// The movements up to the end of `to` of the customers whose first `new` movement
/// (per currency) is in `[from, to]`, per cohort, day and kind.
pub async fn by_cohort(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    from: Month,
    to: Month,
) -> Result<Vec<Keyed<Month>>, ReportError> {
    let sql = pick(db, cohorts_sql!(sqlite), cohorts_sql!(postgres));
    let extra = args![
        to.last_day().to_string(),
        from.to_string(),
        to.to_string(),
        f.currency.code()
    ];
    let rows = event_rows(db, sql, f.args(), &extra).await?;
    Ok(into_buckets(rows, f, rates)?
        .into_iter()
        .filter_map(|k| {
            let cohort = k.key.as_deref().and_then(Month::parse)?;
            Some(Keyed {
                key: cohort,
                bucket: k.bucket,
            })
        })
        .collect())
}

async fn amounts_per_month(
    db: &Db,
    sql: &'static str,
    f: &Filter,
    rates: &Rates,
    from: Month,
    to: Month,
) -> Result<Vec<(Month, Decimal)>, ReportError> {
    let mut args = f.args();
    args.extend(args![
        from.first_day().to_string(),
        to.last_day().to_string()
    ]);
    let rows: Vec<AmountRow> = db.fetch_all(sql, &args).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let date = key_date(&r.day);
        let amount = convert(r.amount_minor, &r.currency, date, &f.currency, rates)?;
        out.push((Month::of(date), amount));
    }
    Ok(out)
}

/// Σ subtotal of the open and paid invoices issued in `[from, to]`, per month.
pub async fn net_revenue(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    from: Month,
    to: Month,
) -> Result<Vec<(Month, Decimal)>, ReportError> {
    let sql = pick(db, revenue_sql!(sqlite), revenue_sql!(postgres));
    amounts_per_month(db, sql, f, rates, from, to).await
}

/// Σ net of the one-off and setup-fee lines of those invoices, per month.
pub async fn non_recurring_revenue(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    from: Month,
    to: Month,
) -> Result<Vec<(Month, Decimal)>, ReportError> {
    let sql = pick(db, non_recurring_sql!(sqlite), non_recurring_sql!(postgres));
    amounts_per_month(db, sql, f, rates, from, to).await
}

/// The names of the merchant's users, for the salesperson report.
pub async fn user_names(db: &Db, scope: &Scope) -> Result<Vec<(String, String)>, sqlx::Error> {
    db.fetch_all(
        "SELECT id, name FROM users WHERE merchant_id = $1 AND livemode = $2 ORDER BY name",
        &args![&scope.merchant_id, scope.livemode],
    )
    .await
}

/// The merchant's plans (id, name), for the dashboard's filter.
pub async fn plan_names(db: &Db, scope: &Scope) -> Result<Vec<(String, String)>, sqlx::Error> {
    db.fetch_all(
        "SELECT id, name FROM plans WHERE merchant_id = $1 AND livemode = $2 ORDER BY name",
        &args![&scope.merchant_id, scope.livemode],
    )
    .await
}
