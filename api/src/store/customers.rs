//! Customers: the people and companies who buy from a merchant.

use renewly_types::{Address, Customer};

use super::{Page, Scope, from_json_text, json_text};
use crate::args;
use crate::db::{Db, Lock, Tx};
use crate::ids::{Kind, new_id};
use crate::with_db;

#[derive(sqlx::FromRow)]
struct CustomerRow {
    id: String,
    livemode: bool,
    email: String,
    name: Option<String>,
    company: Option<String>,
    vat_number: Option<String>,
    address: String,
    locale: String,
    pricelist_id: Option<String>,
    salesperson_id: Option<String>,
    default_payment_method: Option<String>,
    created: String,
    vat_status: Option<String>,
    vat_checked_at: Option<String>,
    vat_consultation_number: Option<String>,
}

/// The customer's columns and the cached VIES answer for its VAT number.
macro_rules! select_customer {
    () => {
        "SELECT c.*, v.status AS vat_status, v.checked_at AS vat_checked_at, \
     v.consultation_number AS vat_consultation_number FROM customers c \
     LEFT JOIN vat_verifications v ON v.merchant_id = c.merchant_id \
     AND v.livemode = c.livemode AND v.vat_number = c.vat_number "
    };
}

impl From<CustomerRow> for Customer {
    fn from(r: CustomerRow) -> Self {
        Self {
            id: r.id,
            object: "customer".to_owned(),
            livemode: r.livemode,
            email: r.email,
            name: r.name,
            company: r.company,
            vat_verification: r.vat_number.as_ref().and_then(|_| {
                super::vat::verification(r.vat_status, r.vat_checked_at, r.vat_consultation_number)
            }),
            vat_number: r.vat_number,
            address: from_json_text::<Address>(&r.address),
            locale: r.locale,
            pricelist: r.pricelist_id,
            salesperson: r.salesperson_id,
            default_payment_method: r.default_payment_method,
            created: r.created,
        }
    }
}

/// Inserts a new customer.
pub async fn insert_customer(db: &Db, scope: &Scope, c: &Customer) -> Result<(), sqlx::Error> {
    with_db!(db, pool => sqlx::query(
        "INSERT INTO customers (id, merchant_id, livemode, email, name, company, vat_number, \
         address, locale, pricelist_id, salesperson_id, default_payment_method, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&c.id)
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .bind(&c.email)
    .bind(&c.name)
    .bind(&c.company)
    .bind(&c.vat_number)
    .bind(json_text(&c.address))
    .bind(&c.locale)
    .bind(&c.pricelist)
    .bind(&c.salesperson)
    .bind(&c.default_payment_method)
    .bind(&c.created)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}

/// Writes the changeable fields of a customer back. The default payment method
/// is changed only through [`super::payment_methods`].
pub async fn update_customer(db: &Db, scope: &Scope, c: &Customer) -> Result<(), sqlx::Error> {
    with_db!(db, pool => sqlx::query(
        "UPDATE customers SET email = $4, name = $5, company = $6, vat_number = $7, \
         address = $8, locale = $9, pricelist_id = $10, salesperson_id = $11 \
         WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
    )
    .bind(&c.id)
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .bind(&c.email)
    .bind(&c.name)
    .bind(&c.company)
    .bind(&c.vat_number)
    .bind(json_text(&c.address))
    .bind(&c.locale)
    .bind(&c.pricelist)
    .bind(&c.salesperson)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}

/// One customer of this merchant and mode.
pub async fn get_customer(
    db: &Db,
    scope: &Scope,
    id: &str,
) -> Result<Option<Customer>, sqlx::Error> {
    let row: Option<CustomerRow> = with_db!(db, pool => sqlx::query_as(concat!(
        select_customer!(),
        "WHERE c.id = $1 AND c.merchant_id = $2 AND c.livemode = $3"
    ))
    .bind(id)
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .fetch_optional(pool)
    .await?);
    Ok(row.map(Customer::from))
}

/// A page of customers, newest first, optionally only those with this e-mail
/// address (compared case-insensitively).
pub async fn list_customers(
    db: &Db,
    scope: &Scope,
    email: Option<&str>,
    page: &Page,
) -> Result<(Vec<Customer>, bool), sqlx::Error> {
    let rows: Vec<CustomerRow> = with_db!(db, pool => sqlx::query_as(concat!(
        select_customer!(),
        "WHERE c.merchant_id = $1 AND c.livemode = $2 AND c.id < $3 \
         AND ($4 = 0 OR LOWER(c.email) = LOWER($5)) ORDER BY c.id DESC LIMIT $6"
    ))
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .bind(page.cursor())
    .bind(i64::from(email.is_some()))
    .bind(email.unwrap_or_default())
    .bind(page.fetch())
    .fetch_all(pool)
    .await?);
    Ok(page.finish(rows.into_iter().map(Customer::from).collect()))
}

/// Whether a pricelist with this id exists for this merchant and mode.
pub async fn pricelist_exists(db: &Db, scope: &Scope, id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<(String,)> = with_db!(db, pool => sqlx::query_as(
        "SELECT id FROM pricelists WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
    )
    .bind(id)
    .bind(&scope.merchant_id)
    .bind(scope.livemode)
    .fetch_optional(pool)
    .await?);
    Ok(found.is_some())
}

/// Who a message to a customer goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: String,
    pub email: String,
    pub locale: String,
    /// The name, else the company.
    pub name: Option<String>,
}

/// id, email, locale, name, company.
type ContactRow = (String, String, String, Option<String>, Option<String>);

/// A customer's contact details, read inside a transaction.
pub async fn contact_tx(tx: &mut crate::db::Tx, id: &str) -> Result<Option<Contact>, sqlx::Error> {
    let row: Option<ContactRow> = tx
        .fetch_optional(
            "SELECT id, email, locale, name, company FROM customers WHERE id = $1",
            &crate::args![id],
        )
        .await?;
    Ok(row.map(|(id, email, locale, name, company)| Contact {
        id,
        email,
        locale,
        name: name.or(company),
    }))
}

/// What a merge moved from one customer to another.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Merged {
    pub subscriptions: u64,
    pub invoices: u64,
    pub payment_methods: u64,
    pub orders: u64,
}

/// Moves everything of customer `from` onto customer `into` (both of this scope)
/// in one transaction, then deletes `from`: subscriptions, invoices, orders,
/// payment methods, MRR history and queued e-mails change owner; `from`'s portal
/// links are revoked (they were handed out for the other record); `into` keeps its
/// own details and takes `from`'s default card only when it has none. Issued
/// documents keep the billing details they were issued with. Returns `None` when
/// either customer is not in the scope.
pub async fn merge_customers(
    db: &Db,
    scope: &Scope,
    from: &str,
    into: &str,
) -> Result<Option<Merged>, sqlx::Error> {
    let mut tx = Tx::begin(db).await?;
    // Both rows are locked, so two merges of the same customers run one after the other.
    let found: Vec<(String, Option<String>)> = tx
        .fetch_all_locked(
            "SELECT id, default_payment_method FROM customers \
             WHERE merchant_id = $1 AND livemode = $2 AND id IN ($3, $4) ORDER BY id",
            Lock::Update,
            &args![&scope.merchant_id, scope.livemode, from, into],
        )
        .await?;
    let default_of = |id: &str| found.iter().find(|(c, _)| c == id).map(|(_, d)| d.clone());
    let (Some(from_default), Some(into_default)) = (default_of(from), default_of(into)) else {
        return Ok(None);
    };
    let merged = move_records(&mut tx, scope, from, into).await?;
    let at = super::now();
    tx.execute(
        "UPDATE portal_sessions SET customer_id = $1, revoked_at = COALESCE(revoked_at, $5) \
         WHERE customer_id = $2 AND merchant_id = $3 AND livemode = $4",
        &args![into, from, &scope.merchant_id, scope.livemode, &at],
    )
    .await?;
    if into_default.is_none() && from_default.is_some() {
        tx.execute(
            "UPDATE customers SET default_payment_method = $1 \
             WHERE id = $2 AND merchant_id = $3 AND livemode = $4",
            &args![from_default, into, &scope.merchant_id, scope.livemode],
        )
        .await?;
    }
    tx.execute(
        "DELETE FROM customers WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
        &args![from, &scope.merchant_id, scope.livemode],
    )
    .await?;
    let data = serde_json::json!({"id": into, "merged": from, "moved": &merged});
    tx.execute(
        "INSERT INTO events (id, merchant_id, livemode, type, object_id, data, created) \
         VALUES ($1, $2, $3, 'customer.merged', $4, $5, $6)",
        &args![
            new_id(Kind::Event),
            &scope.merchant_id,
            scope.livemode,
            into,
            data.to_string(),
            &at
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(Some(merged))
}

/// Moves the rows of `from` to `into`, table by table, in the caller's
/// transaction; counts what a merchant would recognise.
async fn move_records(
    tx: &mut Tx,
    scope: &Scope,
    from: &str,
    into: &str,
) -> Result<Merged, sqlx::Error> {
    let owned = args![into, from, &scope.merchant_id, scope.livemode];
    let mut moved = [0_u64; 6];
    let statements = [
        "UPDATE subscriptions SET customer_id = $1 \
         WHERE customer_id = $2 AND merchant_id = $3 AND livemode = $4",
        "UPDATE invoices SET customer_id = $1 \
         WHERE customer_id = $2 AND merchant_id = $3 AND livemode = $4",
        "UPDATE payment_methods SET customer_id = $1 \
         WHERE customer_id = $2 AND merchant_id = $3 AND livemode = $4",
        "UPDATE orders SET customer_id = $1 \
         WHERE customer_id = $2 AND merchant_id = $3 AND livemode = $4",
        "UPDATE mrr_events SET customer_id = $1 \
         WHERE customer_id = $2 AND merchant_id = $3 AND livemode = $4",
        "UPDATE outbox SET customer_id = $1 \
         WHERE customer_id = $2 AND merchant_id = $3 AND livemode = $4",
    ];
    for (count, sql) in moved.iter_mut().zip(statements) {
        *count = tx.execute(sql, &owned).await?;
    }
    Ok(Merged {
        subscriptions: moved[0],
        invoices: moved[1],
        payment_methods: moved[2],
        orders: moved[3],
    })
}
