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
    /// Stripe as this mode's payment provider, when set (never a secret).
    #[serde(default)]
    pub stripe: Option<MerchantStripe>,
    pub created: String,
}

/// What is shown of a mode's Stripe settings: never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MerchantStripe {
    /// `pk_test_…` or `pk_live_…`.
    pub publishable_key: String,
    /// The last four characters of the secret key, to tell which one is set.
    pub secret_key_last4: String,
    /// Whether a webhook signing secret is set.
    pub webhook_secret_set: bool,
    /// Where Stripe should send this merchant's events.
    pub webhook_url: String,
}

/// A mode's Stripe keys, as the merchant sets them. `Debug` shows no secret.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StripeKeys {
    /// `sk_test_…` with a test key, `sk_live_…` with a live key (or a restricted
    /// `rk_…` key of the same mode).
    pub secret_key: String,
    /// `pk_test_…` or `pk_live_…`, of the same mode.
    pub publishable_key: String,
    /// `whsec_…`: the signing secret of the webhook endpoint registered at Stripe.
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

impl std::fmt::Debug for StripeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeKeys")
            .field("secret_key", &"[redacted]")
            .field("publishable_key", &self.publishable_key)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
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
    /// Stripe keys for the mode of the key in use; `null` removes them (back to
    /// the test provider in test mode, no provider in live mode).
    #[serde(default, with = "crate::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<StripeKeys>))]
    pub stripe: Option<Option<StripeKeys>>,
}
