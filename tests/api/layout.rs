//! The code's layout as a test: SQL lives in `api/src/store/` (and the pool
//! wrapper `api/src/db.rs`), nowhere else. The scan is `cargo xtask metrics`'s,
//! included from the xtask crate so that both count the same way.

#[path = "../../xtask/src/metrics.rs"]
#[allow(dead_code, reason = "the report's printing is xtask's")]
mod metrics;

use std::path::Path;

#[test]
fn no_sql_outside_the_store() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let m = metrics::measure(root).unwrap();
    eprintln!(
        "api/src: {} functions over {} lines, {} files over {} lines, {} module cycles",
        m.long_functions.len(),
        metrics::LONG_FN,
        m.long_files.len(),
        metrics::LONG_FILE,
        m.cycles.len()
    );
    let found: Vec<String> = m
        .sql_outside_store
        .iter()
        .map(|s| format!("{}:{}  {}", s.file, s.line, s.text))
        .collect();
    assert!(
        found.is_empty(),
        "{} SQL statements outside api/src/store/ (move them into a store module):\n{}",
        found.len(),
        found.join("\n")
    );
}
