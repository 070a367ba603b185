//! A new e-mail address asked for in the portal: kept pending, and applied only
//! when the customer follows the link sent to that address (so a portal link
//! that leaked cannot move the account to someone else's mailbox).

use std::time::Duration;

use renewly_types::Customer;

use super::Portal;
use crate::config::Limit;
use crate::db::Tx;
use crate::error::ApiError;
use crate::http::AppState;
use crate::mail::templates::EmailConfirmation;
use crate::mail::{self, NewMessage, Recipient};
use crate::store::{merchants, portal as pstore};

/// How long the confirmation link works.
pub const VALID_FOR: Duration = Duration::from_secs(24 * 3600);

/// Records the change and queues the confirmation for `new_email`, in one
/// transaction; 429 when the address (or this customer) asked too often, which
/// says nothing about whether the address belongs to anyone.
pub async fn ask(
    state: &AppState,
    portal: &Portal,
    customer: &Customer,
    new_email: &str,
) -> Result<(), ApiError> {
    if let Limit::Every { count, period } = state.config.rate_limits.email_change {
        let period = chrono::Duration::from_std(period).unwrap_or(chrono::Duration::hours(1));
        let since =
            (chrono::Utc::now() - period).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let asked =
            pstore::email_changes_since(&state.db, &portal.scope, new_email, &customer.id, &since)
                .await?;
        if asked >= i64::from(count) {
            return Err(ApiError::RateLimited);
        }
    }
    let merchant = merchants::get_merchant(&state.db, &portal.scope)
        .await?
        .ok_or_else(|| ApiError::not_found("merchant", portal.scope.merchant_id.clone()))?;
    let every_record = portal
        .proven_email
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case(&customer.email));
    let mut tx = Tx::begin(&state.db).await?;
    let id = pstore::insert_email_change(
        &mut tx,
        &portal.scope,
        &pstore::NewEmailChange {
            customer_id: &customer.id,
            old_email: &customer.email,
            new_email,
            every_record,
            ttl: VALID_FOR,
        },
    )
    .await?;
    let facts = EmailConfirmation {
        merchant_name: merchant.name,
        customer_name: customer.name.clone(),
        new_email: new_email.to_owned(),
        url: mail::email_change_link(&id),
        valid_hours: u32::try_from(VALID_FOR.as_secs() / 3600).unwrap_or(24),
    };
    let to = Recipient::new(new_email, customer.locale.clone());
    let msg = NewMessage::email_confirmation(&portal.scope, &to, &facts).for_customer(&customer.id);
    mail::enqueue(&mut tx, &msg).await?;
    tx.commit().await?;
    Ok(())
}
