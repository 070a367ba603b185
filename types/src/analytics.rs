//! Revenue analytics: MRR, movements, KPIs, cohorts, churn reasons, salespeople,
//! forecasts, and the exchange rates that convert them to one currency.
//!
//! Every amount is a decimal string in the reported currency (`"29.00"`); every
//! ratio a decimal string with four digits (`"0.0500"` is 5 %). A ratio whose
//! denominator is zero is `null`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// MRR at the end of each month.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MrrSeries {
    /// Always `"mrr"`.
    pub object: String,
    pub currency: String,
    /// First month (`YYYY-MM`).
    pub from: String,
    /// Last month (`YYYY-MM`).
    pub to: String,
    pub months: Vec<MrrMonth>,
}

/// One month of [`MrrSeries`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MrrMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// MRR at the end of the month: the sum of every movement up to then.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub mrr: Decimal,
    /// 12 × MRR.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub arr: Decimal,
    /// Subscriptions with MRR above zero at the end of the month.
    pub active_subscriptions: i64,
    /// Customers with MRR above zero at the end of the month.
    pub paying_customers: i64,
}

/// MRR movements per month.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MrrMovements {
    /// Always `"mrr_movements"`.
    pub object: String,
    pub currency: String,
    pub from: String,
    pub to: String,
    pub months: Vec<MovementMonth>,
    /// The movements of the whole range (`mrr` is the MRR at its end).
    pub totals: MovementMonth,
}

/// One month of movements. Contraction and churn are negative; `net_new` is the
/// sum of the five; `mrr` the MRR at the end of the month.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MovementMonth {
    /// `YYYY-MM` (`"total"` in `totals`).
    pub month: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub new: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub expansion: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub contraction: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub churn: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub reactivation: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub net_new: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub mrr: Decimal,
}

/// Key figures per month.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Kpis {
    /// Always `"kpis"`.
    pub object: String,
    pub currency: String,
    pub from: String,
    pub to: String,
    pub months: Vec<KpiMonth>,
}

/// The KPIs of one month (definitions in the README, section "Analytics").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiMonth {
    pub month: String,
    /// MRR at the end of the month.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub mrr: Decimal,
    /// 12 × MRR.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub arr: Decimal,
    /// Net new MRR of the month.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub net_new_mrr: Decimal,
    /// Subscriptions (contracts) with MRR above zero at the end of the month.
    pub active_subscriptions: i64,
    /// Customers with MRR above zero at the end of the month.
    pub paying_customers: i64,
    /// Customers whose MRR fell to zero during the month.
    pub churned_customers: i64,
    /// Average revenue per account: MRR ÷ paying customers.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub arpa: Option<Decimal>,
    /// Average revenue per contract: MRR ÷ active subscriptions.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub revenue_per_contract: Option<Decimal>,
    /// (churn + contraction) ÷ MRR at the start of the month (positive when lost).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub gross_mrr_churn: Option<Decimal>,
    /// (churn + contraction − expansion − reactivation) ÷ MRR at the start; negative
    /// when expansion outgrows what was lost.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub net_mrr_churn: Option<Decimal>,
    /// Churned customers ÷ paying customers at the start of the month.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub logo_churn: Option<Decimal>,
    /// Lifetime value: ARPA ÷ the average logo churn of the six months ending here.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub ltv: Option<Decimal>,
    /// Σ untaxed subtotal of the invoices issued in the month (open or paid).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub net_revenue: Decimal,
    /// Σ net of their one-off and setup-fee lines.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub non_recurring_revenue: Decimal,
}

/// Retention per cohort (the month of each customer's first `new` movement).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cohorts {
    /// Always `"cohorts"`.
    pub object: String,
    /// `customers` or `mrr`.
    pub metric: String,
    pub currency: String,
    pub from: String,
    pub to: String,
    pub cohorts: Vec<CohortRow>,
}

/// One cohort: `retention[n]` is the share still there at the end of the n-th
/// month after the cohort month (`retention[0]` is the cohort month itself).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CohortRow {
    /// `YYYY-MM`.
    pub cohort: String,
    /// Customers whose first `new` movement is in this month.
    pub customers: i64,
    /// The MRR they started with (Σ of their `new` movements).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub starting_mrr: Decimal,
    /// Share of the customers still paying (metric `customers`) or of the starting
    /// MRR still there (metric `mrr`, may exceed 1 with expansion).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Option<String>>))]
    pub retention: Vec<Option<Decimal>>,
}

/// Why customers left, over the range.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChurnReasons {
    /// Always `"churn_reasons"`.
    pub object: String,
    pub currency: String,
    pub from: String,
    pub to: String,
    /// Largest MRR lost first.
    pub reasons: Vec<ChurnReason>,
}

/// One close reason.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChurnReason {
    /// The close reason as given (`"unspecified"` when none was).
    pub reason: String,
    /// Subscriptions closed with this reason whose MRR ended.
    pub subscriptions: i64,
    /// Of those, the closes that churned the customer (their last paying one).
    pub churned_customers: i64,
    /// MRR lost by these closes (positive).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub mrr_lost: Decimal,
    /// This reason's share of all MRR lost by closes in the range.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub share: Option<Decimal>,
}

/// Movements per salesperson over the range.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Salespeople {
    /// Always `"salespeople"`.
    pub object: String,
    pub currency: String,
    pub from: String,
    pub to: String,
    /// Largest net new MRR first; subscriptions without a salesperson last.
    pub salespeople: Vec<SalespersonRow>,
}

/// One salesperson's impact on MRR.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SalespersonRow {
    /// `usr_…`, or `null` for subscriptions without a salesperson.
    pub salesperson: Option<String>,
    /// The user's name (`"Unassigned"` without one).
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub new: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub expansion: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub contraction: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub churn: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub reactivation: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub net_new: Decimal,
    /// The MRR of this salesperson's subscriptions at the end of the range.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub mrr: Decimal,
}

/// Expected MRR and contracts for the 12 months after `to`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Forecast {
    /// Always `"forecast"`.
    pub object: String,
    pub currency: String,
    pub from: String,
    pub to: String,
    /// How the projection is made, in words.
    pub method: String,
    /// The months whose net new MRR and contracts were averaged.
    pub basis_months: Vec<String>,
    /// Average net new MRR per month over `basis_months`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub average_net_new_mrr: Decimal,
    /// Average net new active subscriptions per month over `basis_months`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub average_net_new_contracts: Decimal,
    /// Expected MRR growth over the next 12 months (12 × the average).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub expected_annual_mrr_growth: Decimal,
    /// That growth relative to the MRR at the end of `to` (`null` when it is 0).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub expected_annual_mrr_growth_rate: Option<Decimal>,
    /// Expected growth in active contracts over the next 12 months.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub expected_annual_contract_growth: Decimal,
    /// The actual figures from `from` to `to`.
    pub history: Vec<ForecastMonth>,
    /// The projection for the 12 months after `to`.
    pub months: Vec<ForecastMonth>,
}

/// One month of a forecast (actual in `history`, expected in `months`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForecastMonth {
    pub month: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub mrr: Decimal,
    /// Active subscriptions (contracts), rounded to whole contracts.
    pub active_subscriptions: i64,
}

/// A conversion rate between two currencies from a day on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExchangeRate {
    pub id: String,
    /// Always `"exchange_rate"`.
    pub object: String,
    pub livemode: bool,
    /// ISO 4217 code converted from.
    pub from: String,
    /// ISO 4217 code converted to.
    pub to: String,
    /// Units of `to` per unit of `from`, e.g. `"0.92"`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub rate: Decimal,
    /// First day the rate applies (`YYYY-MM-DD`); it applies until a later one.
    pub date: String,
    pub created: String,
}

/// Setting the rate of a currency pair from a day on (the same pair and day again
/// replaces the rate).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateExchangeRate {
    /// ISO 4217 code converted from, e.g. `USD`.
    pub from: String,
    /// ISO 4217 code converted to, e.g. `EUR`.
    pub to: String,
    /// Units of `to` per unit of `from`: a positive decimal string, e.g. `"0.92"`.
    pub rate: String,
    /// First day the rate applies (`YYYY-MM-DD`).
    pub date: String,
}
