//! Subscriptions, invoices, checkout, ledger, MRR events and the test clock.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{Address, Recurring};

/// Where a subscription is in its life (SPEC §3).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Draft,
    Active,
    Paused,
    PastDue,
    Closed,
}

impl SubscriptionStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Paused => "paused",
            Self::PastDue => "past_due",
            Self::Closed => "closed",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "draft" => Self::Draft,
            "active" => Self::Active,
            "paused" => Self::Paused,
            "past_due" => Self::PastDue,
            "closed" => Self::Closed,
            _ => return None,
        })
    }
}

/// One line of a subscription.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionItem {
    pub id: String,
    pub price: String,
    pub product: String,
    pub description: String,
    pub quantity: u32,
    /// The list price per unit.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub unit_amount: Decimal,
    /// Discount per unit from the customer's pricelist (0 when none).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub discount: Decimal,
    /// Absent for a one-off line (first order only).
    pub recurring: Option<Recurring>,
    /// Whether this is one of the plan's add-ons.
    pub addon: bool,
}

/// A customer's contract: recurring lines on a plan, renewed and invoiced.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subscription {
    pub id: String,
    /// Always `"subscription"`.
    pub object: String,
    pub livemode: bool,
    pub status: SubscriptionStatus,
    pub customer: String,
    pub plan: String,
    pub items: Vec<SubscriptionItem>,
    pub currency: String,
    /// Every period is `anchor + n × interval`.
    pub recurring: Recurring,
    /// The billing anchor (`YYYY-MM-DD`).
    pub start_date: String,
    pub current_period_start: String,
    /// Exclusive: the next period starts on this date.
    pub current_period_end: String,
    /// When the next invoice is issued; absent once closed.
    pub next_invoice_date: Option<String>,
    pub trial_end: Option<String>,
    /// `charge_automatically` or `send_invoice`.
    pub payment_mode: String,
    pub payment_method: Option<String>,
    pub salesperson: Option<String>,
    /// Monthly recurring revenue, a decimal string (0 in trial or paused).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub mrr: Decimal,
    /// `good`, `neutral` or `bad`.
    pub health: String,
    /// A scheduled close date (`YYYY-MM-DD`), e.g. cancelled at period end.
    pub cancel_at: Option<String>,
    pub close_reason: Option<String>,
    pub closed_at: Option<String>,
    pub created: String,
}

/// A line of a new subscription.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    pub price: String,
    /// Default 1.
    #[serde(default = "one")]
    pub quantity: u32,
}

fn one() -> u32 {
    1
}

/// A subscription made by the merchant.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateSubscription {
    pub customer: String,
    pub plan: String,
    /// One recurring price of the plan, plus any of its add-ons.
    pub items: Vec<ItemInput>,
    /// Default: the customer's default payment method.
    pub payment_method: Option<String>,
    pub salesperson: Option<String>,
    /// Default: today (the test clock's today in test mode).
    pub start_date: Option<String>,
}

/// When a close takes effect.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CloseWhen {
    Now,
    #[default]
    PeriodEnd,
}

/// Closing a subscription.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CloseSubscription {
    /// A close reason's name or id, or free text.
    pub reason: String,
    #[serde(default)]
    pub when: CloseWhen,
    pub comment: Option<String>,
}

/// One line of an invoice, with its tax.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceLine {
    /// `recurring`, `one_off`, `setup_fee` or `proration`.
    pub kind: String,
    pub description: String,
    pub price: Option<String>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub quantity: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub unit_amount: Decimal,
    /// Discount on the line (total, not per unit).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub discount: Decimal,
    /// `exclusive` or `inclusive`.
    pub tax_behavior: String,
    /// Percentage, e.g. `"21"`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tax_rate: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub net: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tax: Decimal,
    /// Net plus tax.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub amount: Decimal,
}

/// The tax of an invoice at one rate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxBreakdown {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub rate: Decimal,
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub net: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tax: Decimal,
}

/// Who an invoice was issued to, as it was on the issue date.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillTo {
    pub email: String,
    pub name: Option<String>,
    pub company: Option<String>,
    pub vat_number: Option<String>,
    pub address: Address,
}

/// A posted invoice.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invoice {
    pub id: String,
    /// Always `"invoice"`.
    pub object: String,
    pub livemode: bool,
    /// Gapless per merchant and year, e.g. `INV/2027/00001`.
    pub number: String,
    /// `draft`, `open`, `paid`, `void` or `uncollectible`.
    pub status: String,
    pub customer: String,
    pub subscription: Option<String>,
    /// `subscription_create`, `subscription_cycle`, `subscription_update`.
    pub billing_reason: String,
    pub currency: String,
    pub issue_date: String,
    pub due_date: String,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub bill_to: BillTo,
    pub lines: Vec<InvoiceLine>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub subtotal: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tax: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub total: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub amount_paid: Decimal,
    /// What was given back of what was paid (`POST /v1/invoices/{id}/refund`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub amount_refunded: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub amount_due: Decimal,
    pub tax_breakdown: Vec<TaxBreakdown>,
    /// EU B2B reverse charge: no VAT charged, the customer accounts for it.
    pub reverse_charge: bool,
    /// The legal mention printed on the invoice, when one applies.
    pub tax_note: Option<String>,
    pub attempt_count: u32,
    pub next_payment_attempt: Option<String>,
    pub paid_at: Option<String>,
    pub created: String,
}

/// An add-on chosen at checkout.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddonInput {
    pub price: String,
    /// Default 1.
    #[serde(default = "one")]
    pub quantity: u32,
}

/// The shopper's details at checkout.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckoutCustomer {
    /// Required to subscribe; optional for a preview.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    /// An EU VAT number: business customers in another member state are
    /// reverse-charged.
    #[serde(default)]
    pub vat_number: Option<String>,
    /// The billing address; its country decides the tax rate.
    #[serde(default)]
    pub address: Option<Address>,
    /// `en` or `nl`.
    #[serde(default)]
    pub locale: Option<String>,
}

/// The signer of the plan's terms.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignatureInput {
    /// The signer's full name, typed (or under a drawn signature).
    pub name: String,
    /// A drawn signature as a `data:image/png;base64,…` URL, optional.
    #[serde(default)]
    pub image: Option<String>,
}

/// How the shopper pays.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckoutPayment {
    /// A card for the test provider (test mode, merchants without Stripe).
    #[serde(default)]
    pub card: Option<crate::CardDetails>,
    /// A payment method collected by Stripe.js (`pm_…`), for a merchant on Stripe.
    #[serde(default)]
    pub stripe_payment_method: Option<String>,
}

/// A checkout (and, without payment and signature, its preview).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    pub plan: String,
    /// One of the plan's prices; default its first.
    #[serde(default)]
    pub price: Option<String>,
    /// Default 1.
    #[serde(default = "one")]
    pub quantity: u32,
    #[serde(default)]
    pub addons: Vec<AddonInput>,
    #[serde(default)]
    pub customer: CheckoutCustomer,
    /// Required when the plan requires a signature.
    #[serde(default)]
    pub signature: Option<SignatureInput>,
    /// Required when the plan charges automatically (ignored by the preview).
    #[serde(default)]
    pub payment_method: Option<CheckoutPayment>,
}

/// The numbers of a checkout before paying: the same as the first invoice.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutPreview {
    pub currency: String,
    pub lines: Vec<InvoiceLine>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub subtotal: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tax: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub total: Decimal,
    pub tax_breakdown: Vec<TaxBreakdown>,
    /// What the subscription adds to MRR once paying.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub mrr: Decimal,
    /// The recurring amount of every later period (with tax).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub recurring_total: Decimal,
    pub first_invoice_date: String,
    pub next_invoice_date: String,
    pub trial_end: Option<String>,
    pub reverse_charge: bool,
    pub tax_note: Option<String>,
    pub require_signature: bool,
    pub terms: Option<String>,
}

/// A completed checkout.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutResult {
    /// `active`, or `requires_action` when the card holder must confirm the
    /// payment (then call `…/checkout/{subscription}/confirm`).
    pub status: String,
    pub subscription: Subscription,
    pub invoice: Option<Invoice>,
    /// A customer portal link (`…/portal/{token}`) to show on the confirmation
    /// page. It opens the customer this checkout created, which is always a new
    /// one, whatever the e-mail address.
    pub portal_url: Option<String>,
    /// With `requires_action`: the secret the confirm step must send
    /// (`POST /v1/public/checkout/{subscription}/confirm`). Only the browser that
    /// made the checkout has it; keep it out of URLs and logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

/// The public confirm step of a checkout whose card needs authentication.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConfirmCheckout {
    /// The `client_secret` the checkout answered.
    pub client_secret: String,
}

/// One line of the double-entry ledger (amounts in minor units' decimal form).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerEntry {
    pub id: String,
    /// Always `"ledger_entry"`.
    pub object: String,
    /// `invoice`, `recognition`, `payment` or `write_off`.
    pub journal: String,
    pub invoice: Option<String>,
    pub date: String,
    /// `receivable`, `revenue`, `deferred_revenue`, `tax_payable`, `cash`, `bad_debt`.
    pub account: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub debit: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub credit: Decimal,
    pub currency: String,
    pub memo: String,
}

/// One account of the trial balance.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrialBalanceRow {
    pub account: String,
    pub currency: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub debit: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub credit: Decimal,
    /// Debit minus credit.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub balance: Decimal,
}

/// Every account's totals up to a date; debits equal credits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrialBalance {
    pub as_of: String,
    pub accounts: Vec<TrialBalanceRow>,
    pub balanced: bool,
}

/// A change of a customer's MRR.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MrrEvent {
    pub id: String,
    /// Always `"mrr_event"`.
    pub object: String,
    pub date: String,
    /// `new`, `expansion`, `contraction`, `churn` or `reactivation`.
    pub kind: String,
    pub customer: String,
    pub subscription: String,
    pub plan: Option<String>,
    pub salesperson: Option<String>,
    pub currency: String,
    /// Signed change.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub delta: Decimal,
    /// The subscription's MRR after the change.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub subscription_mrr: Decimal,
    /// The customer's MRR after the change.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub customer_mrr: Decimal,
    pub close_reason: Option<String>,
}

/// Something that happened (for webhooks and audits).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub id: String,
    /// Always `"event"`.
    pub object: String,
    pub livemode: bool,
    /// E.g. `subscription.created`, `invoice.paid`, `invoice.payment_failed`.
    #[serde(rename = "type")]
    pub kind: String,
    pub object_id: String,
    pub data: serde_json::Value,
    pub created: String,
}

/// The merchant's test clock.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestClock {
    /// Today in test mode (`YYYY-MM-DD`).
    pub now: String,
}

/// Moving the test clock forward.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdvanceClock {
    /// The new today (`YYYY-MM-DD`), not before the current one.
    pub to: String,
}

/// What a billing run did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillingSummary {
    pub now: String,
    pub invoices_created: u64,
    pub charges_succeeded: u64,
    pub charges_failed: u64,
    pub subscriptions_closed: u64,
}

/// Changing a subscription's plan, prices, quantities or add-ons.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangeSubscription {
    /// Another plan (default: the current one).
    #[serde(default)]
    pub plan: Option<String>,
    /// The complete new set of lines: one of the plan's prices plus add-ons.
    pub items: Vec<ItemInput>,
    /// `true`: only show what would happen.
    #[serde(default)]
    pub preview: bool,
}

/// What a change does: an upgrade is charged pro rata now, a downgrade waits for
/// the next renewal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePreview {
    /// `upgrade`, `downgrade` or `unchanged`.
    pub direction: String,
    /// When the new lines take effect.
    pub effective_date: String,
    pub currency: String,
    /// Untaxed amount per period before and after.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub old_period_amount: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub new_period_amount: Decimal,
    pub remaining_days: i64,
    pub period_days: i64,
    /// The proration invoice's lines (empty when nothing is charged now).
    pub proration_lines: Vec<InvoiceLine>,
    /// Charged now, tax included.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub amount_due_now: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tax_due_now: Decimal,
    /// Every later period, tax included.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub new_recurring_total: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub new_mrr: Decimal,
}

/// A change, previewed or made.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeResult {
    pub preview: ChangePreview,
    /// Whether the change was made (`false` for a preview).
    pub applied: bool,
    pub subscription: Subscription,
    /// The proration invoice, when one was charged.
    pub invoice: Option<Invoice>,
}

/// Starting the test clock on a date of your choice (also in the past), before
/// any subscription exists in test mode.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StartClock {
    /// The test mode's today (`YYYY-MM-DD`).
    pub now: String,
}

/// A refund of a paid invoice.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundInvoice {
    /// Decimal string in the invoice's currency; default all that was paid and
    /// not refunded yet.
    #[serde(default)]
    pub amount: Option<String>,
    /// Why, for the merchant's records (at most 500 characters).
    #[serde(default)]
    pub reason: Option<String>,
}
