//! Documents and email: the invoice PDF endpoint, the outbox written inside a
//! transaction, and its delivery as `.eml` files or over SMTP (to a local
//! aiosmtpd catcher).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use renewly::config::{Config, Secret};
use renewly::db::Tx;
use renewly::mail::templates::{InvoiceMessage, MagicLink};
use renewly::mail::{self, NewMessage, Recipient};
use renewly::store::Scope;
use serde_json::Value;

use super::*;
use renewly_tests::tools;

fn scope(app: &TestApp) -> Scope {
    Scope {
        merchant_id: app.keys.merchant.clone(),
        livemode: false,
    }
}

fn id_of(r: &renewly_tests::Resp) -> String {
    assert!(r.status == 200 || r.status == 201, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

/// A customer named outside Latin-1 with a good card on a 29.00/month plan;
/// returns the first invoice (JSON).
async fn first_invoice(app: &TestApp) -> Value {
    let product = id_of(
        &app.post("/v1/products", json!({"name": "Pro", "kind": "recurring"}))
            .await,
    );
    let price = id_of(
        &app.post(
            "/v1/prices",
            json!({"product": product, "unit_amount": "29.00",
                   "recurring": {"interval": "month", "interval_count": 1},
                   "tax_behavior": "exclusive"}),
        )
        .await,
    );
    let plan = id_of(
        &app.post(
            "/v1/plans",
            json!({"name": "Pro", "prices": [price], "published": true}),
        )
        .await,
    );
    let customer = id_of(
        &app.post(
            "/v1/customers",
            json!({"email": "zoe@example.rs", "name": "Zoë Ðorđević", "locale": "nl",
                   "address": {"line1": "Kneza Miloša 7", "city": "Beograd", "country": "NL"}}),
        )
        .await,
    );
    let card = json!({"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}});
    id_of(
        &app.post(&format!("/v1/customers/{customer}/payment_methods"), card)
            .await,
    );
    let sub = id_of(
        &app.post(
            "/v1/subscriptions",
            json!({"customer": customer, "plan": plan, "items": [{"price": price, "quantity": 1}]}),
        )
        .await,
    );
    let list = app.get(&format!("/v1/invoices?subscription={sub}")).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let data = list.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{}", list.text);
    data[0].clone()
}

/// A GET whose body is binary.
async fn get_bytes(
    app: &TestApp,
    key: &str,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let r = app
        .client
        .get(format!("{}{}", app.url, path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "renewly-{name}-{}",
        ulid::Ulid::generate().to_string().to_ascii_lowercase()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The text of a PDF, or `None` (after a loud note) when pdftotext is missing
/// and `RENEWLY_SKIP_PDF_TESTS=1` asks to skip; otherwise a missing pdftotext fails.
fn pdftotext(pdf: &[u8]) -> Option<String> {
    let present = tools::runs("pdftotext", &["-v"]);
    if !tools::available(&tools::PDFTOTEXT, present) {
        return None;
    }
    let dir = temp_dir("pdf");
    let path = dir.join("invoice.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

fn config_with(outbox_dir: &Path, smtp: Option<String>) -> Config {
    let mut config = Config::for_database("sqlite://unused.db");
    config.outbox_dir = outbox_dir.to_path_buf();
    config.smtp_url = smtp.map(Secret::new);
    config.mail_from = "billing@acme.test".to_owned();
    config
}

async fn enqueue(app: &TestApp, msg: &NewMessage) -> String {
    let mut tx = Tx::begin(app.db()).await.unwrap();
    let id = mail::enqueue_returning_id(&mut tx, msg).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// (status, attempts, next_attempt_at, last_error, sent_at) of a message.
async fn outbox_row(
    app: &TestApp,
    id: &str,
) -> (String, i64, String, Option<String>, Option<String>) {
    app.db()
        .fetch_optional(
            "SELECT status, attempts, next_attempt_at, last_error, sent_at FROM outbox WHERE id = $1",
            &renewly::args![id],
        )
        .await
        .unwrap()
        .expect("message stored")
}

async fn outbox_count(app: &TestApp) -> i64 {
    let (n,): (i64,) = app
        .db()
        .fetch_optional("SELECT COUNT(*) FROM outbox", &[])
        .await
        .unwrap()
        .unwrap();
    n
}

fn magic_link(app: &TestApp, to: &str) -> NewMessage {
    NewMessage::magic_link(
        &scope(app),
        &Recipient::new(to, "en"),
        &MagicLink {
            merchant_name: "Acme".into(),
            customer_name: Some("Łukasz Żółć".into()),
            url: "http://127.0.0.1/portal/login/tok_secret".into(),
            valid_minutes: 15,
        },
    )
}

/// `python3 -m aiosmtpd` on a free loopback port, stopped when dropped.
pub(crate) struct SmtpCatcher {
    child: Child,
    pub(crate) port: u16,
    log: PathBuf,
}

impl SmtpCatcher {
    /// The catcher, or `None` (after a loud note) when aiosmtpd is missing and
    /// `RENEWLY_SKIP_SMTP_TESTS=1` asks to skip; otherwise a missing aiosmtpd fails.
    pub(crate) fn start() -> Option<Self> {
        let present = tools::runs("python3", &["-c", "import aiosmtpd"]);
        if !tools::available(&tools::AIOSMTPD, present) {
            return None;
        }
        let port = free_port();
        let log = temp_dir("smtp").join("received.txt");
        let child = Command::new("python3")
            .args([
                "-u",
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let catcher = Self { child, port, log };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(catcher);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("aiosmtpd did not start listening on {port}");
    }

    pub(crate) fn received(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for SmtpCatcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = self.log.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A loopback port nothing listens on (bound, then released).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

scenarios! {
    async fn an_invoice_pdf_is_served_to_its_merchant_only(app) {
        let invoice = first_invoice(app).await;
        let id = invoice["id"].as_str().unwrap();
        let number = invoice["number"].as_str().unwrap();
        let (status, headers, pdf) = get_bytes(app, &app.keys.sk, &format!("/v1/invoices/{id}/pdf")).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
        assert_eq!(headers["content-type"], "application/pdf");
        let filename = format!("{}.pdf", number.replace('/', "-"));
        assert_eq!(
            headers["content-disposition"].to_str().unwrap(),
            format!("inline; filename=\"{filename}\"")
        );
        assert!(pdf.starts_with(b"%PDF"), "not a PDF");
        let (status, _, dutch) = get_bytes(app, &app.keys.sk, &format!("/v1/invoices/{id}/pdf?locale=nl")).await;
        assert_eq!(status, 200);
        assert!(dutch.starts_with(b"%PDF"), "not a PDF");

        // Another merchant, an unknown id and a publishable key get nothing.
        let beta = app.new_merchant("Beta", "DE", "EUR").await;
        app.get_as(&beta.sk, &format!("/v1/invoices/{id}/pdf")).await
            .assert_problem(404, "resource_missing", None);
        app.get("/v1/invoices/inv_01jzzzzzzzzzzzzzzzzzzzzzzz/pdf").await
            .assert_problem(404, "resource_missing", None);
        app.get_as(&app.keys.pk, &format!("/v1/invoices/{id}/pdf")).await
            .assert_problem(403, "secret_key_required", None);
    }

    async fn an_invoice_pdf_reads_as_its_number_total_and_customer_in_either_language(app) {
        let invoice = first_invoice(app).await;
        let id = invoice["id"].as_str().unwrap();
        let number = invoice["number"].as_str().unwrap();
        let (_, _, pdf) = get_bytes(app, &app.keys.sk, &format!("/v1/invoices/{id}/pdf")).await;
        let Some(text) = pdftotext(&pdf) else { return };
        let total = invoice["total"].as_str().unwrap();
        assert!(text.contains(number), "{number} in:\n{text}");
        assert!(text.contains(&format!("€ {total}")), "€ {total} in:\n{text}");
        assert!(text.contains("Zoë Ðorđević"), "customer name in:\n{text}");
        let (_, _, dutch) = get_bytes(app, &app.keys.sk, &format!("/v1/invoices/{id}/pdf?locale=nl")).await;
        let text = pdftotext(&dutch).unwrap();
        assert!(text.contains("Factuur"), "{text}");
    }

    async fn an_invoice_email_is_written_as_an_eml_file_with_its_pdf(app) {
        let invoice = first_invoice(app).await;
        let id = invoice["id"].as_str().unwrap();
        let number = invoice["number"].as_str().unwrap();
        let typed = renewly::billing::present::get_invoice(app.db(), &scope(app), id).await.unwrap().unwrap();
        let to = Recipient::new("zoe@example.rs", "nl");
        let msg = NewMessage::invoice(&scope(app), &to, id, &InvoiceMessage::from_invoice("Acme", &typed, None));
        let before = outbox_count(app).await;

        // Written in a transaction that rolls back: nothing is queued.
        {
            let mut tx = Tx::begin(app.db()).await.unwrap();
            mail::enqueue(&mut tx, &msg).await.unwrap();
        }
        assert_eq!(outbox_count(app).await, before);

        let message = enqueue(app, &msg).await;
        assert!(message.starts_with("msg_"));
        let dir = temp_dir("outbox");
        let config = config_with(&dir, None);
        let sent = renewly::mail::deliver_due(app.db(), &config).await.unwrap();
        assert!(sent >= 1, "delivered {sent}");
        let (status, attempts, _, error, sent_at) = outbox_row(app, &message).await;
        assert_eq!((status.as_str(), attempts, error), ("sent", 1, None));
        assert!(sent_at.is_some());
        assert_eq!(renewly::mail::deliver_due(app.db(), &config).await.unwrap(), 0, "sent once");

        let eml = std::fs::read_to_string(dir.join(format!("{message}.eml"))).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let subject = if typed.amount_due.is_zero() {
            format!("Subject: Betaalbewijs voor factuur {number} van Acme")
        } else {
            format!("Subject: Factuur {number} van Acme")
        };
        for expected in [
            subject.as_str(),
            "To: zoe@example.rs",
            "billing@acme.test",
            "Content-Type: multipart/mixed",
            "Content-Type: multipart/alternative",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Type: text/html; charset=utf-8",
            "Content-Type: application/pdf",
            &format!("filename=\"{}.pdf\"", number.replace('/', "-")),
            "JVBERi0", // "%PDF-" in base64
        ] {
            assert!(eml.contains(expected), "{expected:?} missing from:\n{eml}");
        }
        assert!(eml.contains(&format!("Message-ID: <{message}@acme.test>")), "{eml}");
    }

    async fn smtp_delivery_succeeds_and_a_dead_server_is_retried_later(app) {
        // Test-mode e-mail reaches SMTP only for listed recipients.
        let listed = json!({"test_email_recipients": ["dead@example.test", "lukasz@example.test"]});
        assert_eq!(app.patch("/v1/merchant", listed).await.status, 200);
        let dir = temp_dir("unused-outbox");
        // A server that refuses connections: the message waits for a retry.
        let dead = config_with(&dir, Some(format!("smtp://127.0.0.1:{}", free_port())));
        let waiting = enqueue(app, &magic_link(app, "dead@example.test")).await;
        let started = renewly::store::now();
        assert_eq!(renewly::mail::deliver_due(app.db(), &dead).await.unwrap(), 0);
        let (status, attempts, next, error, sent_at) = outbox_row(app, &waiting).await;
        assert_eq!((status.as_str(), attempts), ("pending", 1));
        assert!(next > started, "next attempt {next} after {started}");
        assert!(error.is_some_and(|e| e.starts_with("smtp")));
        assert!(sent_at.is_none());
        // Not due again yet.
        assert_eq!(renewly::mail::deliver_due(app.db(), &dead).await.unwrap(), 0);
        assert_eq!(outbox_row(app, &waiting).await.1, 1);
        assert!(std::fs::read_dir(&dir).unwrap().next().is_none(), "no .eml fallback");
        let _ = std::fs::remove_dir_all(&dir);

        let Some(catcher) = SmtpCatcher::start() else { return };
        let live = config_with(&dir, Some(format!("smtp://127.0.0.1:{}", catcher.port)));
        let message = enqueue(app, &magic_link(app, "lukasz@example.test")).await;
        assert_eq!(renewly::mail::deliver_due(app.db(), &live).await.unwrap(), 1);
        let (status, attempts, _, error, sent_at) = outbox_row(app, &message).await;
        assert_eq!((status.as_str(), attempts, error), ("sent", 1, None));
        assert!(sent_at.is_some());
        let mut received = String::new();
        for _ in 0..50 {
            received = catcher.received();
            if received.contains("lukasz@example.test") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(received.contains("Subject: Your sign-in link for Acme"), "{received}");
        assert!(received.contains("lukasz@example.test"), "{received}");
        // The message that waited is still waiting for its own time.
        assert_eq!(outbox_row(app, &waiting).await.0, "pending");
    }
}
