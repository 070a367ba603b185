//! Database access: all SQL lives here. Each function runs on both backends.

pub mod analytics;
pub mod billing;
pub mod catalog;
pub mod charges;
pub mod customers;
pub mod dashboard_sessions;
pub mod digest;
pub mod events;
pub mod exchange_rates;
pub mod idempotency;
pub mod invoices;
pub mod ledger;
pub mod merchants;
pub mod mrr;
pub mod orders;
pub mod outbox;
pub mod payment_methods;
pub mod plans;
pub mod portal;
pub mod pricelists;
pub mod prices;
pub mod query;
pub mod refunds;
pub mod stripe;
pub mod subscriptions;
pub mod tax_rates;
pub mod test_clock;
pub mod tooling;
pub mod users;
pub mod vat;
pub mod versions;

/// Whose data a request may see: one merchant, in test or live mode.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    pub merchant_id: String,
    pub livemode: bool,
}

/// The rows of `table` (a fixed name) among `ids` that belong to the scope:
/// one query per hundred distinct ids; unknown ids are left out.
pub(crate) async fn rows_by_ids<R>(
    db: &crate::db::Db,
    table: &'static str,
    scope: &Scope,
    ids: &[&str],
) -> Result<Vec<R>, sqlx::Error>
where
    R: crate::db::AnyRow,
{
    let mut distinct = ids.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let mut rows = Vec::with_capacity(distinct.len());
    for chunk in distinct.chunks(100) {
        let mut q = query::Sql::new();
        q.push("SELECT * FROM ")
            .push(table)
            .push(" WHERE merchant_id = ")
            .bind(&scope.merchant_id)
            .push(" AND livemode = ")
            .bind(scope.livemode)
            .push(" AND id IN (");
        for (n, id) in chunk.iter().enumerate() {
            if n > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(")");
        rows.extend(q.fetch_all::<R>(db).await?);
    }
    Ok(rows)
}

/// The current time as stored: RFC 3339, UTC, millisecond precision.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A page request: at most `limit` objects older than the `starting_after` id.
#[derive(Debug, Clone)]
pub struct Page {
    pub limit: i64,
    pub starting_after: Option<String>,
}

impl Page {
    /// The exclusive upper bound for ids on this page; `~` sorts after every id.
    pub fn cursor(&self) -> &str {
        self.starting_after.as_deref().unwrap_or("~")
    }

    /// One more than asked, to learn whether more follow.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the extra row and tells whether there was one.
    pub fn finish<T>(&self, mut rows: Vec<T>) -> (Vec<T>, bool) {
        let has_more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit.max(0) as usize);
        (rows, has_more)
    }
}

/// Serialises a value to the JSON text stored in a column.
pub fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// Reads JSON text from a column, falling back to the default when it is damaged.
pub fn from_json_text<T: serde::de::DeserializeOwned + Default>(raw: &str) -> T {
    serde_json::from_str(raw).unwrap_or_default()
}
