//! `/v1/events`: every state change, newest first.

use axum::Json;
use axum::extract::State;
use renewly_types::{Event, List};

use super::AppState;
use super::extract::{ApiQuery, ListQuery, SecretKey};
use crate::error::ApiResult;
use crate::ids::Kind;
use crate::store::events::{self, EventFilter};

/// Filters of `GET /v1/events`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// e.g. `invoice.paid`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// Only events about this object.
    pub object: Option<String>,
}

/// Every state change, newest first.
#[utoipa::path(get, path = "/v1/events", tag = "billing", params(ListQuery, EventQuery),
    responses((status = 200, body = List<Event>)), security(("secret_key" = [])))]
pub async fn list_events(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> ApiResult<Json<List<Event>>> {
    let page = list.page(Kind::Event)?;
    let filter = EventFilter {
        kind: q.kind,
        object: q.object,
    };
    let rows = events::list(&state.db, &scope, &filter, &page).await?;
    let (rows, more) = page.finish(rows);
    let data = rows
        .into_iter()
        .map(|r| Event {
            id: r.id,
            object: "event".to_owned(),
            livemode: r.livemode,
            kind: r.kind,
            object_id: r.object_id,
            data: serde_json::from_str(&r.data).unwrap_or(serde_json::Value::Null),
            created: r.created,
        })
        .collect();
    Ok(Json(List::new(data, more)))
}
