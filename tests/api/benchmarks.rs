//! The benchmarks at a small size: they still run, agree with the engine (each
//! subscription invoiced and charged once) and print the JSON other tools read.
//! The figures themselves are not judged here: they are the benchmarks' to
//! print, on a quiet machine (README, Performance).

use std::process::Command;

use serde_json::Value;

/// Runs `renewly bench ARGS… --json` and reads its one JSON object.
fn bench(args: &[&str]) -> Value {
    let out = Command::new(super::crash::renewly_binary())
        .arg("bench")
        .args(args)
        .args(["--json", "--pg-url", &renewly_tests::pg_admin_url()])
        .env("RENEWLY_LOG", "error")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "renewly bench {args:?}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn positive(v: &Value, field: &str) -> f64 {
    let n = v[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} in {v}"));
    assert!(n > 0.0, "{field} in {v}");
    n
}

#[test]
fn bench_billing_renews_every_subscription_and_prints_its_floor_on_both_databases() {
    for database in ["sqlite", "postgres"] {
        let v = bench(&["billing", "--subscriptions", "60", "--database", database]);
        assert_eq!(v["subscriptions"], 60, "{v}");
        assert_eq!(v["database"], database, "{v}");
        let seconds = positive(&v, "seconds");
        let floor = positive(&v, "floor_seconds");
        let ratio = positive(&v, "ratio");
        assert!((ratio - seconds / floor).abs() < 1e-6 * ratio, "{v}");
        positive(&v, "per_second");
        positive(&v, "peak_rss_mb");
        // The floor re-inserts every row the pass wrote: one invoice and one
        // charge per subscription.
        assert_eq!(v["floor_rows"]["invoices"], 60, "{v}");
        assert_eq!(v["floor_rows"]["charges"], 60, "{v}");
    }
}

#[test]
fn bench_scale_out_bills_each_subscription_once_with_one_and_two_processes() {
    for database in ["postgres", "sqlite"] {
        let v = bench(&[
            "scale-out",
            "--subscriptions",
            "80",
            "--processes",
            "1,2",
            "--database",
            database,
        ]);
        assert_eq!(v["database"], database, "{v}");
        let runs = v["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 2, "{v}");
        for (run, processes) in runs.iter().zip([1, 2]) {
            assert_eq!(run["processes"], processes, "{v}");
            assert_eq!(run["invoices"], 80, "{v}");
            assert_eq!(run["charges_succeeded"], 80, "{v}");
            positive(run, "per_second");
        }
        assert_eq!(runs[0]["speedup"], 1.0, "{v}");
    }
}

#[test]
fn bench_api_loads_both_endpoints_and_its_bare_baseline() {
    let v = bench(&["api", "--seconds", "1", "--concurrency", "4"]);
    let endpoints = v["endpoints"].as_array().unwrap();
    let names: Vec<&str> = endpoints
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(names.contains(&"GET /v1/public/plans"), "{v}");
    assert!(names.contains(&"POST /v1/public/checkout"), "{v}");
    for e in endpoints {
        assert_eq!(e["errors"], 0, "{v}");
        positive(e, "rps");
    }
    let plans = endpoints
        .iter()
        .find(|e| e["name"] == "GET /v1/public/plans")
        .unwrap();
    positive(plans, "baseline_rps");
    assert_eq!(v["subscriptions"], v["active_subscriptions"], "{v}");
    assert_eq!(v["checkouts_ok"], v["subscriptions"], "{v}");
}
