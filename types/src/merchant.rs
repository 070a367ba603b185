//! The merchant account.

use serde::{Deserialize, Serialize};

use crate::Address;

/// The merchant that owns the API key in use.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Merchant {
    pub id: String,
    /// Always `"merchant"`.
    pub object: String,
    /// Whether the key in use is a live key.
    pub livemode: bool,
    pub name: String,
    /// ISO 3166-1 alpha-2 country of establishment; decides reverse charge.
    pub country: String,
    /// ISO 4217 currency of new prices when none is given.
    pub default_currency: String,
    /// ISO 4217 currency analytics are reported in.
    pub reporting_currency: String,
    pub vat_number: Option<String>,
    pub address: Address,
    /// IANA time zone, e.g. `Europe/Amsterdam`.
    pub timezone: String,
    /// Prefix of invoice numbers, e.g. `INV` gives `INV/2027/00001`.
    pub invoice_prefix: String,
    /// Origins (`https://shop.example.com`) allowed to call the public API from a
    /// browser, i.e. to embed the widget. Empty: any origin.
    pub allowed_origins: Vec<String>,
    /// Test mode only: the addresses test-mode e-mail may go to over SMTP; every
    /// other test-mode message is written to the outbox folder instead. Always
    /// empty in live mode.
    #[serde(default)]
    pub test_email_recipients: Vec<String>,
    pub created: String,
}

/// Changes to the merchant; absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateMerchant {
    pub name: Option<String>,
    pub country: Option<String>,
    pub default_currency: Option<String>,
    pub reporting_currency: Option<String>,
    /// The prefix, format and check digits of the merchant's country (checked
    /// again when the country changes); `null` clears it.
    #[serde(default, with = "crate::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub vat_number: Option<Option<String>>,
    pub address: Option<Address>,
    pub timezone: Option<String>,
    pub invoice_prefix: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    /// Test mode only (with a test key): replaces the list of addresses that
    /// test-mode e-mail may be sent to over SMTP.
    pub test_email_recipients: Option<Vec<String>>,
}
