//! `/v1/users`: the merchant's people, e.g. the salespeople customers are assigned to.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use renewly_types::{CreateUser, List, Problem, UpdateUser, User};

use super::customers::email_address;
use super::extract::{ApiJson, ApiQuery, ListQuery, SecretKey, path_id};
use super::{AppState, required_text};
use crate::error::{ApiError, ApiResult};
use crate::ids::{Kind, new_id};
use crate::store::{now, users};

/// Filters of `GET /v1/users`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Only active (`true`) or deactivated (`false`) users.
    pub active: Option<bool>,
}

/// Creates a merchant user.
#[utoipa::path(post, path = "/v1/users", tag = "customers", request_body = CreateUser,
    responses((status = 201, body = User), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn create_user(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let user = User {
        id: new_id(Kind::User),
        object: "user".to_owned(),
        livemode: scope.livemode,
        name: required_text("name", &body.name, 200)?,
        email: email_address("email", &body.email)?,
        active: true,
        created: now(),
    };
    users::insert_user(&state.db, &scope, &user).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Lists merchant users, newest first.
#[utoipa::path(get, path = "/v1/users", tag = "customers", params(ListQuery, UserFilter),
    responses((status = 200, body = List<User>)), security(("secret_key" = [])))]
pub async fn list_users(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(q): ApiQuery<UserFilter>,
) -> ApiResult<Json<List<User>>> {
    let page = list.page(Kind::User)?;
    let (data, has_more) = users::list_users(&state.db, &scope, q.active, &page).await?;
    Ok(Json(List::new(data, has_more)))
}

/// Retrieves a merchant user.
#[utoipa::path(get, path = "/v1/users/{id}", tag = "customers",
    params(("id" = String, Path, description = "usr_…")),
    responses((status = 200, body = User), (status = 404, body = Problem)),
    security(("secret_key" = [])))]
pub async fn get_user(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
) -> ApiResult<Json<User>> {
    path_id(Kind::User, "user", &id)?;
    users::get_user(&state.db, &scope, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("user", id))
}

/// Changes a merchant user; `active: false` deactivates it (it is never deleted,
/// and stays on the customers and MRR history it is linked to).
#[utoipa::path(patch, path = "/v1/users/{id}", tag = "customers", request_body = UpdateUser,
    params(("id" = String, Path, description = "usr_…")),
    responses((status = 200, body = User), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("secret_key" = [])))]
pub async fn update_user(
    State(state): State<AppState>,
    SecretKey(scope): SecretKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> ApiResult<Json<User>> {
    path_id(Kind::User, "user", &id)?;
    let mut user = users::get_user(&state.db, &scope, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("user", id.clone()))?;
    if let Some(name) = &body.name {
        user.name = required_text("name", name, 200)?;
    }
    if let Some(email) = &body.email {
        user.email = email_address("email", email)?;
    }
    if let Some(active) = body.active {
        user.active = active;
    }
    users::update_user(&state.db, &scope, &user).await?;
    Ok(Json(user))
}
