//! Merchants and their API keys.
//!
//! Every setting a merchant changes is per mode: the `merchants` row holds live
//! mode's, `merchant_test_settings` test mode's (a copy when it is made). A key
//! reads and writes only its own mode's settings, so a test key, which is often
//! shared with developers and CI, never changes what live invoices, e-mails or
//! the live widget's CORS use.

use renewly_types::{Address, Merchant};
use sha2::{Digest, Sha256};

use super::{Scope, from_json_text, json_text, now};
use crate::args;
use crate::db::{Db, Tx};
use crate::domain::tax::seed_rates;
use crate::ids::{Kind, new_id, random_token};

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
    test_email_recipients: String,
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
            test_email_recipients: from_json_text(&self.test_email_recipients),
            stripe: None,
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
    /// The kind of a stored key: only `secret` grants everything.
    pub fn from_stored(raw: &str) -> Self {
        if raw == "secret" {
            Self::Secret
        } else {
            Self::Publishable
        }
    }

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
    let mut tx = Tx::begin(db).await?;
    tx.execute(
        "INSERT INTO merchants (id, name, country, default_currency, reporting_currency, \
         created) VALUES ($1, $2, $3, $4, $4, $5)",
        &args![&id, &new.name, &new.country, &new.currency, &created],
    )
    .await?;
    tx.execute(
        "INSERT INTO merchant_test_settings (merchant_id, name, country, default_currency, \
         reporting_currency, vat_number, address, timezone, invoice_prefix, allowed_origins) \
         SELECT id, name, country, default_currency, reporting_currency, vat_number, address, \
         timezone, invoice_prefix, allowed_origins FROM merchants WHERE id = $1",
        &args![&id],
    )
    .await?;
    for livemode in [false, true] {
        for rate in seed_rates(today) {
            tx.execute(
                "INSERT INTO tax_rates (id, merchant_id, livemode, country, region, \
                 tax_category, percentage, name, created) \
                 VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8)",
                &args![
                    new_id(Kind::TaxRate),
                    &id,
                    livemode,
                    &rate.country,
                    &rate.category,
                    rate.percentage.normalize().to_string(),
                    format!("VAT {}%", rate.percentage.normalize()),
                    &created
                ],
            )
            .await?;
        }
    }
    for &livemode in modes {
        for kind in [KeyKind::Secret, KeyKind::Publishable] {
            let key = format!("{}{}", kind.prefix(livemode), random_token(24));
            let key_id = new_id(Kind::ApiKey);
            tx.execute(
                "INSERT INTO api_keys (id, merchant_id, livemode, kind, key_hash, key_hint, \
                 created) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &args![
                    &key_id,
                    &id,
                    livemode,
                    kind.as_str(),
                    hash_key(&key),
                    hint(&key),
                    &created
                ],
            )
            .await?;
            keys.push(NewKey {
                id: key_id,
                kind: kind.as_str(),
                livemode,
                key,
            });
        }
    }
    tx.commit().await?;
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
    db.execute(
        "INSERT INTO api_keys (id, merchant_id, livemode, kind, key_hash, key_hint, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &args![
            &id,
            merchant_id,
            livemode,
            kind.as_str(),
            hash_key(&key),
            hint(&key),
            now()
        ],
    )
    .await?;
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
    let done = db
        .execute(
            "UPDATE api_keys SET revoked_at = $1 WHERE (id = $2 OR key_hash = $3) \
             AND revoked_at IS NULL",
            &args![now(), id_or_key, &hash],
        )
        .await?;
    Ok(done > 0)
}

/// The keys of a merchant, newest first.
pub async fn list_keys(db: &Db, merchant_id: &str) -> Result<Vec<KeyInfo>, sqlx::Error> {
    db.fetch_all(
        "SELECT id, merchant_id, livemode, kind, key_hint, created, revoked_at FROM api_keys \
         WHERE merchant_id = $1 ORDER BY id DESC",
        &args![merchant_id],
    )
    .await
}

/// What the key grants, if it is known and not revoked.
pub async fn authenticate(db: &Db, key: &str) -> Result<Option<KeyGrant>, sqlx::Error> {
    let row: Option<(String, bool, String)> = db
        .fetch_optional(
            "SELECT merchant_id, livemode, kind FROM api_keys \
             WHERE key_hash = $1 AND revoked_at IS NULL",
            &args![hash_key(key)],
        )
        .await?;
    Ok(row.map(|(merchant_id, livemode, kind)| KeyGrant {
        scope: Scope {
            merchant_id,
            livemode,
        },
        kind: KeyKind::from_stored(&kind),
    }))
}

/// The merchant as seen with a key of the given mode: its id and creation
/// time, with that mode's settings.
pub async fn get_merchant(db: &Db, scope: &Scope) -> Result<Option<Merchant>, sqlx::Error> {
    let sql = if scope.livemode {
        "SELECT id, name, country, default_currency, reporting_currency, vat_number, address, \
         timezone, invoice_prefix, allowed_origins, '[]' AS test_email_recipients, created \
         FROM merchants WHERE id = $1"
    } else {
        "SELECT m.id, t.name, t.country, t.default_currency, t.reporting_currency, \
         t.vat_number, t.address, t.timezone, t.invoice_prefix, t.allowed_origins, \
         t.test_email_recipients, m.created \
         FROM merchants m JOIN merchant_test_settings t ON t.merchant_id = m.id WHERE m.id = $1"
    };
    let row: Option<MerchantRow> = db.fetch_optional(sql, &args![&scope.merchant_id]).await?;
    Ok(row.map(|r| r.into_wire(scope.livemode)))
}

/// Whether a merchant with this id exists.
pub async fn merchant_exists(db: &Db, merchant_id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<(String,)> = db
        .fetch_optional(
            "SELECT id FROM merchants WHERE id = $1",
            &args![merchant_id],
        )
        .await?;
    Ok(found.is_some())
}

/// Writes every setting of the merchant back, for the scope's mode only.
pub async fn save_merchant(db: &Db, scope: &Scope, m: &Merchant) -> Result<(), sqlx::Error> {
    let sql = if scope.livemode {
        "UPDATE merchants SET name = $2, country = $3, default_currency = $4, \
         reporting_currency = $5, vat_number = $6, address = $7, timezone = $8, \
         invoice_prefix = $9, allowed_origins = $10 WHERE id = $1"
    } else {
        "UPDATE merchant_test_settings SET name = $2, country = $3, default_currency = $4, \
         reporting_currency = $5, vat_number = $6, address = $7, timezone = $8, \
         invoice_prefix = $9, allowed_origins = $10, test_email_recipients = $11 \
         WHERE merchant_id = $1"
    };
    let all = args![
        &scope.merchant_id,
        &m.name,
        &m.country,
        &m.default_currency,
        &m.reporting_currency,
        &m.vat_number,
        json_text(&m.address),
        &m.timezone,
        &m.invoice_prefix,
        json_text(&m.allowed_origins),
        json_text(&m.test_email_recipients)
    ];
    // Live mode has no recipients list: its statement binds one value less.
    let used = if scope.livemode { 10 } else { all.len() };
    db.execute(sql, &all[..used]).await?;
    super::versions::bump(db, scope).await
}

/// The merchant's name in the scope's mode, read inside a transaction ("" when
/// it is gone).
pub async fn name_tx(tx: &mut crate::db::Tx, scope: &Scope) -> Result<String, sqlx::Error> {
    let sql = if scope.livemode {
        "SELECT name FROM merchants WHERE id = $1"
    } else {
        "SELECT name FROM merchant_test_settings WHERE merchant_id = $1"
    };
    let row: Option<(String,)> = tx
        .fetch_optional(sql, &crate::args![&scope.merchant_id])
        .await?;
    Ok(row.map_or_else(String::new, |(n,)| n))
}
