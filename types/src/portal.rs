//! The customer portal: the sessions a merchant hands out, and what a customer
//! sees and may do with a portal token (`/v1/portal/{token}/…`).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{
    Address, CardDetails, ChangePreview, CloseReason, CustomerRights, Invoice, PaymentMethod,
    Price, Product, Recurring, SubscriptionStatus,
};

/// `POST /v1/customers/{id}/portal_sessions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePortalSession {
    /// How long the link works, 1 to 720 hours. Default: the server's setting
    /// (`RENEWLY_PORTAL_SESSION_HOURS`, 24 unless changed).
    #[serde(default)]
    pub expires_in_hours: Option<u32>,
}

/// A portal session: a link that lets one customer manage their subscriptions
/// without an account. The token is shown once, when the session is created;
/// only its hash is stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalSession {
    /// `ps_…`
    pub id: String,
    /// Always `"portal_session"`.
    pub object: String,
    pub livemode: bool,
    pub customer: String,
    /// The hosted portal page (`…/portal/{token}`); only when just created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The token for `/v1/portal/{token}/…` and `<renewly-portal token="…">`;
    /// only when just created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub created: String,
    /// RFC 3339; the link stops working then.
    pub expires_at: String,
    pub revoked_at: Option<String>,
}

/// `POST /v1/public/portal/link`: e-mail me a sign-in link.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PortalLinkRequest {
    pub email: String,
}

/// The answer to a link request: the same whether or not the address is known,
/// so that it tells nobody who is a customer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalLink {
    /// Always `"portal_link"`.
    pub object: String,
    /// Always `true`: a link is on its way if the address belongs to a customer.
    pub sent: bool,
}

/// The merchant, as the portal shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalMerchant {
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

/// The customer's contact details and billing address.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalCustomer {
    /// `cus_…`
    pub id: String,
    /// Always `"customer"`.
    pub object: String,
    pub email: String,
    pub name: Option<String>,
    pub company: Option<String>,
    pub vat_number: Option<String>,
    pub address: Address,
    /// BCP 47 language tag, e.g. `en` or `nl`.
    pub locale: String,
    pub default_payment_method: Option<PaymentMethod>,
    /// A new address the customer asked for: it replaces `email` once the link
    /// e-mailed to it is followed.
    #[serde(default)]
    pub pending_email: Option<String>,
}

/// `PATCH /v1/portal/{token}/customer`: absent fields stay, `null` clears an
/// optional one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdatePortalCustomer {
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
    /// Replaces the whole billing address.
    pub address: Option<Address>,
    pub locale: Option<String>,
}

/// One line of a subscription, with its product's name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalItem {
    pub id: String,
    pub price: String,
    pub product: String,
    pub product_name: String,
    pub description: String,
    pub quantity: u32,
    /// Per unit, before discount and tax.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub unit_amount: Decimal,
    /// Discount per unit.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub discount: Decimal,
    pub addon: bool,
}

/// What one period costs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalAmount {
    pub currency: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub subtotal: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tax: Decimal,
    /// Subtotal plus tax.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub total: Decimal,
}

/// A plan as the portal offers it: the prices and add-ons the customer may pick
/// and the close reasons (with their retention offers) to ask when cancelling.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalPlan {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub currency: String,
    /// Recurring prices on the subscription's schedule.
    pub prices: Vec<Price>,
    /// Recurring add-ons on the subscription's schedule.
    pub addons: Vec<Price>,
    /// The products of the prices above, each once.
    pub products: Vec<Product>,
    pub close_reasons: Vec<CloseReason>,
}

/// A downgrade waiting for the next renewal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalScheduledChange {
    pub plan: String,
    pub plan_name: String,
    /// `YYYY-MM-DD`
    pub effective_date: Option<String>,
    pub items: Vec<PortalItem>,
}

/// A subscription as its customer sees it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalSubscription {
    /// `sub_…`
    pub id: String,
    /// Always `"subscription"`.
    pub object: String,
    pub livemode: bool,
    pub status: SubscriptionStatus,
    pub plan: PortalPlan,
    /// What the plan lets the customer do without asking.
    pub rights: CustomerRights,
    pub currency: String,
    pub recurring: Recurring,
    pub items: Vec<PortalItem>,
    pub start_date: String,
    pub current_period_start: String,
    pub current_period_end: String,
    pub next_invoice_date: Option<String>,
    pub trial_end: Option<String>,
    /// The recurring lines of one period, tax included.
    pub amount_per_period: PortalAmount,
    /// `charge_automatically` or `send_invoice`.
    pub payment_mode: String,
    /// The card charged for it (the customer's default unless one is set).
    pub payment_method: Option<PaymentMethod>,
    /// A scheduled close date (`YYYY-MM-DD`): cancelled at period end.
    pub cancel_at: Option<String>,
    pub close_reason: Option<String>,
    pub closed_at: Option<String>,
    /// When a paused subscription was paused (`YYYY-MM-DD`); it stays paused,
    /// and is not invoiced, until it is resumed.
    pub paused_at: Option<String>,
    pub scheduled_change: Option<PortalScheduledChange>,
    /// Other published plans on the same schedule and currency that the customer
    /// may switch to (empty when the plan allows no changes).
    pub other_plans: Vec<PortalPlan>,
}

/// `GET /v1/portal/{token}`: everything the portal's first screen shows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalOverview {
    /// Always `"portal"`.
    pub object: String,
    pub livemode: bool,
    pub merchant: PortalMerchant,
    pub customer: PortalCustomer,
    /// Newest first, closed ones included.
    pub subscriptions: Vec<PortalSubscription>,
    /// When this portal link stops working (RFC 3339).
    pub expires_at: String,
}

/// A change, previewed or made, from the portal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalChangeResult {
    pub preview: ChangePreview,
    /// Whether the change was made (`false` for a preview).
    pub applied: bool,
    pub subscription: PortalSubscription,
    /// The proration invoice, when one was charged.
    pub invoice: Option<Invoice>,
}

/// `POST /v1/portal/{token}/subscriptions/{id}/cancel`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PortalCancel {
    /// One of the plan's close reasons, by name or `cr_…` id (free text when the
    /// plan lists none).
    pub reason: String,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A cancellation scheduled from the portal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalCancellation {
    /// Always `"portal_cancellation"`.
    pub object: String,
    /// The close reason as recorded.
    pub reason: String,
    /// The offer shown with that reason, if the plan has one.
    pub retention_offer: Option<String>,
    /// When the subscription ends (`YYYY-MM-DD`).
    pub cancel_at: Option<String>,
    pub subscription: PortalSubscription,
}

/// `POST /v1/portal/{token}/payment_methods`: add a card (test mode only); it
/// becomes the default.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddPortalPaymentMethod {
    /// A card for the test provider (test mode, merchants without Stripe).
    #[serde(default)]
    pub card: Option<CardDetails>,
    /// A payment method collected by Stripe.js (`pm_…`), for a merchant on Stripe.
    #[serde(default)]
    pub stripe_payment_method: Option<String>,
}

/// An order the customer placed (checkout or API), with its signature.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalOrder {
    /// `ord_…`
    pub id: String,
    /// Always `"order"`.
    pub object: String,
    pub subscription: Option<String>,
    pub invoice: Option<String>,
    pub plan: Option<String>,
    pub plan_name: Option<String>,
    /// `checkout` or `api`.
    pub source: String,
    /// Who signed the terms, when they were signed.
    pub signature_name: Option<String>,
    pub signed_at: Option<String>,
    pub created: String,
}
