//! The HTTP API: one module per resource, thin handlers over the store.

pub mod analytics;
pub mod answers;
pub mod checkout;
pub mod customers;
pub mod dashboard;
pub mod events;
pub mod extract;
pub mod health;
pub mod hosted;
pub mod invoice_pdf;
pub mod invoices;
pub mod ledger;
pub mod merchant;
pub mod middleware;
pub mod openapi;
pub mod payment_methods;
pub mod payments;
pub mod plans;
pub mod portal;
pub mod pricelists;
pub mod prices;
pub mod products;
pub mod public;
pub mod rate_limit;
pub mod refunds;
pub mod stripe_settings;
pub mod subscriptions;
pub mod tax_rates;
pub mod test_clock;
pub mod users;

use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// The payment provider: the built-in test provider by default.
    pub provider: crate::payments::Provider,
    /// Where live-mode VAT numbers are verified.
    pub vies: crate::vies::Vies,
    /// Answers of the public endpoints kept in memory.
    pub answers: Arc<answers::Answers>,
}

impl AppState {
    /// The state of a server on `db` with `config`.
    pub fn new(db: Db, config: Arc<Config>) -> Self {
        Self {
            provider: crate::payments::Provider::for_config(&config),
            vies: crate::vies::Vies::new(&config),
            answers: Arc::new(answers::Answers::new(config.answer_recheck)),
            db,
            config,
        }
    }
}

/// A validated, trimmed, non-empty string field of at most `max` characters.
pub fn required_text(
    param: &str,
    value: &str,
    max: usize,
) -> Result<String, crate::error::ApiError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(crate::error::ApiError::invalid(
            param,
            format!("'{param}' must not be empty"),
        ));
    }
    if trimmed.chars().count() > max {
        return Err(crate::error::ApiError::invalid(
            param,
            format!("'{param}' must be at most {max} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Like [`required_text`] for an optional field; blank becomes `None`.
pub fn optional_text(
    param: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, crate::error::ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => required_text(param, v, max).map(Some),
    }
}
