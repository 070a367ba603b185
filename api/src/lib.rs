//! Renewly: subscription commerce you can drop into any website.
//!
//! The library behind the `renewly` binary: configuration, database, HTTP API,
//! domain rules and the command line.

pub mod analytics;
pub mod app;
pub mod billing;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod format;
pub mod housekeeping;
pub mod http;
pub mod i18n;
pub mod ids;
pub mod mail;
pub mod payments;
pub mod pdf;
pub mod store;
pub mod templates;
pub mod tools;
pub mod vault;
pub mod vies;

/// `renewly demo`, under its former path.
pub use tools::demo;
/// The demo's history, under its former path.
pub use tools::demo::history as demo_history;
