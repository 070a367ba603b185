//! The SQL behind the reports. Everything is summed in the database per day
//! (and kind), where possible in the order of a covering index so that the
//! database need not sort, so a query returns a few thousand rows however long
//! the event log is; [`crate::analytics`] then converts currencies and folds days
//! into months.
//!
//! Each query is assembled with [`Sql`] from fixed pieces with only the filters
//! asked for (every value is bound), so that both databases plan it for what it
//! is rather than for `$n IS NULL OR …`. The customer's country is read from its
//! address JSON, which the two backends spell differently.

use chrono::NaiveDate;

use super::Scope;
use super::query::Sql;
use crate::args;
use crate::db::{AnyRow, Db, Tx};
use crate::domain::currency::Currency;
use crate::domain::month::Month;
use crate::domain::mrr::Movement;

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

/// The movements of one group, day (or month) and kind, in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSum {
    /// The group: a salesperson, close reason or cohort (`YYYY-MM`); `None` when
    /// the events have none.
    pub group: Option<String>,
    /// The day, or the first day of the month for sums per month.
    pub date: NaiveDate,
    pub currency: String,
    pub kind: Movement,
    /// Σ delta in minor units of `currency`.
    pub amount_minor: i64,
    pub events: i64,
    /// Events that took a subscription from zero MRR to above zero.
    pub started: i64,
    /// Events that took a subscription's MRR to zero.
    pub ended: i64,
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

impl EventRow {
    /// The typed sum; `None` for a kind this version does not know.
    fn parse(self) -> Option<EventSum> {
        Some(EventSum {
            kind: parse_kind(&self.kind)?,
            date: key_date(&self.day),
            group: self.grp,
            currency: self.currency,
            amount_minor: self.amount_minor,
            events: self.events,
            started: self.started,
            ended: self.ended,
        })
    }
}

/// The open and paid invoices of one issue day, in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceSum {
    pub date: NaiveDate,
    pub currency: String,
    /// Σ in minor units of `currency`.
    pub amount_minor: i64,
}

#[derive(sqlx::FromRow)]
struct InvoiceSumRow {
    day: String,
    currency: String,
    status: String,
    amount_minor: i64,
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

/// A bucket key: `YYYY-MM` (its first day) or `YYYY-MM-DD`.
fn key_date(day: &str) -> NaiveDate {
    Month::parse(day)
        .map(Month::first_day)
        .or_else(|| day.parse().ok())
        .unwrap_or_default()
}

/// Runs a report query. On PostgreSQL it gets more sort and hash memory than the
/// default 4 MB, so that grouping a few hundred thousand rows stays in memory.
async fn run<T: AnyRow>(db: &Db, q: &Sql) -> Result<Vec<T>, sqlx::Error> {
    match db {
        Db::Sqlite(_) => q.fetch_all(db).await,
        // A read: no `BEGIN IMMEDIATE` needed, only a transaction for `SET LOCAL`.
        Db::Postgres(pool) => {
            let mut tx = Tx::Postgres(pool.begin().await?);
            tx.execute("SET LOCAL work_mem = '64MB'", &[]).await?;
            let rows = q.fetch_all_in(&mut tx).await?;
            tx.commit().await?;
            Ok(rows)
        }
    }
}

/// Runs an event query and types its rows.
async fn event_sums(db: &Db, q: &Sql) -> Result<Vec<EventSum>, sqlx::Error> {
    let rows: Vec<EventRow> = run(db, q).await?;
    Ok(rows.into_iter().filter_map(EventRow::parse).collect())
}

/// The customer's billing country in SQL, for customers aliased `c`.
fn country_of(db: &Db) -> &'static str {
    match db {
        Db::Sqlite(_) => "json_extract(c.address, '$.country')",
        Db::Postgres(_) => "(c.address::json ->> 'country')",
    }
}

/// The customers of the scope in a country, as `IN (…)` of a customer id.
fn in_country(db: &Db, q: &mut Sql, scope: &Scope, country: &str) {
    q.push(" IN (SELECT c.id FROM customers c WHERE c.merchant_id = ")
        .bind(&scope.merchant_id)
        .push(" AND c.livemode = ")
        .bind(scope.livemode)
        .push(" AND ")
        .push(country_of(db))
        .push(" = ")
        .bind(country)
        .push(")");
}

/// The conditions on `mrr_events e` for the scope and the filters asked for.
fn event_filters(db: &Db, q: &mut Sql, f: &Filter) {
    q.push("e.merchant_id = ")
        .bind(&f.scope.merchant_id)
        .push(" AND e.livemode = ")
        .bind(f.scope.livemode);
    if let Some(plan) = &f.plan {
        q.push(" AND e.plan_id = ").bind(plan);
    }
    if let Some(person) = &f.salesperson {
        q.push(" AND e.salesperson_id = ").bind(person);
    }
    if let Some(country) = &f.country {
        q.push(" AND e.customer_id");
        in_country(db, q, &f.scope, country);
    }
}

/// The subscriptions of the scope with `column` (a fixed name) equal to `value`,
/// as `IN (…)` of a subscription id.
fn in_subscriptions(q: &mut Sql, scope: &Scope, column: &'static str, value: &str) {
    q.push(" IN (SELECT s.id FROM subscriptions s WHERE s.merchant_id = ")
        .bind(&scope.merchant_id)
        .push(" AND s.livemode = ")
        .bind(scope.livemode)
        .push(" AND ")
        .push(column)
        .push(" = ")
        .bind(value)
        .push(")");
}

/// The conditions on `invoices i`: scope, issue dates, and the filters through the
/// invoice's subscription and customer.
fn invoice_filters(db: &Db, q: &mut Sql, f: &Filter, from: Month, to: Month) {
    q.push("i.merchant_id = ")
        .bind(&f.scope.merchant_id)
        .push(" AND i.livemode = ")
        .bind(f.scope.livemode)
        .push(" AND i.issue_date >= ")
        .bind(from.first_day().to_string())
        .push(" AND i.issue_date <= ")
        .bind(to.last_day().to_string());
    if let Some(plan) = &f.plan {
        q.push(" AND i.subscription_id");
        in_subscriptions(q, &f.scope, "s.plan_id", plan);
    }
    if let Some(person) = &f.salesperson {
        q.push(" AND i.subscription_id");
        in_subscriptions(q, &f.scope, "s.salesperson_id", person);
    }
    if let Some(country) = &f.country {
        q.push(" AND i.customer_id");
        in_country(db, q, &f.scope, country);
    }
}

/// How event sums are dated.
#[derive(Clone, Copy)]
enum Day<'a> {
    /// Per day.
    Event,
    /// Per month for amounts already in this (the reported) currency, else per
    /// day: where the grouping must sort anyway, this keeps its rows few.
    MonthIn(&'a Currency),
}

/// `{day} AS day` and the sums of `mrr_events e` per group.
fn sums(q: &mut Sql, day: Day<'_>) {
    match day {
        Day::Event => {
            q.push("e.event_date");
        }
        Day::MonthIn(currency) => {
            q.push("CASE WHEN e.currency = ")
                .bind(currency.code())
                .push(" THEN SUBSTR(e.event_date, 1, 7) ELSE e.event_date END");
        }
    }
    q.push(
        " AS day, e.currency AS currency, e.kind AS kind, \
         CAST(SUM(e.delta_minor) AS BIGINT) AS amount_minor, CAST(COUNT(*) AS BIGINT) AS events, \
         CAST(SUM(CASE WHEN e.subscription_mrr_minor > 0 AND e.subscription_mrr_minor = e.delta_minor \
         THEN 1 ELSE 0 END) AS BIGINT) AS started, \
         CAST(SUM(CASE WHEN e.subscription_mrr_minor = 0 THEN 1 ELSE 0 END) AS BIGINT) AS ended",
    );
}

/// Every movement up to the end of `to`, per day and kind (in the order of
/// index `mrr_events_analytics`: no sort), with an empty group.
pub async fn movements(db: &Db, f: &Filter, to: Month) -> Result<Vec<EventSum>, sqlx::Error> {
    let mut q = Sql::new();
    q.push("SELECT '' AS grp, ");
    sums(&mut q, Day::Event);
    q.push(" FROM mrr_events e WHERE ");
    event_filters(db, &mut q, f);
    q.push(" AND e.event_date <= ")
        .bind(to.last_day().to_string())
        .push(" GROUP BY e.event_date, e.kind, e.currency");
    event_sums(db, &q).await
}

/// Every movement up to the end of `to`, per salesperson, day (month in the
/// reported currency) and kind.
pub async fn by_salesperson(db: &Db, f: &Filter, to: Month) -> Result<Vec<EventSum>, sqlx::Error> {
    let mut q = Sql::new();
    q.push("SELECT e.salesperson_id AS grp, ");
    sums(&mut q, Day::MonthIn(&f.currency));
    q.push(" FROM mrr_events e WHERE ");
    event_filters(db, &mut q, f);
    q.push(" AND e.event_date <= ")
        .bind(to.last_day().to_string())
        .push(" GROUP BY e.salesperson_id, day, e.kind, e.currency");
    event_sums(db, &q).await
}

/// The movements in `[from, to]` that ended a subscription's MRR, per close reason.
pub async fn by_close_reason(
    db: &Db,
    f: &Filter,
    from: Month,
    to: Month,
) -> Result<Vec<EventSum>, sqlx::Error> {
    let mut q = Sql::new();
    q.push("SELECT e.close_reason AS grp, ");
    sums(&mut q, Day::Event);
    q.push(" FROM mrr_events e WHERE ");
    event_filters(db, &mut q, f);
    q.push(" AND e.event_date >= ")
        .bind(from.first_day().to_string())
        .push(" AND e.event_date <= ")
        .bind(to.last_day().to_string())
        .push(
            " AND e.kind IN ('churn', 'contraction') AND e.subscription_mrr_minor = 0 \
             GROUP BY e.event_date, e.kind, e.currency, e.close_reason",
        );
    event_sums(db, &q).await
}

/// The movements up to the end of `to` of the customers whose first `new` movement
/// (per currency) is in `[from, to]`, per cohort (`YYYY-MM`), day (month in the
/// reported currency) and kind, through index `mrr_events_customers`. What each
/// backend does fastest differs: SQLite finds the cohort's customers first and
/// looks up their events; PostgreSQL reads the log once with a window per customer.
pub async fn by_cohort(
    db: &Db,
    f: &Filter,
    from: Month,
    to: Month,
) -> Result<Vec<EventSum>, sqlx::Error> {
    let mut q = Sql::new();
    match db {
        Db::Sqlite(_) => {
            q.push("SELECT f.cohort AS grp, ");
            sums(&mut q, Day::MonthIn(&f.currency));
            q.push(
                " FROM mrr_events e JOIN (SELECT e.customer_id AS customer_id, \
                 e.currency AS currency, SUBSTR(MIN(e.event_date), 1, 7) AS cohort \
                 FROM mrr_events e WHERE ",
            );
            event_filters(db, &mut q, f);
            q.push(
                " AND e.kind = 'new' GROUP BY e.customer_id, e.currency \
                 HAVING SUBSTR(MIN(e.event_date), 1, 7) >= ",
            )
            .bind(from.to_string())
            .push(" AND SUBSTR(MIN(e.event_date), 1, 7) <= ")
            .bind(to.to_string())
            .push(") f ON f.customer_id = e.customer_id AND f.currency = e.currency WHERE ");
            event_filters(db, &mut q, f);
            q.push(" AND e.event_date <= ")
                .bind(to.last_day().to_string())
                .push(" GROUP BY f.cohort, day, e.kind, e.currency");
        }
        Db::Postgres(_) => {
            q.push("SELECT SUBSTR(e.first_new, 1, 7) AS grp, ");
            sums(&mut q, Day::MonthIn(&f.currency));
            q.push(
                " FROM (SELECT e.event_date, e.kind, e.currency, e.delta_minor, \
                 e.subscription_mrr_minor, MIN(CASE WHEN e.kind = 'new' THEN e.event_date END) \
                 OVER (PARTITION BY e.customer_id, e.currency) AS first_new \
                 FROM mrr_events e WHERE ",
            );
            event_filters(db, &mut q, f);
            q.push(" AND e.event_date <= ")
                .bind(to.last_day().to_string())
                .push(") e WHERE e.first_new >= ")
                .bind(from.first_day().to_string())
                .push(" AND e.first_new <= ")
                .bind(to.last_day().to_string())
                .push(" GROUP BY SUBSTR(e.first_new, 1, 7), day, e.kind, e.currency");
        }
    }
    event_sums(db, &q).await
}

/// What an invoice sum adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceAmount {
    /// The subtotal.
    Subtotal,
    /// The net of the one-off and setup-fee lines.
    NonRecurringLines,
}

/// Per issue day and currency, the sum of `amount` over the open and paid
/// invoices of `[from, to]`. Grouped by status and filtered here rather than in
/// SQL, so that the scan stays on index `invoices_analytics`.
pub async fn invoice_sums(
    db: &Db,
    f: &Filter,
    from: Month,
    to: Month,
    amount: InvoiceAmount,
) -> Result<Vec<InvoiceSum>, sqlx::Error> {
    let mut q = Sql::new();
    match amount {
        // `CROSS JOIN` makes SQLite walk the few non-recurring lines first (index
        // on `kind`); PostgreSQL plans it as an ordinary join.
        InvoiceAmount::NonRecurringLines => q.push(
            "SELECT i.issue_date AS day, i.currency AS currency, i.status AS status, \
             CAST(SUM(l.net_minor) AS BIGINT) AS amount_minor FROM invoice_lines l \
             CROSS JOIN invoices i WHERE i.id = l.invoice_id AND l.kind IN ('one_off', 'setup_fee') \
             AND ",
        ),
        InvoiceAmount::Subtotal => q.push(
            "SELECT i.issue_date AS day, i.currency AS currency, i.status AS status, \
             CAST(SUM(i.subtotal_minor) AS BIGINT) AS amount_minor FROM invoices i WHERE ",
        ),
    };
    invoice_filters(db, &mut q, f, from, to);
    q.push(" GROUP BY i.issue_date, i.currency, i.status");
    let rows: Vec<InvoiceSumRow> = run(db, &q).await?;
    Ok(rows
        .into_iter()
        .filter(|r| matches!(r.status.as_str(), "open" | "paid"))
        .map(|r| InvoiceSum {
            date: key_date(&r.day),
            currency: r.currency,
            amount_minor: r.amount_minor,
        })
        .collect())
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
