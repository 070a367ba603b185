//! What every browser test needs: the demo (API + merchant site on two origins)
//! from the real `renewly` binary in a temporary folder, chromedriver, a headless
//! Chromium session, and helpers that reach into the widgets' shadow roots.

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use serde_json::{Value, json};

pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// How long a widget may take to show what a step waits for.
const PATIENCE: Duration = Duration::from_secs(20);

/// One browser and one demo at a time: two cores, and Chromium is hungry.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
static RUN: AtomicU32 = AtomicU32::new(0);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives in the workspace")
        .to_path_buf()
}

/// `<target>/<profile>`, from this test binary's `<target>/<profile>/deps/…`.
fn profile_dir() -> PathBuf {
    std::env::current_exe()
        .expect("the test binary's path")
        .ancestors()
        .nth(2)
        .expect("the test binary lives in <target>/<profile>/deps")
        .to_path_buf()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

/// A child process, killed when dropped (also when a test panics).
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Chromium and chromedriver, or `None` (with a loud message) when they are not
/// installed and `RENEWLY_SKIP_BROWSER_TESTS=1` asks to skip. Otherwise a missing
/// browser fails the test.
fn tools() -> Option<(PathBuf, PathBuf)> {
    let find = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(default))
    };
    let chromium = find("CHROMIUM", "/usr/bin/chromium");
    let driver = find("CHROMEDRIVER", "/usr/bin/chromedriver");
    let present = chromium.exists() && driver.exists();
    renewly_tests::tools::available(&renewly_tests::tools::BROWSER, present)
        .then_some((chromium, driver))
}

/// The built widget, or a clear failure.
fn widget_dist() -> PathBuf {
    let dist = repo().join("widget").join("dist");
    let names: Vec<String> = std::fs::read_dir(&dist)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    for (prefix, ext) in [
        ("renewly.js", ""),
        ("renewly_checkout-", ".js"),
        ("renewly_checkout_bg-", ".wasm"),
        ("renewly_portal-", ".js"),
        ("renewly_portal_bg-", ".wasm"),
        ("renewly_all-", ".js"),
        ("renewly_all_bg-", ".wasm"),
    ] {
        assert!(
            names
                .iter()
                .any(|n| n.starts_with(prefix) && n.ends_with(ext)),
            "{}/{prefix}…{ext} is missing: build the widget first with `cargo xtask widget`",
            dist.display()
        );
    }
    dist
}

/// The `renewly` binary of this profile, built (quickly, when up to date) first.
fn renewly_binary() -> PathBuf {
    let profile = profile_dir();
    let mut args = vec!["build", "-q", "-p", "renewly", "--bin", "renewly"];
    if profile.file_name().is_some_and(|n| n == "release") {
        args.push("--release");
    }
    let status = Command::new(env!("CARGO"))
        .args(&args)
        .current_dir(repo())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo {} failed", args.join(" "));
    profile.join(format!("renewly{}", std::env::consts::EXE_SUFFIX))
}

/// `renewly demo` on two free ports, in a fresh folder with a fresh database.
pub struct Demo {
    _proc: Proc,
    /// The merchant site, e.g. `http://127.0.0.1:40001`.
    pub site: String,
    /// The API origin.
    pub api: String,
    pub dir: PathBuf,
}

impl Demo {
    fn start(bin: &Path, dist: &Path) -> Self {
        let n = RUN.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("renewly-browser-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let log = std::fs::File::create(dir.join("renewly.log")).expect("a log file");
        let (api_port, site_port) = (free_port(), free_port());
        let mut child = Command::new(bin)
            .args([
                "demo",
                "--no-history",
                "--listen",
                &format!("127.0.0.1:{api_port}"),
            ])
            .args(["--site-listen", &format!("127.0.0.1:{site_port}")])
            .arg("--site-dir")
            .arg(repo().join("demo-site"))
            .current_dir(&dir)
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", dir.join("demo.db").display()),
            )
            .env("RENEWLY_WIDGET_DIR", dist)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("renewly demo starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let proc = Proc(child);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
                let _ = tx.send(line);
            }
        });
        let (mut site, mut api) = (None, None);
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).unwrap_or_else(|_| {
                panic!(
                    "renewly demo did not come up; its log:\n{}",
                    std::fs::read_to_string(dir.join("renewly.log")).unwrap_or_default()
                )
            });
            let url = || line.split_whitespace().last().map(str::to_owned);
            if line.contains("Merchant site") {
                site = url().map(|u| u.trim_end_matches('/').to_owned());
            } else if line.trim_start().starts_with("API:") {
                api = url().map(|u| u.trim_end_matches("/v1").to_owned());
            } else if line.contains("Stop with Ctrl-C") {
                break;
            }
        }
        Demo {
            _proc: proc,
            site: site.expect("the demo printed its site URL"),
            api: api.expect("the demo printed its API URL"),
            dir,
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("renewly.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// chromedriver on a free port.
fn start_driver(driver: &Path) -> (Proc, String) {
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let proc = Proc(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    (proc, format!("http://127.0.0.1:{port}"))
}

/// A headless Chromium session on the demo site.
pub struct Browser {
    pub client: Client,
    pub site: String,
    pub api: String,
    /// The demo's folder; its e-mails are `.eml` files in `outbox/`.
    pub dir: PathBuf,
}

/// Runs one scenario with a fresh demo and browser; on failure saves a screenshot
/// to `<target>/browser-screenshots/<name>.png` and prints the widgets' markup
/// and the server's log before failing.
pub fn run<F, Fut>(name: &str, width: u32, scenario: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = Result>,
{
    let Some((chromium, driver)) = tools() else {
        return;
    };
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dist = widget_dist();
    let demo = Demo::start(&renewly_binary(), &dist);
    let (_driver, driver_url) = start_driver(&driver);
    let profile = demo.dir.join("chromium-profile");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let mut caps = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.display()),
                    format!("--window-size={},1000", width.max(500)),
                ]
            }
        });
        // A window is at least 500 px wide: narrower screens are emulated.
        if width < 500 {
            caps["goog:chromeOptions"]["mobileEmulation"] = json!({
                "deviceMetrics": { "width": width, "height": 800, "pixelRatio": 2, "touch": true }
            });
        }
        let Value::Object(caps) = caps else {
            unreachable!("a JSON object")
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver_url)
            .await
            .expect("a Chromium session");
        let browser = Browser {
            client: client.clone(),
            site: demo.site.clone(),
            api: demo.api.clone(),
            dir: demo.dir.clone(),
        };
        let outcome = AssertUnwindSafe(scenario(browser)).catch_unwind().await;
        if !matches!(outcome, Ok(Ok(()))) {
            report_failure(&client, name, &demo).await;
        }
        let _ = client.close().await;
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("{name}: {e}"),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
}

async fn report_failure(client: &Client, name: &str, demo: &Demo) {
    let dir = profile_dir()
        .parent()
        .map(|t| t.join("browser-screenshots"))
        .unwrap_or_else(|| PathBuf::from("browser-screenshots"));
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = client.screenshot().await {
        let file = dir.join(format!("{name}.png"));
        if std::fs::write(&file, png).is_ok() {
            eprintln!("screenshot of the failure: {}", file.display());
        }
    }
    let markup = client
        .execute(
            "return [...document.querySelectorAll('renewly-pricing, renewly-checkout, renewly-portal')]
               .map(e => e.tagName + ': ' + (e.shadowRoot ? e.shadowRoot.innerHTML.replace(/<style>[^]*?<\\/style>/g, '') : '(no shadow root)'))
               .join('\\n').slice(0, 6000);",
            vec![],
        )
        .await
        .unwrap_or_default();
    eprintln!("widget markup:\n{}", markup.as_str().unwrap_or_default());
    eprintln!("renewly log (tail):\n{}", demo.log_tail());
}

/// Polls `probe` until it gives a value or [`PATIENCE`] runs out.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(v) = probe().await {
            return Ok(v);
        }
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Browser {
    /// The delivered e-mails (`.eml` files) that contain `needle`, with the
    /// quoted-printable soft line breaks and `=3D` undone (enough to read links).
    pub fn mails_containing(&self, needle: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("outbox")) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .map(|text| {
                text.replace("=\r\n", "")
                    .replace("=\n", "")
                    .replace("=3D", "=")
            })
            .filter(|text| text.contains(needle))
            .collect()
    }

    pub async fn goto(&self, path: &str) -> Result {
        self.client.goto(&format!("{}{path}", self.site)).await?;
        Ok(())
    }

    /// Runs JavaScript in the page and returns its result.
    pub async fn js(&self, script: &str) -> Result<Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    /// The first element matching `css` inside `<tag>`'s shadow root, once there.
    pub async fn find(&self, tag: &str, css: &str) -> Result<Element> {
        eventually(&format!("`{css}` in <{tag}>"), || async {
            let host = self.client.find(Locator::Css(tag)).await.ok()?;
            let root = host.shadow_root().await.ok()?;
            root.find(Locator::Css(css)).await.ok()
        })
        .await
    }

    /// Every element matching `css` inside `<tag>`'s shadow root (waits for one).
    pub async fn find_all(&self, tag: &str, css: &str) -> Result<Vec<Element>> {
        self.find(tag, css).await?;
        let host = self.client.find(Locator::Css(tag)).await?;
        Ok(host
            .shadow_root()
            .await?
            .find_all(Locator::Css(css))
            .await?)
    }

    /// Waits until the element's text contains `needle`; returns the text.
    pub async fn text_contains(&self, tag: &str, css: &str, needle: &str) -> Result<String> {
        eventually(&format!("`{css}` in <{tag}> to say {needle:?}"), || async {
            let host = self.client.find(Locator::Css(tag)).await.ok()?;
            let root = host.shadow_root().await.ok()?;
            let text = root.find(Locator::Css(css)).await.ok()?.text().await.ok()?;
            text.contains(needle).then_some(text)
        })
        .await
    }

    /// Whether an element matching `css` is in `<tag>`'s shadow root right now.
    pub async fn present(&self, tag: &str, css: &str) -> bool {
        let Ok(host) = self.client.find(Locator::Css(tag)).await else {
            return false;
        };
        let Ok(root) = host.shadow_root().await else {
            return false;
        };
        root.find(Locator::Css(css)).await.is_ok()
    }

    /// Types into an input of the widget, replacing what was there.
    pub async fn fill(&self, tag: &str, css: &str, text: &str) -> Result {
        let input = self.find(tag, css).await?;
        // Backspaces from the end (where chromedriver puts the caret), as a person
        // would; select-all shortcuts do not survive between send_keys calls.
        let old = input.prop("value").await?.unwrap_or_default();
        let keys: String = std::iter::repeat_n(char::from(Key::Backspace), old.chars().count())
            .chain(text.chars())
            .collect();
        input.send_keys(&keys).await?;
        let value = input.prop("value").await?.unwrap_or_default();
        let plain = |s: &str| -> String { s.chars().filter(|c| c.is_alphanumeric()).collect() };
        if plain(&value) != plain(text) {
            return Err(format!("typing {text:?} into `{css}` gave {value:?}").into());
        }
        Ok(())
    }

    pub async fn click(&self, tag: &str, css: &str) -> Result {
        self.find(tag, css).await?.click().await?;
        Ok(())
    }

    /// Clicks the first element matching `css` whose text contains `label`, once
    /// there is one.
    pub async fn click_text(&self, tag: &str, css: &str, label: &str) -> Result {
        let found = eventually(&format!("`{css}` saying {label:?} in <{tag}>"), || async {
            let host = self.client.find(Locator::Css(tag)).await.ok()?;
            let root = host.shadow_root().await.ok()?;
            for el in root.find_all(Locator::Css(css)).await.ok()? {
                if el.text().await.ok()?.contains(label) {
                    return Some(el);
                }
            }
            None
        })
        .await?;
        found.click().await?;
        Ok(())
    }

    /// The element that has the focus inside `<tag>`'s shadow root, as
    /// `tag#id.class…` (empty when the focus is elsewhere).
    pub async fn focused(&self, tag: &str) -> Result<String> {
        let script = format!(
            "const el = document.querySelector('{tag}').shadowRoot.activeElement; \
             return el ? el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') \
               + [...el.classList].map(c => '.' + c).join('') : '';"
        );
        Ok(self
            .js(&script)
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// Draws a zigzag across an element with the mouse (pointer events).
    pub async fn draw_on(&self, element: &Element) -> Result {
        let mut mouse = MouseActions::new("mouse".to_owned()).then(PointerAction::MoveToElement {
            element: element.clone(),
            duration: None,
            x: -120.0,
            y: 10.0,
        });
        mouse = mouse.then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        });
        for i in 1..=12 {
            let y = if i % 2 == 0 { 18.0 } else { -18.0 };
            mouse = mouse.then(PointerAction::MoveBy {
                duration: Some(Duration::from_millis(20)),
                x: 20.0,
                y,
            });
        }
        mouse = mouse.then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
        self.client.perform_actions(mouse).await?;
        Ok(())
    }
}
