//! Statements whose shape depends on the request (optional filters, per-backend
//! fragments, multi-row inserts). Fixed statements go through
//! [`Db`]/[`Tx`](crate::db::Tx) and [`args!`](crate::args) instead.
//!
//! The text of a [`Sql`] is made only of `&'static str` fragments and the `$n`
//! placeholders that [`Sql::bind`] writes, so no value can end up spliced into
//! the SQL: every value is bound.

use sqlx::AssertSqlSafe;

use crate::db::{AnyRow, Arg, Db, Tx, bind_all};

/// A statement being assembled: its text and the values of its placeholders.
#[derive(Debug, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
    /// Where each placeholder's `$` is in `text`.
    marks: Vec<usize>,
}

impl Sql {
    /// An empty statement.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a fixed fragment.
    pub fn push(&mut self, fragment: &'static str) -> &mut Self {
        self.text.push_str(fragment);
        self
    }

    /// Appends the placeholder of a new value.
    pub fn bind(&mut self, value: impl Into<Arg>) -> &mut Self {
        self.args.push(value.into());
        self.marks.push(self.text.len());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Appends `(v1, v2, …), (…)`: one parenthesised group of bound values per row.
    pub fn push_rows<R: AsRef<[Arg]>>(&mut self, rows: &[R]) -> &mut Self {
        for (n, row) in rows.iter().enumerate() {
            self.push(if n == 0 { "(" } else { ", (" });
            for (i, value) in row.as_ref().iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.bind(value.clone());
            }
            self.push(")");
        }
        self
    }

    /// The values bound so far.
    pub fn arg_count(&self) -> usize {
        self.args.len()
    }

    /// The text for SQLite, with anonymous `?` placeholders (the values are
    /// bound in order, each once). SQLite keeps `$n` and `?n` as names, and
    /// sqlx asks the name of every parameter, which SQLite finds by walking the
    /// list of names: quadratic in the number of values, 1.5 s to bind a
    /// 500-row insert of 21 columns. Anonymous placeholders have no name.
    fn sqlite_text(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut from = 0;
        for &at in &self.marks {
            out.push_str(&self.text[from..at]);
            out.push('?');
            from = at + 1;
            while self
                .text
                .as_bytes()
                .get(from)
                .is_some_and(u8::is_ascii_digit)
            {
                from += 1;
            }
        }
        out.push_str(&self.text[from..]);
        out
    }

    /// Reads every row.
    pub async fn fetch_all<T: AnyRow>(&self, db: &Db) -> Result<Vec<T>, sqlx::Error> {
        let sql = AssertSqlSafe(self.text.as_str());
        match db {
            Db::Sqlite(p) => {
                bind_all!(
                    sqlx::query_as::<_, T>(AssertSqlSafe(self.sqlite_text())),
                    &self.args
                )
                .fetch_all(p)
                .await
            }
            Db::Postgres(p) => {
                bind_all!(sqlx::query_as::<_, T>(sql), &self.args)
                    .fetch_all(p)
                    .await
            }
        }
    }

    /// Reads every row inside a transaction.
    pub async fn fetch_all_in<T: AnyRow>(&self, tx: &mut Tx) -> Result<Vec<T>, sqlx::Error> {
        let sql = AssertSqlSafe(self.text.as_str());
        match tx {
            Tx::Sqlite(tx) => {
                bind_all!(
                    sqlx::query_as::<_, T>(AssertSqlSafe(self.sqlite_text())),
                    &self.args
                )
                .fetch_all(&mut **tx)
                .await
            }
            Tx::Postgres(tx) => {
                bind_all!(sqlx::query_as::<_, T>(sql), &self.args)
                    .fetch_all(&mut **tx)
                    .await
            }
        }
    }

    /// Runs the statement inside a transaction; returns the rows affected.
    pub async fn execute_in(&self, tx: &mut Tx) -> Result<u64, sqlx::Error> {
        let sql = AssertSqlSafe(self.text.as_str());
        Ok(match tx {
            Tx::Sqlite(tx) => bind_all!(sqlx::query(AssertSqlSafe(self.sqlite_text())), &self.args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Tx::Postgres(tx) => bind_all!(sqlx::query(sql), &self.args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args;

    #[test]
    fn values_become_numbered_placeholders() {
        let mut q = Sql::new();
        q.push("SELECT * FROM t WHERE a = ")
            .bind("x'; DROP TABLE t; --")
            .push(" AND b = ")
            .bind(7_i64);
        assert_eq!(q.text, "SELECT * FROM t WHERE a = $1 AND b = $2");
        assert_eq!(q.arg_count(), 2);
        assert_eq!(q.sqlite_text(), "SELECT * FROM t WHERE a = ? AND b = ?");
    }

    #[test]
    fn rows_are_groups_of_placeholders() {
        let mut q = Sql::new();
        q.push("INSERT INTO t (a, b) VALUES ")
            .push_rows(&[args!["a", 1_i64], args!["b", 2_i64]]);
        assert_eq!(q.text, "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
        assert_eq!(
            q.sqlite_text(),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }
}
