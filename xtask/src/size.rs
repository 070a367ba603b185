//! `cargo xtask widget-size`: what a merchant's page downloads for the widget
//! (loader, then one bundle's wasm-bindgen glue and wasm), raw and as the API
//! serves it compressed (gzip by zopfli, brotli q11), and, when Chromium is
//! installed, the time to first render measured by the browser test.

use std::path::Path;
use std::process::Command;

use crate::dist::{Bundle, find, read};
use crate::{Result, cargo, root};

fn kb(n: usize) -> String {
    format!("{:.1} KB", n as f64 / 1024.0)
}

/// Raw, gzip and brotli bytes of a published file and its served siblings.
fn sizes(dist: &Path, file: &str) -> Result<[usize; 3]> {
    let len = |name: String| read(&dist.join(name)).map(|b| b.len());
    Ok([
        len(file.to_owned())?,
        len(format!("{file}.gz"))?,
        len(format!("{file}.br"))?,
    ])
}

fn row(file: &str, what: &str, [raw, gz, br]: [usize; 3]) {
    println!(
        "{file:<44} {what:<24} {:>10} {:>10} {:>10}",
        kb(raw),
        kb(gz),
        kb(br)
    );
}

/// Prints the size table of `dist` and returns, for each bundle, the gzip total
/// a page using it downloads (loader + glue + wasm).
pub fn report(dist: &Path) -> Result<Vec<(&'static Bundle, usize)>> {
    println!(
        "{:<44} {:<24} {:>10} {:>10} {:>10}",
        "file", "", "raw", "gzip", "brotli"
    );
    let published = find(dist)?;
    let loader = sizes(dist, &published.loader)?;
    row(&published.loader, "loader", loader);
    let mut pages = Vec::new();
    for b in &published.bundles {
        let glue = sizes(dist, &b.glue)?;
        let wasm = sizes(dist, &b.wasm)?;
        row(&b.glue, &format!("{} glue", b.bundle.name), glue);
        row(&b.wasm, &format!("{} wasm", b.bundle.name), wasm);
        let page: [usize; 3] = std::array::from_fn(|i| loader[i] + glue[i] + wasm[i]);
        pages.push((b.bundle, page));
    }
    println!("a page with the elements below downloads the loader and one bundle:");
    for (bundle, page) in &pages {
        row(
            &format!("  {}", bundle.elements),
            &format!("{} bundle", bundle.name),
            *page,
        );
    }
    Ok(pages.into_iter().map(|(b, p)| (b, p[1])).collect())
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
