//! The command line's tools beside the server: `renewly demo` and the
//! `renewly bench …` benchmarks.

pub mod bench;
pub mod bench_analytics;
pub mod bench_api;
pub mod bench_scale;
pub mod demo;
