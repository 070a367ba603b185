//! The built-in test provider: Stripe's test cards, no network, no secrets.
//!
//! `4242 4242 4242 4242` succeeds; `4000 0000 0000 0002` is declined and
//! `4000 0000 0000 9995` has insufficient funds when attached; `4000 0027 6000 3184`
//! needs authentication on every charge; `4000 0000 0000 0341` attaches but every
//! charge is declined. Any other Luhn-valid number succeeds.
//!
//! The provider keeps no state: a token is `tok_test_<random>`, followed by a
//! marker for the two cards whose later charges behave differently; a charge
//! reference is derived from the idempotency key, so a retry is the same charge,
//! in this process or any later one (as a real provider dedupes by key).
//! With a ledger file set, each charge request is appended to it, so a test can
//! count the charges the provider made: one per distinct key.

use std::io::Write as _;
use std::path::PathBuf;

use chrono::Datelike;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::{
    AttachedCard, Card, CardError, ChargeOutcome, ChargeStatus, PaymentProvider, ProviderError,
    RefundOutcome,
};
use crate::ids::random_token;

const TOKEN_PREFIX: &str = "tok_test_";
const CHARGE_PREFIX: &str = "py_test_";
const REFUND_PREFIX: &str = "re_test_";
/// Token marker of a card that needs authentication on every charge.
const NEEDS_AUTH: &str = "_auth";
/// Token marker of a card whose charges are all declined.
const CHARGES_FAIL: &str = "_chargefail";

/// The provider behind `provider = test`.
#[derive(Debug, Clone, Default)]
pub struct TestProvider {
    /// Where each charge request is appended (`RENEWLY_TEST_PROVIDER_LEDGER`).
    ledger: Option<PathBuf>,
}

impl TestProvider {
    /// A test provider that appends each charge request to `ledger`.
    pub fn with_ledger(ledger: Option<PathBuf>) -> Self {
        Self { ledger }
    }

    /// Appends one line per charge request: key, amount, currency, outcome.
    /// One `write` of an append-only file, so lines of concurrent processes do
    /// not interleave (a short local write: no need to leave the runtime).
    fn note(&self, key: &str, amount: Decimal, currency: &str, status: ChargeStatus) {
        let Some(path) = &self.ledger else {
            return;
        };
        let line = format!(
            "{key}\t{}\t{currency}\t{}\n",
            amount.normalize(),
            status.as_str()
        );
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path);
        let written = match file {
            Ok(mut f) => f.write_all(line.as_bytes()),
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            tracing::warn!(error = %e, "the test provider's ledger could not be written");
        }
    }
}

impl PaymentProvider for TestProvider {
    fn name(&self) -> &'static str {
        "test"
    }

    async fn attach_card(&self, card: &Card) -> Result<AttachedCard, CardError> {
        let today = chrono::Utc::now().date_naive();
        attach(card, today.year(), today.month())
    }

    async fn charge(
        &self,
        token: &str,
        amount: Decimal,
        currency: &str,
        idempotency_key: &str,
        _invoice: Option<&str>,
    ) -> Result<ChargeOutcome, ProviderError> {
        let Some(rest) = token.strip_prefix(TOKEN_PREFIX) else {
            return Err(ProviderError::UnknownReference);
        };
        let reference = format!(
            "{CHARGE_PREFIX}{}",
            &hex::encode(Sha256::digest(idempotency_key))[..24]
        );
        let (status, failure_code) = if rest.ends_with(CHARGES_FAIL) {
            (ChargeStatus::Failed, Some("card_declined".to_owned()))
        } else if rest.ends_with(NEEDS_AUTH) {
            (ChargeStatus::RequiresAction, None)
        } else {
            (ChargeStatus::Succeeded, None)
        };
        self.note(idempotency_key, amount, currency, status);
        Ok(ChargeOutcome {
            status,
            failure_code,
            reference,
        })
    }

    async fn confirm(&self, reference: &str) -> Result<ChargeOutcome, ProviderError> {
        if !reference.starts_with(CHARGE_PREFIX) {
            return Err(ProviderError::UnknownReference);
        }
        Ok(ChargeOutcome {
            status: ChargeStatus::Succeeded,
            failure_code: None,
            reference: reference.to_owned(),
        })
    }

    async fn refund(
        &self,
        reference: &str,
        _amount: Decimal,
        _currency: &str,
        idempotency_key: &str,
    ) -> Result<RefundOutcome, ProviderError> {
        if !reference.starts_with(CHARGE_PREFIX) {
            return Err(ProviderError::UnknownReference);
        }
        Ok(RefundOutcome {
            reference: format!(
                "{REFUND_PREFIX}{}",
                &hex::encode(Sha256::digest(idempotency_key))[..24]
            ),
        })
    }
}

/// Checks a card as of the given month, like Stripe test mode does.
fn attach(card: &Card, year: i32, month: u32) -> Result<AttachedCard, CardError> {
    let number: String = card
        .number
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    if !(12..=19).contains(&number.len()) || !luhn_valid(&number) {
        return Err(CardError::IncorrectNumber);
    }
    let exp_year = i64::from(card.exp_year);
    let (year, month) = (i64::from(year), i64::from(month));
    if exp_year < year || (exp_year == year && i64::from(card.exp_month) < month) {
        return Err(CardError::Expired {
            in_year: exp_year < year,
        });
    }
    let brand = brand(&number);
    let cvc_len = if brand == "amex" { 4 } else { 3 };
    if card.cvc.len() != cvc_len || !card.cvc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CardError::InvalidCvc);
    }
    let marker = match number.as_str() {
        "4000000000000002" => return Err(CardError::Declined),
        "4000000000009995" => return Err(CardError::InsufficientFunds),
        "4000002760003184" => NEEDS_AUTH,
        "4000000000000341" => CHARGES_FAIL,
        _ => "",
    };
    Ok(AttachedCard {
        token: format!("{TOKEN_PREFIX}{}{marker}", random_token(12)),
        brand: brand.to_owned(),
        last4: number[number.len() - 4..].to_owned(),
        exp_month: card.exp_month,
        exp_year: card.exp_year,
    })
}

/// Whether a digit string passes the Luhn checksum.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The card brand from the issuer identification number (the leading digits).
pub fn brand(digits: &str) -> &'static str {
    let prefix = |n: usize| {
        digits
            .get(..n)
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    if digits.starts_with('4') {
        "visa"
    } else if (51..=55).contains(&prefix(2)) || (2221..=2720).contains(&prefix(4)) {
        "mastercard"
    } else if matches!(prefix(2), 34 | 37) {
        "amex"
    } else if prefix(4) == 6011 || prefix(2) == 65 {
        "discover"
    } else {
        "unknown"
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn card(number: &str, cvc: &str) -> Card {
        Card {
            number: number.to_owned(),
            exp_month: 12,
            exp_year: 2030,
            cvc: cvc.to_owned(),
        }
    }

    #[test]
    fn luhn_accepts_the_test_cards_and_rejects_a_typo() {
        for n in [
            "4242424242424242",
            "4000000000000002",
            "4000000000009995",
            "4000002760003184",
            "4000000000000341",
            "5555555555554444",
            "2223003122003222",
            "378282246310005",
            "6011111111111117",
        ] {
            assert!(luhn_valid(n), "{n}");
        }
        assert!(!luhn_valid("4242424242424241"));
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("42424242424242a2"));
    }

    #[test]
    fn brand_follows_the_issuer_number() {
        assert_eq!(brand("4242424242424242"), "visa");
        assert_eq!(brand("5105105105105100"), "mastercard");
        assert_eq!(brand("2221000000000009"), "mastercard");
        assert_eq!(brand("2720990000000000"), "mastercard");
        assert_eq!(brand("2721000000000000"), "unknown");
        assert_eq!(brand("371449635398431"), "amex");
        assert_eq!(brand("340000000000009"), "amex");
        assert_eq!(brand("6011000990139424"), "discover");
        assert_eq!(brand("6500000000000002"), "discover");
        assert_eq!(brand("3056930009020004"), "unknown");
    }

    #[test]
    fn each_test_card_attaches_as_stripe_test_mode_does() {
        let ok = attach(&card("4242 4242 4242 4242", "123"), 2026, 5).unwrap();
        assert_eq!((ok.brand.as_str(), ok.last4.as_str()), ("visa", "4242"));
        assert!(ok.token.starts_with("tok_test_") && !ok.token.contains("4242"));
        assert_eq!(
            attach(&card("4000000000000002", "123"), 2026, 5),
            Err(CardError::Declined)
        );
        assert_eq!(
            attach(&card("4000000000009995", "123"), 2026, 5),
            Err(CardError::InsufficientFunds)
        );
        assert_eq!(
            attach(&card("4242424242424241", "123"), 2026, 5),
            Err(CardError::IncorrectNumber)
        );
        assert_eq!(
            attach(&card("4242424242424242", "12"), 2026, 5),
            Err(CardError::InvalidCvc)
        );
        assert_eq!(
            attach(&card("378282246310005", "123"), 2026, 5),
            Err(CardError::InvalidCvc)
        );
        assert_eq!(
            attach(&card("378282246310005", "1234"), 2026, 5)
                .unwrap()
                .brand,
            "amex"
        );
    }

    #[test]
    fn a_card_is_valid_through_its_expiry_month() {
        let c = Card {
            exp_month: 5,
            exp_year: 2026,
            ..card("4242424242424242", "123")
        };
        assert!(attach(&c, 2026, 5).is_ok());
        assert_eq!(
            attach(&c, 2026, 6),
            Err(CardError::Expired { in_year: false })
        );
        assert_eq!(
            attach(&c, 2027, 1),
            Err(CardError::Expired { in_year: true })
        );
    }

    #[tokio::test]
    async fn charges_follow_the_card_behaviour() {
        let p = TestProvider::default();
        let today = (2026, 1);
        let token = |n: &str| attach(&card(n, "123"), today.0, today.1).unwrap().token;
        let amount = Decimal::new(1999, 2);
        let ok = p
            .charge(&token("4242424242424242"), amount, "EUR", "k1", None)
            .await
            .unwrap();
        assert_eq!(ok.status, ChargeStatus::Succeeded);
        let again = p
            .charge(&token("4242424242424242"), amount, "EUR", "k1", None)
            .await
            .unwrap();
        assert_eq!(again.reference, ok.reference);
        let fail = p
            .charge(&token("4000000000000341"), amount, "EUR", "k2", None)
            .await
            .unwrap();
        assert_eq!(
            (fail.status, fail.failure_code.as_deref()),
            (ChargeStatus::Failed, Some("card_declined"))
        );
        let auth = p
            .charge(&token("4000002760003184"), amount, "EUR", "k3", None)
            .await
            .unwrap();
        assert_eq!(auth.status, ChargeStatus::RequiresAction);
        assert_eq!(
            p.confirm(&auth.reference).await.unwrap().status,
            ChargeStatus::Succeeded
        );
        assert!(
            p.charge("tok_other", amount, "EUR", "k4", None)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn a_key_is_one_charge_in_any_process_and_the_ledger_notes_each_request() {
        let ledger = std::env::temp_dir().join(format!("renewly-ledger-{}.tsv", random_token(8)));
        let token = attach(&card("4242424242424242", "123"), 2026, 1)
            .unwrap()
            .token;
        let amount = Decimal::new(3509, 2);
        // Two providers stand for two processes (one started after the other died).
        let first = TestProvider::with_ledger(Some(ledger.clone()));
        let second = TestProvider::with_ledger(Some(ledger.clone()));
        let a = first
            .charge(&token, amount, "EUR", "inv_1", None)
            .await
            .unwrap();
        let b = second
            .charge(&token, amount, "EUR", "inv_1", None)
            .await
            .unwrap();
        assert_eq!(a, b);
        second
            .charge(&token, amount, "EUR", "inv_2", None)
            .await
            .unwrap();
        let text = std::fs::read_to_string(&ledger).unwrap();
        std::fs::remove_file(&ledger).unwrap();
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                "inv_1\t35.09\tEUR\tsucceeded",
                "inv_1\t35.09\tEUR\tsucceeded",
                "inv_2\t35.09\tEUR\tsucceeded"
            ]
        );
    }
}
