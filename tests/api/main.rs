//! Black-box API scenarios, each on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use renewly_tests::fixtures::*;
use renewly_tests::{TestApp, scenarios, scenarios_with};
use serde_json::json;

mod analytics;
mod answers;
mod benchmarks;
mod billing;
mod catalog;
mod conventions;
mod crash;
mod customers;
mod demo;
mod documents;
mod invariants;
mod isolation;
mod layout;
mod modes;
mod notifications;
mod once;
mod openapi;
mod parsers;
mod portal;
mod portal_sessions;
mod schemathesis;
mod stripe;
mod support;
mod trust;
mod vat;
mod widget_wire;
