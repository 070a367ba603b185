//! `cargo xtask`: every build step of Renewly in one place, idempotent, so that a
//! fresh machine needs nothing but Rust.
//!
//! - `cargo xtask demo`  — build everything, then `renewly demo` (seed + serve)
//! - `cargo xtask build` — wasm target, `rust-src`, wasm-bindgen-cli of the
//!   locked version, the widget's bundles (wasm32 + wasm-bindgen), server (release)
//! - `cargo xtask test`  — fmt check, clippy, wasm32 build of types and widget,
//!   the widget itself (the browser tests load it), the widget's wasm-bindgen
//!   tests in headless Chromium, every test on SQLite and PostgreSQL (PostgreSQL
//!   is started when it is down; Chromium, chromedriver, pdftotext, aiosmtpd
//!   and schemathesis are installed when missing, see [`tools`])
//! - `cargo xtask widget-size` — the widget's transfer size (raw, gzip, brotli)
//!   and, with Chromium, its time to first render
//! - `cargo xtask metrics` — SQL outside `api/src/store/`, functions and files
//!   over their length, module cycles ([`metrics`])

mod dist;
mod metrics;
mod size;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

type Result<T = ()> = std::result::Result<T, String>;

const WASM_TARGET: &str = "wasm32-unknown-unknown";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build") => build(),
        Some("demo") => build().and_then(|()| demo(&args[1..])),
        Some("test") => test(),
        Some("widget") => widget(),
        Some("widget-size") => widget_size(),
        Some("metrics") => metrics::measure(&root()).map(|m| print!("{}", m.report())),
        _ => {
            eprintln!(
                "usage: cargo xtask <demo|build|test|widget|widget-size|metrics>\n\
                 \n  demo    build everything and run `renewly demo` (seeded merchant, API + demo site)\
                 \n  build   wasm target, wasm-bindgen-cli, widget and release server\
                 \n  test    fmt, clippy, wasm32 builds and all tests on SQLite and PostgreSQL\
                 \n  widget  only the widget's bundles (wasm32 + wasm-bindgen into widget/dist)\
                 \n  widget-size  build the widget; print its transfer size and time to first render\
                 \n  metrics SQL outside api/src/store/, long functions and files, module cycles"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn run(program: &str, args: &[&str]) -> Result {
    run_env(program, args, &[])
}

/// [`run`] with extra environment variables, shown in the echoed command.
fn run_env(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result {
    let shown: Vec<String> = env.iter().map(|(k, v)| format!("{k}=\"{v}\" ")).collect();
    eprintln!("+ {}{program} {}", shown.concat(), args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} {} failed ({status})", args.join(" ")))
    }
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(root())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Adds the wasm32 target when rustup lacks it.
fn ensure_wasm_target() -> Result {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    run("rustup", &["target", "add", WASM_TARGET])
}

/// The version of the `wasm-bindgen` crate in Cargo.lock.
fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".to_owned())
}

/// Installs wasm-bindgen-cli of exactly the locked version when it differs.
fn ensure_wasm_bindgen() -> Result {
    let want = locked_wasm_bindgen()?;
    let have = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(want.as_str()) {
        return Ok(());
    }
    eprintln!("installing wasm-bindgen-cli {want} (once; takes several minutes)");
    // `--locked` fails against the registry here; the unlocked install works.
    run(
        &cargo(),
        &[
            "install",
            "wasm-bindgen-cli",
            "--version",
            &format!("={want}"),
        ],
    )
}

/// Adds the standard library's sources when rustup lacks them: the widget's
/// build recompiles `std` for wasm32 (see [`WIDGET_RUSTFLAGS`]).
fn ensure_rust_src() -> Result {
    let installed = output("rustup", &["component", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim().starts_with("rust-src")) {
        return Ok(());
    }
    run("rustup", &["component", "add", "rust-src"])
}

/// How the widget's wasm is compiled. `std` is rebuilt with the widget's size
/// profile and with panics that stop the module at once
/// (`-Cpanic=immediate-abort`): no panic messages, file locations or `Debug`
/// output are compiled in, which takes about 7 % off the gzip size. These are
/// unstable compiler options of the pinned stable toolchain, enabled for this
/// build only through `RUSTC_BOOTSTRAP=1`; `--target` keeps them off the build
/// scripts and the server.
const WIDGET_RUSTFLAGS: &str =
    "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none";

/// Builds every widget bundle ([`dist::BUNDLES`]) for wasm32, runs wasm-bindgen
/// and publishes the result into `widget/dist`.
fn widget() -> Result {
    ensure_wasm_target()?;
    ensure_rust_src()?;
    ensure_wasm_bindgen()?;
    let target_dir = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target"));
    let wasm = target_dir
        .join(WASM_TARGET)
        .join("wasm-release")
        .join("renewly_widget.wasm");
    let wasm = wasm.to_string_lossy().into_owned();
    // wasm-bindgen writes into a staging folder; `dist` gets the published files.
    let staging = target_dir.join("widget-staging");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)
        .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
    let staging_s = staging.to_string_lossy().into_owned();
    for bundle in &dist::BUNDLES {
        let args = [
            "build",
            "-p",
            "renewly-widget",
            "--target",
            WASM_TARGET,
            "--profile",
            "wasm-release",
            "--no-default-features",
            "--features",
            bundle.features,
            "-Zbuild-std=std,panic_abort",
        ];
        run_env(
            &cargo(),
            &args,
            &[("RUSTC_BOOTSTRAP", "1"), ("RUSTFLAGS", WIDGET_RUSTFLAGS)],
        )?;
        run(
            "wasm-bindgen",
            &[
                "--target",
                "web",
                "--no-typescript",
                "--remove-name-section",
                "--remove-producers-section",
                "--out-name",
                &bundle.out_name(),
                "--out-dir",
                &staging_s,
                &wasm,
            ],
        )?;
    }
    let dist = root().join("widget").join("dist");
    let published = dist::publish(&staging, &dist, &root().join("widget").join("loader.js"))?;
    for b in &published.bundles {
        eprintln!("published {}: {} and {}", b.bundle.name, b.glue, b.wasm);
    }
    eprintln!("widget built into {}", dist.display());
    Ok(())
}

fn build() -> Result {
    widget()?;
    run(&cargo(), &["build", "--release", "-p", "renewly"])
}

fn demo(args: &[String]) -> Result {
    let target_dir = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target"));
    let bin = target_dir.join("release").join("renewly");
    let mut all = vec!["demo".to_owned()];
    all.extend(args.iter().cloned());
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    run(&bin.to_string_lossy(), &all)
}

/// Starts the local PostgreSQL cluster when nothing answers on 5432.
fn ensure_postgres() -> Result {
    if std::env::var("RENEWLY_TEST_PG_URL").is_ok() {
        return Ok(());
    }
    if std::net::TcpStream::connect("127.0.0.1:5432").is_ok() {
        return Ok(());
    }
    let versions = std::fs::read_dir("/etc/postgresql")
        .map_err(|_| "PostgreSQL is not running on 127.0.0.1:5432 and is not installed; install it (apt-get install postgresql) or set RENEWLY_TEST_PG_URL".to_owned())?;
    for entry in versions.flatten() {
        let version = entry.file_name().to_string_lossy().into_owned();
        let _ = run(
            "pg_ctlcluster",
            &["--skip-systemctl-redirect", &version, "main", "start"],
        );
    }
    for _ in 0..30 {
        if std::net::TcpStream::connect("127.0.0.1:5432").is_ok() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    Err("PostgreSQL did not come up on 127.0.0.1:5432".to_owned())
}

fn test() -> Result {
    let cargo = cargo();
    // What the tests drive besides Rust, first, so that a missing program stops
    // the run at once: installed when missing, or its tests skipped (and
    // counted as skipped) when the user asks for that.
    ensure_postgres()?;
    let browser = tools::ensure(&tools::BROWSER)?;
    let pdf = tools::ensure(&tools::PDFTOTEXT)?;
    let smtp = tools::ensure(&tools::AIOSMTPD)?;
    let schemathesis = tools::ensure(&tools::SCHEMATHESIS)?;
    let localstripe = tools::ensure(&tools::LOCALSTRIPE)?;
    run(&cargo, &["fmt", "--all", "--", "--check"])?;
    ensure_wasm_target()?;
    run(
        &cargo,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run(
        &cargo,
        &[
            "clippy",
            "-p",
            "renewly-widget",
            "--all-targets",
            "--target",
            WASM_TARGET,
            "--",
            "-D",
            "warnings",
        ],
    )?;
    // The browser tests load the built widget.
    widget()?;
    size_budget()?;
    let mut skipped: Vec<(usize, String)> = Vec::new();
    let mut filters = Vec::new();
    for (ready, tool, filter) in [
        (pdf, &tools::PDFTOTEXT, PDF_TESTS),
        (smtp, &tools::AIOSMTPD, SMTP_TESTS),
        (schemathesis, &tools::SCHEMATHESIS, SCHEMATHESIS_TESTS),
        (localstripe, &tools::LOCALSTRIPE, STRIPE_TESTS),
    ] {
        if !ready {
            let n = count_tests(&["-p", "renewly-tests", "--test", "api"], Some(filter))?;
            skipped.push((n, format!("{} ({}=1)", tool.needed_by, tool.opt_out)));
            filters.extend(["--skip", filter]);
        }
    }
    let result = if browser {
        widget_in_browser().and_then(|()| {
            let mut args = vec!["test", "--workspace", "--"];
            args.extend(&filters);
            run(&cargo, &args)
        })
    } else {
        let opt_out = tools::BROWSER.opt_out;
        skipped.push((
            wasm_browser_tests()?,
            format!("the widget's wasm-bindgen tests ({opt_out}=1)"),
        ));
        let n = count_tests(&["-p", "renewly-tests", "--test", "browser"], None)?;
        skipped.push((n, format!("the browser tests ({opt_out}=1)")));
        run(
            &cargo,
            &["test", "--workspace", "--exclude", "renewly-tests"],
        )
        .and_then(|()| {
            let mut args = vec![
                "test",
                "-p",
                "renewly-tests",
                "--lib",
                "--test",
                "api",
                "--",
            ];
            args.extend(&filters);
            run(&cargo, &args)
        })
    };
    // Also after a failure: a skipped test must never pass for a passed one.
    let total: usize = skipped.iter().map(|(n, _)| n).sum();
    if total > 0 {
        let what: Vec<String> = skipped.iter().map(|(n, w)| format!("{n} {w}")).collect();
        eprintln!("xtask: {total} tests skipped, not run: {}", what.join("; "));
    }
    result
}

/// The scenario that reads invoice PDFs back with pdftotext (a name filter).
const PDF_TESTS: &str = "an_invoice_pdf_reads_as_its_number_total_and_customer";
/// The scenario that delivers mail to aiosmtpd.
const SMTP_TESTS: &str = "smtp_delivery_succeeds_and_a_dead_server_is_retried_later";

/// The scenarios that run schemathesis against the server (`tests/api/schemathesis.rs`).
const SCHEMATHESIS_TESTS: &str = "schemathesis::";
/// The scenarios that charge through localstripe.
const STRIPE_TESTS: &str = "stripe::";

/// How many tests `cargo test <target> -- --list [filter]` names.
fn count_tests(target: &[&str], filter: Option<&str>) -> Result<usize> {
    let mut args = vec!["test", "-q"];
    args.extend(target);
    args.extend(["--", "--list"]);
    args.extend(filter);
    let listed =
        output(&cargo(), &args).ok_or_else(|| format!("cargo {} failed", args.join(" ")))?;
    Ok(listed.lines().filter(|l| l.ends_with(": test")).count())
}

/// How many wasm-bindgen tests `widget/tests/web.rs` holds (they run in Chromium).
fn wasm_browser_tests() -> Result<usize> {
    let path = root().join("widget").join("tests").join("web.rs");
    let source = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(source
        .lines()
        .filter(|l| l.trim() == "#[wasm_bindgen_test]")
        .count())
}

/// The widget's wasm-bindgen tests (`widget/tests/web.rs`) in headless Chromium.
fn widget_in_browser() -> Result {
    let (_, driver) = tools::browser_paths();
    let driver = driver.to_string_lossy().into_owned();
    run_env(
        &cargo(),
        &[
            "test",
            "-p",
            "renewly-widget",
            "--target",
            WASM_TARGET,
            "--test",
            "web",
        ],
        &[
            (
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                "wasm-bindgen-test-runner",
            ),
            ("CHROMEDRIVER", &driver),
        ],
    )
}

/// Prints the widget's transfer sizes and fails when a page's gzip total is
/// over its bundle's budget ([`dist::Bundle::gzip_budget`]).
fn size_budget() -> Result {
    for (bundle, total) in size::report(&root().join("widget").join("dist"))? {
        let budget = bundle.gzip_budget;
        if total > budget {
            return Err(format!(
                "a page with the {} bundle downloads {total} bytes gzip, over its budget of {budget}",
                bundle.name
            ));
        }
    }
    Ok(())
}

/// Builds the widget, then prints its sizes and (with Chromium) first render.
fn widget_size() -> Result {
    widget()?;
    size::report(&root().join("widget").join("dist"))?;
    size::first_render()
}
