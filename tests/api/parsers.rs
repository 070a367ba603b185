//! Property tests of outside input through the real router: JSON bodies of any
//! shape, amounts, dates, VAT numbers and idempotency keys. Never a 5xx; a refusal is a 4xx
//! problem+json naming the field; what the documented grammar allows is
//! accepted and comes back as it was sent. (The parsers themselves are
//! property-tested in `api/tests/parsers.rs`.)

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::Method;
use reqwest::header::HeaderValue;
use serde_json::Value;

use super::*;

/// Runs a property over `strategy` with `cases` cases; each case may await
/// requests to the app (the runtime is multi-threaded, so blocking in place is
/// allowed).
fn check<S: Strategy>(cases: u32, strategy: S, case: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    if let Err(e) = runner.run(&strategy, case) {
        panic!("{e}");
    }
}

/// Waits for `future` from inside a property.
fn wait<T>(future: impl std::future::Future<Output = T>) -> T {
    let handle = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| handle.block_on(future))
}

/// A refusal: 4xx problem+json whose `status` is the answer's; a 422 names a
/// field.
fn assert_refusal(r: &renewly_tests::Resp) -> Result<(), TestCaseError> {
    prop_assert!((400..500).contains(&r.status), "{} {}", r.status, r.text);
    prop_assert_eq!(r.header("content-type"), Some("application/problem+json"));
    prop_assert_eq!(&r.body["status"], &json!(r.status));
    if r.status == 422 {
        prop_assert!(r.body["param"].is_string(), "{}", r.text);
    }
    Ok(())
}

/// Text a person or a program might put in a name: any Unicode, control
/// characters, escapes-to-be, right-to-left marks, emoji, NUL.
fn odd_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\u{0}-\u{1f}\u{7f}\u{200b}-\u{200f}\u{202a}-\u{202e}\u{feff}\u{1F600}-\u{1F64F}a-z ]{0,40}",
        ".{0,300}",
    ]
}

/// A JSON body as a client may send it, well-formed or not.
fn body_text() -> impl Strategy<Value = String> {
    prop_oneof![
        // Arbitrary text, mostly not JSON.
        any::<String>(),
        // A product with an odd name.
        odd_text().prop_map(|n| json!({"name": n}).to_string()),
        // Deep nesting where a string is expected.
        (1_usize..3000).prop_map(|d| format!(
            "{{\"name\": {}\"x\"{}}}",
            "[".repeat(d),
            "]".repeat(d)
        )),
        // Duplicate keys.
        (odd_text(), odd_text()).prop_map(|(a, b)| format!(
            "{{\"name\": {}, \"name\": {}}}",
            Value::from(a),
            Value::from(b)
        )),
        // Lone surrogates and other escapes.
        prop::sample::select(vec![
            r#"{"name": "\ud800"}"#,
            r#"{"name": "\udfff\ud800"}"#,
            r#"{"name": "\u0000"}"#,
            "\u{feff}{\"name\": \"bom\"}",
            r#"{"name": "a", "unit": 1e999}"#,
            r#"{"name": "a",}"#,
            r#"{"name": 'a'}"#,
            r#"{"name": "a" /* c */}"#,
        ])
        .prop_map(str::to_owned),
    ]
}

scenarios! {
    async fn json_bodies_of_any_shape_are_accepted_or_refused_naming_the_field(app) {
        check(64, body_text(), |text| {
            let r = wait(app.send_text(Method::POST, "/v1/products", Some(&app.keys.sk), text.clone(), &[]));
            prop_assert!(r.status < 500, "{} for {:?}: {}", r.status, text, r.text);
            if r.status == 201 {
                // What was accepted is kept as sent (trimmed).
                let sent: Value = serde_json::from_str(&text).unwrap();
                prop_assert_eq!(r.body["name"].as_str(), sent["name"].as_str().map(str::trim));
            } else {
                assert_refusal(&r)?;
            }
            Ok(())
        });
    }

    async fn a_body_over_the_limit_is_413_and_a_long_name_422_naming_it(app) {
        let huge = json!({"name": "x".repeat(2 * 1024 * 1024)}).to_string();
        let r = app.send_text(Method::POST, "/v1/products", Some(&app.keys.sk), huge, &[]).await;
        r.assert_problem(413, "body_too_large", None);
        let long = json!({"name": "ü".repeat(400_000)}).to_string();
        let r = app.send_text(Method::POST, "/v1/products", Some(&app.keys.sk), long, &[]).await;
        r.assert_problem(422, "invalid_field", Some("name"));
        let r = app.send_text(Method::POST, "/v1/products", Some(&app.keys.sk),
            r#"{"name": "A", "name": "B"}"#, &[]).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["param"], "name", "{}", r.text);
    }

    async fn a_nul_character_in_a_body_or_query_is_422_naming_it_not_a_server_error(app) {
        let r = app.send_text(Method::POST, "/v1/customers", Some(&app.keys.sk),
            r#"{"email": "a@example.com", "address": {"city": "Ams\u0000terdam"}}"#, &[]).await;
        r.assert_problem(422, "invalid_field", Some("address.city"));
        let r = app.get("/v1/customers?email=a%00b").await;
        r.assert_problem(422, "invalid_field", Some("email"));
        // A literal backslash before `u0000` is ordinary text.
        let r = app.send_text(Method::POST, "/v1/products", Some(&app.keys.sk),
            r#"{"name": "C:\\u0000"}"#, &[]).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["name"], "C:\\u0000");
    }

    async fn amounts_are_accepted_exactly_as_documented_and_come_back_unchanged(app) {
        let prod = product(app, "Metered", "one_off").await;
        let amounts = prop_oneof![
            "[0-9]{1,14}(\\.[0-9]{1,13})?",
            "[-+]?[0-9]{0,4}[.,eE_ ]?[0-9]{0,4}",
            "[\u{0660}-\u{0669}\u{FF10}-\u{FF19}0-9.]{1,6}",
        ];
        check(64, amounts, |raw| {
            let r = wait(app.post("/v1/prices", json!({"product": prod, "unit_amount": raw})));
            prop_assert!(r.status < 500, "{} {}", r.status, r.text);
            // Surrounding spaces are ignored; the rest must follow the grammar.
            let amount = raw.trim();
            let (int, frac) = amount.split_once('.').map_or((amount, None), |(i, f)| (i, Some(f)));
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            let grammar = digits(int) && frac.is_none_or(|f| digits(f) && f.len() <= 12);
            let small = int.trim_start_matches('0').len() <= 12
                || int.trim_start_matches('0') == "1000000000000" && frac.is_none_or(|f| f.bytes().all(|b| b == b'0'));
            if grammar && small {
                prop_assert_eq!(r.status, 201, "{:?}: {}", raw, r.text);
                let back: rust_decimal::Decimal = r.body["unit_amount"].as_str().unwrap().parse().unwrap();
                prop_assert_eq!(back, amount.parse::<rust_decimal::Decimal>().unwrap());
            } else {
                assert_refusal(&r)?;
                prop_assert_eq!(r.status, 422);
                prop_assert_eq!(&r.body["param"], "unit_amount");
            }
            Ok(())
        });
    }

    async fn dates_are_accepted_exactly_as_yyyy_mm_dd_that_exist(app) {
        let dates = prop_oneof![
            "[0-9]{4}-[0-9]{2}-[0-9]{2}",
            "(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(2[89]|3[01])",
            "[+-]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}",
            "[0-9]{4}/[0-9]{2}/[0-9]{2}|[0-9]{8}|.{0,12}",
        ];
        check(64, dates, |raw| {
            let path = format!("/v1/ledger/trial_balance?as_of={}", url_escape(&raw));
            let r = wait(app.get(&path));
            prop_assert!(r.status < 500, "{} {}", r.status, r.text);
            let exists = raw.len() == 10
                && raw.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() })
                && chrono::NaiveDate::from_ymd_opt(
                    raw[..4].parse().unwrap(), raw[5..7].parse().unwrap(), raw[8..].parse().unwrap()).is_some();
            if exists {
                prop_assert_eq!(r.status, 200, "{:?}: {}", raw, r.text);
            } else {
                assert_refusal(&r)?;
                prop_assert_eq!(&r.body["param"], "as_of", "{:?}: {}", raw, r.text);
            }
            Ok(())
        });
    }

    async fn vat_numbers_are_accepted_exactly_as_the_member_state_defines(app) {
        let numbers = prop_oneof![
            odd_text(),
            "(DE|de|NL|EL|GR|XI|AT)[ .-]?[0-9A-Z .-]{0,16}",
            "DE[0-9]{9}",
        ];
        check(64, numbers, |raw| {
            let body = json!({"email": "vat@example.de", "vat_number": raw, "address": {"country": "DE"}});
            let r = wait(app.post("/v1/customers", body));
            match renewly::domain::vat::parse(&raw, Some("DE")) {
                Ok(n) => {
                    prop_assert_eq!(r.status, 201, "{:?}: {}", raw, r.text);
                    prop_assert_eq!(&r.body["vat_number"], &json!(n.map(|n| n.as_str().to_owned())));
                }
                Err(_) => {
                    assert_refusal(&r)?;
                    prop_assert_eq!(r.status, 422);
                    prop_assert_eq!(&r.body["param"], "vat_number");
                }
            }
            Ok(())
        });
    }

    async fn idempotency_keys_are_accepted_exactly_as_documented(app) {
        let keys = prop_oneof![
            proptest::collection::vec(0x21_u8..0x7f, 1..=255),
            proptest::collection::vec(0x21_u8..0x7f, 256..300),
            (proptest::collection::vec(0x21_u8..0x7f, 1..20), prop::sample::select(vec![b' ', b'\t', 0x80, 0xc3, 0xff]),
             proptest::collection::vec(0x21_u8..0x7f, 1..20))
                .prop_map(|(mut a, odd, b)| { a.push(odd); a.extend(b); a }),
        ];
        let url = format!("{}/v1/products", app.url);
        check(48, keys, |key| {
            let send = || {
                let value = HeaderValue::from_bytes(&key).unwrap();
                let req = app.client.post(&url).bearer_auth(&app.keys.sk)
                    .header("idempotency-key", value).json(&json!({"name": "Keyed"}));
                async move {
                    let r = req.send().await.unwrap();
                    let status = r.status().as_u16();
                    let replayed = r.headers().get("idempotent-replayed").map(|v| v.as_bytes().to_vec());
                    let ct = r.headers().get("content-type").map(|v| v.as_bytes().to_vec());
                    let body: Value = r.json().await.unwrap_or(Value::Null);
                    (status, replayed, ct, body)
                }
            };
            let valid = (1..=255).contains(&key.len()) && key.iter().all(u8::is_ascii_graphic);
            let (status, _, ct, body) = wait(send());
            if valid {
                prop_assert_eq!(status, 201, "{:?}: {}", String::from_utf8_lossy(&key), body);
                // A retry with the key answers the first response.
                let (again, replayed, _, body_again) = wait(send());
                prop_assert_eq!(again, 201);
                prop_assert_eq!(replayed.as_deref(), Some(&b"true"[..]));
                prop_assert_eq!(body_again["id"].clone(), body["id"].clone());
            } else {
                prop_assert_eq!(status, 422, "{:?}: {}", String::from_utf8_lossy(&key), body);
                prop_assert_eq!(ct.as_deref(), Some(&b"application/problem+json"[..]));
                prop_assert_eq!(&body["param"], "Idempotency-Key");
            }
            Ok(())
        });
    }
}

/// Percent-encodes every byte outside unreserved characters.
fn url_escape(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
