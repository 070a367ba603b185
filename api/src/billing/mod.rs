//! The billing engine: subscriptions, invoice posting, payments, MRR movements,
//! renewals, dunning and the test clock.
//!
//! Every change is written in one database transaction together with its ledger
//! lines, MRR event and event record. Charges go to the payment provider outside
//! the transaction, with the invoice id as idempotency key, so that a retry (or a
//! second worker) never charges twice.

pub mod change;
pub mod clock;
pub mod engine;
pub mod notify;
pub mod portal_ops;
pub mod post;
pub mod present;
pub mod pricing;
pub mod worker;

use crate::error::ApiError;
use crate::payments::ChargeError;

/// Why a billing operation did not happen. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error("{detail}")]
    Invalid { param: String, detail: String },
    #[error("No such {resource}: '{id}'")]
    NotFound { resource: &'static str, id: String },
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// A conditional change found the row no longer in the state it was read in:
    /// another request or the worker changed it meanwhile.
    #[error("The {resource} '{id}' was changed meanwhile")]
    LostRace { resource: &'static str, id: String },
    #[error("{detail}")]
    PaymentFailed { code: &'static str, detail: String },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Charge(#[from] ChargeError),
}

impl BillingError {
    /// A field the request got wrong.
    pub fn invalid(param: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Invalid {
            param: param.into(),
            detail: detail.into(),
        }
    }
}

impl From<BillingError> for ApiError {
    fn from(e: BillingError) -> Self {
        match e {
            BillingError::Invalid { param, detail } => ApiError::invalid(param, detail),
            BillingError::NotFound { resource, id } => ApiError::not_found(resource, id),
            BillingError::Conflict { code, detail } => ApiError::Conflict {
                code,
                detail,
                param: None,
            },
            BillingError::LostRace { resource, id } => ApiError::Conflict {
                code: "concurrent_change",
                detail: format!(
                    "The {resource} '{id}' was changed by another request meanwhile; \
                     read it again and retry"
                ),
                param: None,
            },
            BillingError::PaymentFailed { code, detail } => ApiError::Card {
                code,
                detail,
                param: Some("payment_method".to_owned()),
            },
            BillingError::Db(e) => ApiError::from(e),
            BillingError::Charge(ChargeError::Provider(e)) => ApiError::from(e),
            BillingError::Charge(e) => ApiError::Internal(e.into()),
        }
    }
}

/// The stable code of a provider's failure code, for problem documents.
pub fn failure_code(raw: Option<&str>) -> &'static str {
    match raw {
        Some("insufficient_funds") => "insufficient_funds",
        Some("expired_card") => "expired_card",
        Some("incorrect_number") => "incorrect_number",
        Some("lost_card") => "lost_card",
        Some("stolen_card") => "stolen_card",
        Some("authentication_required") => "authentication_required",
        Some("processing_error") => "processing_error",
        _ => "card_declined",
    }
}

/// Whether a decline is hard: retrying the same card cannot succeed, so dunning
/// waits for a new payment method.
pub fn is_hard_decline(code: Option<&str>) -> bool {
    matches!(
        code,
        Some(
            "expired_card"
                | "incorrect_number"
                | "lost_card"
                | "stolen_card"
                | "pickup_card"
                | "invalid_account"
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_declines_are_retried_and_hard_ones_wait_for_a_new_card() {
        assert!(!is_hard_decline(Some("card_declined")));
        assert!(!is_hard_decline(Some("insufficient_funds")));
        assert!(is_hard_decline(Some("expired_card")));
        assert!(is_hard_decline(Some("stolen_card")));
        assert_eq!(failure_code(Some("something_new")), "card_declined");
    }
}
