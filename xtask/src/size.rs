//! `cargo xtask widget-size`: what a merchant's page downloads for the widget
//! (loader, wasm-bindgen glue, wasm), raw, gzip -9 and brotli q11, and, when
//! Chromium is installed, the time to first render measured by the browser test.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use crate::{Result, cargo, root};

const FILES: [(&str, &str); 3] = [
    ("renewly.js", "loader"),
    ("renewly_widget.js", "glue"),
    ("renewly_widget_bg.wasm", "wasm"),
];

fn gzip(bytes: &[u8]) -> Result<usize> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).map_err(|e| e.to_string())?;
    Ok(enc.finish().map_err(|e| e.to_string())?.len())
}

fn brotli(bytes: &[u8]) -> Result<usize> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).map_err(|e| e.to_string())?;
    Ok(out.len())
}

fn kb(n: usize) -> String {
    format!("{:.1} KB", n as f64 / 1024.0)
}

/// Prints the size table of `dist` and returns the gzip total.
pub fn report(dist: &Path) -> Result<usize> {
    println!(
        "{:<24} {:<7} {:>10} {:>10} {:>10}",
        "file", "", "raw", "gzip -9", "brotli 11"
    );
    let mut totals = (0, 0, 0);
    for (file, what) in FILES {
        let path = dist.join(file);
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let (raw, gz, br) = (bytes.len(), gzip(&bytes)?, brotli(&bytes)?);
        totals = (totals.0 + raw, totals.1 + gz, totals.2 + br);
        println!(
            "{file:<24} {what:<7} {:>10} {:>10} {:>10}",
            kb(raw),
            kb(gz),
            kb(br)
        );
    }
    println!(
        "{:<24} {:<7} {:>10} {:>10} {:>10}",
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
