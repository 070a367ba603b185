//! Revenue analytics (SPEC §3 "MRR movements", "KPIs"): MRR, movements, KPIs,
//! cohorts, churn reasons, salespeople and forecasts, all from the MRR event log
//! the billing engine writes, plus the invoices for revenue.
//!
//! - [`series`], [`kpis`], [`cohorts`], [`breakdown`], [`forecast`]: pure
//!   computations over summed events ([`series::Bucket`]), unit-tested on a
//!   hand-made event list;
//! - [`store`]: the SQL that sums the log per day (or month) in the database, so
//!   that 100 000 subscriptions with years of history stay fast;
//! - [`fx`], [`exchange_rates`]: conversion to the reporting currency;
//! - [`service`]: checked parameters and wire types for the API and the dashboard;
//! - [`charts`], [`sessions`]: the dashboard's inline SVG charts and sign-in
//!   sessions.

pub mod breakdown;
pub mod charts;
pub mod cohorts;
pub mod exchange_rates;
pub mod forecast;
pub mod fx;
pub mod kpis;
pub mod month;
pub mod present;
pub mod series;
pub mod service;
pub mod sessions;
pub mod store;

pub use month::Month;
