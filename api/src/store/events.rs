//! Events: every state change, for `GET /v1/events` (and later outbound webhooks).

use super::{Page, Scope, now};
use crate::args;
use crate::db::{Db, Tx};
use crate::ids::{Kind, new_id};

/// An event as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: String,
    pub livemode: bool,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub object_id: String,
    /// JSON text.
    pub data: String,
    pub created: String,
}

/// Filters of the event list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub kind: Option<String>,
    pub object: Option<String>,
}

/// Records an event.
pub async fn insert(
    tx: &mut Tx,
    scope: &Scope,
    kind: &str,
    object_id: &str,
    data: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    tx.execute(
        "INSERT INTO events (id, merchant_id, livemode, type, object_id, data, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &args![
            new_id(Kind::Event),
            &scope.merchant_id,
            scope.livemode,
            kind,
            object_id,
            data.to_string(),
            now()
        ],
    )
    .await?;
    Ok(())
}

/// A page of events in scope, newest first (one more than the page holds, to
/// learn whether more follow).
pub async fn list(
    db: &Db,
    scope: &Scope,
    f: &EventFilter,
    page: &Page,
) -> Result<Vec<EventRow>, sqlx::Error> {
    db.fetch_all(
        "SELECT id, livemode, type, object_id, data, created FROM events WHERE merchant_id = $1 \
         AND livemode = $2 AND id < $3 AND ($4 = '' OR type = $4) AND ($5 = '' OR object_id = $5) \
         ORDER BY id DESC LIMIT $6",
        &args![
            &scope.merchant_id,
            scope.livemode,
            page.cursor(),
            f.kind.clone().unwrap_or_default(),
            f.object.clone().unwrap_or_default(),
            page.fetch()
        ],
    )
    .await
}
