//! Renewly: subscription commerce you can drop into any website.
//!
//! The library behind the `renewly` binary: configuration, database, HTTP API,
//! domain rules and the command line.

pub mod analytics;
pub mod app;
pub mod bench;
pub mod bench_analytics;
pub mod bench_api;
pub mod billing;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod demo_history;
pub mod domain;
pub mod error;
pub mod format;
pub mod http;
pub mod i18n;
pub mod ids;
pub mod mail;
pub mod payments;
pub mod pdf;
pub mod store;
pub mod templates;
