//! localstripe, a stand-in for Stripe's API (the real one cannot be reached from
//! the tests), started on a free loopback port for one test and stopped with it.
//! It runs from the virtualenv `cargo xtask test` and `.ci/run` make
//! (`RENEWLY_LOCALSTRIPE_VENV`, default `~/.cache/renewly/localstripe-venv`),
//! through `tests/stand-ins/localstripe_compat.py`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::tools::{self, Tool};

pub const LOCALSTRIPE: Tool = Tool {
    what: "localstripe (a stand-in for Stripe's API)",
    install: "cargo xtask test installs it into ~/.cache/renewly/localstripe-venv; or \
              python3 -m venv DIR && DIR/bin/pip install -r xtask/localstripe-requirements.txt \
              and set RENEWLY_LOCALSTRIPE_VENV=DIR",
    opt_out: "RENEWLY_SKIP_STRIPE_TESTS",
};

/// The secret key the tests give their merchant (localstripe takes any `sk_…`).
pub const SECRET_KEY: &str = "sk_test_renewly_tests_4242";
pub const PUBLISHABLE_KEY: &str = "pk_test_renewly_tests";

/// The virtualenv localstripe is installed in.
pub fn venv() -> PathBuf {
    std::env::var_os("RENEWLY_LOCALSTRIPE_VENV").map_or_else(
        || {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into());
            PathBuf::from(home).join(".cache/renewly/localstripe-venv")
        },
        PathBuf::from,
    )
}

/// A running localstripe, stopped when dropped; `None` inside when the tests
/// that need it are skipped (never on CI, where a missing localstripe fails).
pub struct LocalStripe {
    running: Option<(Child, String)>,
    client: reqwest::Client,
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        if let Some((child, _)) = &mut self.running {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl LocalStripe {
    /// Starts localstripe on a free port and waits until it answers.
    pub async fn start() -> Self {
        let client = reqwest::Client::new();
        let python = venv().join("bin").join("python");
        let present = python.exists()
            && tools::runs(&python.to_string_lossy(), &["-c", "import localstripe"]);
        if !present && std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "{} is missing on CI: {}",
                LOCALSTRIPE.what, LOCALSTRIPE.install
            );
        }
        if !tools::available(&LOCALSTRIPE, present) {
            return Self {
                running: None,
                client,
            };
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("stand-ins/localstripe_compat.py");
        let child = Command::new(&python)
            .arg(script)
            .args(["--port", &port.to_string(), "--from-scratch"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start localstripe");
        let base = format!("http://127.0.0.1:{port}/");
        let me = Self {
            running: Some((child, base.clone())),
            client,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let up = me
                .client
                .get(format!("{base}v1/balance"))
                .bearer_auth(SECRET_KEY)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if up {
                return me;
            }
            assert!(
                Instant::now() < deadline,
                "localstripe did not start on {base}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Points the server at this localstripe and gives it a test master key.
    pub fn configure(&self, config: &mut renewly::config::Config) {
        if let Some(base) = self.base() {
            config.stripe_api_base = base.to_owned();
        }
    }

    /// Whether it runs (false: the test was asked to skip and must return).
    pub fn running(&self) -> bool {
        self.running.is_some()
    }

    /// Its base URL, `http://127.0.0.1:PORT/`.
    pub fn base(&self) -> Option<&str> {
        self.running.as_ref().map(|(_, b)| b.as_str())
    }

    /// `GET` a path of Stripe's API there, with the tests' secret key.
    pub async fn get(&self, path: &str) -> Value {
        let base = self.base().expect("localstripe running");
        self.client
            .get(format!("{base}{}", path.trim_start_matches('/')))
            .bearer_auth(SECRET_KEY)
            .send()
            .await
            .expect("localstripe answers")
            .json()
            .await
            .expect("JSON from localstripe")
    }

    /// `POST` a form to Stripe's API there, with the tests' secret key.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let base = self.base().expect("localstripe running");
        // Form-encoded as Stripe's API takes it (through Url's encoder).
        let encoded = reqwest::Url::parse_with_params("http://form.invalid/", form)
            .expect("a form")
            .query()
            .unwrap_or_default()
            .to_owned();
        self.client
            .post(format!("{base}{}", path.trim_start_matches('/')))
            .bearer_auth(SECRET_KEY)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encoded)
            .send()
            .await
            .expect("localstripe answers")
            .json()
            .await
            .expect("JSON from localstripe")
    }

    /// A payment method for a test card number, as Stripe.js makes one in the
    /// browser; returns its id (`pm_…`).
    pub async fn card(&self, number: &str) -> String {
        let pm = self
            .post(
                "/v1/payment_methods",
                &[
                    ("type", "card"),
                    ("card[number]", number),
                    ("card[exp_month]", "12"),
                    ("card[exp_year]", "2034"),
                    ("card[cvc]", "123"),
                ],
            )
            .await;
        pm["id"].as_str().expect("a payment method id").to_owned()
    }

    /// Every PaymentIntent localstripe holds (it keeps one store per process).
    pub async fn payment_intents(&self) -> Vec<Value> {
        let list = self.get("/v1/payment_intents?limit=100").await;
        list["data"].as_array().cloned().unwrap_or_default()
    }
}
