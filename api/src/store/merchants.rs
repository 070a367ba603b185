//! Merchants and their API keys.

use renewly_types::{Address, Merchant};
use sha2::{Digest, Sha256};

use super::{Scope, from_json_text, json_text, now};
use crate::db::Db;
use crate::domain::tax::seed_rates;
use crate::ids::{Kind, new_id, random_token};
use crate::{with_db, with_tx};

#[derive(sqlx::FromRow)]
struct MerchantRow {
    id: String,
    name: String,
    country: String,
    default_currency: String,
    reporting_currency: String,
    vat_number: Option<String>,
    address: String,
    timezone: String,
    invoice_prefix: String,
    allowed_origins: String,
    created: String,
}

impl MerchantRow {
    fn into_wire(self, livemode: bool) -> Merchant {
        Merchant {
            id: self.id,
            object: "merchant".to_owned(),
            livemode,
            name: self.name,
            country: self.country,
            default_currency: self.default_currency,
            reporting_currency: self.reporting_currency,
            vat_number: self.vat_number,
            address: from_json_text::<Address>(&self.address),
            timezone: self.timezone,
            invoice_prefix: self.invoice_prefix,
            allowed_origins: from_json_text(&self.allowed_origins),
            created: self.created,
        }
    }
}

/// Whether a key is secret (everything) or publishable (the widget's calls only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Secret,
    Publishable,
}

impl KeyKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Secret => "secret",
            Self::Publishable => "publishable",
        }
    }

    fn prefix(self, livemode: bool) -> &'static str {
        match (self, livemode) {
            (Self::Secret, false) => "sk_test_",
            (Self::Secret, true) => "sk_live_",
            (Self::Publishable, false) => "pk_test_",
            (Self::Publishable, true) => "pk_live_",
        }
    }
}

/// A key as shown once, when it is made.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewKey {
    pub id: String,
    pub kind: &'static str,
    pub livemode: bool,
    /// The full key; only its hash is stored.
    pub key: String,
}

/// What a valid key grants.
#[derive(Debug, Clone)]
pub struct KeyGrant {
    pub scope: Scope,
    pub kind: KeyKind,
}

/// A stored key, without the key itself.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct KeyInfo {
    pub id: String,
    pub merchant_id: String,
    pub livemode: bool,
    pub kind: String,
    /// The key's first and last characters, e.g. `sk_test_3f…9a1c`.
    pub key_hint: String,
    pub created: String,
    pub revoked_at: Option<String>,
}

/// The SHA-256 of a key, as stored. Keys carry 192 random bits, so a plain hash
/// is enough to make a stolen database useless for calling the API.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The settings a new merchant starts with.
#[derive(Debug, Clone)]
pub struct NewMerchant {
    pub name: String,
    pub country: String,
    pub currency: String,
}

/// Creates a merchant with its tax rates (both modes) and one secret and one
/// publishable test key, plus live keys when `live` is set.
pub async fn create_merchant(
    db: &Db,
    new: &NewMerchant,
    live: bool,
) -> Result<(String, Vec<NewKey>), sqlx::Error> {
    let id = new_id(Kind::Merchant);
    let created = now();
    let today = &created[..10];
    let mut keys = Vec::new();
    let modes: &[bool] = if live { &[false, true] } else { &[false] };
    with_tx!(db, tx => {
        sqlx::query(
            "INSERT INTO merchants (id, name, country, default_currency, reporting_currency, \
             created) VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(&id)
        .bind(&new.name)
        .bind(&new.country)
        .bind(&new.currency)
        .bind(&created)
        .execute(&mut *tx)
        .await?;
        for livemode in [false, true] {
            for rate in seed_rates(today) {
                sqlx::query(
                    "INSERT INTO tax_rates (id, merchant_id, livemode, country, region, \
                     tax_category, percentage, name, created) \
                     VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8)",
                )
                .bind(new_id(Kind::TaxRate))
                .bind(&id)
                .bind(livemode)
                .bind(&rate.country)
                .bind(&rate.category)
                .bind(rate.percentage.normalize().to_string())
                .bind(format!("VAT {}%", rate.percentage.normalize()))
                .bind(&created)
                .execute(&mut *tx)
                .await?;
            }
        }
        for &livemode in modes {
            for kind in [KeyKind::Secret, KeyKind::Publishable] {
                let key = format!("{}{}", kind.prefix(livemode), random_token(24));
                let key_id = new_id(Kind::ApiKey);
                sqlx::query(
                    "INSERT INTO api_keys (id, merchant_id, livemode, kind, key_hash, key_hint, \
                     created) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&key_id)
                .bind(&id)
                .bind(livemode)
                .bind(kind.as_str())
                .bind(hash_key(&key))
                .bind(hint(&key))
                .bind(&created)
                .execute(&mut *tx)
                .await?;
                keys.push(NewKey { id: key_id, kind: kind.as_str(), livemode, key });
            }
        }
    });
    Ok((id, keys))
}

fn hint(key: &str) -> String {
    let head: String = key.chars().take(10).collect();
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{head}…{tail}")
}

/// Makes one more key for a merchant.
pub async fn create_key(
    db: &Db,
    merchant_id: &str,
    kind: KeyKind,
    livemode: bool,
) -> Result<NewKey, sqlx::Error> {
    let key = format!("{}{}", kind.prefix(livemode), random_token(24));
    let id = new_id(Kind::ApiKey);
    with_db!(db, pool => {
        sqlx::query(
            "INSERT INTO api_keys (id, merchant_id, livemode, kind, key_hash, key_hint, created) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(merchant_id)
        .bind(livemode)
        .bind(kind.as_str())
        .bind(hash_key(&key))
        .bind(hint(&key))
        .bind(now())
        .execute(pool)
        .await?;
    });
    Ok(NewKey {
        id,
        kind: kind.as_str(),
        livemode,
        key,
    })
}

/// Revokes a key by its id or by the key itself; `false` when none matched.
pub async fn revoke_key(db: &Db, id_or_key: &str) -> Result<bool, sqlx::Error> {
    let hash = hash_key(id_or_key);
    let done = with_db!(db, pool => sqlx::query(
        "UPDATE api_keys SET revoked_at = $1 WHERE (id = $2 OR key_hash = $3) AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(id_or_key)
    .bind(&hash)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(done > 0)
}

/// The keys of a merchant, newest first.
pub async fn list_keys(db: &Db, merchant_id: &str) -> Result<Vec<KeyInfo>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as::<_, KeyInfo>(
        "SELECT id, merchant_id, livemode, kind, key_hint, created, revoked_at FROM api_keys \
         WHERE merchant_id = $1 ORDER BY id DESC",
    )
    .bind(merchant_id)
    .fetch_all(pool)
    .await)
}

/// What the key grants, if it is known and not revoked.
pub async fn authenticate(db: &Db, key: &str) -> Result<Option<KeyGrant>, sqlx::Error> {
    let row: Option<(String, bool, String)> = with_db!(db, pool => sqlx::query_as(
        "SELECT merchant_id, livemode, kind FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
    )
    .bind(hash_key(key))
    .fetch_optional(pool)
    .await?);
    Ok(row.map(|(merchant_id, livemode, kind)| KeyGrant {
        scope: Scope {
            merchant_id,
            livemode,
        },
        kind: if kind == "secret" {
            KeyKind::Secret
        } else {
            KeyKind::Publishable
        },
    }))
}

/// The merchant as seen with a key of the given mode.
pub async fn get_merchant(db: &Db, scope: &Scope) -> Result<Option<Merchant>, sqlx::Error> {
    let row: Option<MerchantRow> = with_db!(db, pool => sqlx::query_as(
        "SELECT * FROM merchants WHERE id = $1",
    )
    .bind(&scope.merchant_id)
    .fetch_optional(pool)
    .await?);
    Ok(row.map(|r| r.into_wire(scope.livemode)))
}

/// Whether a merchant with this id exists.
pub async fn merchant_exists(db: &Db, merchant_id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<(String,)> = with_db!(db, pool => sqlx::query_as(
        "SELECT id FROM merchants WHERE id = $1",
    )
    .bind(merchant_id)
    .fetch_optional(pool)
    .await?);
    Ok(found.is_some())
}

/// Writes every field of the merchant back.
pub async fn save_merchant(db: &Db, m: &Merchant) -> Result<(), sqlx::Error> {
    with_db!(db, pool => sqlx::query(
        "UPDATE merchants SET name = $2, country = $3, default_currency = $4, \
         reporting_currency = $5, vat_number = $6, address = $7, timezone = $8, \
         invoice_prefix = $9, allowed_origins = $10 WHERE id = $1",
    )
    .bind(&m.id)
    .bind(&m.name)
    .bind(&m.country)
    .bind(&m.default_currency)
    .bind(&m.reporting_currency)
    .bind(&m.vat_number)
    .bind(json_text(&m.address))
    .bind(&m.timezone)
    .bind(&m.invoice_prefix)
    .bind(json_text(&m.allowed_origins))
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}

/// The merchant's name, read inside a transaction ("" when it is gone).
pub async fn name_tx(tx: &mut crate::db::Tx, merchant_id: &str) -> Result<String, sqlx::Error> {
    let row: Option<(String,)> = tx
        .fetch_optional(
            "SELECT name FROM merchants WHERE id = $1",
            &crate::args![merchant_id],
        )
        .await?;
    Ok(row.map_or_else(String::new, |(n,)| n))
}
