//! Merchant users: the people (salespeople) who work for a merchant.

use renewly_types::User;

use super::{Page, Scope};
use crate::args;
use crate::db::Db;

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
    db.execute(
        "INSERT INTO users (id, merchant_id, livemode, name, email, active, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &args![
            &u.id,
            &scope.merchant_id,
            scope.livemode,
            &u.name,
            &u.email,
            u.active,
            &u.created
        ],
    )
    .await?;
    Ok(())
}

/// Writes the changeable fields of a user back.
pub async fn update_user(db: &Db, scope: &Scope, u: &User) -> Result<(), sqlx::Error> {
    db.execute(
        "UPDATE users SET name = $4, email = $5, active = $6 \
         WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
        &args![
            &u.id,
            &scope.merchant_id,
            scope.livemode,
            &u.name,
            &u.email,
            u.active
        ],
    )
    .await?;
    Ok(())
}

/// One user of this merchant and mode.
pub async fn get_user(db: &Db, scope: &Scope, id: &str) -> Result<Option<User>, sqlx::Error> {
    let row: Option<UserRow> = db
        .fetch_optional(
            "SELECT * FROM users WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
            &args![id, &scope.merchant_id, scope.livemode],
        )
        .await?;
    Ok(row.map(User::from))
}

/// A page of users, newest first, optionally only active or deactivated ones.
pub async fn list_users(
    db: &Db,
    scope: &Scope,
    active: Option<bool>,
    page: &Page,
) -> Result<(Vec<User>, bool), sqlx::Error> {
    let rows: Vec<UserRow> = db
        .fetch_all(
            "SELECT * FROM users WHERE merchant_id = $1 AND livemode = $2 AND id < $3 \
             AND ($4 = 0 OR active = $5) ORDER BY id DESC LIMIT $6",
            &args![
                &scope.merchant_id,
                scope.livemode,
                page.cursor(),
                i64::from(active.is_some()),
                active.unwrap_or(true),
                page.fetch()
            ],
        )
        .await?;
    Ok(page.finish(rows.into_iter().map(User::from).collect()))
}
