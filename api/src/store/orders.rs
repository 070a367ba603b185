//! Orders: how a subscription came about (API or checkout) and the signature
//! given for it.

use super::Scope;
use crate::args;
use crate::db::Tx;

/// A signature given at checkout.
#[derive(Debug, Clone)]
pub struct Signature {
    pub name: String,
    pub signed_at: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub terms_sha256: String,
}

/// An order to record.
#[derive(Debug, Clone, Copy)]
pub struct NewOrder<'a> {
    pub id: &'a str,
    pub customer_id: &'a str,
    pub subscription_id: &'a str,
    pub invoice_id: Option<&'a str>,
    pub plan_id: &'a str,
    /// `api` or `checkout`.
    pub source: &'a str,
    pub signature: Option<&'a Signature>,
    pub created: &'a str,
}

/// Records an order.
pub async fn insert(tx: &mut Tx, scope: &Scope, o: &NewOrder<'_>) -> Result<(), sqlx::Error> {
    let sig = o.signature;
    tx.execute(
        "INSERT INTO orders (id, merchant_id, livemode, customer_id, subscription_id, invoice_id, \
         plan_id, source, signature_name, signature_at, signature_ip, signature_user_agent, \
         terms_sha256, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        &args![
            o.id,
            &scope.merchant_id,
            scope.livemode,
            o.customer_id,
            o.subscription_id,
            o.invoice_id,
            o.plan_id,
            o.source,
            sig.map(|s| s.name.clone()),
            sig.map(|s| s.signed_at.clone()),
            sig.and_then(|s| s.ip.clone()),
            sig.and_then(|s| s.user_agent.clone()),
            sig.map(|s| s.terms_sha256.clone()),
            o.created
        ],
    )
    .await?;
    Ok(())
}
