//! `cargo xtask widget-size`: what a merchant's page downloads for the widget
//! (loader, wasm-bindgen glue, wasm), raw, gzip -9 and brotli q11, and, when
//! Chromium is installed, the time to first render measured by the browser test.

use std::path::Path;
use std::process::Command;

use crate::dist::{brotli, find, gzip};
use crate::{Result, cargo, root};

fn kb(n: usize) -> String {
    format!("{:.1} KB", n as f64 / 1024.0)
}

/// Prints the size table of `dist` and returns the gzip total.
pub fn report(dist: &Path) -> Result<usize> {
    println!(
        "{:<42} {:<7} {:>10} {:>10} {:>10}",
        "file", "", "raw", "gzip -9", "brotli 11"
    );
    let mut totals = (0, 0, 0);
    let published = find(dist)?;
    for (file, what) in published.files() {
        let path = dist.join(file);
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let (raw, gz, br) = (bytes.len(), gzip(&bytes)?.len(), brotli(&bytes)?.len());
        totals = (totals.0 + raw, totals.1 + gz, totals.2 + br);
        println!(
            "{file:<42} {what:<7} {:>10} {:>10} {:>10}",
            kb(raw),
            kb(gz),
            kb(br)
        );
    }
    println!(
        "{:<42} {:<7} {:>10} {:>10} {:>10}",
        "total",
        "",
        kb(totals.0),
        kb(totals.1),
        kb(totals.2)
    );
    Ok(totals.1)
}

/// Runs the browser test that measures the first render and prints its figure.
pub fn first_render() -> Result {
    if !Path::new("/usr/bin/chromium").exists() && std::env::var_os("CHROMIUM").is_none() {
        println!(
            "time to first render: skipped (no Chromium; apt-get install chromium chromium-driver)"
        );
        return Ok(());
    }
    eprintln!("+ cargo test -p renewly-tests --test browser time_to_first_render_is_measured");
    let out = Command::new(cargo())
        .args([
            "test",
            "-q",
            "-p",
            "renewly-tests",
            "--test",
            "browser",
            "time_to_first_render_is_measured",
            "--",
            "--exact",
            "--nocapture",
        ])
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run cargo test: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    match stdout.lines().find(|l| l.contains("time to first render")) {
        Some(line) if out.status.success() => println!("{line}"),
        _ => {
            eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
            return Err("the first-render measurement failed".to_owned());
        }
    }
    Ok(())
}
