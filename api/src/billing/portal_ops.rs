//! Billing operations only the customer portal needs.

use renewly_types::Subscription;

use super::{BillingError, post, present};
use crate::db::{Db, Tx};
use crate::domain::subscription::Status;
use crate::store::billing as bstore;
use crate::store::{Scope, subscriptions};

/// Withdraws a cancellation scheduled for the period end: the subscription renews
/// again as before. Nothing scheduled: the subscription is returned unchanged (a
/// repeated request is harmless); already closed: 409.
pub async fn undo_cancel(
    db: &Db,
    scope: &Scope,
    sub_id: &str,
) -> Result<Subscription, BillingError> {
    let not_found = || BillingError::NotFound {
        resource: "subscription",
        id: sub_id.to_owned(),
    };
    let row = bstore::subscription_row(db, scope, sub_id)
        .await?
        .ok_or_else(not_found)?;
    if row.state == Status::Closed {
        return Err(BillingError::Conflict {
            code: "subscription_closed",
            detail: "The subscription is already closed".to_owned(),
        });
    }
    if row.cancel_at.is_some() {
        let mut tx = Tx::begin(db).await?;
        // Conditional on the state read: a renewal that closed it meanwhile wins.
        let changed = subscriptions::unschedule_cancel(&mut tx, sub_id).await?;
        if changed {
            post::event(
                &mut tx,
                scope,
                "subscription.cancel_unscheduled",
                sub_id,
                &serde_json::json!({"was_cancel_at": row.cancel_at, "reason": row.close_reason}),
            )
            .await?;
        }
        tx.commit().await?;
        if !changed {
            let fresh = bstore::subscription_row(db, scope, sub_id)
                .await?
                .ok_or_else(not_found)?;
            if fresh.state == Status::Closed {
                return Err(BillingError::Conflict {
                    code: "subscription_closed",
                    detail: "The subscription is already closed".to_owned(),
                });
            }
        }
    }
    present::get_subscription(db, scope, sub_id)
        .await?
        .ok_or_else(not_found)
}
