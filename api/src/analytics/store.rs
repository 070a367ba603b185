//! The SQL behind the reports. Everything is summed in the database per day
//! (and kind), where possible in the order of a covering index so that the
//! database need not sort, so a query returns a few thousand rows however long
//! the event log is; the pure modules then fold days into months. Amounts in
//! other currencies are converted day by day, because exchange rates change by
//! the day.
//!
//! Each query is assembled from fixed pieces with only the filters asked for
//! (every value is a bound parameter), so that both databases plan it for what
//! it is rather than for `$n IS NULL OR …`. The customer's country is read from
//! its address JSON, which the two backends spell differently.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::AssertSqlSafe;

use super::fx::{MissingRate, Rates};
use super::month::Month;
use super::series::{Bucket, Keyed};
use crate::args;
use crate::db::{AnyRow, Arg, Db, bind_all};
use crate::domain::currency::Currency;
use crate::domain::money::from_minor;
use crate::domain::mrr::Movement;
use crate::store::Scope;
use crate::store::billing::currency;

/// A query being assembled: its text and the values of its `$n` placeholders.
struct Query {
    sql: String,
    args: Vec<Arg>,
}

impl Query {
    /// Starts with the merchant as `$1` and the mode as `$2`.
    fn new(scope: &Scope) -> Self {
        Self {
            sql: String::new(),
            args: args![&scope.merchant_id, scope.livemode].to_vec(),
        }
    }

    /// The placeholder of a new value.
    fn arg(&mut self, value: impl Into<Arg>) -> String {
        self.args.push(value.into());
        format!("${}", self.args.len())
    }

    fn push(&mut self, text: &str) {
        self.sql.push_str(text);
    }
}

/// Runs a report query. On PostgreSQL it gets more sort and hash memory than the
/// default 4 MB, so that grouping a few hundred thousand rows stays in memory.
async fn run<T: AnyRow>(db: &Db, q: Query) -> Result<Vec<T>, sqlx::Error> {
    match db {
        Db::Sqlite(pool) => {
            bind_all!(sqlx::query_as::<_, T>(AssertSqlSafe(q.sql)), &q.args)
                .fetch_all(pool)
                .await
        }
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await?;
            sqlx::query("SET LOCAL work_mem = '64MB'")
                .execute(&mut *tx)
                .await?;
            let rows = bind_all!(sqlx::query_as::<_, T>(AssertSqlSafe(q.sql)), &q.args)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(rows)
        }
    }
}

/// The customer's billing country in SQL, for customers aliased `c`.
fn country_of(db: &Db) -> &'static str {
    match db {
        Db::Sqlite(_) => "json_extract(c.address, '$.country')",
        Db::Postgres(_) => "(c.address::json ->> 'country')",
    }
}

/// The conditions on `mrr_events e` for the scope and the filters asked for.
fn event_filters(db: &Db, q: &mut Query, f: &Filter) -> String {
    let mut w = "e.merchant_id = $1 AND e.livemode = $2".to_owned();
    if let Some(plan) = &f.plan {
        w.push_str(&format!(" AND e.plan_id = {}", q.arg(plan)));
    }
    if let Some(person) = &f.salesperson {
        w.push_str(&format!(" AND e.salesperson_id = {}", q.arg(person)));
    }
    if let Some(country) = &f.country {
        w.push_str(&format!(
            " AND e.customer_id IN (SELECT c.id FROM customers c WHERE c.merchant_id = $1 \
             AND c.livemode = $2 AND {} = {})",
            country_of(db),
            q.arg(country)
        ));
    }
    w
}

/// The conditions on `invoices i`: scope, issue dates, and the filters through the
/// invoice's subscription and customer.
fn invoice_filters(db: &Db, q: &mut Query, f: &Filter, from: Month, to: Month) -> String {
    let mut w = format!(
        "i.merchant_id = $1 AND i.livemode = $2 AND i.issue_date >= {} AND i.issue_date <= {}",
        q.arg(from.first_day().to_string()),
        q.arg(to.last_day().to_string())
    );
    if let Some(plan) = &f.plan {
        w.push_str(&format!(
            " AND i.subscription_id IN (SELECT s.id FROM subscriptions s WHERE \
             s.merchant_id = $1 AND s.livemode = $2 AND s.plan_id = {})",
            q.arg(plan)
        ));
    }
    if let Some(person) = &f.salesperson {
        w.push_str(&format!(
            " AND i.subscription_id IN (SELECT s.id FROM subscriptions s WHERE \
             s.merchant_id = $1 AND s.livemode = $2 AND s.salesperson_id = {})",
            q.arg(person)
        ));
    }
    if let Some(country) = &f.country {
        w.push_str(&format!(
            " AND i.customer_id IN (SELECT c.id FROM customers c WHERE c.merchant_id = $1 \
             AND c.livemode = $2 AND {} = {})",
            country_of(db),
            q.arg(country)
        ));
    }
    w
}

/// The sums of `mrr_events e` per group, after `{day} AS day`.
fn event_sums(day: &str) -> String {
    format!(
        "{day} AS day, e.currency AS currency, e.kind AS kind, \
         CAST(SUM(e.delta_minor) AS BIGINT) AS amount_minor, CAST(COUNT(*) AS BIGINT) AS events, \
         CAST(SUM(CASE WHEN e.subscription_mrr_minor > 0 AND e.subscription_mrr_minor = e.delta_minor \
         THEN 1 ELSE 0 END) AS BIGINT) AS started, \
         CAST(SUM(CASE WHEN e.subscription_mrr_minor = 0 THEN 1 ELSE 0 END) AS BIGINT) AS ended"
    )
}

/// A day, or the month for amounts already in the reported currency: where the
/// grouping must sort anyway, this keeps its rows few.
fn day_or_month(q: &mut Query, f: &Filter) -> String {
    format!(
        "CASE WHEN e.currency = {} THEN SUBSTR(e.event_date, 1, 7) ELSE e.event_date END",
        q.arg(f.currency.code())
    )
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

/// Every movement up to the end of `to`, per day and kind (in the order of
/// index `mrr_events_analytics`: no sort).
pub async fn movements(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    to: Month,
) -> Result<Vec<Bucket>, ReportError> {
    let mut q = Query::new(&f.scope);
    let filters = event_filters(db, &mut q, f);
    let end = q.arg(to.last_day().to_string());
    q.push(&format!(
        "SELECT '' AS grp, {} FROM mrr_events e WHERE {filters} AND e.event_date <= {end} \
         GROUP BY e.event_date, e.kind, e.currency",
        event_sums("e.event_date")
    ));
    let rows: Vec<EventRow> = run(db, q).await?;
    Ok(into_buckets(rows, f, rates)?
        .into_iter()
        .map(|k| k.bucket)
        .collect())
}

/// Every movement up to the end of `to`, per salesperson, day (month in the
/// reported currency) and kind.
pub async fn by_salesperson(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    to: Month,
) -> Result<Vec<Keyed<Option<String>>>, ReportError> {
    let mut q = Query::new(&f.scope);
    let filters = event_filters(db, &mut q, f);
    let end = q.arg(to.last_day().to_string());
    let day = day_or_month(&mut q, f);
    q.push(&format!(
        "SELECT e.salesperson_id AS grp, {} FROM mrr_events e WHERE {filters} \
         AND e.event_date <= {end} GROUP BY e.salesperson_id, day, e.kind, e.currency",
        event_sums(&day)
    ));
    Ok(into_buckets(run(db, q).await?, f, rates)?)
}

/// The movements in `[from, to]` that ended a subscription's MRR, per close reason.
pub async fn by_close_reason(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    from: Month,
    to: Month,
) -> Result<Vec<Keyed<Option<String>>>, ReportError> {
    let mut q = Query::new(&f.scope);
    let filters = event_filters(db, &mut q, f);
    let start = q.arg(from.first_day().to_string());
    let end = q.arg(to.last_day().to_string());
    q.push(&format!(
        "SELECT e.close_reason AS grp, {} FROM mrr_events e WHERE {filters} \
         AND e.event_date >= {start} AND e.event_date <= {end} \
         AND e.kind IN ('churn', 'contraction') AND e.subscription_mrr_minor = 0 \
         GROUP BY e.event_date, e.kind, e.currency, e.close_reason",
        event_sums("e.event_date")
    ));
    Ok(into_buckets(run(db, q).await?, f, rates)?)
}

/// The movements up to the end of `to` of the customers whose first `new` movement
/// (per currency) is in `[from, to]`, per cohort, day (month in the reported
/// currency) and kind, through index `mrr_events_customers`. What each backend
/// does fastest differs: SQLite finds the cohort's customers first and looks up
/// their events; PostgreSQL reads the log once with a window per customer.
pub async fn by_cohort(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    from: Month,
    to: Month,
) -> Result<Vec<Keyed<Month>>, ReportError> {
    let mut q = Query::new(&f.scope);
    let filters = event_filters(db, &mut q, f);
    let end = q.arg(to.last_day().to_string());
    let day = day_or_month(&mut q, f);
    let sums = event_sums(&day);
    let sql = match db {
        Db::Sqlite(_) => {
            let (first, last) = (q.arg(from.to_string()), q.arg(to.to_string()));
            format!(
                "SELECT f.cohort AS grp, {sums} FROM mrr_events e JOIN (SELECT e.customer_id AS \
                 customer_id, e.currency AS currency, SUBSTR(MIN(e.event_date), 1, 7) AS cohort \
                 FROM mrr_events e WHERE {filters} AND e.kind = 'new' \
                 GROUP BY e.customer_id, e.currency HAVING SUBSTR(MIN(e.event_date), 1, 7) >= {first} \
                 AND SUBSTR(MIN(e.event_date), 1, 7) <= {last}) f \
                 ON f.customer_id = e.customer_id AND f.currency = e.currency \
                 WHERE {filters} AND e.event_date <= {end} GROUP BY f.cohort, day, e.kind, e.currency"
            )
        }
        Db::Postgres(_) => {
            let first = q.arg(from.first_day().to_string());
            let last = q.arg(to.last_day().to_string());
            format!(
                "SELECT SUBSTR(e.first_new, 1, 7) AS grp, {sums} FROM (SELECT e.event_date, e.kind, \
                 e.currency, e.delta_minor, e.subscription_mrr_minor, \
                 MIN(CASE WHEN e.kind = 'new' THEN e.event_date END) \
                 OVER (PARTITION BY e.customer_id, e.currency) AS first_new \
                 FROM mrr_events e WHERE {filters} AND e.event_date <= {end}) e \
                 WHERE e.first_new >= {first} AND e.first_new <= {last} \
                 GROUP BY SUBSTR(e.first_new, 1, 7), day, e.kind, e.currency"
            )
        }
    };
    q.push(&sql);
    Ok(into_buckets(run(db, q).await?, f, rates)?
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

#[derive(sqlx::FromRow)]
struct InvoiceSumRow {
    day: String,
    currency: String,
    status: String,
    amount_minor: i64,
}

/// Per day and currency, what `column` sums to over the open and paid invoices of
/// `[from, to]` (`from_lines`: over their one-off and setup-fee lines). Grouped by
/// status and filtered here rather than in SQL, so that the scan stays on index
/// `invoices_analytics`.
async fn invoice_sums(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    from: Month,
    to: Month,
    from_lines: bool,
) -> Result<Vec<(Month, Decimal)>, ReportError> {
    let mut q = Query::new(&f.scope);
    let filters = invoice_filters(db, &mut q, f, from, to);
    let sql = if from_lines {
        // `CROSS JOIN` makes SQLite walk the few non-recurring lines first (index
        // on `kind`); PostgreSQL plans it as an ordinary join.
        format!(
            "SELECT i.issue_date AS day, i.currency AS currency, i.status AS status, \
             CAST(SUM(l.net_minor) AS BIGINT) AS amount_minor FROM invoice_lines l \
             CROSS JOIN invoices i WHERE i.id = l.invoice_id AND l.kind IN ('one_off', 'setup_fee') \
             AND {filters} GROUP BY i.issue_date, i.currency, i.status"
        )
    } else {
        format!(
            "SELECT i.issue_date AS day, i.currency AS currency, i.status AS status, \
             CAST(SUM(i.subtotal_minor) AS BIGINT) AS amount_minor FROM invoices i \
             WHERE {filters} GROUP BY i.issue_date, i.currency, i.status"
        )
    };
    q.push(&sql);
    let rows: Vec<InvoiceSumRow> = run(db, q).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows
        .iter()
        .filter(|r| matches!(r.status.as_str(), "open" | "paid"))
    {
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
    invoice_sums(db, f, rates, from, to, false).await
}

/// Σ net of the one-off and setup-fee lines of those invoices, per month.
pub async fn non_recurring_revenue(
    db: &Db,
    f: &Filter,
    rates: &Rates,
    from: Month,
    to: Month,
) -> Result<Vec<(Month, Decimal)>, ReportError> {
    invoice_sums(db, f, rates, from, to, true).await
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
