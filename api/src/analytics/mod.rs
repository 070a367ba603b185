//! Revenue analytics (SPEC §3 "MRR movements", "KPIs"): MRR, movements, KPIs,
//! cohorts, churn reasons, salespeople and forecasts, all from the MRR event log
//! the billing engine writes, plus the invoices for revenue.
//!
//! - [`series`], [`kpis`], [`cohorts`], [`breakdown`], [`forecast`]: pure
//!   computations over summed events ([`series::Bucket`]), unit-tested on a
//!   hand-made event list;
//! - [`reports`]: the sums of the log per day (or month), made in the database by
//!   [`crate::store::analytics`] so that 100 000 subscriptions with years of
//!   history stay fast, converted to the reported currency;
//! - [`fx`]: conversion to the reporting currency (rates in
//!   [`crate::store::exchange_rates`]);
//! - [`service`]: checked parameters and wire types for the API and the dashboard;
//! - [`charts`]: the dashboard's inline SVG charts (its sign-in sessions are in
//!   [`crate::store::dashboard_sessions`]).

pub mod breakdown;
pub mod charts;
pub mod cohorts;
pub mod forecast;
pub mod fx;
pub mod kpis;
pub mod present;
pub mod reports;
pub mod series;
pub mod service;

pub use crate::domain::month::{self as month, Month};

/// The dashboard's sign-in sessions, under the path its handlers use.
pub use crate::store::dashboard_sessions as sessions;

/// The report queries, under the path the dashboard's handlers use.
pub use crate::store::analytics as store;
