//! Customers, merchant users (salespeople) and stored payment methods.

use serde::{Deserialize, Serialize};

use crate::Address;

/// Someone who buys from the merchant.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customer {
    pub id: String,
    /// Always `"customer"`.
    pub object: String,
    pub livemode: bool,
    pub email: String,
    pub name: Option<String>,
    pub company: Option<String>,
    pub vat_number: Option<String>,
    pub address: Address,
    /// BCP 47 language tag, e.g. `en` or `nl`.
    pub locale: String,
    pub pricelist: Option<String>,
    /// The merchant user (`usr_…`) responsible for this customer.
    pub salesperson: Option<String>,
    pub default_payment_method: Option<String>,
    pub created: String,
}

/// A new customer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    pub email: String,
    pub name: Option<String>,
    pub company: Option<String>,
    pub vat_number: Option<String>,
    pub address: Option<Address>,
    /// Default `en`.
    pub locale: Option<String>,
    pub pricelist: Option<String>,
    pub salesperson: Option<String>,
}

/// Changes to a customer; absent fields stay, `null` clears an optional one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomer {
    pub email: Option<String>,
    #[serde(default, with = "crate::nullable", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub name: Option<Option<String>>,
    #[serde(default, with = "crate::nullable", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub company: Option<Option<String>>,
    #[serde(default, with = "crate::nullable", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub vat_number: Option<Option<String>>,
    pub address: Option<Address>,
    pub locale: Option<String>,
    #[serde(default, with = "crate::nullable", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub pricelist: Option<Option<String>>,
    #[serde(default, with = "crate::nullable", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub salesperson: Option<Option<String>>,
}

/// A person working for the merchant, e.g. a salesperson.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: String,
    /// Always `"user"`.
    pub object: String,
    pub livemode: bool,
    pub name: String,
    pub email: String,
    pub active: bool,
    pub created: String,
}

/// A new merchant user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub name: String,
    pub email: String,
}

/// Changes to a merchant user.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub name: Option<String>,
    pub email: Option<String>,
    /// `false` deactivates the user (kept for history).
    pub active: Option<bool>,
}

/// A stored payment method. Only what a person needs to recognise it is kept;
/// the card itself lives with the payment provider.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentMethod {
    pub id: String,
    /// Always `"payment_method"`.
    pub object: String,
    pub livemode: bool,
    pub customer: String,
    /// `test` or `stripe`.
    pub provider: String,
    /// `visa`, `mastercard`, `amex`, …
    pub brand: String,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: u32,
    pub is_default: bool,
    pub created: String,
}
