//! A fingerprint of the whole database: every table's row count and a hash of
//! its rows. The isolation suite takes one before and one after calling every
//! route with the wrong credentials, and they must be equal.

use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;

use crate::args;
use crate::db::Db;

/// One table's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub table: String,
    pub rows: usize,
    /// SHA-256 (hex) of the rows' text, sorted, so the order they are read in
    /// does not matter.
    pub sha256: String,
}

/// Table and column names read from the catalog stand in the SQL as identifiers
/// (which cannot be bound): only plain names are accepted.
fn identifier(name: &str) -> Result<&str, sqlx::Error> {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if plain {
        Ok(name)
    } else {
        Err(sqlx::Error::Protocol(format!(
            "not a plain identifier: {name:?}"
        )))
    }
}

/// Every table of the application (not the migrations' bookkeeping), by name.
async fn tables(db: &Db) -> Result<Vec<String>, sqlx::Error> {
    let sql = match db {
        Db::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx_%' ORDER BY name"
        }
        Db::Postgres(_) => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name NOT LIKE '\\_sqlx\\_%' ORDER BY table_name"
        }
    };
    let rows: Vec<(String,)> = db.fetch_all(sql, &args![]).await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

/// Each row of `table` as one line of text.
async fn row_texts(db: &Db, table: &str) -> Result<Vec<String>, sqlx::Error> {
    let table = identifier(table)?;
    match db {
        Db::Sqlite(pool) => {
            let columns: Vec<(String,)> = db
                .fetch_all(
                    "SELECT name FROM pragma_table_info($1) ORDER BY cid",
                    &args![table],
                )
                .await?;
            let mut parts = Vec::with_capacity(columns.len());
            for (column,) in &columns {
                parts.push(format!("quote(\"{}\")", identifier(column)?));
            }
            let select = if parts.is_empty() {
                "''".to_owned()
            } else {
                parts.join(" || '|' || ")
            };
            let sql = format!("SELECT {select} FROM \"{table}\"");
            let rows: Vec<(String,)> = sqlx::query_as(AssertSqlSafe(sql)).fetch_all(pool).await?;
            Ok(rows.into_iter().map(|(r,)| r).collect())
        }
        Db::Postgres(pool) => {
            let sql = format!("SELECT t::text FROM \"{table}\" AS t");
            let rows: Vec<(String,)> = sqlx::query_as(AssertSqlSafe(sql)).fetch_all(pool).await?;
            Ok(rows.into_iter().map(|(r,)| r).collect())
        }
    }
}

/// Every table's row count and row hash, in table-name order.
pub async fn database_digest(db: &Db) -> Result<Vec<TableDigest>, sqlx::Error> {
    let mut out = Vec::new();
    for table in tables(db).await? {
        let mut rows = row_texts(db, &table).await?;
        rows.sort_unstable();
        let mut hasher = Sha256::new();
        for row in &rows {
            hasher.update(row.as_bytes());
            hasher.update(b"\n");
        }
        out.push(TableDigest {
            rows: rows.len(),
            sha256: hex::encode(hasher.finalize()),
            table,
        });
    }
    Ok(out)
}
