//! The database: SQLite by default, PostgreSQL when the URL says so.
//!
//! Both backends use native sqlx pools. Store code is written once with the
//! [`with_db!`](crate::with_db) macro, which expands the same body for each
//! backend; SQL uses `$1` placeholders, which both understand.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

/// A connection pool to one of the supported databases.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the backend's native pool.
#[macro_export]
macro_rules! with_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// `$first, $first+1, …` for `count` values of an `IN (…)` list.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `$body` inside a write transaction bound to `$tx` and commits it when the
/// body returns `Ok`. On SQLite the transaction starts with `BEGIN IMMEDIATE`, so
/// writers queue instead of failing on a lock upgrade.
#[macro_export]
macro_rules! with_tx {
    ($db:expr, $tx:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite(pool) => {
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::db::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

impl Db {
    /// Connects to `url` (`sqlite://FILE` or `postgres://…`) and creates the SQLite
    /// file when it does not exist yet.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, sqlx::Error> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30));
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections)
                .connect_with(options)
                .await?;
            Ok(Self::Sqlite(pool))
        } else {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await?;
            Ok(Self::Postgres(pool))
        }
    }

    /// Applies the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Self::Sqlite(pool) => sqlx::migrate!("../migrations/sqlite").run(pool).await,
            Self::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await,
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        with_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        with_db!(self, pool => pool.close().await)
    }
}

/// A value bound to a `$n` placeholder, the same way on both backends.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Self::Text(Some(v.to_owned()))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Self::Text(Some(v.clone()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Self::Text(Some(v))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Self::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Self::Text(v.map(str::to_owned))
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Self {
        Self::Text(v.clone())
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Self::Int(v)
    }
}
impl From<u32> for Arg {
    fn from(v: u32) -> Self {
        Self::Int(Some(i64::from(v)))
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Self::Bool(Some(v))
    }
}

/// `args![a, b, c]` → `[Arg::from(a), …]`.
#[macro_export]
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        [$($crate::db::Arg::from($value)),*]
    };
}

macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for arg in $args {
            q = match arg {
                $crate::db::Arg::Text(v) => q.bind(v.clone()),
                $crate::db::Arg::Int(v) => q.bind(*v),
                $crate::db::Arg::Bool(v) => q.bind(*v),
            };
        }
        q
    }};
}

pub(crate) use bind_all;

/// A row type readable from both backends.
pub trait AnyRow:
    for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
    + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
    + Send
    + Unpin
{
}
impl<T> AnyRow for T where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin
{
}

/// A row lock a `SELECT` takes inside a write transaction.
///
/// Only PostgreSQL needs one: there, concurrent transactions run side by side and
/// a worker must lock what it is about to change. SQLite transactions begin
/// `IMMEDIATE` and so already run one at a time, and SQLite has no `FOR UPDATE`;
/// the suffix is left out there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// `FOR UPDATE`: wait for a row another transaction holds.
    Update,
    /// `FOR UPDATE SKIP LOCKED`: leave out rows another transaction holds.
    SkipLocked,
}

impl Lock {
    /// The clause PostgreSQL appends to the statement.
    pub fn clause(self) -> &'static str {
        match self {
            Self::Update => " FOR UPDATE",
            Self::SkipLocked => " FOR UPDATE SKIP LOCKED",
        }
    }
}

/// A write transaction on either backend. On SQLite it starts with
/// `BEGIN IMMEDIATE`, so concurrent writers queue instead of failing.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    /// Begins a write transaction.
    pub async fn begin(db: &Db) -> Result<Self, sqlx::Error> {
        Ok(match db {
            Db::Sqlite(pool) => Self::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Self::Postgres(pool.begin().await?),
        })
    }

    /// Commits.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(tx) => tx.commit().await,
            Self::Postgres(tx) => tx.commit().await,
        }
    }

    /// Runs a statement; returns the rows affected.
    pub async fn execute(&mut self, sql: &'static str, args: &[Arg]) -> Result<u64, sqlx::Error> {
        Ok(match self {
            Self::Sqlite(tx) => bind_all!(sqlx::query(sql), args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Self::Postgres(tx) => bind_all!(sqlx::query(sql), args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        })
    }

    /// Reads every row.
    pub async fn fetch_all<T: AnyRow>(
        &mut self,
        sql: &'static str,
        args: &[Arg],
    ) -> Result<Vec<T>, sqlx::Error> {
        match self {
            Self::Sqlite(tx) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_all(&mut **tx)
                    .await
            }
            Self::Postgres(tx) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_all(&mut **tx)
                    .await
            }
        }
    }

    /// Reads every row of `sql` and locks them on PostgreSQL (the lock clause is
    /// appended to the statement there; see [`Lock`]).
    pub async fn fetch_all_locked<T: AnyRow>(
        &mut self,
        sql: &'static str,
        lock: Lock,
        args: &[Arg],
    ) -> Result<Vec<T>, sqlx::Error> {
        match self {
            Self::Sqlite(tx) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_all(&mut **tx)
                    .await
            }
            Self::Postgres(tx) => {
                // Only the fixed lock clause is appended; every value is bound.
                let locked = sqlx::AssertSqlSafe(format!("{sql}{}", lock.clause()));
                bind_all!(sqlx::query_as::<_, T>(locked), args)
                    .fetch_all(&mut **tx)
                    .await
            }
        }
    }

    /// Reads at most one row of `sql` and locks it on PostgreSQL (see [`Lock`]).
    pub async fn fetch_optional_locked<T: AnyRow>(
        &mut self,
        sql: &'static str,
        lock: Lock,
        args: &[Arg],
    ) -> Result<Option<T>, sqlx::Error> {
        match self {
            Self::Sqlite(tx) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_optional(&mut **tx)
                    .await
            }
            Self::Postgres(tx) => {
                let locked = sqlx::AssertSqlSafe(format!("{sql}{}", lock.clause()));
                bind_all!(sqlx::query_as::<_, T>(locked), args)
                    .fetch_optional(&mut **tx)
                    .await
            }
        }
    }

    /// Reads at most one row.
    pub async fn fetch_optional<T: AnyRow>(
        &mut self,
        sql: &'static str,
        args: &[Arg],
    ) -> Result<Option<T>, sqlx::Error> {
        match self {
            Self::Sqlite(tx) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_optional(&mut **tx)
                    .await
            }
            Self::Postgres(tx) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_optional(&mut **tx)
                    .await
            }
        }
    }
}

impl Db {
    /// Runs a statement outside a transaction; returns the rows affected.
    pub async fn execute(&self, sql: &'static str, args: &[Arg]) -> Result<u64, sqlx::Error> {
        Ok(match self {
            Self::Sqlite(p) => bind_all!(sqlx::query(sql), args)
                .execute(p)
                .await?
                .rows_affected(),
            Self::Postgres(p) => bind_all!(sqlx::query(sql), args)
                .execute(p)
                .await?
                .rows_affected(),
        })
    }

    /// Reads every row.
    pub async fn fetch_all<T: AnyRow>(
        &self,
        sql: &'static str,
        args: &[Arg],
    ) -> Result<Vec<T>, sqlx::Error> {
        match self {
            Self::Sqlite(p) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_all(p)
                    .await
            }
            Self::Postgres(p) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_all(p)
                    .await
            }
        }
    }

    /// Reads at most one row.
    pub async fn fetch_optional<T: AnyRow>(
        &self,
        sql: &'static str,
        args: &[Arg],
    ) -> Result<Option<T>, sqlx::Error> {
        match self {
            Self::Sqlite(p) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_optional(p)
                    .await
            }
            Self::Postgres(p) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_optional(p)
                    .await
            }
        }
    }
}
