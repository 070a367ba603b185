//! Property tests of the parsers that read outside input: amounts, dates and
//! JSON bodies. Each never panics, accepts exactly its documented grammar, and
//! gives back what it read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use renewly::domain::currency::Currency;
use renewly::domain::money::{
    AmountError, MAX_AMOUNT, MAX_SCALE, from_minor, parse_amount, round, to_minor,
};
use renewly::domain::month::parse_date;
use renewly::error::ApiError;
use renewly::http::extract::parse_json;
use rust_decimal::Decimal;

/// The README's grammar of an amount: digits, optionally a point and 1 to 12
/// digits; at most 1000000000000.
fn amount_grammar(raw: &str) -> bool {
    let (int, frac) = match raw.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (raw, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(|f| digits(f) && f.len() <= MAX_SCALE as usize)
}

/// Characters an amount typed by a person or a program may contain, right or
/// wrong: digits, ASCII and Arabic-Indic and full-width, signs, exponents,
/// separators and spaces.
fn amountish() -> impl Strategy<Value = String> {
    proptest::string::string_regex(
        "[0-9]{0,16}[.,]?[0-9]{0,14}|[-+ ]?[0-9eE.,_ \u{0660}-\u{0669}\u{FF10}-\u{FF19}]{0,20}",
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn an_amount_parses_exactly_when_it_follows_the_grammar(raw in amountish()) {
        let parsed = parse_amount(&raw);
        if !amount_grammar(&raw) {
            prop_assert!(parsed.is_err(), "{raw:?} accepted as {parsed:?}");
        } else {
            // Within the grammar only the size can refuse it.
            let value = raw.trim_start_matches('0');
            let int_digits = value.split('.').next().unwrap_or_default().len();
            match parsed {
                Ok(a) => prop_assert!(a <= MAX_AMOUNT && a >= Decimal::ZERO, "{raw:?} → {a}"),
                Err(AmountError::TooLarge) => prop_assert!(int_digits >= 13, "{raw:?}"),
                Err(e) => prop_assert!(false, "{raw:?} follows the grammar but was refused: {e}"),
            }
        }
    }

    #[test]
    fn any_text_as_an_amount_never_panics(raw in any::<String>()) {
        let _ = parse_amount(&raw);
    }

    #[test]
    fn an_amount_prints_back_as_it_parses(int in 0_u64..1_000_000_000_000, frac in proptest::option::of("[0-9]{1,12}")) {
        let raw = match &frac {
            Some(f) => format!("{int}.{f}"),
            None => int.to_string(),
        };
        let a = parse_amount(&raw).unwrap();
        prop_assert_eq!(a.to_string(), raw.clone());
        prop_assert_eq!(parse_amount(&a.to_string()).unwrap(), a);
    }

    #[test]
    fn signs_exponents_and_too_many_decimals_are_refused(
        int in 0_u64..1_000_000, frac in "[0-9]{13,20}", exp in 0_u32..30,
    ) {
        prop_assert_eq!(parse_amount(&format!("-{int}")), Err(AmountError::Negative));
        prop_assert_eq!(parse_amount(&format!("+{int}")), Err(AmountError::NotDecimal));
        prop_assert_eq!(parse_amount(&format!("{int}e{exp}")), Err(AmountError::NotDecimal));
        prop_assert_eq!(parse_amount(&format!("{int}.{frac}")), Err(AmountError::TooPrecise));
    }

    #[test]
    fn huge_amounts_are_refused_not_wrapped(digits in "[1-9][0-9]{12,40}") {
        prop_assert_eq!(parse_amount(&digits), Err(AmountError::TooLarge));
    }

    #[test]
    fn minor_units_of_any_accepted_amount_round_trip(
        int in 0_u64..1_000_000_000_000, frac in "[0-9]{0,12}", code in prop::sample::select(vec!["EUR", "JPY", "KWD"]),
    ) {
        let raw = if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") };
        let cur = Currency::parse(code).unwrap();
        let a = parse_amount(&raw).unwrap();
        let minor = to_minor(a, &cur).expect("every accepted amount fits in minor units");
        prop_assert_eq!(from_minor(minor, &cur), round(a, &cur));
    }

    #[test]
    fn a_date_parses_exactly_when_it_is_yyyy_mm_dd_and_exists(raw in "[0-9+\\- ]{0,12}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,3}") {
        let parsed = parse_date(&raw);
        let shape = raw.len() == 10
            && raw.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
        if !shape {
            prop_assert_eq!(parsed, None, "{:?}", raw);
        } else {
            let exists = NaiveDate::from_ymd_opt(
                raw[..4].parse().unwrap(), raw[5..7].parse().unwrap(), raw[8..].parse().unwrap());
            prop_assert_eq!(parsed, exists);
        }
    }

    #[test]
    fn any_text_as_a_date_never_panics(raw in any::<String>()) {
        let _ = parse_date(&raw);
    }

    #[test]
    fn a_date_prints_back_as_it_parses(days in 0_i64..3_650_000) {
        let day = NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + chrono::Duration::days(days);
        prop_assume!(day.year() <= 9999);
        let raw = day.format("%Y-%m-%d").to_string();
        prop_assert_eq!(parse_date(&raw), Some(day));
    }

    #[test]
    fn month_ends_and_leap_days_exist_exactly_when_the_calendar_says(year in 1_i32..=9999, month in 1_u32..=12) {
        let last = match month {
            2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let at = |d: u32| format!("{year:04}-{month:02}-{d:02}");
        prop_assert!(parse_date(&at(last)).is_some(), "{}", at(last));
        prop_assert_eq!(parse_date(&at(last + 1)), None, "{}", at(last + 1));
        prop_assert_eq!(parse_date(&at(0)), None);
    }

    #[test]
    fn any_bytes_as_a_body_are_refused_as_invalid_json_or_a_named_field(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        check_body_error(parse_json::<renewly_types::CreateProduct>(&bytes));
    }

    #[test]
    fn any_json_shape_as_a_body_never_panics_and_names_the_field(value in json_value()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        check_body_error(parse_json::<renewly_types::CreatePrice>(&bytes));
    }
}

/// A body error is 400 `invalid_json`, or 422 with a `param`.
fn check_body_error<T>(result: Result<T, ApiError>) {
    let Err(e) = result else { return };
    let problem = e.problem();
    match problem.status {
        400 => assert_eq!(problem.code, "invalid_json"),
        422 => assert!(problem.param.is_some(), "{problem:?}"),
        other => panic!("a body error answered {other}: {problem:?}"),
    }
}

/// Any JSON value, nested a few levels, with odd keys and strings.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        ".{0,20}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("product".to_owned()),
                    Just("unit_amount".to_owned()),
                    Just("recurring".to_owned()),
                    Just("interval".to_owned()),
                    ".{0,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn nesting_far_deeper_than_any_body_is_invalid_json_not_a_stack_overflow() {
    for depth in [200, 10_000, 100_000] {
        let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let e = parse_json::<serde_json::Value>(body.as_bytes())
            .err()
            .unwrap();
        assert_eq!(e.problem().code, "invalid_json", "depth {depth}");
        let body = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        let e = parse_json::<renewly_types::CreateProduct>(body.as_bytes())
            .err()
            .unwrap();
        assert!(matches!(e.problem().status, 400 | 422), "depth {depth}");
    }
}

#[test]
fn a_duplicate_key_is_refused_naming_the_field() {
    let e = parse_json::<renewly_types::CreateProduct>(br#"{"name": "A", "name": "B"}"#)
        .err()
        .unwrap();
    let problem = e.problem();
    assert_eq!(problem.status, 422, "{problem:?}");
    assert_eq!(problem.param.as_deref(), Some("name"), "{problem:?}");
}
