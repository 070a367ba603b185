//! Merchant users: the people (salespeople) who work for a merchant.

use renewly_types::User;

use super::{Page, Scope};
use crate::db::Db;
use crate::with_db;

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    livemode: bool,
    name: String,
    email: String,
    active: bool,
    created: String,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        Self {
            id: r.id,
            object: "user".to_owned(),
            livemode: r.livemode,
            name: r.name,
            email: r.email,
            active: r.active,
            created: r.created,
        }
    }
}

/// Inserts a new user.
pub async fn insert_user(db: &Db, scope: &Scope, u: &User) -> Result<(), sqlx::Error> {
    with_db!(db, pool => sqlx::query(
        "INSERT INTO users (id, merchant_id, livemode, name, email, active, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&u.id)
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .bind(&u.name)
    .bind(&u.email)
    .bind(u.active)
    .bind(&u.created)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}

/// Writes the changeable fields of a user back.
pub async fn update_user(db: &Db, scope: &Scope, u: &User) -> Result<(), sqlx::Error> {
    with_db!(db, pool => sqlx::query(
        "UPDATE users SET name = $4, email = $5, active = $6 \
         WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
    )
    .bind(&u.id)
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .bind(&u.name)
    .bind(&u.email)
    .bind(u.active)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}

/// One user of this merchant and mode.
pub async fn get_user(db: &Db, scope: &Scope, id: &str) -> Result<Option<User>, sqlx::Error> {
    let row: Option<UserRow> = with_db!(db, pool => sqlx::query_as(
        "SELECT * FROM users WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
    )
    .bind(id)
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .fetch_optional(pool)
    .await?);
    Ok(row.map(User::from))
}

/// A page of users, newest first, optionally only active or deactivated ones.
pub async fn list_users(
    db: &Db,
    scope: &Scope,
    active: Option<bool>,
    page: &Page,
) -> Result<(Vec<User>, bool), sqlx::Error> {
    let rows: Vec<UserRow> = with_db!(db, pool => sqlx::query_as(
        "SELECT * FROM users WHERE merchant_id = $1 AND livemode = $2 AND id < $3 \
         AND ($4 = 0 OR active = $5) ORDER BY id DESC LIMIT $6",
    )
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .bind(page.cursor())
    .bind(i64::from(active.is_some()))
    .bind(active.unwrap_or(true))
    .bind(page.fetch())
    .fetch_all(pool)
    .await?);
    Ok(page.finish(rows.into_iter().map(User::from).collect()))
}
