//! The programs the tests drive besides Rust, installed when missing: Chromium
//! and chromedriver (the browser tests and the widget's wasm-bindgen tests),
//! poppler's pdftotext (invoice PDFs read back as text), aiosmtpd (a local
//! SMTP server), schemathesis (the API fuzzed against its OpenAPI document) and
//! localstripe (a stand-in for Stripe's API, which the tests cannot reach).
//! Installing needs root and apt-get (aiosmtpd can also come from pip);
//! schemathesis comes from pip into a virtualenv of its own. Where that is impossible `cargo xtask test` stops and says what to
//! install, unless the tests that need the program are skipped explicitly with
//! its variable; those tests are then reported as skipped, never as passed.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::{Result, output, run_env};

/// A program some tests need.
pub struct Tool {
    /// What is missing, e.g. "Chromium and chromedriver".
    pub what: &'static str,
    /// Which tests need it.
    pub needed_by: &'static str,
    /// Set to `1` to skip those tests when the program is missing.
    pub opt_out: &'static str,
    /// Debian packages that provide it.
    apt: &'static [&'static str],
    /// A pip package that provides it, when apt cannot be used.
    pip: Option<&'static str>,
    /// A pip requirements file (under `xtask/`) installed into a virtualenv of
    /// its own, [`venv`], instead of apt or pip.
    venv: Option<&'static str>,
    present: fn() -> bool,
}

pub const BROWSER: Tool = Tool {
    what: "Chromium and chromedriver",
    needed_by: "the browser tests and the widget's wasm-bindgen tests",
    opt_out: "RENEWLY_SKIP_BROWSER_TESTS",
    apt: &["chromium", "chromium-driver"],
    pip: None,
    venv: None,
    present: || {
        let (chromium, driver) = browser_paths();
        chromium.exists() && driver.exists()
    },
};

pub const PDFTOTEXT: Tool = Tool {
    what: "pdftotext (poppler-utils)",
    needed_by: "the test that reads invoice PDFs back as text",
    opt_out: "RENEWLY_SKIP_PDF_TESTS",
    apt: &["poppler-utils"],
    pip: None,
    venv: None,
    present: || runs("pdftotext", &["-v"]),
};

pub const AIOSMTPD: Tool = Tool {
    what: "Python's aiosmtpd",
    needed_by: "the SMTP delivery test",
    opt_out: "RENEWLY_SKIP_SMTP_TESTS",
    apt: &["python3-aiosmtpd"],
    pip: Some("aiosmtpd"),
    venv: None,
    present: || runs("python3", &["-c", "import aiosmtpd"]),
};

/// The pinned schemathesis and its dependencies.
const SCHEMATHESIS_REQUIREMENTS: &str = "schemathesis-requirements.txt";

pub const SCHEMATHESIS: Tool = Tool {
    what: "schemathesis",
    needed_by: "the schemathesis runs against the OpenAPI document",
    opt_out: "RENEWLY_SKIP_SCHEMATHESIS",
    apt: &[],
    pip: Some("-r xtask/schemathesis-requirements.txt"),
    venv: Some(SCHEMATHESIS_REQUIREMENTS),
    present: || {
        let venv = venv();
        let pinned =
            std::fs::read_to_string(crate::root().join("xtask").join(SCHEMATHESIS_REQUIREMENTS));
        let installed = std::fs::read_to_string(venv.join(SCHEMATHESIS_REQUIREMENTS));
        matches!((pinned, installed), (Ok(p), Ok(i)) if p == i)
            && runs(
                &venv.join("bin").join("st").to_string_lossy(),
                &["--version"],
            )
    },
};

/// The pinned localstripe.
const LOCALSTRIPE_REQUIREMENTS: &str = "localstripe-requirements.txt";

pub const LOCALSTRIPE: Tool = Tool {
    what: "localstripe",
    needed_by: "the Stripe scenarios (tests/api/stripe.rs)",
    opt_out: "RENEWLY_SKIP_STRIPE_TESTS",
    apt: &[],
    pip: Some("-r xtask/localstripe-requirements.txt"),
    venv: Some(LOCALSTRIPE_REQUIREMENTS),
    present: || {
        let venv = venv_for(LOCALSTRIPE_REQUIREMENTS);
        let pinned =
            std::fs::read_to_string(crate::root().join("xtask").join(LOCALSTRIPE_REQUIREMENTS));
        let installed = std::fs::read_to_string(venv.join(LOCALSTRIPE_REQUIREMENTS));
        matches!((pinned, installed), (Ok(p), Ok(i)) if p == i)
            && runs(
                &venv.join("bin").join("python").to_string_lossy(),
                &["-c", "import localstripe"],
            )
    },
};

/// The virtualenv of schemathesis, `~/.cache/renewly/schemathesis-venv`
/// (`RENEWLY_SCHEMATHESIS_VENV` overrides); the tests find `st` there too.
pub fn venv() -> PathBuf {
    venv_for(SCHEMATHESIS_REQUIREMENTS)
}

/// The virtualenv a requirements file is installed into:
/// `~/.cache/renewly/schemathesis-venv` (`RENEWLY_SCHEMATHESIS_VENV`) or
/// `~/.cache/renewly/localstripe-venv` (`RENEWLY_LOCALSTRIPE_VENV`); the tests
/// look there too.
fn venv_for(requirements: &str) -> PathBuf {
    let (var, dir) = if requirements == LOCALSTRIPE_REQUIREMENTS {
        ("RENEWLY_LOCALSTRIPE_VENV", "localstripe-venv")
    } else {
        ("RENEWLY_SCHEMATHESIS_VENV", "schemathesis-venv")
    };
    if let Some(path) = std::env::var_os(var) {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    home.join(".cache").join("renewly").join(dir)
}

/// Creates the requirements' virtualenv (idempotently) and installs
/// `requirements` into it; the copy of the file kept there tells later runs
/// what is installed.
fn install_venv(requirements: &str) -> Result {
    let venv = venv_for(requirements);
    let file = crate::root().join("xtask").join(requirements);
    let venv_s = venv.to_string_lossy().into_owned();
    eprintln!("installing {} into {venv_s}", file.display());
    run_env("python3", &["-m", "venv", &venv_s], &[])?;
    let pip = venv.join("bin").join("pip").to_string_lossy().into_owned();
    run_env(
        &pip,
        &["install", "--quiet", "-r", &file.to_string_lossy()],
        &[],
    )?;
    std::fs::copy(&file, venv.join(requirements))
        .map(|_| ())
        .map_err(|e| format!("cannot record the installed requirements: {e}"))
}

/// Chromium and chromedriver where the tests look for them.
pub fn browser_paths() -> (PathBuf, PathBuf) {
    let find = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(default))
    };
    (
        find("CHROMIUM", "/usr/bin/chromium"),
        find("CHROMEDRIVER", "/usr/bin/chromedriver"),
    )
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether the user asked to skip the tests that need `tool`. On CI
/// (`CI=true`) the Stripe scenarios are never skipped: they guard real money.
fn opted_out(tool: &Tool) -> bool {
    if tool.opt_out == LOCALSTRIPE.opt_out && std::env::var("CI").is_ok_and(|v| v == "true") {
        return false;
    }
    std::env::var(tool.opt_out).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// `Ok(true)` when `tool` is there (installed now if it was missing),
/// `Ok(false)` when it is not there and its tests are to be skipped, an error
/// saying what to install otherwise.
pub fn ensure(tool: &Tool) -> Result<bool> {
    if (tool.present)() {
        return Ok(true);
    }
    if opted_out(tool) {
        eprintln!(
            "note: {} not found and {}=1: {} will be skipped",
            tool.what, tool.opt_out, tool.needed_by
        );
        return Ok(false);
    }
    if let Err(e) = install(tool) {
        eprintln!("note: {e}");
    }
    if (tool.present)() {
        return Ok(true);
    }
    if let Some(requirements) = tool.venv {
        return Err(format!(
            "{} not installable here (python3 -m venv and pip into {}); needed by {}. \
             Install python3 with venv and run again, or set {}=1 to skip those tests \
             (reported as skipped)",
            tool.what,
            venv_for(requirements).display(),
            tool.needed_by,
            tool.opt_out
        ));
    }
    let pip = tool
        .pip
        .map(|p| format!(", or pip install {p}"))
        .unwrap_or_default();
    Err(format!(
        "{} not found, and not installable here (that needs root and apt-get); \
         needed by {}. Install (Debian: sudo apt-get install {}{pip}) and run again, \
         or set {}=1 to skip those tests (reported as skipped)",
        tool.what,
        tool.needed_by,
        tool.apt.join(" "),
        tool.opt_out
    ))
}

static APT_UPDATED: AtomicBool = AtomicBool::new(false);

fn install(tool: &Tool) -> Result {
    if let Some(requirements) = tool.venv {
        return install_venv(requirements);
    }
    let root = output("id", &["-u"]).is_some_and(|uid| uid.trim() == "0");
    let apt = runs("apt-get", &["--version"]);
    let noninteractive = [("DEBIAN_FRONTEND", "noninteractive")];
    if root && apt {
        eprintln!("installing {} for {}", tool.what, tool.needed_by);
        if !APT_UPDATED.swap(true, Ordering::SeqCst) {
            run_env("apt-get", &["update", "-qq"], &noninteractive)?;
        }
        let mut args = vec!["install", "-y", "-qq"];
        args.extend(tool.apt);
        run_env("apt-get", &args, &noninteractive)?;
        // Debian's package serves Debian's python3; the `python3` first on PATH
        // may be another one (pyenv), which pip then serves.
        if (tool.present)() || tool.pip.is_none() {
            return Ok(());
        }
    }
    let Some(package) = tool.pip else {
        return Err(format!(
            "not installing {}: not root or no apt-get",
            tool.what
        ));
    };
    eprintln!("installing {} for {} with pip", tool.what, tool.needed_by);
    let pip = ["-m", "pip", "install", "--quiet", "--user", package];
    run_env("python3", &pip, &[]).or_else(|_| {
        let mut again = pip.to_vec();
        again.push("--break-system-packages");
        run_env("python3", &again, &[])
    })
}
