//! Products, prices, plans, pricelists and tax rates.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Whether a product is sold on a recurring basis or once.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    Recurring,
    OneOff,
}

/// Something the merchant sells.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: String,
    /// Always `"product"`.
    pub object: String,
    pub livemode: bool,
    pub name: String,
    pub description: Option<String>,
    pub kind: ProductKind,
    /// Unit of measure, e.g. `seat`, `GB`, `hour`, `unit`.
    pub unit: String,
    /// Tax category: `standard`, `reduced`, `super_reduced`, … (see tax rates).
    pub tax_category: String,
    /// `false` once archived: kept for history, not offered any more.
    pub active: bool,
    pub created: String,
}

/// A new product.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    pub name: String,
    pub description: Option<String>,
    /// Default `recurring`.
    pub kind: Option<ProductKind>,
    /// Default `unit`.
    pub unit: Option<String>,
    /// Default `standard`.
    pub tax_category: Option<String>,
}

/// Changes to a product; absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    pub name: Option<String>,
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub description: Option<Option<String>>,
    pub unit: Option<String>,
    pub tax_category: Option<String>,
    /// `false` archives the product.
    pub active: Option<bool>,
}

/// A calendar unit of recurrence.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    Day,
    Week,
    Month,
    Year,
}

/// How often a price recurs: every `interval_count` × `interval`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Recurring {
    pub interval: Interval,
    /// Default 1.
    #[serde(default = "one")]
    pub interval_count: u32,
}

fn one() -> u32 {
    1
}

/// Whether a price includes tax.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaxBehavior {
    Exclusive,
    Inclusive,
}

/// What a product costs, once or per period. The amount never changes: archive a
/// price and create a new one instead.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Price {
    pub id: String,
    /// Always `"price"`.
    pub object: String,
    pub livemode: bool,
    pub product: String,
    /// ISO 4217 code, upper case.
    pub currency: String,
    /// Amount per unit as a decimal string, e.g. `"19.99"`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "19.99"))]
    pub unit_amount: Decimal,
    /// Absent for a one-off price.
    pub recurring: Option<Recurring>,
    pub tax_behavior: TaxBehavior,
    /// A name for people, e.g. `Monthly`.
    pub nickname: Option<String>,
    pub active: bool,
    pub created: String,
}

/// A new price.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePrice {
    pub product: String,
    /// Default: the merchant's default currency.
    pub currency: Option<String>,
    /// A decimal string, e.g. `"19.99"`.
    #[cfg_attr(feature = "openapi", schema(example = "19.99"))]
    pub unit_amount: String,
    /// Required for a recurring product, absent for a one-off product.
    pub recurring: Option<Recurring>,
    /// Default `exclusive`.
    pub tax_behavior: Option<TaxBehavior>,
    pub nickname: Option<String>,
}

/// Changes to a price; its amount and recurrence never change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdatePrice {
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub nickname: Option<Option<String>>,
    /// `false` archives the price.
    pub active: Option<bool>,
}

/// How a subscription is paid.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentMode {
    /// The stored payment method is charged on every invoice.
    ChargeAutomatically,
    /// The invoice is emailed with a pay link, due after `invoice_due_days`.
    SendInvoice,
}

/// Which plan changes a customer may make in the portal.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeRight {
    None,
    UpgradeOnly,
    UpgradeDowngrade,
}

/// What a customer may do with a subscription of this plan without asking. An
/// omitted field takes its default.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct CustomerRights {
    /// Default `upgrade_downgrade`.
    pub change: ChangeRight,
    /// Default `true`.
    pub can_close: bool,
    /// Default `false`.
    pub can_pause: bool,
    /// Default `true`.
    pub can_change_quantity: bool,
}

impl Default for CustomerRights {
    fn default() -> Self {
        Self {
            change: ChangeRight::UpgradeDowngrade,
            can_close: true,
            can_pause: false,
            can_change_quantity: true,
        }
    }
}

/// A reason a customer may give when closing, with an optional offer shown first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CloseReason {
    /// `cr_…`, stable across plan updates when the name is kept.
    pub id: String,
    pub name: String,
    pub retention_offer: Option<String>,
}

/// A close reason as given when creating or updating a plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CloseReasonInput {
    pub name: String,
    pub retention_offer: Option<String>,
}

/// When failed payments are retried and when the subscription is given up. An
/// omitted field takes its default.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Dunning {
    /// Days after the first failure on which the charge is retried, ascending.
    /// Default `[1, 3, 5, 7]`.
    pub retry_days: Vec<u32>,
    /// Days after the first failure after which the subscription is closed.
    /// Default 15.
    pub close_after_days: u32,
}

impl Default for Dunning {
    fn default() -> Self {
        Self {
            retry_days: vec![1, 3, 5, 7],
            close_after_days: 15,
        }
    }
}

/// A subscription template: what is offered, on which terms.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    pub id: String,
    /// Always `"plan"`.
    pub object: String,
    pub livemode: bool,
    pub name: String,
    pub description: Option<String>,
    /// ISO 4217 currency shared by every price of the plan.
    pub currency: String,
    /// Recurring prices offered (e.g. a monthly and a yearly variant).
    pub prices: Vec<String>,
    /// Optional extras the customer may add: recurring or one-off prices.
    pub addons: Vec<String>,
    /// A one-off price charged on the first invoice only.
    pub setup_fee: Option<String>,
    pub trial_days: u32,
    pub payment_mode: PaymentMode,
    /// Days an invoice is due after issue in `send_invoice` mode.
    pub invoice_due_days: u32,
    pub customer_rights: CustomerRights,
    pub close_reasons: Vec<CloseReason>,
    pub dunning: Dunning,
    /// Contract terms shown (and signed, when required) at checkout.
    pub terms: Option<String>,
    pub require_signature: bool,
    /// Selling points shown on the pricing table.
    pub features: Vec<String>,
    /// Whether the plan is visible to the public API and widget.
    pub published: bool,
    pub active: bool,
    pub created: String,
}

/// A new plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePlan {
    pub name: String,
    pub description: Option<String>,
    /// At least one recurring price, all in one currency.
    pub prices: Vec<String>,
    #[serde(default)]
    pub addons: Vec<String>,
    pub setup_fee: Option<String>,
    #[serde(default)]
    pub trial_days: u32,
    /// Default `charge_automatically`.
    pub payment_mode: Option<PaymentMode>,
    /// Default 14.
    pub invoice_due_days: Option<u32>,
    pub customer_rights: Option<CustomerRights>,
    #[serde(default)]
    pub close_reasons: Vec<CloseReasonInput>,
    /// Default: retries 1, 3, 5 and 7 days after a failure, closed after 15 days.
    pub dunning: Option<Dunning>,
    pub terms: Option<String>,
    #[serde(default)]
    pub require_signature: bool,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default)]
    pub published: bool,
}

/// Changes to a plan; absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdatePlan {
    pub name: Option<String>,
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub description: Option<Option<String>>,
    pub prices: Option<Vec<String>>,
    pub addons: Option<Vec<String>>,
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub setup_fee: Option<Option<String>>,
    pub trial_days: Option<u32>,
    pub payment_mode: Option<PaymentMode>,
    pub invoice_due_days: Option<u32>,
    pub customer_rights: Option<CustomerRights>,
    pub close_reasons: Option<Vec<CloseReasonInput>>,
    pub dunning: Option<Dunning>,
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub terms: Option<Option<String>>,
    pub require_signature: Option<bool>,
    pub features: Option<Vec<String>>,
    pub published: Option<bool>,
    /// `false` archives the plan (and unpublishes it).
    pub active: Option<bool>,
}

/// One rule of a pricelist. Exactly one of `product` / `price` names what it applies
/// to, and exactly one of `fixed_amount` / `discount_percent` says how.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PricelistItem {
    /// Applies to every price of this product.
    #[serde(default)]
    pub product: Option<String>,
    /// Applies to this price only (wins over a product rule).
    #[serde(default)]
    pub price: Option<String>,
    /// Replaces the unit amount.
    #[serde(default, deserialize_with = "decimal_string::optional")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "15.00"))]
    pub fixed_amount: Option<Decimal>,
    /// Percentage off the unit amount, e.g. `"10"` for 10 %.
    #[serde(default, deserialize_with = "decimal_string::optional")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "10"))]
    pub discount_percent: Option<Decimal>,
    /// The rule applies from this quantity on. Default 1.
    #[serde(default = "one")]
    pub min_quantity: u32,
}

/// Special prices for a group of customers, in one currency.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pricelist {
    pub id: String,
    /// Always `"pricelist"`.
    pub object: String,
    pub livemode: bool,
    pub name: String,
    pub currency: String,
    pub items: Vec<PricelistItem>,
    pub active: bool,
    pub created: String,
}

/// A new pricelist.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePricelist {
    pub name: String,
    /// Default: the merchant's default currency.
    pub currency: Option<String>,
    #[serde(default)]
    pub items: Vec<PricelistItem>,
}

/// Changes to a pricelist; `items` replaces all rules.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdatePricelist {
    pub name: Option<String>,
    pub items: Option<Vec<PricelistItem>>,
    pub active: Option<bool>,
}

/// A tax rate for a country (and region) and tax category.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxRate {
    pub id: String,
    /// Always `"tax_rate"`.
    pub object: String,
    pub livemode: bool,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub region: Option<String>,
    /// `standard`, `reduced`, `reduced1`, `reduced2`, `super_reduced`, `parking`, …
    pub tax_category: String,
    /// Percentage, e.g. `"21"`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "21"))]
    pub percentage: Decimal,
    /// A label for documents, e.g. `VAT 21%`.
    pub name: String,
    pub active: bool,
    pub created: String,
}

/// A new tax rate.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTaxRate {
    pub country: String,
    pub region: Option<String>,
    /// Default `standard`.
    pub tax_category: Option<String>,
    /// A decimal string between 0 and 100, e.g. `"21"`.
    pub percentage: String,
    pub name: Option<String>,
}

/// Changes to a tax rate.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateTaxRate {
    /// A decimal string between 0 and 100.
    pub percentage: Option<String>,
    pub name: Option<String>,
    pub active: Option<bool>,
}

/// A published plan as the widget sees it (`GET /v1/public/plans`): its prices,
/// add-ons and setup fee expanded, and the products they belong to, so that a
/// pricing table can be drawn without further calls.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicPlan {
    pub id: String,
    /// Always `"plan"`.
    pub object: String,
    pub livemode: bool,
    pub name: String,
    pub description: Option<String>,
    pub currency: String,
    /// The recurring prices offered, in the plan's order.
    pub prices: Vec<Price>,
    /// Optional extras, in the plan's order.
    pub addons: Vec<Price>,
    pub setup_fee: Option<Price>,
    /// The products of the prices above (names and units to show), each once.
    pub products: Vec<Product>,
    pub trial_days: u32,
    pub payment_mode: PaymentMode,
    pub customer_rights: CustomerRights,
    pub terms: Option<String>,
    pub require_signature: bool,
    pub features: Vec<String>,
}

/// Amounts in request bodies are decimal strings (`"15.00"`): a JSON number is
/// refused, since a float may already have been rounded by the sender.
mod decimal_string {
    use rust_decimal::Decimal;
    use serde::de::{Deserialize, Deserializer, Error};

    /// An optional plain decimal string: an optional `-`, digits, and optionally a
    /// point and digits (no exponent, `+`, spaces or separators).
    pub fn optional<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        let Some(raw) = Option::<String>::deserialize(deserializer)? else {
            return Ok(None);
        };
        let unsigned = raw.strip_prefix('-').unwrap_or(&raw);
        let (int, frac) = unsigned
            .split_once('.')
            .map_or((unsigned, None), |(i, f)| (i, Some(f)));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || frac.is_some_and(|f| !digits(f)) {
            return Err(D::Error::custom(format!(
                "'{raw}' is not a decimal string such as \"19.99\""
            )));
        }
        raw.parse::<Decimal>().map(Some).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn pricelist_amounts_are_decimal_strings_only() {
        let item: PricelistItem =
            serde_json::from_str(r#"{"product": "prod_x", "fixed_amount": "15.00"}"#).unwrap();
        assert_eq!(item.fixed_amount.unwrap().to_string(), "15.00");
        assert_eq!(item.min_quantity, 1);
        let negative: PricelistItem =
            serde_json::from_str(r#"{"product": "prod_x", "fixed_amount": "-1"}"#).unwrap();
        assert!(negative.fixed_amount.unwrap().is_sign_negative());
        for bad in [
            r#"10"#,
            r#""1e3""#,
            r#""+1""#,
            r#""1_000""#,
            r#"" 1""#,
            r#""""#,
        ] {
            let raw = format!(r#"{{"product": "prod_x", "discount_percent": {bad}}}"#);
            assert!(
                serde_json::from_str::<PricelistItem>(&raw).is_err(),
                "{bad}"
            );
        }
        let round_trip = serde_json::to_string(&item).unwrap();
        assert_eq!(
            serde_json::from_str::<PricelistItem>(&round_trip).unwrap(),
            item
        );
    }
}
