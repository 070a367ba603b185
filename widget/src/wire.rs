//! The API's JSON as the widget reads and writes it.
//!
//! These mirror the API's types (`renewly-types`) by name and field, keeping
//! only the fields the widget shows or sends; any other field in an answer is
//! ignored. `tests/api/widget_wire.rs` reads the API's real answers with them,
//! so a renamed or retyped field fails a test rather than a shopper's page.

use rust_decimal::Decimal;

use crate::json::{Fields, FromJson, Json, ObjectWriter, ToJson};

/// Declares structs read from and written as JSON objects, one member per
/// field, under the field's name. A `None` field is left out when written.
macro_rules! wire_structs {
    ($(
        $(#[$meta:meta])*
        pub struct $name:ident { $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)? }
    )*) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct $name { $( $(#[$fmeta])* pub $field: $ty, )* }

        impl FromJson for $name {
            fn from_json(value: &Json) -> Result<Self, String> {
                let mut f = Fields::of(value)?;
                let decoded = Self { $( $field: f.get(stringify!($field)), )* };
                f.done(decoded)
            }
        }

        impl ToJson for $name {
            fn write_json(&self, out: &mut String) {
                ObjectWriter::new(out)
                    $( .member(stringify!($field), &self.$field) )*
                    .end();
            }
        }
    )*};
}

/// Declares enums written as one of a fixed set of strings.
macro_rules! wire_enums {
    ($(
        $(#[$meta:meta])*
        pub enum $name:ident { $( $variant:ident = $text:literal ),* $(,)? }
    )*) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $( $variant ),* }

        impl Default for $name {
            fn default() -> Self {
                [$( Self::$variant ),*][0]
            }
        }

        impl $name {
            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self { $( Self::$variant => $text ),* }
            }
        }

        impl FromJson for $name {
            fn from_json(value: &Json) -> Result<Self, String> {
                match value.as_str() {
                    $( Some($text) => Ok(Self::$variant), )*
                    _ => Err(concat!("expected one of" $(, " ", $text)*).to_owned()),
                }
            }
        }

        impl ToJson for $name {
            fn write_json(&self, out: &mut String) {
                self.as_str().write_json(out);
            }
        }
    )*};
}

wire_enums! {
    pub enum Interval { Day = "day", Week = "week", Month = "month", Year = "year" }

    pub enum TaxBehavior { Exclusive = "exclusive", Inclusive = "inclusive" }

    pub enum PaymentMode {
        ChargeAutomatically = "charge_automatically",
        SendInvoice = "send_invoice",
    }

    pub enum ChangeRight {
        None = "none",
        UpgradeOnly = "upgrade_only",
        UpgradeDowngrade = "upgrade_downgrade",
    }

    pub enum SubscriptionStatus {
        Draft = "draft",
        Active = "active",
        Paused = "paused",
        PastDue = "past_due",
        Closed = "closed",
    }
}

wire_structs! {
    /// A postal address; every part optional.
    #[derive(Eq)]
    pub struct Address {
        pub line1: Option<String>,
        pub line2: Option<String>,
        pub city: Option<String>,
        pub postal_code: Option<String>,
        pub region: Option<String>,
        pub country: Option<String>,
    }

    #[derive(Copy, Eq, Hash)]
    pub struct Recurring {
        pub interval: Interval,
        pub interval_count: u32,
    }

    pub struct Price {
        pub id: String,
        pub product: String,
        pub currency: String,
        pub unit_amount: Decimal,
        pub recurring: Option<Recurring>,
        pub tax_behavior: TaxBehavior,
        pub nickname: Option<String>,
    }

    pub struct Product {
        pub id: String,
        pub name: String,
        pub description: Option<String>,
        pub unit: String,
    }

    #[derive(Copy, Eq)]
    pub struct CustomerRights {
        pub change: ChangeRight,
        pub can_close: bool,
        pub can_pause: bool,
        pub can_change_quantity: bool,
    }

    /// A plan as `GET /v1/public/plans` lists it.
    pub struct PublicPlan {
        pub id: String,
        pub name: String,
        pub description: Option<String>,
        pub currency: String,
        pub prices: Vec<Price>,
        pub addons: Vec<Price>,
        pub setup_fee: Option<Price>,
        pub products: Vec<Product>,
        pub trial_days: u32,
        pub payment_mode: PaymentMode,
        pub customer_rights: CustomerRights,
        pub terms: Option<String>,
        pub require_signature: bool,
        pub features: Vec<String>,
    }

    pub struct InvoiceLine {
        pub kind: String,
        pub description: String,
        pub quantity: u32,
        pub unit_amount: Decimal,
        pub discount: Decimal,
        pub net: Decimal,
        pub tax: Decimal,
        pub amount: Decimal,
    }

    pub struct TaxBreakdown {
        pub rate: Decimal,
        pub name: String,
        pub net: Decimal,
        pub tax: Decimal,
    }

    /// `POST /v1/public/checkout/preview`: the first invoice.
    pub struct CheckoutPreview {
        pub currency: String,
        pub lines: Vec<InvoiceLine>,
        pub subtotal: Decimal,
        pub tax: Decimal,
        pub total: Decimal,
        pub tax_breakdown: Vec<TaxBreakdown>,
        pub recurring_total: Decimal,
        pub first_invoice_date: String,
        pub next_invoice_date: String,
        pub trial_end: Option<String>,
        pub reverse_charge: bool,
        pub tax_note: Option<String>,
        pub require_signature: bool,
        pub terms: Option<String>,
    }

    pub struct Invoice {
        pub id: String,
        pub number: String,
        pub status: String,
        pub subscription: Option<String>,
        pub currency: String,
        pub issue_date: String,
        pub due_date: String,
        pub total: Decimal,
        pub amount_due: Decimal,
    }

    /// A saved card.
    pub struct PaymentMethod {
        pub id: String,
        pub brand: String,
        pub last4: String,
        pub exp_month: u32,
        pub exp_year: u32,
        pub is_default: bool,
    }

    pub struct PortalMerchant {
        pub name: String,
    }

    pub struct PortalCustomer {
        pub id: String,
        pub email: String,
        pub name: Option<String>,
        pub company: Option<String>,
        pub vat_number: Option<String>,
        pub address: Address,
        pub locale: String,
        pub default_payment_method: Option<PaymentMethod>,
        pub pending_email: Option<String>,
    }

    pub struct CloseReason {
        pub id: String,
        pub name: String,
        pub retention_offer: Option<String>,
    }

    pub struct PortalPlan {
        pub id: String,
        pub name: String,
        pub description: Option<String>,
        pub currency: String,
        pub prices: Vec<Price>,
        pub addons: Vec<Price>,
        pub products: Vec<Product>,
        pub close_reasons: Vec<CloseReason>,
    }

    pub struct PortalItem {
        pub id: String,
        pub price: String,
        pub product: String,
        pub product_name: String,
        pub description: String,
        pub quantity: u32,
        pub unit_amount: Decimal,
        pub discount: Decimal,
        pub addon: bool,
    }

    pub struct PortalAmount {
        pub currency: String,
        pub subtotal: Decimal,
        pub tax: Decimal,
        pub total: Decimal,
    }

    pub struct PortalScheduledChange {
        pub plan: String,
        pub plan_name: String,
        pub effective_date: Option<String>,
        pub items: Vec<PortalItem>,
    }

    pub struct PortalSubscription {
        pub id: String,
        pub status: SubscriptionStatus,
        pub plan: PortalPlan,
        pub rights: CustomerRights,
        pub currency: String,
        pub recurring: Recurring,
        pub items: Vec<PortalItem>,
        pub start_date: String,
        pub current_period_start: String,
        pub current_period_end: String,
        pub next_invoice_date: Option<String>,
        pub trial_end: Option<String>,
        pub amount_per_period: PortalAmount,
        pub payment_mode: String,
        pub payment_method: Option<PaymentMethod>,
        pub cancel_at: Option<String>,
        pub close_reason: Option<String>,
        pub closed_at: Option<String>,
        pub paused_at: Option<String>,
        pub scheduled_change: Option<PortalScheduledChange>,
        pub other_plans: Vec<PortalPlan>,
    }

    /// `GET /v1/portal/{token}`.
    pub struct PortalOverview {
        pub livemode: bool,
        pub merchant: PortalMerchant,
        pub customer: PortalCustomer,
        pub subscriptions: Vec<PortalSubscription>,
    }

    pub struct PortalOrder {
        pub id: String,
        pub subscription: Option<String>,
        pub invoice: Option<String>,
        pub plan: Option<String>,
        pub plan_name: Option<String>,
        pub source: String,
        pub signature_name: Option<String>,
        pub signed_at: Option<String>,
        pub created: String,
    }

    pub struct PortalCancellation {
        pub reason: String,
        pub retention_offer: Option<String>,
        pub cancel_at: Option<String>,
        pub subscription: PortalSubscription,
    }

    pub struct ChangePreview {
        pub direction: String,
        pub effective_date: String,
        pub currency: String,
        pub old_period_amount: Decimal,
        pub new_period_amount: Decimal,
        pub remaining_days: i64,
        pub period_days: i64,
        pub proration_lines: Vec<InvoiceLine>,
        pub amount_due_now: Decimal,
        pub tax_due_now: Decimal,
        pub new_recurring_total: Decimal,
    }

    pub struct PortalChangeResult {
        pub preview: ChangePreview,
        pub applied: bool,
        pub subscription: PortalSubscription,
        pub invoice: Option<Invoice>,
    }

    // What the widget sends.

    pub struct CardDetails {
        pub number: String,
        pub exp_month: u32,
        pub exp_year: u32,
        pub cvc: String,
    }

    pub struct AddonInput {
        pub price: String,
        pub quantity: u32,
    }

    pub struct ItemInput {
        pub price: String,
        pub quantity: u32,
    }

    pub struct CheckoutCustomer {
        pub email: Option<String>,
        pub name: Option<String>,
        pub company: Option<String>,
        pub vat_number: Option<String>,
        pub address: Option<Address>,
        pub locale: Option<String>,
    }

    pub struct SignatureInput {
        pub name: String,
        pub image: Option<String>,
    }

    pub struct CheckoutPayment {
        pub card: CardDetails,
    }

    /// `POST /v1/public/checkout` and its preview.
    pub struct CheckoutRequest {
        pub plan: String,
        pub price: Option<String>,
        pub quantity: u32,
        pub addons: Vec<AddonInput>,
        pub customer: CheckoutCustomer,
        pub signature: Option<SignatureInput>,
        pub payment_method: Option<CheckoutPayment>,
    }

    pub struct ChangeSubscription {
        pub plan: Option<String>,
        pub items: Vec<ItemInput>,
        pub preview: bool,
    }

    pub struct PortalCancel {
        pub reason: String,
        pub comment: Option<String>,
    }

    pub struct AddPortalPaymentMethod {
        pub card: CardDetails,
    }

    /// `PATCH /v1/portal/{token}/customer`. In the outer `Option`, `None`
    /// leaves a detail as it is and `Some(None)` clears it.
    pub struct UpdatePortalCustomer {
        pub email: Option<String>,
        pub name: Option<Option<String>>,
        pub company: Option<Option<String>>,
        pub vat_number: Option<Option<String>>,
        pub address: Option<Address>,
        pub locale: Option<String>,
    }
}

/// An RFC 9457 problem document: `type` is `kind` here.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    pub param: Option<String>,
}

impl FromJson for Problem {
    fn from_json(value: &Json) -> Result<Self, String> {
        let mut f = Fields::of(value)?;
        let problem = Self {
            kind: f.get("type"),
            title: f.get("title"),
            status: f.get("status"),
            detail: f.get("detail"),
            code: f.get("code"),
            param: f.get("param"),
        };
        f.done(problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::from_text;

    #[test]
    fn requests_leave_out_what_is_not_set() {
        let update = UpdatePortalCustomer {
            name: Some(None),
            company: Some(Some("Smit BV".to_owned())),
            ..Default::default()
        };
        assert_eq!(update.to_json(), r#"{"name":null,"company":"Smit BV"}"#);
        let change = ChangeSubscription {
            plan: None,
            items: vec![ItemInput {
                price: "price_1".to_owned(),
                quantity: 3,
            }],
            preview: true,
        };
        assert_eq!(
            change.to_json(),
            r#"{"items":[{"price":"price_1","quantity":3}],"preview":true}"#
        );
    }

    #[test]
    fn answers_are_read_by_name_and_extra_fields_are_ignored() {
        let price: Price = from_text(
            r#"{"id":"price_1","object":"price","product":"prod_1","currency":"EUR",
                "unit_amount":"19.99","recurring":{"interval":"month","interval_count":1},
                "tax_behavior":"exclusive","nickname":null,"active":true}"#,
        )
        .unwrap();
        assert_eq!(price.unit_amount.to_string(), "19.99");
        assert_eq!(price.recurring.map(|r| r.interval), Some(Interval::Month));
        let bad = from_text::<Price>(
            r#"{"id":"p","product":"x","currency":"EUR","unit_amount":"1","tax_behavior":"sideways"}"#,
        );
        assert_eq!(
            bad.unwrap_err(),
            "tax_behavior: expected one of exclusive inclusive"
        );
        let problem: Problem = from_text(
            r#"{"type":"https://renewly.dev/problems/card_declined","title":"Card declined","status":402,"detail":"The card was declined.","code":"card_declined","param":"payment_method.card.number"}"#,
        )
        .unwrap();
        assert_eq!(
            (problem.status, problem.param.as_deref()),
            (402, Some("payment_method.card.number"))
        );
    }
}
