//! Programs some tests drive besides the server: Chromium with chromedriver,
//! poppler's `pdftotext`, Python's `aiosmtpd` and `schemathesis`. `cargo xtask test` installs
//! them. A test that finds one missing fails, saying what to install, unless its
//! opt-out variable is set: then it says loudly that it did not run (and
//! `cargo xtask test` leaves such tests out and reports them as skipped, never
//! as passed).

use std::io::Write;
use std::process::Command;

/// An external program and how to get it.
#[derive(Debug, Clone, Copy)]
pub struct Tool {
    /// What is missing, e.g. "Chromium and chromedriver".
    pub what: &'static str,
    /// How to install it on Debian.
    pub install: &'static str,
    /// Set to `1` to skip the tests that need it instead of failing them.
    pub opt_out: &'static str,
}

pub const BROWSER: Tool = Tool {
    what: "Chromium and chromedriver",
    install: "apt-get install -y chromium chromium-driver",
    opt_out: "RENEWLY_SKIP_BROWSER_TESTS",
};

pub const PDFTOTEXT: Tool = Tool {
    what: "pdftotext (poppler-utils)",
    install: "apt-get install -y poppler-utils",
    opt_out: "RENEWLY_SKIP_PDF_TESTS",
};

pub const AIOSMTPD: Tool = Tool {
    what: "Python's aiosmtpd",
    install: "apt-get install -y python3-aiosmtpd (or pip install aiosmtpd)",
    opt_out: "RENEWLY_SKIP_SMTP_TESTS",
};

pub const SCHEMATHESIS: Tool = Tool {
    what: "schemathesis (st)",
    install: "cargo xtask test installs it into ~/.cache/renewly/schemathesis-venv; \
              or python3 -m venv DIR && DIR/bin/pip install -r xtask/schemathesis-requirements.txt \
              and set RENEWLY_SCHEMATHESIS_VENV=DIR",
    opt_out: "RENEWLY_SKIP_SCHEMATHESIS",
};

/// schemathesis's `st` in the virtualenv `cargo xtask test` installs it into
/// (`RENEWLY_SCHEMATHESIS_VENV`, default `~/.cache/renewly/schemathesis-venv`).
pub fn schemathesis() -> std::path::PathBuf {
    let venv = std::env::var_os("RENEWLY_SCHEMATHESIS_VENV").map_or_else(
        || {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into());
            std::path::Path::new(&home).join(".cache/renewly/schemathesis-venv")
        },
        std::path::PathBuf::from,
    );
    venv.join("bin").join("st")
}

/// Whether the tests that need `tool` were asked to skip it.
pub fn opted_out(tool: &Tool) -> bool {
    std::env::var(tool.opt_out).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// `true` when `present`. Otherwise fails the test with what to install, or,
/// when the tool's opt-out variable is set, prints a loud note and answers
/// `false`: the caller then returns without checking anything.
pub fn available(tool: &Tool, present: bool) -> bool {
    if present {
        return true;
    }
    assert!(
        opted_out(tool),
        "{} not found: install it ({}) or set {}=1 to skip the tests that need it",
        tool.what,
        tool.install,
        tool.opt_out
    );
    // Straight to the process's stderr: the harness would swallow eprintln! of
    // a test that returns normally, and a skip must not look like a pass.
    let _ = writeln!(
        std::io::stderr().lock(),
        "\n##  SKIPPED (not run, {}=1): {} not found\n",
        tool.opt_out,
        tool.what
    );
    false
}

/// Whether `program args…` starts and exits successfully.
pub fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}
