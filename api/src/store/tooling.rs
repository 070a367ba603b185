//! Statements only the command-line tools run: throw-away benchmark databases,
//! bulk seeding of generated history, and the checks the benchmarks make.

use sqlx::AssertSqlSafe;

use super::query::Sql;
use crate::args;
use crate::db::{Arg, Db, Tx};

/// Most values bound in one statement: below SQLite's 32 766 and PostgreSQL's
/// 65 535, so that a batch of any width fits.
const MAX_VALUES: usize = 30_000;

/// A database name a benchmark made up: ASCII letters, digits and `_`, so that
/// it can stand in SQL as an identifier (which cannot be bound).
fn checked_name(name: &str) -> Result<&str, sqlx::Error> {
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(name)
    } else {
        Err(sqlx::Error::Protocol(format!(
            "not a plain database name: {name:?}"
        )))
    }
}

/// Creates an empty database on the PostgreSQL server of `admin`.
pub async fn create_database(admin: &Db, name: &str) -> Result<(), sqlx::Error> {
    let sql = format!("CREATE DATABASE {}", checked_name(name)?);
    crate::with_db!(admin, pool => sqlx::query(AssertSqlSafe(sql)).execute(pool).await.map(|_| ()))
}

/// Drops a database of the PostgreSQL server of `admin`, ending its sessions.
pub async fn drop_database(admin: &Db, name: &str) -> Result<(), sqlx::Error> {
    let sql = format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        checked_name(name)?
    );
    crate::with_db!(admin, pool => sqlx::query(AssertSqlSafe(sql)).execute(pool).await.map(|_| ()))
}

/// Where generated rows go: a table and its columns, fixed in the code.
#[derive(Debug, Clone, Copy)]
pub struct Table(&'static str);

impl Table {
    pub const PRODUCTS: Self = Self(
        "products (id, merchant_id, livemode, name, kind, unit, tax_category, active, created)",
    );
    pub const PRICES: Self = Self(
        "prices (id, merchant_id, livemode, product_id, currency, unit_amount, recurring_interval, \
         recurring_interval_count, tax_behavior, active, created)",
    );
    pub const PLANS: Self = Self(
        "plans (id, merchant_id, livemode, name, currency, prices, addons, trial_days, payment_mode, \
         invoice_due_days, customer_rights, close_reasons, dunning, require_signature, features, \
         published, active, created)",
    );
    pub const USERS: Self = Self("users (id, merchant_id, livemode, name, email, active, created)");
    pub const CUSTOMERS: Self = Self(
        "customers (id, merchant_id, livemode, email, name, address, locale, \
         default_payment_method, created)",
    );
    pub const CUSTOMERS_WITH_SALESPERSON: Self = Self(
        "customers (id, merchant_id, livemode, email, name, address, locale, salesperson_id, \
         created)",
    );
    pub const PAYMENT_METHODS: Self = Self(
        "payment_methods (id, merchant_id, livemode, customer_id, provider, provider_token, brand, \
         last4, exp_month, exp_year, detached, created)",
    );
    pub const SUBSCRIPTIONS: Self = Self(
        "subscriptions (id, merchant_id, livemode, customer_id, plan_id, status, currency, \
         recurring_interval, recurring_count, start_date, current_period_start, current_period_end, \
         next_invoice_date, payment_mode, invoice_due_days, payment_method_id, mrr_minor, \
         base_mrr_minor, health, created)",
    );
    pub const CLOSED_SUBSCRIPTIONS: Self = Self(
        "subscriptions (id, merchant_id, livemode, customer_id, plan_id, status, currency, \
         recurring_interval, recurring_count, start_date, current_period_start, current_period_end, \
         next_invoice_date, payment_mode, invoice_due_days, salesperson_id, mrr_minor, \
         base_mrr_minor, health, close_reason, closed_at, created)",
    );
    pub const SUBSCRIPTION_ITEMS: Self = Self(
        "subscription_items (id, subscription_id, position, price_id, product_id, description, \
         quantity, unit_amount, discount, tax_behavior, tax_category, recurring, addon)",
    );
    pub const MRR_EVENTS: Self = Self(
        "mrr_events (id, merchant_id, livemode, customer_id, subscription_id, salesperson_id, \
         plan_id, event_date, kind, currency, delta_minor, subscription_mrr_minor, \
         customer_mrr_minor, close_reason, created)",
    );
    pub const PAID_INVOICES: Self = Self(
        "invoices (id, merchant_id, livemode, number, status, customer_id, subscription_id, \
         billing_reason, currency, issue_date, due_date, bill_to, subtotal_minor, tax_minor, \
         total_minor, amount_paid_minor, reverse_charge, payment_mode, attempt_count, \
         hard_declined, paid_at, created)",
    );
    pub const INVOICE_LINES: Self = Self(
        "invoice_lines (id, invoice_id, position, kind, description, quantity, unit_amount, \
         discount, tax_behavior, tax_rate, tax_name, net_minor, tax_minor, amount_minor)",
    );
}

/// Inserts generated rows (their values in the table's column order) with
/// multi-row `INSERT`s inside the caller's transaction.
pub async fn insert_rows(tx: &mut Tx, table: Table, rows: &[Vec<Arg>]) -> Result<(), sqlx::Error> {
    let width = rows.first().map_or(1, Vec::len).max(1);
    for batch in rows.chunks((MAX_VALUES / width).max(1)) {
        let mut q = Sql::new();
        q.push("INSERT INTO ")
            .push(table.0)
            .push(" VALUES ")
            .push_rows(batch);
        q.execute_in(tx).await?;
    }
    Ok(())
}

/// Inserts generated rows into several tables in one transaction.
pub async fn insert_all(db: &Db, batches: &[(Table, &[Vec<Arg>])]) -> Result<(), sqlx::Error> {
    let mut tx = Tx::begin(db).await?;
    for (table, rows) in batches {
        if !rows.is_empty() {
            insert_rows(&mut tx, *table, rows).await?;
        }
    }
    tx.commit().await
}

/// Refreshes the planner's statistics after a bulk load.
pub async fn analyze(db: &Db) -> Result<(), sqlx::Error> {
    let sql = match db {
        Db::Sqlite(_) => "ANALYZE",
        Db::Postgres(_) => "VACUUM ANALYZE",
    };
    db.execute(sql, &[]).await.map(|_| ())
}

/// Subscriptions in the database, all merchants: (all, active).
pub async fn subscription_counts(db: &Db) -> Result<(i64, i64), sqlx::Error> {
    let all: Option<(i64,)> = db
        .fetch_optional("SELECT COUNT(*) FROM subscriptions", &args![])
        .await?;
    let active: Option<(i64,)> = db
        .fetch_optional(
            "SELECT COUNT(*) FROM subscriptions WHERE status = 'active'",
            &args![],
        )
        .await?;
    Ok((all.map_or(0, |(n,)| n), active.map_or(0, |(n,)| n)))
}

/// A table the billing pass writes rows into, for the benchmark's floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassTable {
    Invoices,
    InvoiceLines,
    LedgerEntries,
    Charges,
    Events,
    MrrEvents,
    Outbox,
}

impl PassTable {
    pub const ALL: [Self; 7] = [
        Self::Invoices,
        Self::InvoiceLines,
        Self::LedgerEntries,
        Self::Charges,
        Self::Events,
        Self::MrrEvents,
        Self::Outbox,
    ];

    /// The table's name.
    pub fn name(self) -> &'static str {
        self.statements().0
    }

    /// Name, every row, an empty copy named `floor_<name>`, and the copy as an
    /// insert target (its columns in the table's order).
    fn statements(self) -> (&'static str, &'static str, &'static str, Table) {
        macro_rules! of {
            ($t:literal) => {
                (
                    $t,
                    concat!("SELECT * FROM ", $t),
                    concat!(
                        "CREATE TABLE floor_",
                        $t,
                        " AS SELECT * FROM ",
                        $t,
                        " WHERE 1 = 0"
                    ),
                    Table(concat!("floor_", $t)),
                )
            };
        }
        match self {
            Self::Invoices => of!("invoices"),
            Self::InvoiceLines => of!("invoice_lines"),
            Self::LedgerEntries => of!("ledger_entries"),
            Self::Charges => of!("charges"),
            Self::Events => of!("events"),
            Self::MrrEvents => of!("mrr_events"),
            Self::Outbox => of!("outbox"),
        }
    }
}

/// A row of any table, as the values of its columns in order. The schema has
/// text, 64-bit integer and boolean columns only (and a blob in
/// `idempotency_keys`, which no pass table has).
struct Values(Vec<Arg>);

impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for Values {
    fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
        use sqlx::{Row, TypeInfo, ValueRef};
        let mut out = Vec::with_capacity(row.len());
        for i in 0..row.len() {
            let raw = row.try_get_raw(i)?;
            let value = if raw.is_null() {
                Arg::Text(None)
            } else if raw.type_info().name() == "INTEGER" {
                Arg::Int(Some(row.try_get(i)?))
            } else {
                Arg::Text(Some(row.try_get(i)?))
            };
            out.push(value);
        }
        Ok(Self(out))
    }
}

impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for Values {
    fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        use sqlx::{Column, Row, TypeInfo};
        let mut out = Vec::with_capacity(row.len());
        for (i, column) in row.columns().iter().enumerate() {
            let value = match column.type_info().name() {
                "INT8" | "INT4" | "INT2" => Arg::Int(row.try_get(i)?),
                "BOOL" => Arg::Bool(row.try_get(i)?),
                _ => Arg::Text(row.try_get(i)?),
            };
            out.push(value);
        }
        Ok(Self(out))
    }
}

/// Every row of `table`.
pub async fn rows_of(db: &Db, table: PassTable) -> Result<Vec<Vec<Arg>>, sqlx::Error> {
    let rows: Vec<Values> = db.fetch_all(table.statements().1, &[]).await?;
    Ok(rows.into_iter().map(|v| v.0).collect())
}

/// Creates the empty copy of `table` that the floor writes to, and returns it.
pub async fn create_floor_copy(db: &Db, table: PassTable) -> Result<Table, sqlx::Error> {
    let (_, _, create, copy) = table.statements();
    db.execute(create, &[]).await?;
    Ok(copy)
}

/// What a billing pass left, all merchants, for the benchmarks' check:
/// invoices, the subscriptions they bill, succeeded charges, and the invoices
/// those charges pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenewalCounts {
    pub invoices: i64,
    pub subscriptions_invoiced: i64,
    pub charges_succeeded: i64,
    pub invoices_charged: i64,
}

/// Counts what a billing pass left; see [`RenewalCounts`].
pub async fn renewal_counts(db: &Db) -> Result<RenewalCounts, sqlx::Error> {
    let invoices: Option<(i64, i64)> = db
        .fetch_optional(
            "SELECT COUNT(*), COUNT(DISTINCT subscription_id) FROM invoices",
            &args![],
        )
        .await?;
    let charges: Option<(i64, i64)> = db
        .fetch_optional(
            "SELECT COUNT(*), COUNT(DISTINCT invoice_id) FROM charges \
             WHERE outcome = 'succeeded'",
            &args![],
        )
        .await?;
    let (invoices, subscriptions_invoiced) = invoices.unwrap_or_default();
    let (charges_succeeded, invoices_charged) = charges.unwrap_or_default();
    Ok(RenewalCounts {
        invoices,
        subscriptions_invoiced,
        charges_succeeded,
        invoices_charged,
    })
}
