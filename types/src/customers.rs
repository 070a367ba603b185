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
    /// What VIES answered for `vat_number` (null without a number or an EU
    /// prefix). Reverse charge applies only to a `verified` number.
    #[serde(default)]
    pub vat_verification: Option<VatVerification>,
    pub address: Address,
    /// BCP 47 language tag, e.g. `en` or `nl`.
    pub locale: String,
    pub pricelist: Option<String>,
    /// The merchant user (`usr_…`) responsible for this customer.
    pub salesperson: Option<String>,
    pub default_payment_method: Option<String>,
    pub created: String,
}

/// The outcome of checking a VAT number with VIES, the EU's register; kept 30
/// days per number, merchant and mode.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VatVerification {
    pub status: VatVerificationStatus,
    /// When VIES was asked (RFC 3339).
    pub checked_at: String,
    /// VIES's consultation number, the proof of the check (live mode; absent
    /// when VIES could not be reached or gives none).
    pub consultation_number: Option<String>,
}

/// Whether a VAT number may be reverse-charged.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VatVerificationStatus {
    /// VIES confirmed the number is registered.
    Verified,
    /// VIES says the number is not registered: VAT is charged.
    Invalid,
    /// VIES could not be reached: VAT is charged, and it is asked again soon.
    Unverified,
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
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub name: Option<Option<String>>,
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub company: Option<Option<String>>,
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub vat_number: Option<Option<String>>,
    pub address: Option<Address>,
    pub locale: Option<String>,
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub pricelist: Option<Option<String>>,
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
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

/// A card typed into the test provider's form. Test mode only: live cards are
/// collected by Stripe.js Elements and never reach Renewly. `Debug` masks the
/// number and the CVC, and a mistyped value is never echoed in an error.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardDetails {
    /// 12 to 19 digits; spaces and dashes are ignored.
    #[serde(deserialize_with = "secret_digits::deserialize")]
    pub number: String,
    /// 1 to 12.
    pub exp_month: u32,
    /// Four digits, e.g. `2030`.
    pub exp_year: u32,
    /// 3 digits, 4 for American Express.
    #[serde(deserialize_with = "secret_digits::deserialize")]
    pub cvc: String,
}

impl std::fmt::Debug for CardDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardDetails")
            .field("number", &"[redacted]")
            .field("exp_month", &self.exp_month)
            .field("exp_year", &self.exp_year)
            .field("cvc", &"[redacted]")
            .finish()
    }
}

/// `POST /v1/customers/{id}/payment_methods`: attach a test card.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AttachPaymentMethod {
    /// A card for the test provider (test mode, merchants without Stripe).
    #[serde(default)]
    pub card: Option<CardDetails>,
    /// A payment method collected by Stripe.js (`pm_…`), for a merchant on Stripe.
    #[serde(default)]
    pub stripe_payment_method: Option<String>,
    /// Make it the customer's default. A customer's first payment method always is.
    #[serde(default)]
    pub default: bool,
}

/// Reads a secret digit string (card number, CVC) from a JSON string or number,
/// with errors that never repeat the value.
mod secret_digits {
    use serde::Deserializer;
    use serde::de::{Error, Visitor};

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(Digits)
    }

    struct Digits;

    impl Visitor<'_> for Digits {
        type Value = String;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string of digits")
        }

        fn visit_str<E: Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }

        fn visit_u64<E: Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }

        fn visit_i64<E: Error>(self, _: i64) -> Result<String, E> {
            Err(E::custom("expected a string of digits"))
        }

        fn visit_f64<E: Error>(self, _: f64) -> Result<String, E> {
            Err(E::custom("expected a string of digits"))
        }
    }
}

/// `POST /v1/customers/{id}/merge`: moves this customer's subscriptions,
/// invoices, orders, cards and history onto `into`, then deletes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MergeCustomer {
    /// The customer that stays (`cus_…`).
    pub into: String,
}

/// A SetupIntent for Stripe.js to collect a card for later charges.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupIntent {
    /// For `stripe.confirmSetup` in the browser.
    pub client_secret: String,
    /// The merchant mode's Stripe publishable key.
    pub publishable_key: String,
}

/// One charge attempt, through the test provider or Stripe.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    /// `pay_…`
    pub id: String,
    /// Always `"payment"`.
    pub object: String,
    /// The invoice paid (`inv_…`), when the charge pays one.
    pub invoice: Option<String>,
    /// Decimal string in the currency's units, e.g. `"35.09"`.
    pub amount: String,
    pub currency: String,
    /// `pending`, `succeeded`, `failed`, `requires_action` or `refunded` (in full).
    pub status: String,
    /// `test` or `stripe`.
    pub provider: String,
    /// The provider's id of the charge (`pi_…` at Stripe); empty while pending.
    pub provider_reference: String,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    pub payment_method: String,
    pub created: String,
}
